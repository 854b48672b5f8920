"""Which old archives to delete: keep the newest archive of each of the last N days, weeks and months.

The rule that borg and restic call `--keep-daily/--keep-weekly/--keep-monthly`: archives are taken newest first; an
archive is kept when it is the newest of a day (week, month) not yet counted and fewer than N days (weeks, months)
have been counted. Only names `lofte-backup-<UTC time>.tar.gz[.enc]` are considered; other files are never touched.
Hand-written: the rule is these few lines, and the libraries that offer it (rotate-backups) bring their own
command line and configuration file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

NAME = re.compile(r"^lofte-backup-(\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz(?:\.enc)?$")


def archive_time(path: Path) -> datetime | None:
    match = NAME.match(path.name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def to_delete(paths: Iterable[Path], *, daily: int, weekly: int, monthly: int) -> list[Path]:
    """The archives among `paths` that none of the three rules keeps (all are kept when every rule is 0)."""
    dated = sorted(((when, path) for path in paths if (when := archive_time(path))), reverse=True)
    if not (daily or weekly or monthly):
        return []
    kept: set[Path] = set()
    for limit, period in (
        (daily, lambda when: when.date()),
        (weekly, lambda when: when.isocalendar()[:2]),
        (monthly, lambda when: (when.year, when.month)),
    ):
        seen: list[object] = []
        for when, path in dated:
            key = period(when)
            if key not in seen and len(seen) < limit:
                seen.append(key)
                kept.add(path)
    return [path for _when, path in dated if path not in kept]
