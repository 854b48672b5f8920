"""Goal verdicts against hand-worked cases and Brå's real figures for Mjölby, each beside the reference computation
(scipy's binomtest and Poisson tail, statsmodels' test_poisson_2indep and its Poisson GLM).

The issue's goal cases: D2 a yearly level against half a year, D3 a round covering only K1 of the due year, D4 a
goal on a rate per 100 000 (Kolada N07540), D8 a percentage goal tested against its target."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.stats import binomtest, poisson
from scipy.stats import t as t_distribution
from statsmodels.stats import rates

from lofte.analysis.goals import (
    BASVARDE_SAKNAS,
    COLOURS,
    FOR_TIDIGT,
    INGEN_SAKER,
    INTE_UPPNATT,
    LABELS,
    PA_VAG,
    UPPNATT,
    VARDE_SAKNAS,
    Rule,
    Values,
    evaluate,
    one_sided_level,
    one_sided_rate_ratio,
)
from lofte.analysis.variation import POISSON, Dispersion, estimate

FIXTURES = Path(__file__).resolve().parents[2] / "statistics/sources/bra_csv/fixtures"
MJOLBY = "0586"


def _yearly(key: str) -> dict[int, tuple[int, float]]:
    """Mjölby's yearly count of `key` with the population Brå's rate per 100 000 implies."""
    with (FIXTURES / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv").open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file, delimiter=";") if r["kommun"] == MJOLBY and r["key"] == key]
    return {int(r["period"]): (int(r["count"]), int(r["count"]) * 100_000 / float(r["per100k"])) for r in rows}


def _quarter_sums(key: str, quarters: int) -> dict[int, int]:
    with (FIXTURES / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv").open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file, delimiter=";") if r["kommun"] == MJOLBY and r["key"] == key]
    sums: dict[int, int] = {}
    for row in rows:
        year, quarter = int(row["period"][:4]), int(row["period"][5:])
        if quarter <= quarters:
            sums[year] = sums.get(year, 0) + int(row["count"])
    return sums


def _own_dispersion(series: dict[int, tuple[int, float]], base_year: int) -> Dispersion:
    years = [y for y in sorted(series) if y <= base_year]
    return estimate([series[y][0] for y in years], [series[y][1] for y in years])


def _quasi_reference(c1: int, c2: int, e1: float, e2: float, r0: float, phi: Dispersion) -> float:
    """The quasi-Poisson one-sided p-value for "ratio below r0" from statsmodels: the deviance of the Poisson GLM of
    the two counts with the ratio held at r0, its signed root over √φ against t(df)."""
    offset = np.log([e1, e2]) + np.array([0.0, math.log(r0)])
    fit = sm.GLM(np.array([c1, c2], dtype=float), np.ones((2, 1)), family=sm.families.Poisson(), offset=offset).fit()
    expected = fit.fittedvalues[1]
    root = math.copysign(math.sqrt(fit.deviance / phi.phi), c2 - expected)
    return float(t_distribution.cdf(root, phi.df))


# Goals against the baseline


def test_fewer_burglaries_than_2023_is_reached_allowing_for_their_usual_variation() -> None:
    burglary = _yearly("burglary")
    (c1, e1), (c2, e2) = burglary[2023], burglary[2025]
    assert (c1, c2) == (143, 75)
    poisson_only = evaluate(Rule(), Values(75, 143, final_period=True, dispersion=POISSON))
    assert poisson_only.verdict == UPPNATT and poisson_only.label == "uppnått"
    assert poisson_only.p_value == pytest.approx(binomtest(75, 218, 0.5, alternative="less").pvalue)
    own = _own_dispersion(burglary, 2023)
    assert own.periods == 10 and own.phi == pytest.approx(5.82, abs=0.01)
    result = evaluate(Rule(), Values(75, 143, population=e2, baseline_population=e1, final_period=True, dispersion=own))
    exact = rates.test_poisson_2indep(75, e2, 143, e1, value=1, method="exact-cond", alternative="smaller").pvalue
    assert result.p_value == pytest.approx(max(exact, _quasi_reference(143, 75, e1, e2, 1.0, own)))
    assert result.p_value == pytest.approx(0.0438, abs=1e-4)
    assert result.verdict == UPPNATT and result.change_pct == -47.9  # per inhabitant, as tested
    assert "statistiskt säkerställd" in result.explanation and "per invånare" in result.explanation
    assert result.ci_low is not None and result.ci_high is not None and result.ci_high < 1


def test_fewer_crimes_in_total_than_2023_is_no_clear_change() -> None:
    # Mjölby, anmälda brott totalt: 2 894 in 2023, 2 875 in 2025: lower, but within the usual variation.
    total = _yearly("total")
    own = _own_dispersion(total, 2023)
    result = evaluate(Rule(), Values(2875, 2894, final_period=True, dispersion=own))
    assert result.verdict == INGEN_SAKER and result.meets_target and result.clear is False
    assert "ryms i seriens vanliga variation" in result.explanation
    assert "rätt håll" not in result.explanation and "inte uppnått" not in result.explanation


def test_an_interim_round_says_on_its_way_never_reached() -> None:
    result = evaluate(Rule(), Values(75, 143, dispersion=POISSON))
    assert (result.verdict, result.label, COLOURS[result.verdict]) == (PA_VAG, "på väg", "lightgreen")
    assert result.explanation.startswith("På väg:")


def test_a_clear_change_the_wrong_way_is_not_reached_only_at_the_final_round() -> None:
    final = evaluate(Rule(), Values(200, 143, final_period=True, dispersion=POISSON))
    assert final.verdict == INTE_UPPNATT and "ökat" in final.explanation
    early = evaluate(Rule(), Values(200, 143, dispersion=POISSON))
    assert early.verdict == FOR_TIDIGT and "inte över" in early.explanation
    higher = evaluate(Rule(direction="higher"), Values(75, 143, final_period=True, dispersion=POISSON))
    assert higher.verdict == INTE_UPPNATT and "minskat" in higher.explanation


def test_the_population_changes_the_test() -> None:
    # The same counts, but the population grew by half: per inhabitant the rate fell by 30 %.
    result = evaluate(
        Rule(), Values(150, 143, population=15_000, baseline_population=10_000, final_period=True, dispersion=POISSON)
    )
    assert result.verdict == UPPNATT and result.change_pct == -30.1
    assert evaluate(Rule(), Values(150, 143, final_period=True, dispersion=POISSON)).verdict == INTE_UPPNATT


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


# D8: a percentage goal is tested against its target, one-sided


def test_d8_theft_down_20_percent_against_a_15_percent_goal_is_not_clearly_beyond_it() -> None:
    theft = _yearly("theft")
    (c1, e1), (c2, e2) = theft[2024], theft[2025]
    assert (c1, c2) == (716, 572)
    rule = Rule(target="percent", target_value=15)
    values: dict[str, Any] = dict(population=e2, baseline_population=e1, final_period=True)
    poisson_only = evaluate(rule, Values(572, 716, dispersion=POISSON, **values))
    # H0: the rate fell by less than 15 % (ratio ≥ 0.85); statsmodels' exact conditional test says the same.
    reference = rates.test_poisson_2indep(
        572, e2, 716, e1, value=0.85, method="exact-cond", alternative="smaller"
    ).pvalue
    assert poisson_only.p_value == pytest.approx(reference)
    assert poisson_only.p_value == pytest.approx(0.123, abs=0.001)
    share = 0.85 * e2 / (e1 + 0.85 * e2)
    assert poisson_only.p_value == pytest.approx(binomtest(572, 1288, share, alternative="less").pvalue)
    # The percentage shown is the rate's, as tested: −20.5 % per inhabitant (−20.1 % on counts).
    assert poisson_only.change_pct == -20.5
    assert poisson_only.verdict == INGEN_SAKER and poisson_only.meets_target and not poisson_only.clear
    own = _own_dispersion(theft, 2024)
    result = evaluate(rule, Values(572, 716, dispersion=own, **values))
    assert result.p_value == pytest.approx(max(reference, _quasi_reference(716, 572, e1, e2, 0.85, own)))
    assert result.verdict == INGEN_SAKER and result.p_value is not None and result.p_value > 0.3
    assert "inte tydligt större än målets 15 %" in result.explanation
    assert "inte uppnått" not in result.explanation.lower() and "rätt håll" not in result.explanation
    assert result.ci_low is not None and result.ci_high is not None and result.ci_low < 0.85 < result.ci_high


def test_a_percentage_target() -> None:
    rule = Rule(target="percent", target_value=30)
    assert evaluate(rule, Values(75, 143, final_period=True, dispersion=POISSON)).verdict == UPPNATT  # −47.6 %
    assert evaluate(rule, Values(1200, 2000, final_period=True, dispersion=POISSON)).verdict == UPPNATT  # −40 %
    smaller = evaluate(rule, Values(160, 200, dispersion=POISSON))  # −20 %, not yet 30 %
    assert smaller.verdict == FOR_TIDIGT and "mindre än målets 30 %" in smaller.explanation
    final = evaluate(rule, Values(160, 200, final_period=True, dispersion=POISSON))
    assert final.verdict == INTE_UPPNATT
    assert "minskningen (−20\u00a0%) är mindre än målets 30 %" in final.explanation


# D2: a yearly level is compared over the same span


def test_d2_a_yearly_level_against_the_first_half_year_is_scaled_and_not_reached() -> None:
    h1 = _quarter_sums("total", 2)
    assert (h1[2023], h1[2025]) == (604 + 717, 710 + 759) == (1321, 1469)
    rule = Rule(target="level", target_value=2600)
    result = evaluate(rule, Values(1469, 1321, span=0.5, dispersion=POISSON))
    assert result.verdict == FOR_TIDIGT and result.verdict != UPPNATT
    assert "1\u00a0300" in result.explanation and "helt år" in result.explanation
    assert result.p_value == pytest.approx(poisson.cdf(1469, 1300))  # H0: at or above the level
    on_its_way = evaluate(rule, Values(1250, 1321, span=0.5, dispersion=POISSON))
    assert on_its_way.verdict == PA_VAG


def test_d2_the_full_year_over_the_level_is_not_reached_at_the_final_round() -> None:
    total = _yearly("total")
    assert total[2025][0] == 2875
    rule = Rule(target="level", target_value=2600)
    result = evaluate(rule, Values(2875, 2894, final_period=True, dispersion=_own_dispersion(total, 2023)))
    assert result.verdict == INTE_UPPNATT and "över nivån 2\u00a0600" in result.explanation
    # The two questions apart: as written the level is not reached; the gap of 11 % lies within the total's usual
    # variation (φ ≈ 22 over 2014–2023), so the interval of the value against the level straddles 1.
    assert "ryms i seriens vanliga variation" in result.explanation
    assert result.ci_low is not None and result.ci_high is not None and result.ci_low < 1 < result.ci_high
    poisson_only = evaluate(rule, Values(2875, 2894, final_period=True, dispersion=POISSON))
    assert poisson_only.verdict == INTE_UPPNATT and "större än seriens vanliga variation" in poisson_only.explanation
    assert poisson.sf(2874, 2600) < 1e-6  # the reference: above the level, under Poisson noise alone


def test_a_reached_level_is_never_not_reached() -> None:
    rule = Rule(target="level", target_value=2600)
    for final in (True, False):
        result = evaluate(rule, Values(2590, 2894, final_period=final, dispersion=POISSON))
        assert result.verdict == (UPPNATT if final else PA_VAG)
        assert "inte nått" not in result.explanation
        assert "ryms i seriens vanliga variation" in result.explanation  # 2 590 against 2 600 is no clear gap
    assert one_sided_level(2590, 2600, lower=True, dispersion=POISSON) == pytest.approx(poisson.cdf(2590, 2600))


# D3: only a final round says "inte uppnått"


def test_d3_no_interim_round_says_not_reached() -> None:
    rules = [
        Rule(),
        Rule(direction="higher"),
        Rule(target="percent", target_value=15),
        Rule(target="level", target_value=100),
    ]
    for rule, (value, base) in itertools.product(rules, [(700, 604), (30, 604), (604, 604), (150, 60)]):
        verdict = evaluate(rule, Values(value, base, span=0.25, dispersion=POISSON)).verdict
        assert verdict not in (INTE_UPPNATT, UPPNATT), (rule, value, base, verdict)


# D4: a rate per 100 000 is turned into counts with the population and tested


def test_d4_a_rate_goal_is_tested_as_counts() -> None:
    total = _yearly("total")
    (c1, e1), (c2, e2) = total[2023], total[2025]
    rate1, rate2 = c1 * 100_000 / e1, c2 * 100_000 / e2  # Kolada N07540: 10 146 and 9 997 per 100 000
    assert (round(rate1), round(rate2)) == (10146, 9997)
    rule = Rule()
    rate: dict[str, Any] = dict(is_count=False, is_rate=True, population=e2, baseline_population=e1, final_period=True)
    result = evaluate(rule, Values(rate2, rate1, dispersion=POISSON, **rate))
    assert result.p_value == pytest.approx(
        rates.test_poisson_2indep(c2, e2, c1, e1, value=1, method="exact-cond", alternative="smaller").pvalue
    )
    assert result.verdict == INGEN_SAKER and result.change_pct == -1.5
    # A 0.01 % fall is no reached goal, whatever the dispersion.
    tiny = evaluate(rule, Values(9997.0, 9998.0, dispersion=POISSON, **rate))
    assert tiny.verdict == INGEN_SAKER and tiny.p_value is not None and tiny.p_value > 0.4
    assert "−0,01" in tiny.explanation
    # Without the population a rate cannot be tested, so it is never "uppnått".
    unknown = evaluate(rule, Values(9000.0, 10_000.0, is_count=False, is_rate=True, final_period=True))
    assert unknown.verdict == INGEN_SAKER and "befolkningen saknas" in unknown.explanation


# The verdict and its interval never disagree


def test_the_interval_agrees_with_the_verdict() -> None:
    phi = Dispersion(4.0, 8.0, 10)
    for rule, (value, base) in itertools.product(
        [Rule(), Rule(target="percent", target_value=15), Rule(direction="higher")],
        [(75, 143), (120, 143), (140, 143), (572, 716), (830, 716), (300, 200)],
    ):
        result = evaluate(rule, Values(value, base, final_period=True, dispersion=phi))
        assert result.ci_low is not None and result.ci_high is not None
        r0 = {"baseline": 1.0, "percent": 0.85}[rule.target] if rule.direction == "lower" else 1.0
        beyond = result.ci_high < r0 if rule.direction == "lower" else result.ci_low > r0
        assert (result.verdict == UPPNATT) == beyond, (rule, value, base, result)


def test_each_verdict_has_a_label_and_a_colour() -> None:
    assert set(LABELS) == set(COLOURS)
    assert all("säker" not in label for label in LABELS.values())


def test_the_one_sided_test_is_never_more_eager_than_the_exact_one() -> None:
    for c1, c2 in [(143, 75), (716, 572), (10, 3), (0, 4), (5, 0)]:
        exact = one_sided_rate_ratio(c1, c2, 1.0, 1.0, 0.9, lower=True, dispersion=POISSON)
        calibrated = one_sided_rate_ratio(c1, c2, 1.0, 1.0, 0.9, lower=True, dispersion=Dispersion(6.5, 8.0, 10))
        assert calibrated >= exact


def test_shares_are_judged_on_their_values_without_a_test() -> None:
    result = evaluate(Rule(direction="higher"), Values(62.5, 55.0, is_count=False, final_period=True))
    assert (result.verdict, result.p_value) == (UPPNATT, None)
    assert "prövas inte" in result.explanation
    assert evaluate(Rule(direction="higher"), Values(62.5, 55.0, is_count=False)).verdict == PA_VAG
    assert evaluate(Rule(direction="higher"), Values(50.0, 55.0, is_count=False)).verdict == FOR_TIDIGT


def test_preliminary_figures_are_flagged() -> None:
    result = evaluate(Rule(), Values(75, 143, preliminary=True))
    assert result.preliminary and "preliminära" in result.explanation


def test_it_refuses_an_unknown_rule() -> None:
    with pytest.raises(ValueError):
        evaluate(Rule(direction="sideways"), Values(1, 2))
    with pytest.raises(ValueError):
        evaluate(Rule(target="percent"), Values(1, 2))
    with pytest.raises(ValueError):
        evaluate(Rule(target="level", target_value=10), Values(1, 2, span=0))
