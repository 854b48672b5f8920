"""Is a medborgarlöfte's goal reached? Plain functions over plain numbers, no Django.

A goal compares the value of a period with the value of a baseline period (the same part of the year when a
round covers part of one) by a rule: lower or higher than the baseline, by at least a percentage, or to a level.

Method, for counts: the exact test of two Poisson counts from lofte.analysis.significance, adjusted for
population when both populations are known. A change is "certain" when p < 0.05.

- uppnått: the rule holds on the values and, for a rule against the baseline, the change is certain;
- inte uppnått: the change is certain and goes the wrong way, or the goal's last period has passed and the rule
  does not hold;
- ingen tydlig förändring: the rule may hold on the values, but the change could be chance;
- för tidigt att säga: a level or percentage is not yet reached before the last period.

A missing value is no verdict and never a zero. Two states say which value is missing, so the follow-up can tell
a goal that can never be compared until someone finds its baseline from one that waits for the period's figures:

- basvärde saknas: the baseline period has no value (a rule by level needs none);
- värdet för perioden saknas ännu: the period has no value yet (or not for every quarter it sums).

Shares and indices (surveys) have no count to test: their verdict rests on the values alone, and the explanation
says so. Preliminary figures are flagged, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lofte.analysis.rates import difference
from lofte.analysis.significance import compare_periods
from lofte.analysis.verdicts import MINSKNING, OKNING

UPPNATT: Final = "uppnatt"
INTE_UPPNATT: Final = "inte_uppnatt"
FOR_TIDIGT: Final = "for_tidigt"
INGEN_SAKER: Final = "ingen_saker_forandring"
BASVARDE_SAKNAS: Final = "basvarde_saknas"
VARDE_SAKNAS: Final = "varde_saknas"
# States, not verdicts: nothing is judged until the missing value is there.
MISSING: Final = frozenset({BASVARDE_SAKNAS, VARDE_SAKNAS})

LABELS: Final = {
    UPPNATT: "uppnått",
    INTE_UPPNATT: "inte uppnått",
    FOR_TIDIGT: "för tidigt att säga",
    INGEN_SAKER: "ingen tydlig förändring",
    BASVARDE_SAKNAS: "basvärde saknas",
    VARDE_SAKNAS: "värdet för perioden saknas ännu",
}
# Green, amber or red on pages and in reports; grey where a value is missing and there is no verdict.
COLOURS: Final = {
    UPPNATT: "green",
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


@dataclass(frozen=True)
class Rule:
    direction: str = LOWER  # "lower" or "higher"
    target: str = BASELINE  # "baseline", "percent" or "level"
    target_value: float | None = None  # the percentage (10 for 10 %) or the level


@dataclass(frozen=True)
class Values:
    value: float | None
    baseline_value: float | None
    is_count: bool = True
    population: float | None = None
    baseline_population: float | None = None
    preliminary: bool = False
    final_period: bool = False  # the goal's last period is the one evaluated, or later


@dataclass(frozen=True)
class Evaluation:
    value: float | None
    baseline_value: float | None
    change_pct: float | None
    p_value: float | None
    verdict: str
    explanation: str
    preliminary: bool

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


def evaluate(rule: Rule, values: Values) -> Evaluation:
    """The verdict of one goal on one pair of periods, with a plain-Swedish explanation."""
    if rule.direction not in (LOWER, HIGHER) or rule.target not in (BASELINE, PERCENT, LEVEL):
        raise ValueError(f"unknown rule: {rule!r}")
    if rule.target != BASELINE and rule.target_value is None:
        raise ValueError("a rule by percentage or level needs its value")
    value, base = values.value, values.baseline_value
    if base is None and rule.target != LEVEL:
        explanation = "Basperioden saknar värde, så det finns inget att jämföra med."
        if value is None:
            explanation += " Värdet för perioden saknas också."
        return Evaluation(value, base, None, None, BASVARDE_SAKNAS, explanation, values.preliminary)
    if value is None:
        explanation = "Värdet för perioden saknas ännu; målet bedöms när det finns."
        return Evaluation(value, base, None, None, VARDE_SAKNAS, explanation, values.preliminary)
    change = difference(value, base)
    change_pct = round(change.percent, 1) if change and change.percent is not None else None
    p_value, certain_way = _test(values)
    compared = (value, base) if rule.target == LEVEL else _per_inhabitant(values, value, base)
    holds = _holds(rule, *compared, change_pct)
    verdict, reason = _verdict(rule, values, holds, certain_way)
    note = _note(values, p_value)
    return Evaluation(value, base, change_pct, p_value, verdict, f"{reason}{note}", values.preliminary)


def _test(values: Values) -> tuple[float | None, str | None]:
    """The p-value and the certain direction ("lower", "higher" or None) of the change, for counts."""
    if not values.is_count or values.value is None or values.baseline_value is None:
        return None, None
    exposures = (values.baseline_population, values.population)
    if not all(exposures):
        exposures = (1.0, 1.0)
    try:
        result = compare_periods(
            values.baseline_value,
            values.value,
            earlier_exposure=exposures[0],
            later_exposure=exposures[1],
            interval=False,  # the verdict needs p only; the interval is most of the cost
        )
    except ValueError:  # not whole counts: treat as a share or index
        return None, None
    way = {MINSKNING: LOWER, OKNING: HIGHER}.get(result.verdict or "")
    return result.p_value, way


def _per_inhabitant(values: Values, value: float, base: float | None) -> tuple[float, float | None]:
    """Counts are compared per inhabitant when both populations are known, as the test compares them."""
    if values.is_count and base is not None and values.population and values.baseline_population:
        return value / values.population, base / values.baseline_population
    return value, base


def _holds(rule: Rule, value: float, base: float | None, change_pct: float | None) -> bool:
    better = (lambda a, b: a < b) if rule.direction == LOWER else (lambda a, b: a > b)
    if rule.target == LEVEL:
        assert rule.target_value is not None
        return value <= rule.target_value if rule.direction == LOWER else value >= rule.target_value
    assert base is not None
    if rule.target == BASELINE:
        return better(value, base)
    assert rule.target_value is not None
    if change_pct is None:
        return False
    return -change_pct >= rule.target_value if rule.direction == LOWER else change_pct >= rule.target_value


def _verdict(rule: Rule, values: Values, holds: bool, certain_way: str | None) -> tuple[str, str]:
    wrong_way = HIGHER if rule.direction == LOWER else LOWER
    if certain_way == wrong_way:
        return INTE_UPPNATT, "Förändringen är säker och går åt fel håll."
    if rule.target == LEVEL:
        if holds:
            return UPPNATT, "Nivån är nådd."
        if values.final_period:
            return INTE_UPPNATT, "Nivån nåddes inte under målets period."
        return FOR_TIDIGT, "Nivån är inte nådd ännu."
    if holds and (certain_way == rule.direction or not values.is_count):
        if not values.is_count:
            return UPPNATT, "Målet är nått enligt värdena (andelar prövas inte mot slumpen)."
        return UPPNATT, "Förändringen är säker och går åt rätt håll."
    if holds:
        return INGEN_SAKER, "Värdet går åt rätt håll, men förändringen kan vara slump."
    if values.final_period:
        return INTE_UPPNATT, "Målet nåddes inte under målets period."
    if rule.target == PERCENT and certain_way == rule.direction:
        return FOR_TIDIGT, "Förändringen är säker men ännu mindre än målet."
    return INGEN_SAKER if values.is_count else FOR_TIDIGT, "Värdet har inte rört sig åt rätt håll."


def _note(values: Values, p_value: float | None) -> str:
    parts = []
    if p_value is not None:
        parts.append(" p < 0,001." if p_value < 0.001 else f" p = {p_value:.3f}.".replace(".", ",", 1))
    if values.preliminary:
        parts.append(" Siffrorna är preliminära.")
    return "".join(parts)
