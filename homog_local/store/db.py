"""The SQLite store: connection setup, writes of one question per transaction, queries."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homog_local.errors import ConfigError, RunNotFoundError, SchemaError
from homog_local.store.migrations import apply_migrations
from homog_local.store.records import (
    ClusterRecord,
    LabelRecord,
    QuestionResult,
    RunRecord,
    SampleRecord,
    SignalRecord,
    StageCost,
)

__all__ = ["Store", "open_store", "utc_now"]

log = logging.getLogger(__name__)


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with a Z suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def open_store(path: Path | str | None = None) -> Store:
    """Open (and migrate) the store at path, or the default database."""
    from homog_local.dirs import default_db_path

    return Store(Path(path) if path is not None else default_db_path())


class Store:
    """A SQLite database of runs.

    Parameters
    ----------
    path : Path
        Database file; ``:memory:`` gives a private in-memory database.

    Raises
    ------
    SchemaError
        When the file was written by a newer homog-local.
    ConfigError
        When the path is not a SQLite database.

    Notes
    -----
    Opens with WAL journaling, foreign keys and a 10 s busy timeout. The
    connection may be used from several threads; a lock serialises access.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            applied = apply_migrations(self._conn, self.path)
        except sqlite3.DatabaseError as error:
            self._conn.close()
            raise ConfigError(
                "--db", self.path, f"not a usable SQLite database ({error}); pass another file"
            ) from None
        except SchemaError:
            self._conn.close()
            raise
        if applied:
            log.debug("applied migrations %s to %s", applied, self.path)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions -----------------------------------------------------

    def _write(self) -> _Transaction:
        return _Transaction(self)

    def transaction(self) -> _Transaction:
        """Return a context manager that commits every write inside it as one unit.

        A failure inside rolls all of them back.
        """
        return _Transaction(self)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a read query and return all rows."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- runs ------------------------------------------------------------

    def create_run(
        self,
        *,
        settings: dict[str, Any],
        model_name: str,
        model_path: str,
        model_sha256: str,
        model_kind: str,
        dataset: str,
        dataset_source: str,
        questions: Sequence[Any],
        n_skipped_rows: int,
        seed: int,
        prompt_template: str,
        environment: dict[str, Any],
    ) -> int:
        """Insert a run with its planned questions; return the run id."""
        now = utc_now()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (created_utc, updated_utc, status, settings_json, model_name,"
                " model_path, model_sha256, model_kind, dataset, dataset_source, n_questions,"
                " n_skipped_rows, seed, prompt_template, environment_json)"
                " VALUES (?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, now, json.dumps(settings), model_name, model_path, model_sha256,
                 model_kind, dataset, dataset_source, len(questions), n_skipped_rows, seed,
                 prompt_template, json.dumps(environment)),
            )
            run_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO questions (run_id, qid, position, text, references_json,"
                " incorrect_references_json, category) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, q.qid, position, q.text, json.dumps(list(q.references)),
                     json.dumps(list(q.incorrect_references)), q.category)
                    for position, q in enumerate(questions)
                ],
            )
        return run_id

    def set_status(self, run_id: int, status: str, error: str | None = None) -> None:
        """Set a run's status (and error text for failed runs)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, error = ?, updated_utc = ? WHERE id = ?",
                (status, error, utc_now(), run_id),
            )

    def get_run(self, run_id: int) -> RunRecord:
        """Return one run, or raise RunNotFoundError."""
        rows = self.query(_RUN_SELECT + " WHERE r.id = ?", (run_id,))
        if not rows:
            raise RunNotFoundError(run_id, self.path)
        return _run_from_row(rows[0])

    def list_runs(self) -> list[RunRecord]:
        """Return every run, newest first."""
        return [_run_from_row(row) for row in self.query(_RUN_SELECT + " ORDER BY r.id DESC")]

    def delete_run(self, run_id: int) -> None:
        """Delete a run and everything stored for it."""
        self.get_run(run_id)
        with self._write() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # -- questions -----------------------------------------------------------

    def pending_questions(self, run_id: int) -> list[sqlite3.Row]:
        """Return the run's questions without stored results, in dataset order."""
        return self.query(
            "SELECT * FROM questions WHERE run_id = ? AND done_utc IS NULL ORDER BY position",
            (run_id,),
        )

    def questions(self, run_id: int) -> list[sqlite3.Row]:
        """Return all of the run's questions in dataset order."""
        return self.query(
            "SELECT * FROM questions WHERE run_id = ? ORDER BY position", (run_id,)
        )

    def save_question(self, run_id: int, result: QuestionResult) -> None:
        """Store one question's results in one transaction and mark it done."""
        greedy = result.greedy
        with self._write() as conn:
            conn.execute(
                "INSERT INTO greedy_answers (run_id, qid, prompt, n_prompt_tokens, text,"
                " n_tokens, stop_reason, token_entropies_json, mean_token_entropy,"
                " max_token_entropy, log_prob, is_empty, elapsed_s, token_texts_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, result.qid, result.prompt, result.n_prompt_tokens, greedy.text,
                 greedy.n_tokens, greedy.stop_reason, json.dumps(list(greedy.token_entropies)),
                 greedy.mean_token_entropy, greedy.max_token_entropy, greedy.log_prob,
                 int(greedy.is_empty), greedy.elapsed_s,
                 json.dumps(list(greedy.token_texts), ensure_ascii=False)),
            )
            conn.executemany(
                "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, result.qid, index, s.seed, s.text, s.n_tokens, s.stop_reason,
                     s.log_prob, s.mean_token_entropy, int(s.is_empty), s.elapsed_s)
                    for index, s in enumerate(result.samples)
                ],
            )
            self._insert_scores(conn, run_id, result.qid, result.clusters, result.signals)
            conn.executemany(
                "INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, result.qid, lab.judge, lab.label, lab.score, lab.detail,
                     int(lab.is_primary))
                    for lab in result.labels
                ],
            )
            conn.executemany(
                "INSERT INTO costs VALUES (?, ?, ?, ?, ?)",
                [(run_id, result.qid, c.stage, c.seconds, c.n_tokens) for c in result.costs],
            )
            conn.executemany(
                "INSERT INTO events (run_id, qid, level, kind, message, created_utc)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, result.qid, level, kind, message, utc_now())
                    for level, kind, message in result.events
                ],
            )
            now = utc_now()
            conn.execute(
                "UPDATE questions SET done_utc = ? WHERE run_id = ? AND qid = ?",
                (now, run_id, result.qid),
            )
            conn.execute("UPDATE runs SET updated_utc = ? WHERE id = ?", (now, run_id))

    @staticmethod
    def _insert_scores(
        conn: sqlite3.Connection,
        run_id: int,
        qid: str,
        clusters: Sequence[ClusterRecord],
        signals: Sequence[SignalRecord],
        replace: bool = False,
    ) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        conn.executemany(
            f"{verb} INTO clusters VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, qid, c.method, c.kind, c.threshold, c.model,
                 json.dumps(list(c.assignments)), c.n_clusters)
                for c in clusters
            ],
        )
        conn.executemany(
            f"{verb} INTO signals VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, qid, s.name, s.value, int(s.higher_is_uncertain), s.undefined_reason)
                for s in signals
            ],
        )

    def save_scores(
        self,
        run_id: int,
        qid: str,
        clusters: Sequence[ClusterRecord],
        signals: Sequence[SignalRecord],
    ) -> None:
        """Store (or replace) clusters and signals of one question, e.g. after a re-score."""
        with self._write() as conn:
            self._insert_scores(conn, run_id, qid, clusters, signals, replace=True)

    def save_costs(self, run_id: int, qid: str, costs: Sequence[StageCost]) -> None:
        """Store (or replace) measured stage costs of one question, e.g. of a signal added later."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO costs VALUES (?, ?, ?, ?, ?)",
                [(run_id, qid, c.stage, c.seconds, c.n_tokens) for c in costs],
            )

    def add_event(self, run_id: int, level: str, kind: str, message: str,
                  qid: str | None = None) -> None:
        """Record a run event (warning, failure) in its own transaction."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO events (run_id, qid, level, kind, message, created_utc)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, qid, level, kind, message, utc_now()),
            )

    # -- reads of results ----------------------------------------------------

    def greedy_answers(self, run_id: int) -> dict[str, SampleRecord]:
        """Return the greedy answer of each finished question, by qid."""
        rows = self.query("SELECT * FROM greedy_answers WHERE run_id = ?", (run_id,))
        return {
            row["qid"]: SampleRecord(
                text=row["text"], n_tokens=row["n_tokens"], stop_reason=row["stop_reason"],
                log_prob=row["log_prob"], mean_token_entropy=row["mean_token_entropy"],
                is_empty=bool(row["is_empty"]), elapsed_s=row["elapsed_s"],
                token_entropies=tuple(json.loads(row["token_entropies_json"])),
                max_token_entropy=row["max_token_entropy"],
                token_texts=tuple(json.loads(row["token_texts_json"])),
            )
            for row in rows
        }

    def samples(self, run_id: int, qid: str | None = None) -> dict[str, list[SampleRecord]]:
        """Return the sampled answers of each finished question, by qid, in sample order."""
        sql = "SELECT * FROM samples WHERE run_id = ?"
        params: list[Any] = [run_id]
        if qid is not None:
            sql += " AND qid = ?"
            params.append(qid)
        result: dict[str, list[SampleRecord]] = {}
        for row in self.query(sql + " ORDER BY qid, sample_index", params):
            result.setdefault(row["qid"], []).append(
                SampleRecord(
                    text=row["text"], n_tokens=row["n_tokens"], stop_reason=row["stop_reason"],
                    log_prob=row["log_prob"], mean_token_entropy=row["mean_token_entropy"],
                    is_empty=bool(row["is_empty"]), elapsed_s=row["elapsed_s"], seed=row["seed"],
                )
            )
        return result

    def clusters(self, run_id: int) -> dict[str, dict[str, ClusterRecord]]:
        """Return cluster records by qid, then by method."""
        result: dict[str, dict[str, ClusterRecord]] = {}
        for row in self.query("SELECT * FROM clusters WHERE run_id = ?", (run_id,)):
            result.setdefault(row["qid"], {})[row["method"]] = ClusterRecord(
                method=row["method"], kind=row["kind"], threshold=row["threshold"],
                model=row["model"], assignments=tuple(json.loads(row["assignments_json"])),
            )
        return result

    def signals(self, run_id: int) -> dict[str, dict[str, SignalRecord]]:
        """Return signal records by qid, then by name."""
        result: dict[str, dict[str, SignalRecord]] = {}
        for row in self.query("SELECT * FROM signals WHERE run_id = ?", (run_id,)):
            result.setdefault(row["qid"], {})[row["name"]] = SignalRecord(
                name=row["name"], value=row["value"],
                higher_is_uncertain=bool(row["higher_is_uncertain"]),
                undefined_reason=row["undefined_reason"],
            )
        return result

    def labels(self, run_id: int) -> dict[str, list[LabelRecord]]:
        """Return the labels of each question by qid, primary judge first."""
        result: dict[str, list[LabelRecord]] = {}
        rows = self.query(
            "SELECT * FROM labels WHERE run_id = ? ORDER BY qid, is_primary DESC, judge", (run_id,)
        )
        for row in rows:
            result.setdefault(row["qid"], []).append(
                LabelRecord(judge=row["judge"], label=row["label"], score=row["score"],
                            detail=row["detail"], is_primary=bool(row["is_primary"]))
            )
        return result

    def costs(self, run_id: int) -> dict[str, dict[str, tuple[float, int]]]:
        """Return (seconds, tokens) by qid, then by stage."""
        result: dict[str, dict[str, tuple[float, int]]] = {}
        for row in self.query("SELECT * FROM costs WHERE run_id = ?", (run_id,)):
            result.setdefault(row["qid"], {})[row["stage"]] = (row["seconds"], row["n_tokens"])
        return result

    def events(self, run_id: int) -> list[sqlite3.Row]:
        """Return the run's events in order."""
        return self.query("SELECT * FROM events WHERE run_id = ? ORDER BY id", (run_id,))

    def status(self) -> dict[str, Any]:
        """Return database facts for ``homog db status``."""
        from homog_local.store.migrations import MIGRATIONS, applied_migrations

        with self._lock:
            applied = applied_migrations(self._conn)
        counts = {
            table: int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])
            for table in ("runs", "questions", "samples", "clusters", "signals", "labels")
        }
        size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
        return {
            "path": self.path,
            "size_bytes": size,
            "migrations_applied": applied,
            "migrations_pending": [n for n, _ in MIGRATIONS if n not in applied],
            "counts": counts,
        }

    def backup(self, destination: Path) -> None:
        """Write a consistent copy of the database to destination."""
        with self._lock:
            target = sqlite3.connect(str(destination))
            try:
                self._conn.backup(target)
            finally:
                target.close()


