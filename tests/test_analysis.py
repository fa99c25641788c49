from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from paper_data import PAPER_DIR
from rich.console import Console

from homog_local.analysis.render import format_metric, render_report, to_jsonable
from homog_local.analysis.report import analyze
from homog_local.analysis.table import ScoreTable, load_table, parse_costs, parse_mapping
from homog_local.errors import ConfigError, DatasetError, UndefinedMetricWarning


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _toy_rows(n: int = 60) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        wrong = i % 2
        rows.append(
            {
                "id": f"q{i}",
                "label": "incorrect" if wrong else "correct",
                "entropy": float(rng.normal() + wrong),
                "density": float(rng.normal() - wrong),
            }
        )
    rows.append({"id": "qa", "label": "ambiguous", "entropy": 0.1, "density": 0.2})
    return rows


def test_parse_mapping_signals_and_negation() -> None:
    mapping = parse_mapping("label=label, qid=id, b1=entropy, b2=-density")
    assert mapping.label == "label"
    assert mapping.qid == "id"
    assert [(s.name, s.column, s.negate) for s in mapping.signals] == [
        ("b1", "entropy", False),
        ("b2", "density", True),
    ]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("b1=entropy", "label=COLUMN is missing"),
        ("label=label", "no signal column given"),
        ("label=label,b1", "invalid value for --map: 'b1'"),
        ("label=label,b1=x,b1=y", "name 'b1' appears twice"),
    ],
)
def test_parse_mapping_errors(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_mapping(text)


def test_parse_costs_validates_names() -> None:
    assert parse_costs("b1=0,b2=2.5", ["b1", "b2"]) == {"b1": 0.0, "b2": 2.5}
    with pytest.raises(ConfigError, match="NAME one of b1, b2"):
        parse_costs("b3=1", ["b1", "b2"])
    with pytest.raises(ConfigError, match="number >= 0"):
        parse_costs("b1=-1", ["b1", "b2"])


def test_load_table_jsonl_excludes_other_labels(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "t.jsonl", _toy_rows())
    table = load_table(path, parse_mapping("label=label,qid=id,b1=entropy,b2=-density"))
    assert table.n_questions == 60
    assert table.excluded == {"ambiguous": 1}
    assert table.qids[:2] == ("q0", "q1")
    assert table.is_incorrect[:2].tolist() == [0, 1]
    assert table.scores["b2"][0] == -_toy_rows()[0]["density"]


def test_load_table_csv_with_failed_values(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("label,s\n1,0.5\n0,\n1,0.9\n0,0.1\n")
    table = load_table(path, parse_mapping("label=label,s=s"))
    assert table.is_incorrect.tolist() == [1, 0, 1, 0]
    assert math.isnan(table.scores["s"][1])
    assert table.valid("s").tolist() == [True, False, True, True]


def test_load_table_json_nested_list(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": "x", "rows": [{"y": 1, "s": 0.2}, {"y": 0, "s": 0.1}]}))
    table = load_table(path, parse_mapping("label=y,s=s"))
    assert table.n_questions == 2


def test_load_table_unknown_column_names_field(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "t.jsonl", _toy_rows(4))
    with pytest.raises(
        DatasetError, match=r"field 'entropyy': column not found; fix --map"
    ) as info:
        load_table(path, parse_mapping("label=label,b1=entropyy"))
    assert info.value.field == "entropyy"
    assert "available columns: density, entropy, id, label" in str(info.value)


def test_load_table_non_number_names_line(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "t.jsonl", [{"label": 1, "s": 0.1}, {"label": 0, "s": "high"}])
    with pytest.raises(DatasetError, match=r"line 2, field 's': expected a number, got 'high'"):
        load_table(path, parse_mapping("label=label,s=s"))


def test_load_table_missing_file() -> None:
    with pytest.raises(DatasetError, match="file not found"):
        load_table("/nonexistent/t.jsonl", parse_mapping("label=label,s=s"))


def test_score_table_rejects_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="signal 's' has shape"):
        ScoreTable(("a", "b"), np.array([0, 1], dtype=np.int8), {"s": np.zeros(3)})


def test_analyze_toy_table(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "t.jsonl", _toy_rows())
    table = load_table(path, parse_mapping("label=label,b1=entropy,b2=-density"))
    report = analyze(table, n_resamples=500, n_splits=3)
    assert [s.name for s in report.signals] == ["b1", "b2"]
    assert report.signals[0].auroc.value > 0.6
    assert len(report.signals[0].accuracy) == 10
    assert report.pairwise[0].a == "b1"
    assert report.cascade is not None
    assert report.held_out is not None
    assert report.paper is None
    assert report.cascade_stages == ("b1", "b2")


def test_analyze_one_class_renders_undefined() -> None:
    table = ScoreTable(
        ("a", "b", "c"), np.zeros(3, dtype=np.int8), {"s": np.array([0.1, 0.2, 0.3])}
    )
    with pytest.warns(UndefinedMetricWarning):
        report = analyze(table, n_resamples=50)
    console = Console(record=True, width=160)
    render_report(report, console)
    text = console.export_text()
    assert "undefined (n+=0, n\u2212=3)" in text
    assert "nan" not in text.lower()


def test_analyze_binary_signal_rate() -> None:
    flags = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    table = ScoreTable(tuple("abcdefghij"), np.array([0, 1] * 5, dtype=np.int8), {"scr": flags})
    report = analyze(table, n_resamples=200)
    assert report.signals[0].rate is not None
    assert report.signals[0].rate.value == 0.2


def test_analyze_unknown_cascade_signal() -> None:
    table = ScoreTable(("a", "b"), np.array([0, 1], dtype=np.int8), {"s": np.array([0.1, 0.2])})
    with pytest.raises(ConfigError, match="--cascade"):
        analyze(table, cascade=("s", "t"), n_resamples=10)


def test_to_jsonable_replaces_nan() -> None:
    assert to_jsonable({"a": math.nan, "b": (1.0, np.float64(2.0))}) == {"a": None, "b": [1.0, 2.0]}


def test_format_metric_undefined_counts() -> None:
    assert format_metric(math.nan, n_positive=0, n_negative=5) == "undefined (n+=0, n\u2212=5)"
    assert format_metric(0.51234) == "0.5123"
    assert format_metric(0.5, percent=True) == "50.0 %"


def test_analyze_head_to_head_file() -> None:
    path = PAPER_DIR / "exp27_sindex_headtohead.json"
    if not path.exists():
        pytest.skip(f"released paper data not found at {path}")
    mapping = parse_mapping("label=y_true,qid=qi,b1=b1_entropy,se=se_jaccard,scr_j=scr_jaccard")
    report = analyze(load_table(path, mapping), n_resamples=200, n_splits=2)
    by_name = {s.name: s for s in report.signals}
    assert by_name["b1"].auroc.value == pytest.approx(0.39973958333333337, abs=1e-12)
    assert by_name["scr_j"].rate is not None
    assert by_name["scr_j"].rate.value == pytest.approx(0.01)
    assert (report.n_positive, report.n_negative) == (56, 144)
