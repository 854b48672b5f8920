"""The medborgarlöften's pages, under /samverkan/<slug>/loften/<pk>/ (namespace loften): a löfte with its focus
areas, goals and promises, each promise with its activities, the decision record and the workflow.

Members read everything, drafts included; those who may edit (samordnare, polis) write the löften and their
follow-up; those who manage the partnership take a löfte through the decision process. Every change goes through
lofte.promises.lofte.actions; these views parse, check access, call one action and redirect with a message.
Activity attachments and the decision documents are served to members only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from lofte.lib.http import attachment
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Organisation
from lofte.promises import documents, progress
from lofte.promises.agreement.queries import parties
from lofte.promises.editing import PromiseRefused
from lofte.promises.lofte import actions, queries
from lofte.promises.lofte.forms import (
    ActivityForm,
    DecisionForm,
    FocusAreaForm,
    GoalForm,
    LofteCreateForm,
    LofteForm,
    PromiseForm,
    PromiseStatusForm,
)
from lofte.promises.models import (
    Activity,
    Agreement,
    FocusArea,
    Goal,
    Medborgarlofte,
    Promise,
)
from lofte.promises.views import FORM, Crumbs, index_crumbs, stored_file
from lofte.situation.models import Lagesbild

GOAL_FORM = "promises/goal_form.html"
FOCUS_ID = "id_focus_%s"
STATUS_ID = "id_status_%s"
ACTIVITY_ID = "id_activity_%s"
DECIDED = (Medborgarlofte.Status.BESLUTAD, Medborgarlofte.Status.PUBLICERAD)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# Finding things within the member's partnership


def _get_lofte(access: PartnershipAccess, pk: int) -> Medborgarlofte:
    loften = Medborgarlofte.objects.select_related("agreement", "lagesbild", "decision")
    lofte = get_object_or_404(loften, agreement__partnership=access.partnership, pk=pk)
    lofte.agreement.partnership = access.partnership
    return lofte


def _viewing(request: HttpRequest, slug: str, pk: int) -> tuple[PartnershipAccess, Medborgarlofte]:
    access = get_partnership_for_user(request.user, slug)
    return access, _get_lofte(access, pk)


def _editing(
    request: HttpRequest, slug: str, pk: int, need: Can = Can.EDIT
) -> tuple[PartnershipAccess, Medborgarlofte]:
    access = get_partnership_for_user(request.user, slug, need=need)
    return access, _get_lofte(access, pk)


def _item(queryset: QuerySet[Any], lofte: Medborgarlofte, pk: int) -> Any:
    item = get_object_or_404(queryset, lofte=lofte, pk=pk)
    item.lofte = lofte
    return item


def _promise(lofte: Medborgarlofte, pk: int) -> Promise:
    promise: Promise = _item(Promise.objects.all(), lofte, pk)
    return promise


def _adopted(access: PartnershipAccess) -> QuerySet[Lagesbild]:
    adopted = Lagesbild.objects.filter(partnership=access.partnership, status=Lagesbild.Status.FASTSTALLD)
    return adopted.order_by("-version")


def _lofte_url(lofte: Medborgarlofte, anchor: str = "") -> str:
    url = reverse("loften:detail", args=[lofte.agreement.partnership.slug, lofte.pk])
    return f"{url}#{anchor}" if anchor else url


def _promise_url(promise: Promise) -> str:
    lofte = promise.lofte
    return reverse("loften:promise", args=[lofte.agreement.partnership.slug, lofte.pk, promise.pk])


def _closed(request: HttpRequest, lofte: Medborgarlofte) -> HttpResponse | None:
    """The edit pages of a decided löfte send back to it: its text is the kommun's decision."""
    if lofte.status not in DECIDED:
        return None
    messages.error(request, _("Medborgarlöftet är beslutat och dess text kan inte ändras."))
    return redirect(_lofte_url(lofte))


def _lofte_crumbs(access: PartnershipAccess, lofte: Medborgarlofte) -> Crumbs:
    return [*index_crumbs(access), (_lofte_url(lofte), lofte.title)]


