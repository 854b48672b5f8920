"""The lägesbild benchmark: the dashboard, its hot spots and exports, and the lägesbild documents at a kommun's scale.

The data is generated, never real: with a fixed seed, written through the ORM with bulk_create (never through the
web), on top of the demo. One kommun (Mjölby, 0586) gets `years` years × `metrics` count metrics of yearly
observations, its population (befolkning.totalt) for each of those years so that rates are computed, and `events`
police events over the last 365 days, of Polisen's usual types, at `places` places around the kommun's centre.
Everything generated is tied to one ImportRun (format "bench"), and removed again by `remove()`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benchmarks.harness import Timing, count_queries, time_calls
from lofte.accounts.models import User
from lofte.analysis.hotspots import find_hotspots
from lofte.areas.models import Area
from lofte.situation.models import Lagesbild
from lofte.statistics.models import Event, ImportRun, Metric, Observation, Series
from lofte.statistics.queries import POPULATION

KOMMUN = "0586"  # Mjölby, as in the demo
PARTNERSHIP = "mjolby"
USER = "samordnare@mjolby.example"  # the demo's samordnare, who may view the dashboard and the lägesbild
SEED = 2026
LAST_YEAR = 2025  # the demo's latest year, so the generated series end with the real ones
EVENT_DAYS = 364  # within the dashboard's 365 days, with a day to spare while the benchmark runs
HOTSPOT_CELL_M = 500.0  # as the dashboard
METRIC_PREFIX = "bench."
EVENT_PREFIX = "bench-"
RUN_FORMAT = "bench"
# Polisen's event types, the common ones first; drawn with falling weights.
EVENT_TYPES = (
    "Trafikolycka",
    "Stöld",
    "Misshandel",
    "Skadegörelse",
    "Narkotikabrott",
    "Trafikbrott",
    "Bedrägeri",
    "Rattfylleri",
    "Inbrott",
    "Brand",
    "Olaga hot",
    "Ofredande/förargelse",
    "Fylleri/LOB",
    "Stöld/inbrott",
    "Kontroll person/fordon",
    "Våld/hot mot tjänsteman",
    "Försvunnen person",
    "Rån",
    "Motorfordon, anträffat stulet",
    "Larm inbrott",
)


@dataclass(frozen=True)
class Size:
    years: int = 30
    metrics: int = 40
    events: int = 100_000
    places: int = 300

    @property
    def observations(self) -> int:
        """The generated count observations, the population's not included."""
        return self.years * self.metrics


@dataclass(frozen=True)
class Result:
    size: Size
    repeat: int
    document_repeat: int
    timings: list[Timing]


def _generated_runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(format=RUN_FORMAT)


def remove() -> None:
    """Delete everything `generate` wrote: the events, the observations, the generated metrics and their series."""
    runs = _generated_runs()
    Event.objects.filter(import_run__in=runs).delete()
    Observation.objects.filter(import_run__in=runs).delete()
    Metric.objects.filter(code__startswith=METRIC_PREFIX).delete()  # their series cascade
    runs.delete()


