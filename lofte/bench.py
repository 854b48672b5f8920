"""`make bench`: time the main pages and API endpoints on a fresh database, write docs/benchmarks.md.

Runs against a throwaway SQLite database (or DATABASE_URL if set) loaded with the demo.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lofte.bench_est import Result as EstResult
    from lofte.bench_lagesbild import Result as LagesbildResult
    from lofte.bench_promises import Result as PromisesResult

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _time(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(repeat: int, *, skip: bool = False) -> list[tuple[str, float, float]]:
    import django
    from django.core.management import call_command
    from django.test import Client

    django.setup()
    call_command("migrate", verbosity=0)
    if skip:
        return []
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from lofte.accounts.models import User

    signed_in = Client()
    signed_in.force_login(User.objects.get(email="samordnare@mjolby.example"))
    anonymous = Client()

    def get(client: Client, url: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return call

    cases = [
        ("GET /healthz", get(anonymous, "/healthz")),
        ("GET /api/v1/areas/0586", get(anonymous, "/api/v1/areas/0586")),
        ("GET /api/v1/areas?kind=kommun (290)", get(anonymous, "/api/v1/areas?kind=kommun")),
        ("GET /api/v1/areas/05/geojson (13 kommuner)", get(anonymous, "/api/v1/areas/05/geojson")),
        ("GET /omraden/ (all kommuner)", get(anonymous, "/omraden/")),
        ("GET /samverkan/mjolby/ (dashboard)", get(signed_in, "/samverkan/mjolby/")),
        ("GET /api/v1/partnerships/mjolby/members", get(signed_in, "/api/v1/partnerships/mjolby/members")),
    ]
    return [(name, *_time(call, repeat)) for name, call in cases]


def machine() -> str:
    import django

    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {_cpu()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, Django {django.get_version()}"
    )


def section(
    database: str,
    requests: list[tuple[str, float, float]],
    repeat: int,
    imported: dict[str, float] | None,
    lagesbild: LagesbildResult | None = None,
    promises: PromisesResult | None = None,
    est: EstResult | None = None,
) -> str:
    lines = [f"<!-- bench:{database} -->", f"## {database}", "", f"Measured {machine()}.", ""]
    if requests:
        lines += [
            f"Requests through Django's test client in one process (no server), warmed up, then {repeat} times:",
            "",
            "| request | median ms | p95 ms |",
            "| --- | ---: | ---: |",
            *[f"| {name} | {median:.1f} | {p95:.1f} |" for name, median, p95 in requests],
            "",
        ]
    if lagesbild:
        from lofte.bench_lagesbild import describe

        lines += describe(lagesbild)
    if promises:
        from lofte import bench_promises

        lines += bench_promises.describe(promises)
    if est:
        from lofte import bench_est

        lines += bench_est.describe(est)
    if imported:
        lines += [
            f"Import of a generated {imported['rows']:,.0f}-observation Brå long CSV (`lofte import`'s code path):",
            "",
            "| what | seconds | observations/s |",
            "| --- | ---: | ---: |",
            f"| import into an empty store | {imported['import_s']:.1f} | {imported['import_per_s']:,.0f} |",
            f"| the same file again (nothing changes) | {imported['repeat_s']:.1f} | {imported['rows'] / imported['repeat_s']:,.0f} |",
            f"| bare bulk insert of the same rows, in the file's order | {imported['bare_file_order_s']:.1f} | {imported['rows'] / imported['bare_file_order_s']:,.0f} |",
            f"| bare bulk insert of the same rows, in index order (the floor) | {imported['bare_s']:.1f} | {imported['bare_per_s']:,.0f} |",
            "",
            f"Import time / floor: **{imported['ratio']:.2f}×** (aim: at most 2×; at least 100,000/s on SQLite). "
            "The import parses, checks and compares every row and writes in index order; "
            "the bare inserts only write rows prepared beforehand.",
            "",
        ]
    return "\n".join([*lines, f"<!-- /bench:{database} -->"])


def write_report(database: str, text: str) -> Path:
    path = ROOT / "docs" / "benchmarks.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    header = (
        "# Benchmarks\n\nWritten by `make bench` (`python -m lofte.bench`), once on SQLite and once on PostgreSQL.\n"
    )
    pattern = re.compile(r"<!-- bench:(\w+) -->.*?<!-- /bench:\1 -->", flags=re.S)
    kept = {match.group(1): match.group(0) for match in pattern.finditer(old)}
    kept[database] = text
    body = "\n\n".join(kept[name] for name in sorted(kept, key=lambda n: (n != "sqlite", n)))
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-requests", action="store_true")
    parser.add_argument("--skip-lagesbild", action="store_true", help="skip the lägesbild benchmark")
    parser.add_argument("--lagesbild-years", type=int, default=30)
    parser.add_argument("--lagesbild-metrics", type=int, default=40)
    parser.add_argument("--lagesbild-events", type=int, default=100_000)
    parser.add_argument("--document-repeat", type=int, default=5, help="repeats of the PDF and Word documents")
    parser.add_argument("--skip-promises", action="store_true", help="skip the medborgarlöften benchmark")
    parser.add_argument(
        "--promises-kommuner", type=int, default=0, help="kommuner with generated löften (0: every kommun)"
    )
    parser.add_argument("--promises-goals", type=int, default=4, help="generated goals per medborgarlöfte")
    parser.add_argument("--skip-est", action="store_true", help="skip the EST benchmark")
    parser.add_argument("--est-incidents", type=int, default=20_000, help="generated EST reports in a year")
    parser.add_argument("--est-submissions", type=int, default=200, help="report_incidents calls to time")
    parser.add_argument(
        "--serve-seconds",
        type=float,
        default=10.0,
        help="load each public path on the served demo, and Open311 POSTs for EST (0: skip)",
    )
    parser.add_argument("--serve-clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--serve-workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")
        os.environ.update(LOFTE_VAR_DIR=tmp, AXES_ENABLED="false", ALLOWED_HOSTS="testserver")
        requests = run(args.repeat, skip=args.skip_requests)
        from lofte import bench_est, bench_import, bench_lagesbild, bench_promises

        lagesbild = None
        if not args.skip_lagesbild:
            size = bench_lagesbild.Size(args.lagesbild_years, args.lagesbild_metrics, args.lagesbild_events)
            print(
                f"Lägesbild: {size.years} years × {size.metrics} metrics, {size.events:,} generated events …",
                flush=True,
            )
            # Before the import benchmark, which empties the statistics; the generated data is removed again.
            lagesbild = bench_lagesbild.run(args.repeat, size, document_repeat=args.document_repeat)

        promises = None
        if not args.skip_promises:
            kommuner = f"{args.promises_kommuner} kommuner" if args.promises_kommuner else "every kommun"
            served = f", then the served demo for {args.serve_seconds:g} s a path" if args.serve_seconds else ""
            print(f"Medborgarlöften: {kommuner} × {args.promises_goals} goals{served} …", flush=True)
            # Before the import benchmark, which empties the statistics the served pages show.
            promises = bench_promises.run(
                args.repeat,
                bench_promises.Size(args.promises_kommuner, args.promises_goals),
                serve_seconds=args.serve_seconds,
                clients=args.serve_clients,
                workers=args.serve_workers,
            )

        est = None
        if not args.skip_est:
            posts = f", then Open311 POSTs for {args.serve_seconds:g} s" if args.serve_seconds else ""
            print(f"EST: {args.est_incidents:,} generated reports{posts} …", flush=True)
            est = bench_est.run(
                args.repeat,
                bench_est.Size(args.est_incidents, args.est_submissions),
                serve_seconds=args.serve_seconds,
                clients=args.serve_clients,
                workers=args.serve_workers,
            )

        print(f"Importing {args.import_rows:,} generated observations …", flush=True)
        imported = bench_import.run(args.import_rows) if args.import_rows else None
        database = "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
        path = write_report(database, section(database, requests, args.repeat, imported, lagesbild, promises, est))
    for name, median, p95 in requests:
        print(f"{name:<48} median {median:7.1f} ms   p95 {p95:7.1f} ms")
    for timing in lagesbild.timings if lagesbild else []:
        print(
            f"{timing.name:<72} median {timing.median_ms:8.1f} ms   p95 {timing.p95_ms:8.1f} ms   "
            f"{timing.queries:4d} SQL queries"
        )
    for row in promises.timings if promises else []:
        print(
            f"{row.name:<100} median {row.median_ms:8.1f} ms   p95 {row.p95_ms:8.1f} ms   {row.queries:4d} SQL queries"
        )
    for load in promises.serving.loads if promises and promises.serving else []:
        print(
            f"GET {load.path:<44} {load.per_second:7.0f} requests/s   median {load.median_ms:6.1f} ms   "
            f"p95 {load.p95_ms:6.1f} ms   {load.ok + load.errors:,} answered, {load.errors:,} errors"
        )
    for row in est.timings if est else []:
        print(
            f"{row.name:<100} median {row.median_ms:8.1f} ms   p95 {row.p95_ms:8.1f} ms   {row.queries:4d} SQL queries"
        )
    if est:
        done = est.in_process
        print(
            f"report_incidents: {done.per_second:,.0f} reports/s   median {done.median_ms:6.1f} ms   "
            f"p95 {done.p95_ms:6.1f} ms   ({done.count:,} calls)"
        )
    for load in est.serving.loads if est and est.serving else []:
        print(
            f"{load.path:<48} {load.per_second:7.0f} reports/s    median {load.median_ms:6.1f} ms   "
            f"p95 {load.p95_ms:6.1f} ms   {load.ok + load.errors:,} answered, {load.errors:,} errors"
        )
    if imported:
        print(
            f"import: {imported['import_per_s']:,.0f} observations/s; bare insert {imported['bare_per_s']:,.0f}/s; "
            f"ratio {imported['ratio']:.2f}"
        )
    print(f"Written to {path.relative_to(ROOT)} ({database})")


if __name__ == "__main__":
    main()
