"""The medborgarlöften benchmark: every kommun's goals evaluated in one run, and the public pages served under load.

The data is generated, never real: with a fixed seed, written through the ORM with bulk_create (never through the
web), on top of what is there. Every kommun (or the first `kommuner` by code) gets a partnership `bench-<code>`, an
agreement, a medborgarlöfte 2024–2025 and `goals` statistical goals, each bound to its own generated count metric
(`bench.lofte.*`, publisher "other") with the baseline 2023 and the last period 2025. Each metric has, for each
kommun, the years 2023 and 2025 and the quarters K1–K2 of both, so that a round ending 31 December compares the
years and one ending 30 June sums the quarters; the kommun's population is added for 2023 and 2025 where it is
missing, so that counts are compared per inhabitant. The generated löften are not published, so the public pages do
not show them. Everything generated is tied to one ImportRun (format "bench-lofte") or found by its prefix, and
removed again by `remove()`.

The load test serves the same database and sends GET requests from keep-alive clients for a fixed time
(`harness.serve_and_load`).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from benchmarks.harness import Request, Serving, Timing, count_queries, serve_and_load, time_calls, time_fresh
from lofte.accounts.models import User
from lofte.analysis.goals import LABELS
from lofte.areas.models import Area
from lofte.partnerships.models import Partnership
from lofte.promises.followup.actions import _store_evaluations
from lofte.promises.goals import GoalResult, evaluate_goals
from lofte.promises.models import Agreement, FollowUpRound, Goal, GoalEvaluation, Medborgarlofte
from lofte.statistics.models import ImportRun, Metric, Observation, Series
from lofte.statistics.queries import POPULATION

SEED = 2026
SLUG_PREFIX = "bench-"
METRIC_PREFIX = "bench.lofte."
RUN_FORMAT = "bench-lofte"
BASELINE_YEAR = 2023
YEAR_FROM, YEAR_TO = 2024, 2025
YEARS = (BASELINE_YEAR, YEAR_TO)
QUARTERS = (1, 2)
YEAR_END = date(YEAR_TO, 12, 31)
HALF_YEAR = date(YEAR_TO, 6, 30)
ROUND_LABEL = f"{YEAR_TO} H2"  # the round persisted: the löfte's last, ending 31 December
DEMO_USER = "samordnare@mjolby.example"  # present once the demo is loaded
KOMMUN = "0586"  # Mjölby, as in the demo
# The public kommun page and its warnings' Atom feed are cached for anonymous visitors (lofte.lib.cache).
SERVED_PATHS = (f"/kommun/{KOMMUN}/", f"/kommun/{KOMMUN}/varningar.atom", f"/api/v1/promises?area={KOMMUN}")
# The goals of a löfte take turns at the three rules Löfte knows.
RULES = (
    (Goal.Target.BASELINE, None),
    (Goal.Target.PERCENT, 10.0),
    (Goal.Target.LEVEL, None),  # the level: 90 % of the kommun's baseline year
)


@dataclass(frozen=True)
class Size:
    kommuner: int = 0  # 0: every kommun
    goals: int = 4  # per medborgarlöfte, each bound to its own metric


@dataclass(frozen=True)
class Generated:
    kommuner: int
    goals: int
    observations: int  # the generated metrics' and the added populations'


@dataclass(frozen=True)
class Result:
    generated: Generated
    repeat: int
    timings: list[Timing]
    verdicts: dict[str, dict[str, int]]  # the round's label → verdict label → goals
    serving: Serving | None = field(default=None)


# Generating and removing the data


def _generated_loften() -> QuerySet[Medborgarlofte]:
    return Medborgarlofte.objects.filter(agreement__partnership__slug__startswith=SLUG_PREFIX)


def generated_goals() -> QuerySet[Goal]:
    """The generated goals with their metrics, as do_evaluate_round reads a löfte's goals."""
    return (
        Goal.objects.filter(lofte__in=_generated_loften())
        .select_related("metric")
        .order_by("lofte_id", "position", "id")
    )


def remove() -> None:
    """Delete everything `generate` wrote: löften (their goals, rounds and evaluations cascade), agreements,
    partnerships, observations, the generated metrics (their series cascade) and the import run."""
    runs = ImportRun.objects.filter(format=RUN_FORMAT)
    _generated_loften().delete()
    Agreement.objects.filter(partnership__slug__startswith=SLUG_PREFIX).delete()
    Partnership.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    Observation.objects.filter(import_run__in=runs).delete()
    Metric.objects.filter(code__startswith=METRIC_PREFIX).delete()
    runs.delete()


