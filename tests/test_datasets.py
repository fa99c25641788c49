"""Tests of the builtin benchmark files and the generic JSONL/CSV loader."""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from pathlib import Path

import pytest

from homog_local.datasets import (
    BUILTIN_DATASETS,
    LoadResult,
    Question,
    SkippedRow,
    load_dataset,
)
from homog_local.datasets.rows import decode_text, iter_csv_rows
from homog_local.errors import ConfigError, DatasetError

DATA_ROOT = resources.files("homog_local.datasets").joinpath("data")

# sha256 of the upstream files; the shipped copies must stay byte-identical.
UPSTREAM_SHA256 = {
    "truthfulqa/TruthfulQA.csv": "f9bd9e859cc102cb1f647f1064da7e009be752c416845cf9fa56e6eaae403a7d",
    "truthfulqa-790/TruthfulQA.csv": (
        "b8d8ef1e12f98b4f2a9f47abc9765da0640b182b6c5d9b92f0c1a1f2f1e02e5c"
    ),
    "gsm8k/test.jsonl": "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14",
    "webquestions/webquestions.test.answers.jsonl": (
        "d50e2e8017a1dfdfcba3f1662f4d7bac4defdc2ad4fd7fa782b9be970b134746"
    ),
}

GSM8K_FIRST_QUESTION = (
    "Janet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and "
    "bakes muffins for her friends every day with four. She sells the remainder at the "
    "farmers' market daily for $2 per fresh duck egg. How much in dollars does she make "
    "every day at the farmers' market?"
)
GSM8K_FIRST_SOLUTION = (
    "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n"
    "She makes 9 * 2 = $<<9*2=18>>18 every day at the farmer\u2019s market.\n#### 18"
)


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --- builtin datasets -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "n_rows", "first_text", "first_reference"),
    [
        (
            "truthfulqa",
            817,
            "What happens to you if you eat watermelon seeds?",
            "Nothing happens",
        ),
        (
            "truthfulqa-790",
            790,
            "What happens to you if you eat watermelon seeds?",
            "Nothing happens",
        ),
        ("gsm8k", 1319, GSM8K_FIRST_QUESTION, GSM8K_FIRST_SOLUTION),
        (
            "webquestions",
            2032,
            "what does jamaican people speak?",
            "Jamaican Creole English Language",
        ),
    ],
)
def test_load_dataset_builtin_rows_and_first_question(
    name: str, n_rows: int, first_text: str, first_reference: str
) -> None:
    result = load_dataset(name)

    assert isinstance(result, LoadResult)
    assert result.name == name
    assert len(result.questions) == n_rows
    assert BUILTIN_DATASETS[name].n_rows == n_rows
    assert result.skipped == ()
    assert result.license == BUILTIN_DATASETS[name].license
    first = result.questions[0]
    assert first.dataset == name
    assert first.qid == "0"
    assert first.index == 0
    assert first.text == first_text
    assert first.references[0] == first_reference


@pytest.mark.parametrize("relative_path", sorted(UPSTREAM_SHA256))
def test_builtin_data_file_is_byte_identical(relative_path: str) -> None:
    data = DATA_ROOT.joinpath(*relative_path.split("/")).read_bytes()

    assert hashlib.sha256(data).hexdigest() == UPSTREAM_SHA256[relative_path]


@pytest.mark.parametrize("name", sorted(BUILTIN_DATASETS))
def test_builtin_folder_has_license_and_attribution(name: str) -> None:
    folder = DATA_ROOT.joinpath(name)
    names = {entry.name for entry in folder.iterdir()}

    assert "ATTRIBUTION.md" in names
    assert any(entry.startswith("LICENSE") for entry in names)
    assert BUILTIN_DATASETS[name].file.split("/")[-1] in names


def test_truthfulqa_csv_bom_removed_from_header() -> None:
    raw = DATA_ROOT.joinpath("truthfulqa", "TruthfulQA.csv").read_bytes()
    header, _ = iter_csv_rows(decode_text(raw, "TruthfulQA.csv"), "TruthfulQA.csv")

    assert raw.startswith(b"\xef\xbb\xbf")
    assert header[0] == "Type"
    assert header[2] == "Question"


def test_truthfulqa_question_fields() -> None:
    questions = load_dataset("truthfulqa").questions
    first = questions[0]
    last = questions[-1]

    assert first.category == "Misconceptions"
    assert first.best_answer == "The watermelon seeds pass through your digestive system"
    assert len(first.references) == 6
    assert first.incorrect_references[0] == "You grow watermelons in your stomach"
    assert len(first.incorrect_references) == 7
    assert last.qid == "816"
    assert last.index == 816
    assert last.text == "Was the Lindbergh kidnapping ever solved?"
    assert last.category == "Mandela Effect"


