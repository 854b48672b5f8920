"""Every change to organisations, partnerships and memberships goes through here."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import diff, record
from lofte.lib.actors import Actor
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Membership, Organisation, Partnership
from lofte.partnerships.signals import partnership_created


class PartnershipRefused(ActionRefused):
    """The partnership cannot be set up as asked; the message says why."""


# A partnership's free text, shown to its members and, once published, to the public.
FREE_TEXT = ("name", "description")


def _unique_slug(model: Any, name: str) -> str:
    base = slugify(name)[:90] or "x"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def do_create_organisation(*, name: str, kind: str, area: Area | None, actor: Actor, slug: str = "") -> Organisation:
    with transaction.atomic():
        organisation = Organisation(name=name, kind=kind, area=area, slug=slug or _unique_slug(Organisation, name))
        organisation.full_clean()
        organisation.save()
        record("organisation.create", actor=actor, obj=organisation, changes={"name": name, "kind": kind})
    return organisation


def do_create_partnership(
    *,
    name: str,
    area: Area,
    organisations: list[Organisation],
    actor: Actor,
    starts_on: date | None = None,
    ends_on: date | None = None,
    description: str = "",
    is_published: bool = False,
    slug: str = "",
) -> Partnership:
    if area.kind != Area.Kind.KOMMUN:
        raise PartnershipRefused(_("En samverkan gäller en kommun."), field="area")
    refuse_personal_data({"name": name, "description": description}, FREE_TEXT, PartnershipRefused)
    with transaction.atomic():
        partnership = Partnership(
            name=name,
            slug=slug or _unique_slug(Partnership, name),
            area=area,
            starts_on=starts_on,
            ends_on=ends_on,
            description=description,
            is_published=is_published,
        )
        partnership.full_clean()
        partnership.save()
        partnership.organisations.set(organisations)
        record(
            "partnership.create",
            actor=actor,
            obj=partnership,
            partnership=partnership,
            changes={"area": area.code, "organisations": [o.name for o in organisations]},
        )
        partnership_created.send(sender=Partnership, partnership=partnership, actor=actor)
    return partnership


def do_update_partnership(partnership: Partnership, *, actor: Actor, **values: Any) -> list[str]:
    allowed = {"name", "starts_on", "ends_on", "description", "is_published"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    refuse_personal_data(values, FREE_TEXT, PartnershipRefused)
    before = {name: getattr(partnership, name) for name in values}
    with transaction.atomic():
        for name, value in values.items():
            setattr(partnership, name, value)
        changes = diff(partnership, list(values), before)
        if not changes:
            return []
        partnership.full_clean()
        partnership.save(update_fields=[*changes, "updated_at"])
        record("partnership.update", actor=actor, obj=partnership, partnership=partnership, changes=changes)
    return list(changes)


def do_add_membership(user: Any, organisation: Organisation, role: str, *, actor: Actor, title: str = "") -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role, "title": title}
        )
        if not created and (membership.role, membership.title) == (role, title):
            return membership
        before = {"role": membership.role, "title": membership.title}
        membership.role, membership.title = role, title
        if not created:
            membership.save(update_fields=["role", "title"])
        changes = {"user": user.email, "organisation": organisation.name, "role": role, "title": title}
        if not created:
            changes["before"] = before
        record("membership.create" if created else "membership.update", actor=actor, obj=membership, changes=changes)
    return membership
