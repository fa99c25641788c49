"""File-based analysis of per-question score tables.

Every report function takes a :class:`ScoreTable`, so a table loaded from a
JSONL/CSV/JSON file and one built from the SQLite store go through the same
code.
"""

from __future__ import annotations

from homog_local.analysis.report import (
    AnalysisReport,
    PairwiseReport,
    SignalReport,
    analyze,
)
from homog_local.analysis.table import (
    DEFAULT_CORRECT_VALUES,
    DEFAULT_INCORRECT_VALUES,
    ColumnMapping,
    ScoreTable,
    SignalColumn,
    load_table,
    parse_mapping,
)

__all__ = [
    "DEFAULT_CORRECT_VALUES",
    "DEFAULT_INCORRECT_VALUES",
    "AnalysisReport",
    "ColumnMapping",
    "PairwiseReport",
    "ScoreTable",
    "SignalColumn",
    "SignalReport",
    "analyze",
    "load_table",
    "parse_mapping",
]
