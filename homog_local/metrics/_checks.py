"""Input validation and undefined-case warnings shared by the metrics modules."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from numpy.typing import ArrayLike

from homog_local.errors import UndefinedMetricWarning

__all__: list[str] = []

log = logging.getLogger(__name__)


def as_scores(values: ArrayLike, name: str = "scores") -> np.ndarray:
    """Return ``values`` as a finite 1-D float array or raise ``ValueError``."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {array.shape}")
    n_bad = int(np.count_nonzero(~np.isfinite(array)))
    if n_bad:
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); drop those questions "
            "first and report them as failed"
        )
    return array


def as_labels(values: ArrayLike, n: int | None = None, name: str = "is_incorrect") -> np.ndarray:
    """Return 0/1 labels as a 1-D int8 array (1 = incorrect) or raise ``ValueError``."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {array.shape}")
    if array.dtype != bool:
        if array.size and not np.all(np.isin(array, (0, 1))):
            bad = np.unique(array[~np.isin(array, (0, 1))])[:5]
            raise ValueError(
                f"{name} must contain only 0/1 or booleans (1 = incorrect); got {bad.tolist()}"
            )
    if n is not None and array.shape[0] != n:
        raise ValueError(
            f"{name} has {array.shape[0]} items but scores have {n}; pass one per question"
        )
    return array.astype(np.int8)


def check_level(level: float) -> None:
    """Raise ``ValueError`` unless ``0 < level < 1``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")


def check_resamples(n_resamples: int) -> None:
    """Raise ``ValueError`` unless ``n_resamples`` is a positive integer."""
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer; got {n_resamples!r}")


def warn_undefined(metric: str, reason: str) -> None:
    """Emit an :class:`UndefinedMetricWarning` for ``metric`` with ``reason``."""
    log.debug("%s undefined: %s", metric, reason)
    warnings.warn(f"{metric} is undefined: {reason}", UndefinedMetricWarning, stacklevel=3)
