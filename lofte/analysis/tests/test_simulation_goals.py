"""Simulated goals: with no true change and realistic overdispersion a "lower than the baseline" goal is called
"uppnått" in at most 5 % of series; a goal by percentage whose true change is exactly its target likewise; a true
large fall is found.

Each series has ten years of history, negative-binomial counts with variance 4–8 times the mean (Brå's series vary
2–21 times, median 6.5), the baseline year the last of them; the judged year is drawn from the same distribution
(or with the true change). The dispersion is estimated from the history as `promises.goals` does
(`variation.estimate`), and the verdict is `goals.evaluate`'s at a final round. Fixed seeds, vectorised draws."""

from __future__ import annotations

import numpy as np

from lofte.analysis.goals import UPPNATT, Rule, Values, evaluate
from lofte.analysis.variation import estimate

REPLICATIONS = 300
YEARS = 10


def _negative_binomial(rng: np.random.Generator, mean: np.ndarray, variance_ratio: np.ndarray) -> np.ndarray:
    """Counts with the given means and variance = ratio × mean (numpy's n, p parameterisation)."""
    p = 1 / variance_ratio
    n = mean * p / (1 - p)
    return rng.negative_binomial(n, p)


def _share_reached(seed: int, true_ratio: float, rule: Rule) -> float:
    rng = np.random.default_rng(seed)
    means = rng.uniform(40, 3000, REPLICATIONS)
    ratios = rng.uniform(4, 8, REPLICATIONS)
    history = _negative_binomial(rng, np.repeat(means[:, None], YEARS, axis=1), ratios[:, None])
    judged = _negative_binomial(rng, means * true_ratio, ratios)
    reached = 0
    for past, value in zip(history, judged, strict=True):
        dispersion = estimate(past.tolist())
        values = Values(int(value), int(past[-1]), final_period=True, dispersion=dispersion)
        reached += evaluate(rule, values, interval=False).verdict == UPPNATT
    return reached / REPLICATIONS


def test_no_true_change_is_rarely_called_reached() -> None:
    for seed in (16, 17):
        assert _share_reached(seed, 1.0, Rule()) <= 0.05


def test_a_change_exactly_at_the_target_is_rarely_called_reached() -> None:
    assert _share_reached(18, 0.85, Rule(target="percent", target_value=15)) <= 0.05


def test_a_true_large_fall_is_found() -> None:
    rng = np.random.default_rng(19)
    ratios = rng.uniform(4, 8, REPLICATIONS)
    history = _negative_binomial(rng, np.full((REPLICATIONS, YEARS), 300.0), ratios[:, None])
    judged = _negative_binomial(rng, np.full(REPLICATIONS, 300.0 * 0.4), ratios)
    reached = sum(
        evaluate(
            Rule(),
            Values(int(value), int(past[-1]), final_period=True, dispersion=estimate(past.tolist())),
            interval=False,
        ).verdict
        == UPPNATT
        for past, value in zip(history, judged, strict=True)
    )
    assert reached / REPLICATIONS >= 0.9
