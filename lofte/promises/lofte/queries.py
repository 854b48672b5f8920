"""Reads for the agreement and medborgarlöfte pages and documents, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lofte.analysis import power
from lofte.analysis.variation import ASSUMED_YEARLY, estimate, history
from lofte.areas.models import Area
from lofte.lib.formatting import number
from lofte.lib.uncertainty import signed_percent
from lofte.partnerships.models import Organisation, Partnership
from lofte.promises import progress
from lofte.promises.models import Activity, Decision, FocusArea, Goal, Medborgarlofte, Promise
from lofte.statistics.models import Metric, Observation

TIMELINE_LENGTH = 50


@dataclass
class PromiseRow:
    promise: Promise
    progress: int
    depth: int  # 0 for a promise, 1 for a part of it, and so on


@dataclass
class GoalRow:
    goal: Goal
    rule: str  # the rule in words, from goal_rule()


@dataclass
class Section:
    """A focus area (None: the goals and promises outside every focus area) with what belongs to it."""

    area: FocusArea | None
    goals: list[GoalRow] = field(default_factory=list)
    promises: list[PromiseRow] = field(default_factory=list)


@dataclass
class Overview:
    focus_areas: list[FocusArea]
    sections: list[Section]
    promises: list[Promise]
    overall: int | None
    timeline: list[Activity]


def decision_of(lofte: Medborgarlofte) -> Decision | None:
    """The decision record, or None; free when the löfte was fetched with select_related("decision")."""
    try:
        return lofte.decision
    except Decision.DoesNotExist:
        return None


def areas_of(partnership: Partnership) -> QuerySet[Area]:
    """What a goal may be measured in: the partnership's kommun and its parts."""
    kommun = partnership.area_id
    return Area.objects.filter(Q(pk=kommun) | Q(parent_id=kommun)).order_by("kind", "name").defer("geometry")


def overview(lofte: Medborgarlofte) -> Overview:
    """The löfte's page: focus areas with their goals and promises (parts under their parent, progress rolled up),
    and the latest activities. Six queries, however many promises there are."""
    focus_areas = list(lofte.focus_areas.all())
    goals = list(lofte.goals.select_related("metric", "area").defer("area__geometry"))
    responsible = Organisation.objects.order_by("name").only("name", "kind")
    counted = lofte.promises.annotate(activity_count=Count("activities"))
    promises: list[Promise] = list(counted.prefetch_related(Prefetch("responsible", queryset=responsible)))
    for area in focus_areas:
        area.lofte = lofte
    for goal in goals:
        goal.lofte = lofte
    for promise in promises:
        promise.lofte = lofte
    parts = [progress.Part(p.pk, p.parent_id, p.own_progress, p.weight) for p in promises]
    rolled = progress.rolled_up(parts)
    return Overview(
        focus_areas=focus_areas,
        sections=_sections(focus_areas, goals, promises, rolled),
        promises=promises,
        overall=progress.overall(parts),
        timeline=_timeline(lofte, promises),
    )


def _sections(
    focus_areas: list[FocusArea], goals: list[Goal], promises: list[Promise], rolled: dict[int, int]
) -> list[Section]:
    sections: dict[int | None, Section] = {area.pk: Section(area) for area in focus_areas}
    sections[None] = Section(None)
    for goal in goals:
        sections[goal.focus_area_id].goals.append(GoalRow(goal, goal_rule(goal)))
    for row in tree(promises, rolled):
        # A part is shown under its parent, whatever focus area it has.
        if row.depth == 0:
            section = sections[row.promise.focus_area_id]
        section.promises.append(row)
    outside = sections.pop(None)
    return [*sections.values(), *([outside] if outside.goals or outside.promises else [])]


def tree(promises: list[Promise], rolled: dict[int, int]) -> list[PromiseRow]:
    """The promises in reading order: each followed by its parts, depth first, each level by position."""
    known = {promise.pk for promise in promises}
    children: dict[int | None, list[Promise]] = {}
    for promise in promises:
        parent = promise.parent_id if promise.parent_id in known else None
        children.setdefault(parent, []).append(promise)
    rows: list[PromiseRow] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for promise in children.get(parent, []):
            if promise.pk in seen:
                continue
            seen.add(promise.pk)
            rows.append(PromiseRow(promise, rolled.get(promise.pk, promise.own_progress), depth))
            walk(promise.pk, depth + 1)

    walk(None, 0)
    return rows


