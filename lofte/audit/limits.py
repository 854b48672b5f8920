"""Rate limits that hold under parallel requests: a counter per scope, key and fixed window, in the database.

Why the database and not Django's cache (nor django-ratelimit, which counts in the cache): the configured cache is
a directory of files by default, whose `incr` reads and then writes, so parallel requests read the same count and
each pass (20 parallel tips stored 11 against a limit of 5), and a per-process cache would count per worker. Here
a request takes a slot before it acts (`Limit.take`) with one conditional UPDATE (`count < limit`), which SQLite
(one writer at a time) and PostgreSQL (a row lock, the condition read again after the wait) both run atomically;
the window's row is created first with INSERT … ON CONFLICT DO NOTHING. Exactly `limit` requests get a slot. A
request refused afterwards may give its slot back (`give_back`).

A client address is kept only as a keyed hash (HMAC-SHA256 with SECRET_KEY, `address_key`), never in clear. A row
expires at the end of its window, which is at most a day: expired rows are deleted whenever a new window begins
(`take`) and by `lofte prune-limits` (daily from cron), so no hash outlives its window by more than a day.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from lofte.audit.models import RateBucket
from lofte.lib.clients import client_address

DAY = 24 * 60 * 60


def address_key(address: str) -> str:
    """The keyed hash a limit keeps instead of a client address."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Slot:
    """One counted request: what `give_back` needs to uncount it."""

    scope: str
    key: str
    window_start: datetime


@dataclass(frozen=True)
class Limit:
    """At most `limit` requests per `window` seconds for each key, counted apart under `scope`."""

    scope: str
    limit: int
    window: int

    def __post_init__(self) -> None:
        if not 0 < self.window <= DAY:
            raise ValueError("A rate limit's window is at most a day, so that its keys are kept at most a day.")

    def take(self, key: str, now: datetime | None = None) -> Slot | None:
        """Count one request for `key`, or None when the window's `limit` is reached (nothing counted)."""
        now = now or timezone.now()
        slot = Slot(self.scope, key, self._start(now))
        if self._increment(slot):
            return slot
        prune(now)  # a new window (or a full one): a moment to delete what has expired
        RateBucket.objects.bulk_create(
            [RateBucket(scope=self.scope, key=key, window_start=slot.window_start, expires_at=self._end(slot))],
            ignore_conflicts=True,
        )
        return slot if self._increment(slot) else None

    def take_for_client(self, request: HttpRequest) -> Slot | None:
        """`take` for the request's client, known by the keyed hash of its address only."""
        return self.take(address_key(client_address(request)))

    def retry_after(self, now: datetime | None = None) -> int:
        """Seconds until the current window ends (the `Retry-After` of a refusal)."""
        now = now or timezone.now()
        return max(1, ceil((self._start(now) + timedelta(seconds=self.window) - now).total_seconds()))

    def _increment(self, slot: Slot) -> bool:
        rows = _rows(slot).filter(count__lt=self.limit)
        return rows.update(count=F("count") + 1) == 1

    def _start(self, now: datetime) -> datetime:
        seconds = int(now.timestamp()) // self.window * self.window
        return datetime.fromtimestamp(seconds, tz=UTC)

    def _end(self, slot: Slot) -> datetime:
        return slot.window_start + timedelta(seconds=self.window)


def _rows(slot: Slot) -> QuerySet[RateBucket]:
    return RateBucket.objects.filter(scope=slot.scope, key=slot.key, window_start=slot.window_start)


def give_back(slot: Slot) -> None:
    """Uncount a request that was refused after it took its slot."""
    _rows(slot).filter(count__gt=0).update(count=F("count") - 1)


def prune(now: datetime | None = None) -> int:
    """Delete the counters whose window has passed; the number deleted."""
    deleted, _by_model = RateBucket.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
