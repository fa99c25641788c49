"""Real runs on each shipped dataset kind and on the Gemma base model."""

from __future__ import annotations

import json

from homog_local.cli.main import main
from homog_local.store import Store

TINY = ["--samples", "2", "--max-tokens", "12", "--resamples", "200", "--json"]


def _run(capsys, *args: str) -> dict:
    assert main(["run", *args, *TINY]) == 0
    return json.loads(capsys.readouterr().out)


def test_gsm8k_labels_by_numeric_match(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    document = _run(capsys, "--dataset", "gsm8k", "--limit", "2", "--db", str(db))
    assert document["labels"]["judge"] == "numeric-match"
    labels = Store(db).labels(1)
    assert sorted(labels) == ["0", "1"]
    assert {lab.label for records in labels.values() for lab in records} <= {
        "correct", "incorrect"}


def test_webquestions_labels_by_alias(tmp_path, capsys) -> None:
    document = _run(capsys, "--dataset", "webquestions", "--limit", "2",
                    "--db", str(tmp_path / "d.sqlite"))
    assert document["labels"]["judge"] == "alias-match"
    assert document["n_done"] == 2


def test_gemma_base_model_raw_prompt(tmp_path, capsys) -> None:
    db = tmp_path / "d.sqlite"
    document = _run(capsys, "--model", "gemma3-270m", "--limit", "1", "--db", str(db))
    assert document["model"] == "gemma3-270m"
    assert document["model_kind"] == "base"
    prompt = Store(db).query("SELECT prompt FROM greedy_answers")[0][0]
    assert prompt == ("Answer the following question concisely:\n\n"
                      "Q: What happens to you if you eat watermelon seeds?\nA:")


def test_non_ascii_questions_round_trip(tmp_path, capsys) -> None:
    data = tmp_path / "intl.jsonl"
    rows = [{"question": "Quelle est la capitale de la France ? (été)", "answers": ["Paris"]},
            {"question": "東京はどこの国の首都ですか？", "answers": ["日本", "Japan"]}]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    db = tmp_path / "d.sqlite"
    document = _run(capsys, "--dataset", str(data), "--db", str(db))
    assert document["n_done"] == 2
    texts = [row[0] for row in Store(db).query("SELECT text FROM questions ORDER BY position")]
    assert texts == [r["question"] for r in rows]
