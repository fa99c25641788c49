"""Lexical similarity of the samples: mean pairwise ROUGE-L over words."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = ["lexical_uncertainty", "rouge_l_f1"]

_WORD = re.compile(r"\w+", re.UNICODE)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[-1]))
        previous = current
    return previous[-1]


def rouge_l_f1(first: str, second: str) -> float:
    """Return the ROUGE-L F1 of two texts over lowercase words.

    Notes
    -----
    With LCS the longest common word subsequence, P = LCS/|second| and
    R = LCS/|first|, F1 = 2PR/(P + R). Two empty texts score 1.0, one empty
    text scores 0.0.

    Examples
    --------
    >>> rouge_l_f1("the cat sat on the mat", "the cat lay on the mat")
    0.8333333333333334
    """
    a = [w.lower() for w in _WORD.findall(first)]
    b = [w.lower() for w in _WORD.findall(second)]
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    lcs = _lcs_length(a, b)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(b), lcs / len(a)
    return 2 * precision * recall / (precision + recall)


def lexical_uncertainty(texts: Sequence[str]) -> float:
    """Return one minus the mean pairwise ROUGE-L F1 of the samples.

    Parameters
    ----------
    texts : sequence of str
        One question's samples, duplicates included.

    Returns
    -------
    float
        In [0, 1]: 0 when all samples are word-identical, 1 when no pair
        shares a word. NaN for fewer than two samples (no pair). Higher is
        more uncertain.

    Notes
    -----
    Averaged over all n(n−1)/2 unordered pairs; each distinct pair of texts
    is scored once.

    Examples
    --------
    >>> lexical_uncertainty(["Paris", "Paris", "Lyon"])
    0.6666666666666667
    """
    n = len(texts)
    if n < 2:
        return math.nan
    scores: dict[tuple[str, str], float] = {}
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            key = (texts[i], texts[j])
            if key not in scores:
                scores[key] = rouge_l_f1(*key)
            total += scores[key]
    return 1.0 - total / (n * (n - 1) / 2)
