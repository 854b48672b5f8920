from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.stats import binomtest, chi2
from scipy.stats import t as t_distribution
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from lofte.analysis.compare import AreaCount, Pool, compare_with_peers, compare_with_reference, pool_peers
from lofte.analysis.multiple import correct
from lofte.analysis.significance import compare_periods
from lofte.analysis.variation import ASSUMED_YEARLY


def test_it_pools_peers_and_skips_missing_data() -> None:
    pool = pool_peers(
        [
            AreaCount("0583", 3_100.0, 43_000),
            AreaCount("0584", None, 3_400),
            AreaCount("0509", 1_200, 27_000),
            AreaCount("0560", 900, None),
        ]
    )
    assert pool == Pool(count=4_300, population=70_000, used=("0583", "0509"), skipped=("0584", "0560"))


def test_it_finds_a_higher_rate_than_the_peers() -> None:
    result = compare_with_reference(300, 10_000, 2_000, 100_000, reference_includes_area=False)
    assert (result.area_rate, result.reference_rate) == (3_000.0, 2_000.0)
    assert result.rate_ratio == pytest.approx(1.5)
    assert result.ci_low is not None and result.ci_low > 1
    assert (result.verdict, result.label) == ("hogre", "högre")


def test_it_finds_a_lower_rate_than_the_peers() -> None:
    result = compare_with_reference(100, 10_000, 2_000, 100_000, reference_includes_area=False)
    assert result.rate_ratio == pytest.approx(0.5)
    assert (result.verdict, result.label) == ("lagre", "lägre")


def test_it_uses_the_same_exact_test_as_for_periods() -> None:
    result = compare_with_reference(12, 1_000, 3, 1_000, reference_includes_area=False)
    periods = compare_periods(3, 12)
    assert (result.rate_ratio, result.p_value) == (periods.rate_ratio, periods.p_value)
    assert (result.ci_low, result.ci_high) == (periods.ci_low, periods.ci_high)


def test_it_tests_against_the_rest_of_a_reference_that_includes_the_area() -> None:
    # Area 300 / 10 000 inside a län of 2 300 / 110 000: tested against the rest, 2 000 / 100 000.
    result = compare_with_reference(300, 10_000, 2_300, 110_000, reference_includes_area=True)
    rest = compare_with_reference(300, 10_000, 2_000, 100_000, reference_includes_area=False)
    assert result.rate_ratio == pytest.approx((300 / 10_000) / (2_300 / 110_000))
    assert result.p_value == rest.p_value
    assert rest.ci_low is not None and result.ci_low is not None
    assert result.ci_low == pytest.approx(rest.ci_low * 110_000 / (rest.ci_low * 10_000 + 100_000))
    assert result.verdict == "hogre"


def test_it_bounds_the_ratio_when_the_area_has_all_of_the_reference() -> None:
    result = compare_with_reference(5, 1_000, 5, 10_000, reference_includes_area=True)
    assert result.rate_ratio == result.ci_high == pytest.approx(10.0)
    assert not math.isinf(result.ci_high or 0)


def test_it_finds_no_certain_difference_in_small_counts() -> None:
    result = compare_with_reference(4, 10_000, 30, 100_000, reference_includes_area=False)
    assert (result.verdict, result.label) == ("ingen_saker_skillnad", "ingen tydlig skillnad")


def test_it_says_no_data_for_missing_data() -> None:
    result = compare_with_reference(300, None, 2_000, 100_000, reference_includes_area=False)
    assert (result.area_rate, result.rate_ratio, result.verdict) == (None, None, "inga_data")
    missing = compare_with_reference(None, 10_000, 2_000, 100_000, reference_includes_area=False)
    assert (missing.verdict, missing.label, missing.p_value) == ("inga_data", "ingen jämförelse (inga data)", None)


def test_it_refuses_a_reference_smaller_than_the_area_inside_it() -> None:
    with pytest.raises(ValueError, match="larger than the area"):
        compare_with_reference(300, 10_000, 200, 10_000, reference_includes_area=True)


# Ten peers of 30 000 inhabitants whose rates differ as kommuner of a size do (log rates ±0.2 around 9 000 per
# 100 000), and an area of 30 000 with a rate 30 % above their pooled rate.
SPREAD_PEERS = [
    AreaCount(f"p{i}", float(round(2_700 * math.exp(u))), 30_000.0)
    for i, u in enumerate([-0.3, -0.2, -0.15, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.25])
]


