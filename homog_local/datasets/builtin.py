"""Benchmark files shipped inside the package and their row converters.

Each folder under ``homog_local/datasets/data/`` holds one unmodified data file,
its license text and an ATTRIBUTION.md that names the origin and citation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from homog_local.datasets.records import AnswerKind, LoadResult, Question
from homog_local.datasets.rows import (
    RowConverter,
    RowError,
    collect_questions,
    decode_text,
    iter_csv_rows,
    iter_jsonl_rows,
    require_text,
    split_semicolon_list,
)
from homog_local.errors import DatasetError

__all__ = ["BUILTIN_DATASETS", "DatasetInfo", "load_builtin"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetInfo:
    """Description of one shipped benchmark file.

    Parameters
    ----------
    name : str
        Builtin name accepted by `load_dataset`.
    description : str
        One line for listings.
    file : str
        Path of the data file relative to ``homog_local/datasets/data/``.
    license : str
        SPDX identifier of the data license.
    n_rows : int
        Number of questions in the file.
    answer_kind : {"truthfulqa", "numeric", "alias"}
        How answers are checked; selects the judges.
    """

    name: str
    description: str
    file: str
    license: str
    n_rows: int
    answer_kind: AnswerKind


BUILTIN_DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            name="truthfulqa",
            description="TruthfulQA generation task, 817 questions with later-added references",
            file="truthfulqa/TruthfulQA.csv",
            license="Apache-2.0",
            n_rows=817,
            answer_kind="truthfulqa",
        ),
        DatasetInfo(
            name="truthfulqa-790",
            description="TruthfulQA generation task, the current 790-question upstream file",
            file="truthfulqa-790/TruthfulQA.csv",
            license="Apache-2.0",
            n_rows=790,
            answer_kind="truthfulqa",
        ),
        DatasetInfo(
            name="gsm8k",
            description="GSM8K grade-school math test split, 1,319 problems with numeric answers",
            file="gsm8k/test.jsonl",
            license="MIT",
            n_rows=1319,
            answer_kind="numeric",
        ),
        DatasetInfo(
            name="webquestions",
            description="WebQuestions test split, 2,032 questions with Freebase answer lists",
            file="webquestions/webquestions.test.answers.jsonl",
            license="CC-BY-4.0",
            n_rows=2032,
            answer_kind="alias",
        ),
    )
}


def load_builtin(info: DatasetInfo, limit: int | None) -> LoadResult:
    """Load a shipped benchmark file.

    Parameters
    ----------
    info : DatasetInfo
        An entry of `BUILTIN_DATASETS`.
    limit : int or None
        Keep the first `limit` questions; None or 0 keeps all.

    Returns
    -------
    LoadResult
        Questions whose `qid` is the 0-based row index as a string.

    Raises
    ------
    DatasetError
        If the shipped file is missing (a broken install) or has no valid row.
    """
    resource = resources.files("homog_local.datasets").joinpath("data", *info.file.split("/"))
    source = str(resource)
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise DatasetError(
            info.name,
            f"failed to read the shipped data file {info.file} ({exc}); reinstall homog-local",
        ) from exc
    text = decode_text(data, source)

    if info.answer_kind == "truthfulqa":
        _, rows = iter_csv_rows(text, source)
    else:
        rows = iter_jsonl_rows(text)
    result = collect_questions(
        name=info.name,
        source=source,
        license=info.license,
        rows=rows,
        convert=_CONVERTERS[info.answer_kind](info.name),
        limit=limit,
    )
    logger.debug("loaded %d questions from builtin dataset %s", len(result.questions), info.name)
    return result


def _truthfulqa_converter(name: str) -> RowConverter:
    def convert(row: Mapping[str, object], record_number: int, index: int) -> Question:
        text = require_text(row, "Question")
        references = split_semicolon_list(require_text(row, "Correct Answers"))
        incorrect = split_semicolon_list(require_text(row, "Incorrect Answers"))
        if not references:
            raise RowError("Correct Answers", "no answer left after splitting on ';'")
        return Question(
            dataset=name,
            qid=str(record_number),
            index=index,
            text=text,
            references=references,
            incorrect_references=incorrect,
            category=_optional_text(row.get("Category")),
            best_answer=_optional_text(row.get("Best Answer")),
        )

    return convert


def _gsm8k_converter(name: str) -> RowConverter:
    def convert(row: Mapping[str, object], record_number: int, index: int) -> Question:
        text = require_text(row, "question")
        solution = require_text(row, "answer")
        if "####" not in solution:
            raise RowError("answer", "no '#### <number>' line with the gold answer")
        gold = solution.rsplit("####", 1)[1].strip().replace(",", "")
        return Question(
            dataset=name,
            qid=str(record_number),
            index=index,
            text=text,
            references=(solution,),
            best_answer=gold,
        )

    return convert


def _webquestions_converter(name: str) -> RowConverter:
    def convert(row: Mapping[str, object], record_number: int, index: int) -> Question:
        text = require_text(row, "question")
        answers = row.get("answers")
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise RowError("answers", "expected a list of strings")
        references = tuple(a.strip() for a in answers if a.strip())
        if not references:
            raise RowError("answers", "empty answer list")
        return Question(
            dataset=name, qid=str(record_number), index=index, text=text, references=references
        )

    return convert


def _optional_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


_CONVERTERS = {
    "truthfulqa": _truthfulqa_converter,
    "numeric": _gsm8k_converter,
    "alias": _webquestions_converter,
}
