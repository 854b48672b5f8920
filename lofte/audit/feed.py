"""The activity feed: audit rows as members read them ("<who> <did what> <to what>"), naming only what every member
of the partnership may see.

The feed is read by every member, läsare included, so it names people by name and never by address: a user is
their full name, a user without one "en användare", a removed account (whose row keeps only its address) "en
tidigare användare", and a command or the demo its own name. A reporter who chose "dölj mitt namn" is never named
here, whoever reads it: those who may know (est/access.py) see the name on the report itself. The object is the
text the row was written with, with any personal data in it (an address kept in a membership's name) replaced.
Restricted police information never reaches a row's object in the first place (situation.lagesbild.actions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from lofte.audit.models import AuditEvent
from lofte.lib.pii import redact


@dataclass(frozen=True)
class FeedEntry:
    at: datetime
    who: str
    did: str
    what: str


def feed_entries(events: Iterable[AuditEvent]) -> list[FeedEntry]:
    """The rows as the feed shows them; fetch them with select_related("actor")."""
    return [
        FeedEntry(event.at, shown_actor(event), event.get_action_display(), redact(event.object_repr))
        for event in events
    ]


def shown_actor(event: AuditEvent) -> str:
    if event.actor_hidden:
        return _("en anonym rapportör")
    if event.actor is not None:
        return event.actor.full_name or _("en användare")
    if "@" in event.actor_label:
        return _("en tidigare användare")
    return event.actor_label or _("systemet")
