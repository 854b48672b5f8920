"""`make bench`: time the main pages and API endpoints on a fresh database, write docs/benchmarks.md.

Runs against a throwaway SQLite database (or DATABASE_URL if set) loaded with the demo.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

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


def run(repeat: int) -> list[tuple[str, float, float]]:
    import django
    from django.core.management import call_command
    from django.test import Client

    django.setup()
    call_command("migrate", verbosity=0)
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


def write_report(results: list[tuple[str, float, float]], repeat: int, database: str) -> Path:
    import django

    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m lofte.bench`): each request runs once to warm up, then",
        f"{repeat} times through Django's test client in one process (no network, no server).",
        "",
        f"- date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- machine: {_cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, database: {database}",
        "",
        "| request | median ms | p95 ms |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {median:.1f} | {p95:.1f} |" for name, median, p95 in results],
        "",
    ]
    path = ROOT / "docs" / "benchmarks.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")
        os.environ["LOFTE_VAR_DIR"] = tmp
        os.environ["AXES_ENABLED"] = "false"
        os.environ["ALLOWED_HOSTS"] = "testserver"
        results = run(args.repeat)
        database = os.environ["DATABASE_URL"].split(":", 1)[0]
        path = write_report(results, args.repeat, database)
    for name, median, p95 in results:
        print(f"{name:<48} median {median:7.1f} ms   p95 {p95:7.1f} ms")
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