def generate(size: Size, *, seed: int = SEED) -> Generated:
    """Write the generated partnerships, löften, goals and statistics; return what was written."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    remove()
    areas = list(Area.objects.filter(kind=Area.Kind.KOMMUN).defer("geometry").order_by("code"))
    if size.kommuner:
        areas = areas[: size.kommuner]
    if not areas:
        raise RuntimeError("no kommuner: run migrate first")
    with transaction.atomic():
        run = ImportRun.objects.create(
            file_name="make bench: genererade medborgarlöften",
            sha256="0" * 64,
            format=RUN_FORMAT,
            publisher="other",
            actor_label="make bench",
            status=ImportRun.Status.DONE,
            finished_at=timezone.now(),
        )
        metrics = _metrics(size.goals)
        levels, observations = _statistics(rng, areas, metrics, run)
        goals = _loften(areas, metrics, levels)
        run.created = run.rows_read = observations
        run.save(update_fields=["created", "rows_read"])
    return Generated(len(areas), goals, observations)


def _metrics(count: int) -> list[Metric]:
    Metric.objects.bulk_create(
        Metric(
            code=f"{METRIC_PREFIX}kategori_{i:02d}",
            name=f"Genererad brottskategori {i:02d}",
            unit=Metric.Unit.ANTAL,
            publisher="other",
            description="Genererad av make bench; inga verkliga uppgifter.",
        )
        for i in range(1, count + 1)
    )
    return list(Metric.objects.filter(code__startswith=METRIC_PREFIX).order_by("code"))


def _statistics(
    rng: random.Random, areas: list[Area], metrics: list[Metric], run: ImportRun
) -> tuple[dict[tuple[int, int], float], int]:
    """Each metric's years and quarters, and the populations missing; return each (metric, area)'s baseline year
    and the observations written."""
    population, _created = Metric.objects.get_or_create(
        code=POPULATION,
        defaults={"name": "Folkmängd", "unit": Metric.Unit.ANTAL, "publisher": "scb", "lower_is_better": False},
    )
    area_ids = [a.pk for a in areas]
    Series.objects.bulk_create(
        [Series(metric=m, area=a) for m in [*metrics, population] for a in areas], ignore_conflicts=True
    )
    series = {
        (metric, area): pk
        for pk, metric, area in Series.objects.filter(
            area_id__in=area_ids, metric__in=[*metrics, population]
        ).values_list("pk", "metric_id", "area_id")
    }
    known = dict(
        Observation.objects.filter(
            series__metric=population, series__area_id__in=area_ids, period__in=[str(y) for y in YEARS]
        ).values_list("series_id", "value")
    )
    known_periods = set(
        Observation.objects.filter(series__metric=population, series__area_id__in=area_ids).values_list(
            "series_id", "period"
        )
    )

    def observation(
        series_id: int, period: str, kind: str, start: date, value: float, inhabitants: float
    ) -> Observation:
        return Observation(
            series_id=series_id,
            period=period,
            period_kind=kind,
            period_start=start,
            value=value,
            per_100k=round(value * 100_000 / inhabitants, 1),
            import_run=run,
        )

    rows: list[Observation] = []
    levels: dict[tuple[int, int], float] = {}
    for area in areas:
        people_id = series[population.pk, area.pk]
        inhabitants = known.get(people_id) or round(rng.lognormvariate(9.9, 0.9))  # about 20,000, spread widely
        for year in YEARS:
            if (people_id, str(year)) not in known_periods:
                rows.append(
                    Observation(
                        series_id=people_id,
                        period=str(year),
                        period_kind="year",
                        period_start=date(year, 1, 1),
                        value=round(inhabitants * (1 + rng.gauss(0, 0.01))),
                        import_run=run,
                    )
                )
        for metric in metrics:
            sid = series[metric.pk, area.pk]
            rate = rng.uniform(100, 3_000)  # per 100,000 inhabitants a year
            trend = rng.uniform(-0.25, 0.2)  # from the baseline to the last year
            for year in YEARS:
                expected = rate * inhabitants / 100_000 * (1 + trend if year == YEAR_TO else 1)
                quarters = [max(0, round(rng.gauss(expected / 4, (expected / 4) ** 0.5 + 0.5))) for _q in QUARTERS]
                total = sum(quarters) + max(0, round(rng.gauss(expected / 2, (expected / 2) ** 0.5 + 0.5)))
                rows.append(observation(sid, str(year), "year", date(year, 1, 1), total, inhabitants))
                rows += [
                    observation(sid, f"{year}K{q}", "quarter", date(year, 3 * q - 2, 1), count, inhabitants)
                    for q, count in zip(QUARTERS, quarters, strict=True)
                ]
                if year == BASELINE_YEAR:
                    levels[metric.pk, area.pk] = total
    Observation.objects.bulk_create(rows, batch_size=1_000)
    return levels, len(rows)


def _loften(areas: list[Area], metrics: list[Metric], levels: dict[tuple[int, int], float]) -> int:
    """A partnership, an agreement, a medborgarlöfte and its goals for each kommun; return the goals written."""
    Partnership.objects.bulk_create(
        Partnership(
            name=f"Genererad samverkan {a.name}",
            slug=f"{SLUG_PREFIX}{a.code}",
            area=a,
            starts_on=date(BASELINE_YEAR, 1, 1),
            ends_on=date(YEAR_TO + 1, 12, 31),
            description="Genererad av make bench.",
        )
        for a in areas
    )
    partnerships = list(Partnership.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug"))
    Agreement.objects.bulk_create(
        Agreement(
            partnership=p,
            title=f"Genererad samverkansöverenskommelse {BASELINE_YEAR}–{YEAR_TO + 1}",
            starts_on=date(BASELINE_YEAR, 1, 1),
            ends_on=date(YEAR_TO + 1, 12, 31),
            followups_per_year=2,
        )
        for p in partnerships
    )
    agreements = Agreement.objects.filter(partnership__slug__startswith=SLUG_PREFIX)
    Medborgarlofte.objects.bulk_create(
        Medborgarlofte(
            agreement=agreement,
            title=f"Genererat medborgarlöfte {YEAR_FROM}–{YEAR_TO}",
            year_from=YEAR_FROM,
            year_to=YEAR_TO,
            status=Medborgarlofte.Status.BESLUTAD,  # adopted, not published: the public pages do not show it
        )
        for agreement in agreements
    )
    goals = []
    for lofte in _generated_loften().select_related("agreement__partnership"):
        area_id = lofte.agreement.partnership.area_id
        for position, metric in enumerate(metrics):
            target, value = RULES[position % len(RULES)]
            if target == Goal.Target.LEVEL:
                value = round(levels[metric.pk, area_id] * 0.9)
            goals.append(
                Goal(
                    lofte=lofte,
                    position=position,
                    text=f"Färre brott i {metric.name.lower()} än {BASELINE_YEAR}",
                    kind=Goal.Kind.STATISTIK,
                    metric=metric,
                    area_id=area_id,
                    direction=Goal.Direction.LOWER,
                    baseline_period=str(BASELINE_YEAR),
                    target=target,
                    target_value=value,
                    due_period=str(YEAR_TO),
                )
            )
    Goal.objects.bulk_create(goals, batch_size=1_000)
    return len(goals)


# Evaluating


def _rounds() -> dict[int, FollowUpRound]:
    """Each generated löfte's round ending 31 December (created when missing), by löfte."""
    loften = list(_generated_loften().values_list("pk", flat=True))
    start = date(YEAR_TO, 7, 1)
    FollowUpRound.objects.bulk_create(
        [
            FollowUpRound(
                lofte_id=pk,
                label=ROUND_LABEL,
                period_start=start,
                period_end=YEAR_END,
                due_on=YEAR_END + timedelta(days=45),
            )
            for pk in loften
        ],
        ignore_conflicts=True,
    )
    rounds = FollowUpRound.objects.filter(lofte_id__in=loften, label=ROUND_LABEL)
    return {r.lofte_id: r for r in rounds}


