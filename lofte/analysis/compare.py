"""One area against a reference: its län, riket, or the kommuner most like it.

Two questions, two yardsticks:

**Against its län or riket** (a reference that contains the area): is the kommun's rate this year above or below
the reference's? The reference's rate is a fixed target; kommuner really do differ from it, so that difference is
the finding, not noise. What is noise is the kommun's own year-to-year variation: its count wobbles more than a
Poisson count would (``variation``). The test is the same as for two periods (``significance.exact_rate_ratio``)
with the area's dispersion φ from its own history: the exact conditional binomial test of the area's share of the
total (given the populations), and with φ > 1 the larger of that p-value and the quasi-Poisson F test. A reference
that contains the area is not independent of it, so the test is run against the rest of the reference (reference
minus area) and the ratio θ = rate_area / rate_rest is expressed against the whole reference as
θ × P / (θ × p_area + p_rest), where P is the reference population. That transform is increasing in θ, so the
interval and the p-value carry over unchanged. Callers say which case they have (``reference_includes_area``).

**Against similar kommuner** (``compare_with_peers``): is the kommun unusual among kommuner like it? Kommuner of the
same size differ from each other by about ±20 % in their crime rates (the median between-kommun standard deviation of
log rates among the ten nearest in size is 0.21 on Kolada's 2025 totals). A test of the area against the peers'
pooled rate that counts only Poisson noise calls 235 of 289 kommuner higher or lower although only 58 lie outside the
range of their own ten peers. So the peers' spread is the yardstick: a random-effects model of the peers' log rates,
log rate_i = μ + u_i with u_i ~ N(0, τ²) and the Poisson variance 1/count_i around it, gives τ², the
between-kommun variance, by the Paule–Mandel estimator (Paule & Mandel 1982; recommended over DerSimonian–Laird by
Veroniki et al., *Res. Synth. Methods* 7, 2016; ``statsmodels.stats.meta_analysis.combine_effects(method_re="pm")``).
The area is then judged as a new member of that distribution, a prediction-interval test (Higgins, Thompson &
Spiegelhalter, *J. R. Stat. Soc. A* 172, 2009): the log of the ratio of its rate to the peers' pooled rate, over
the standard error √(1/c_area + 1/c_peers + τ² (1 + Σ s_i²)), where s_i is peer i's share of the pooled count (the
delta-method variance of the pooled rate's log), referred to the t distribution with k − 2 degrees of freedom for k
peers. The three parts are the area's Poisson variance, the pooled rate's Poisson variance and τ² once for the
area's own place among kommuner and Σ s_i² τ² for the pooled rate's. τ² estimated from single-year counts also holds
the peers' year-to-year wobble, so the area's own φ is not added again. The p-value is the larger of that and the
exact Poisson test against the pool, so it never says more than the old test; the interval is the t interval,
widened to contain the exact one.

Few peers: below ``MIN_PEERS`` (5) peers with values, τ² cannot be estimated with any confidence (it is a variance
from k points, and t with k − 2 degrees of freedom has no tail below three). The comparison then gives the ratio to
the pooled rate but no interval, no p-value and no verdict of a difference (``ingen_saker_skillnad``,
``peers`` says how many there were), rather than an assumed spread that might suit the total but not a category.

Peers are pooled by summing counts and populations; a peer with a missing count or population is left out rather
than counted as zero, and the pool says which peers were used. The pooled rate weights the peers by population.

A missing count or population (no data for the year) gives the verdict ``inga_data``, "ingen jämförelse (inga
data)", and no ratio: it is never read as zero.

Assumptions: counts come from the same period and the same crime definition in the area and the reference; the
peers' log rates are roughly normal around their mean (the simulation in ``tests/test_simulation_peers.py`` keeps the
share of högre/lägre at or below 5 % when no kommun differs from its peers).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.stats import t as t_distribution
from statsmodels.stats.meta_analysis import combine_effects

from lofte.analysis.rates import per_100k
from lofte.analysis.significance import RateRatio, as_count, exact_rate_ratio, positive_pair
from lofte.analysis.variation import POISSON, Dispersion
from lofte.analysis.verdicts import DEFAULT_ALPHA, INGA_DATA, INGEN_SAKER_SKILLNAD, LABELS, difference_verdict

MIN_PEERS: Final = 5


@dataclass(frozen=True)
class AreaCount:
    code: str
    count: float | None
    population: float | None


@dataclass(frozen=True)
class Pool:
    count: int
    population: float
    used: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class ReferenceComparison:
    area_rate: float | None
    reference_rate: float | None
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str  # hogre, lagre, ingen_saker_skillnad or inga_data
    label: str
    # Against a län or riket: the area's own year-to-year dispersion the test allowed for.
    dispersion: Dispersion = POISSON
    # Against peers: how many peers had values, and τ², the between-kommun variance of their log rates (None when
    # there were too few peers to estimate it, and then there is no p-value and no verdict of a difference).
    peers: int = 0
    between: float | None = None
    # Set by `multiple.correct` when the comparison is one of a table's (see PeriodComparison).
    p_adjusted: float | None = None
    verdict_alone: str | None = None

    @property
    def too_few_peers(self) -> bool:
        return 0 < self.peers < MIN_PEERS


def pool_peers(peers: Iterable[AreaCount]) -> Pool:
    """Sum the peers that have both a count and a population; the area itself should not be among them."""
    peers = list(peers)
    usable = [peer for peer in peers if _is_complete(peer)]
    return Pool(
        count=sum(as_count(peer.count) or 0 for peer in usable),
        population=sum(peer.population or 0.0 for peer in usable),
        used=tuple(peer.code for peer in usable),
        skipped=tuple(peer.code for peer in peers if not _is_complete(peer)),
    )


def compare_with_reference(
    count: float | None,
    population: float | None,
    reference_count: float | None,
    reference_population: float | None,
    *,
    reference_includes_area: bool,
    alpha: float = DEFAULT_ALPHA,
    dispersion: Dispersion = POISSON,
) -> ReferenceComparison:
    """Rate ratio of the area to the reference, with an interval and a verdict that allow for the area's own
    year-to-year `dispersion` (`variation.estimate` over its history; exact Poisson with the default)."""
    area_rate, reference_rate = per_100k(count, population), per_100k(reference_count, reference_population)
    c_area, c_ref = as_count(count), as_count(reference_count)
    exposures = positive_pair(population, reference_population)
    if c_area is None or c_ref is None or exposures is None:
        return _no_data(area_rate, reference_rate)
    if reference_includes_area:
        result = _against_whole(c_area, c_ref, *exposures, confidence=1 - alpha, dispersion=dispersion)
    else:
        result = exact_rate_ratio(
            c_ref, c_area, exposures[1], exposures[0], confidence=1 - alpha, dispersion=dispersion
        )
    verdict = difference_verdict(result.ratio, result.p_value, alpha)
    return ReferenceComparison(
        area_rate,
        reference_rate,
        result.ratio,
        result.ci_low,
        result.ci_high,
        result.p_value,
        verdict,
        LABELS[verdict],
        dispersion=dispersion,
    )


def compare_with_peers(
    count: float | None,
    population: float | None,
    peers: Iterable[AreaCount],
    *,
    alpha: float = DEFAULT_ALPHA,
    interval: bool = True,
) -> ReferenceComparison:
    """The area against the pooled rate of `peers` (the area itself not among them), judged against how much
    kommuner like these differ from each other (module docstring); no verdict below `MIN_PEERS` peers.

    ``interval=False`` leaves the interval out (None), as in `significance.compare_periods`: a verdict needs only p."""
    used = [peer for peer in peers if _is_complete(peer)]
    pool = pool_peers(used)
    area_rate, reference_rate = per_100k(count, population), per_100k(pool.count, pool.population or None)
    c_area = as_count(count)
    if c_area is None or population is None or population <= 0 or not used:
        return _no_data(area_rate, reference_rate)
    exact = exact_rate_ratio(pool.count, c_area, pool.population, population, confidence=1 - alpha, interval=interval)
    if len(used) < MIN_PEERS:
        return ReferenceComparison(
            area_rate, reference_rate, exact.ratio, None, None, None, INGEN_SAKER_SKILLNAD,
            LABELS[INGEN_SAKER_SKILLNAD], peers=len(used),
        )  # fmt: skip
    tau2 = between_variance(used)
    result = _against_peers(c_area, population, used, tau2, exact, confidence=1 - alpha, interval=interval)
    verdict = difference_verdict(result.ratio, result.p_value, alpha)
    return ReferenceComparison(
        area_rate, reference_rate, result.ratio, result.ci_low, result.ci_high, result.p_value, verdict,
        LABELS[verdict], peers=len(used), between=tau2,
    )  # fmt: skip


def between_variance(peers: Iterable[AreaCount]) -> float:
    """τ², the between-kommun variance of the peers' log rates beyond their Poisson variance (Paule–Mandel).

    Half a case is added to each count so that a peer with none keeps a finite log rate."""
    counts = np.array([peer.count for peer in peers], dtype=float) + 0.5
    populations = np.array([peer.population for peer in peers], dtype=float)
    with warnings.catch_warnings():  # peers with identical rates make its I² divide by zero
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = combine_effects(np.log(counts / populations), 1 / counts, method_re="pm")
    return max(float(fit.tau2), 0.0)


def _against_peers(
    count: int,
    population: float,
    peers: list[AreaCount],
    tau2: float,
    exact: RateRatio,
    *,
    confidence: float,
    interval: bool,
) -> RateRatio:
    """The prediction-interval test of the area against the peers' pooled rate, never more eager than `exact`."""
    counts = np.array([peer.count for peer in peers], dtype=float)
    total, total_population = float(counts.sum()), sum(peer.population or 0.0 for peer in peers)
    shares = counts / total if total > 0 else np.full(len(counts), 1 / len(counts))
    centre = math.log((count + 0.5) / population) - math.log((total + 0.5) / total_population)
    error = math.sqrt(1 / (count + 0.5) + 1 / (total + 0.5) + tau2 * (1 + float((shares**2).sum())))
    df = len(peers) - 2
    p_value = max(exact.p_value, float(2 * t_distribution.sf(abs(centre) / error, df)))
    if exact.ratio is None or not interval:  # no crimes in the area or among the peers, or no interval asked for
        return RateRatio(exact.ratio, None, None, p_value)
    quantile = float(t_distribution.ppf(0.5 + confidence / 2, df))
    low, high = math.exp(centre - quantile * error), math.exp(centre + quantile * error)
    return RateRatio(exact.ratio, min(low, exact.ci_low or low), max(high, exact.ci_high or high), p_value)


def _no_data(area_rate: float | None, reference_rate: float | None) -> ReferenceComparison:
    return ReferenceComparison(area_rate, reference_rate, None, None, None, None, INGA_DATA, LABELS[INGA_DATA])


def _against_whole(
    count: int, total: int, population: float, total_population: float, *, confidence: float, dispersion: Dispersion
) -> RateRatio:
    rest_count, rest_population = total - count, total_population - population
    if rest_count < 0 or rest_population <= 0:
        raise ValueError("the reference must be larger than the area it includes")
    rest = exact_rate_ratio(
        rest_count, count, rest_population, population, confidence=confidence, dispersion=dispersion
    )

    def to_whole(theta: float | None) -> float | None:
        if theta is None:
            return None
        if math.isinf(theta):
            return total_population / population
        return theta * total_population / (theta * population + rest_population)

    return RateRatio(to_whole(rest.ratio), to_whole(rest.ci_low), to_whole(rest.ci_high), rest.p_value)


def _is_complete(peer: AreaCount) -> bool:
    return peer.count is not None and peer.population is not None and peer.population > 0
