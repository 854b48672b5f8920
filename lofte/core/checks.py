"""Misconfiguration that Django's own checks do not catch.

`lofte check --deploy` also compares LOFTE_PROXY_COUNT with what recent requests looked like: the forwarding
middleware (`lofte.lib.clients`) notes in the cache how many X-Forwarded-For addresses requests carried, so the
check works where the cache is shared with the web processes (the default file cache on one machine, Redis).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils import timezone

from lofte.lib.clients import forwarding_seen, proxy_count


@register(Tags.security, deploy=True)
def check_production(app_configs: Any, **kwargs: Any) -> list[Any]:
    if not settings.PRODUCTION:
        return []
    problems: list[Any] = []
    if settings.DEBUG:
        problems.append(Error("DEBUG is on with LOFTE_ENV=production.", hint="Unset DEBUG.", id="lofte.E001"))
    if not settings.ALLOWED_HOSTS:
        problems.append(
            Error("ALLOWED_HOSTS is empty.", hint="Set ALLOWED_HOSTS to the site's host name.", id="lofte.E002")
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        problems.append(
            Warning(
                "E-mail goes to the console, so password-reset mails never arrive.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
                id="lofte.W001",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        problems.append(Warning("SITE_URL should start with https:// in production.", id="lofte.W002"))
    return problems


@register(Tags.security, deploy=True)
def check_proxy_count(app_configs: Any, **kwargs: Any) -> list[Any]:
    """LOFTE_PROXY_COUNT against the X-Forwarded-For of the requests of the last day (noted by the middleware)."""
    count = proxy_count()
    seen = forwarding_seen(since=timezone.now() - timedelta(days=1))
    forwarded = sorted(hops for hops in seen if hops > 0)
    if count == 0 and forwarded:
        return [
            Warning(
                f"Requests of the last day arrived with X-Forwarded-For ({_hops(forwarded)}) but "
                "LOFTE_PROXY_COUNT is 0, so every client behind the proxy shares its address: one sign-in "
                "throttle and one limit for all, and the proxy's address in the audit log.",
                hint="Set LOFTE_PROXY_COUNT to the number of reverse proxies in front of Löfte (usually 1).",
                id="lofte.W021",
            )
        ]
    fewer = sorted(hops for hops in seen if hops < count)
    if count > 0 and fewer:
        return [
            Warning(
                f"LOFTE_PROXY_COUNT is {count} but requests of the last day arrived with fewer addresses in "
                f"X-Forwarded-For ({_hops(fewer)}); their client address is taken from REMOTE_ADDR.",
                hint="Set LOFTE_PROXY_COUNT to the number of reverse proxies every request passes, and let "
                "requests reach Löfte only through them (bind `lofte serve` to 127.0.0.1).",
                id="lofte.W022",
            )
        ]
    return []


def _hops(counts: list[int]) -> str:
    return ", ".join(f"{hops} address{'es' if hops != 1 else ''}" for hops in counts)
