"""Is a medborgarlöfte's goal reached? Plain functions over plain numbers, no Django.

A goal compares the value of a period with the value of a baseline period (the same part of the year when a
round covers part of one) by a rule: lower or higher than the baseline, by at least a percentage, or to a level.
The verdict keeps two questions apart and answers both in its explanation:

1. Does the figure meet the target as written? ("lägre än 2023", "minst 15 % färre", "högst 2 600 per år")
2. Is the change larger than the series' usual variation? (a one-sided test against the target)

Method, for counts. Each goal is tested as written, one-sided, against its target: for "lower than the baseline"
H0 is "the rate did not fall" (ratio ≥ 1), for "at least 15 % lower" H0 is "the rate fell by less than 15 %"
(ratio ≥ 0.85); "higher" mirrors it. The test is the conditional binomial test of two Poisson counts
(`scipy.stats.binomtest`, one-sided, with the null proportion r0·e2 / (e1 + r0·e2); the same as statsmodels'
``test_poisson_2indep(..., value=r0, method="exact-cond")``), calibrated to the series' own extra-Poisson
variation φ (`lofte.analysis.variation`) as `significance.compare_periods` does for two-sided tests: the signed
root of the likelihood-ratio statistic against r0, divided by √φ, is referred to Student's t with the estimate's
degrees of freedom, and the p-value is the larger of that and the exact one. A level ("högst 2 600") is the
same test for one count against the level: Poisson's exact tail (`scipy.stats.poisson`) or the signed-root
deviance over √φ. The interval is found by inverting the same test (`inverted_interval`): the ratios that neither
one-sided test at 5 % rejects, a 90 % interval whose ends are each a 95 % one-sided bound. So the verdict and the
interval never disagree: a goal is reached with a clear change exactly when its target lies outside the interval.
(A two-sided 95 % Wald interval beside a one-sided test could say "uppnått" next to "mellan −76 % och +15 %".)
The caller words it (`lofte.lib.uncertainty`).

- Counts are compared per inhabitant when both populations are known: the change shown and the test use the same
  measure. A rate per 100 000 (Kolada N07540) is turned back into a count with its population and tested as one;
  without the population it cannot be tested and is never "uppnått" (a 0.01 % fall is not a reached goal).
- A level is a yearly level: a round covering part of a year (K1–K2) compares it scaled to the part of the year
  (half of 2 600 for K1–K2), and the explanation says so.
- A round is final when it ends on or after the end of the goal's due period (the caller decides). Only a final
  round says "uppnått" or "inte uppnått"; an earlier round says "på väg" where the goal holds so far, with a clear
  change, and "för tidigt att säga" where it does not (yet).

Verdicts:

- uppnått (final): the figure meets the target, and for a change the change is clearly beyond the target;
- på väg (interim): the same, before the goal's last period is over;
- ingen tydlig förändring: the figure meets the target, but the change is within the usual variation;
- inte uppnått (final): the figure does not meet the target;
- för tidigt att säga (interim): the figure does not meet the target yet.

A level is judged on its figure as written ("högst 2 600 anmälda brott" is about the published count); whether
the distance to the level is beyond the usual variation is said beside it. A missing value is no verdict and never
a zero. Two states say which value is missing, so the follow-up can tell a goal that can never be compared until
someone finds its baseline from one that waits for the period's figures:

- basvärde saknas: the baseline period has no value (a rule by level needs none);
- värdet för perioden saknas ännu: the period has no value yet (or not for every quarter it sums).

Shares and indices (surveys) have no count to test: their verdict rests on the values alone, and the explanation
says so. Preliminary figures are flagged, never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from scipy.optimize import brentq
from scipy.stats import binomtest, norm, poisson
from scipy.stats import t as t_distribution

from lofte.analysis.variation import ASSUMED_YEARLY, Dispersion
from lofte.analysis.verdicts import DEFAULT_ALPHA

UPPNATT: Final = "uppnatt"
PA_VAG: Final = "pa_vag"
INTE_UPPNATT: Final = "inte_uppnatt"
FOR_TIDIGT: Final = "for_tidigt"
INGEN_SAKER: Final = "ingen_saker_forandring"
BASVARDE_SAKNAS: Final = "basvarde_saknas"
VARDE_SAKNAS: Final = "varde_saknas"
# States, not verdicts: nothing is judged until the missing value is there.
MISSING: Final = frozenset({BASVARDE_SAKNAS, VARDE_SAKNAS})

LABELS: Final = {
    UPPNATT: "uppnått",
    PA_VAG: "på väg",
    INTE_UPPNATT: "inte uppnått",
    FOR_TIDIGT: "för tidigt att säga",
    INGEN_SAKER: "ingen tydlig förändring",
    BASVARDE_SAKNAS: "basvärde saknas",
    VARDE_SAKNAS: "värdet för perioden saknas ännu",
}
# Green, amber or red on pages and in reports; grey where a value is missing and there is no verdict. "På väg"
# is a lighter green: it holds so far, but the goal's last period is not over.
COLOURS: Final = {
    UPPNATT: "green",
    PA_VAG: "lightgreen",
    INGEN_SAKER: "amber",
    FOR_TIDIGT: "amber",
    INTE_UPPNATT: "red",
    BASVARDE_SAKNAS: "grey",
    VARDE_SAKNAS: "grey",
}

LOWER: Final = "lower"
HIGHER: Final = "higher"
BASELINE: Final = "baseline"
PERCENT: Final = "percent"
LEVEL: Final = "level"
PER_100K: Final = 100_000


@dataclass(frozen=True)
class Rule:
    direction: str = LOWER  # "lower" or "higher"
    target: str = BASELINE  # "baseline", "percent" or "level"
    target_value: float | None = None  # the percentage (10 for 10 %) or the yearly level


@dataclass(frozen=True)
class Values:
    value: float | None
    baseline_value: float | None
    is_count: bool = True  # a count (antal); False for shares and indices
    population: float | None = None
    baseline_population: float | None = None
    preliminary: bool = False
    final_period: bool = False  # the round ends on or after the end of the goal's due period
    is_rate: bool = False  # a rate per 100 000 inhabitants, tested as the count the population gives
    span: float = 1.0  # the share of a year the values cover: 0.5 for K1–K2; a yearly level is scaled to it
    dispersion: Dispersion = ASSUMED_YEARLY  # the series' usual variation (variation.estimate)


@dataclass(frozen=True)
class Evaluation:
    value: float | None
    baseline_value: float | None
    change_pct: float | None
    p_value: float | None
    verdict: str
    explanation: str
    preliminary: bool
    # The 90 % interval of the rate ratio (value against baseline, or of the value against the level for a level),
    # the ratios the goal's one-sided test at 5 % would not reject on either side; each end a 95 % one-sided bound.
    ci_low: float | None = None
    ci_high: float | None = None
    meets_target: bool | None = None  # the figure meets the target as written; None when a value is missing
    clear: bool | None = None  # the test against the target is below 0.05; None when nothing is tested

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


@dataclass(frozen=True)
class _Test:
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    ratio: float | None  # the measured ratio on the tested measure (per inhabitant where known)
    count: int = 0  # for a level: the count tested and the level as a count
    expected: float = 0.0


def evaluate(rule: Rule, values: Values, *, alpha: float = DEFAULT_ALPHA, interval: bool = True) -> Evaluation:
    """The verdict of one goal on one pair of periods, with a plain-Swedish explanation that matches its numbers.

    `interval=False` leaves the interval out (ci_low and ci_high None): a simulation needs the verdict only."""
    if rule.direction not in (LOWER, HIGHER) or rule.target not in (BASELINE, PERCENT, LEVEL):
        raise ValueError(f"unknown rule: {rule!r}")
    if rule.target != BASELINE and rule.target_value is None:
        raise ValueError("a rule by percentage or level needs its value")
    if not 0 < values.span <= 1:
        raise ValueError(f"a span is a share of a year: {values.span!r}")
    value, base = values.value, values.baseline_value
    if base is None and rule.target != LEVEL:
        explanation = "Basperioden saknar värde, så det finns inget att jämföra med."
        if value is None:
            explanation += " Värdet för perioden saknas också."
        return Evaluation(value, base, None, None, BASVARDE_SAKNAS, explanation, values.preliminary)
    if value is None:
        explanation = "Värdet för perioden saknas ännu; målet bedöms när det finns."
        return Evaluation(value, base, None, None, VARDE_SAKNAS, explanation, values.preliminary)
    if rule.target == LEVEL:
        return _evaluate_level(rule, values, value, alpha, interval)
    assert base is not None
    return _evaluate_change(rule, values, value, base, alpha, interval)


# Goals against the baseline: lower/higher, or by at least a percentage


def _evaluate_change(rule: Rule, values: Values, value: float, base: float, alpha: float, interval: bool) -> Evaluation:
    lower = rule.direction == LOWER
    share = (rule.target_value or 0.0) / 100 if rule.target == PERCENT else 0.0
    r0 = 1 - share if lower else 1 + share
    test = _change_test(values, value, base, r0, lower, alpha, interval)
    ratio = test.ratio if test.ratio is not None else _rate_ratio(values, value, base)
    change_pct = None if ratio is None or math.isinf(ratio) else round((ratio - 1) * 100, 1) + 0.0
    meets = _meets_change(ratio, r0, lower, strict=rule.target == BASELINE)
    clear = None if test.p_value is None else test.p_value < alpha
    verdict, reason = _change_verdict(rule, values, meets, clear, ratio, change_pct)
    note = _note(values, test.p_value)
    return Evaluation(
        value,
        base,
        change_pct,
        test.p_value,
        verdict,
        f"{reason}{note}",
        values.preliminary,
        test.ci_low,
        test.ci_high,
        meets,
        clear,
    )


def _meets_change(ratio: float | None, r0: float, lower: bool, *, strict: bool) -> bool:
    if ratio is None:  # both zero: nothing moved
        return False
    if strict:
        return ratio < r0 if lower else ratio > r0
    return ratio <= r0 + 1e-12 if lower else ratio >= r0 - 1e-12


def _change_verdict(
    rule: Rule, values: Values, meets: bool, clear: bool | None, ratio: float | None, change_pct: float | None
) -> tuple[str, str]:
    final, lower = values.final_period, rule.direction == LOWER
    change = _percent(None if ratio is None or math.isinf(ratio) else (ratio - 1) * 100)
    if values.is_count and values.population and values.baseline_population:
        change += " per invånare"  # the change shown is the one tested
    moved = None if ratio is None or ratio == 1 else LOWER if ratio < 1 else HIGHER
    if rule.target == PERCENT:
        target = f"{_number(rule.target_value or 0)} %"
        wanted = f"minst {target} {'lägre' if lower else 'högre'} än basperioden"
    else:
        target, wanted = "", "lägre än basperioden" if lower else "högre än basperioden"
    if meets and clear is None:
        reason = _untested_reason(values)
        if values.is_count or values.is_rate:  # a count or rate that could not be tested is never reached
            return INGEN_SAKER, f"Värdet är {wanted} ({change}), men {reason}"
        if final:
            return UPPNATT, f"Målet är nått enligt värdena ({change}); {reason}"
        return PA_VAG, f"Värdet är hittills {wanted} ({change}); {reason}"
    if meets and clear:
        beyond = (
            "statistiskt säkerställd, större än seriens vanliga variation"
            if not target
            else f"tydligt större än målets {target}, utöver seriens vanliga variation"
        )
        way = "Minskningen" if lower else "Ökningen"
        if final:
            return UPPNATT, f"Målet är nått: {way.lower()} ({change}) är {beyond}."
        return PA_VAG, f"På väg: {way.lower()} hittills ({change}) är {beyond}; målets sista period är inte över."
    if meets:
        way = "minskningen" if lower else "ökningen"
        if target:
            return INGEN_SAKER, (
                f"Värdet är {wanted} ({change}), men {way} är inte tydligt större än målets {target}: "
                "skillnaden ryms i seriens vanliga variation."
            )
        return INGEN_SAKER, f"Värdet är {wanted} ({change}), men {way} ryms i seriens vanliga variation."
    # The figure does not meet the target as written.
    if target and moved == (LOWER if lower else HIGHER):
        way = "Minskningen" if lower else "Ökningen"
        smaller = f"{way} ({change}) är mindre än målets {target}"
    elif moved is None:
        smaller = "Värdet är oförändrat mot basperioden"
    elif moved == (LOWER if lower else HIGHER):  # cannot happen for a baseline rule: it would meet it
        smaller = f"Värdet har ändrats ({change})"
    else:
        smaller = f"Värdet har {'ökat' if moved == HIGHER else 'minskat'} ({change}), åt fel håll"
    if final:
        return INTE_UPPNATT, f"Målet är inte nått: {smaller[0].lower()}{smaller[1:]}."
    return FOR_TIDIGT, f"Målet är inte nått ännu: {smaller[0].lower()}{smaller[1:]}. Målets sista period är inte över."


def _change_test(
    values: Values, value: float, base: float, r0: float, lower: bool, alpha: float, interval: bool
) -> _Test:
    """The one-sided test of the change against the target ratio r0, with the interval found by inverting it."""
    pair = _counts(values, value, base)
    if pair is None:
        return _Test(None, None, None, _rate_ratio(values, value, base))
    (c1, e1), (c2, e2) = pair
    phi = values.dispersion
    p_value = one_sided_rate_ratio(c1, c2, e1, e2, r0, lower=lower, dispersion=phi)
    ratio = _rate_ratio(values, value, base)
    if not interval:
        return _Test(p_value, None, None, ratio)
    low, high = inverted_interval(
        lambda r, below: one_sided_rate_ratio(c1, c2, e1, e2, r, lower=below, dispersion=phi),
        c1 > 0,
        c2 > 0,
        alpha,
    )
    return _Test(p_value, low, high, ratio)


def inverted_interval(
    p_of: Callable[[float, bool], float], bounded_above: bool, bounded_below: bool, alpha: float
) -> tuple[float, float]:
    """The interval of the ratios r that neither one-sided test at `alpha` rejects: its upper end U has
    p_of(U, True) = alpha (H0: ratio ≥ U), its lower end L has p_of(L, False) = alpha (H0: ratio ≤ L). A verdict
    from the same test at `alpha` and this interval therefore never disagree: the target lies outside the interval
    exactly when the test rejects it. With alpha = 0.05 it is a 90 % interval, each end a 95 % one-sided bound.
    Found by root finding on log r (`scipy.optimize.brentq`)."""
    grid = (-12.0, 12.0)

    def upper(log_r: float) -> float:
        return p_of(math.exp(log_r), True) - alpha

    def lower(log_r: float) -> float:
        return p_of(math.exp(log_r), False) - alpha

    high = math.inf
    if bounded_above and upper(grid[1]) < 0 < upper(grid[0]):
        high = math.exp(brentq(upper, *grid, xtol=1e-6))
    low = 0.0
    if bounded_below and lower(grid[0]) < 0 < lower(grid[1]):
        low = math.exp(brentq(lower, *grid, xtol=1e-6))
    return low, high


def one_sided_rate_ratio(
    base: int,
    other: int,
    base_exposure: float,
    other_exposure: float,
    r0: float,
    *,
    lower: bool,
    dispersion: Dispersion = ASSUMED_YEARLY,
) -> float:
    """The one-sided p-value for H0: the rate ratio (other against base) is at least r0 (`lower`) or at most r0.

    Exact for Poisson counts (the conditional binomial test); with a dispersion the larger of that and the
    quasi-likelihood test (the signed root of the likelihood-ratio statistic over √φ against t with df)."""
    total = base + other
    if total == 0:
        return 1.0
    share = r0 * other_exposure / (base_exposure + r0 * other_exposure)
    p_value = float(binomtest(other, total, share, alternative="less" if lower else "greater").pvalue)
    if dispersion.is_poisson:
        return p_value
    expected = (total * (1 - share), total * share)
    deviance = 2 * sum(c * math.log(c / m) for c, m in zip((base, other), expected, strict=True) if c > 0)
    return max(p_value, _signed_root_p(other - expected[1], deviance, lower, dispersion))


def _signed_root_p(difference: float, deviance: float, lower: bool, dispersion: Dispersion) -> float:
    root = math.copysign(math.sqrt(max(deviance, 0.0) / dispersion.phi), difference)
    statistic = root if lower else -root
    if math.isinf(dispersion.df):
        return float(norm.cdf(statistic))
    return float(t_distribution.cdf(statistic, dispersion.df))


# Goals by level


def _evaluate_level(rule: Rule, values: Values, value: float, alpha: float, interval: bool) -> Evaluation:
    assert rule.target_value is not None
    lower, final = rule.direction == LOWER, values.final_period
    additive = values.is_count or values.is_rate
    level = rule.target_value * values.span if additive else rule.target_value
    scaled = ""
    if additive and values.span < 1:
        scaled = (
            f" Nivån {_number(rule.target_value)} gäller ett helt år; perioden är en del av året, så värdet "
            f"jämförs med samma del av nivån, {_number(level)}."
        )
    meets = value <= level if lower else value >= level
    test = _level_test(values, value, level, lower, alpha, interval)
    clear = None if test.p_value is None else test.p_value < alpha
    shown, bound = _number(value), _number(level)
    side = ("under" if value < level else "över" if value > level else "lika med") + " nivån"
    if meets:
        if final:
            verdict, reason = UPPNATT, f"Målet är nått: värdet {shown} är {side} {bound}."
        else:
            verdict, reason = (
                PA_VAG,
                f"På väg: värdet {shown} är hittills {side} {bound}; målets sista period är inte över.",
            )
    elif final:
        verdict, reason = INTE_UPPNATT, f"Målet är inte nått: värdet {shown} är {side} {bound}."
    else:
        verdict, reason = (
            FOR_TIDIGT,
            f"Målet är inte nått ännu: värdet {shown} är hittills {side} {bound}; målets sista period är inte över.",
        )
    reason += scaled
    if test.p_value is not None and value != level:
        wrong = one_sided_level(test.count, test.expected, lower=not lower, dispersion=values.dispersion)
        reason += (
            " Skillnaden mot nivån ryms i seriens vanliga variation."
            if not clear and wrong >= alpha
            else " Skillnaden mot nivån är större än seriens vanliga variation."
        )
    base = values.baseline_value
    ratio = _rate_ratio(values, value, base) if base is not None else None
    change_pct = None if ratio is None or math.isinf(ratio) else round((ratio - 1) * 100, 1) + 0.0
    note = _note(values, None)  # a level's p is for the right side only; the sentence above says both
    return Evaluation(
        value,
        base,
        change_pct,
        test.p_value,
        verdict,
        f"{reason}{note}",
        values.preliminary,
        test.ci_low,
        test.ci_high,
        meets,
        clear,
    )


def _level_test(values: Values, value: float, level: float, lower: bool, alpha: float, interval: bool) -> _Test:
    """The one-sided test of the count against the level (H0: at or beyond the level on the wrong side), with the
    interval of the count's mean as a ratio to the level, found by inverting the same test."""
    count = _count(values, value, values.population)
    if count is None or level <= 0:
        return _Test(None, None, None, None)
    expected = level * values.population / PER_100K if values.is_rate and values.population else level
    phi = values.dispersion
    p_value = one_sided_level(count, expected, lower=lower, dispersion=phi)
    low, high = None, None
    if interval:
        low, high = inverted_interval(
            lambda r, below: one_sided_level(count, r * expected, lower=below, dispersion=phi), True, count > 0, alpha
        )
    return _Test(p_value, low, high, count / expected, count, expected)


