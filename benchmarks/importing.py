"""The import benchmark: a 1,000,000-observation long CSV, against a bare bulk insert of the same rows.

The CSV is generated from the real Brå yearly file: every kommun, every category, and counts drawn from
that category's real distribution, for each year back from 2025 with its halves, quarters and months.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from lofte.lib.actors import SystemActor
from lofte.lib.db import bulk_insert

SOURCE = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def generate_csv(rows: int, kommuner: list[str], seed: int = 2026) -> bytes:
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    real: dict[str, list[float]] = {}
    with SOURCE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            real.setdefault(row["key"], []).append(float(row["count"]))
    out = io.StringIO()
    out.write("kommun;period;key;count;per100k;preliminary\n")
    written = 0
    for period, share in _periods():
        for kommun in kommuner:
            for key, values in real.items():
                count = round(rng.choice(values) * share)
                out.write(f"{kommun};{period};{key};{count};{count * 3.4:.1f};\n")
                written += 1
                if written == rows:
                    return out.getvalue().encode()
    return out.getvalue().encode()


def _periods() -> Iterator[tuple[str, float]]:
    """Each year from 2025 back, with its halves, quarters and months: the mix a kommun's store holds."""
    for year in range(2025, 1900, -1):
        yield f"{year}", 1.0
        yield from ((f"{year}H{h}", 1 / 2) for h in (1, 2))
        yield from ((f"{year}K{q}", 1 / 4) for q in range(1, 5))
        yield from ((f"{year}-{m:02d}", 1 / 12) for m in range(1, 13))


def bare_insert_seconds(raw: bytes, *, in_index_order: bool) -> float:
    """Insert the same rows straight into the table (lofte.lib.db.bulk_insert), nothing checked or compared.

    In the file's order, as a naive loader would; in the unique index's order (series, period), as the importer
    does: the true floor for any importer of these rows.
    """
    from lofte.statistics.actions import OBSERVATION_COLUMNS, parse_file
    from lofte.statistics.models import ImportRun, Observation, Series
    from lofte.statistics.periods import parse_period

    parsed = parse_file(raw, "bench.csv")
    series = {(s.metric.code, s.area.code): s.pk for s in Series.objects.select_related("metric", "area")}
    run = ImportRun.objects.create(file_name="bare", sha256="0" * 64, format="bare")
    rows = []
    for o in parsed.observations:
        p = parse_period(o.period)
        rows.append(
            (
                series[o.metric, o.area],
                p.code,
                p.kind,
                p.start.isoformat(),
                o.value,
                o.per_100k,
                o.preliminary,
                o.status,
                run.pk,
            )
        )
    if in_index_order:
        rows.sort(key=lambda row: (row[0], row[1]))
    start = time.perf_counter()
    with transaction.atomic():
        bulk_insert(Observation._meta.db_table, OBSERVATION_COLUMNS, rows)
    seconds = time.perf_counter() - start
    Observation.objects.filter(import_run=run).delete()
    return seconds


def run(rows: int) -> dict[str, float]:
    from lofte.areas.models import Area
    from lofte.statistics.actions import do_import
    from lofte.statistics.models import ImportRun, Observation

    kommuner = list(Area.objects.filter(kind="kommun").order_by("code").values_list("code", flat=True))
    raw = generate_csv(rows, kommuner)
    Observation.objects.all().delete()  # the demo's statistics: the import starts from an empty store
    ImportRun.objects.all().delete()
    start = time.perf_counter()
    summary = do_import(raw, "bench.csv", actor=SystemActor("make bench"))
    seconds = time.perf_counter() - start
    if summary.created != rows:
        raise RuntimeError(f"expected {rows} new observations, got {summary.created}")
    start = time.perf_counter()
    again = do_import(raw, "bench.csv", actor=SystemActor("make bench"))
    repeat_seconds = time.perf_counter() - start
    if again.unchanged != rows:
        raise RuntimeError("the repeat import changed something")
    Observation.objects.all().delete()
    ImportRun.objects.all().delete()
    in_file_order = bare_insert_seconds(raw, in_index_order=False)
    floor = bare_insert_seconds(raw, in_index_order=True)
    return {
        "rows": rows,
        "import_s": seconds,
        "import_per_s": rows / seconds,
        "repeat_s": repeat_seconds,
        "bare_file_order_s": in_file_order,
        "bare_s": floor,
        "bare_per_s": rows / floor,
        "ratio": seconds / floor,
    }
