"""Template filters for warnings and advice pages."""

from __future__ import annotations

from collections.abc import Sequence

from django import template

from lofte.citizens.published import risk_group_labels

register = template.Library()


@register.filter
def risk_groups(groups: Sequence[str]) -> str:
    """The risk groups' names, joined: "Äldre, Alla invånare"."""
    return ", ".join(risk_group_labels(groups))
