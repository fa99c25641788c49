from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from homog_local.generation.sampling import (
    RowScratch,
    choose_greedy,
    choose_sampled,
    log_softmax,
    reference_distribution,
)
from homog_local.generation.seeds import sample_seed
from homog_local.settings import SamplerParams

PURE = SamplerParams(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
                     repeat_last_n=0)


def test_log_softmax_normalises() -> None:
    values = log_softmax(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    assert np.exp(values).sum() == pytest.approx(1.0)


def test_greedy_entropy_uniform() -> None:
    choice = choose_greedy(np.zeros(4, dtype=np.float32))
    assert choice.token == 0
    assert choice.entropy == pytest.approx(math.log(4))
    assert choice.log_prob == pytest.approx(-math.log(4))


def test_greedy_entropy_hand_computed() -> None:
    logits = np.log(np.array([0.5, 0.25, 0.25]))
    choice = choose_greedy(logits)
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert choice.token == 0
    assert choice.entropy == pytest.approx(expected)


def test_sampled_top_k_one_is_greedy() -> None:
    params = SamplerParams(top_k=1, top_p=1.0, repeat_penalty=1.0)
    logits = np.array([0.1, 3.0, 2.9, -1.0])
    rng = np.random.Generator(np.random.PCG64(1))
    assert {choose_sampled(logits, params, [], rng).token for _ in range(20)} == {1}


def test_sampled_top_p_keeps_nucleus() -> None:
    # probabilities 0.5, 0.3, 0.2: top_p 0.7 keeps the first two only.
    logits = np.log(np.array([0.5, 0.3, 0.2]))
    params = SamplerParams(top_k=0, top_p=0.7, repeat_penalty=1.0)
    rng = np.random.Generator(np.random.PCG64(2))
    assert {choose_sampled(logits, params, [], rng).token for _ in range(200)} == {0, 1}


def test_sampled_min_p_drops_tail() -> None:
    logits = np.log(np.array([0.6, 0.35, 0.05]))
    params = SamplerParams(top_k=0, top_p=1.0, min_p=0.1, repeat_penalty=1.0)
    rng = np.random.Generator(np.random.PCG64(3))
    assert {choose_sampled(logits, params, [], rng).token for _ in range(300)} == {0, 1}


def test_sampled_repeat_penalty_llama_rule() -> None:
    # Token 0 (logit 2.0) is divided by 4 and token 1 (logit -1.0) multiplied:
    # after the penalty token 2 (logit 1.0) is the only top-1 choice.
    logits = np.array([2.0, -1.0, 1.0])
    params = SamplerParams(top_k=1, top_p=1.0, repeat_penalty=4.0, repeat_last_n=8)
    rng = np.random.Generator(np.random.PCG64(4))
    assert choose_sampled(logits, params, [0, 1], rng).token == 2


def test_sampled_frequencies_follow_distribution() -> None:
    probs = np.array([0.6, 0.3, 0.1])
    rng = np.random.Generator(np.random.PCG64(5))
    draws = [choose_sampled(np.log(probs), PURE, [], rng).token for _ in range(4000)]
    shares = np.bincount(draws, minlength=3) / len(draws)
    assert np.allclose(shares, probs, atol=0.03)


def test_sampled_entropy_is_unfiltered() -> None:
    logits = np.zeros(8)
    params = SamplerParams(top_k=2, top_p=1.0, repeat_penalty=1.0)
    choice = choose_sampled(logits, params, [], np.random.Generator(np.random.PCG64(6)))
    assert choice.entropy == pytest.approx(math.log(8))


def test_sample_seed_stable_and_distinct() -> None:
    first = sample_seed(0, "12", 0)
    assert first == sample_seed(0, "12", 0)
    seeds = {sample_seed(0, "12", i) for i in range(50)}
    assert len(seeds) == 50
    assert sample_seed(1, "12", 0) != first
    assert sample_seed(0, "13", 0) != first
    assert 0 <= first < 2**63


# Tests of the sampler chain against reference_distribution, on small vocabularies
# computed by hand and on 262144-token rows.


def sampler(**changes: object) -> SamplerParams:
    """Return PURE (every filter off) with the given fields changed."""
    return dataclasses.replace(PURE, **changes)


class FixedUniform:
    """Stand-in for numpy.random.Generator whose random() returns preset values in order."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)
        self.calls = 0

    def random(self) -> float:
        value = self.values[self.calls]
        self.calls += 1
        return value


def head_order_token(distribution: np.ndarray, uniform: float) -> int:
    """Return the inverse-CDF token for `uniform` over the kept tokens in head order.

    Head order is probability descending, then token id, which equals penalised
    logit descending, then token id, because temperature keeps the order.
    """
    kept = np.flatnonzero(distribution > 0)
    order = kept[np.lexsort((kept, -distribution[kept]))]
    cumulative = np.cumsum(distribution[order])
    # The expected token is ill-defined when uniform sits on an interval boundary.
    assert np.min(np.abs(cumulative - uniform)) > 1e-9
    index = min(int(np.searchsorted(cumulative, uniform, side="right")), len(order) - 1)
    return int(order[index])


def uniform_grid_counts(
    logits: np.ndarray, params: SamplerParams, recent: list[int], n_points: int
) -> np.ndarray:
    """Return how often each token is chosen for uniforms (i + 0.5) / n_points."""
    counts = np.zeros(logits.shape[0], dtype=np.int64)
    for i in range(n_points):
        rng = FixedUniform((i + 0.5) / n_points)
        choice = choose_sampled(logits, params, recent, rng, with_stats=False)  # type: ignore[arg-type]
        counts[choice.token] += 1
    return counts


def entropy_of(logits: np.ndarray) -> float:
    """Return the float64 Shannon entropy (nats) of softmax(logits), with 0 log 0 = 0."""
    log_probs = log_softmax(logits)
    finite = np.isfinite(log_probs)
    return float(-(np.exp(log_probs[finite]) * log_probs[finite]).sum())


# Probabilities 0.5, 0.3, 0.2 as logits.
LOG_3 = np.log(np.array([0.5, 0.3, 0.2]))
# Probabilities 0.1, 0.4, 0.2, 0.3 as logits.
LOG_4 = np.log(np.array([0.1, 0.4, 0.2, 0.3]))
# Probabilities 0.1, 0.5, 0.25, 0.15 as logits.
LOG_NUCLEUS = np.log(np.array([0.1, 0.5, 0.25, 0.15]))
# Probabilities 0.5, 0.3, 0.09, 0.11 as logits.
LOG_MIN_P = np.log(np.array([0.5, 0.3, 0.09, 0.11]))
# Raw logits with a positive and a negative entry for the repetition penalty.
PENALTY_LOGITS = np.array([2.0, 1.5, -1.0, 0.0])

REFERENCE_CASES = [
    # p ** (1 / 0.5) = 0.25, 0.09, 0.04, and their sum is 0.38.
    pytest.param(LOG_3, sampler(temperature=0.5), [],
                 np.array([0.25, 0.09, 0.04]) / 0.38, id="temperature-0.5"),
    # p ** (1 / 2) = sqrt(0.5), sqrt(0.3), sqrt(0.2) = 0.70711, 0.54772, 0.44721,
    # and their sum is 1.70204.
    pytest.param(LOG_3, sampler(temperature=2.0), [],
                 np.sqrt([0.5, 0.3, 0.2]) / np.sqrt([0.5, 0.3, 0.2]).sum(),
                 id="temperature-2.0"),
    # Top-2 keeps tokens 1 (0.4) and 3 (0.3): 0.4 / 0.7 and 0.3 / 0.7.
    pytest.param(LOG_4, sampler(top_k=2), [],
                 np.array([0.0, 0.4, 0.0, 0.3]) / 0.7, id="top-k-2"),
    # Top-2 keeps 0.4 and 0.3, then temperature 2 takes square roots:
    # 0.63246 and 0.54772 over their sum 1.18018.
    pytest.param(LOG_4, sampler(top_k=2, temperature=2.0), [],
                 np.array([0.0, math.sqrt(0.4), 0.0, math.sqrt(0.3)])
                 / (math.sqrt(0.4) + math.sqrt(0.3)),
                 id="top-k-2-temperature-2.0"),
    # Sorted probabilities 0.5, 0.25, 0.15, 0.1 have cumulative sums 0.5, 0.75,
    # 0.9. The first sum that reaches 0.8 is the third, so tokens 1, 2 and 3
    # stay, renormalised over 0.9.
    pytest.param(LOG_NUCLEUS, sampler(top_p=0.8), [],
                 np.array([0.0, 0.5, 0.25, 0.15]) / 0.9, id="top-p-0.8"),
    # Top-3 keeps 0.5, 0.25, 0.15 and top-p renormalises over their sum 0.9.
    # The cumulative sums 0.556, 0.833 reach 0.8 at the second token, so tokens
    # 1 and 2 stay with 0.5 / 0.75 and 0.25 / 0.75.
    pytest.param(LOG_NUCLEUS, sampler(top_k=3, top_p=0.8), [],
                 np.array([0.0, 2.0, 1.0, 0.0]) / 3.0, id="top-k-3-top-p-0.8"),
    # The limit is 0.2 * 0.5 = 0.1, so token 2 (0.09) goes and tokens 0, 1, 3
    # stay, renormalised over 0.5 + 0.3 + 0.11 = 0.91.
    pytest.param(LOG_MIN_P, sampler(min_p=0.2), [],
                 np.array([0.5, 0.3, 0.0, 0.11]) / 0.91, id="min-p-0.2"),
    # Min-p runs before temperature, so token 3 (0.11 >= 0.1) stays although
    # at temperature 0.5 its share would be 0.0121 / 0.25 < 0.2 of the top.
    # Squares of 0.5, 0.3, 0.11 are 0.25, 0.09, 0.0121, and their sum is 0.3521.
    pytest.param(LOG_MIN_P, sampler(min_p=0.2, temperature=0.5), [],
                 np.array([0.25, 0.09, 0.0, 0.0121]) / 0.3521,
                 id="min-p-0.2-temperature-0.5"),
    # Penalty 1.5 on tokens 0 and 2: 2.0 / 1.5 = 4/3 and -1.0 * 1.5 = -1.5.
    # exp(4/3, 1.5, -1.5, 0) = 3.7937, 4.4817, 0.2231, 1.0 over their sum 9.4985.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=8), [0, 2],
                 np.exp([4 / 3, 1.5, -1.5, 0.0]) / np.exp([4 / 3, 1.5, -1.5, 0.0]).sum(),
                 id="repeat-penalty-positive-negative"),
    # A token repeated in the window is penalised once: 2.0 / 1.5, not 2.0 / 2.25.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=8), [0, 0, 0],
                 np.exp([4 / 3, 1.5, -1.0, 0.0]) / np.exp([4 / 3, 1.5, -1.0, 0.0]).sum(),
                 id="repeat-penalty-once-per-token"),
    # A zero logit stays zero under the penalty: 0 / 1.5 = 0 * 1.5 = 0.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=8), [3],
                 np.exp(PENALTY_LOGITS) / np.exp(PENALTY_LOGITS).sum(),
                 id="repeat-penalty-zero-logit"),
    # With repeat_last_n=2 the window of [0, 1, 2] is [1, 2], so token 0 keeps 2.0,
    # token 1 becomes 1.5 / 1.5 = 1.0 and token 2 becomes -1.5.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=2), [0, 1, 2],
                 np.exp([2.0, 1.0, -1.5, 0.0]) / np.exp([2.0, 1.0, -1.5, 0.0]).sum(),
                 id="repeat-window-2"),
    # With repeat_last_n=0 nothing is penalised.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=0), [0, 2],
                 np.exp(PENALTY_LOGITS) / np.exp(PENALTY_LOGITS).sum(),
                 id="repeat-window-0"),
    # The penalty runs before top-k. Token 0 drops to 4/3 < 1.5, so top-1
    # keeps token 1.
    pytest.param(PENALTY_LOGITS, sampler(repeat_penalty=1.5, repeat_last_n=8, top_k=1), [0],
                 np.array([0.0, 1.0, 0.0, 0.0]), id="repeat-penalty-then-top-k"),
    # Tokens 1, 2, 3 tie at logit 2.0, so top-2 keeps the lowest ids, 1 and 2.
    pytest.param(np.array([1.0, 2.0, 2.0, 2.0, 0.0]), sampler(top_k=2), [],
                 np.array([0.0, 0.5, 0.5, 0.0, 0.0]), id="tie-top-k-lowest-id"),
    # Four equal tokens have cumulative sums 0.25, 0.5, 0.75, so top-p 0.6
    # keeps the three lowest ids, 1/3 each.
    pytest.param(np.zeros(4), sampler(top_p=0.6), [],
                 np.array([1.0, 1.0, 1.0, 0.0]) / 3.0, id="tie-top-p-lowest-id"),
    # Top-1 on a three-way tie keeps token 0.
    pytest.param(np.zeros(3), sampler(top_k=1), [],
                 np.array([1.0, 0.0, 0.0]), id="tie-top-k-1"),
]


@pytest.mark.parametrize(("logits", "params", "recent", "expected"), REFERENCE_CASES)
def test_reference_hand_computed(
    logits: np.ndarray, params: SamplerParams, recent: list[int], expected: np.ndarray
) -> None:
    distribution = reference_distribution(logits, params, recent)
    assert distribution == pytest.approx(expected, abs=1e-12)


def test_reference_default_window_is_64() -> None:
    # SamplerParams leaves repeat_last_n at its default here.
    params = SamplerParams(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.5)
    assert params.repeat_last_n == 64

    # Token 0 is the 65th token from the end, so only token 1 is penalised
    # (1.5 / 1.5 = 1.0) and token 0 keeps 2.0.
    outside = reference_distribution(PENALTY_LOGITS, params, [0] + [1] * 64)
    expected = np.exp([2.0, 1.0, -1.0, 0.0])
    assert outside == pytest.approx(expected / expected.sum(), abs=1e-12)

    # Token 0 is the 64th token from the end, so it is penalised to 4/3.
    inside = reference_distribution(PENALTY_LOGITS, params, [0] + [1] * 63)
    expected = np.exp([4 / 3, 1.0, -1.0, 0.0])
    assert inside == pytest.approx(expected / expected.sum(), abs=1e-12)


# Small vocabulary with a tie (tokens 3 and 4) for the fast-path checks.
SMALL = np.array([0.3, 2.0, -1.0, 1.2, 1.2, 0.0], dtype=np.float32)
SMALL_RECENT = [1, 2]

HEAD_PARAMS = [
    pytest.param(sampler(top_k=3), id="top-k-3"),
    pytest.param(sampler(top_p=0.8), id="top-p-0.8"),
    pytest.param(sampler(top_k=4, top_p=0.8), id="top-k-4-top-p-0.8"),
    pytest.param(sampler(min_p=0.2), id="min-p-0.2"),
    pytest.param(sampler(min_p=0.2, temperature=0.5), id="min-p-0.2-temperature-0.5"),
    pytest.param(sampler(top_k=3, repeat_penalty=1.5, repeat_last_n=8), id="top-k-3-penalty"),
    pytest.param(sampler(top_k=5, top_p=0.95, min_p=0.05, temperature=2.0, repeat_penalty=1.5,
                         repeat_last_n=8), id="all-filters-temperature-2.0"),
    # Penalty 2.0 lowers token 1 to 1.0, below the tie of tokens 3 and 4 at 1.2.
    pytest.param(sampler(top_k=2, repeat_penalty=2.0, repeat_last_n=8), id="top-k-2-tie"),
]


@pytest.mark.parametrize("params", HEAD_PARAMS)
@pytest.mark.parametrize("uniform", [0.0, 0.3, 0.6, 0.999])
def test_head_path_fixed_uniform(params: SamplerParams, uniform: float) -> None:
    distribution = reference_distribution(SMALL, params, SMALL_RECENT)
    rng = FixedUniform(uniform)
    choice = choose_sampled(SMALL, params, SMALL_RECENT, rng)  # type: ignore[arg-type]
    assert choice.token == head_order_token(distribution, uniform)
    assert rng.calls == 1


FREQUENCY_PARAMS = [
    pytest.param(sampler(top_k=3), id="top-k-3"),
    pytest.param(sampler(top_p=0.8), id="top-p-0.8"),
    pytest.param(sampler(min_p=0.2, temperature=0.7), id="min-p-0.2-temperature-0.7"),
    pytest.param(sampler(top_k=4, top_p=0.9, min_p=0.05, repeat_penalty=1.5, repeat_last_n=8),
                 id="all-filters-penalty"),
    pytest.param(sampler(repeat_penalty=1.5, repeat_last_n=8), id="full-temperature-1.0-penalty"),
    pytest.param(sampler(temperature=0.7, repeat_penalty=1.5, repeat_last_n=8),
                 id="full-temperature-0.7-penalty"),
    pytest.param(sampler(temperature=2.0), id="full-temperature-2.0"),
]


@pytest.mark.parametrize("params", FREQUENCY_PARAMS)
def test_sampled_frequencies_match_reference(params: SamplerParams) -> None:
    n_draws = 3000
    expected = reference_distribution(SMALL, params, SMALL_RECENT)
    rng = np.random.Generator(np.random.PCG64(11))
    draws = [
        choose_sampled(SMALL, params, SMALL_RECENT, rng, with_stats=False).token
        for _ in range(n_draws)
    ]
    counts = np.bincount(draws, minlength=len(SMALL))
    shares = counts / n_draws
    standard_error = np.sqrt(expected * (1.0 - expected) / n_draws)

    assert counts[expected == 0.0].sum() == 0
    for token in range(len(SMALL)):
        assert abs(shares[token] - expected[token]) <= 4.0 * standard_error[token], token


@pytest.mark.parametrize("params", FREQUENCY_PARAMS)
@pytest.mark.parametrize(
    "recent",
    [
        pytest.param(SMALL_RECENT, id="recent-1-2"),
        # With repeat_last_n=8 only the eight 2s are in the window, not token 1.
        pytest.param([1] + [2] * 8, id="token-1-outside-window"),
    ],
)
def test_small_uniform_grid_matches_reference(params: SamplerParams, recent: list[int]) -> None:
    # Inverse-CDF sampling in any fixed token order gives each token an
    # interval of the unit line as long as its probability, so 200 evenly
    # spaced uniforms hit each token 200 * p times, give or take one.
    n_points = 200
    distribution = reference_distribution(SMALL, params, recent)
    counts = uniform_grid_counts(SMALL, params, recent, n_points)
    for token in range(len(SMALL)):
        assert abs(counts[token] - n_points * distribution[token]) <= 1.0, token


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(sampler(top_k=1, repeat_penalty=2.0, repeat_last_n=8), id="head"),
        pytest.param(sampler(repeat_penalty=2.0, repeat_last_n=8), id="full"),
    ],
)
def test_sampled_window_excludes_older_tokens(params: SamplerParams) -> None:
    # Token 1 (logit 2.0) is the ninth token from the end, outside the window
    # of 8, so it keeps logit 2.0 and stays the top token.
    recent = [1] + [2] * 8
    distribution = reference_distribution(SMALL, params, recent)
    unpenalised = reference_distribution(SMALL, params, [2])
    assert distribution == pytest.approx(unpenalised, abs=1e-12)

    counts = uniform_grid_counts(SMALL, params, recent, 200)
    assert abs(counts[1] - 200 * distribution[1]) <= 1.0


def test_head_window_keeps_older_top_token() -> None:
    # Top-1 returns token 1 because it lies outside the window of 8. Counting
    # it would lower its logit to 2.0 / 2.0 = 1.0, below tokens 3 and 4 at 1.2.
    params = sampler(top_k=1, repeat_penalty=2.0, repeat_last_n=8)
    choice = choose_sampled(SMALL, params, [1] + [2] * 8, FixedUniform(0.5))  # type: ignore[arg-type]
    assert choice.token == 1


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(sampler(top_k=3), id="head"),
        pytest.param(sampler(temperature=0.7, repeat_penalty=1.5, repeat_last_n=8), id="full"),
    ],
)
def test_sampled_consumes_one_uniform(params: SamplerParams) -> None:
    rng = np.random.Generator(np.random.PCG64(12))
    twin = np.random.Generator(np.random.PCG64(12))
    choose_sampled(SMALL, params, SMALL_RECENT, rng)
    twin.random()
    assert rng.random() == twin.random()


N_LARGE = 262144
# The "ollama" preset (top-k 40, top-p 0.9, penalty 1.1 over 64 tokens) with min-p 0.05.
LARGE_HEAD = SamplerParams(temperature=1.0, top_k=40, top_p=0.9, min_p=0.05, repeat_penalty=1.1,
                           repeat_last_n=64)


@pytest.fixture(scope="module")
def large_row() -> np.ndarray:
    rng = np.random.Generator(np.random.PCG64(7))
    return (rng.standard_normal(N_LARGE) * 3.0).astype(np.float32)


@pytest.fixture(scope="module")
def large_recent(large_row: np.ndarray) -> list[int]:
    # The five highest logits and five arbitrary ids.
    top = np.argsort(large_row)[-5:]
    return [int(token) for token in top] + [3, 4095, 4096, 100000, N_LARGE - 1]


@pytest.fixture(scope="module")
def sparse_row() -> np.ndarray:
    # Seven finite tokens at ids on both sides of 4096-token block edges, three
    # of them in the block 4096..8191. Every other logit is -inf.
    row = np.full(N_LARGE, -np.inf, dtype=np.float32)
    row[SPARSE_TOKENS] = np.log(SPARSE_PROBS).astype(np.float32)
    return row


SPARSE_TOKENS = np.array([10, 4095, 4096, 4100, 8000, 150000, N_LARGE - 1])
SPARSE_PROBS = np.array([0.1, 0.3, 0.05, 0.12, 0.08, 0.2, 0.15])


def test_large_row_head_in_reference_support(
    large_row: np.ndarray, large_recent: list[int]
) -> None:
    distribution = reference_distribution(large_row, LARGE_HEAD, large_recent)
    rng = np.random.Generator(np.random.PCG64(13))
    for _ in range(20):
        token = choose_sampled(large_row, LARGE_HEAD, large_recent, rng).token
        assert distribution[token] > 0.0, token


def test_large_row_top_k_within_kept(large_row: np.ndarray, large_recent: list[int]) -> None:
    params = sampler(top_k=40, repeat_penalty=1.1, repeat_last_n=64)
    distribution = reference_distribution(large_row, params, large_recent)
    kept = set(np.flatnonzero(distribution).tolist())
    assert len(kept) == 40

    rng = np.random.Generator(np.random.PCG64(14))
    for _ in range(20):
        assert choose_sampled(large_row, params, large_recent, rng).token in kept


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(LARGE_HEAD, id="top-k-top-p-min-p"),
        # Without top-k the nucleus is normalised over the whole penalised row.
        pytest.param(sampler(top_p=0.9, repeat_penalty=1.3, repeat_last_n=64), id="top-p"),
        pytest.param(sampler(min_p=0.05, temperature=0.7, repeat_penalty=1.3, repeat_last_n=64),
                     id="min-p"),
    ],
)
def test_large_row_head_fixed_uniform(
    large_row: np.ndarray, large_recent: list[int], params: SamplerParams
) -> None:
    distribution = reference_distribution(large_row, params, large_recent)
    for uniform in (0.0, 0.3, 0.6, 0.999):
        choice = choose_sampled(large_row, params, large_recent, FixedUniform(uniform))  # type: ignore[arg-type]
        assert choice.token == head_order_token(distribution, uniform), uniform


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(sampler(repeat_penalty=1.3, repeat_last_n=64), id="temperature-1.0"),
        pytest.param(sampler(temperature=0.7, repeat_penalty=1.3, repeat_last_n=64),
                     id="temperature-0.7"),
    ],
)
def test_large_row_full_path_skips_negative_infinity(
    large_row: np.ndarray, large_recent: list[int], params: SamplerParams
) -> None:
    row = large_row.copy()
    row[::2] = -np.inf
    rng = np.random.Generator(np.random.PCG64(15))
    for _ in range(10):
        token = choose_sampled(row, params, large_recent, rng).token
        assert np.isfinite(row[token]), token


def test_large_row_head_skips_negative_infinity(
    large_row: np.ndarray, large_recent: list[int]
) -> None:
    row = large_row.copy()
    row[::2] = -np.inf
    distribution = reference_distribution(row, LARGE_HEAD, large_recent)
    rng = np.random.Generator(np.random.PCG64(16))
    for _ in range(10):
        token = choose_sampled(row, LARGE_HEAD, large_recent, rng).token
        assert np.isfinite(row[token]), token
        assert distribution[token] > 0.0, token


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(sampler(), id="full-temperature-1.0"),
        pytest.param(sampler(temperature=0.7), id="full-temperature-0.7"),
        # Only seven tokens are finite, so top-k 40 widens the head to its limit.
        pytest.param(sampler(top_k=40), id="head-top-k-40"),
        pytest.param(sampler(top_p=0.9), id="head-top-p-0.9"),
    ],
)
def test_sparse_row_uniform_grid_matches_reference(
    sparse_row: np.ndarray, params: SamplerParams
) -> None:
    # Any fixed token order gives each token an interval of the unit line as
    # long as its probability, so 100 evenly spaced uniforms hit each token
    # 100 * p times, give or take one.
    n_points = 100
    distribution = reference_distribution(sparse_row, params, [])
    counts = uniform_grid_counts(sparse_row, params, [], n_points)

    assert counts[distribution == 0.0].sum() == 0
    for token in SPARSE_TOKENS:
        assert abs(counts[token] - n_points * distribution[token]) <= 1.0, token


def test_flat_row_head_returns_valid_token() -> None:
    # All 262144 logits tie, so top-40 keeps ids 0..39, top-p 0.9 keeps 36 of
    # them (36 / 40 = 0.9) and min-p keeps all 36.
    row = np.zeros(N_LARGE, dtype=np.float32)
    params = sampler(top_k=40, top_p=0.9, min_p=0.05)
    distribution = reference_distribution(row, params, [])
    assert np.flatnonzero(distribution).tolist() == list(range(36))

    for uniform in (0.0, 0.3, 0.999):
        choice = choose_sampled(row, params, [], FixedUniform(uniform))  # type: ignore[arg-type]
        assert choice.token == head_order_token(distribution, uniform)


@pytest.mark.parametrize(
    ("row", "params"),
    [
        # Logits fall by 0.5 per id: 25 tokens lie within 12 of the top, fewer
        # than top-k 40 needs.
        pytest.param(-0.5 * np.arange(N_LARGE, dtype=np.float32), sampler(top_k=40),
                     id="top-k-spread"),
        # One token at 0, 39 tokens at -12.5 and the rest at -100. Top-k 40
        # needs the 39, which have 39 * exp(-12.5) / (1 + 39 * exp(-12.5))
        # = 1.45e-4 of the mass, so uniform 0.99995 draws one of them.
        pytest.param(np.concatenate([[0.0], np.full(39, -12.5), np.full(N_LARGE - 40, -100.0)])
                     .astype(np.float32), sampler(top_k=40), id="top-k-cliff"),
        # Logits fall by 0.01 per id: min-p 1e-9 keeps logits above
        # log(1e-9) = -20.7, beyond the first head width of 12.
        pytest.param(-0.01 * np.arange(N_LARGE, dtype=np.float32), sampler(min_p=1e-9),
                     id="min-p-spread"),
        # One token at 0 and 262143 tokens at -15. Min-p 1e-9 keeps them all
        # (-15 > -20.7), and the tail has 262143 * exp(-15) / (1 + that) = 0.074
        # of the mass.
        pytest.param(np.where(np.arange(N_LARGE) == 7, 0.0, -15.0).astype(np.float32),
                     sampler(min_p=1e-9), id="min-p-spike-and-tail"),
        # One token at 0 and 262143 tokens at -13. The top token has
        # 1 / (1 + 262143 * exp(-13)) = 0.63 of the mass, less than top-p 0.9,
        # and the rest lies beyond the first head width.
        pytest.param(np.where(np.arange(N_LARGE) == 7, 0.0, -13.0).astype(np.float32),
                     sampler(top_p=0.9), id="top-p-spike-and-tail"),
    ],
)
def test_spread_row_widens_head(row: np.ndarray, params: SamplerParams) -> None:
    distribution = reference_distribution(row, params, [])
    for uniform in (0.0, 0.3, 0.999, 0.99995):
        choice = choose_sampled(row, params, [], FixedUniform(uniform))  # type: ignore[arg-type]
        assert distribution[choice.token] > 0.0
        assert choice.token == head_order_token(distribution, uniform)


def test_head_drops_token_penalised_below_threshold() -> None:
    # Token 0 is at 0, tokens 1..39 at -11 and tokens 40..999 at -12.5, so
    # the first head (width 12) contains exactly the 40 tokens 0..39. The penalty
    # moves token 1 to -11 * 1.5 = -16.5, below token 40, so top-k 40 keeps
    # tokens 0, 2..39 and 40. Temperature 5 gives token 40, last in head order,
    # exp(-12.5 / 5) / (1 + 38 * exp(-11 / 5) + exp(-12.5 / 5)) = 1.6% of the mass.
    row = np.full(1000, -12.5, dtype=np.float32)
    row[0] = 0.0
    row[1:40] = -11.0
    params = sampler(top_k=40, temperature=5.0, repeat_penalty=1.5, repeat_last_n=8)
    distribution = reference_distribution(row, params, [1])
    assert np.flatnonzero(distribution).tolist() == [0, *range(2, 41)]

    for uniform in (0.0, 0.5, 0.999):
        choice = choose_sampled(row, params, [1], FixedUniform(uniform))  # type: ignore[arg-type]
        assert choice.token == head_order_token(distribution, uniform), uniform


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(LARGE_HEAD, id="head"),
        pytest.param(sampler(repeat_penalty=1.3, repeat_last_n=64), id="full-temperature-1.0"),
        pytest.param(sampler(temperature=0.7, repeat_penalty=1.3, repeat_last_n=64),
                     id="full-temperature-0.7"),
    ],
)
def test_without_stats_same_token_nan(
    large_row: np.ndarray, large_recent: list[int], params: SamplerParams
) -> None:
    for seed in (21, 22, 23):
        with_stats = choose_sampled(large_row, params, large_recent,
                                    np.random.Generator(np.random.PCG64(seed)))
        without = choose_sampled(large_row, params, large_recent,
                                 np.random.Generator(np.random.PCG64(seed)), with_stats=False)
        assert without.token == with_stats.token
        assert math.isnan(without.entropy)
        assert math.isnan(without.log_prob)
        assert math.isfinite(with_stats.entropy)
        assert math.isfinite(with_stats.log_prob)


def test_greedy_without_stats_nan(large_row: np.ndarray) -> None:
    choice = choose_greedy(large_row, with_stats=False)
    assert choice.token == int(np.argmax(large_row))
    assert math.isnan(choice.entropy)
    assert math.isnan(choice.log_prob)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(LARGE_HEAD, id="head"),
        pytest.param(sampler(repeat_penalty=1.3, repeat_last_n=64), id="full-temperature-1.0"),
        pytest.param(sampler(temperature=0.7, repeat_penalty=1.3, repeat_last_n=64),
                     id="full-temperature-0.7"),
    ],
)
def test_large_row_stats_match_float64(
    large_row: np.ndarray, large_recent: list[int], params: SamplerParams
) -> None:
    # The statistics are of softmax(logits) without filters or penalty.
    log_probs = log_softmax(large_row)
    expected_entropy = entropy_of(large_row)
    choice = choose_sampled(large_row, params, large_recent,
                            np.random.Generator(np.random.PCG64(24)))
    assert choice.entropy == pytest.approx(expected_entropy, abs=1e-4)
    assert choice.log_prob == pytest.approx(log_probs[choice.token], abs=1e-4)


def test_large_row_greedy_stats_match_float64(large_row: np.ndarray) -> None:
    log_probs = log_softmax(large_row)
    choice = choose_greedy(large_row)
    assert choice.token == int(np.argmax(large_row))
    assert choice.entropy == pytest.approx(entropy_of(large_row), abs=1e-4)
    assert choice.log_prob == pytest.approx(log_probs[choice.token], abs=1e-4)


def test_sampled_stats_unpenalised_unfiltered() -> None:
    logits = PENALTY_LOGITS.astype(np.float32)
    params = sampler(top_k=2, temperature=0.5, repeat_penalty=1.5, repeat_last_n=8)
    choice = choose_sampled(logits, params, [0, 2], np.random.Generator(np.random.PCG64(25)))
    # softmax(2.0, 1.5, -1.0, 0.0) = 0.5581, 0.3385, 0.0278, 0.0755.
    probs = np.exp(PENALTY_LOGITS) / np.exp(PENALTY_LOGITS).sum()
    expected_entropy = float(-(probs * np.log(probs)).sum())
    assert choice.entropy == pytest.approx(expected_entropy, abs=1e-6)
    assert choice.log_prob == pytest.approx(math.log(probs[choice.token]), abs=1e-6)

    # The filtered, penalised distribution has a different entropy.
    filtered = reference_distribution(logits, params, [0, 2])
    kept = filtered[filtered > 0]
    assert choice.entropy != pytest.approx(float(-(kept * np.log(kept)).sum()), abs=1e-3)


def test_greedy_entropy_skips_negative_infinity() -> None:
    # A -inf logit has probability 0 and adds 0 log 0 = 0 to the entropy, so
    # the entropy is that of softmax(1.0, 0.5, 0.0).
    logits = np.array([1.0, -np.inf, 0.5, 0.0], dtype=np.float32)
    probs = np.exp([1.0, 0.5, 0.0]) / np.exp([1.0, 0.5, 0.0]).sum()
    expected = float(-(probs * np.log(probs)).sum())
    choice = choose_greedy(logits)
    assert choice.token == 0
    assert choice.entropy == pytest.approx(expected, abs=1e-6)
    assert choice.log_prob == pytest.approx(math.log(probs[0]), abs=1e-6)


def test_large_row_entropy_skips_negative_infinity(
    large_row: np.ndarray, large_recent: list[int]
) -> None:
    row = large_row.copy()
    row[::2] = -np.inf
    choice = choose_sampled(row, LARGE_HEAD, large_recent,
                            np.random.Generator(np.random.PCG64(26)))
    assert choice.entropy == pytest.approx(entropy_of(row), abs=1e-4)
    assert choice.log_prob == pytest.approx(log_softmax(row)[choice.token], abs=1e-4)


def test_row_scratch_reuse_matches_fresh(large_row: np.ndarray, large_recent: list[int]) -> None:
    # The full path at temperature 0.7 overwrites the buffers that the next
    # call at temperature 1.0 reads, so the order of calls matters.
    calls = [
        LARGE_HEAD,
        sampler(temperature=0.7, repeat_penalty=1.3, repeat_last_n=64),
        sampler(repeat_penalty=1.3, repeat_last_n=64),
        sampler(top_p=0.9, repeat_penalty=1.3, repeat_last_n=64),
        sampler(temperature=0.7),
    ]
    scratch = RowScratch(N_LARGE)
    assert scratch.fits(N_LARGE)
    assert choose_greedy(large_row, scratch=scratch) == choose_greedy(large_row)
    for seed, params in enumerate(calls):
        reused = choose_sampled(large_row, params, large_recent,
                                np.random.Generator(np.random.PCG64(seed)), scratch=scratch)
        fresh = choose_sampled(large_row, params, large_recent,
                               np.random.Generator(np.random.PCG64(seed)))
        assert reused == fresh, params
    assert choose_greedy(large_row, scratch=scratch) == choose_greedy(large_row)


def test_row_scratch_wrong_size_is_replaced() -> None:
    scratch = RowScratch(10)
    assert not scratch.fits(len(SMALL))
    params = sampler(temperature=0.7, repeat_penalty=1.5, repeat_last_n=8)
    reused = choose_sampled(SMALL, params, SMALL_RECENT,
                            np.random.Generator(np.random.PCG64(27)), scratch=scratch)
    fresh = choose_sampled(SMALL, params, SMALL_RECENT, np.random.Generator(np.random.PCG64(27)))
    assert reused == fresh