def generate(size: Size, *, code: str = KOMMUN, seed: int = SEED) -> tuple[int, int]:
    """Write the generated statistics and events for the kommun `code`; return (observations, events) written."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    area = Area.objects.defer("geometry").get(code=code)
    remove()
    with transaction.atomic():
        run = ImportRun.objects.create(
            file_name="make bench: genererad lägesbild",
            sha256="0" * 64,
            format=RUN_FORMAT,
            publisher="other",
            actor_label="make bench",
            status=ImportRun.Status.DONE,
            finished_at=timezone.now(),
        )
        observations = _generate_statistics(rng, area, run, size)
        events = _generate_events(rng, area, run, size)
        run.created = run.rows_read = observations + events
        run.save(update_fields=["created", "rows_read"])
    return observations, events


def _generate_statistics(rng: random.Random, area: Area, run: ImportRun, size: Size) -> int:
    years = range(LAST_YEAR - size.years + 1, LAST_YEAR + 1)
    Metric.objects.bulk_create(
        Metric(
            code=f"{METRIC_PREFIX}kategori_{i:02d}",
            name=f"Genererad kategori {i:02d}",
            unit=Metric.Unit.ANTAL,
            publisher="other",
            description="Genererad av make bench; inga verkliga uppgifter.",
        )
        for i in range(1, size.metrics + 1)
    )
    population, _created = Metric.objects.get_or_create(
        code=POPULATION,
        defaults={"name": "Folkmängd", "unit": Metric.Unit.ANTAL, "publisher": "scb", "lower_is_better": False},
    )
    metrics = list(Metric.objects.filter(code__startswith=METRIC_PREFIX).order_by("code"))
    Series.objects.bulk_create([Series(metric=m, area=area) for m in [*metrics, population]], ignore_conflicts=True)
    series = dict(Series.objects.filter(area=area, metric__in=[*metrics, population]).values_list("metric_id", "pk"))
    # The demo has the real population of the latest year; that one is kept.
    taken = set(Observation.objects.filter(series_id=series[population.pk]).values_list("period", flat=True))

    def observation(metric: Metric, year: int, value: float) -> Observation:
        return Observation(
            series_id=series[metric.pk],
            period=str(year),
            period_kind="year",
            period_start=date(year, 1, 1),
            value=value,
            import_run=run,
        )

    rows = [
        observation(population, year, round(26_000 * 1.004 ** (year - years[0]) + rng.gauss(0, 150)))
        for year in years
        if str(year) not in taken
    ]
    for metric in metrics:
        level, trend = rng.uniform(10, 1_500), rng.uniform(-0.04, 0.04)
        rows += [
            observation(metric, year, max(0, round(level * (1 + trend) ** i * rng.gauss(1, 0.1))))
            for i, year in enumerate(years)
        ]
    Observation.objects.bulk_create(rows, batch_size=1_000)
    return len(rows)


def _generate_events(rng: random.Random, area: Area, run: ImportRun, size: Size) -> int:
    if area.centroid_lat is None or area.centroid_lng is None:
        raise RuntimeError(f"area {area.code} has no centroid to place events around")
    lat, lng = area.centroid_lat, area.centroid_lng
    west, south, east, north = area.bbox or (lng - 0.25, lat - 0.15, lng + 0.25, lat + 0.15)
    spread_lat, spread_lng = (north - south) / 6, (east - west) / 6
    places = [
        (
            f"{area.name}, plats {i:03d}",
            round(min(max(rng.gauss(lat, spread_lat), south), north), 5),
            round(min(max(rng.gauss(lng, spread_lng), west), east), 5),
        )
        for i in range(1, size.places + 1)
    ]
    place_weights = [rng.paretovariate(1.2) for _place in places]  # a few places see most events
    type_weights = [1 / rank for rank in range(1, len(EVENT_TYPES) + 1)]
    now = timezone.now().replace(second=0, microsecond=0)
    events = []
    for i in range(1, size.events + 1):
        occurred = now - timedelta(minutes=rng.randrange(EVENT_DAYS * 24 * 60))
        kind = rng.choices(EVENT_TYPES, type_weights)[0]
        place, event_lat, event_lng = rng.choices(places, place_weights)[0]
        events.append(
            Event(
                source="polisen",
                source_id=f"{EVENT_PREFIX}{i:07d}",
                occurred_at=occurred,
                name=f"{timezone.localtime(occurred):%Y-%m-%d %H.%M}, {kind}, {area.name}",
                summary="Genererad av make bench.",
                type=kind,
                location_name=place,
                lat=event_lat,
                lng=event_lng,
                area=area,
                import_run=run,
            )
        )
    Event.objects.bulk_create(events, batch_size=2_000)
    return len(events)


def _request(client: Client, name: str, url: str, repeat: int) -> Timing:
    answered: list[int] = []

    def call() -> None:
        response = client.get(url)
        answered.append(response.status_code)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    queries = count_queries(call)
    return Timing(name, *time_calls(call, repeat), queries, answered[-1])


def _hotspots(repeat: int) -> list[Timing]:
    """Gi* hot spots of the kommun's events of the last 365 days, as the dashboard finds them."""
    since = timezone.now() - timedelta(days=365)
    events = Event.objects.filter(area__code=KOMMUN, occurred_at__gte=since)

    def from_database() -> None:
        find_hotspots(list(events.values_list("lat", "lng")), HOTSPOT_CELL_M)

    points = list(events.values_list("lat", "lng"))

    def in_memory() -> None:
        find_hotspots(points, HOTSPOT_CELL_M)

    what = f"hot spots of {len(points):,} events ({HOTSPOT_CELL_M:.0f} m cells)"
    return [
        Timing(f"{what}, coordinates in memory", *time_calls(in_memory, repeat), count_queries(in_memory)),
        Timing(f"{what}, reading the coordinates", *time_calls(from_database, repeat), count_queries(from_database)),
    ]


