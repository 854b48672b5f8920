from __future__ import annotations

import pytest

from lofte.analysis.rates import Difference, change, per_100k


def test_it_computes_a_rate_per_100k() -> None:
    assert per_100k(50, 200_000) == 25.0
    assert per_100k(0, 28_759) == 0.0


def test_it_gives_no_rate_without_a_population() -> None:
    assert per_100k(50, None) is None
    assert per_100k(50, 0) is None
    assert per_100k(None, 28_759) is None


def test_it_compares_with_the_previous_period_and_the_three_before() -> None:
    result = change([10, 12, 14, 16, 20])
    assert result.current == 20
    assert result.vs_previous == Difference(base=16, absolute=4, percent=25.0)
    assert result.vs_baseline is not None
    assert (result.vs_baseline.base, result.vs_baseline.absolute) == (14.0, 6.0)
    assert result.vs_baseline.percent == pytest.approx(42.857, abs=0.001)


def test_it_gives_no_percent_from_a_zero_base() -> None:
    result = change([0, 0, 0, 5])
    assert result.vs_previous == Difference(base=0, absolute=5, percent=None)
    assert result.vs_baseline == Difference(base=0.0, absolute=5.0, percent=None)


def test_it_never_reads_missing_data_as_zero() -> None:
    assert change([10, None, 14, 16, 20]).vs_baseline is None
    assert change([10, 12, 14, None, 20]).vs_previous is None
    missing_now = change([10, 12, 14, 16, None])
    assert (missing_now.vs_previous, missing_now.vs_baseline) == (None, None)


def test_it_needs_three_earlier_periods_for_a_baseline() -> None:
    result = change([12, 16, 20])
    assert result.vs_baseline is None
    assert result.vs_previous == Difference(base=16, absolute=4, percent=25.0)
    assert change([]).current is None
