"""What the public may read of warnings and advice, each read in a fixed number of queries.

Only kommuner whose partnership is published have these pages. Drafts are never shown; withdrawn warnings are gone
from the front page, the archive and the feed; expired ones leave the front page but stay in the archive and feed.
Members read the same pages as the public does (they write on their own pages under /samverkan/).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lofte.areas.models import Area
from lofte.citizens.models import AdvicePage, RiskGroup, Warning
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.models import Partnership


@dataclass(frozen=True)
class PublicKommun:
    area: Area
    partnerships: list[Partnership]

    @property
    def partnership_ids(self) -> list[int]:
        return [partnership.pk for partnership in self.partnerships]


def public_kommun(code: str) -> PublicKommun:
    """The kommun with its published partnerships (one query); 404 when it has none."""
    partnerships = list(
        published_partnerships()
        .filter(area__code=code, area__kind=Area.Kind.KOMMUN)
        .select_related("area", "area__parent")
        .defer("area__geometry", "area__parent__geometry")
        .order_by("name")
    )
    if not partnerships:
        raise Http404("Nothing published for this kommun")
    return PublicKommun(partnerships[0].area, partnerships)


def _published_advice() -> QuerySet[AdvicePage]:
    return AdvicePage.objects.filter(is_published=True).only("partnership", "slug", "title", "risk_groups")


def published_warnings(partnership_ids: Sequence[int]) -> QuerySet[Warning]:
    """Published, not withdrawn, newest first, with their areas (two queries)."""
    areas = Area.objects.only("code", "name").order_by("name")
    return (
        Warning.objects.filter(partnership_id__in=partnership_ids, status=Warning.Status.PUBLICERAD)
        .prefetch_related(Prefetch("areas", queryset=areas))
        .order_by("-published_at", "-id")
    )


def current_warnings(partnership_ids: Sequence[int], today: datetime.date | None = None) -> list[Warning]:
    """For the kommun's front page: published and valid today or later."""
    if not partnership_ids:
        return []
    today = today or timezone.localdate()
    return list(published_warnings(partnership_ids).filter(valid_until__gte=today))


def public_warning(partnership_ids: Sequence[int], pk: int) -> Warning:
    """One published warning with its areas and its published advice (three queries)."""
    advice = Prefetch("advice", queryset=_published_advice().order_by("title"))
    warning = published_warnings(partnership_ids).filter(pk=pk).prefetch_related(advice).first()
    if warning is None:
        raise Http404("No such warning")
    return warning


def public_advice(partnership_ids: Sequence[int], group: str = "") -> list[AdvicePage]:
    """The kommun's own published pages first, then the shared ones; with a group, the pages for it or for all."""
    pages = list(
        AdvicePage.objects.filter(Q(partnership_id__in=partnership_ids) | Q(partnership__isnull=True))
        .filter(is_published=True)
        .order_by("title")
    )
    pages.sort(key=lambda page: page.partnership_id is None)
    if group:
        pages = [page for page in pages if group in page.risk_groups or RiskGroup.ALLA in page.risk_groups]
    return pages


def public_advice_page(partnership_ids: Sequence[int], slug: str) -> AdvicePage:
    pages = AdvicePage.objects.filter(Q(partnership_id__in=partnership_ids) | Q(partnership__isnull=True))
    page = pages.filter(is_published=True, slug=slug).order_by(F("partnership_id").asc(nulls_last=True)).first()
    if page is None:
        raise Http404("No such advice page")
    return page


def risk_group_labels(groups: Sequence[str]) -> list[str]:
    labels = dict(RiskGroup.choices)
    return [str(labels[group]) for group in groups if group in labels]
