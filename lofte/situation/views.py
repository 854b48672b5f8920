"""The lägesbild dashboard of an area: key figures with their verdicts, series over time, police events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.lib.tables import to_csv, to_xlsx
from lofte.partnerships.access import Can, can_anywhere
from lofte.situation import charts, queries
from lofte.situation.analysis import events as patterns
from lofte.situation.forms import (
    DashboardChoice,
    DashboardForm,
)
from lofte.statistics.models import Metric

EVENT_DAYS = 365
TOP_TYPES = 12
WEEKDAYS = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"]
TABLES = ("nyckeltal", "serier", "handelser")


def _area_for(request: HttpRequest, code: str) -> Area:
    if not can_anywhere(request.user, Can.VIEW):
        raise PermissionDenied
    area = queries.get_area(code)
    if area is None:
        raise Http404("No such area")
    return area


def _filters(request: HttpRequest, area: Area) -> tuple[DashboardForm, DashboardChoice | None]:
    years = queries.years_with_data(area)
    metrics = list(
        Metric.objects.filter(series__area=area, series__observations__period_kind="year")
        .distinct()
        .order_by("code")
        .values_list("code", "name")
    )
    form = DashboardForm(request.GET or None, years=years, metrics=metrics)
    return form, form.choice()


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_for(request, code)
    form, choice = _filters(request, area)
    context: dict[str, Any] = {"area": area, "form": form, "choice": choice, "tables": TABLES}
    if choice is not None:
        series = queries.yearly_series(area, choice.start, choice.year, choice.metrics)
        trends = {s.code: queries.series_trend(s) for s in series}
        context["summary"] = [(row, trends.get(row.metric)) for row in _summary(area, choice)]
        context["series"] = [(s, _line(s)) for s in series]
    context.update(_events(area))
    return render(request, "situation/dashboard.html", context)


def _summary(area: Area, choice: DashboardChoice) -> list[queries.MetricSummary]:
    rows = queries.area_summary(area, choice.year, choice.base)
    return [row for row in rows if not choice.metrics or row.metric in choice.metrics]


def _svg(markup: str) -> SafeString:
    """lofte.situation.charts escapes every text it writes into the SVG."""
    return mark_safe(markup)  # noqa: S308


def _line(series: queries.MetricSeries) -> SafeString:
    points = [(str(p.year), p.value, p.preliminary) for p in series.points]
    return _svg(
        charts.line_chart(
            [charts.ChartSeries(series.name, points)],
            title=series.name,
            unit=series.unit.replace("_", " "),
            description=f"{series.attribution}. " + _("Värdena finns i tabellen under diagrammet."),
        )
    )


def _events(area: Area) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=EVENT_DAYS)
    events = queries.police_events(area, since)
    if not events:
        return {"events": []}
    by_type = patterns.counts_by_type(events)
    matrix = patterns.weekday_hour_matrix(events)
    return {
        "events": events,
        "event_types": by_type,
        "types_chart": _svg(
            charts.bar_chart(
                [(c.key, float(c.count)) for c in by_type[:TOP_TYPES]],
                title=_("Händelser per typ"),
                unit=_("händelser"),
            )
        ),
        "heatmap": _svg(
            charts.heatmap(
                matrix,
                rows=WEEKDAYS,
                columns=[f"{h:02d}" for h in range(24)],
                title=_("Händelser per veckodag och timme"),
            )
        ),
        "matrix": matrix,
        "repeat_places": patterns.repeat_places(events)[:10],
    }


@login_required
def export(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    """Every table of the dashboard as CSV or Excel, with the same filters."""
    area = _area_for(request, code)
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404("No such table")
    _form, choice = _filters(request, area)
    headers, rows, note = _table(area, table, choice)
    name = f"{slugify(area.name)}-{table}"
    if fmt == "csv":
        response = HttpResponse(to_csv(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            to_xlsx(table, headers, rows, note=note),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _table(area: Area, table: str, choice: DashboardChoice | None) -> tuple[list[str], list[list[Any]], str]:
    if table == "handelser":
        since = timezone.now() - timedelta(days=EVENT_DAYS)
        counts = patterns.counts_by_type(queries.police_events(area, since))
        return [_("typ"), _("antal")], [[c.key, c.count] for c in counts], "Källa: Polisen"
    if choice is None:
        return [], [], ""
    if table == "nyckeltal":
        headers = [_("kod"), _("mått"), _("enhet"), str(choice.year), _("per 100 000"), str(choice.base)]
        headers += [_("förändring"), _("förändring %"), _("p-värde"), _("bedömning"), _("källa")]
        rows = [_summary_row(s) for s in _summary(area, choice)]
        return headers, rows, ""
    series = queries.yearly_series(area, choice.start, choice.year, choice.metrics)
    headers = [_("kod"), _("mått"), _("år"), _("värde"), _("per 100 000"), _("preliminär"), _("status"), _("källa")]
    rows = [
        [s.code, s.name, p.year, p.value, p.per_100k, p.preliminary, p.status, s.attribution]
        for s in series
        for p in s.points
    ]
    return headers, rows, ""


def _summary_row(s: queries.MetricSummary) -> list[Any]:
    figures = [s.value, s.per_100k, s.previous, s.change, s.change_pct, s.p_value]
    return [s.metric, s.name, s.unit, *figures, s.verdict_label, s.attribution]
