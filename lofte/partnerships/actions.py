"""Every change to organisations, partnerships and memberships goes through here.

A role that opens the police's restricted information (`access.Can.VIEW_RESTRICTED`: the polis role) is granted
apart from other changes: never by an operator to themselves (another operator must do it, so no one alone can
read underrättelse by making themselves police), and by a person only with a stated reason, which is audited in a
row of its own (`membership.grant_restricted`). The admin (users and memberships) checks the same through
`check_role_grant` before it saves and writes the same row through `record_restricted_grant`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import diff, record
from lofte.lib.actors import Actor, SystemActor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import CAPABILITIES, Can
from lofte.partnerships.models import Membership, Organisation, Partnership
from lofte.partnerships.signals import partnership_created


class PartnershipRefused(ActionRefused):
    """The partnership cannot be set up as asked; the message says why."""


# A partnership's free text, shown to its members and, once published, to the public.
FREE_TEXT = ("name", "description")


class MembershipRefused(ActionRefused):
    """The membership's role cannot be given as asked; the message says why."""


CONFIRM_FIELD = "confirm_restricted"


def grants_restricted(role: str) -> bool:
    """Whether the role opens the police's restricted information (partnerships/access.py decides)."""
    return Can.VIEW_RESTRICTED in CAPABILITIES.get(role, frozenset())


def check_role_grant(
    user: Any, organisation_id: int, role: str, *, before: Membership | None, actor: Actor, reason: str
) -> bool:
    """Refuse giving `user` a role with restricted access in the organisation unless another person does it with a
    reason; True when the change grants such access anew (a new membership, another person or organisation, or a
    role that did not have it). The console (`lofte demo`, a command: a `SystemActor`) needs no reason, and is
    audited all the same."""
    if not grants_restricted(role):
        return False
    already = before is not None and grants_restricted(before.role)
    if already and before is not None and (before.user_id, before.organisation_id) == (user.pk, organisation_id):
        return False
    label = Membership.Role(role).label
    operator = user_of(actor)
    if isinstance(actor, SystemActor) and operator is None:
        return True
    if operator is None or operator.pk == user.pk:
        raise MembershipRefused(
            _(
                "Du kan inte ge dig själv rollen %(role)s: den ger tillgång till polisens begränsade uppgifter "
                "(underrättelse). En annan administratör måste göra det."
            )
            % {"role": label},
            field="role",
        )
    if not reason.strip():
        raise MembershipRefused(
            _(
                "Rollen %(role)s ger tillgång till polisens begränsade uppgifter (underrättelse). Bekräfta genom "
                "att skriva skälet, till exempel vem som beslutade om behörigheten."
            )
            % {"role": label},
            field=CONFIRM_FIELD,
        )
    return True


def record_restricted_grant(membership: Membership, *, actor: Actor, reason: str) -> None:
    """The audit row of its own for a granted role with restricted access, with the stated reason."""
    changes = {
        "user": membership.user.email,
        "organisation": membership.organisation.name,
        "role": membership.role,
        "reason": reason.strip(),
    }
    record("membership.grant_restricted", actor=actor, obj=membership, changes=changes)


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
    allowed = {"name", "starts_on", "ends_on", "description", "is_published", "require_mfa_for_all"}
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


def do_add_membership(
    user: Any, organisation: Organisation, role: str, *, actor: Actor, title: str = "", reason: str = ""
) -> Membership:
    """Give `user` the role in the organisation (or change it); a role with restricted access needs another person
    and a `reason` (`check_role_grant`)."""
    with transaction.atomic():
        existing = Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
        if existing is not None and (existing.role, existing.title) == (role, title):
            return existing
        grant = check_role_grant(user, organisation.pk, role, before=existing, actor=actor, reason=reason)
        changes: dict[str, Any] = {"user": user.email, "organisation": organisation.name, "role": role, "title": title}
        if existing is None:
            membership = Membership.objects.create(user=user, organisation=organisation, role=role, title=title)
        else:
            changes["before"] = {"role": existing.role, "title": existing.title}
            membership = existing
            membership.role, membership.title = role, title
            membership.save(update_fields=["role", "title"])
        action = "membership.create" if existing is None else "membership.update"
        record(action, actor=actor, obj=membership, changes=changes)
        if grant:
            record_restricted_grant(membership, actor=actor, reason=reason)
    return membership
