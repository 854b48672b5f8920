"""The public tip form: a category, a place (on the map or in words), a description and an optional e-mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.citizens.antispam import Guard, ProtectedForm
from lofte.citizens.tips.actions import Tip
from lofte.est.models import Category
from lofte.lib.forms import ScreensPersonalData

GUARD = Guard("tips", limit=5, window=60 * 60)


class TipForm(ScreensPersonalData, ProtectedForm):
    guard = GUARD
    screened_fields = ("place_name", "description")

    category = forms.TypedChoiceField(
        label=_("Vad gäller det?"),
        coerce=int,
        error_messages={
            "required": _("Välj vad tipset gäller."),
            "invalid_choice": _("Välj en kategori i listan."),
        },
    )
    latitude = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    place_name = forms.CharField(
        label=_("Plats eller adress"),
        max_length=200,
        required=False,
        help_text=_("Om du inte väljer på kartan: till exempel gångtunneln vid Stationsparken eller Storgatan 5."),
    )
    description = forms.CharField(
        label=_("Beskriv platsen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Vad gör platsen otrygg? Beskriv platsen, inte personer."),
        error_messages={"required": _("Beskriv kort vad som gör platsen otrygg.")},
    )
    email = forms.EmailField(
        label=_("Din e-postadress (om du vill)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_(
            "Om du vill få veta vad som händer med ditt tips. Adressen används bara till det. "
            "Utan e-postadress är tipset anonymt."
        ),
        error_messages={"invalid": _("Ange en giltig e-postadress, till exempel namn@exempel.se, eller lämna tomt.")},
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in categories}
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _grouped(categories)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is None or self.has_error("latitude") or self.has_error("longitude"):
            return data
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("place_name", _("Platsen på kartan blev inte hel. Välj den igen eller skriv var det är."))
        elif data.get("latitude") is None and not data.get("place_name"):
            self.add_error("place_name", _("Välj platsen på kartan eller skriv var den är."))
        return data

    def as_tip(self) -> Tip:
        data = self.cleaned_data
        return Tip(
            category=self.categories[data["category"]],
            description=data["description"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            place_name=data.get("place_name", ""),
            contact_email=data.get("email", ""),
        )


def _grouped(categories: list[Category]) -> list[tuple[Any, Any]]:
    """One option per category, under its main category's name when it has one."""
    choices: list[tuple[Any, Any]] = [("", _("Välj kategori"))]
    groups: dict[str, list[tuple[int, str]]] = {}
    for category in categories:
        if category.parent is not None:
            groups.setdefault(category.parent.label, []).append((category.pk, category.label))
        else:
            choices.append((category.pk, category.label))
    return choices + list(groups.items())
