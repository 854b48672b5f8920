"""The one place that decides what a signed-in user may see and change.

A user belongs to organisations through memberships. They may see a partnership when one of
their organisations is a party to it, and what they may do there follows from their role.
Anyone else gets 404, so the existence of another kommun's work is not revealed.

An API request signed with a personal access token (lofte.accounts.tokens) carries its user with
`token_partnership_id` set: every check here then sees only that one partnership, as if the user were a
member of no other, so no endpoint has to remember the token's scope.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Membership, Partnership

Role = Membership.Role


class Can(enum.Enum):
    VIEW = "view"
    REPORT = "report"  # submit incident reports and observations
    EDIT = "edit"  # change the partnership's lägesbild, promises and follow-up
    MANAGE = "manage"  # areas, members and settings of the partnership
    VIEW_RESTRICTED = "view_restricted"  # police information not shared with everyone


CAPABILITIES: dict[str, frozenset[Can]] = {
    Role.SAMORDNARE: frozenset({Can.VIEW, Can.REPORT, Can.EDIT, Can.MANAGE}),
    Role.POLIS: frozenset({Can.VIEW, Can.REPORT, Can.EDIT, Can.VIEW_RESTRICTED}),
    Role.RAPPORTOR: frozenset({Can.VIEW, Can.REPORT}),
    Role.LASARE: frozenset({Can.VIEW}),
    Role.ADMIN: frozenset({Can.VIEW, Can.REPORT, Can.EDIT, Can.MANAGE}),
}


def roles_with(capability: Can) -> list[str]:
    """The roles that give this capability."""
    return [role for role, caps in CAPABILITIES.items() if capability in caps]


@dataclass(frozen=True)
class PartnershipAccess:
    partnership: Partnership
    roles: frozenset[str]

    def can(self, capability: Can) -> bool:
        return any(capability in CAPABILITIES[role] for role in self.roles)

    def require(
        self,
        capability: Can,
        refused: type[ActionRefused],
        message: object,
        *,
        owner: int | None = None,
        foreign: object = "",
    ) -> None:
        """The preamble of every action: refuse with `message` unless the role gives `capability`, and with
        `foreign` when the object the action changes belongs to another partnership (`owner`, its partnership's
        id; None for a new object)."""
        if not self.can(capability):
            raise refused(message)
        if owner is not None and owner != self.partnership.pk:
            raise refused(foreign or message)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in sorted(self.roles)]

    @property
    def can_edit(self) -> bool:
        return self.can(Can.EDIT)

    @property
    def can_manage(self) -> bool:
        return self.can(Can.MANAGE)


def _scope(user: Any) -> int | None:
    """The one partnership a personal access token lets this user reach, or None for no such limit."""
    return getattr(user, "token_partnership_id", None)


def _within_scope(user: Any, memberships: QuerySet[Any], path: str) -> QuerySet[Any]:
    scope = _scope(user)
    return memberships if scope is None else memberships.filter(**{path: scope})


def partnerships_for(user: Any) -> QuerySet[Partnership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Partnership.objects.none()
    active = Partnership.objects.filter(
        organisations__memberships__user=user, organisations__memberships__deactivated_at__isnull=True
    )
    return _within_scope(user, active, "pk").distinct()


def roles_in(user: Any, partnership: Partnership) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if _scope(user) not in (None, partnership.pk):
        return frozenset()
    roles = (
        Membership.objects.active()
        .filter(user=user, organisation__partnerships=partnership)
        .order_by()
        .values_list("role", flat=True)
    )
    return frozenset(roles)


def get_partnership_for_user(user: Any, slug: str, need: Can = Can.VIEW) -> PartnershipAccess:
    """The partnership with this slug as `user` may use it: 404 if not theirs, 403 if their role is too small."""
    partnership = (
        Partnership.objects.select_related("area", "area__parent")
        .defer("area__geometry", "area__parent__geometry")
        .filter(slug=slug)
        .first()
    )
    if partnership is None:
        raise Http404("No such partnership")
    roles = roles_in(user, partnership)
    if not roles:
        raise Http404("No such partnership")
    access = PartnershipAccess(partnership, roles)
    if not access.can(need):
        raise PermissionDenied
    return access


def can_manage_kommun(user: Any, kommun_code: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    memberships = Membership.objects.active().filter(
        user=user,
        role__in=roles_with(Can.MANAGE),
        organisation__partnerships__area__code=kommun_code,
    )
    return _within_scope(user, memberships, "organisation__partnerships").exists()


def can_anywhere(user: Any, capability: Can) -> bool:
    """Whether the user has this capability in at least one partnership (for shared data such as statistics)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    memberships = Membership.objects.active().filter(
        user=user,
        role__in=roles_with(capability),
        organisation__partnerships__isnull=False,
    )
    return _within_scope(user, memberships, "organisation__partnerships").exists()


def people_managed_by(user: Any, partnership: Partnership) -> frozenset[int]:
    """The organisations of the partnership whose people `user` may invite, change, deactivate and reactivate: every
    one for a samordnare, their own for an organisation's admin (Role.ADMIN), none for anyone else. The one rule for
    the members' pages and the API (lofte.accounts.people)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    parties = set(partnership.organisations.values_list("pk", flat=True))
    own = (
        Membership.objects.active()
        .filter(user=user, organisation__in=parties, role__in=[Role.SAMORDNARE, Role.ADMIN])
        .values_list("organisation_id", "role")
    )
    if any(role == Role.SAMORDNARE for _org, role in own):
        return frozenset(parties)
    return frozenset(org for org, _role in own)


def published_partnerships() -> QuerySet[Partnership]:
    """What anonymous visitors may see."""
    return Partnership.objects.filter(is_published=True)