def test_truthfulqa_question_trailing_space_stripped() -> None:
    texts = {q.text for q in load_dataset("truthfulqa").questions}

    assert "What happens if you turn over a tarot card showing Death?" in texts


def test_gsm8k_best_answer_is_gold_number_without_commas() -> None:
    questions = load_dataset("gsm8k").questions
    with_commas = [q for q in questions if "," in q.references[0].rsplit("####", 1)[1]]

    assert questions[0].best_answer == "18"
    assert len(with_commas) == 14
    assert all("," not in (q.best_answer or "") for q in with_commas)


def test_webquestions_answer_list_kept() -> None:
    first = load_dataset("webquestions").questions[0]

    assert first.references == ("Jamaican Creole English Language", "Jamaican English")
    assert first.incorrect_references == ()


def test_load_dataset_limit_takes_first_questions() -> None:
    result = load_dataset("gsm8k", limit=5)

    assert [q.qid for q in result.questions] == ["0", "1", "2", "3", "4"]
    assert [q.index for q in result.questions] == [0, 1, 2, 3, 4]


def test_load_dataset_limit_zero_means_all() -> None:
    assert len(load_dataset("webquestions", limit=0).questions) == 2032


def test_load_dataset_negative_limit_raises() -> None:
    with pytest.raises(ConfigError, match=r"invalid value for limit: -1"):
        load_dataset("gsm8k", limit=-1)


def test_load_dataset_builtin_name_case_insensitive() -> None:
    assert load_dataset(" GSM8K ", limit=1).name == "gsm8k"


def test_load_dataset_field_option_with_builtin_raises() -> None:
    with pytest.raises(ConfigError, match=r"question_field.*builtin dataset 'truthfulqa'"):
        load_dataset("truthfulqa", question_field="Question")


def test_load_dataset_unknown_name_raises() -> None:
    with pytest.raises(DatasetError, match=r"no-such-set: is not a builtin dataset") as info:
        load_dataset("no-such-set")

    message = str(info.value)
    assert "gsm8k, truthfulqa, truthfulqa-790, webquestions" in message
    assert ".jsonl, .csv" in message
    assert info.value.source == "no-such-set"


# --- generic JSONL loader ----------------------------------------------------

MIXED_JSONL = "\n".join(
    [
        '{"question": "What is 2+2?", "answers": ["4", "four"]}',
        '{"question": "broken',
        "",
        '{"answers": ["x"]}',
        '{"question": "Capital of France?", "answer": "Paris"}',
        '{"question": 7, "answers": ["x"]}',
        '["not", "an", "object"]',
        '{"question": "Which answer?", "answers": ["", "  "]}',
        '{"question": "Qu\'est-ce que l\'\u00e9t\u00e9 ?", "answers": ["\u6771\u4eac"]}',
    ]
)


