"""The weekly lägesbild, the EST meetings and their actions, the area analysis and the downloads.

Every member reads the week, the meetings and the analysis (Can.VIEW); reviewers (samordnare, polis) see exact
places, everyone else places generalised to the partnership's grid. Those who may edit (Can.EDIT) hold the
meetings, decide and follow up actions and write the week's assessment, each through `est/meetings.py`.
The report export is for reviewers only. These views parse, check access, call one query or action, and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.analysis.est import Period, Week, parse_week
from lofte.areas.models import Area
from lofte.est import area_analysis, exports
from lofte.est.access import acting_organisation_ids, can_review
from lofte.est.meeting_forms import ActionForm, ActionProgressForm, ActionUpdateForm, MeetingForm, WeekNoteForm
from lofte.est.meetings import (
    ASSIGNED_MAY_SET,
    ActionPlace,
    MeetingRefused,
    do_create_action,
    do_create_meeting,
    do_report_action_progress,
    do_save_week_note,
    do_update_action,
    do_update_meeting,
)
from lofte.est.models import Action, Incident, Meeting
from lofte.est.weekly import WeeklyPicture, compile_week, map_data
from lofte.lib import tables
from lofte.lib.http import attachment
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

Crumbs = list[tuple[str, str]]


def _week_url(slug: str, week: Week) -> str:
    return reverse("partnerships:est:week", args=[slug, week.year, week.week])


def _meeting_url(meeting: Meeting, slug: str) -> str:
    return reverse("partnerships:est:meeting", args=[slug, meeting.pk])


def _refuse_on(form: forms.BaseForm, refused: MeetingRefused) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, str(refused))


# The week


def _compiled(access: PartnershipAccess, year: int, week: int, *, precise: bool | None = None) -> WeeklyPicture:
    exact = can_review(access) if precise is None else precise
    try:
        return compile_week(access.partnership, year, week, precise=exact)
    except ValueError:
        raise Http404("No such week") from None


@login_required
def week_current(request: HttpRequest, slug: str) -> HttpResponse:
    get_partnership_for_user(request.user, slug)
    return redirect(_week_url(slug, Week.containing(timezone.localdate())))


@login_required
def week(request: HttpRequest, slug: str, year: int, week: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _week_page(request, access, _compiled(access, year, week))


def _week_page(
    request: HttpRequest,
    access: PartnershipAccess,
    picture: WeeklyPicture,
    note_form: WeekNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    current = Week.containing(timezone.localdate())
    if access.can_edit and note_form is None:
        note_form = WeekNoteForm(initial={"text": picture.note.text if picture.note else ""})
    context = {
        "access": access,
        "partnership": access.partnership,
        "picture": picture,
        "previous": picture.week.shifted(-1),
        "next": picture.week.shifted(1) if picture.week < current else None,
        "current": current,
        "map_data": map_data(picture),
        "note_form": note_form,
        "today": timezone.localdate(),
        "acting": _acting(request, access),
        "tiles_url": settings.LOFTE_MAP_TILES_URL,
        "tiles_attribution": settings.LOFTE_MAP_TILES_ATTRIBUTION,
    }
    return render(request, "est/week.html", context, status=status)


@login_required
@require_POST
def week_note(request: HttpRequest, slug: str, year: int, week: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    found = parse_week(year, week)
    if found is None:
        raise Http404("No such week")
    form = WeekNoteForm(request.POST)
    if form.is_valid():
        try:
            do_save_week_note(access, actor=request.user, iso_year=year, iso_week=week, text=form.cleaned_data["text"])
        except MeetingRefused as refused:
            form.add_error("text", str(refused))
        else:
            messages.success(request, _("Bedömningen är sparad."))
            return redirect(_week_url(slug, found) + "#note-heading")
    return _week_page(request, access, _compiled(access, year, week), note_form=form, status=400)


@login_required
def week_pdf(request: HttpRequest, slug: str, year: int, week: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    picture = _compiled(access, year, week)
    outline = Area.objects.filter(pk=access.partnership.area_id).values_list("geometry", flat=True).first()
    name = f"est-{slug}-{year}-v{week:02d}.pdf"
    return attachment(exports.render_week_pdf(picture, outline), "application/pdf", name)


@login_required
def week_table(request: HttpRequest, slug: str, year: int, week: int, fmt: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    if fmt not in tables.CONTENT_TYPES:
        raise Http404("No such format")
    headers, rows, note = exports.week_table(_compiled(access, year, week))
    content = tables.render(fmt, _("Vecka %(week)s") % {"week": week}, headers, rows, note=note)
    return attachment(content, tables.CONTENT_TYPES[fmt], f"est-{slug}-{year}-v{week:02d}.{fmt}")


# Meetings


def _meeting_crumbs(slug: str) -> Crumbs:
    return [(reverse("partnerships:est:meetings", args=[slug]), _("EST-möten"))]


def _form_page(
    request: HttpRequest,
    access: PartnershipAccess,
    *,
    title: str,
    form: forms.BaseForm,
    action: str,
    submit: str,
    crumbs: Crumbs,
    intro: str = "",
) -> HttpResponse:
    context = {
        "access": access,
        "partnership": access.partnership,
        "title": title,
        "form": form,
        "action": action,
        "submit": submit,
        "crumbs": crumbs,
        "intro": intro,
    }
    return render(request, "est/meeting_form.html", context, status=400 if form.is_bound else 200)


@login_required
def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    found = (
        Meeting.objects.filter(partnership=access.partnership)
        .annotate(
            action_count=Count("actions"),
            open_count=Count("actions", filter=Q(actions__status__in=Action.OPEN)),
        )
        .order_by("-iso_year", "-iso_week")
    )
    context = {
        "access": access,
        "partnership": access.partnership,
        "meetings": list(found),
        "current": Week.containing(timezone.localdate()),
    }
    return render(request, "est/meetings.html", context)


def _meeting_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in ("iso_year", "iso_week", "held_on", "participants", "notes")}


@login_required
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = do_create_meeting(access, actor=request.user, **_meeting_fields(form.cleaned_data))
            except MeetingRefused as refused:
                _refuse_on(form, refused)
            else:
                messages.success(request, _("Mötet är sparat."))
                return redirect(_meeting_url(meeting, slug))
    else:
        initial = MeetingForm.defaults()
        for field, name in (("iso_year", "ar"), ("iso_week", "vecka")):
            if request.GET.get(name, "").isdigit():
                initial[field] = int(request.GET[name])
        form = MeetingForm(initial=initial)
    return _form_page(
        request,
        access,
        title=_("Nytt EST-möte"),
        form=form,
        action=reverse("partnerships:est:meeting_create", args=[slug]),
        submit=_("Spara mötet"),
        crumbs=_meeting_crumbs(slug),
        intro=_(
            "Ett möte per vecka. Förvalt är den senaste hela veckan (måndag till söndag), eftersom veckan som pågår "
            "ännu saknar dagar. Veckans lägesbild visas på mötets sida, och åtgärder läggs till där."
        ),
    )


def _get_meeting(access: PartnershipAccess, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting, partnership=access.partnership, pk=pk)
    meeting.partnership = access.partnership
    return meeting


@login_required
def meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    found = _get_meeting(access, pk)
    linked = Prefetch("incidents", queryset=Incident.objects.only("id", "status").order_by("id"))
    decided = (
        found.actions.select_related("organisation", "area")
        .defer("area__geometry")
        .prefetch_related(linked)
        .order_by("id")
    )
    earlier = Q(meeting__iso_year__lt=found.iso_year) | Q(
        meeting__iso_year=found.iso_year, meeting__iso_week__lt=found.iso_week
    )
    carried = (
        Action.objects.filter(earlier, partnership=access.partnership, status__in=Action.OPEN)
        .select_related("meeting", "organisation", "area")
        .defer("area__geometry")
        .prefetch_related(linked)
        .order_by("meeting__iso_year", "meeting__iso_week", "id")
    )
    context = {
        "access": access,
        "partnership": access.partnership,
        "meeting": found,
        "week": Week(found.iso_year, found.iso_week),
        "picture": _compiled(access, found.iso_year, found.iso_week, precise=False),
        "decided": list(decided),
        "carried": list(carried),
        "today": timezone.localdate(),
        "acting": _acting(request, access),
    }
    return render(request, "est/meeting.html", context)


def _acting(request: HttpRequest, access: PartnershipAccess) -> list[int]:
    """The organisations that report progress on the actions assigned to them through this member (none for an
    editor, who follows every action up anyway, or a reader)."""
    if access.can_edit or not access.can(Can.REPORT):
        return []
    return acting_organisation_ids(request.user, access)


@login_required
def meeting_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    found = _get_meeting(access, pk)
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                do_update_meeting(access, found, actor=request.user, **_meeting_fields(form.cleaned_data))
            except MeetingRefused as refused:
                _refuse_on(form, refused)
            else:
                messages.success(request, _("Mötet är sparat."))
                return redirect(_meeting_url(found, slug))
    else:
        fields = ("iso_year", "iso_week", "held_on", "participants", "notes")
        form = MeetingForm(initial={name: getattr(found, name) for name in fields})
    return _form_page(
        request,
        access,
        title=_("Ändra mötet vecka %(week)s %(year)s") % {"week": found.iso_week, "year": found.iso_year},
        form=form,
        action=reverse("partnerships:est:meeting_update", args=[slug, pk]),
        submit=_("Spara mötet"),
        crumbs=[*_meeting_crumbs(slug), (_meeting_url(found, slug), str(found))],
    )


# Actions


@login_required
def action_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    found = _get_meeting(access, pk)
    if request.method == "POST":
        form = ActionForm(request.POST, partnership=access.partnership)
        if form.is_valid():
            data = form.cleaned_data
            place = ActionPlace(data["place_name"], data["latitude"], data["longitude"], data["area"])
            try:
                do_create_action(
                    access,
                    found,
                    actor=request.user,
                    what=data["what"],
                    organisation=data["organisation"],
                    place=place,
                    due_on=data["due_on"],
                    incident_ids=data["incidents"],
                )
            except MeetingRefused as refused:
                _refuse_on(form, refused)
            else:
                messages.success(request, _("Åtgärden är beslutad."))
                return redirect(_meeting_url(found, slug) + "#decided-heading")
    else:
        initial = {"incidents": request.GET.get("rapporter", "")}
        form = ActionForm(initial=initial, partnership=access.partnership)
    return _form_page(
        request,
        access,
        title=_("Ny åtgärd vid mötet vecka %(week)s") % {"week": found.iso_week},
        form=form,
        action=reverse("partnerships:est:action_create", args=[slug, pk]),
        submit=_("Besluta åtgärden"),
        crumbs=[*_meeting_crumbs(slug), (_meeting_url(found, slug), str(found))],
        intro=_("Platsen kan anges med namn, med en punkt (latitud och longitud) och med ett område."),
    )


@login_required
def action_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The meeting's editors follow an action up; the organisation it is assigned to reports how it goes."""
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    action = get_object_or_404(Action.objects.select_related("meeting"), partnership=access.partnership, pk=pk)
    action.partnership = access.partnership
    if not access.can_edit:
        return _action_progress(request, access, action)
    if request.method == "POST":
        form = ActionUpdateForm(request.POST)
        if form.is_valid():
            try:
                do_update_action(access, action, actor=request.user, **form.cleaned_data)
            except MeetingRefused as refused:
                _refuse_on(form, refused)
            else:
                messages.success(request, _("Åtgärden är uppdaterad."))
                return redirect(_meeting_url(action.meeting, slug) + f"#action-{action.pk}")
    else:
        fields = ("status", "due_on", "outcome", "done_on")
        form = ActionUpdateForm(initial={name: getattr(action, name) for name in fields})
    return _form_page(
        request,
        access,
        title=_("Följ upp åtgärden"),
        form=form,
        action=reverse("partnerships:est:action_update", args=[slug, pk]),
        submit=_("Spara"),
        crumbs=[*_meeting_crumbs(slug), (_meeting_url(action.meeting, slug), str(action.meeting))],
        intro=action.what,
    )


