from __future__ import annotations

import math

import pytest

from homog_local.errors import UndefinedMetricWarning
from homog_local.metrics.entropy import cluster_entropy


def test_cluster_entropy_hand_worked() -> None:
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert cluster_entropy([0, 0, 1, 2]) == pytest.approx(expected, abs=1e-15)


def test_cluster_entropy_single_cluster_zero() -> None:
    assert cluster_entropy([3, 3, 3]) == 0.0


def test_cluster_entropy_all_distinct_is_log_n() -> None:
    assert cluster_entropy(list("abcdefghij")) == pytest.approx(math.log(10), abs=1e-12)


def test_cluster_entropy_label_names_do_not_matter() -> None:
    assert cluster_entropy(["x", "x", "y", "z"]) == cluster_entropy([7, 7, 1, 0])


def test_cluster_entropy_empty_warns() -> None:
    with pytest.warns(UndefinedMetricWarning, match=r"no samples \(n=0\)"):
        assert math.isnan(cluster_entropy([]))


def test_cluster_entropy_rejects_2d() -> None:
    with pytest.raises(ValueError, match="must be 1-D"):
        cluster_entropy([[0, 1]])