# The medborgarlöfte


@login_required
def lofte_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    agreements = Agreement.objects.filter(partnership=access.partnership)
    if request.method == "POST":
        form = LofteCreateForm(request.POST, agreements=agreements, adopted=_adopted(access))
        if form.is_valid():
            data = dict(form.cleaned_data)
            agreement = data.pop("agreement")
            agreement.partnership = access.partnership
            try:
                lofte = actions.do_create_lofte(access, agreement, actor=request.user, **data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Medborgarlöftet är skapat som utkast."))
                return redirect(_lofte_url(lofte))
    else:
        year = timezone.localdate().year
        initial = {
            "agreement": agreements.first(),
            "title": _("Medborgarlöfte %(start)s–%(end)s") % {"start": year, "end": year + 1},
            "year_from": year,
            "year_to": year + 1,
            "lagesbild": _adopted(access).first(),
        }
        form = LofteCreateForm(initial=initial, agreements=agreements, adopted=_adopted(access))
    intro = _("Ett medborgarlöfte bygger på en fastställd lägesbild och hör till en överenskommelse.")
    if not agreements.exists():
        intro = _("Samverkan har ingen överenskommelse ännu. Skapa den först; medborgarlöftet hör till den.")
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Nytt medborgarlöfte"),
            "action": reverse("loften:create", args=[slug]),
            "submit": _("Skapa medborgarlöftet"),
            "crumbs": index_crumbs(access),
            "intro": intro,
        },
        form=form,
    )


@login_required
def lofte_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _viewing(request, slug, pk)
    return _lofte_page(request, access, lofte)


def _lofte_page(
    request: HttpRequest, access: PartnershipAccess, lofte: Medborgarlofte, focus_form: forms.BaseForm | None = None
) -> HttpResponse:
    overview = queries.overview(lofte)
    decision = queries.decision_of(lofte)
    editable = access.can_edit and lofte.status not in DECIDED
    context = {
        "access": access,
        "partnership": access.partnership,
        "lofte": lofte,
        "agreement": lofte.agreement,
        "decision": decision,
        "decision_lines": decision.lines() if decision else [],
        "overview": overview,
        "editable": editable,
        "followable": access.can_edit,
        "manageable": access.can_manage,
        "propose_missing": actions.propose_missing(
            focus_areas=len(overview.focus_areas), promises=len(overview.promises), decision=decision
        ),
        "decide_missing": actions.decide_missing(decision),
        "focus_form": (focus_form or FocusAreaForm(auto_id=FOCUS_ID)) if editable else None,
        "focus_open": focus_form is not None,
        "can_extract": documents.extract_meeting(decision) is not None,
    }
    return render(request, "promises/lofte_detail.html", context, status=400 if focus_form else 200)


@login_required
def lofte_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        form = LofteForm(request.POST, adopted=_adopted(access))
        if form.is_valid():
            try:
                actions.do_update_lofte(access, lofte, actor=request.user, **form.cleaned_data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Medborgarlöftet är sparat."))
                return redirect(_lofte_url(lofte))
    else:
        form = LofteForm(initial=model_to_dict(lofte, fields=list(LofteForm.base_fields)), adopted=_adopted(access))
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ändra %(title)s") % {"title": lofte.title},
            "action": reverse("loften:update", args=[slug, pk]),
            "submit": _("Spara medborgarlöftet"),
            "crumbs": _lofte_crumbs(access, lofte),
        },
        form=form,
    )


# Focus areas


@login_required
@require_POST
def focus_area_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    form = FocusAreaForm(request.POST, auto_id=FOCUS_ID)
    if not form.is_valid():
        return _lofte_page(request, access, lofte, form)

    def add() -> None:
        actions.do_add_focus_area(access, lofte, actor=request.user, **form.cleaned_data)

    return act(request, add, success=_("Fokusområdet är tillagt."), back=_lofte_url(lofte, "areas-heading"))