def _action_progress(request: HttpRequest, access: PartnershipAccess, action: Action) -> HttpResponse:
    organisation_ids = acting_organisation_ids(request.user, access)
    if action.organisation_id not in organisation_ids:
        raise PermissionDenied
    slug = access.partnership.slug
    if request.method == "POST":
        form = ActionProgressForm(request.POST)
        if form.is_valid():
            try:
                do_report_action_progress(
                    access, action, actor=request.user, organisation_ids=organisation_ids, **form.cleaned_data
                )
            except MeetingRefused as refused:
                _refuse_on(form, refused)
            else:
                messages.success(request, _("Tack! Åtgärdens status är sparad."))
                return redirect(_meeting_url(action.meeting, slug) + f"#action-{action.pk}")
    else:
        status = action.status if action.status in ASSIGNED_MAY_SET else Action.Status.PAGAR
        form = ActionProgressForm(initial={"status": status, "outcome": action.outcome, "done_on": action.done_on})
    intro = action.what
    if action.due_on:
        intro = _("%(what)s (klart senast %(date)s)") % {"what": action.what, "date": action.due_on.isoformat()}
    return _form_page(
        request,
        access,
        title=_("Rapportera hur åtgärden går"),
        form=form,
        action=reverse("partnerships:est:action_update", args=[slug, action.pk]),
        submit=_("Spara"),
        crumbs=[*_meeting_crumbs(slug), (_meeting_url(action.meeting, slug), str(action.meeting))],
        intro=intro,
    )


