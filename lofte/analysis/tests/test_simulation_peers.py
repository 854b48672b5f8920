"""Peer comparisons on simulated and real kommuner: "högre/lägre än jämförbara kommuner" only outside what kommuner
like these usually differ by.

The simulated population has Sweden's 290 real kommun sizes (Kolada N01951, 2025), crime rates that differ between
kommuner as much as the real ones do among kommuner of a size (a standard deviation of 0.21 in log rate, the median
over the real peer groups) and counts that vary 4–8 times more than Poisson counts. No kommun is different from its
peers: each is a draw from the same distribution, so every högre/lägre is a false claim and their share must stay at
or below the 5 % level. A kommun at twice its peers' level must be found.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import binomtest
from scipy.stats import t as t_distribution
from statsmodels.stats.meta_analysis import combine_effects

from lofte.analysis.compare import AreaCount, compare_with_peers

# Kolada's N01951 (population, 31 December) and N07540 (reported crimes per 100 000) for all 290 kommuner, 2025.
KOLADA = (
    Path(__file__).resolve().parents[2]
    / "statistics/sources/kolada/fixtures/kolada_N01951_N07540_alla_kommuner_2025.json"
)
PEERS = 10  # situation.comparisons.DEFAULT_PEERS
SPREAD = 0.21  # the between-kommun standard deviation of log rates among ten kommuner of a size (real, median)
CLAIMS = ("hogre", "lagre")


def real_kommuner() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Codes in order, populations (31 December 2025) and counts (the 2025 rate per 100 000 times the population,
    as `situation.comparisons` turns a rate back into a count)."""
    values = json.loads(KOLADA.read_text(encoding="utf-8"))["values"]
    found = {(v["kpi"], v["municipality"]): float(v["values"][0]["value"]) for v in values}
    codes = sorted(code for kpi, code in found if kpi == "N01951")
    population = np.array([found[("N01951", code)] for code in codes])
    rate = np.array([found[("N07540", code)] for code in codes])
    return codes, population, np.round(rate * population / 100_000)


def nearest_in_size(population: np.ndarray, count: int = PEERS) -> np.ndarray:
    """Each kommun's `count` kommuner nearest in population on a log scale, itself left out: how
    `situation.comparisons.similar_kommuner` picks the peers (ties broken by code there, by position here; the
    codes are in order in the file)."""
    distance = np.abs(np.log(population[None, :] / population[:, None]))
    np.fill_diagonal(distance, np.inf)
    return np.argsort(distance, axis=1, kind="stable")[:, :count]


def judge(counts: np.ndarray, population: np.ndarray, peers: np.ndarray, area: int, count: float) -> str:
    group = [AreaCount(str(j), float(counts[j]), float(population[j])) for j in peers[area]]
    return compare_with_peers(count, float(population[area]), group, interval=False).verdict


def test_it_calls_at_most_five_percent_of_kommuner_like_their_peers_different() -> None:
    rng = np.random.default_rng(16)
    _codes, population, _counts = real_kommuner()
    peers = nearest_in_size(population)
    claims, tests = 0, 0
    for _replication in range(5):
        expected = population * 0.09 * np.exp(rng.normal(0, SPREAD, len(population)))
        phi = rng.uniform(4, 8, len(population))  # variance φ × mean: negative binomial with n = mean / (φ − 1)
        counts = rng.negative_binomial(expected / (phi - 1), 1 / phi).astype(float)
        verdicts = [judge(counts, population, peers, i, counts[i]) for i in range(len(population))]
        claims += sum(verdict in CLAIMS for verdict in verdicts)
        tests += len(verdicts)
    assert claims / tests <= 0.05
    assert claims / tests > 0.01  # the test still speaks: it is not silent by construction


def test_it_finds_a_kommun_at_twice_its_peers_level() -> None:
    rng = np.random.default_rng(2)
    _codes, population, _counts = real_kommuner()
    peers = nearest_in_size(population)
    found, tried = 0, 0
    for _replication in range(3):
        expected = population * 0.09 * np.exp(rng.normal(0, SPREAD, len(population)))
        counts = rng.negative_binomial(expected / 5, 1 / 6).astype(float)  # variance 6 × mean
        for area in range(0, len(population), 3):
            level = population[area] * 0.09 * 2  # twice the level the peers are drawn around
            count = float(rng.negative_binomial(level / 5, 1 / 6))
            found += judge(counts, population, peers, area, count) == "hogre"
            tried += 1
    assert found / tried >= 0.8


def test_it_calls_few_real_kommuner_different_from_their_peers() -> None:
    """Kolada's 2025 totals for all kommuner, each against its ten nearest in size: the Poisson test against the
    pooled rate calls 235 of 290 higher or lower, although only 58 lie outside the range of their own peers; allowing
    for how much kommuner of a size differ calls a handful."""
    _codes, population, counts = real_kommuner()
    peers = nearest_in_size(population)
    old = new = outside = 0
    for area, group in enumerate(peers):
        pooled, pooled_population = counts[group].sum(), population[group].sum()
        # Before: the exact conditional binomial test of the area's share of area + pool (scipy), Poisson only.
        share = population[area] / (population[area] + pooled_population)
        old += binomtest(int(counts[area]), int(counts[area] + pooled), share).pvalue < 0.05
        new += judge(counts, population, peers, area, counts[area]) in CLAIMS
        rates = counts[group] / population[group]
        outside += not rates.min() <= counts[area] / population[area] <= rates.max()
    assert (old, outside) == (235, 58)
    assert new == 18


def test_the_between_kommun_variance_and_the_test_match_a_reference_computation() -> None:
    """Mjölby (0586) against its ten nearest in size, reworked with statsmodels and scipy beside the code."""
    codes, population, counts = real_kommuner()
    peers = nearest_in_size(population)
    area = codes.index("0586")
    group = peers[area]
    y, n = counts[group] + 0.5, population[group]
    tau2 = combine_effects(np.log(y / n), 1 / y, method_re="pm").tau2
    shares = counts[group] / counts[group].sum()
    centre = math.log((counts[area] + 0.5) / population[area]) - math.log(
        (counts[group].sum() + 0.5) / population[group].sum()
    )
    error = math.sqrt(1 / (counts[area] + 0.5) + 1 / (counts[group].sum() + 0.5) + tau2 * (1 + (shares**2).sum()))
    p_value = 2 * t_distribution.sf(abs(centre) / error, PEERS - 2)
    result = compare_with_peers(
        counts[area], population[area], [AreaCount(codes[j], counts[j], population[j]) for j in group]
    )
    assert result.between == tau2
    assert result.peers == PEERS
    assert math.isclose(result.p_value or 0, p_value, rel_tol=1e-12)