@login_required
def focus_area_update(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    area: FocusArea = _item(FocusArea.objects.all(), lofte, item)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        form = FocusAreaForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_focus_area(access, area, actor=request.user, **form.cleaned_data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Fokusområdet är sparat."))
                return redirect(_lofte_url(lofte, f"area-{area.pk}"))
    else:
        form = FocusAreaForm(initial=model_to_dict(area, fields=["name", "description"]))
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ändra fokusområdet %(name)s") % {"name": area.name},
            "action": reverse("loften:update_focus_area", args=[slug, pk, item]),
            "submit": _("Spara fokusområdet"),
            "crumbs": _lofte_crumbs(access, lofte),
        },
        form=form,
    )


@login_required
@require_POST
def focus_area_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    area: FocusArea = _item(FocusArea.objects.all(), lofte, item)
    return act(
        request,
        lambda: actions.do_remove_focus_area(access, area, actor=request.user),
        success=_("Fokusområdet är borttaget. Dess mål och löften finns kvar utan fokusområde."),
        back=_lofte_url(lofte, "areas-heading"),
    )


@login_required
@require_POST
def focus_area_move(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    area: FocusArea = _item(FocusArea.objects.all(), lofte, item)
    up = request.POST.get("direction") != "down"
    return act(
        request,
        lambda: actions.do_move_focus_area(access, area, up=up, actor=request.user),
        success=_("Ordningen är sparad."),
        back=_lofte_url(lofte, f"area-{area.pk}"),
    )


# Goals


def _goal_page(
    request: HttpRequest,
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    form: GoalForm,
    goal: Goal | None,
    *,
    limit: queries.GoalLimit | None = None,
    status: int | None = None,
) -> HttpResponse:
    slug = access.partnership.slug
    action = (
        reverse("loften:update_goal", args=[slug, lofte.pk, goal.pk])
        if goal
        else reverse("loften:add_goal", args=[slug, lofte.pk])
    )
    return form_page(
        request,
        GOAL_FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ändra målet") if goal else _("Nytt mål"),
            "action": action,
            "submit": _("Spara målet"),
            "crumbs": _lofte_crumbs(access, lofte),
            "intro": _(
                "Ett mätbart mål jämför ett mått i ett område med en basperiod, till exempel: antalet bedrägerier i "
                "kommunen ska vara färre än 2023. Ett kvalitativt mål anger vilket underlag som visar att det nåtts."
            ),
            "limit": limit,
        },
        form=form,
        status=status,
    )


def _save_goal(
    request: HttpRequest, access: PartnershipAccess, lofte: Medborgarlofte, goal: Goal | None
) -> HttpResponse:
    """Save the goal, or with "preview" only show what its follow-up can show; a target too small to be shown
    reached is a warning, never a refusal."""
    form = GoalForm(request.POST, lofte=lofte, areas=queries.areas_of(access.partnership))
    if not form.is_valid():
        return _goal_page(request, access, lofte, form, goal)
    if request.POST.get("preview"):
        return _goal_page(request, access, lofte, form, goal, limit=queries.goal_limit(form.instance), status=200)
    values = form.action_values()
    try:
        if goal is None:
            goal = actions.do_add_goal(access, lofte, actor=request.user, **values)
        else:
            actions.do_update_goal(access, goal, actor=request.user, **values)
    except PromiseRefused as refusal:
        refuse_on(form, refusal)
        return _goal_page(request, access, lofte, form, goal)
    messages.success(request, _("Målet är sparat."))
    limit = queries.goal_limit(goal)
    if limit and limit.warning:
        messages.warning(request, f"{limit.sentence} {limit.warning}")
    return redirect(_lofte_url(lofte, f"goal-{goal.pk}"))


@login_required
def goal_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        return _save_goal(request, access, lofte, None)
    initial = {"area": access.partnership.area.code, "focus_area": request.GET.get("fokusomrade")}
    form = GoalForm(initial=initial, lofte=lofte, areas=queries.areas_of(access.partnership))
    return _goal_page(request, access, lofte, form, None)


