"""Goal verdicts against hand-worked cases, among them the two Mjölby goals the seed's promise implies."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from lofte.analysis.goals import (
    BASVARDE_SAKNAS,
    COLOURS,
    FOR_TIDIGT,
    INGEN_SAKER,
    INTE_UPPNATT,
    UPPNATT,
    VARDE_SAKNAS,
    Rule,
    Values,
    evaluate,
)


def test_fewer_burglaries_than_2023_is_reached() -> None:
    # Mjölby, anmälda bostadsinbrott: 143 in 2023, 75 in 2025 (Brå).
    result = evaluate(Rule(), Values(75, 143))
    assert result.verdict == UPPNATT and result.label == "uppnått"
    assert result.p_value == pytest.approx(binomtest(75, 218, 0.5).pvalue)
    assert result.p_value is not None and result.p_value < 0.001
    assert result.change_pct == -47.6
    assert "p < 0,001" in result.explanation


def test_fewer_crimes_in_total_than_2023_is_no_certain_change() -> None:
    # Mjölby, anmälda brott totalt: 2 894 in 2023, 2 875 in 2025.
    result = evaluate(Rule(), Values(2875, 2894))
    assert result.verdict == INGEN_SAKER
    assert result.p_value == pytest.approx(binomtest(2875, 2875 + 2894, 0.5).pvalue)
    assert "kan vara slump" in result.explanation


def test_a_certain_change_the_wrong_way_is_not_reached() -> None:
    assert evaluate(Rule(), Values(200, 143)).verdict == INTE_UPPNATT
    assert evaluate(Rule(direction="higher"), Values(75, 143)).verdict == INTE_UPPNATT


def test_the_population_changes_the_test() -> None:
    # The same counts, but the population grew by half: per inhabitant the rate fell.
    result = evaluate(Rule(), Values(150, 143, population=15_000, baseline_population=10_000))
    assert result.verdict == UPPNATT
    assert evaluate(Rule(), Values(150, 143)).verdict == INGEN_SAKER


def test_a_missing_value_is_a_state_of_its_own_never_a_verdict_or_zero() -> None:
    waiting = evaluate(Rule(), Values(None, 143))
    assert (waiting.verdict, waiting.label) == (VARDE_SAKNAS, "värdet för perioden saknas ännu")
    assert (waiting.value, waiting.change_pct, waiting.p_value) == (None, None, None)
    no_baseline = evaluate(Rule(), Values(75, None))
    assert (no_baseline.verdict, no_baseline.label) == (BASVARDE_SAKNAS, "basvärde saknas")
    assert (no_baseline.baseline_value, no_baseline.change_pct) == (None, None)
    both = evaluate(Rule(target="percent", target_value=10), Values(None, None))
    assert both.verdict == BASVARDE_SAKNAS and "Värdet för perioden saknas också" in both.explanation
    assert evaluate(Rule(target="level", target_value=100), Values(None, None)).verdict == VARDE_SAKNAS
    assert {COLOURS[waiting.verdict], COLOURS[no_baseline.verdict]} == {"grey"}


def test_a_percentage_target() -> None:
    rule = Rule(target="percent", target_value=30)
    assert evaluate(rule, Values(75, 143)).verdict == UPPNATT  # −47.6 %
    assert evaluate(rule, Values(120, 200)).verdict == UPPNATT  # −40 %, certain
    smaller = evaluate(rule, Values(160, 200))  # −20 %, certain, not yet 30 %
    assert smaller.verdict == FOR_TIDIGT
    assert evaluate(rule, Values(160, 200, final_period=True)).verdict == INTE_UPPNATT


def test_a_level_target() -> None:
    rule = Rule(target="level", target_value=100)
    assert evaluate(rule, Values(75, None)).verdict == UPPNATT
    assert evaluate(rule, Values(110, None)).verdict == FOR_TIDIGT
    assert evaluate(rule, Values(110, None, final_period=True)).verdict == INTE_UPPNATT


def test_shares_are_judged_on_their_values_without_a_test() -> None:
    result = evaluate(Rule(direction="higher"), Values(62.5, 55.0, is_count=False))
    assert (result.verdict, result.p_value) == (UPPNATT, None)
    assert "prövas inte" in result.explanation
    assert evaluate(Rule(direction="higher"), Values(50.0, 55.0, is_count=False)).verdict == FOR_TIDIGT


def test_preliminary_figures_are_flagged() -> None:
    result = evaluate(Rule(), Values(75, 143, preliminary=True))
    assert result.preliminary and "preliminära" in result.explanation


def test_it_refuses_an_unknown_rule() -> None:
    with pytest.raises(ValueError):
        evaluate(Rule(direction="sideways"), Values(1, 2))
    with pytest.raises(ValueError):
        evaluate(Rule(target="percent"), Values(1, 2))