def measure(client: Client, size: Size, repeat: int, document_repeat: int) -> list[Timing]:
    """Time the dashboard, its series export, its hot spots and the lägesbild's documents for a signed-in client."""
    first, earlier = LAST_YEAR - size.years + 1, LAST_YEAR - min(5, size.years - 1)
    dashboard = reverse("situation:dashboard", args=[KOMMUN])
    version = Lagesbild.objects.filter(partnership__slug=PARTNERSHIP).order_by("version").values_list("version")[0][0]

    def export(fmt: str) -> str:
        return reverse("situation:export", args=[KOMMUN, "serier", fmt]) + f"?start={first}"

    def document(fmt: str) -> str:
        return reverse("lagesbild:document", args=[PARTNERSHIP, version, fmt])

    earlier_url = f"{dashboard}?year={earlier}&start={first}"
    dashboards = [
        (f"GET {dashboard} (the defaults: the latest year)", dashboard, repeat),
        (f"GET {earlier_url} (an earlier year, every year charted)", earlier_url, repeat),
        ("GET serier.csv (the series table, every year)", export("csv"), repeat),
        ("GET serier.xlsx (the series table, every year)", export("xlsx"), repeat),
    ]
    documents = [
        (f"GET dokument.pdf (the demo's lägesbild, version {version})", document("pdf"), document_repeat),
        (f"GET dokument.docx (the demo's lägesbild, version {version})", document("docx"), document_repeat),
    ]
    return [
        *(_request(client, name, url, times) for name, url, times in dashboards),
        *_hotspots(repeat),
        *(_request(client, name, url, times) for name, url, times in documents),
    ]


def run(repeat: int, size: Size | None = None, *, document_repeat: int = 5, keep: bool = False) -> Result:
    """Generate the data (loading the demo first if it is not there), measure, and remove the data unless `keep`."""
    size = size or Size()
    if not User.objects.filter(email=USER).exists():
        with open(os.devnull, "w") as quiet:
            call_command("demo", stdout=quiet)
    generate(size)
    client = Client()
    client.force_login(User.objects.get(email=USER))
    try:
        timings = measure(client, size, repeat, document_repeat)
    finally:
        if not keep:
            remove()
    return Result(size, repeat, document_repeat, timings)


def describe(result: Result) -> list[str]:
    """The benchmark's paragraph and table for docs/benchmarks.md."""
    size = result.size
    return [
        f"The lägesbild at a kommun's scale, on generated data (fixed seed, written with bulk_create, on top of the "
        f"demo): Mjölby (0586) with {size.years} years × {size.metrics} count metrics = "
        f"{size.observations:,} yearly observations, plus its population for each year so that rates are computed, "
        f"and {size.events:,} police events over the last 365 days, of {len(EVENT_TYPES)} types at {size.places} "
        f"places (the hot spots also count the demo's real events of the year). "
        f"Signed in as the demo's samordnare; requests {result.repeat} times, the documents "
        f"{result.document_repeat} times (the demo's draft lägesbild, whose documents do not grow with this data). "
        "SQL queries are those of one call.",
        "",
        "| what | median ms | p95 ms | SQL queries |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {t.name} | {t.median_ms:.1f} | {t.p95_ms:.1f} | {t.queries} |" for t in result.timings],
        "",
    ]