def with_parts(promise: Promise) -> set[int]:
    """The promise and every part below it, at any depth: what cannot become its parent."""
    parents = dict(Promise.objects.filter(lofte_id=promise.lofte_id).values_list("pk", "parent_id"))
    found = {promise.pk}
    while more := {pk for pk, parent in parents.items() if parent in found and pk not in found}:
        found |= more
    return found


def _timeline(lofte: Medborgarlofte, promises: list[Promise]) -> list[Activity]:
    by_pk = {promise.pk: promise for promise in promises}
    activities = (
        Activity.objects.filter(promise__lofte=lofte)
        .select_related("organisation")
        .order_by("-date", "-id")[:TIMELINE_LENGTH]
    )
    found = list(activities)
    for activity in found:
        activity.promise = by_pk[activity.promise_id]
    return found


def goal_rule(goal: Goal) -> str:
    """The goal's rule in words, e.g. "Bedrägerier i Mjölby ska minska med minst 10 % från 2023, senast 2025."."""
    if goal.kind == Goal.Kind.KVALITATIV or goal.metric is None or goal.area is None:
        return _("Bedöms utifrån underlag: %(evidence)s") % {"evidence": goal.evidence.strip() or "–"}
    values: dict[str, Any] = {
        "metric": goal.metric.name,
        "area": goal.area.name,
        "baseline": goal.baseline_period,
        "value": number(goal.target_value),
    }
    lower = goal.direction == Goal.Direction.LOWER
    if goal.target == Goal.Target.PERCENT:
        rule = (
            _("%(metric)s i %(area)s ska minska med minst %(value)s %% från %(baseline)s")
            if lower
            else _("%(metric)s i %(area)s ska öka med minst %(value)s %% från %(baseline)s")
        )
    elif goal.target == Goal.Target.LEVEL:
        rule = (
            _("%(metric)s i %(area)s ska vara högst %(value)s")
            if lower
            else _("%(metric)s i %(area)s ska vara minst %(value)s")
        )
    else:
        rule = (
            _("%(metric)s i %(area)s ska vara lägre än %(baseline)s")
            if lower
            else _("%(metric)s i %(area)s ska vara högre än %(baseline)s")
        )
    text = rule % values
    if goal.due_period:
        text = _("%(rule)s, senast %(due)s") % {"rule": text, "due": goal.due_period}
    return f"{text}."


@dataclass(frozen=True)
class GoalLimit:
    """What a goal's baseline lets the follow-up show: the limits in a sentence, and a warning (empty when the
    target lies beyond them)."""

    sentence: str
    likely: str
    warning: str
    detectable: power.Detectable


def goal_limit(goal: Goal) -> GoalLimit | None:
    """The smallest change the goal's follow-up could call statistically clear from its baseline, with the series'
    own variation over the baseline year and those before it (as the follow-up tests it), and a warning when the
    goal's target is smaller. None for goals that are not on a count or whose baseline has no value. One query."""
    metric = goal.metric
    if goal.kind != Goal.Kind.STATISTIK or metric is None or metric.unit != Metric.Unit.ANTAL or not goal.area_id:
        return None
    if not (len(goal.baseline_period) == 4 and goal.baseline_period.isdigit()):
        return None
    year = int(goal.baseline_period)
    rows = Observation.objects.filter(
        series__metric=metric, series__area_id=goal.area_id, period_kind="year", period_start__year__lte=year
    ).values_list("period_start__year", "value", "per_100k")
    counts, populations = {}, {}
    for period, value, rate in rows:
        counts[period] = value
        # The population the publisher's rate implies, as the follow-up reads it (lofte.promises.goals).
        populations[period] = value * 100_000 / rate if value and rate else None
    baseline = counts.get(year)
    if baseline is None or baseline < 0 or not float(baseline).is_integer():
        return None
    past = history(list(counts.items()), before=year)
    exposures = history(list(populations.items()), before=year)
    dispersion = estimate(past, exposures if None not in exposures else None, fallback=ASSUMED_YEARLY)
    found = power.detectable_change(int(baseline), dispersion=dispersion)
    target = power.target_change_pct(goal.direction, goal.target, goal.target_value, baseline)
    return GoalLimit(
        sentence=_limit_sentence(found, goal.baseline_period),
        likely=_power_sentence(found),
        warning="" if _can_be_shown(goal, found, target) else _limit_warning(goal, target),
        detectable=found,
    )