class _Transaction:
    """``with store._write() as conn``: BEGIN IMMEDIATE, COMMIT or ROLLBACK, under the lock.

    Nested on one thread, only the outermost block begins and ends the
    transaction, so several writes can be committed as one unit.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        self._store._lock.acquire()
        if self._store._depth == 0:
            try:
                self._store._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._store._lock.release()
                raise
        self._store._depth += 1
        return self._store._conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self._store._depth -= 1
            if self._store._depth == 0:
                if exc_type is None:
                    self._store._conn.execute("COMMIT")
                else:
                    self._store._conn.execute("ROLLBACK")
        finally:
            self._store._lock.release()


_RUN_SELECT = (
    "SELECT r.*, (SELECT COUNT(*) FROM questions q WHERE q.run_id = r.id"
    " AND q.done_utc IS NOT NULL) AS n_done FROM runs r"
)


def _run_from_row(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"], created_utc=row["created_utc"], updated_utc=row["updated_utc"],
        status=row["status"], settings=json.loads(row["settings_json"]),
        model_name=row["model_name"], model_path=row["model_path"],
        model_sha256=row["model_sha256"], model_kind=row["model_kind"], dataset=row["dataset"],
        dataset_source=row["dataset_source"], n_questions=row["n_questions"],
        n_done=row["n_done"], n_skipped_rows=row["n_skipped_rows"], seed=row["seed"],
        prompt_template=row["prompt_template"], environment=json.loads(row["environment_json"]),
        error=row["error"],
    )