# Area analysis


@login_required
def analysis(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    today = timezone.localdate()
    text = request.GET.get("period", "").strip()
    context: dict[str, Any] = {"access": access, "partnership": access.partnership, "period_text": text}
    try:
        period = Period.parse(text) if text else Period(today.year)
        result = area_analysis.analyse(access.partnership, period, today=today)
    except ValueError:
        context["error"] = _("Perioden: ange ett år som har börjat, som 2026, eller ett kvartal, som 2026K1.")
        return render(request, "est/analysis.html", context, status=400)
    context |= {
        "result": result,
        "period": period,
        "dates": area_analysis.describe_windows(result),
        "period_text": period.code,
        "today": today,
    }
    return render(request, "est/analysis.html", context)


# Every report, for reviewers


def _day(request: HttpRequest, name: str) -> date | None:
    text = request.GET.get(name, "").strip()
    return date.fromisoformat(text) if text else None


@login_required
def incidents_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if fmt not in tables.CONTENT_TYPES or not can_review(access):
        raise Http404("No such format")
    try:
        since, until = _day(request, "fran"), _day(request, "till")
    except ValueError:
        message = _("Datumen fran och till: skriv dem som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.")
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    rows = exports.incident_rows(access.partnership, since, until)
    content = tables.render(fmt, _("Rapporter"), exports.INCIDENT_COLUMNS, rows)
    return attachment(content, tables.CONTENT_TYPES[fmt], f"est-{slug}-rapporter.{fmt}")
