"""The EST benchmark: a busy kommun's weekly lägesbild, and how many reports a second Löfte takes in.

The data is generated, never real: with a fixed seed, written with bulk_create (never through the web), beside
whatever is there. A partnership `est-bench` in Mjölby (kommun 0586, whose boundary the reference data has) with
two organisations (`est-bench-kommun`, `est-bench-bostad`) and the reference EST categories gets `incidents`
reports over the year before now: 80 % around 15 places drawn inside the kommun (about 150 m of scatter), the
rest anywhere in it, more in the evening. Reports older than a week are mostly reviewed (granskad, some with an
action decided, done or closed), 5 % rejected; the last week's are half still mottagen. Each has its timeline
entry mottagen and one for its present status.

Timed: `weekly.compile_week` for the last full ISO week, precise (as reviewers see it) and generalised; warmed
up, then `repeat` times, with the SQL queries of one call. Then reports coming in: `submissions` calls of
`actions.report_incidents` in this process, one incident each, one after the other (each checked, routed and
audited, in its own transaction); and, unless `serve_seconds` is 0, Open311 POSTs to `lofte serve` on a loopback
port (`harness.serve_and_load`) from keep-alive clients for a fixed time, each a new report with an API key of
the partnership's housing company. Everything generated is removed again by `remove()`.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from benchmarks.harness import Request, Serving, Timing, count_queries, percentiles, serve_and_load, time_calls
from lofte.areas.models import Area
from lofte.est import places
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import ApiKey, Category, Incident, IncidentUpdate, RoutingRule
from lofte.est.open311.actions import do_create_api_key
from lofte.est.setup import do_set_up_est
from lofte.lib.actors import SystemActor
from lofte.partnerships.models import Organisation, Partnership

SEED = 2026
SLUG = "est-bench"  # not "bench-…", which benchmarks.promises.remove() deletes
KOMMUN = "0586"
CLUSTERS = 15
CLUSTER_SHARE = 0.8
SCATTER_M = 150
OPEN311_PATH = "/open311/v2/requests.json"
ACTOR = SystemActor("make bench")
S = Incident.Status
HOURS = (3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 10, 10, 9, 7, 5)
# Reports older than a week end in these statuses, with these weights.
SETTLED = (
    (S.GRANSKAD, 55),
    (S.ATGARD_BESLUTAD, 8),
    (S.ATGARDAD, 7),
    (S.AVSLUTAD, 25),
    (S.AVVISAD, 5),
)
TIMESTAMPS: dict[str, tuple[str, ...]] = {
    S.GRANSKAD: ("reviewed_at",),
    S.ATGARD_BESLUTAD: ("reviewed_at", "action_decided_at"),
    S.ATGARDAD: ("reviewed_at", "action_decided_at", "resolved_at"),
    S.AVSLUTAD: ("reviewed_at", "closed_at"),
    S.AVVISAD: ("rejected_at",),
}


@dataclass(frozen=True)
class Size:
    incidents: int = 20_000
    submissions: int = 200  # report_incidents calls in this process


@dataclass(frozen=True)
class Generated:
    incidents: int
    reviewed: int  # those the lägesbild counts
    iso_year: int
    iso_week: int  # the week compiled: the last full one
    week_incidents: int  # reviewed reports in that week


@dataclass(frozen=True)
class Submissions:
    """Reports filed one after the other in this process."""

    count: int
    seconds: float
    median_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Result:
    generated: Generated
    repeat: int
    timings: list[Timing]
    in_process: Submissions
    serving: Serving | None = None


# Generating and removing


def _partnership() -> Partnership | None:
    return Partnership.objects.filter(slug=SLUG).first()


def _generated_partnership() -> Partnership:
    partnership = _partnership()
    if partnership is None:
        raise RuntimeError("generate the data first")
    return partnership


def remove() -> None:
    """Delete everything `generate` and the submissions wrote; the audit rows stay, without their partnership."""
    partnership = _partnership()
    if partnership is not None:
        incidents = Incident.objects.filter(partnership=partnership)
        incidents.exclude(duplicate_of=None).update(duplicate_of=None)
        IncidentUpdate.objects.filter(incident__partnership=partnership).delete()
        incidents.delete()
        RoutingRule.objects.filter(partnership=partnership).delete()
        categories = Category.objects.filter(partnership=partnership)
        categories.exclude(parent=None).delete()
        categories.delete()
        partnership.delete()
    organisations = Organisation.objects.filter(slug__startswith=f"{SLUG}-")
    ApiKey.objects.filter(organisation__in=organisations).delete()
    organisations.delete()


def _inside(rng: random.Random, kommun: Area) -> places.LatLng:
    if not kommun.bbox:
        raise RuntimeError(f"{kommun} has no boundary: load the reference areas first")
    west, south, east, north = kommun.bbox
    while True:
        point = places.LatLng(round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6))
        if places.contains(kommun, point):
            return point


def _near(rng: random.Random, kommun: Area, centre: places.LatLng) -> places.LatLng:
    for _attempt in range(20):
        north, east = rng.gauss(0, SCATTER_M), rng.gauss(0, SCATTER_M)
        point = places.LatLng(
            round(centre.lat + north / places.METRES_PER_DEGREE_LAT, 6),
            round(centre.lng + east / (places.METRES_PER_DEGREE_LAT * math.cos(math.radians(centre.lat))), 6),
        )
        if places.contains(kommun, point):
            return point
    return centre


def points_in(kommun: Area, count: int, rng: random.Random) -> list[places.LatLng]:
    """`count` points inside the kommun: most around a few places, the rest anywhere."""
    centres = [_inside(rng, kommun) for _i in range(CLUSTERS)]
    return [
        _near(rng, kommun, rng.choice(centres)) if rng.random() < CLUSTER_SHARE else _inside(rng, kommun)
        for _i in range(count)
    ]


def _setup() -> tuple[Partnership, Organisation, Organisation, list[Category]]:
    kommun = Area.objects.get(code=KOMMUN)
    reporting = Organisation.objects.create(
        name="Genererad kommun (make bench)", slug=f"{SLUG}-kommun", kind=Organisation.Kind.KOMMUN, area=kommun
    )
    housing = Organisation.objects.create(
        name="Genererat bostadsbolag (make bench)",
        slug=f"{SLUG}-bostad",
        kind=Organisation.Kind.BOSTADSBOLAG,
        area=kommun,
    )
    partnership = Partnership.objects.create(name="Genererad EST-samverkan (make bench)", slug=SLUG, area=kommun)
    partnership.organisations.set([reporting, housing])
    do_set_up_est(partnership, actor=ACTOR)
    leaves = _leaves(partnership)
    klotter = next(c for c in leaves if c.code == "skadegorelse.klotter")
    RoutingRule.objects.create(partnership=partnership, category=klotter, organisation=housing)
    return partnership, reporting, housing, leaves


def generate(size: Size, *, seed: int = SEED, now: datetime | None = None) -> Generated:
    """Write the generated partnership and its year of reports; return what was written."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    now = now or timezone.now()
    remove()
    with transaction.atomic():
        partnership, reporting, housing, leaves = _setup()
        kommun = partnership.area
        weights = [rng.uniform(0.2, 3) for _leaf in leaves]
        points = points_in(kommun, size.incidents, rng)
        incidents = []
        for point in points:
            category = rng.choices(leaves, weights)[0]
            day = timezone.localtime(now - timedelta(days=rng.uniform(0, 364))).replace(tzinfo=None)
            local = day.replace(hour=rng.choices(range(24), HOURS)[0], minute=rng.randrange(60))
            occurred = min(timezone.make_aware(local), now - timedelta(minutes=30))
            incident = Incident(
                partnership=partnership,
                category=category,
                occurred_at=occurred,
                reported_at=occurred + timedelta(minutes=20),
                latitude=point.lat,
                longitude=point.lng,
                area=kommun,
                description="[Benchmark] Genererad rapport.",
                organisation=reporting,
                routed_to=housing if category.code == "skadegorelse.klotter" else None,
                source=Incident.Source.WEB,
            )
            _settle(rng, incident, now)
            incidents.append(incident)
        Incident.objects.bulk_create(incidents, batch_size=1_000)
        IncidentUpdate.objects.bulk_create(
            (update for incident in incidents for update in _timeline(incident)), batch_size=2_000
        )
    return _generated(partnership, now)


