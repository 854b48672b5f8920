"""Sign-in, sign-out and failed sign-in attempts are audited like any other change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from lofte.audit.log import record


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("auth.login", actor=user, obj=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("auth.logout", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Never store the attempted password; the username is what an administrator needs.
    # django-allauth authenticates with "email"; Django's own forms with "username".
    label = credentials.get("email") or credentials.get("username") or ""
    record("auth.login_failed", actor=None, actor_label=str(label)[:254])
