"""Named, append-only schema migrations.

Each migration runs in the same transaction as the row that records it.
Never edit or reorder a released migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from homog_local.errors import SchemaError

__all__ = ["MIGRATIONS", "apply_migrations", "applied_migrations"]


def _execute_each(conn: sqlite3.Connection, script: str) -> None:
    """Run ;-separated statements one by one (executescript would commit first)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _m001_initial(conn: sqlite3.Connection) -> None:
    _execute_each(
        conn,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('created', 'running', 'interrupted', 'failed', 'finished')),
            settings_json TEXT NOT NULL,
            model_name TEXT NOT NULL,
            model_path TEXT NOT NULL,
            model_sha256 TEXT NOT NULL,
            model_kind TEXT NOT NULL,
            dataset TEXT NOT NULL,
            dataset_source TEXT NOT NULL,
            n_questions INTEGER NOT NULL,
            n_skipped_rows INTEGER NOT NULL DEFAULT 0,
            seed INTEGER NOT NULL,
            prompt_template TEXT NOT NULL,
            environment_json TEXT NOT NULL,
            error TEXT
        );
        CREATE TABLE questions (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            qid TEXT NOT NULL,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            references_json TEXT NOT NULL,
            incorrect_references_json TEXT NOT NULL,
            category TEXT,
            done_utc TEXT,
            PRIMARY KEY (run_id, qid)
        );
        CREATE INDEX questions_position ON questions(run_id, position);
        CREATE TABLE greedy_answers (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            prompt TEXT NOT NULL,
            n_prompt_tokens INTEGER NOT NULL,
            text TEXT NOT NULL,
            n_tokens INTEGER NOT NULL,
            stop_reason TEXT NOT NULL,
            token_entropies_json TEXT NOT NULL,
            mean_token_entropy REAL,
            max_token_entropy REAL,
            log_prob REAL NOT NULL,
            is_empty INTEGER NOT NULL,
            elapsed_s REAL NOT NULL,
            PRIMARY KEY (run_id, qid),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE samples (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            seed INTEGER NOT NULL,
            text TEXT NOT NULL,
            n_tokens INTEGER NOT NULL,
            stop_reason TEXT NOT NULL,
            log_prob REAL NOT NULL,
            mean_token_entropy REAL,
            is_empty INTEGER NOT NULL,
            elapsed_s REAL NOT NULL,
            PRIMARY KEY (run_id, qid, sample_index),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE clusters (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            method TEXT NOT NULL,
            kind TEXT NOT NULL,
            threshold REAL NOT NULL,
            model TEXT,
            assignments_json TEXT NOT NULL,
            n_clusters INTEGER NOT NULL,
            PRIMARY KEY (run_id, qid, method),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE signals (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            name TEXT NOT NULL,
            value REAL,
            higher_is_uncertain INTEGER NOT NULL,
            undefined_reason TEXT,
            PRIMARY KEY (run_id, qid, name),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE labels (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            judge TEXT NOT NULL,
            label TEXT NOT NULL CHECK (label IN ('correct', 'incorrect', 'ambiguous')),
            score REAL,
            detail TEXT NOT NULL,
            is_primary INTEGER NOT NULL,
            PRIMARY KEY (run_id, qid, judge),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE costs (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            stage TEXT NOT NULL,
            seconds REAL NOT NULL,
            n_tokens INTEGER NOT NULL,
            PRIMARY KEY (run_id, qid, stage),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            qid TEXT,
            level TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        """
    )


def _m002_clustering_caches(conn: sqlite3.Connection) -> None:
    # Caches are keyed by content hashes, not run ids, so every run and every
    # re-score reuses them. Probabilities are in canonical label order.
    _execute_each(
        conn,
        """
        CREATE TABLE nli_pairs (
            model_sha256 TEXT NOT NULL,
            max_length INTEGER NOT NULL,
            premise_sha256 TEXT NOT NULL,
            hypothesis_sha256 TEXT NOT NULL,
            p_contradiction REAL NOT NULL,
            p_neutral REAL NOT NULL,
            p_entailment REAL NOT NULL,
            PRIMARY KEY (model_sha256, max_length, premise_sha256, hypothesis_sha256)
        ) WITHOUT ROWID;
        CREATE TABLE embeddings (
            model_sha256 TEXT NOT NULL,
            max_length INTEGER NOT NULL,
            text_sha256 TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model_sha256, max_length, text_sha256)
        ) WITHOUT ROWID;
        CREATE TABLE cluster_methods (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            method TEXT NOT NULL,
            kind TEXT NOT NULL,
            model TEXT,
            model_sha256 TEXT,
            options_json TEXT NOT NULL,
            updated_utc TEXT NOT NULL,
            PRIMARY KEY (run_id, method)
        );
        CREATE TABLE cluster_stats (
            run_id INTEGER NOT NULL,
            qid TEXT NOT NULL,
            method TEXT NOT NULL,
            seconds REAL NOT NULL,
            n_model_calls INTEGER NOT NULL,
            n_cache_hits INTEGER NOT NULL,
            n_distinct_pairs INTEGER NOT NULL,
            PRIMARY KEY (run_id, qid, method),
            FOREIGN KEY (run_id, qid) REFERENCES questions(run_id, qid) ON DELETE CASCADE
        );
        """
    )


def _m003_greedy_token_texts(conn: sqlite3.Connection) -> None:
    # Rows written before this migration have no token texts: an empty list.
    conn.execute(
        "ALTER TABLE greedy_answers ADD COLUMN token_texts_json TEXT NOT NULL DEFAULT '[]'"
    )


# Append new migrations at the end; names are recorded in the database.
MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("001_initial", _m001_initial),
    ("002_clustering_caches", _m002_clustering_caches),
    ("003_greedy_token_texts", _m003_greedy_token_texts),
]


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Return the names of migrations recorded in the database, in order."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_utc TEXT NOT NULL)"
    )
    rows = conn.execute("SELECT name FROM migrations ORDER BY rowid").fetchall()
    return [row[0] for row in rows]


def apply_migrations(conn: sqlite3.Connection, db_path: str) -> list[str]:
    """Apply every pending migration; return the names applied now.

    Raises
    ------
    SchemaError
        When the database records migrations this code does not know, which
        means a newer homog-local wrote it.
    """
    known = [name for name, _ in MIGRATIONS]
    done = applied_migrations(conn)
    unknown = [name for name in done if name not in known]
    if unknown:
        raise SchemaError(db_path, unknown)
    applied_now = []
    for name, migrate in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrate(conn)
            conn.execute(
                "INSERT INTO migrations (name, applied_utc)"
                " VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (name,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied_now.append(name)
    return applied_now
