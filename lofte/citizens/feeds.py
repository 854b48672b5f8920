"""The Atom 1.0 feed of a kommun's warnings, /kommun/<code>/varningar.atom, in two queries.

It holds every published warning that is not withdrawn, expired ones too (like the archive), newest first. Each
entry's id is the warning's public address, which does not change.
"""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from lofte.citizens import published
from lofte.citizens.models import Warning
from lofte.citizens.published import PublicKommun

FEED_SIZE = 50


class WarningFeed(Feed[Warning, PublicKommun]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> PublicKommun:
        return published.public_kommun(code)

    def title(self, obj: PublicKommun) -> str:
        return _("Varningar i %(kommun)s") % {"kommun": obj.area.name}

    def subtitle(self, obj: PublicKommun) -> str:
        return _("Aktuella brott att se upp med, från polisen och kommunen i %(kommun)s.") % {"kommun": obj.area.name}

    def link(self, obj: PublicKommun) -> str:
        return reverse("public_warnings:warnings", args=[obj.area.code])

    def author_name(self, obj: PublicKommun) -> str:
        return ", ".join(partnership.name for partnership in obj.partnerships)

    def items(self, obj: PublicKommun) -> QuerySet[Warning]:
        warnings = Warning.objects.filter(partnership_id__in=obj.partnership_ids, status=Warning.Status.PUBLICERAD)
        warnings = warnings.select_related("partnership__area").defer("partnership__area__geometry")
        return warnings.order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item: Warning) -> str:
        return item.title

    def item_description(self, item: Warning) -> str:
        until = _("Gäller till och med %(date)s.") % {"date": item.valid_until.isoformat()}
        return linebreaks(f"{item.text}\n\n{until}", autoescape=True)

    def item_link(self, item: Warning) -> str:
        return reverse("public_warnings:warning", args=[item.partnership.area.code, item.pk])

    def item_pubdate(self, item: Warning) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Warning) -> datetime.datetime:
        return max(item.updated_at, item.published_at or item.updated_at)

    def item_categories(self, item: Warning) -> list[str]:
        return [str(item.get_category_display())]
