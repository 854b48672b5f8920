"""Reads for the lägesbild: figures per area with their change and whether it is more than chance.

A year has data for a metric only when it has an Observation row with a value; a year without one is never read as
zero. A count compared with such a year gets the verdict "inga_data" ("ingen jämförelse (inga data)"), and the
trend keeps a missing year's place in time instead of closing the gap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, Func, QuerySet
from django.db.models import Count as Counted

from lofte.analysis.events import SEASONS, STOCKHOLM, Count, PoliceEvent, season_of_month
from lofte.analysis.multiple import BH, correct
from lofte.analysis.rates import difference
from lofte.analysis.significance import PeriodComparison, compare_periods
from lofte.analysis.trend import Trend, poisson_trend
from lofte.analysis.variation import ASSUMED_YEARLY, WINDOW, Dispersion, estimate
from lofte.analysis.verdicts import INGA_DATA, LABELS
from lofte.areas.models import Area
from lofte.statistics.models import Event, Metric, Observation
from lofte.statistics.queries import POPULATION, population_by_year

Row = tuple[str, str, str, str, int, float | None, float | None, bool]  # metric, name, unit, publisher, year, …


@dataclass(frozen=True)
class MetricSummary:
    """One metric of an area in one year against a base year, as the dashboard and the API show it.

    For a count the verdict is the table's: drawn from the p-value adjusted for the number of counts tested
    (Benjamini–Hochberg); `p_value` and `verdict_alone` are the test's own, `p_adjusted` the table's."""

    metric: str
    name: str
    unit: str
    attribution: str
    value: float | None
    per_100k: float | None
    previous: float | None
    previous_per_100k: float | None
    change: float | None
    change_pct: float | None
    p_value: float | None
    verdict: str | None  # counts only: okning, minskning, ingen_saker_forandring, or inga_data without a base value
    verdict_label: str | None
    preliminary: bool = False  # the year's value is preliminary
    previous_preliminary: bool = False
    p_adjusted: float | None = None
    verdict_alone: str | None = None
    ci_low: float | None = None  # the rate ratio's interval (later against earlier), widened for the dispersion
    ci_high: float | None = None
    dispersion: Dispersion | None = None  # the series' own, from its history up to the base year
    comparison: PeriodComparison | None = None

    @property
    def no_comparison(self) -> str:
        """ "ingen jämförelse (inga data)" when the base year has no value, else ""."""
        return LABELS[INGA_DATA] if self.previous is None else ""

    @property
    def verdict_alone_label(self) -> str | None:
        return LABELS[self.verdict_alone] if self.verdict_alone else None


def get_area(code: str) -> Area | None:
    return Area.objects.filter(code=code).defer("geometry").first()


def area_summary(
    area: Area, year: int, base: int | None = None, metrics: list[str] | None = None
) -> list[MetricSummary]:
    """Every metric (of `metrics`, when given) with a yearly value for `year`, compared with `base` (the year
    before by default), in one query for the values and one for the population.

    Counts get the exact test of two Poisson counts calibrated to the series' own year-to-year variation
    (`variation.estimate` over the series' years up to the base year, at most ten), adjusted for population where
    it is known (from befolkning.totalt, else from the rate the publisher gave); other units only their change.
    The counts' tests are one family: their verdicts come from Benjamini–Hochberg adjusted p-values.
    """
    base = year - 1 if base is None else base
    years = {year, *range(base - WINDOW + 1, base + 1)}
    rows = Observation.objects.filter(series__area=area, period_kind="year", period_start__year__in=sorted(years))
    if metrics:
        rows = rows.filter(series__metric__code__in=metrics)
    values = rows.order_by("series__metric__code", "period_start").values_list(
        "series__metric__code",
        "series__metric__name",
        "series__metric__unit",
        "series__metric__publisher",
        "period_start__year",
        "value",
        "per_100k",
        "preliminary",
    )
    by_metric: dict[str, dict[int, Row]] = {}
    for row in values:
        by_metric.setdefault(row[0], {})[row[4]] = row
    population = population_by_year(area.code)
    summaries = [
        _summary(periods, year, base, population)
        for periods in by_metric.values()
        if year in periods and periods[year][5] is not None
    ]
    return _corrected(summaries)


def _summary(periods: dict[int, Row], year: int, base: int, population: dict[int, float]) -> MetricSummary:
    current, earlier = periods[year], periods.get(base)
    code, name, unit, publisher, _year, value, per_100k, preliminary = current
    previous, previous_per_100k = (earlier[5], earlier[6]) if earlier else (None, None)
    change = difference(value, previous)
    is_count = unit == Metric.Unit.ANTAL and code != POPULATION
    comparison = None
    if is_count and whole(value, previous):
        later_exposure, earlier_exposure = _exposures(
            (value, per_100k, population.get(year)), (previous, previous_per_100k, population.get(base))
        )
        comparison = compare_periods(
            previous,
            value,
            earlier_exposure=earlier_exposure,
            later_exposure=later_exposure,
            dispersion=_dispersion(periods, year, base, population),
        )
    return MetricSummary(
        metric=code,
        name=name,
        unit=unit,
        attribution=Metric(publisher=publisher).attribution,
        value=value,
        per_100k=per_100k if per_100k is not None or not is_count else _rate(value, population.get(year)),
        previous=previous,
        previous_per_100k=(
            previous_per_100k
            if previous_per_100k is not None or not is_count
            else _rate(previous, population.get(base))
        ),
        change=change.absolute if change else None,
        change_pct=round(change.percent, 1) if change and change.percent is not None else None,
        p_value=None,
        verdict=None,
        verdict_label=None,
        preliminary=preliminary,
        previous_preliminary=earlier[7] if earlier else False,
        comparison=comparison,
    )


def _dispersion(periods: dict[int, Row], year: int, base: int, population: dict[int, float]) -> Dispersion:
    """The series' dispersion from its years up to the base year (never the year judged), each year's exposure
    from the same source as the test's: recorded populations, else the publisher's rates, else none."""
    years = [y for y in range(base - WINDOW + 1, base + 1) if y != year]
    points = [periods.get(y) for y in years]
    counts = [p[5] if p else None for p in points]
    if not whole(*counts):
        return ASSUMED_YEARLY
    known = [(y, p) for y, p in zip(years, points, strict=True) if p and p[5] is not None]
    found = _exposures(*[(p[5], p[6], population.get(y)) for y, p in known])
    exposures = dict(zip([y for y, _p in known], found, strict=True))
    return estimate(counts, [exposures.get(y) for y in years])


def _corrected(summaries: list[MetricSummary]) -> list[MetricSummary]:
    """The counts' verdicts as one table's: Benjamini–Hochberg over the counts tested."""
    corrected = correct([s.comparison for s in summaries], BH)
    return [s if c is None else _with(s, c) for s, c in zip(summaries, corrected, strict=True)]


def _with(summary: MetricSummary, comparison: PeriodComparison) -> MetricSummary:
    return replace(
        summary,
        comparison=comparison,
        p_value=comparison.p_value,
        p_adjusted=comparison.p_adjusted,
        verdict=comparison.verdict,
        verdict_label=comparison.label,
        verdict_alone=comparison.verdict_alone or comparison.verdict,
        ci_low=comparison.ci_low,
        ci_high=comparison.ci_high,
        dispersion=comparison.dispersion if comparison.has_data else None,
    )


def whole(*values: float | None) -> bool:
    """Whether the values can be counts for the tests of counts: the import refuses a decimal in a count, but a
    value stored before it did, or written by hand, leaves the series without a test rather than the page broken."""
    return all(value is None or float(value).is_integer() for value in values)


def _exposures(*years: tuple[float | None, float | None, float | None]) -> tuple[float, ...]:
    """The populations behind the counts, from one source for both years: as recorded, else as the
    publisher's rates imply, else equal (the plain comparison of the counts)."""
    recorded = [population for _count, _rate, population in years]
    if all(recorded):
        return tuple(float(p) for p in recorded if p)
    implied = [count * 100_000 / rate if count and rate else None for count, rate, _p in years]
    if all(implied):
        return tuple(float(p) for p in implied if p)
    return tuple(1.0 for _year in years)


def _rate(count: float | None, population: float | None) -> float | None:
    if count is None or not population:
        return None
    return round(count * 100_000 / population, 1)


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float | None
    per_100k: float | None
    preliminary: bool
    status: str


@dataclass(frozen=True)
class MetricSeries:
    code: str
    name: str
    unit: str
    attribution: str
    points: list[YearValue]


def yearly_series(area: Area, year_from: int, year_to: int, metrics: list[str] | None = None) -> list[MetricSeries]:
    """The area's yearly values per metric, oldest first, in one query."""
    rows = Observation.objects.filter(
        series__area=area, period_kind="year", period_start__year__gte=year_from, period_start__year__lte=year_to
    )
    if metrics:
        rows = rows.filter(series__metric__code__in=metrics)
    values = rows.order_by("series__metric__code", "period_start").values_list(
        "series__metric__code",
        "series__metric__name",
        "series__metric__unit",
        "series__metric__publisher",
        "period_start__year",
        "value",
        "per_100k",
        "preliminary",
        "status",
    )
    series: dict[str, MetricSeries] = {}
    for code, name, unit, publisher, year, value, per_100k, preliminary, status in values:
        if code not in series:
            series[code] = MetricSeries(code, name, unit, Metric(publisher=publisher).attribution, [])
        series[code].points.append(YearValue(year, value, per_100k, preliminary, status))
    return list(series.values())


def years_with_data(area: Area) -> list[int]:
    years = (
        Observation.objects.filter(series__area=area, period_kind="year")
        .order_by("-period_start__year")
        .values_list("period_start__year", flat=True)
        .distinct()
    )
    return list(years)


def police_events(area: Area, since: datetime) -> list[PoliceEvent]:
    rows = Event.objects.filter(area=area, occurred_at__gte=since).values_list(
        "occurred_at", "type", "location_name", "lat", "lng"
    )
    return [PoliceEvent(*row) for row in rows]


class UtcHour(Func):
    """The UTC hour of an aware datetime as text, "YYYY-MM-DD HH", computed by the database itself.

    Django's date functions convert every row to local time in Python on SQLite, which for a year of events costs
    seconds; grouping by the UTC hour first leaves at most 8 784 groups to convert.
    """

    output_field = CharField()
    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite holds Django's aware datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 13)", **extra)


@dataclass(frozen=True)
class EventPatterns:
    """Polisen's events of an area counted as lofte.analysis.events counts them, but by the database:
    a hundred thousand events need not become a hundred thousand Python objects."""

    total: int
    by_type: list[Count]
    matrix: tuple[tuple[int, ...], ...]  # 7 weekdays (Monday first) × 24 hours, Stockholm time
    months: list[Count]  # "YYYY-MM", oldest first, months without events absent
    seasons: list[Count]  # vinter, var, sommar, host
    repeat_places: list[Count]
    coordinates: list[tuple[float | None, float | None]]  # each distinct coordinate once …
    weights: list[int]  # … with its number of events


def event_patterns(area: Area, since: datetime) -> EventPatterns:
    """Four grouped queries, whatever the number of events."""
    events = Event.objects.filter(area=area, occurred_at__gte=since).order_by()
    by_type = _most_common(_counted(events, "type"))
    cells, months, seasons = Counter[tuple[int, int]](), Counter[str](), Counter[str]()
    hours = events.annotate(hour=UtcHour("occurred_at")).values("hour").annotate(n=Counted("id"))
    for hour, n in hours.values_list("hour", "n"):
        # Sweden's offset from UTC is whole hours, so the UTC hour decides the local weekday, hour and month.
        local = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(STOCKHOLM)
        cells[(local.weekday(), local.hour)] += n
        months[f"{local:%Y-%m}"] += n
        seasons[season_of_month(local.month)] += n
    places = _counted(events.exclude(location_name=""), "location_name")
    located = list(events.values("lat", "lng").annotate(n=Counted("id")).values_list("lat", "lng", "n"))
    return EventPatterns(
        total=sum(count.count for count in by_type),
        by_type=by_type,
        matrix=tuple(tuple(cells[(day, hour)] for hour in range(24)) for day in range(7)),
        months=[Count(month, months[month]) for month in sorted(months)],
        seasons=[Count(season, seasons[season]) for season in SEASONS],
        repeat_places=[place for place in _most_common(places) if place.key and place.count >= 2],
        coordinates=[(lat, lng) for lat, lng, _n in located],
        weights=[n for _lat, _lng, n in located],
    )


def _counted(events: QuerySet[Event], field: str) -> Counter[str]:
    counted = Counter[str]()
    for key, n in events.values(field).annotate(n=Counted("id")).values_list(field, "n"):
        counted[key.strip() if isinstance(key, str) else key] += n
    return counted


def _most_common(counter: Counter[str]) -> list[Count]:
    return [Count(key, n) for key, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]


def series_trend(series: MetricSeries) -> Trend | None:
    """The yearly trend of a count over the series' years, per inhabitant where the publisher's rates say how
    many lived there; None for other units and for fewer than five years."""
    if series.unit != Metric.Unit.ANTAL or series.code == POPULATION:
        return None
    points = [point for _year, point in by_year(series)]
    counts = [p.value if p else None for p in points]
    if not whole(*counts):
        return None
    implied = [p.value * 100_000 / p.per_100k if p and p.value and p.per_100k else None for p in points]
    present = [rate for rate, p in zip(implied, points, strict=True) if p is not None and p.value is not None]
    return poisson_trend(counts, implied if present and all(present) else None)


def by_year(series: MetricSeries) -> list[tuple[int, YearValue | None]]:
    """Every year from the series' first to its last with its point, None for a year without one, so a gap keeps
    its place in time (in the trend and the chart) rather than closing up."""
    found = {p.year: p for p in series.points}
    if not found:
        return []
    return [(year, found.get(year)) for year in range(min(found), max(found) + 1)]
