"""Text forms of metric results for tables: never "nan", undefined values say why."""

from __future__ import annotations

import math

from homog_local.metrics import AurocResult, CohensDResult, ProportionResult
from homog_local.metrics.paired import PairedDifference, TestResult

__all__ = [
    "format_auroc",
    "format_cohens_d",
    "format_decoding",
    "format_difference",
    "format_duration",
    "format_number",
    "format_proportion",
    "format_size",
    "format_test",
    "short_method",
]

_MISSING = "—"


def format_number(value: float | None, digits: int = 2) -> str:
    """Format a number, or a dash for None and NaN."""
    if value is None or math.isnan(value):
        return _MISSING
    return f"{value:.{digits}f}"


def format_proportion(result: ProportionResult) -> str:
    """Format a proportion with its CI, e.g. ``0.40 [0.20, 0.60]``."""
    if math.isnan(result.value):
        return f"undefined (n={result.n})"
    if math.isnan(result.ci_low) or math.isnan(result.ci_high):
        return f"{result.value:.2f} [CI undefined]"
    return f"{result.value:.2f} [{result.ci_low:.2f}, {result.ci_high:.2f}]"


def format_auroc(result: AurocResult) -> str:
    """Format an AUROC with its CI; an undefined one shows its class counts."""
    if not result.is_defined:
        return f"undefined (n+={result.n_positive}, n−={result.n_negative})"
    if math.isnan(result.ci_low) or math.isnan(result.ci_high):
        return f"{result.value:.2f} [CI undefined]"
    return f"{result.value:.2f} [{result.ci_low:.2f}, {result.ci_high:.2f}]"


def format_cohens_d(result: CohensDResult) -> str:
    """Format Cohen's d; an undefined one shows the group sizes."""
    if math.isnan(result.value):
        return f"undefined (n_incorrect={result.n_a}, n_correct={result.n_b})"
    return f"{result.value:.2f} (n_incorrect={result.n_a}, n_correct={result.n_b})"


def format_difference(result: PairedDifference) -> str:
    """Format a paired difference with its CI, e.g. ``+0.20 [-0.10, +0.50]``."""
    if math.isnan(result.value):
        return f"undefined (n={result.n})"
    if math.isnan(result.ci_low) or math.isnan(result.ci_high):
        return f"{result.value:+.2f} [CI undefined]"
    return f"{result.value:+.2f} [{result.ci_low:+.2f}, {result.ci_high:+.2f}]"


def format_test(result: TestResult) -> str:
    """Format a test's p-value; an undefined test says why in short."""
    if math.isnan(result.p_value):
        return f"undefined (n={result.n_total})"
    return f"{result.p_value:.3f}"


def format_duration(seconds: float | None) -> str:
    """Format seconds as ``1h02m``, ``3m05s`` or ``12s``; a dash when unknown."""
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return _MISSING
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_size(n_bytes: int | None) -> str:
    """Format a file size in MiB or GiB; a dash when unknown."""
    if n_bytes is None:
        return _MISSING
    mib = n_bytes / (1024 * 1024)
    return f"{mib / 1024:.1f} GiB" if mib >= 1024 else f"{mib:.0f} MiB"


def format_decoding(
    decode: object, parallel: object, group_size: object, flash_attn: object, kv_type: object
) -> str:
    """Describe decoding settings in one line.

    Sequential decoding uses one slot and groups of one question whatever
    ``parallel`` and ``group_size`` hold, so it leaves them out.

    Examples
    --------
    >>> format_decoding("batched", 32, 8, False, "f16")
    'batched, 32 slots, groups of 8, flash attention off, KV cache f16'
    >>> format_decoding("sequential", 32, 8, True, "q8_0")
    'sequential, one answer at a time, flash attention on, KV cache q8_0'
    """
    if decode == "sequential":
        batching = "one answer at a time"
    else:
        batching = f"{parallel} slots, groups of {group_size}"
    attention = "on" if flash_attn else "off"
    return f"{decode}, {batching}, flash attention {attention}, KV cache {kv_type}"


def short_method(method: str) -> str:
    """Shorten a clusterer label for narrow columns.

    The default embedder and Jaccard keep the family only; another model adds
    the first part of its name, so two embedders stay apart.

    Examples
    --------
    >>> short_method("embedding:minilm-l6-int8@0.85")
    'emb@0.85'
    >>> short_method("embedding:paraphrase-minilm-l3@0.8")
    'emb:paraphrase@0.8'
    >>> short_method("nli:deberta-mnli:entail:greedy")
    'nli:deberta'
    """
    body, _, tau = method.partition("@")
    kind, _, rest = body.partition(":")
    model = rest.partition(":")[0]
    label = kind[:3]
    if model and model != "minilm-l6-int8":
        label += ":" + model.split("-")[0]
    return f"{label}@{tau}" if tau else label
