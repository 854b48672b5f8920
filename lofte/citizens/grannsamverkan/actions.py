"""Every change to the Grannsamverkan groups: contact persons for an area who receive the warnings for that area.

The samordnare (Can.MANAGE) creates groups and adds or removes contact persons. A contact needs no opt-in by
e-mail: the samordnare adds only people who have agreed to it, and every message lets them leave with one click.
Contacts are personal data: only the samordnare sees them, and the audit log names the group, never the person or
the address.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.citizens.models import GrannsamverkanGroup, GroupContact
from lofte.citizens.recipients import new_token, normalise_email, subscribable_areas
from lofte.lib.actors import Actor
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess


class GroupRefused(ActionRefused):
    """The role or the input does not allow the change; the message says why, `field` where."""


ONLY_SAMORDNARE = gettext_lazy("Bara samordnaren kan ändra grannsamverkansgrupperna.")
FOREIGN = gettext_lazy("Gruppen hör till en annan samverkan.")


def do_create_group(access: PartnershipAccess, *, name: str, area: Area, actor: Actor) -> GrannsamverkanGroup:
    """A new group for an area of the partnership's kommun (or the whole kommun)."""
    access.require(Can.MANAGE, GroupRefused, ONLY_SAMORDNARE)
    name = name.strip()
    if not name:
        raise GroupRefused(_("Skriv gruppens namn."), field="name")
    refuse_personal_data({"name": name}, ["name"], GroupRefused)
    if not subscribable_areas(access.partnership.area).filter(pk=area.pk).exists():
        raise GroupRefused(_("Välj kommunen eller ett av dess områden."), field="area")
    with transaction.atomic():
        group = GrannsamverkanGroup.objects.create(partnership=access.partnership, name=name, area=area)
        changes = {"namn": name, "område": area.name}
        record("grannsamverkan.create", actor=actor, obj=group, partnership=access.partnership, changes=changes)
    return group


def do_add_contact(
    access: PartnershipAccess, group: GrannsamverkanGroup, *, email: str, name: str = "", actor: Actor
) -> GroupContact:
    """Add a person who has agreed to receive the group's warnings; the audit row names the group only."""
    access.require(Can.MANAGE, GroupRefused, ONLY_SAMORDNARE, owner=group.partnership_id, foreign=FOREIGN)
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise GroupRefused(_("Skriv en giltig e-postadress."), field="email") from None
    name = name.strip()
    refuse_personal_data({"name": name}, ["name"], GroupRefused)
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
            raise GroupRefused(message, field="email")
        contact = GroupContact.objects.create(group=group, email=email, name=name, token=new_token())
        changes = {"grupp": group.name}
        record("grannsamverkan.add_contact", actor=actor, obj=contact, partnership=access.partnership, changes=changes)
    return contact


def do_remove_contact(access: PartnershipAccess, contact: GroupContact, *, actor: Actor) -> None:
    """Take a person out of the group (the row goes: contacts are personal data)."""
    group = contact.group
    access.require(Can.MANAGE, GroupRefused, ONLY_SAMORDNARE, owner=group.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        record(
            "grannsamverkan.remove_contact",
            actor=actor,
            obj=contact,
            partnership=access.partnership,
            changes={"grupp": group.name},
        )
        contact.delete()
