"""Import a JSONL file of questions and their sampled answers as a new run.

One JSON object per line::

    {"question": "What is the capital of France?",
     "samples": ["Paris.", {"text": "It is Paris.", "log_prob": -3.2}],
     "greedy": "Paris.", "label": "correct", "id": "q1", "references": ["Paris"]}

``question`` and a non-empty ``samples`` list are required. A sample is a
string or an object with ``text`` and an optional ``log_prob`` (natural log
of the whole sequence's probability). ``greedy``, ``label`` (``correct``,
``incorrect`` or ``ambiguous``), ``id`` (default: the 0-based row number) and
``references`` are optional.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homog_local.datasets import Question
from homog_local.errors import DatasetError
from homog_local.models import file_sha256
from homog_local.runner.environment import environment_facts
from homog_local.settings import ClusterSpec, RunSettings
from homog_local.store import Store
from homog_local.store.imports import save_imported_question

__all__ = ["IMPORTED_MODEL", "ImportedQuestion", "import_jsonl", "read_import_file"]

log = logging.getLogger(__name__)

IMPORTED_MODEL = "imported"
_LABELS = ("correct", "incorrect", "ambiguous")
_KEYS = {"question", "samples", "greedy", "label", "id", "references"}


@dataclass(frozen=True)
class ImportedQuestion:
    """One question read from an import file.

    Parameters
    ----------
    qid : str
        Question id.
    text : str
        Question text.
    samples : tuple of (str, float or None)
        Sample texts with their log-probabilities (None when not given).
    greedy : str or None
        Greedy answer.
    label : str or None
        Correctness label of the greedy answer.
    references : tuple of str
        Gold answers.
    """

    qid: str
    text: str
    samples: tuple[tuple[str, float | None], ...]
    greedy: str | None
    label: str | None
    references: tuple[str, ...]


def read_import_file(path: Path) -> list[ImportedQuestion]:
    """Read and validate an import file.

    Raises
    ------
    DatasetError
        The file is missing or empty, a line is not a JSON object, a required
        field is missing or has the wrong type, an unknown key appears, or
        two rows share an id. The error names the line and the field.
    """
    if not path.is_file():
        raise DatasetError(str(path), "file not found; pass an existing .jsonl file")
    rows: list[ImportedQuestion] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = _parse_row(str(path), line_number, line, len(rows))
            if row.qid in seen:
                raise DatasetError(str(path), f"id {row.qid!r} appears twice", line_number, "id")
            seen.add(row.qid)
            rows.append(row)
    if not rows:
        raise DatasetError(str(path), "no rows; each line must be a JSON object")
    return rows


def _parse_row(source: str, line: int, text: str, position: int) -> ImportedQuestion:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(source, f"invalid JSON: {error.msg}", line) from None
    if not isinstance(data, dict):
        raise DatasetError(source, "each line must be a JSON object", line)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise DatasetError(source, f"unknown key; allowed keys are {', '.join(sorted(_KEYS))}",
                           line, unknown[0])
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise DatasetError(source, "missing or empty question text", line, "question")
    raw_samples = data.get("samples")
    if not isinstance(raw_samples, list) or not raw_samples:
        raise DatasetError(source, "samples must be a non-empty list", line, "samples")
    samples = tuple(_parse_sample(source, line, item) for item in raw_samples)
    greedy = data.get("greedy")
    if greedy is not None and not isinstance(greedy, str):
        raise DatasetError(source, "greedy must be a string", line, "greedy")
    label = data.get("label")
    if label is not None and label not in _LABELS:
        raise DatasetError(source, f"label {label!r} is not one of {', '.join(_LABELS)}",
                           line, "label")
    qid = data.get("id", position)
    if not isinstance(qid, str | int) or isinstance(qid, bool):
        raise DatasetError(source, "id must be a string or an integer", line, "id")
    references = data.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise DatasetError(source, "references must be a list of strings", line, "references")
    return ImportedQuestion(str(qid), question.strip(), samples, greedy, label, tuple(references))


def _parse_sample(source: str, line: int, item: Any) -> tuple[str, float | None]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        log_prob = item.get("log_prob")
        if log_prob is None:
            return item["text"], None
        if isinstance(log_prob, bool) or not isinstance(log_prob, int | float) or not (
            math.isfinite(log_prob) and log_prob <= 0.0
        ):
            raise DatasetError(source, f"log_prob {log_prob!r} must be a finite number <= 0",
                               line, "samples")
        return item["text"], float(log_prob)
    raise DatasetError(source, 'a sample must be a string or {"text": ..., "log_prob": ...}',
                       line, "samples")


def import_jsonl(store: Store, path: Path, clusterers: tuple[ClusterSpec, ...]) -> int:
    """Create a finished run from an import file and return its id.

    Parameters
    ----------
    store : Store
        The database.
    path : Path
        The JSONL file.
    clusterers : tuple of ClusterSpec
        Clusterers recorded in the run's settings; the caller clusters the
        run with them (``homog import`` does so through the re-score path).

    Returns
    -------
    int
        The run id. The run has ``model_name`` "imported" and status
        ``finished``.

    Raises
    ------
    DatasetError
        The file is invalid; nothing is stored then.
    """
    rows = read_import_file(path)
    n_samples = max(len(row.samples) for row in rows)
    settings = RunSettings(
        model=IMPORTED_MODEL, dataset=str(path), limit=0,
        n_samples=min(n_samples, 200), clusterers=clusterers,
    )
    questions = [
        Question(dataset=path.stem, qid=row.qid, index=i, text=row.text,
                 references=row.references)
        for i, row in enumerate(rows)
    ]
    run_id = store.create_run(
        settings=settings.to_json(), model_name=IMPORTED_MODEL, model_path=str(path.resolve()),
        model_sha256=file_sha256(path), model_kind="unknown", dataset=path.stem,
        dataset_source=str(path.resolve()), questions=questions, n_skipped_rows=0, seed=0,
        prompt_template="", environment=environment_facts(),
    )
    for row in rows:
        save_imported_question(store, run_id, row.qid, row.samples, row.greedy, row.label)
    store.set_status(run_id, "finished")
    log.info("imported %d questions from %s as run %d", len(rows), path, run_id)
    return run_id