def _store(rounds: dict[int, FollowUpRound], results: list[GoalResult]) -> None:
    """Every round's evaluations, as do_evaluate_round stores them: lofte.promises.followup.actions._store_evaluations."""
    by_lofte: dict[int, list[GoalResult]] = {}
    for result in results:
        by_lofte.setdefault(result.goal.lofte_id, []).append(result)
    with transaction.atomic():
        for lofte_id, round_ in rounds.items():
            _store_evaluations(round_, by_lofte.get(lofte_id, []))


def verdict_counts(results: Iterable[GoalResult]) -> dict[str, int]:
    """How many goals got each verdict, in lofte.analysis.goals's order."""
    counted = Counter(result.evaluation.verdict for result in results)
    return {label: counted[verdict] for verdict, label in LABELS.items() if counted[verdict]}


def measure(generated: Generated, repeat: int) -> tuple[list[Timing], dict[str, dict[str, int]]]:
    """Time evaluate_goals over every generated goal at the year's and the half-year's end, and persisting the
    year-end round's evaluations; return the timings and each end's verdicts."""
    goals, kommuner = f"{generated.goals:,} goals", f"{generated.kommuner:,} medborgarlöften"
    timings, verdicts = [], {}
    for end, what in ((YEAR_END, "the years compared"), (HALF_YEAR, "the quarters K1–K2 summed")):

        def evaluate(end: date = end) -> list[GoalResult]:
            return evaluate_goals(generated_goals(), end)

        name = f"evaluate_goals: {goals} of {kommuner}, round ending {end:%Y-%m-%d} ({what})"
        timings.append(Timing(name, *time_calls(evaluate, repeat), count_queries(evaluate)))
        verdicts[f"{end:%Y-%m-%d}"] = verdict_counts(evaluate())

    rounds = _rounds()
    round_ids = [r.pk for r in rounds.values()]

    def persist() -> None:
        _store(rounds, evaluate_goals(generated_goals(), YEAR_END))

    def forget() -> None:
        GoalEvaluation.objects.filter(round_id__in=round_ids).delete()

    first = f"evaluate_goals + storing the {ROUND_LABEL} round of {kommuner}"
    created = f"{generated.goals:,} evaluations"
    median, p95 = time_fresh(persist, forget, repeat)
    forget()
    timings.append(Timing(f"{first}, first time ({created} created)", median, p95, count_queries(persist)))
    again = f"{first}, again ({created} updated)"
    timings.append(Timing(again, *time_calls(persist, repeat), count_queries(persist)))
    return timings, verdicts


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
    """Generate the data, time the evaluations, remove the data unless `keep`; then, unless `serve_seconds` is 0,
    serve the demo (loaded first if it is not there) and load its public kommun page and promises API."""
    size = size or Size()
    generated = generate(size)
    try:
        timings, verdicts = measure(generated, repeat)
    finally:
        if not keep:
            remove()
    serving = None
    if serve_seconds:
        if not User.objects.filter(email=DEMO_USER).exists():
            with open(os.devnull, "w") as quiet:
                call_command("demo", stdout=quiet)
        serving = serve_and_load([Request(path) for path in SERVED_PATHS], serve_seconds, clients, workers)
    return Result(generated, repeat, timings, verdicts, serving)


