"""A run killed with SIGKILL resumes to exactly the rows of an uninterrupted run.

The runs decode batched, across the questions of each group, so this also
checks that a resumed run decodes the same groups.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

# Groups of 2 questions, decoded in batches of up to 4 answers across both.
ARGS = ["run", "--limit", "6", "--samples", "3", "--max-tokens", "16", "--resamples", "200",
        "--group-size", "2", "--parallel", "4", "--json"]
# Timing columns differ between runs; everything else must match exactly.
COMPARED = {
    "questions": "qid, position, text, references_json",
    "greedy_answers": "qid, prompt, n_prompt_tokens, text, n_tokens, stop_reason, "
                      "token_entropies_json, mean_token_entropy, log_prob, is_empty",
    "samples": "qid, sample_index, seed, text, n_tokens, stop_reason, log_prob, "
               "mean_token_entropy, is_empty",
    "clusters": "qid, method, assignments_json, n_clusters",
    "signals": "qid, name, value, undefined_reason",
    "labels": "qid, judge, label, score, detail, is_primary",
}


def _homog(*args: str) -> list[str]:
    return [sys.executable, "-m", "homog_local.cli.main", *args]


def _rows(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()
            for table, columns in COMPARED.items()
        }
    finally:
        conn.close()


def _n_done(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM questions WHERE done_utc IS NOT NULL").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_sigkill_then_resume_matches_uninterrupted(tmp_path) -> None:
    env = dict(os.environ)
    whole = tmp_path / "whole.sqlite"
    done = subprocess.run(_homog(*ARGS, "--db", str(whole)), env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    killed = tmp_path / "killed.sqlite"
    process = subprocess.Popen(_homog(*ARGS, "--db", str(killed)), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _n_done(killed) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    n_before = _n_done(killed)
    assert n_before in (2, 4)

    # The killed database is readable and lost at most the group in flight.
    conn = sqlite3.connect(killed)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    partial = conn.execute("SELECT COUNT(DISTINCT qid) FROM samples").fetchone()[0]
    conn.close()
    assert partial == n_before

    resumed = subprocess.run(_homog("run", "--resume", "1", "--db", str(killed), "--json",
                                    "--resamples", "200"),
                             env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert _rows(killed) == _rows(whole)
    assert len(_rows(whole)["samples"]) == 18


def test_sigterm_marks_run_interrupted(tmp_path) -> None:
    db = tmp_path / "term.sqlite"
    process = subprocess.Popen(_homog(*ARGS, "--db", str(db)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while _n_done(db) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.terminate()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "homog run --resume 1" in stderr
    conn = sqlite3.connect(db)
    status, = conn.execute("SELECT status FROM runs WHERE id = 1").fetchone()
    conn.close()
    assert status == "interrupted"
