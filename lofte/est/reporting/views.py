"""Reporting incidents and following one's own reports, under /samverkan/<slug>/est/.

Members who may report (samordnare, polis, rapportör) file several incidents in one sitting; everything goes
through `reporting.actions.do_report_incidents`, all or nothing. A reporter follows their reports and the status notes
they get back; who may open one report, its photo (full size or as a thumbnail) and see its reporter is decided
by `est/access.py`; a photo is sent as `private`, so no shared cache keeps it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from lofte.est import photos
from lofte.est.access import can_review, shows_reporter
from lofte.est.intake import IncidentRefused
from lofte.est.models import Incident
from lofte.est.reporting.actions import do_report_incidents
from lofte.est.reporting.forms import (
    MAX_INCIDENTS,
    BaseIncidentFormSet,
    IncidentForm,
    IncidentFormSet,
    ReportChoices,
)
from lofte.est.reporting.queries import get_incident_for_user, own_reports
from lofte.lib.views import refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user

PER_PAGE = 25
R = TypeVar("R", HttpResponse, FileResponse)


# Reporting


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    choices = ReportChoices.for_partnership(access.partnership)
    if request.method != "POST":
        return _report_page(request, access, IncidentFormSet(form_kwargs={"choices": choices}))
    if "add" in request.POST:
        return _report_page(request, access, _with_one_more(request, choices))
    formset = IncidentFormSet(request.POST, request.FILES, form_kwargs={"choices": choices})
    if formset.is_valid():
        filled = formset.filled()
        try:
            incidents = do_report_incidents(access, [form.as_input() for form in filled], actor=request.user)
        except IncidentRefused as refusal:
            _place(filled, refusal)
        else:
            count = len(incidents)
            messages.success(
                request,
                ngettext("%(count)s händelse rapporterad.", "%(count)s händelser rapporterade.", count)
                % {"count": count},
            )
            return redirect("est_reporting:mine", slug=slug)
    return _report_page(request, access, formset, status=400)


def _with_one_more(request: HttpRequest, choices: ReportChoices) -> BaseIncidentFormSet:
    """The same forms again, unvalidated and keeping what was typed, and one more (the no-script way to add)."""
    posted = IncidentFormSet(request.POST, request.FILES, form_kwargs={"choices": choices})
    if not posted.management_form.is_valid():
        return IncidentFormSet(form_kwargs={"choices": choices})
    initial = [form.typed() for form in posted.forms[: MAX_INCIDENTS - 1]]
    return IncidentFormSet(initial=[*initial, {}], form_kwargs={"choices": choices})


def _place(filled: list[IncidentForm], refusal: IncidentRefused) -> None:
    """Show the action's refusal on the field and form it concerns."""
    refuse_on(filled[refusal.index] if 0 <= refusal.index < len(filled) else filled[0], refusal)


def _report_page(
    request: HttpRequest,
    access: PartnershipAccess,
    formset: BaseIncidentFormSet,
    *,
    status: int = 200,
) -> HttpResponse:
    partnership = access.partnership
    context = {
        "access": access,
        "partnership": partnership,
        "formset": formset,
        # A browser never sends a file twice: a photo chosen before the page came back must be chosen again.
        "photos_lost": bool(request.FILES),
        "failed": [number for number, form in enumerate(formset.forms, 1) if form.is_bound and form.errors],
        "may_add": formset.total_form_count() < MAX_INCIDENTS,
        "max_incidents": MAX_INCIDENTS,
        **_map_context(access),
    }
    return render(request, "est/report.html", context, status=status)


def _map_context(access: PartnershipAccess) -> dict[str, Any]:
    kommun = access.partnership.area
    return {
        "geojson_url": reverse("api-1.0.0:get_geojson", args=[kommun.code]),
        "centre": (kommun.centroid_lat, kommun.centroid_lng),
        "tiles_url": settings.LOFTE_MAP_TILES_URL,
        "tiles_attribution": settings.LOFTE_MAP_TILES_ATTRIBUTION,
    }


# The reporter's own reports


@login_required
@require_safe
def mine(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.REPORT)
    page = Paginator(own_reports(request.user, access), PER_PAGE).get_page(request.GET.get("sida"))
    context = {"access": access, "partnership": access.partnership, "page": page, "incidents": list(page)}
    return render(request, "est/mine.html", context)


# One report


def _get_incident(request: HttpRequest, slug: str, pk: int) -> tuple[PartnershipAccess, Incident]:
    access = get_partnership_for_user(request.user, slug)
    return access, get_incident_for_user(request.user, access, pk)


@login_required
@require_safe
def incident_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, incident = _get_incident(request, slug, pk)
    updates = incident.updates.select_related("organisation").order_by("created_at", "id")
    context = {
        "access": access,
        "partnership": access.partnership,
        "incident": incident,
        "updates": list(updates),
        "show_reporter": shows_reporter(request.user, access, incident),
        "may_report": access.can(Can.REPORT),
        "review_url": _review_url(access, incident) if can_review(access) else "",
        **_map_context(access),
    }
    return render(request, "est/incident_detail.html", context)


def _review_url(access: PartnershipAccess, incident: Incident) -> str:
    try:
        return reverse("est_review:review_detail", args=[access.partnership.slug, incident.pk])
    except NoReverseMatch:
        return ""


def _photo_file(request: HttpRequest, slug: str, pk: int) -> tuple[Incident, File[bytes], str]:
    """The report's stored photo, opened, with its image type, for those who may read the report (404 for everyone
    else, and for a report without a photo or a stored file that is not an image)."""
    _access, incident = _get_incident(request, slug, pk)
    if not incident.photo:
        raise Http404("The report has no photo")
    try:
        handle = incident.photo.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("The photo is missing") from missing
    kind = photos.content_type(handle.read(16))
    if kind is None:
        handle.close()
        raise Http404("The stored file is not an image")
    handle.seek(0)
    return incident, handle, kind


def _private(response: R, filename: str) -> R:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The photo is as confidential as the report: a shared cache (a proxy) must never keep it.
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def incident_photo(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    incident, handle, kind = _photo_file(request, slug, pk)
    extension = kind.removeprefix("image/").replace("jpeg", "jpg")
    return _private(FileResponse(handle, content_type=kind), f"rapport-{incident.pk}.{extension}")


@login_required
@require_safe
def incident_photo_thumbnail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    incident, handle, _kind = _photo_file(request, slug, pk)
    try:
        with handle:
            small = photos.thumbnail(handle.read())
    except OSError as broken:  # a stored file cut short: no thumbnail rather than an error page
        raise Http404("The photo cannot be read") from broken
    return _private(HttpResponse(small, content_type="image/jpeg"), f"rapport-{incident.pk}-liten.jpg")
