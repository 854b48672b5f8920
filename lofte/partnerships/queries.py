"""Reads for the partnership pages and the API, each a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from lofte.audit.feed import FeedEntry, feed_entries
from lofte.audit.models import AuditEvent
from lofte.partnerships.models import Membership, Organisation, Partnership


@dataclass(frozen=True)
class OrganisationWithMembers:
    organisation: Organisation
    members: list[Membership]


def memberships_of(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation", "organisation__area")


def organisations_with_members(partnership: Partnership) -> list[OrganisationWithMembers]:
    members = (
        Membership.objects.active().filter(user__is_active=True).select_related("user").order_by("user__full_name")
    )
    organisations = (
        partnership.organisations.select_related("area")
        .defer("area__geometry")
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="active_members"))
    )
    return [OrganisationWithMembers(org, org.active_members) for org in organisations]


def recent_activity(partnership: Partnership, limit: int = 10) -> list[FeedEntry]:
    """The latest changes as every member may read them (lofte.audit.feed): no addresses, no anonymous reporter."""
    events = AuditEvent.objects.filter(partnership=partnership).select_related("actor").order_by("-at", "-id")
    return feed_entries(events[:limit])


def subdivisions_of(partnership: Partnership) -> QuerySet[Any]:
    return partnership.area.children.order_by("kind", "name").only("code", "name", "kind")


def _parties() -> Prefetch:
    organisations = Organisation.objects.select_related("area").defer("area__geometry").order_by("kind", "name")
    return Prefetch("organisations", queryset=organisations)


def with_parties(queryset: QuerySet[Partnership]) -> QuerySet[Partnership]:
    return (
        queryset.select_related("area", "area__parent")
        .defer("area__geometry", "area__parent__geometry")
        .prefetch_related(_parties())
    )


def load_parties(partnership: Partnership) -> Partnership:
    """The parties of a partnership already fetched (by the access check), in one query."""
    prefetch_related_objects([partnership], _parties())
    return partnership
