"""Per-sample seeds derived from (run seed, question id, sample index)."""

from __future__ import annotations

import hashlib

__all__ = ["sample_seed"]


def sample_seed(run_seed: int, qid: str, sample_index: int) -> int:
    """Derive the seed of one sample.

    Parameters
    ----------
    run_seed : int
        The run's seed.
    qid : str
        Stable question id.
    sample_index : int
        0-based index of the sample within the question.

    Returns
    -------
    int
        A 63-bit seed. Siblings of one question get different seeds, and a
        sample can be regenerated alone from the same three values.

    Examples
    --------
    >>> sample_seed(0, "truthfulqa:0", 0) == sample_seed(0, "truthfulqa:0", 0)
    True
    >>> sample_seed(0, "truthfulqa:0", 0) != sample_seed(0, "truthfulqa:0", 1)
    True
    """
    digest = hashlib.sha256(f"{run_seed}\x1f{qid}\x1f{sample_index}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)