@login_required
def goal_update(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    goal: Goal = _item(Goal.objects.select_related("metric", "area").defer("area__geometry"), lofte, item)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        return _save_goal(request, access, lofte, goal)
    initial = model_to_dict(goal, fields=[name for name in GoalForm.base_fields if name not in ("metric", "area")])
    initial |= {"metric": goal.metric.code if goal.metric else None, "area": goal.area.code if goal.area else None}
    form = GoalForm(initial=initial, lofte=lofte, areas=queries.areas_of(access.partnership))
    return _goal_page(request, access, lofte, form, goal, limit=queries.goal_limit(goal))


@login_required
@require_POST
def goal_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    goal: Goal = _item(Goal.objects.all(), lofte, item)
    return act(
        request,
        lambda: actions.do_remove_goal(access, goal, actor=request.user),
        success=_("Målet är borttaget."),
        back=_lofte_url(lofte, "areas-heading"),
    )


@login_required
@require_POST
def goal_move(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    goal: Goal = _item(Goal.objects.all(), lofte, item)
    up = request.POST.get("direction") != "down"
    return act(
        request,
        lambda: actions.do_move_goal(access, goal, up=up, actor=request.user),
        success=_("Ordningen är sparad."),
        back=_lofte_url(lofte, f"goal-{goal.pk}"),
    )


# Promises


def _promise_form(
    access: PartnershipAccess, lofte: Medborgarlofte, promise: Promise | None, *args: Any, **kwargs: Any
) -> PromiseForm:
    parents = Promise.objects.filter(lofte=lofte)
    if promise is not None:
        parents = parents.exclude(pk__in=queries.with_parts(promise))
    return PromiseForm(*args, lofte=lofte, parties=parties(access.partnership), parents=parents, **kwargs)


def _promise_page(
    request: HttpRequest, access: PartnershipAccess, lofte: Medborgarlofte, form: PromiseForm, promise: Promise | None
) -> HttpResponse:
    slug = access.partnership.slug
    action = (
        reverse("loften:update_promise", args=[slug, lofte.pk, promise.pk])
        if promise
        else reverse("loften:add_promise", args=[slug, lofte.pk])
    )
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Ändra löftet") if promise else _("Nytt löfte"),
            "action": action,
            "submit": _("Spara löftet"),
            "crumbs": _lofte_crumbs(access, lofte),
            "intro": _(
                "Skriv vad som ska göras och vilka parter som ansvarar, till exempel: Polisen och kommunen ska erbjuda "
                "riskgrupper träffar om hur man skyddar sig mot bedrägerier. Ett löfte kan delas upp i delar som vägs "
                "samman till löftets framsteg."
            ),
        },
        form=form,
    )


def _save_promise(
    request: HttpRequest, access: PartnershipAccess, lofte: Medborgarlofte, promise: Promise | None
) -> HttpResponse:
    form = _promise_form(access, lofte, promise, request.POST)
    if not form.is_valid():
        return _promise_page(request, access, lofte, form, promise)
    values = dict(form.cleaned_data)
    values["responsible"] = list(values["responsible"])
    try:
        if promise is None:
            promise = actions.do_add_promise(access, lofte, actor=request.user, **values)
        else:
            actions.do_update_promise(access, promise, actor=request.user, **values)
    except PromiseRefused as refusal:
        refuse_on(form, refusal)
        return _promise_page(request, access, lofte, form, promise)
    messages.success(request, _("Löftet är sparat."))
    return redirect(_lofte_url(lofte, f"promise-{promise.pk}"))


@login_required
def promise_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        return _save_promise(request, access, lofte, None)
    initial = {"focus_area": request.GET.get("fokusomrade"), "parent": request.GET.get("del_av"), "weight": 1}
    return _promise_page(request, access, lofte, _promise_form(access, lofte, None, initial=initial), None)


