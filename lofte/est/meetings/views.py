"""The EST meetings and the actions they decide, under /samverkan/<slug>/est/moten/ and /atgarder/.

Every member reads the meetings (Can.VIEW), each with its week's lägesbild at the generalised level. Those who
may edit (Can.EDIT) hold the meetings and decide and follow up actions; the organisation an action is assigned to
reports how it goes. Each change goes through `meetings.actions`; these views parse, check access, call one
action and redirect, or show the form again beside the refusal.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.analysis.est import Week
from lofte.est.access import acting_organisation_ids, progress_organisation_ids
from lofte.est.meetings.actions import (
    ASSIGNED_MAY_SET,
    MeasurePlace,
    MeetingRefused,
    do_create_measure,
    do_create_meeting,
    do_report_measure_progress,
    do_update_measure,
    do_update_meeting,
)
from lofte.est.meetings.forms import MeasureForm, MeasureProgressForm, MeasureUpdateForm, MeetingForm
from lofte.est.meetings.queries import carried_measures, decided_measures, get_measure, get_meeting, meetings_of
from lofte.est.models import Measure, Meeting
from lofte.est.weekly.queries import get_week_for_user
from lofte.lib.views import form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

Crumbs = list[tuple[str, str]]


def _meeting_url(meeting: Meeting, slug: str) -> str:
    return reverse("est_meetings:meeting", args=[slug, meeting.pk])


# Meetings


def _meeting_crumbs(slug: str) -> Crumbs:
    return [(reverse("est_meetings:meetings", args=[slug]), _("EST-möten"))]


def _page(
    access: PartnershipAccess, *, title: str, action: str, submit: str, crumbs: Crumbs, intro: str = ""
) -> dict[str, Any]:
    """What est/meeting_form.html shows around its form."""
    return {
        "access": access,
        "partnership": access.partnership,
        "title": title,
        "action": action,
        "submit": submit,
        "crumbs": crumbs,
        "intro": intro,
    }


@login_required
def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    context = {
        "access": access,
        "partnership": access.partnership,
        "meetings": list(meetings_of(access)),
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
                refuse_on(form, refused)
            else:
                messages.success(request, _("Mötet är sparat."))
                return redirect(_meeting_url(meeting, slug))
    else:
        initial = MeetingForm.defaults()
        for field, name in (("iso_year", "ar"), ("iso_week", "vecka")):
            if request.GET.get(name, "").isdigit():
                initial[field] = int(request.GET[name])
        form = MeetingForm(initial=initial)
    return form_page(
        request,
        "est/meeting_form.html",
        _page(
            access,
            title=_("Nytt EST-möte"),
            action=reverse("est_meetings:meeting_create", args=[slug]),
            submit=_("Spara mötet"),
            crumbs=_meeting_crumbs(slug),
            intro=_(
                "Ett möte per vecka. Förvalt är den senaste hela veckan (måndag till söndag), eftersom veckan som pågår "
                "ännu saknar dagar. Veckans lägesbild visas på mötets sida, och åtgärder läggs till där."
            ),
        ),
        form=form,
    )


@login_required
def meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    found = get_meeting(access, pk)
    context = {
        "access": access,
        "partnership": access.partnership,
        "meeting": found,
        "week": Week(found.iso_year, found.iso_week),
        "picture": get_week_for_user(access, found.iso_year, found.iso_week, precise=False),
        "decided": list(decided_measures(found)),
        "carried": list(carried_measures(access, found)),
        "today": timezone.localdate(),
        "acting": progress_organisation_ids(request.user, access),
    }
    return render(request, "est/meeting.html", context)


@login_required
def meeting_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    found = get_meeting(access, pk)
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                do_update_meeting(access, found, actor=request.user, **_meeting_fields(form.cleaned_data))
            except MeetingRefused as refused:
                refuse_on(form, refused)
            else:
                messages.success(request, _("Mötet är sparat."))
                return redirect(_meeting_url(found, slug))
    else:
        fields = ("iso_year", "iso_week", "held_on", "participants", "notes")
        form = MeetingForm(initial={name: getattr(found, name) for name in fields})
    return form_page(
        request,
        "est/meeting_form.html",
        _page(
            access,
            title=_("Ändra mötet vecka %(week)s %(year)s") % {"week": found.iso_week, "year": found.iso_year},
            action=reverse("est_meetings:meeting_update", args=[slug, pk]),
            submit=_("Spara mötet"),
            crumbs=[*_meeting_crumbs(slug), (_meeting_url(found, slug), str(found))],
        ),
        form=form,
    )


# Actions


@login_required
def measure_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    found = get_meeting(access, pk)
    if request.method == "POST":
        form = MeasureForm(request.POST, partnership=access.partnership)
        if form.is_valid():
            data = form.cleaned_data
            place = MeasurePlace(data["place_name"], data["latitude"], data["longitude"], data["area"])
            try:
                do_create_measure(
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
                refuse_on(form, refused)
            else:
                messages.success(request, _("Åtgärden är beslutad."))
                return redirect(_meeting_url(found, slug) + "#decided-heading")
    else:
        initial = {"incidents": request.GET.get("rapporter", "")}
        form = MeasureForm(initial=initial, partnership=access.partnership)
    return form_page(
        request,
        "est/meeting_form.html",
        _page(
            access,
            title=_("Ny åtgärd vid mötet vecka %(week)s") % {"week": found.iso_week},
            action=reverse("est_meetings:action_create", args=[slug, pk]),
            submit=_("Besluta åtgärden"),
            crumbs=[*_meeting_crumbs(slug), (_meeting_url(found, slug), str(found))],
            intro=_("Platsen kan anges med namn, med en punkt (latitud och longitud) och med ett område."),
        ),
        form=form,
    )


@login_required
def measure_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The meeting's editors follow an action up; the organisation it is assigned to reports how it goes."""
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    action = get_measure(access, pk)
    if not access.can_edit:
        return _measure_progress(request, access, action)
    if request.method == "POST":
        form = MeasureUpdateForm(request.POST)
        if form.is_valid():
            try:
                do_update_measure(access, action, actor=request.user, **form.cleaned_data)
            except MeetingRefused as refused:
                refuse_on(form, refused)
            else:
                messages.success(request, _("Åtgärden är uppdaterad."))
                return redirect(_meeting_url(action.meeting, slug) + f"#action-{action.pk}")
    else:
        fields = ("status", "due_on", "outcome", "done_on")
        form = MeasureUpdateForm(initial={name: getattr(action, name) for name in fields})
    return form_page(
        request,
        "est/meeting_form.html",
        _page(
            access,
            title=_("Följ upp åtgärden"),
            action=reverse("est_meetings:action_update", args=[slug, pk]),
            submit=_("Spara"),
            crumbs=[*_meeting_crumbs(slug), (_meeting_url(action.meeting, slug), str(action.meeting))],
            intro=action.what,
        ),
        form=form,
    )


