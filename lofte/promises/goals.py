"""Goals evaluated from the imported statistics: which periods to compare, their values and populations.

A round that ends on 31 December compares the year with the baseline year. A round that ends inside a year (2024
H1) compares the same part of the year: the quarters up to the round's end, summed, against the same quarters of
the baseline year; when a quarter is missing the period's value is missing. A yearly level is then scaled to the
part of the year (`Values.span`). The verdict itself is lofte.analysis.goals's; a missing value is a state of its
own ("basvärde saknas", "värdet för perioden saknas ännu"), explained here with the periods and the area it
concerns.

What is read for each goal, from the same two queries whatever the number of goals:

- the series' usual variation: `variation.estimate` over the same part of the year in the baseline year and the
  years before it (at most ten), per inhabitant where the populations are known; a rate per 100 000 is turned into
  counts with the population first. Fewer than five years give the stated assumption (`ASSUMED_YEARLY`).
- whether the round is final: it ends on or after the last day of the goal's due year (of the löfte's last year
  for a goal without one). A round covering only K1 of the due year is not final.
- the populations, for counts compared per inhabitant and for rates turned into counts.

The explanation ends with the interval of the change in words (`lib.uncertainty.interval_words`).

`missing_values` is asked when a goal is bound to a metric: which values the area lacks, the baseline year's and
any later year's, so the binding can be refused with what is missing or accepted only as "data kommer".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from lofte.analysis.goals import (
    BASVARDE_SAKNAS,
    FOR_TIDIGT,
    LEVEL,
    MISSING,
    PER_100K,
    Evaluation,
    Rule,
    Values,
    evaluate,
)
from lofte.analysis.variation import ASSUMED_YEARLY, WINDOW, Dispersion, estimate
from lofte.areas.models import Area
from lofte.lib.uncertainty import interval_words
from lofte.promises.models import Goal
from lofte.statistics.models import Metric, Observation
from lofte.statistics.queries import POPULATION

# The periods a goal is evaluated on (see periods_for).
EVALUATED_KINDS = ("year", "quarter")

# (metric id, area id) → period → (value, per_100k, preliminary)
Store = dict[tuple[int, int], dict[str, tuple[float | None, float | None, bool]]]


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    period: str
    baseline_period: str
    evaluation: Evaluation


def periods_for(end: date, baseline: str) -> tuple[list[str], list[str], str, str]:
    """The periods to sum for the round ending `end` and for the baseline, and how to name them."""
    base_year = baseline[:4]
    if (end.month, end.day) == (12, 31):
        return [str(end.year)], [base_year], str(end.year), base_year
    # Only whole quarters count: a round ending 30 June covers K1–K2, one ending 15 June only K1.
    quarters = end.month // 3 if end.month % 3 == 0 and _last_day(end) else (end.month - 1) // 3
    names = [f"K{q}" for q in range(1, quarters + 1)]
    label = f"K1–K{quarters}" if quarters > 1 else "K1" if quarters else ""
    current = [f"{end.year}{q}" for q in names]
    return current, [f"{base_year}{q}" for q in names], f"{end.year} {label}".strip(), f"{base_year} {label}".strip()


def _last_day(day: date) -> bool:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return (following - day).days == 1


def evaluate_goals(goals: Iterable[Goal], end: date) -> list[GoalResult]:
    """Every goal at the round ending `end`; statistics are read in two queries whatever the number of goals."""
    goals = list(goals)
    measured = [g for g in goals if g.kind != Goal.Kind.KVALITATIV and g.metric_id and g.area_id]
    store = _store(measured)
    populations = _populations({g.area_id for g in measured if g.area_id})
    results = []
    for goal in goals:
        if goal not in measured:
            explanation = "Bedöms av samordnaren utifrån underlaget"
            explanation += f": {goal.evidence.strip()}" if goal.evidence.strip() else "."
            results.append(GoalResult(goal, "", "", Evaluation(None, None, None, None, FOR_TIDIGT, explanation, False)))
            continue
        results.append(_evaluate(goal, end, store, populations))
    return results


def _evaluate(goal: Goal, end: date, store: Store, populations: dict[int, dict[int, float]]) -> GoalResult:
    assert goal.metric is not None and goal.metric_id and goal.area_id
    current, baseline, label, base_label = periods_for(end, goal.baseline_period)
    values = store.get((goal.metric_id, goal.area_id), {})
    value, preliminary, current_rate = _sum(values, current)
    base, base_preliminary, base_rate = _sum(values, baseline)
    unit = goal.metric.unit
    is_count, is_rate = unit == Metric.Unit.ANTAL, unit == Metric.Unit.PER_100K
    year, base_year = end.year, int(goal.baseline_period[:4])
    area_population = populations.get(goal.area_id, {})
    # A rate's own value is its per 100 000: only the published population turns it into a count.
    population = area_population.get(year) or (None if is_rate else _implied(value, current_rate, len(current) == 1))
    base_population = area_population.get(base_year) or (
        None if is_rate else _implied(base, base_rate, len(baseline) == 1)
    )
    quarters = [period[4:] for period in current] if len(current[0]) > 4 else []
    rule = Rule(goal.direction, goal.target, goal.target_value)
    evaluation = evaluate(
        rule,
        Values(
            value,
            base,
            is_count=is_count,
            is_rate=is_rate,
            population=population if is_count or is_rate else None,
            baseline_population=base_population if is_count or is_rate else None,
            preliminary=preliminary or base_preliminary,
            final_period=end >= _due_end(goal),
            span=len(quarters) / 4 if quarters else 1.0,
            dispersion=_dispersion(values, area_population, quarters, base_year, is_count=is_count, is_rate=is_rate)
            if is_count or is_rate
            else ASSUMED_YEARLY,
        ),
    )
    evaluation = _with_interval(evaluation, level=goal.target == LEVEL)
    return GoalResult(goal, label, base_label, _explain_missing(goal, evaluation, label, base_label))


def _due_end(goal: Goal) -> date:
    """The last day of the goal's due year, or of the löfte's last year for a goal without one."""
    due = goal.due_period[:4]
    return date(int(due) if due.isdigit() else goal.lofte.year_to, 12, 31)


def _dispersion(
    values: dict[str, tuple[float | None, float | None, bool]],
    populations: dict[int, float],
    quarters: list[str],
    base_year: int,
    *,
    is_count: bool,
    is_rate: bool,
) -> Dispersion:
    """The series' usual variation over the same part of the year, the baseline year and up to nine before it."""
    counts: list[float | None] = []
    exposures: list[float | None] = []
    for year in range(base_year - WINDOW + 1, base_year + 1):
        periods = [f"{year}{quarter}" for quarter in quarters] or [str(year)]
        total, _preliminary, rate = _sum(values, periods)
        population = populations.get(year) or (None if is_rate else _implied(total, rate, len(periods) == 1))
        if is_rate:
            total = round(total * population / PER_100K) if total is not None and population else None
        elif total is not None and not float(total).is_integer():
            total = None
        counts.append(total)
        exposures.append(population)
    if is_count and not all(exposures[t] for t, count in enumerate(counts) if count is not None):
        exposures = [1.0] * len(counts)  # a year without its population: counts as they are, all of them
    return estimate(counts, exposures)


