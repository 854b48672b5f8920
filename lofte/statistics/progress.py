"""How far an import job has come, kept in the cache.

The import is one transaction, so the database cannot show its progress to anyone else while it runs; the
cache is shared by the web processes and the worker (a directory under var/ unless configured otherwise).
"""

from __future__ import annotations

from typing import NamedTuple

from lofte.lib.cache import cache

TIMEOUT = 24 * 60 * 60


class Progress(NamedTuple):
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _key(job_id: int) -> str:
    return f"lofte:import-job:{job_id}:progress"


def report(job_id: int, done: int, total: int) -> None:
    cache.set(_key(job_id), (done, total), TIMEOUT)


def read(job_id: int) -> Progress | None:
    value = cache.get(_key(job_id))
    return Progress(*value) if value else None


def clear(job_id: int) -> None:
    cache.delete(_key(job_id))