def test_it_judges_the_area_against_how_much_its_peers_differ() -> None:
    counts = np.array([peer.count for peer in SPREAD_PEERS], dtype=float)
    pooled = counts.sum() / 300_000
    area = round(1.3 * pooled * 30_000)
    result = compare_with_peers(area, 30_000, SPREAD_PEERS)
    # The Poisson test against the pool alone calls it higher (scipy's exact binomial test of its share):
    assert binomtest(area, area + int(counts.sum()), 30_000 / 330_000).pvalue < 1e-9
    # Reference: τ² by Paule–Mandel (statsmodels), the prediction-interval t test with k − 2 = 8 df (scipy).
    tau2 = combine_effects(np.log((counts + 0.5) / 30_000), 1 / (counts + 0.5), method_re="pm").tau2
    assert tau2 == pytest.approx(0.0321, abs=5e-4)
    shares = counts / counts.sum()
    error = math.sqrt(1 / (area + 0.5) + 1 / (counts.sum() + 0.5) + tau2 * (1 + (shares**2).sum()))
    centre = math.log((area + 0.5) / 30_000) - math.log((counts.sum() + 0.5) / 300_000)
    assert result.between == pytest.approx(tau2)
    assert result.p_value == pytest.approx(2 * t_distribution.sf(centre / error, 8))
    assert result.p_value == pytest.approx(0.202, abs=1e-3)
    assert (result.verdict, result.label, result.peers) == ("ingen_saker_skillnad", "ingen tydlig skillnad", 10)
    assert result.rate_ratio == pytest.approx(area / 30_000 / pooled)
    quantile = t_distribution.ppf(0.975, 8)
    assert result.ci_low == pytest.approx(math.exp(centre - quantile * error))
    assert result.ci_high == pytest.approx(math.exp(centre + quantile * error))
    assert result.ci_low is not None and result.ci_high is not None and result.ci_low < 1 < result.ci_high
    # Twice the pooled rate is outside what these kommuner differ by.
    twice = compare_with_peers(round(2 * pooled * 30_000), 30_000, SPREAD_PEERS)
    assert (twice.verdict, twice.label) == ("hogre", "högre")
    assert twice.p_value == pytest.approx(0.0063, abs=1e-4)


def test_it_is_never_more_eager_than_the_exact_test_against_the_pool() -> None:
    # Peers that do not differ beyond Poisson noise (τ² = 0) and a small area: the exact test decides.
    alike = [AreaCount(f"p{i}", 90.0 + i, 1_000.0) for i in range(6)]
    result = compare_with_peers(4, 100, alike)
    assert result.between == 0
    exact = binomtest(4, 4 + sum(90 + i for i in range(6)), 100 / 6_100).pvalue
    assert result.p_value is not None and result.p_value >= exact
    assert result.ci_low is not None and result.ci_high is not None


def test_it_makes_no_claim_with_fewer_than_five_peers() -> None:
    few = [*SPREAD_PEERS[:4], AreaCount("utan", None, 30_000)]
    result = compare_with_peers(10_000, 30_000, few)
    assert result.rate_ratio == pytest.approx(10_000 / sum(peer.count or 0 for peer in few[:4]) * 4)
    assert (result.verdict, result.p_value, result.ci_low, result.ci_high) == ("ingen_saker_skillnad", None, None, None)
    assert (result.peers, result.between, result.too_few_peers) == (4, None, True)
    assert compare_with_peers(300, 10_000, []).verdict == "inga_data"
    assert compare_with_peers(None, 10_000, SPREAD_PEERS).verdict == "inga_data"


def test_it_allows_for_the_areas_own_variation_against_its_län() -> None:
    # Mjölby 2025 (Kolada N07540 back to counts: 2 881 of 28 823) in Östergötland (51 321 of 472 530, its 13 summed).
    poisson = compare_with_reference(2_881, 28_823, 51_321, 472_530, reference_includes_area=True)
    assert poisson.verdict == "lagre"
    calibrated = compare_with_reference(
        2_881, 28_823, 51_321, 472_530, reference_includes_area=True, dispersion=ASSUMED_YEARLY
    )
    # Reference: the quasi-Poisson test of the area against the rest of the län, the deviance of equal rates
    # (statsmodels' Poisson GLM, intercept only with the populations as offset) over φ = 6.5 against χ²(1).
    rest, rest_population = 51_321 - 2_881, 472_530 - 28_823
    fit = sm.GLM(
        [2_881, rest], np.ones((2, 1)), family=sm.families.Poisson(), offset=np.log([28_823, rest_population])
    ).fit()
    assert calibrated.p_value == pytest.approx(chi2.sf(fit.deviance / 6.5, 1))
    assert calibrated.p_value == pytest.approx(0.0676, abs=1e-4)
    assert (calibrated.verdict, calibrated.dispersion) == ("ingen_saker_skillnad", ASSUMED_YEARLY)
    assert calibrated.rate_ratio == poisson.rate_ratio
    assert calibrated.ci_low is not None and poisson.ci_low is not None and calibrated.ci_low < poisson.ci_low


def test_it_corrects_a_table_of_differences() -> None:
    table = [
        compare_with_reference(300, 10_000, 2_000, 100_000, reference_includes_area=False),
        compare_with_reference(230, 10_000, 2_000, 100_000, reference_includes_area=False),
        compare_with_reference(4, 10_000, 30, 100_000, reference_includes_area=False),
        compare_with_reference(None, 10_000, 30, 100_000, reference_includes_area=False),
    ]
    corrected = correct(table)
    p_values = [c.p_value for c in table if c.p_value is not None]
    expected = multipletests(p_values, method="fdr_bh")[1]
    assert [c.p_adjusted for c in corrected[:3] if c] == pytest.approx(list(expected))
    assert [c.p_value for c in corrected[:3] if c] == p_values  # the unadjusted p stays for the exports
    # 230 against 200 is högre alone (p = 0.047) but not as one of three tests (adjusted p = 0.047 × 3 / 2).
    assert [c.verdict for c in corrected if c] == ["hogre", "ingen_saker_skillnad", "ingen_saker_skillnad", "inga_data"]
    assert [c.verdict_alone for c in corrected if c] == ["hogre", "hogre", "ingen_saker_skillnad", None]
    assert table[1].p_value == pytest.approx(0.0467, abs=1e-4)
    assert corrected[1] is not None and corrected[1].p_adjusted == pytest.approx((table[1].p_value or 0) * 3 / 2)
