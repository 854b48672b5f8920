"""What the members' warning pages read: the partnership's warnings, one of them, and the choices of the form.

The public's reads (published warnings only) are in `lofte.citizens.published`, which the kommun's page shares.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.citizens.models import AdvicePage, Delivery, Warning
from lofte.citizens.progress import DispatchState, deliveries_state
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership


def partnership_warnings(partnership: Partnership) -> list[Warning]:
    """Every warning of the partnership, drafts first, then the newest published (one query)."""
    warnings = Warning.objects.filter(partnership=partnership).only(
        "title", "category", "status", "valid_until", "published_at", "created_at", "partnership"
    )
    return list(warnings.order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id"))


def get_warning(access: PartnershipAccess, pk: int) -> Warning:
    """One of the partnership's warnings with its areas and advice, else 404."""
    warning = get_object_or_404(
        Warning.objects.prefetch_related("areas", "advice"), partnership=access.partnership, pk=pk
    )
    warning.partnership = access.partnership
    return warning


def warning_areas(kommun_id: int) -> QuerySet[Area]:
    """The parts of the kommun a warning may be about."""
    areas = Area.objects.filter(parent_id=kommun_id, kind__in=SUBDIVISION_KINDS)
    return areas.order_by("kind", "name").only("code", "name", "kind", "parent")


def warning_advice(partnership_id: int) -> QuerySet[AdvicePage]:
    """The published advice a warning may link to: the partnership's own pages and the shared ones."""
    pages = AdvicePage.objects.filter(Q(partnership_id=partnership_id) | Q(partnership__isnull=True))
    return pages.filter(is_published=True).order_by("title").only("partnership", "slug", "title")


def dispatch_state(warning: Warning) -> DispatchState:
    """The warning's deliveries counted (one query); no address is read."""
    return deliveries_state(Delivery.objects.filter(warning=warning))