@login_required
def promise_update(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    if closed := _closed(request, lofte):
        return closed
    if request.method == "POST":
        return _save_promise(request, access, lofte, promise)
    initial = model_to_dict(promise, fields=list(PromiseForm.base_fields))
    return _promise_page(request, access, lofte, _promise_form(access, lofte, promise, initial=initial), promise)


@login_required
def promise_detail(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _viewing(request, slug, pk)
    return _promise_detail(request, access, _promise(lofte, item))


def _promise_detail(
    request: HttpRequest, access: PartnershipAccess, promise: Promise, bound: dict[str, forms.BaseForm] | None = None
) -> HttpResponse:
    bound = bound or {}
    lofte = promise.lofte
    everything = list(
        Promise.objects.filter(lofte=lofte).prefetch_related(
            Prefetch("responsible", queryset=Organisation.objects.order_by("name"))
        )
    )
    parts = [progress_part(p) for p in everything]
    rolled = progress.rolled_up(parts)
    rows = queries.tree(everything, rolled)
    this = next(p for p in everything if p.pk == promise.pk)
    this.lofte = lofte
    context: dict[str, Any] = {
        "access": access,
        "partnership": access.partnership,
        "lofte": lofte,
        "promise": this,
        "progress": rolled.get(this.pk, this.own_progress),
        "parent": next((p for p in everything if p.pk == this.parent_id), None),
        "parts": [row for row in rows if row.promise.parent_id == this.pk],
        "activities": list(this.activities.select_related("organisation")),
        "editable": access.can_edit and lofte.status not in DECIDED,
        "followable": access.can_edit,
    }
    if access.can_edit:
        context["status_form"] = bound.get("status") or PromiseStatusForm(
            initial={"status": this.status, "progress": this.progress}, auto_id=STATUS_ID
        )
        context["activity_form"] = bound.get("activity") or ActivityForm(
            initial={"date": timezone.localdate()}, parties=parties(access.partnership), auto_id=ACTIVITY_ID
        )
        context["open_form"] = next(iter(bound), "")
    return render(request, "promises/promise_detail.html", context, status=400 if bound else 200)


def progress_part(promise: Promise) -> progress.Part:
    return progress.Part(promise.pk, promise.parent_id, promise.own_progress, promise.weight)


@login_required
@require_POST
def promise_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    try:
        actions.do_remove_promise(access, promise, actor=request.user)
    except PromiseRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_promise_url(promise))
    messages.success(request, _("Löftet är borttaget."))
    return redirect(_lofte_url(lofte, "areas-heading"))


@login_required
@require_POST
def promise_move(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    up = request.POST.get("direction") != "down"
    return act(
        request,
        lambda: actions.do_move_promise(access, promise, up=up, actor=request.user),
        success=_("Ordningen är sparad."),
        back=_lofte_url(lofte, f"promise-{promise.pk}"),
    )


@login_required
@require_POST
def promise_status(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    form = PromiseStatusForm(request.POST, auto_id=STATUS_ID)
    if not form.is_valid():
        return _promise_detail(request, access, promise, {"status": form})

    def update() -> None:
        actions.do_update_promise_status(access, promise, actor=request.user, **form.cleaned_data)

    return act(request, update, success=_("Status och framsteg är sparade."), back=_promise_url(promise))


# Activities


@login_required
@require_POST
def activity_add(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    form = ActivityForm(request.POST, request.FILES, parties=parties(access.partnership), auto_id=ACTIVITY_ID)
    if not form.is_valid():
        return _promise_detail(request, access, promise, {"activity": form})
    values = dict(form.cleaned_data)
    values["attachment"] = values.get("attachment") or None
    try:
        actions.do_add_activity(access, promise, actor=request.user, **values)
    except PromiseRefused as refusal:
        refuse_on(form, refusal)
        return _promise_detail(request, access, promise, {"activity": form})
    messages.success(request, _("Aktiviteten är tillagd."))
    return redirect(_promise_url(promise) + "#activities-heading")


def _activity(promise: Promise, pk: int) -> Activity:
    activity = get_object_or_404(Activity, promise=promise, pk=pk)
    activity.promise = promise
    return activity


@login_required
@require_POST
def activity_remove(request: HttpRequest, slug: str, pk: int, item: int, activity: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    promise = _promise(lofte, item)
    found = _activity(promise, activity)
    return act(
        request,
        lambda: actions.do_remove_activity(access, found, actor=request.user),
        success=_("Aktiviteten är borttagen."),
        back=_promise_url(promise) + "#activities-heading",
    )


@login_required
def activity_attachment(request: HttpRequest, slug: str, pk: int, item: int, activity: int) -> FileResponse:
    _access, lofte = _viewing(request, slug, pk)
    found = _activity(_promise(lofte, item), activity)
    if not found.attachment:
        raise Http404("No attachment")
    suffix = PurePath(found.attachment.name).suffix
    return stored_file(found.attachment, f"aktivitet-{found.date:%Y-%m-%d}-{found.pk}{suffix}")


# The decision and the workflow


@login_required
def decision_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, lofte = _editing(request, slug, pk)
    if closed := _closed(request, lofte):
        return closed
    decision = queries.decision_of(lofte)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                actions.do_save_decision(access, lofte, actor=request.user, **form.cleaned_data)
            except PromiseRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Beslutsuppgifterna är sparade."))
                return redirect(_lofte_url(lofte, "decision-heading"))
    elif decision is not None:
        form = DecisionForm(initial=model_to_dict(decision, fields=list(DecisionForm.base_fields)))
    else:
        form = DecisionForm(initial={"report_date": timezone.localdate(), "body": "kommunstyrelse"})
    return form_page(
        request,
        FORM,
        {
            "access": access,
            "partnership": access.partnership,
            "title": _("Beslutsuppgifter för %(title)s") % {"title": lofte.title},
            "action": reverse("loften:decision", args=[slug, pk]),
            "submit": _("Spara beslutsuppgifterna"),
            "crumbs": _lofte_crumbs(access, lofte),
            "intro": _(
                "Uppgifterna hamnar i tjänsteskrivelsen och protokollsutdraget. Diarienumret behövs för att föreslå "
                "medborgarlöftet. Ange vilket organ som föreslog (till exempel arbetsutskottet) och vilket som beslutade "
                "(till exempel kommunstyrelsen), var för sig med sammanträdesdatum och paragraf; det beslutande organets "
                "behövs för att registrera beslutet."
            ),
        },
        form=form,
    )


def _workflow(step: Callable[..., Medborgarlofte], success: str) -> Callable[[HttpRequest, str, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        access, lofte = _editing(request, slug, pk, need=Can.MANAGE)
        return act(
            request,
            lambda: step(access, lofte, actor=request.user),
            success=_(success),
            back=_lofte_url(lofte, "workflow-heading"),
        )

    view.__name__ = step.__name__.removeprefix("do_")
    return view


propose = _workflow(actions.do_propose, gettext_noop("Medborgarlöftet är föreslaget för beslut."))
return_to_draft = _workflow(actions.do_return_to_draft, gettext_noop("Medborgarlöftet är ett utkast igen."))
decide = _workflow(actions.do_decide, gettext_noop("Beslutet är registrerat. Medborgarlöftets text är nu låst."))
publish = _workflow(actions.do_publish, gettext_noop("Medborgarlöftet är publicerat."))


@login_required
def decision_document(request: HttpRequest, slug: str, pk: int, kind: str) -> HttpResponse:
    """The tjänsteskrivelse or the protokollsutdrag as Word, for members."""
    if kind not in documents.KINDS:
        raise Http404("No such document")
    access, lofte = _viewing(request, slug, pk)
    decision = queries.decision_of(lofte)
    if kind == documents.PROTOKOLLSUTDRAG and documents.extract_meeting(decision) is None:
        messages.error(request, _("Ange sammanträdesdatum och paragraf för förslaget eller beslutet först."))
        return redirect(_lofte_url(lofte, "decision-heading"))
    data = documents.render(kind, documents.gather(lofte, access.partnership))
    return attachment(data, DOCX, f"{kind}-{slugify(lofte.title) or lofte.pk}.docx")
