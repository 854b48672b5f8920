"""Grannsamverkan groups: contact persons for an area who receive the warnings for that area.

The samordnare (Can.MANAGE) creates groups and adds or removes contact persons. A contact needs no opt-in by
e-mail: the samordnare adds only people who have agreed to it, and every message lets them leave with one click.
Contacts are personal data: only the samordnare sees them, and the audit log names the group, never the person or
the address.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.citizens.models import GrannsamverkanGroup, GroupContact
from lofte.citizens.subscriptions import new_token, normalise_email, subscribable_areas
from lofte.lib.pii import describe, find_personal_data
from lofte.partnerships.access import Can, PartnershipAccess


class GroupRefused(Exception):
    """The role or the input does not allow the change; `fields` maps form fields to messages."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def _require(access: PartnershipAccess) -> None:
    if not access.can(Can.MANAGE):
        raise GroupRefused(_("Bara samordnaren kan ändra grannsamverkansgrupperna."))


def _require_group(access: PartnershipAccess, group: GrannsamverkanGroup) -> None:
    _require(access)
    if group.partnership_id != access.partnership.pk:
        raise GroupRefused(_("Gruppen hör till en annan samverkan."))


def _screen(field: str, text: str) -> None:
    if findings := find_personal_data(text):
        message = describe(findings)
        raise GroupRefused(message, {field: [message]})


def do_create_group(access: PartnershipAccess, *, name: str, area: Area, actor: Any) -> GrannsamverkanGroup:
    _require(access)
    name = name.strip()
    if not name:
        message = _("Skriv gruppens namn.")
        raise GroupRefused(message, {"name": [message]})
    _screen("name", name)
    if not subscribable_areas(access.partnership.area).filter(pk=area.pk).exists():
        message = _("Välj kommunen eller ett av dess områden.")
        raise GroupRefused(message, {"area": [message]})
    with transaction.atomic():
        group = GrannsamverkanGroup.objects.create(partnership=access.partnership, name=name, area=area)
        changes = {"namn": name, "område": area.name}
        record("grannsamverkan.create", actor=actor, obj=group, partnership=access.partnership, changes=changes)
    return group


def do_add_contact(
    access: PartnershipAccess, group: GrannsamverkanGroup, *, email: str, name: str = "", actor: Any
) -> GroupContact:
    _require_group(access, group)
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        message = _("Skriv en giltig e-postadress.")
        raise GroupRefused(message, {"email": [message]}) from None
    name = name.strip()
    _screen("name", name)
    with transaction.atomic():
        existing = GroupContact.objects.select_for_update().filter(group=group, email=email).first()
        if existing is not None:
            if existing.unsubscribed_at is not None:
                message = _(
                    "Personen har själv avslutat utskicken från gruppen. Ta bort personen och lägg till igen "
                    "bara om hen har sagt ja på nytt."
                )
            else:
                message = _("Adressen finns redan i gruppen.")
            raise GroupRefused(message, {"email": [message]})
        contact = GroupContact.objects.create(group=group, email=email, name=name, token=new_token())
        changes = {"grupp": group.name}
        record("grannsamverkan.add_contact", actor=actor, obj=contact, partnership=access.partnership, changes=changes)
    return contact


def do_remove_contact(access: PartnershipAccess, contact: GroupContact, *, actor: Any) -> None:
    group = contact.group
    _require_group(access, group)
    with transaction.atomic():
        record(
            "grannsamverkan.remove_contact",
            actor=actor,
            obj=contact,
            partnership=access.partnership,
            changes={"grupp": group.name},
        )
        contact.delete()
