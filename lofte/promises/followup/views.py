"""The follow-up pages (lofte.promises.followup.urls): a löfte's rounds, a round with its goals and promises, and
its reports. The action plan out to a spreadsheet and back is lofte.promises.bulk.views.

Every change goes through lofte.promises.followup.actions; these views parse, check access, call one action and
redirect. Members read everything; changing needs Can.EDIT and publishing Can.MANAGE (the actions say
why when they refuse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lofte.lib.http import attachment
from lofte.lib.views import act, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.promises import reports
from lofte.promises.followup import queries
from lofte.promises.followup.actions import (
    FollowUpRefused,
    do_close_round,
    do_comment_goal,
    do_evaluate_round,
    do_override_goal,
    do_plan_rounds,
    do_publish_round,
    do_report_promise,
    do_set_summary,
)
from lofte.promises.followup.forms import CommentForm, OverrideForm, ReportForm, SummaryForm
from lofte.promises.models import Activity, FollowUpRound, Goal, GoalEvaluation, Promise, PromiseReport

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SUMMARY_ID = "id_summary_%s"


# Finding what the URL names, within the member's partnership


def _editing(request: HttpRequest, slug: str, pk: int) -> tuple[PartnershipAccess, FollowUpRound]:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    return access, queries.round_of(access, pk)


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"followup:{name}", kwargs=kwargs)


def _detail_url(round_: FollowUpRound, anchor: str = "") -> str:
    url = _url("detail", slug=round_.lofte.agreement.partnership.slug, pk=round_.pk)
    return f"{url}#{anchor}" if anchor else url


# A löfte's rounds


@login_required
def round_list(request: HttpRequest, slug: str, lofte: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    medborgarlofte = queries.lofte_of(access, lofte)
    context = {
        "access": access,
        "partnership": access.partnership,
        "lofte": medborgarlofte,
        "agreement": medborgarlofte.agreement,
        "rounds": list(FollowUpRound.objects.filter(lofte=medborgarlofte).order_by("period_start", "id")),
    }
    return render(request, "promises/followup_list.html", context)


@login_required
@require_POST
def round_plan(request: HttpRequest, slug: str, lofte: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    medborgarlofte = queries.lofte_of(access, lofte)
    try:
        planned = do_plan_rounds(access, medborgarlofte, actor=request.user)
    except FollowUpRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if planned:
            count = len(planned)
            text = ngettext("%(count)s uppföljning är planerad.", "%(count)s uppföljningar är planerade.", count)
            messages.success(request, text % {"count": count})
        else:
            messages.info(request, _("Alla uppföljningar är redan planerade."))
    return redirect(_url("index", slug=slug, lofte=medborgarlofte.pk))


# A round


@dataclass
class GoalRow:
    goal: Goal
    evaluation: GoalEvaluation | None
    content: reports.GoalContent
    comment_form: forms.BaseForm | None = None
    override_form: forms.BaseForm | None = None


@dataclass
class PromiseRow:
    promise: Promise
    depth: int
    report: PromiseReport | None
    activities: list[Activity]
    content: reports.PromiseContent
    form: forms.BaseForm | None = None


@login_required
def round_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _detail(request, access, queries.round_of(access, pk))


def _detail(
    request: HttpRequest,
    access: PartnershipAccess,
    round_: FollowUpRound,
    bound: dict[str, forms.BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round's page; `bound` holds a submitted form with its errors, by the key it is shown under."""
    bound = bound or {}
    loaded = reports.load(round_)
    content = reports.gather(loaded)
    editable = access.can_edit and round_.status == FollowUpRound.Status.OPEN
    goals = [
        GoalRow(goal, loaded.evaluations.get(goal.pk), goal_content)
        for goal, goal_content in zip(loaded.goals, content.goals, strict=True)
    ]
    promises = [
        PromiseRow(
            promise, depth, loaded.reports.get(promise.pk), loaded.activities.get(promise.pk, []), promise_content
        )
        for (promise, depth), promise_content in zip(loaded.promises, content.promises, strict=True)
    ]
    if editable:
        _add_forms(goals, promises, bound)
    context = {
        "access": access,
        "partnership": access.partnership,
        "round": round_,
        "lofte": round_.lofte,
        "content": content,
        "goals": goals,
        "promises": promises,
        "editable": editable,
        "may_publish": access.can(Can.MANAGE) and round_.status == FollowUpRound.Status.CLOSED,
        "summary_form": (bound.get("summary") or SummaryForm(initial={"summary": round_.summary}, auto_id=SUMMARY_ID))
        if access.can_edit and round_.status != FollowUpRound.Status.PUBLISHED
        else None,
    }
    return render(request, "promises/followup_detail.html", context, status=status)


def _add_forms(goals: list[GoalRow], promises: list[PromiseRow], bound: dict[str, forms.BaseForm]) -> None:
    for row in goals:
        evaluation, pk = row.evaluation, row.goal.pk
        if evaluation is None:
            continue
        row.comment_form = bound.get(f"comment-{pk}") or CommentForm(
            initial={"comment": evaluation.comment}, auto_id=f"id_comment{pk}_%s"
        )
        row.override_form = bound.get(f"override-{pk}") or OverrideForm(
            initial={"verdict": evaluation.override, "reason": evaluation.override_reason},
            auto_id=f"id_override{pk}_%s",
        )
    for promise_row in promises:
        promise, report = promise_row.promise, promise_row.report
        initial = {"status": promise.status, "progress": promise.progress, "comment": report.comment if report else ""}
        promise_row.form = bound.get(f"report-{promise.pk}") or ReportForm(
            initial=initial, auto_id=f"id_report{promise.pk}_%s"
        )