def _settle(rng: random.Random, incident: Incident, now: datetime) -> None:
    """The report's present status and its lifecycle timestamps, none later than now."""
    age = now - incident.reported_at
    if age < timedelta(days=7) and rng.random() < 0.5:
        return
    status = rng.choices([s for s, _w in SETTLED], [w for _s, w in SETTLED])[0]
    step = min(age, timedelta(days=6)) / (len(TIMESTAMPS[status]) + 1)
    for n, name in enumerate(TIMESTAMPS[status], start=1):
        setattr(incident, name, incident.reported_at + step * n)
    incident.status = status
    if status == S.AVVISAD:
        incident.rejection_reason = "[Benchmark] Hör inte till EST."


def _timeline(incident: Incident) -> list[IncidentUpdate]:
    first = IncidentUpdate(
        incident=incident, status=S.MOTTAGEN, created_at=incident.reported_at, notified_at=incident.reported_at
    )
    if incident.status == S.MOTTAGEN:
        return [first]
    when = max(getattr(incident, name) for name in TIMESTAMPS[incident.status])
    return [first, IncidentUpdate(incident=incident, status=incident.status, created_at=when, notified_at=when)]


def _generated(partnership: Partnership, now: datetime) -> Generated:
    from lofte.est.weekly.queries import counted

    year, week, _weekday = (timezone.localdate(now) - timedelta(days=7)).isocalendar()
    start = timezone.make_aware(datetime.fromisocalendar(year, week, 1))
    reviewed = counted(partnership)
    return Generated(
        incidents=Incident.objects.filter(partnership=partnership).count(),
        reviewed=reviewed.count(),
        iso_year=year,
        iso_week=week,
        week_incidents=reviewed.filter(occurred_at__gte=start, occurred_at__lt=start + timedelta(days=7)).count(),
    )