def _measure_progress(request: HttpRequest, access: PartnershipAccess, action: Measure) -> HttpResponse:
    organisation_ids = acting_organisation_ids(request.user, access)
    if action.organisation_id not in organisation_ids:
        raise PermissionDenied
    slug = access.partnership.slug
    if request.method == "POST":
        form = MeasureProgressForm(request.POST)
        if form.is_valid():
            try:
                do_report_measure_progress(
                    access, action, actor=request.user, organisation_ids=organisation_ids, **form.cleaned_data
                )
            except MeetingRefused as refused:
                refuse_on(form, refused)
            else:
                messages.success(request, _("Tack! Åtgärdens status är sparad."))
                return redirect(_meeting_url(action.meeting, slug) + f"#action-{action.pk}")
    else:
        status = action.status if action.status in ASSIGNED_MAY_SET else Measure.Status.PAGAR
        form = MeasureProgressForm(initial={"status": status, "outcome": action.outcome, "done_on": action.done_on})
    intro = action.what
    if action.due_on:
        intro = _("%(what)s (klart senast %(date)s)") % {"what": action.what, "date": action.due_on.isoformat()}
    return form_page(
        request,
        "est/meeting_form.html",
        _page(
            access,
            title=_("Rapportera hur åtgärden går"),
            action=reverse("est_meetings:action_update", args=[slug, action.pk]),
            submit=_("Spara"),
            crumbs=[*_meeting_crumbs(slug), (_meeting_url(action.meeting, slug), str(action.meeting))],
            intro=intro,
        ),
        form=form,
    )
