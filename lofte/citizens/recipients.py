"""What e-mail subscriptions and Grannsamverkan contacts share: the areas one can receive the citizens' e-mail
for (and the form field choosing one), one spelling per address, and the token of the one-click unsubscribe link.

`subscriptions`, `grannsamverkan` and `dispatch` all read these; they live here so no feature imports another.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area

SUBDIVISIONS = (Area.Kind.DISTRICT, Area.Kind.REGSO, Area.Kind.DESO)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    """One spelling per address, so the same address cannot subscribe twice by changing case."""
    return email.strip().lower()


def subscribable_areas(kommun: Area) -> QuerySet[Area]:
    """The kommun itself and its districts, RegSO and DeSO, kommun first."""
    areas = Area.objects.filter(Q(pk=kommun.pk) | Q(parent=kommun, kind__in=SUBDIVISIONS))
    return areas.defer("geometry").order_by("parent_id", "kind", "name")


def kommun_tree(kommun: Area) -> QuerySet[Area]:
    """The kommun and every area inside it (two levels down: districts, and RegSO or DeSO within them)."""
    return Area.objects.filter(Q(pk=kommun.pk) | Q(parent=kommun) | Q(parent__parent=kommun))


if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Area]
else:
    _ModelChoiceField = forms.ModelChoiceField


class AreaChoiceField(_ModelChoiceField):
    """One of `subscribable_areas`, the kommun itself named "Hela …"."""

    def __init__(self, kommun: Area, **kwargs: Any) -> None:
        self.kommun = kommun
        super().__init__(queryset=subscribable_areas(kommun), **kwargs)

    def label_from_instance(self, obj: Area) -> str:
        if obj.pk == self.kommun.pk:
            return str(_("Hela %(kommun)s") % {"kommun": obj.name})
        return f"{obj.name} ({obj.get_kind_display()})"