# Measuring


def measure_week(generated: Generated, repeat: int) -> list[Timing]:
    from lofte.est.weekly.queries import compile_week

    partnership = _generated_partnership()
    year, week = generated.iso_year, generated.iso_week
    size = f"{generated.week_incidents:,} reports in the week, {generated.reviewed:,} reviewed in the year"
    timings = []
    for precise, how in ((True, "exact points, as reviewers see it"), (False, "points generalised to the grid")):

        def call(precise: bool = precise) -> Any:
            return compile_week(partnership, year, week, precise=precise)

        name = f"compile_week {year}-W{week:02d}, {how} ({size})"
        timings.append(Timing(name, *time_calls(call, repeat), count_queries(call)))
    return timings


def _one_report(partnership: Partnership, organisation: Organisation, leaves: Sequence[Category]) -> Callable[..., Any]:
    def submit(point: places.LatLng, category: Category) -> None:
        report_incidents(
            partnership,
            [
                IncidentInput(
                    category=category,
                    occurred_at=timezone.now() - timedelta(minutes=10),
                    latitude=point.lat,
                    longitude=point.lng,
                    description="[Benchmark] Rapport genom report_incidents.",
                )
            ],
            reporter=None,
            organisation=organisation,
            actor=ACTOR,
            source=Incident.Source.WEB,
        )

    return submit


def measure_submissions(count: int, *, seed: int = SEED) -> Submissions:
    """`count` report_incidents calls, one incident each, one after the other."""
    rng = random.Random(seed + 1)  # noqa: S311 (test data, not security)
    partnership = _generated_partnership()
    organisation = partnership.organisations.get(slug=f"{SLUG}-kommun")
    leaves = _leaves(partnership)
    points = points_in(partnership.area, count + 1, rng)
    submit = _one_report(partnership, organisation, leaves)
    submit(points[-1], leaves[0])  # warm caches
    samples = []
    start = time.perf_counter()
    for point in points[:count]:
        sent = time.perf_counter()
        submit(point, rng.choice(leaves))
        samples.append((time.perf_counter() - sent) * 1000)
    elapsed = time.perf_counter() - start
    return Submissions(count, elapsed, *percentiles(samples))


def _leaves(partnership: Partnership) -> list[Category]:
    """The categories a report may use: active, without active subcategories."""
    categories = list(Category.objects.filter(partnership=partnership, active=True).order_by("position", "code"))
    parents = {c.parent_id for c in categories}
    return [c for c in categories if c.pk not in parents]


