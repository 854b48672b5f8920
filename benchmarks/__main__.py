"""`make bench`: time the main pages and API endpoints on a fresh database, then each feature's benchmark, and
write docs/benchmarks.md.

Runs from the repository root (`python -m benchmarks`) against a throwaway SQLite database (or DATABASE_URL if set)
loaded with the demo.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


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
        # The Open311 load posts from one address with one key, far over a partner's limits: lift them.
        os.environ.update(
            LOFTE_VAR_DIR=tmp,
            AXES_ENABLED="false",
            ALLOWED_HOSTS="testserver",
            LOFTE_OPEN311_PER_MINUTE="1000000",
            LOFTE_OPEN311_ADDRESS_PER_MINUTE="1000000",
        )
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from benchmarks import est as bench_est
        from benchmarks import importing as bench_import
        from benchmarks import lagesbild as bench_lagesbild
        from benchmarks import pages
        from benchmarks import promises as bench_promises
        from benchmarks.report import ROOT, section, write_report

        requests = [] if args.skip_requests else pages.run(args.repeat)

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
            f"{load.path:<48} {load.per_second:7.0f} requests/s   median {load.median_ms:6.1f} ms   "
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
