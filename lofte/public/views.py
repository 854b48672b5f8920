"""What anyone may read without signing in: only published, public content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify

from lofte.areas.models import Area
from lofte.citizens.published import current_warnings
from lofte.lib.cache import cached_for_anonymous
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.queries import with_parties
from lofte.promises.models import FocusArea, FollowUpRound, Goal, GoalEvaluation, Medborgarlofte, Promise
from lofte.promises.published import (
    LofteView,
    is_ended,
    public_attribution,
    verdict_in_words,
    visible_loften,
    with_contents,
)
from lofte.promises.reports import public_report_pdf


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("partnerships:home")
    partnerships = with_parties(published_partnerships()).order_by("area__name")
    return render(request, "public/home.html", {"partnerships": partnerships})


@cached_for_anonymous
def kommun(request: HttpRequest, code: str) -> HttpResponse:
    area = Area.objects.filter(code=code, kind=Area.Kind.KOMMUN).select_related("parent").first()
    if area is None:
        raise Http404("No such kommun")
    partnerships = list(with_parties(published_partnerships().filter(area=area)))
    # The public page shows what the public may see, even to a signed-in member.
    today = timezone.localdate()  # the cache is keyed by the local date too, so a löfte ends at midnight
    loften = [_public(view, today) for view in with_contents(visible_loften(None, area=area.code), None)]
    if not partnerships and not loften:
        raise Http404("Nothing published for this kommun")
    # The löften still running first, the latest first; then those that have ended, the latest first.
    loften.sort(key=lambda item: item.ended)
    warnings = current_warnings([partnership.pk for partnership in partnerships])
    context = {"area": area, "partnerships": partnerships, "loften": loften, "warnings": warnings}
    return render(request, "public/kommun.html", context)


@cached_for_anonymous
def follow_up_report(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The public version of a published follow-up of a published medborgarlöfte in the kommun.

    Rendering a PDF takes a second of a worker, so it is cached like the kommun's page: any audited change of the
    kommun's partnership renders it anew on the next request."""
    round_ = get_object_or_404(
        FollowUpRound.objects.select_related("lofte"),
        pk=pk,
        status=FollowUpRound.Status.PUBLISHED,
        lofte__status=Medborgarlofte.Status.PUBLICERAD,
        lofte__agreement__partnership__area__code=code,
    )
    response = HttpResponse(public_report_pdf(round_), content_type="application/pdf")
    name = slugify(f"uppfoljning {round_.lofte.title} {round_.label}")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@dataclass(frozen=True)
class PromiseRow:
    promise: Promise
    progress: int
    parts: list[PromiseRow]


@dataclass(frozen=True)
class PromiseGroup:
    focus_area: FocusArea | None
    promises: list[PromiseRow]


@dataclass(frozen=True)
class PublicGoal:
    goal: Goal
    evaluation: GoalEvaluation | None
    words: str  # what the verdict means, in plain Swedish


@dataclass(frozen=True)
class PublicLofte:
    """A published löfte as citizens read it. An ended one shows what came of it, not a status that stopped."""

    view: LofteView
    groups: list[PromiseGroup]
    goals: list[PublicGoal]
    attributions: list[str]
    ended: bool


def _public(view: LofteView, today: date) -> PublicLofte:
    promises = list(view.lofte.promises.all())
    parts: dict[int, list[PromiseRow]] = {}
    for promise in promises:
        if promise.parent_id:
            parts.setdefault(promise.parent_id, []).append(_row(promise, view, []))
    top = [_row(p, view, parts.get(p.pk, [])) for p in promises if not p.parent_id]
    groups = [
        PromiseGroup(area, [row for row in top if row.promise.focus_area_id == area.pk])
        for area in view.lofte.focus_areas.all()
    ]
    loose = [row for row in top if row.promise.focus_area_id is None]
    if loose:
        groups.insert(0, PromiseGroup(None, loose))
    goals = [_goal(goal, view.evaluations.get(goal.pk)) for goal in view.lofte.goals.all()]
    attributions = sorted({text for goal in goals if (text := public_attribution(goal.goal.metric))})
    return PublicLofte(view, groups, goals, attributions, is_ended(view.lofte, today))


def _goal(goal: Goal, evaluation: GoalEvaluation | None) -> PublicGoal:
    return PublicGoal(goal, evaluation, verdict_in_words(goal, evaluation) if evaluation else "")


def _row(promise: Promise, view: LofteView, parts: list[PromiseRow]) -> PromiseRow:
    return PromiseRow(promise, view.progress.get(promise.pk, promise.own_progress), parts)