def one_sided_level(count: int, level: float, *, lower: bool, dispersion: Dispersion = ASSUMED_YEARLY) -> float:
    """The one-sided p-value for H0: the count's mean is at least `level` (`lower`) or at most it.

    Exact for a Poisson count (its tail, `scipy.stats.poisson`); with a dispersion the larger of that and the
    signed root of the Poisson deviance over √φ against t with df."""
    exact = float(poisson.cdf(count, level) if lower else poisson.sf(count - 1, level))
    if dispersion.is_poisson:
        return exact
    deviance = 2 * ((count * math.log(count / level) if count > 0 else 0.0) - (count - level))
    return max(exact, _signed_root_p(count - level, deviance, lower, dispersion))


# Counts, rates and words


def _counts(values: Values, value: float, base: float) -> tuple[tuple[int, float], tuple[int, float]] | None:
    """The two counts with their exposures (populations where both are known), or None when not testable."""
    populations = (values.baseline_population, values.population)
    known = bool(populations[0] and populations[1] and populations[0] > 0 and populations[1] > 0)
    if values.is_rate and not known:
        return None
    c1 = _count(values, base, values.baseline_population)
    c2 = _count(values, value, values.population)
    if c1 is None or c2 is None:
        return None
    e1, e2 = (populations[0], populations[1]) if known else (1.0, 1.0)
    assert e1 is not None and e2 is not None
    return (c1, e1), (c2, e2)


