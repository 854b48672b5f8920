"""docs/benchmarks.md: one section per database, each with the machine it was measured on and every benchmark's
tables; a run replaces its database's section and keeps the other's."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path

from benchmarks import est as bench_est
from benchmarks import lagesbild as bench_lagesbild
from benchmarks import promises as bench_promises

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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
    lagesbild: bench_lagesbild.Result | None = None,
    promises: bench_promises.Result | None = None,
    est: bench_est.Result | None = None,
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
        lines += bench_lagesbild.describe(lagesbild)
    if promises:
        lines += bench_promises.describe(promises)
    if est:
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
        "# Benchmarks\n\nWritten by `make bench` (`python -m benchmarks`), once on SQLite and once on PostgreSQL.\n"
    )
    pattern = re.compile(r"<!-- bench:(\w+) -->.*?<!-- /bench:\1 -->", flags=re.S)
    kept = {match.group(1): match.group(0) for match in pattern.finditer(old)}
    kept[database] = text
    body = "\n\n".join(kept[name] for name in sorted(kept, key=lambda n: (n != "sqlite", n)))
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return path
