"""Write audit rows. Every action function calls `record` exactly once per change.

`record` is also the one place that makes the cached public pages stale (`lofte.lib.cache`): a change of a
partnership bumps its kommun's version, and a change that every kommun's pages may show (areas, what an operator
changes in the admin, such as organisations and the shared advice pages) passes `shown_everywhere=True`. No model
is watched, so a save outside an action costs nothing extra and changes nothing public until its action's audit
row is written.

The row keeps the client's address (`current_ip`, set by `AuditContextMiddleware`), except for an anonymous member
of the public (`SystemActor(..., anonymous=True)`: a tip, a subscription), whose rows keep no address at all.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

from django.db import models

from lofte.audit.models import AuditEvent
from lofte.lib import cache
from lofte.lib.actors import Actor, is_anonymous, label_of, user_of

if TYPE_CHECKING:
    from lofte.partnerships.models import Partnership

# The client address of the request being served, set by AuditContextMiddleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("lofte_audit_ip", default=None)


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def record(
    action: str,
    *,
    actor: Actor | None,
    obj: models.Model | None = None,
    partnership: Partnership | None = None,
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
    actor_hidden: bool = False,
    shown_everywhere: bool = False,
) -> AuditEvent:
    """One audit row; a partnership's change (or, with `shown_everywhere`, any) makes its public pages stale.

    `actor_hidden`: the actor chose not to be named to the partnership (lofte.audit.feed never names them)."""
    user = user_of(actor)
    label = actor_label or label_of(actor)
    event = AuditEvent.objects.create(
        actor=user,
        actor_label=label[:254],
        actor_hidden=actor_hidden,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        partnership=partnership,
        changes=_json_safe(changes or {}),
        ip_address=None if is_anonymous(actor) else current_ip.get(),
    )
    if partnership is not None:
        cache.bump(partnership.area.code)
    elif shown_everywhere:
        cache.bump(cache.ALL)
    return event


def diff(instance: models.Model, fields: list[str], before: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value changed, as {field: [old, new]}."""
    return {
        name: [before.get(name), getattr(instance, name)]
        for name in fields
        if before.get(name) != getattr(instance, name)
    }
