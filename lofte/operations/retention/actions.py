"""The one change of a partnership's retention periods, by its samordnare (`Can.MANAGE`), within the limits."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.lib.actors import Actor
from lofte.lib.refusals import ActionRefused
from lofte.operations.retention.kinds import PARTNERSHIP_KINDS, Kind
from lofte.operations.retention.models import RetentionPolicy
from lofte.partnerships.access import Can, PartnershipAccess


class RetentionRefused(ActionRefused):
    """The role is too small or a period lies outside the instance's limits; `field` names the kind's field."""


def do_set_retention(
    access: PartnershipAccess, periods: dict[str, int | None], *, actor: Actor
) -> dict[str, list[int | None]]:
    """Set the partnership's periods ({kind code: days, None for the instance's default}); returns what changed."""
    access.require(Can.MANAGE, RetentionRefused, _("Bara samordnaren kan ändra gallringen."))
    kinds = {kind.code: kind for kind in PARTNERSHIP_KINDS}
    unknown = set(periods) - set(kinds)
    if unknown:
        raise ValueError(f"No partnership's retention for {sorted(unknown)}")
    for code, days in periods.items():
        _check(kinds[code], days)
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.select_for_update().get_or_create(partnership=access.partnership)
        changes: dict[str, list[int | None]] = {}
        for code, days in periods.items():
            field = kinds[code].field
            if getattr(policy, field) != days:
                changes[code] = [getattr(policy, field), days]
                setattr(policy, field, days)
        if changes:
            policy.save(update_fields=[kinds[code].field for code in changes] + ["updated_at"])
            record("retention.update", actor=actor, obj=policy, partnership=access.partnership, changes=changes)
    return changes


def _check(kind: Kind, days: int | None) -> None:
    limits = kind.limits
    if days is None or limits is None:
        return
    if not limits.least <= days <= limits.most:
        message = _("Ange mellan %(least)s och %(most)s dagar (gränserna för den här installationen).") % {
            "least": limits.least,
            "most": limits.most,
        }
        raise RetentionRefused(message, field=kind.field)
