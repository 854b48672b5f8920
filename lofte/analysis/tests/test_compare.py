from __future__ import annotations

import math

import pytest

from lofte.analysis.compare import AreaCount, Pool, compare_with_reference, pool_peers
from lofte.analysis.significance import compare_periods


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