def _with_interval(evaluation: Evaluation, *, level: bool) -> Evaluation:
    """The explanation ends with the interval in words: of the change, or of the value against the level."""
    words = interval_words(evaluation.ci_low, evaluation.ci_high)
    if not words:
        return evaluation
    text = (
        _("90 %%-intervall mot nivån: %(interval)s.") if level else _("90 %%-intervall för förändringen: %(interval)s.")
    ) % {"interval": words}
    return replace(evaluation, explanation=f"{evaluation.explanation} {text}")


def _explain_missing(goal: Goal, evaluation: Evaluation, label: str, base_label: str) -> Evaluation:
    """Name the period and the area whose value is missing, and say when values were expected later."""
    if evaluation.verdict not in MISSING:
        return evaluation
    area = goal.area.name if goal.area else ""
    if evaluation.verdict == BASVARDE_SAKNAS:
        text = f"Basperioden {base_label} saknar värde för {area}, så det finns inget att jämföra med."
        if evaluation.value is None:
            text += f" Värdet för perioden {label} saknas också."
    else:
        text = f"Värdet för perioden {label} saknas ännu för {area}; målet bedöms när det finns."
    if goal.data_pending:
        text += " Samverkan har angett att data kommer."
    return replace(evaluation, explanation=text)


def missing_values(metric: Metric, area: Area, baseline_period: str) -> list[str]:
    """What the area lacks for a goal on the metric: the baseline year's value, any later year's; empty when both
    are there. One query."""
    year = int(baseline_period[:4])
    found = Observation.objects.filter(
        series__metric=metric, series__area=area, period_kind__in=EVALUATED_KINDS, value__isnull=False
    ).aggregate(
        baseline=Count("pk", filter=Q(period_start__year=year)),
        later=Count("pk", filter=Q(period_start__year__gt=year)),
    )
    names = {"metric": metric.name, "code": metric.code, "area": area.name, "area_code": area.code, "year": year}
    missing = []
    if not found["baseline"]:
        missing.append(_("inget basvärde för %(year)s") % names)
    if not found["later"]:
        missing.append(_("inget värde för någon period efter %(year)s") % names)
    if not missing:
        return []
    return [
        _("Måttet ”%(metric)s” (%(code)s) har %(missing)s för %(area)s (%(area_code)s).")
        % {**names, "missing": _(" och ").join(missing)}
    ]


def _sum(
    values: dict[str, tuple[float | None, float | None, bool]], periods: list[str]
) -> tuple[float | None, bool, float | None]:
    """The sum over the periods (None when one is missing), whether any is preliminary, and a single period's rate."""
    found = [values.get(period) for period in periods]
    if not found or any(row is None or row[0] is None for row in found):
        return None, False, None
    rows = [row for row in found if row is not None]
    total = sum(row[0] or 0.0 for row in rows)
    return total, any(row[2] for row in rows), rows[0][1] if len(rows) == 1 else None


def _implied(count: float | None, rate: float | None, single: bool) -> float | None:
    """The population the publisher's rate implies, for a single year."""
    return count * 100_000 / rate if single and count and rate else None


def _store(goals: list[Goal]) -> Store:
    pairs = {(g.metric_id, g.area_id) for g in goals}
    if not pairs:
        return {}
    metrics, areas = {m for m, _a in pairs}, {a for _m, a in pairs}
    rows = Observation.objects.filter(
        series__metric_id__in=metrics, series__area_id__in=areas, period_kind__in=EVALUATED_KINDS
    ).values_list("series__metric_id", "series__area_id", "period", "value", "per_100k", "preliminary")
    store: Store = defaultdict(dict)
    for metric, area, period, value, rate, preliminary in rows:
        if (metric, area) in pairs:
            store[(metric, area)][period] = (value, rate, preliminary)
    return store


def _populations(areas: set[int]) -> dict[int, dict[int, float]]:
    rows = Observation.objects.filter(
        series__metric__code=POPULATION, series__area_id__in=areas, period_kind="year", value__gt=0
    ).values_list("series__area_id", "period_start__year", "value")
    result: dict[int, dict[int, float]] = defaultdict(dict)
    for area, year, value in rows:
        if value:
            result[area][year] = value
    return result