# Open311 over loopback


def open311_bodies(key: str, count: int, *, seed: int = SEED) -> list[bytes]:
    """Form-encoded Open311 POST bodies: new reports at points inside the kommun, in turn."""
    rng = random.Random(seed + 2)  # noqa: S311 (test data, not security)
    partnership = _generated_partnership()
    leaves = _leaves(partnership)
    return [
        urlencode(
            {
                "api_key": key,
                "jurisdiction_id": SLUG,
                "service_code": rng.choice(leaves).code,
                "lat": point.lat,
                "long": point.lng,
                "description": "[Benchmark] Rapport genom Open311.",
            }
        ).encode()
        for point in points_in(partnership.area, count, rng)
    ]


def serve_and_post(seconds: float, clients: int, workers: int) -> Serving:
    """Serve this database and POST new reports to Open311 with a new API key of the housing company."""
    partnership = _generated_partnership()
    _key, plaintext = do_create_api_key(
        partnership.organisations.get(slug=f"{SLUG}-bostad"), label="make bench", actor=ACTOR
    )
    return serve_and_load([Request(OPEN311_PATH, open311_bodies(plaintext, 2_000))], seconds, clients, workers)


# The whole benchmark


def run(
    repeat: int,
    size: Size | None = None,
    *,
    serve_seconds: float = 10.0,
    clients: int = 8,
    workers: int = 2,
    keep: bool = False,
) -> Result:
    """Generate the data, time the weekly lägesbild and the submissions, remove the data unless `keep`."""
    size = size or Size()
    generated = generate(size)
    try:
        timings = measure_week(generated, repeat)
        in_process = measure_submissions(size.submissions)
        serving = serve_and_post(serve_seconds, clients, workers) if serve_seconds else None
    finally:
        if not keep:
            remove()
    return Result(generated, repeat, timings, in_process, serving)


def describe(result: Result) -> list[str]:
    """The benchmark's paragraphs and tables for docs/benchmarks.md."""
    generated, submitted = result.generated, result.in_process
    lines = [
        f"EST on generated data (fixed seed, written with bulk_create): one partnership in kommun {KOMMUN} with "
        f"{generated.incidents:,} incident reports over a year, {generated.reviewed:,} of them reviewed and so "
        f"counted in the weekly lägesbild, {generated.week_incidents:,} in the week compiled; most around "
        f"{CLUSTERS} places, the rest anywhere in the kommun. `compile_week` reads the week, the four before it "
        f"and last year's week, the points of the last four weeks and the hot spots over them; warmed up, then "
        f"{result.repeat} times. SQL queries are those of one call.",
        "",
        "| what | median ms | p95 ms | SQL queries |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {t.name} | {t.median_ms:.1f} | {t.p95_ms:.1f} | {t.queries} |" for t in result.timings],
        "",
        f"Reports coming in. In this process, {submitted.count:,} `report_incidents` calls one after the other, "
        "one incident each (checked, placed in its area, screened for personal data, routed, stored with its "
        "timeline entry and audited, each in its own transaction): "
        f"**{submitted.per_second:,.0f} reports/s**, median {submitted.median_ms:.1f} ms, "
        f"p95 {submitted.p95_ms:.1f} ms a report.",
        "",
    ]
    serving = result.serving
    if serving:
        lines += [
            f"Open311 `POST {OPEN311_PATH}` to `lofte serve` (gunicorn, {serving.workers} worker processes × "
            f"{serving.threads} threads, DEBUG off, {serving.database}) on a loopback port for {serving.seconds:g} s "
            f"from {serving.loads[0].clients if serving.loads else 0} clients on keep-alive connections, each "
            "request a new report with an API key (form-encoded, as the spec says). Any answer but 200 counts as "
            "an error; the database takes one writer at a time on SQLite.",
            "",
            "| request | reports/s | median ms | p95 ms | answered | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *[
                f"| {load.path} | {load.per_second:,.0f} | {load.median_ms:.1f} | {load.p95_ms:.1f} | "
                f"{load.ok + load.errors:,} | {load.errors:,} |"
                for load in serving.loads
            ],
            "",
        ]
    return lines
