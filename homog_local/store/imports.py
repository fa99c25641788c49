"""Writes of questions whose samples were generated outside homog-local."""

from __future__ import annotations

import json
from collections.abc import Sequence

from homog_local.store.db import Store, utc_now

__all__ = ["IMPORTED_JUDGE", "STOP_IMPORTED", "STOP_IMPORTED_NO_LOG_PROB", "save_imported_question"]

# The samples table requires a log-probability; an imported sample without
# one stores 0.0 under this stop reason, and readers treat it as unknown.
STOP_IMPORTED_NO_LOG_PROB = "imported_no_log_prob"
STOP_IMPORTED = "imported"
IMPORTED_JUDGE = "imported"


def save_imported_question(
    store: Store,
    run_id: int,
    qid: str,
    samples: Sequence[tuple[str, float | None]],
    greedy: str | None,
    label: str | None,
) -> None:
    """Store one imported question's samples, greedy answer and label, and mark it done.

    Parameters
    ----------
    store : Store
        The database.
    run_id : int
        A run created with this question planned.
    qid : str
        Question id.
    samples : sequence of (str, float or None)
        Sample text and its sequence log-probability, None when unknown.
    greedy : str or None
        Greedy answer, if the file has one; it has no token entropies.
    label : str or None
        ``correct``, ``incorrect`` or ``ambiguous`` from the file, stored as
        the primary label of judge ``imported``.
    """
    with store._write() as conn:
        conn.executemany(
            "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, qid, index, index, text, len(text.split()),
                 STOP_IMPORTED if log_prob is not None else STOP_IMPORTED_NO_LOG_PROB,
                 log_prob if log_prob is not None else 0.0, None, int(not text.strip()), 0.0)
                for index, (text, log_prob) in enumerate(samples)
            ],
        )
        if greedy is not None:
            conn.execute(
                "INSERT INTO greedy_answers (run_id, qid, prompt, n_prompt_tokens, text,"
                " n_tokens, stop_reason, token_entropies_json, mean_token_entropy,"
                " max_token_entropy, log_prob, is_empty, elapsed_s)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, qid, "", 0, greedy, len(greedy.split()), STOP_IMPORTED_NO_LOG_PROB,
                 json.dumps([]), None, None, 0.0, int(not greedy.strip()), 0.0),
            )
        if label is not None:
            conn.execute(
                "INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, qid, IMPORTED_JUDGE, label, None, "label from the imported file", 1),
            )
        conn.execute(
            "UPDATE questions SET done_utc = ? WHERE run_id = ? AND qid = ?",
            (utc_now(), run_id, qid),
        )
