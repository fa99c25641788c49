"""Held-out evaluation of a cascade: fit on a calibration split, score the rest, repeat."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from homog_local.cascade.grid import (
    DEFAULT_DELTAS,
    DEFAULT_WEIGHTS,
    cheapest_matching,
    choose_weight,
    evaluate_rule,
)
from homog_local.cascade.rules import MinMaxNormalizer, median_band_rule
from homog_local.metrics._checks import as_labels, as_scores, warn_undefined
from homog_local.metrics.auroc import auroc
from homog_local.metrics.calibration import stratified_split

__all__ = ["HELD_OUT_FIELDS", "HeldOutSummary", "SpreadStat", "held_out_cascade"]

log = logging.getLogger(__name__)

#: Per-split quantities summarised by :func:`held_out_cascade`.
HELD_OUT_FIELDS: tuple[str, ...] = (
    "cheap_auroc",
    "parallel_auroc",
    "cascade_auroc",
    "escalation_rate",
    "saving",
    "weight",
    "delta",
)


@dataclass(frozen=True)
class SpreadStat:
    """Mean and standard deviation of one quantity over the splits.

    Attributes
    ----------
    mean, std : float
        Over the defined splits (``std`` with ``ddof=1``; NaN with one split).
    n_defined : int
        Splits where the quantity was defined.
    """

    mean: float
    std: float
    n_defined: int


@dataclass(frozen=True)
class HeldOutSummary:
    """Held-out cascade figures over repeated calibration/evaluation splits.

    Attributes
    ----------
    stats : dict of str to SpreadStat
        One entry per name in ``HELD_OUT_FIELDS``. ``saving`` is 1 minus the
        relative cost; ``weight`` and ``delta`` are the values fitted on the
        calibration split.
    n_splits : int
        Splits drawn.
    n_unmatched : int
        Splits where no band reached the quality target on the calibration
        split (the widest band is used for them).
    calibration_fraction : float
        Share of each class used for fitting.
    seed : int
        Seed of the first split; split ``i`` uses ``seed + i``.
    undefined_reason : str
        Why no split could be evaluated; empty otherwise.
    """

    stats: dict[str, SpreadStat]
    n_splits: int
    n_unmatched: int
    calibration_fraction: float
    seed: int
    undefined_reason: str = ""


def _spread(values: list[float]) -> SpreadStat:
    finite = np.array([v for v in values if not math.isnan(v)])
    if finite.size == 0:
        return SpreadStat(math.nan, math.nan, 0)
    std = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
    return SpreadStat(float(finite.mean()), std, int(finite.size))


def held_out_cascade(
    cheap: ArrayLike,
    costly: ArrayLike,
    is_incorrect: ArrayLike,
    *,
    n_splits: int = 20,
    calibration_fraction: float = 0.5,
    seed: int = 0,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    deltas: Sequence[float] = DEFAULT_DELTAS,
    cost_cheap: float = 0.0,
    cost_costly: float = 1.0,
    quality_fraction: float = 0.99,
) -> HeldOutSummary:
    """Fit the median-band cascade on calibration splits and evaluate it held out.

    Parameters
    ----------
    cheap, costly : array-like of float, shape (n,)
        Stage scores of the same questions.
    is_incorrect : array-like of {0, 1}, shape (n,)
        1 when the answer is incorrect.
    n_splits : int, default 20
        Repeated stratified splits.
    calibration_fraction : float, default 0.5
        Share of each class used for fitting.
    seed : int, default 0
        Split ``i`` uses seed ``seed + i``.
    weights, deltas : sequence of float
        Grids searched on the calibration split.
    cost_cheap, cost_costly : float
        Stage costs.
    quality_fraction : float, default 0.99
        The fitted band is the narrowest reaching this share of the parallel
        AUROC on the calibration split.

    Returns
    -------
    HeldOutSummary

    Warns
    -----
    UndefinedMetricWarning
        When no split has both classes in both parts.

    Notes
    -----
    On each calibration split the normalisers (min, max), the weight, the
    median and the band are fitted; the held-out split is then scored with them
    unchanged. Splits where a part lacks a class are skipped and not counted in
    ``SpreadStat.n_defined``.
    """
    cheap_raw = as_scores(cheap, "cheap")
    costly_raw = as_scores(costly, "costly")
    labels = as_labels(is_incorrect, cheap_raw.shape[0])
    if n_splits < 1:
        raise ValueError(f"n_splits must be >= 1; got {n_splits!r}")
    costs = (float(cost_cheap), float(cost_costly))
    per_split: dict[str, list[float]] = {name: [] for name in HELD_OUT_FIELDS}
    n_unmatched = 0
    for split in range(n_splits):
        fit_idx, eval_idx = stratified_split(labels, calibration_fraction, seed + split)
        fit_labels, eval_labels = labels[fit_idx], labels[eval_idx]
        if len(set(fit_labels.tolist())) < 2 or len(set(eval_labels.tolist())) < 2:
            continue
        cheap_norm = MinMaxNormalizer.fit(cheap_raw[fit_idx])
        costly_norm = MinMaxNormalizer.fit(costly_raw[fit_idx])
        fit_cheap = cheap_norm.transform(cheap_raw[fit_idx])
        fit_costly = costly_norm.transform(costly_raw[fit_idx])
        choice = choose_weight(fit_cheap, fit_costly, fit_labels, weights, 0.0)
        rules = [median_band_rule(d, fit_cheap) for d in deltas]
        fitted = [
            evaluate_rule(r, fit_cheap, fit_costly, fit_labels, choice.weight, costs) for r in rules
        ]
        matched = cheapest_matching(fitted, quality_fraction * choice.auroc)
        if matched is None:
            n_unmatched += 1
            matched = fitted[-1]
        rule = next(r for r in rules if r.parameter == matched.parameter)
        eval_cheap = cheap_norm.transform(cheap_raw[eval_idx])
        eval_costly = costly_norm.transform(costly_raw[eval_idx])
        held = evaluate_rule(rule, eval_cheap, eval_costly, eval_labels, choice.weight, costs)
        parallel = choice.weight * eval_cheap + (1.0 - choice.weight) * eval_costly
        per_split["cheap_auroc"].append(auroc(eval_cheap, eval_labels))
        per_split["parallel_auroc"].append(auroc(parallel, eval_labels))
        per_split["cascade_auroc"].append(held.auroc)
        per_split["escalation_rate"].append(held.escalation_rate)
        per_split["saving"].append(1.0 - held.relative_cost)
        per_split["weight"].append(choice.weight)
        per_split["delta"].append(matched.parameter)
    reason = ""
    if not per_split["cascade_auroc"]:
        reason = f"no split had both classes in both parts ({n_splits} splits tried)"
        warn_undefined("held-out cascade", reason)
    stats = {name: _spread(values) for name, values in per_split.items()}
    return HeldOutSummary(stats, n_splits, n_unmatched, calibration_fraction, seed, reason)
