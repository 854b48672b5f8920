"""Medborgarlöften in the JSON API: the public parts for anyone, everything of their own for members."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lofte.lib.api import Text, errors
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Organisation
from lofte.promises.editing import PromiseRefused
from lofte.promises.lofte.actions import do_add_activity, do_update_promise_status
from lofte.promises.models import FollowUpRound, Goal, Medborgarlofte, Promise
from lofte.promises.published import LofteView, responsible_names, verdict_in_words, visible_loften, with_contents

router = Router(tags=["promises"])


class ActivityOut(Schema):
    date: dt.date
    text: str
    reach: int | None
    organisation: str | None


class PromiseOut(Schema):
    id: int
    text: str
    focus_area: str | None
    parent: int | None
    responsible: list[str]
    status: str = Field(..., description="ej_paborjad, pagar, genomford or stoppad")
    status_label: str
    progress: int = Field(..., description="0–100; a promise with parts has their progress, weighted")
    latest_activity: ActivityOut | None


class EvaluationOut(Schema):
    round: str
    period: str
    baseline_period: str
    value: float | None
    baseline_value: float | None
    change_pct: float | None
    p_value: float | None = Field(
        None,
        description="One-sided test of the goal as written (against its target, allowing for the series' usual "
        "variation); counts and rates per 100 000 only",
    )
    ci_low: float | None = Field(
        None, description="Lower end of the 90 % interval of the rate ratio (of the value to the level, for a level)"
    )
    ci_high: float | None = Field(None, description="Upper end of the same interval")
    interval: str = Field("", description='The interval in words, "mellan −35 % och +12 %"; empty when not tested')
    verdict: str = Field(
        ...,
        description="uppnatt (final round), pa_vag (an earlier round: holds so far), inte_uppnatt (final round), "
        "for_tidigt or ingen_saker_forandring; or, with a value missing and no verdict, basvarde_saknas or "
        "varde_saknas",
    )
    computed_verdict: str = Field(..., description="What Löfte computed; differs when the samordnare overrode it")
    explanation: str = Field(
        ...,
        description="What the verdict means; for members the computed explanation with its figures, for everyone "
        "else the plain words of the public page (no required evidence, comments or reasons)",
    )
    preliminary: bool


class GoalOut(Schema):
    id: int
    text: str
    kind: str
    focus_area: str | None
    metric: str | None
    area: str | None
    direction: str
    baseline_period: str
    target: str
    target_value: float | None
    due_period: str
    evaluation: EvaluationOut | None


class ProposalOut(Schema):
    body: str = Field(..., description="arbetsutskott, kommunstyrelse, kommunfullmaktige, namnd or empty")
    body_name: str
    date: dt.date | None = Field(None, description="The date of the meeting that proposed")
    paragraph: str


class DecisionOut(Schema):
    body: str = Field(..., description="The body that decided: kommunstyrelse, kommunfullmaktige, namnd or empty")
    body_name: str
    date: dt.date | None = Field(None, description="The date of the meeting that decided; null until it has")
    paragraph: str
    proposed: ProposalOut | None = Field(None, description="The body that proposed, e.g. the arbetsutskott")
    lines: list[str] = Field(..., description="Who proposed and who decided, in Swedish sentences")
    case_number: str
    report_date: dt.date | None
    decision_text: str
    distribution: list[str]


class RoundOut(Schema):
    label: str
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date = Field(description="The day the round should be closed by")
    status: str
    overdue: bool = Field(description="Still open after the day it was due (in Europe/Stockholm)")


class LofteOut(Schema):
    id: int
    title: str
    period: str
    year_from: int
    year_to: int
    status: str
    kommun: str
    partnership: str
    agreement: str
    summary: str
    focus_areas: list[str]
    crime_categories: list[str]
    promises: list[PromiseOut]
    goals: list[GoalOut]
    decision: DecisionOut | None
    rounds: list[RoundOut]


class LofteFilter(Schema):
    area: Text | None = Field(None, description="A kommun's code, e.g. 0586")


@router.get(
    "/promises",
    response={200: list[LofteOut], **errors(400)},
    summary="Medborgarlöften, with promises, goals and decision",
    auth=None,
)
def list_promises(request: HttpRequest, filters: Query[LofteFilter]) -> list[dict[str, Any]]:
    return [_lofte(view) for view in with_contents(visible_loften(request.user, area=filters.area), request.user)]


@router.get(
    "/promises/{lofte_id}", response={200: LofteOut, **errors(400, 404)}, summary="One medborgarlöfte", auth=None
)
def get_promise(request: HttpRequest, lofte_id: int) -> dict[str, Any]:
    views = with_contents(visible_loften(request.user).filter(pk=lofte_id), request.user)
    if not views:
        raise Http404
    return _lofte(views[0])


def _lofte(view: LofteView) -> dict[str, Any]:
    lofte = view.lofte
    today = timezone.localdate()
    partnership = lofte.agreement.partnership
    decision = getattr(lofte, "decision", None) if _has_decision(lofte) else None
    return {
        "id": lofte.pk,
        "title": lofte.title,
        "period": lofte.period,
        "year_from": lofte.year_from,
        "year_to": lofte.year_to,
        "status": lofte.status,
        "kommun": partnership.area.code,
        "partnership": partnership.name,
        "agreement": lofte.agreement.title,
        "summary": lofte.summary,
        "focus_areas": [area.name for area in lofte.focus_areas.all()],
        "crime_categories": lofte.crime_categories,
        "promises": [_promise(p, view) for p in lofte.promises.all()],
        "goals": [_goal(g, view) for g in lofte.goals.all()],
        "decision": _decision(decision) if decision else None,
        "rounds": [_round(r, today) for r in view.rounds],
    }


def _round(round_: FollowUpRound, today: dt.date) -> dict[str, Any]:
    return {
        "label": round_.label,
        "period_start": round_.period_start,
        "period_end": round_.period_end,
        "due_on": round_.due_on,
        "status": round_.status,
        "overdue": round_.is_overdue(today),
    }


def _has_decision(lofte: Medborgarlofte) -> bool:
    try:
        lofte.decision  # noqa: B018
    except Medborgarlofte.decision.RelatedObjectDoesNotExist:
        return False
    return True


def _promise(promise: Promise, view: LofteView) -> dict[str, Any]:
    activities = list(promise.activities.all())
    latest = activities[0] if activities else None
    return {
        "id": promise.pk,
        "text": promise.text,
        "focus_area": promise.focus_area.name if promise.focus_area_id and promise.focus_area else None,
        "parent": promise.parent_id,
        "responsible": responsible_names(promise),
        "status": promise.status,
        "status_label": promise.get_status_display(),
        "progress": view.progress.get(promise.pk, promise.own_progress),
        "latest_activity": {
            "date": latest.date,
            "text": latest.text,
            "reach": latest.reach,
            "organisation": latest.organisation.name if latest.organisation else None,
        }
        if latest
        else None,
    }


def _goal(goal: Goal, view: LofteView) -> dict[str, Any]:
    evaluation = view.evaluations.get(goal.pk)
    return {
        "id": goal.pk,
        "text": goal.text,
        "kind": goal.kind,
        "focus_area": goal.focus_area.name if goal.focus_area else None,
        "metric": goal.metric.code if goal.metric else None,
        "area": goal.area.code if goal.area else None,
        "direction": goal.direction,
        "baseline_period": goal.baseline_period,
        "target": goal.target,
        "target_value": goal.target_value,
        "due_period": goal.due_period,
        "evaluation": {
            "round": view.latest_round.label if view.latest_round else "",
            "period": evaluation.period,
            "baseline_period": evaluation.baseline_period,
            "value": evaluation.value,
            "baseline_value": evaluation.baseline_value,
            "change_pct": evaluation.change_pct,
            "p_value": evaluation.p_value,
            "ci_low": evaluation.ci_low,
            "ci_high": evaluation.ci_high,
            "interval": interval_words(evaluation.ci_low, evaluation.ci_high),
            "verdict": evaluation.verdict,
            "computed_verdict": evaluation.computed,
            "explanation": evaluation.explanation if view.member else verdict_in_words(goal, evaluation),
            "preliminary": evaluation.preliminary,
        }
        if evaluation
        else None,
    }


def _decision(decision: Any) -> dict[str, Any]:
    return {
        "body": decision.body,
        "body_name": decision.body_name,
        "date": decision.meeting_date,
        "paragraph": decision.paragraph,
        "proposed": {
            "body": decision.proposed_by,
            "body_name": decision.proposed_by_name,
            "date": decision.proposed_on,
            "paragraph": decision.proposed_paragraph,
        }
        if decision.proposer
        else None,
        "lines": decision.lines(),
        "case_number": decision.case_number,
        "report_date": decision.report_date,
        "decision_text": decision.decision_text,
        "distribution": decision.distribution,
    }


# Writes: the follow-up of a promise by members who may edit the partnership's löften. A refusal reaches the one
# handler in lofte/api.py, which answers 409 with its message and, per field, what is wrong.

PromiseStatus = Literal["ej_paborjad", "pagar", "genomford", "stoppad"]


class StatusIn(Schema):
    status: PromiseStatus
    progress: int | None = Field(None, ge=0, le=100, description="Empty: what the status says (0, 50, 100, 0)")


class ActivityIn(Schema):
    date: dt.date
    text: str = Field(..., min_length=1, max_length=5000)
    reach: int | None = Field(None, ge=0)
    organisation: str | None = Field(None, description="The slug of the party that did it")


class ChangedOut(Schema):
    promise: int
    changed: list[str]


def _editable(request: HttpRequest, promise_id: int) -> tuple[PartnershipAccess, Promise]:
    """The promise, if the user is a member of its partnership who may edit: 404 for others, 403 for a small role."""
    promise = get_object_or_404(Promise.objects.select_related("lofte__agreement__partnership"), pk=promise_id)
    access = get_partnership_for_user(request.user, promise.lofte.agreement.partnership.slug, need=Can.EDIT)
    return access, promise


@router.patch(
    "/promises/items/{promise_id}",
    response={200: ChangedOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Report a promise's status and progress",
)
def update_promise_status(request: HttpRequest, promise_id: int, payload: StatusIn) -> Any:
    access, promise = _editable(request, promise_id)
    changed = do_update_promise_status(
        access, promise, status=payload.status, progress=payload.progress, actor=request.user
    )
    return {"promise": promise.pk, "changed": changed}


@router.post(
    "/promises/items/{promise_id}/activities",
    response={201: ActivityOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Record what was done under a promise",
)
def add_activity(request: HttpRequest, promise_id: int, payload: ActivityIn) -> Any:
    access, promise = _editable(request, promise_id)
    organisation = None
    if payload.organisation:
        organisation = Organisation.objects.filter(slug=payload.organisation).first()
        if organisation is None:
            message = _("Okänd organisation: %(slug)s.") % {"slug": payload.organisation}
            raise PromiseRefused(message, field="organisation")
    activity = do_add_activity(
        access,
        promise,
        date=payload.date,
        text=payload.text,
        reach=payload.reach,
        organisation=organisation,
        actor=request.user,
    )
    return Status(
        201,
        {
            "date": activity.date,
            "text": activity.text,
            "reach": activity.reach,
            "organisation": organisation.name if organisation else None,
        },
    )
