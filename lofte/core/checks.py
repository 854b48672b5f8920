"""Misconfiguration that Django's own checks do not catch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
