"""How hard Löfte makes guessing passwords and flooding mailboxes, without letting an attacker lock anyone out.

Three layers:

- **Address and account together** (django-axes, `AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`):
  `LOFTE_LOGIN_FAILURE_LIMIT` wrong passwords for one account from one client address lock that pair for the
  cool-off. The address is `lofte.lib.clients.client_address` (axes calls `client_ip`, its form for an address column), so behind the
  reverse proxy each client has its own, and an attacker's guesses never lock the real user's address.
- **The account alone: a progressive delay, not a lock** (`wait_before_sign_in`). Failures for one account from
  every address within the cool-off add up, read from axes's own `AccessAttempt` rows; from the
  `FREE_FAILURES`-th on, a sign-in for that account waits until `2 ** (failures - FREE_FAILURES)` seconds (at
  most `LOFTE_LOGIN_DELAY_MAX_SECONDS`) have passed since the last failure. A sign-in tried sooner is not
  checked at all (so it counts as no failure) and is answered at once with the seconds left: the request never
  sleeps, so guesses cannot tie up the server's threads. Guessing from many addresses gets slow; the real user
  waits at most that long and gets in. Hand-written because axes knows only locks.
- **Password-reset mail** (`reset_allowed`): at most `LOFTE_RESET_PER_ACCOUNT` an hour for one address typed in
  the form and `LOFTE_RESET_PER_CLIENT` an hour from one client address, counted in the cache in fixed windows
  under keyed hashes (neither the e-mail address nor the client address is kept). The count is bumped first and
  the new value compared, so parallel requests cannot all slip under the limit where the cache's `incr` is
  atomic (local memory, Redis, Memcached). Whether the account exists plays no part.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from lofte.audit.limits import address_key
from lofte.lib.clients import client_address

FREE_FAILURES = 3  # failures for an account before sign-ins for it are slowed
RESET_WINDOW = 60 * 60  # seconds of one counting window for reset mails


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """Count failures per address without case, so changing case does not reset the count."""
    # django-allauth authenticates with {"email": ...}; the form's field is "login".
    found = [credentials.get(key) for key in ("email", "username", "login")] if credentials else []
    raw = next((value for value in found if value), None)
    if raw is None:
        raw = request.POST.get("login", "") if request is not None and hasattr(request, "POST") else ""
    return str(raw).strip().lower()


# --- The account alone: a progressive delay --------------------------------------------------


def delay_for(failures: int) -> float:
    """Seconds a sign-in for an account waits after its last failure, given its recent failures."""
    if failures < FREE_FAILURES:
        return 0.0
    cap = float(settings.LOFTE_LOGIN_DELAY_MAX_SECONDS)
    return min(cap, 2.0 ** min(failures - FREE_FAILURES, 30))


def sign_in_delay(username: str) -> float:
    """Seconds left before a sign-in for `username` may be tried (0 when there is nothing to wait for)."""
    now = timezone.now()
    recent = AccessAttempt.objects.filter(
        username=username.strip().lower(), attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if not recent["failures"] or recent["last"] is None:
        return 0.0
    ready = recent["last"] + timedelta(seconds=delay_for(recent["failures"]))
    return max(0.0, (ready - now).total_seconds())


def seconds_to_wait(username: str) -> int:
    """Whole seconds before a sign-in for `username` may be checked (0: now)."""
    if not settings.AXES_ENABLED:
        return 0
    return math.ceil(sign_in_delay(username))


# --- Password-reset mail ---------------------------------------------------------------------


def reset_allowed(request: HttpRequest, email: str) -> bool:
    """Count one reset request for `email` from the client; whether a mail may go out for it."""
    per_account = _bump("account", email.strip().lower()) <= settings.LOFTE_RESET_PER_ACCOUNT
    per_client = _bump("client", client_address(request)) <= settings.LOFTE_RESET_PER_CLIENT
    return per_account and per_client


def _bump(kind: str, value: str) -> int:
    bucket = int(timezone.now().timestamp()) // RESET_WINDOW
    digest = address_key(value)[:32]
    key = f"lofte:accounts:reset:{kind}:{bucket}:{digest}"
    if cache.add(key, 1, timeout=RESET_WINDOW):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=RESET_WINDOW)
        return 1