@login_required
@require_POST
def round_evaluate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    return act(
        request,
        lambda: do_evaluate_round(access, round_, actor=request.user),
        success=_("Målen är beräknade och löftenas status och framsteg är sparade för uppföljningen."),
        back=_detail_url(round_),
    )


def _evaluation(round_: FollowUpRound, goal: int) -> GoalEvaluation:
    evaluation = get_object_or_404(GoalEvaluation.objects.select_related("goal"), round=round_, goal_id=goal)
    evaluation.round = round_
    return evaluation


@login_required
@require_POST
def goal_comment(request: HttpRequest, slug: str, pk: int, goal: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    evaluation = _evaluation(round_, goal)
    form = CommentForm(request.POST, auto_id=f"id_comment{goal}_%s")
    if not form.is_valid():
        return _detail(request, access, round_, {f"comment-{goal}": form}, status=400)
    comment = form.cleaned_data["comment"]
    return act(
        request,
        lambda: do_comment_goal(access, evaluation, comment=comment, actor=request.user),
        success=_("Kommentaren är sparad."),
        back=_detail_url(round_, f"goal-{goal}"),
    )


@login_required
@require_POST
def goal_override(request: HttpRequest, slug: str, pk: int, goal: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    evaluation = _evaluation(round_, goal)
    form = OverrideForm(request.POST, auto_id=f"id_override{goal}_%s")
    if not form.is_valid():
        return _detail(request, access, round_, {f"override-{goal}": form}, status=400)
    verdict, reason = form.cleaned_data["verdict"], form.cleaned_data["reason"]
    success = _("Bedömningen är ändrad.") if verdict else _("Den beräknade bedömningen gäller.")
    return act(
        request,
        lambda: do_override_goal(access, evaluation, verdict=verdict, reason=reason, actor=request.user),
        success=success,
        back=_detail_url(round_, f"goal-{goal}"),
    )


@login_required
@require_POST
def promise_report(request: HttpRequest, slug: str, pk: int, promise: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    reported = get_object_or_404(Promise, pk=promise, lofte_id=round_.lofte_id)
    reported.lofte = round_.lofte
    form = ReportForm(request.POST, auto_id=f"id_report{promise}_%s")
    if not form.is_valid():
        return _detail(request, access, round_, {f"report-{promise}": form}, status=400)
    data = form.cleaned_data
    return act(
        request,
        lambda: do_report_promise(
            access,
            round_,
            reported,
            status=data["status"],
            progress=data["progress"],
            comment=data["comment"],
            actor=request.user,
        ),
        success=_("Löftet är rapporterat."),
        back=_detail_url(round_, f"promise-{promise}"),
    )


@login_required
@require_POST
def round_summary(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    form = SummaryForm(request.POST, auto_id=SUMMARY_ID)
    if not form.is_valid():
        return _detail(request, access, round_, {"summary": form}, status=400)
    summary = form.cleaned_data["summary"]
    return act(
        request,
        lambda: do_set_summary(access, round_, summary=summary, actor=request.user),
        success=_("Sammanfattningen är sparad."),
        back=_detail_url(round_, "summary"),
    )


@login_required
@require_POST
def round_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, round_ = _editing(request, slug, pk)
    return act(
        request,
        lambda: do_close_round(access, round_, actor=request.user),
        success=_("Uppföljningen är avslutad."),
        back=_detail_url(round_),
    )


@login_required
@require_POST
def round_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    round_ = queries.round_of(access, pk)
    try:
        do_publish_round(access, round_, actor=request.user)
    except FollowUpRefused as refusal:
        if "summary" not in refusal.errors:
            messages.error(request, str(refusal))
            return redirect(_detail_url(round_))
        # Shown beside the summary's field, which is where it is put right.
        form = SummaryForm({"summary": round_.summary}, auto_id=SUMMARY_ID)
        form.is_valid()
        refuse_on(form, refusal)
        return _detail(request, access, round_, {"summary": form}, status=400)
    messages.success(request, _("Uppföljningen är publicerad och syns för allmänheten."))
    return redirect(_detail_url(round_))


# Reports


def _report_name(round_: FollowUpRound, suffix: str) -> str:
    kommun = slugify(round_.lofte.agreement.partnership.area.name)
    return f"uppfoljning-{kommun}-{slugify(round_.label)}{suffix}"


@login_required
def round_report(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """The round for the partnership and the kommunstyrelse, comments included, as PDF or Word."""
    if fmt not in DOCUMENT_TYPES:
        raise Http404("No such format")
    access = get_partnership_for_user(request.user, slug)
    round_ = queries.round_of(access, pk)
    content = reports.gather(reports.load(round_))
    data = reports.render_pdf(content) if fmt == "pdf" else reports.render_docx(content)
    return attachment(data, DOCUMENT_TYPES[fmt], _report_name(round_, f".{fmt}"))


@login_required
def round_public_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The version for the public, so members see what citizens will read."""
    access = get_partnership_for_user(request.user, slug)
    round_ = queries.round_of(access, pk)
    return attachment(
        reports.public_report_pdf(round_), DOCUMENT_TYPES["pdf"], _report_name(round_, "-allmanheten.pdf")
    )
