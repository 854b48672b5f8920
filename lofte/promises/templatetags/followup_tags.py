"""The follow-up on pages outside lofte.promises: the partnership's dashboard lists the rounds that are overdue.

An inclusion tag rather than a context variable, so the dashboard's view (lofte.partnerships, which stands below
lofte.promises) does not import the follow-up; the template asks for it. One query.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from lofte.partnerships.models import Partnership
from lofte.promises.followup.queries import overdue_rounds

register = template.Library()


@register.inclusion_tag("promises/_overdue_rounds.html")
def overdue_followups(partnership: Partnership) -> dict[str, Any]:
    return {
        "partnership": partnership,
        "rounds": overdue_rounds(partnership, timezone.localdate()),
    }