def _count(values: Values, value: float, population: float | None) -> int | None:
    """A whole count: the value itself, or for a rate the count its population gives; None when not one."""
    if values.is_rate:
        return round(value * population / PER_100K) if population and population > 0 and value >= 0 else None
    if not values.is_count or value < 0 or not float(value).is_integer():
        return None
    return int(value)


def _rate_ratio(values: Values, value: float, base: float) -> float | None:
    """The ratio on the measure shown: rates as published, counts per inhabitant where both populations are known;
    None when both are zero."""
    if base == 0:
        return math.inf if value > 0 else None
    if values.is_count and values.population and values.baseline_population:
        return (value / values.population) / (base / values.baseline_population)
    return value / base


def _untested_reason(values: Values) -> str:
    if values.is_rate:
        return "befolkningen saknas, så förändringen kan inte prövas mot seriens vanliga variation."
    if values.is_count:
        return "värdena är inte hela antal, så förändringen kan inte prövas mot seriens vanliga variation."
    return "andelar och index prövas inte mot slumpen."


def _percent(change_pct: float | None) -> str:
    if change_pct is None:
        return "från noll"
    size = abs(change_pct)
    text = f"{size:.2f}".replace(".", ",") if 0 < size < 0.05 else _number(size)
    return f"{'−' if change_pct < 0 else '+' if change_pct > 0 else ''}{text}\u00a0%"


def _number(value: float) -> str:
    """Swedish: a space between thousands, a comma for decimals, at most one decimal."""
    rounded = round(value, 1)
    whole = f"{rounded:,.1f}".replace(",", "\u00a0").replace(".", ",")
    return whole.removesuffix(",0")


def _note(values: Values, p_value: float | None) -> str:
    parts = []
    if p_value is not None:
        parts.append(" p < 0,001." if p_value < 0.001 else f" p = {p_value:.3f}.".replace(".", ",", 1))
    if values.preliminary:
        parts.append(" Siffrorna är preliminära.")
    return "".join(parts)
