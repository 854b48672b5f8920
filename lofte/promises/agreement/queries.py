"""Reads for the agreement's pages and the löften built on it."""

from __future__ import annotations

from django.db.models import QuerySet

from lofte.partnerships.models import Organisation, Partnership


def parties(partnership: Partnership) -> QuerySet[Organisation]:
    """The partnership's organisations, the parties that sign the agreement and answer for its promises."""
    return partnership.organisations.order_by("kind", "name")
