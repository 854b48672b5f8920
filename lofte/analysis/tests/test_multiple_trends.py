"""A table of trends corrected for many tests: `multiple.correct_trends` against statsmodels' multipletests."""

from __future__ import annotations

import pytest
from statsmodels.stats.multitest import multipletests

from lofte.analysis.multiple import BH, HOLM, correct_trends
from lofte.analysis.trend import Trend
from lofte.analysis.verdicts import LABELS


def _trend(ratio: float, p_value: float) -> Trend:
    verdict = "ingen_saker_forandring" if p_value >= 0.05 else ("okning" if ratio > 1 else "minskning")
    return Trend(10, ratio, ratio * 0.9, ratio * 1.1, p_value, 3.0, verdict, verdict)


@pytest.mark.parametrize("method", [BH, HOLM])
def test_it_redraws_each_verdict_from_the_adjusted_p_value(method: str) -> None:
    trends = [_trend(1.05, 0.01), _trend(0.9, 0.03), None, _trend(1.2, 0.04), _trend(0.99, 0.6)]
    corrected = correct_trends(trends, method)
    expected = multipletests([0.01, 0.03, 0.04, 0.6], method=method)[1].tolist()
    tested = [t for t in corrected if t is not None]
    assert [t.p_adjusted for t in tested] == expected
    assert corrected[2] is None
    assert [t.p_value for t in tested] == [0.01, 0.03, 0.04, 0.6]  # the unadjusted p kept
    assert [t.verdict_alone for t in tested] == ["okning", "minskning", "okning", "ingen_saker_forandring"]
    for trend, p in zip(tested, expected, strict=True):
        assert trend.verdict == ("ingen_saker_forandring" if p >= 0.05 else trend.verdict_alone)
        assert trend.label == LABELS[trend.verdict]
