"""The weekly lägesbild, the area analysis and the downloads, under /samverkan/<slug>/est/.

Every member reads the week and the analysis (Can.VIEW); reviewers (samordnare, polis) see exact places, everyone
else places generalised to the partnership's grid. Those who may edit (Can.EDIT) write the week's assessment
(`weekly.actions`). The report export is for reviewers only. These views parse, check access, call one query or
action, and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.analysis.est import Period, Week, parse_week
from lofte.areas.models import Area
from lofte.est.access import can_review, progress_organisation_ids
from lofte.est.weekly import area_analysis, exports
from lofte.est.weekly.actions import WeekNoteRefused, do_save_week_note
from lofte.est.weekly.forms import WeekNoteForm
from lofte.est.weekly.queries import WeeklyPicture, get_week_for_user, map_data
from lofte.lib import tables
from lofte.lib.http import attachment
from lofte.lib.views import refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user


def _week_url(slug: str, week: Week) -> str:
    return reverse("est_weekly:week", args=[slug, week.year, week.week])


# The week


@login_required
def week_current(request: HttpRequest, slug: str) -> HttpResponse:
    get_partnership_for_user(request.user, slug)
    return redirect(_week_url(slug, Week.containing(timezone.localdate())))


@login_required
def week(request: HttpRequest, slug: str, year: int, week: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _week_page(request, access, get_week_for_user(access, year, week))


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
        "acting": progress_organisation_ids(request.user, access),
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
        except WeekNoteRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(request, _("Bedömningen är sparad."))
            return redirect(_week_url(slug, found) + "#note-heading")
    return _week_page(request, access, get_week_for_user(access, year, week), note_form=form, status=400)


@login_required
def week_pdf(request: HttpRequest, slug: str, year: int, week: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    picture = get_week_for_user(access, year, week)
    outline = Area.objects.filter(pk=access.partnership.area_id).values_list("geometry", flat=True).first()
    name = f"est-{slug}-{year}-v{week:02d}.pdf"
    return attachment(exports.render_week_pdf(picture, outline), "application/pdf", name)


@login_required
def week_table(request: HttpRequest, slug: str, year: int, week: int, fmt: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    if fmt not in tables.CONTENT_TYPES:
        raise Http404("No such format")
    headers, rows, note = exports.week_table(get_week_for_user(access, year, week))
    content = tables.render(fmt, _("Vecka %(week)s") % {"week": week}, headers, rows, note=note)
    return attachment(content, tables.CONTENT_TYPES[fmt], f"est-{slug}-{year}-v{week:02d}.{fmt}")


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
