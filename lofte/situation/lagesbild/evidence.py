"""Polisen's events as evidence for a lägesbild's problems: how many events of each of a problem's event types
the partnership's kommun had in the 12 months before the version's date.

A draft counts the events as they stand now, before today. Adoption freezes the counts (`EventCount`), like the
figures of the linked series, and an adopted version shows only what was frozen: events are archived from a
feed that is polled, so later imports add events to the period, and the decision must not change with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from lofte.situation.models import EVENT_TYPE_LENGTH, EventCount, Lagesbild, Problem
from lofte.statistics.models import Event


@dataclass(frozen=True)
class TypeCount:
    type: str
    count: int


@dataclass(frozen=True)
class ProblemEvents:
    """The counts for one problem, in the order of its event types; `frozen` when saved at adoption."""

    period_start: date
    period_end: date
    counts: tuple[TypeCount, ...]
    frozen: bool


def event_period(day: date) -> tuple[date, date]:
    """The 12 months before `day`, as the first and last date (both included)."""
    try:
        start = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - 1, day=28)
    return start, day - timedelta(days=1)


def wanted_types(event_types: Iterable[str]) -> list[str]:
    """A problem's event types as first written, each once whatever its case; longer than any of Polisen's: cut."""
    wanted: dict[str, str] = {}
    for name in event_types:
        wanted.setdefault(name.strip().casefold(), name.strip()[:EVENT_TYPE_LENGTH])
    return list(wanted.values())


def live_counts(kommun_id: int, period: tuple[date, date]) -> dict[str, int]:
    """The kommun's events in the period by type (case folded), in one query."""
    start, after = (timezone.make_aware(datetime.combine(day, time.min)) for day in _days(period))
    rows = (
        Event.objects.filter(area_id=kommun_id, occurred_at__gte=start, occurred_at__lt=after)
        .values_list("type")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for name, count in rows:
        counts[name.casefold()] = counts.get(name.casefold(), 0) + count
    return counts


def _days(period: tuple[date, date]) -> tuple[date, date]:
    """The first day in the period and the first after it: local midnights bound the events."""
    return period[0], period[1] + timedelta(days=1)


def _counted(problem: Problem, counts: dict[str, int], period: tuple[date, date]) -> ProblemEvents:
    types = tuple(TypeCount(name, counts.get(name.casefold(), 0)) for name in wanted_types(problem.event_types))
    return ProblemEvents(period[0], period[1], types, frozen=False)


def problem_events(lagesbild: Lagesbild, problems: list[Problem], kommun_id: int) -> dict[int, ProblemEvents]:
    """The counts of every problem with event types: frozen for an adopted version, live for a draft.

    One query, none when no problem names an event type."""
    if not any(problem.event_types for problem in problems):
        return {}
    if lagesbild.is_adopted:
        return _frozen(lagesbild)
    period = event_period(timezone.localdate())
    counts = live_counts(kommun_id, period)
    return {problem.pk: _counted(problem, counts, period) for problem in problems if problem.event_types}


def _frozen(lagesbild: Lagesbild) -> dict[int, ProblemEvents]:
    rows: dict[int, list[EventCount]] = {}
    for row in EventCount.objects.filter(lagesbild=lagesbild).order_by("problem_id", "id"):
        rows.setdefault(row.problem_id, []).append(row)
    return {
        problem: ProblemEvents(
            counted[0].period_start,
            counted[0].period_end,
            tuple(TypeCount(row.type, row.count) for row in counted),
            frozen=True,
        )
        for problem, counted in rows.items()
    }


def freeze_event_counts(lagesbild: Lagesbild, kommun_id: int, day: date) -> int:
    """Save the counts of the kommun's events in the 12 months before `day` for every problem that names event
    types; returns how many rows. Call inside the adoption's transaction."""
    problems = [problem for problem in lagesbild.problems.all() if problem.event_types]
    if not problems:
        return 0
    period = event_period(day)
    counts = live_counts(kommun_id, period)
    rows = [
        EventCount(
            lagesbild=lagesbild,
            problem=problem,
            type=counted.type,
            period_start=period[0],
            period_end=period[1],
            count=counted.count,
        )
        for problem in problems
        for counted in _counted(problem, counts, period).counts
    ]
    EventCount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