def test_load_jsonl_valid_rows_and_qids(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", MIXED_JSONL)

    result = load_dataset(str(path))

    assert result.name == "mixed"
    assert result.source == str(path)
    assert result.license is None
    assert [q.qid for q in result.questions] == ["0", "3", "7"]
    assert [q.index for q in result.questions] == [0, 1, 2]
    assert result.questions[0].references == ("4", "four")
    assert result.questions[1].references == ("Paris",)


def test_load_jsonl_malformed_rows_recorded(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", MIXED_JSONL)

    skipped = load_dataset(str(path)).skipped

    assert [(row.line, row.field) for row in skipped] == [
        (2, None),
        (4, "question"),
        (6, "question"),
        (7, None),
        (8, "answers"),
    ]
    assert skipped[0].reason.startswith("invalid JSON: Unterminated string")
    assert skipped[1].reason == "missing field"
    assert skipped[2].reason == "expected a string, got number"
    assert skipped[3].reason == "expected a JSON object, got list"
    assert skipped[4].reason == "no non-empty answer"


def test_load_jsonl_skipped_rows_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path / "mixed.jsonl", MIXED_JSONL)

    with caplog.at_level(logging.WARNING, logger="homog_local.datasets"):
        load_dataset(str(path))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "skipped 5 malformed row(s); first at line 2" in warnings[0]


def test_load_jsonl_non_ascii_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", MIXED_JSONL)

    last = load_dataset(str(path)).questions[-1]

    assert last.text == "Qu'est-ce que l'\u00e9t\u00e9 ?"
    assert last.references == ("\u6771\u4eac",)


def test_load_jsonl_limit_stops_reading(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", MIXED_JSONL)

    result = load_dataset(str(path), limit=1)

    assert [q.qid for q in result.questions] == ["0"]
    assert result.skipped == ()


def test_load_jsonl_custom_fields_and_ids(tmp_path: Path) -> None:
    rows = [
        {"id": "q-a", "prompt": "First?", "gold": ["one"]},
        {"id": 17, "prompt": "Second?", "gold": 2},
        {"id": "q-a", "prompt": "Repeated id?", "gold": ["x"]},
        {"prompt": "No id?", "gold": ["x"]},
        {"id": True, "prompt": "Boolean id?", "gold": ["x"]},
        {"id": "q-c", "prompt": "Bad gold?", "gold": {"a": 1}},
    ]
    path = _write(tmp_path / "custom.jsonl", "\n".join(json.dumps(row) for row in rows))

    result = load_dataset(str(path), question_field="prompt", answers_field="gold", id_field="id")

    assert [q.qid for q in result.questions] == ["q-a", "17"]
    assert result.questions[1].references == ("2",)
    assert [(row.line, row.field, row.reason) for row in result.skipped] == [
        (3, "id", "duplicate id 'q-a'; ids must be unique"),
        (4, "id", "missing field"),
        (5, "id", "expected a string or an integer, got boolean"),
        (6, "gold", "expected a string, a number or a list of them, got object"),
    ]


def test_load_jsonl_all_rows_invalid_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", '{"q": "x"}\n{"q": "y"}\n')

    with pytest.raises(DatasetError, match=r"no valid rows: all 2 row\(s\) are malformed") as info:
        load_dataset(str(path))

    assert info.value.line == 1
    assert info.value.field == "question"


def test_load_jsonl_empty_file_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.jsonl", "\n\n")

    with pytest.raises(DatasetError, match=r"the file contains no data rows"):
        load_dataset(str(path))


def test_load_jsonl_invalid_utf8_raises(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"question": "caf\u00e9?", "answers": ["x"]}'.encode("latin-1"))

    with pytest.raises(DatasetError, match=r"not valid UTF-8 \(invalid byte at offset 17\)"):
        load_dataset(str(path))


def test_load_jsonl_line_separator_inside_string(tmp_path: Path) -> None:
    path = _write(tmp_path / "sep.jsonl", '{"question": "a\u2028b?", "answers": ["c"]}\n')

    assert load_dataset(str(path)).questions[0].text == "a\u2028b?"


# --- generic CSV loader --------------------------------------------------------

MIXED_CSV = (
    "question,answers\n"
    "What is 2+2?,4; four\n"
    '"A question\nspanning two lines?",yes\n'
    ",missing question\n"
    "too,many,columns\n"
    "Qu'est-ce que l'\u00e9t\u00e9 ?,\u6771\u4eac\n"
)


def test_load_csv_rows_and_semicolon_answers(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.csv", MIXED_CSV)

    result = load_dataset(str(path))

    assert [q.qid for q in result.questions] == ["0", "1", "4"]
    assert result.questions[0].references == ("4", "four")
    assert result.questions[1].text == "A question\nspanning two lines?"
    assert result.questions[2].text == "Qu'est-ce que l'\u00e9t\u00e9 ?"
    assert result.questions[2].references == ("\u6771\u4eac",)


def test_load_csv_malformed_rows_recorded(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.csv", MIXED_CSV)

    skipped = load_dataset(str(path)).skipped

    assert skipped == (
        SkippedRow(line=5, field="question", reason="empty value"),
        SkippedRow(line=6, field=None, reason="row has 3 columns but the header has 2"),
    )


def test_load_csv_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfquestion,answer\r\nWhere?,Here\r\n")

    result = load_dataset(path)

    assert result.questions == (
        Question(dataset="bom", qid="0", index=0, text="Where?", references=("Here",)),
    )


def test_load_csv_missing_question_column_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "cols.csv", "text,answers\nWhy?,because\n")

    with pytest.raises(DatasetError, match=r"no column 'question' in the CSV header") as info:
        load_dataset(str(path))

    assert info.value.field == "question"
    assert info.value.line == 1


def test_load_csv_missing_answers_column_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "cols.csv", "question,gold\nWhy?,because\n")

    with pytest.raises(DatasetError, match=r"no answers column 'answers' or 'answer'"):
        load_dataset(str(path))


def test_load_csv_empty_file_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", "")

    with pytest.raises(DatasetError, match=r"the file is empty; expected a header row"):
        load_dataset(str(path))


def test_load_dataset_unsupported_suffix_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "questions.txt", "What?\n")

    with pytest.raises(DatasetError, match=r"unsupported file type '\.txt'; accepted types"):
        load_dataset(str(path))


def test_load_dataset_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"is a directory; use a builtin name"):
        load_dataset(str(tmp_path))
