"""Reads of medborgarlöften for the public page and the API, in a fixed number of queries.

The public sees published löften and published follow-up rounds only; members of the partnership see every löfte
of it and every round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from lofte.partnerships.access import partnerships_for
from lofte.promises.models import (
    Activity,
    FocusArea,
    FollowUpRound,
    Goal,
    GoalEvaluation,
    Medborgarlofte,
    Promise,
)
from lofte.promises.progress import Part, rolled_up


@dataclass(frozen=True)
class LofteView:
    lofte: Medborgarlofte
    progress: dict[int, int]  # promise id → rolled-up progress
    evaluations: dict[int, GoalEvaluation]  # goal id → its evaluation in the latest visible round
    latest_round: FollowUpRound | None
    rounds: list[FollowUpRound]


def visible_loften(user: Any, *, area: str | None = None) -> QuerySet[Medborgarlofte]:
    """The löften the user may read: published ones, and every one of the user's own partnerships."""
    loften = Medborgarlofte.objects.all()
    if area:
        loften = loften.filter(agreement__partnership__area__code=area)
    own = partnerships_for(user)
    return loften.filter(Q(status=Medborgarlofte.Status.PUBLICERAD) | Q(agreement__partnership__in=own))


def with_contents(loften: QuerySet[Medborgarlofte], user: Any) -> list[LofteView]:
    """Each löfte with its focus areas, promises, goals, decision and rounds, in a fixed number of queries."""
    members = set(partnerships_for(user).values_list("pk", flat=True))
    promises = Promise.objects.select_related("focus_area").prefetch_related("responsible").order_by("position", "id")
    activities = Activity.objects.select_related("organisation").order_by("-date", "-id")
    goals = Goal.objects.select_related("metric", "area", "focus_area").defer("area__geometry")
    rows = list(
        loften.select_related("agreement__partnership__area", "decision")
        .defer("agreement__partnership__area__geometry")
        .prefetch_related(
            Prefetch("focus_areas", queryset=FocusArea.objects.order_by("position", "id")),
            Prefetch("promises", queryset=promises.prefetch_related(Prefetch("activities", queryset=activities))),
            Prefetch("goals", queryset=goals.order_by("position", "id")),
            Prefetch("rounds", queryset=FollowUpRound.objects.order_by("-period_end", "-id")),
        )
        .order_by("-year_from", "-id")
    )
    visible = {lofte.pk: [r for r in lofte.rounds.all() if _round_visible(r, lofte, members)] for lofte in rows}
    round_ids = [r.pk for rounds in visible.values() for r in rounds]
    by_round: dict[int, dict[int, GoalEvaluation]] = {}
    for evaluation in GoalEvaluation.objects.filter(round_id__in=round_ids).order_by():
        by_round.setdefault(evaluation.round_id, {})[evaluation.goal_id] = evaluation
    views = []
    for lofte in rows:
        rounds = visible[lofte.pk]
        latest = next((r for r in rounds if r.pk in by_round), None)
        parts = [Part(p.pk, p.parent_id, p.own_progress, p.weight) for p in lofte.promises.all()]
        evaluations = by_round.get(latest.pk, {}) if latest else {}
        views.append(LofteView(lofte, rolled_up(parts), evaluations, latest, rounds))
    return views


def _round_visible(round_: FollowUpRound, lofte: Medborgarlofte, members: set[int]) -> bool:
    return round_.status == FollowUpRound.Status.PUBLISHED or lofte.agreement.partnership_id in members


def responsible_names(promise: Promise) -> list[str]:
    return sorted(organisation.name for organisation in promise.responsible.all())