def _can_be_shown(goal: Goal, found: power.Detectable, target: float | None) -> bool:
    """A goal "lower/higher than the baseline" is reached as written by any change its way; the limits sentence
    says how large it must be to be statistically clear, and only a goal whose way no change can be called at all
    gets the warning. Other goals are warned when their target lies inside the limits."""
    if goal.target == Goal.Target.BASELINE:
        way = found.fall_pct if goal.direction == Goal.Direction.LOWER else found.rise_pct
        return way is not None
    return power.can_be_shown(found, goal.direction, target)


def _percent(pct: float | None) -> str:
    return signed_percent(1 + (pct or 0) / 100)


def _limit_sentence(found: power.Detectable, baseline_period: str) -> str:
    values = {
        "baseline": number(found.baseline),
        "year": baseline_period,
        "fall": _percent(found.fall_pct),
        "rise": _percent(found.rise_pct) if found.rise_pct is not None else "",
    }
    if found.fall_pct is None:
        text = _(
            "Med basvärdet %(baseline)s (%(year)s) kan ingen minskning kallas statistiskt säkerställd, inte ens en "
            "till noll, och en ökning först vid ungefär %(rise)s."
        )
    else:
        text = _(
            "Med basvärdet %(baseline)s (%(year)s) kan en förändring kallas statistiskt säkerställd först vid "
            "ungefär %(fall)s eller %(rise)s."
        )
    return f"{text % values} {_variation_sentence(found)}"


def _variation_sentence(found: power.Detectable) -> str:
    dispersion = found.dispersion
    values = {"phi": number(round(dispersion.phi, 1)), "years": dispersion.periods}
    if dispersion.assumed:
        return (
            _(
                "Serien är för kort för att skatta hur mycket den brukar variera; Löfte räknar med att den varierar "
                "%(phi)s gånger mer än slumpen ensam ger, som brottsserier brukar."
            )
            % values
        )
    return (
        _(
            "Det räknar med att måttet varierar %(phi)s gånger mer än slumpen ensam ger, som det har gjort de "
            "%(years)s åren fram till basåret."
        )
        % values
    )


def _power_sentence(found: power.Detectable) -> str:
    if found.fall_pct_power is None or found.rise_pct_power is None:
        return ""
    return _("En verklig förändring syns med 80 %% sannolikhet först när den är ungefär %(fall)s eller %(rise)s.") % {
        "fall": _percent(found.fall_pct_power),
        "rise": _percent(found.rise_pct_power),
    }


def _limit_warning(goal: Goal, target: float | None) -> str:
    lower = goal.direction == Goal.Direction.LOWER
    if goal.target == Goal.Target.BASELINE or not target:
        way = _("minskning") if lower else _("ökning")
        text = _(
            "Målet kan inte visas vara nått med statistisk säkerhet: ingen %(way)s från basvärdet kan kallas "
            "statistiskt säkerställd."
        ) % {"way": way}
    else:
        text = _(
            "Målet kan inte visas vara nått med statistisk säkerhet: det begär %(asked)s, mindre än den förändring "
            "som kan kallas statistiskt säkerställd."
        ) % {"asked": _percent(target)}
    return " ".join(
        [
            text,
            _(
                "Välj ett större mål, en längre period (flera år tillsammans) eller ett bredare mått, till exempel "
                "en bredare brottskategori eller ett större område."
            ),
        ]
    )
