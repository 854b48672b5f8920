"""Setting EST up for a partnership: its settings row and its reference categories, written by one audited action.

`do_set_up_est` runs when a partnership is created (`partnerships.signals.partnership_created`, connected in
`EstConfig.ready`, inside the creating transaction), so every EST page, Open311 and the citizens' tips only read
them (`est/queries.py`) and a GET never writes. Migration `0005_set_up_existing_partnerships` did the same for the
partnerships created before.

Run again, it adds only what is missing and writes nothing when nothing is: a reference code added to
`categories.REFERENCE` since the partnership was set up arrives hidden, so a partnership's choices are never
changed behind its back (a data migration that calls `add_reference_categories` brings such a code to every
partnership). One audit row (`est.set_up`) says what was created.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lofte.audit.log import record
from lofte.est.categories import REFERENCE
from lofte.est.models import Category, EstSettings
from lofte.lib.actors import Actor
from lofte.partnerships.models import Partnership


@dataclass(frozen=True)
class PlannedCategory:
    code: str
    parent_code: str | None
    active: bool
    citizen: bool
    position: int


def planned_categories(existing: Collection[str]) -> list[PlannedCategory]:
    """The reference categories a partnership with these codes lacks, parents before their parts: all of them
    shown the first time, hidden when the partnership already has categories of its own choosing."""
    first_time = not existing
    return [
        PlannedCategory(ref.code, ref.parent_code, first_time, ref.citizen, position * 10)
        for position, ref in enumerate(REFERENCE)
        if ref.code not in existing
    ]


def add_reference_categories(category_model: Any, partnership_id: int) -> list[str]:
    """Create the reference categories the partnership lacks; their codes. `category_model` is `Category`, or its
    historical model in a data migration."""
    existing = {c.code: c for c in category_model.objects.filter(partnership_id=partnership_id)}
    added = []
    for planned in planned_categories(existing):
        existing[planned.code] = category_model.objects.create(
            partnership_id=partnership_id,
            code=planned.code,
            parent=existing.get(planned.parent_code) if planned.parent_code else None,
            active=planned.active,
            citizen=planned.citizen,
            position=planned.position,
        )
        added.append(planned.code)
    return added


def do_set_up_est(partnership: Partnership, *, actor: Actor) -> None:
    """Give the partnership its EST settings (the defaults) and the reference categories it lacks."""
    with transaction.atomic():
        settings, created = EstSettings.objects.get_or_create(partnership=partnership)
        added = add_reference_categories(Category, partnership.pk)
        if created or added:
            changes = {"settings": created, "categories": added}
            record("est.set_up", actor=actor, obj=settings, partnership=partnership, changes=changes)


def set_up_created_partnership(sender: Any, *, partnership: Partnership, actor: Actor, **kwargs: Any) -> None:
    """The receiver of `partnership_created`."""
    do_set_up_est(partnership, actor=actor)
