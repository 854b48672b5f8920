"""One area against a reference: its län, riket, or the pooled sum of similar kommuner.

Method: the same exact conditional binomial test as ``significance``, with the populations as
exposures: given the area's count and the reference's count, the area's share of the total is
binomial with probability population_area / (population_area + population_reference) when the
rates are equal. The result is the rate ratio rate_area / rate_reference with an exact
confidence interval and a verdict: "hogre", "lagre" or "ingen_saker_skillnad".

A reference that contains the area (its län, riket) is not independent of it, so the test is
run against the rest of the reference (reference minus area) and the ratio θ = rate_area /
rate_rest is then expressed against the whole reference as θ × P / (θ × p_area + p_rest), where P
is the reference population. That transform is increasing in θ, so the exact interval and the
p-value carry over unchanged. Callers must say which case they have (``reference_includes_area``).

Peers are pooled by summing counts and populations; a peer with a missing count or population is
left out rather than counted as zero, and the pool says which peers were used. Pooling weights the
peers by population, so a large peer dominates; pick peers of similar size.

A missing count or population (no data for the year) gives the verdict ``inga_data``, "ingen
jämförelse (inga data)", and no ratio: it is never read as zero.

Assumptions: counts are Poisson (independent offences) and come from the same period and the same
crime definition in the area and the reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from lofte.analysis.rates import per_100k
from lofte.analysis.significance import RateRatio, as_count, exact_rate_ratio, positive_pair
from lofte.analysis.verdicts import DEFAULT_ALPHA, INGA_DATA, LABELS, difference_verdict


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
) -> ReferenceComparison:
    """Rate ratio of the area to the reference, with an exact interval and a verdict."""
    area_rate, reference_rate = per_100k(count, population), per_100k(reference_count, reference_population)
    c_area, c_ref = as_count(count), as_count(reference_count)
    exposures = positive_pair(population, reference_population)
    if c_area is None or c_ref is None or exposures is None:
        return ReferenceComparison(area_rate, reference_rate, None, None, None, None, INGA_DATA, LABELS[INGA_DATA])
    if reference_includes_area:
        result = _against_whole(c_area, c_ref, *exposures, confidence=1 - alpha)
    else:
        result = exact_rate_ratio(c_ref, c_area, exposures[1], exposures[0], confidence=1 - alpha)
    verdict = difference_verdict(result.ratio, result.p_value, alpha)
    return ReferenceComparison(
        area_rate, reference_rate, result.ratio, result.ci_low, result.ci_high, result.p_value, verdict, LABELS[verdict]
    )


def _against_whole(count: int, total: int, population: float, total_population: float, confidence: float) -> RateRatio:
    rest_count, rest_population = total - count, total_population - population
    if rest_count < 0 or rest_population <= 0:
        raise ValueError("the reference must be larger than the area it includes")
    rest = exact_rate_ratio(rest_count, count, rest_population, population, confidence=confidence)

    def to_whole(theta: float | None) -> float | None:
        if theta is None:
            return None
        if math.isinf(theta):
            return total_population / population
        return theta * total_population / (theta * population + rest_population)

    return RateRatio(to_whole(rest.ratio), to_whole(rest.ci_low), to_whole(rest.ci_high), rest.p_value)


def _is_complete(peer: AreaCount) -> bool:
    return peer.count is not None and peer.population is not None and peer.population > 0