def describe(result: Result) -> list[str]:
    """The benchmark's paragraphs and tables for docs/benchmarks.md."""
    generated = result.generated
    per_lofte = generated.goals // generated.kommuner if generated.kommuner else 0
    verdicts = "; ".join(
        f"{end}: " + ", ".join(f"{label} {count:,}" for label, count in counts.items())
        for end, counts in result.verdicts.items()
    )
    lines = [
        f"Medborgarlöften at the country's scale, on generated data (fixed seed, written with bulk_create): "
        f"{generated.kommuner:,} kommuner, each with a partnership, an agreement and a medborgarlöfte "
        f"{YEAR_FROM}–{YEAR_TO} with {per_lofte} statistical goals, each bound to its own generated count metric "
        f"(baseline {BASELINE_YEAR}, lower than the baseline, by 10 % or to a level in turn): "
        f"{generated.goals:,} goals over {generated.observations:,} observations (the years {YEARS[0]} and "
        f"{YEARS[1]} and their quarters K1–K2 for each goal, and the populations the store lacked). "
        f"Each call reads the goals with their metrics, as a round's evaluation does, then the statistics; "
        f"warmed up, then {result.repeat} times. SQL queries are those of one call. "
        f"Persisting uses the store step of `do_evaluate_round` (`_store_evaluations`, one round at a time, in one "
        f"transaction) without its role check, row lock, promise reports and audit row, which need a signed-in "
        f"member for each partnership. Verdicts: {verdicts}.",
        "",
        "| what | median ms | p95 ms | SQL queries |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {t.name} | {t.median_ms:.1f} | {t.p95_ms:.1f} | {t.queries} |" for t in result.timings],
        "",
    ]
    serving = result.serving
    if serving:
        clients = serving.loads[0].clients if serving.loads else 0
        lines += [
            f"The demo served by `lofte serve` (gunicorn, {serving.workers} worker processes × {serving.threads} "
            f"threads, DEBUG off, {serving.database}) on a loopback port, each path for "
            f"{serving.seconds:g} s by {clients} clients on keep-alive "
            "connections (threads in one Python process on the same machine, so they share its cores with the "
            "server). Any answer but 200 counts as an error. The aim for public pages is 300 requests/s on two cores.",
            "",
            "| request | requests/s | median ms | p95 ms | answered | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *[
                f"| {load.path} | {load.per_second:,.0f} | {load.median_ms:.1f} | {load.p95_ms:.1f} | "
                f"{load.ok + load.errors:,} | {load.errors:,} |"
                for load in serving.loads
            ],
            "",
        ]
    return lines
