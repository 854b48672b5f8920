"""The form for writing a warning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.citizens.models import AdvicePage, RiskGroup, Warning
from lofte.lib.forms import ScreensPersonalData, date_input

WARNING_FORM_FIELDS = ["title", "text", "category", "areas", "risk_groups", "advice", "valid_until"]


class AreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class WarningForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("title", "text")
    risk_groups = forms.MultipleChoiceField(
        label=_("Riskgrupper"),
        choices=RiskGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Vilka varningen särskilt riktar sig till."),
    )

    class Meta:
        model = Warning
        fields = WARNING_FORM_FIELDS
        field_classes = {"areas": AreaChoiceField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 6}),
            "areas": forms.CheckboxSelectMultiple,
            "advice": forms.CheckboxSelectMultiple,
            "valid_until": date_input(),
        }
        help_texts = {
            "title": _("Kort och tydlig, till exempel: Falska bankanställda ringer äldre."),
            "text": _(
                "Vad som händer, vad man ska tänka på och vart man vänder sig. Stycken skiljs åt med en tom rad."
            ),
            "areas": _("Inget markerat: hela kommunen."),
            "advice": _("Rådsidor som visas under varningen."),
        }

    def __init__(self, *args: Any, areas: QuerySet[Area], advice: QuerySet[AdvicePage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("areas", areas), ("advice", advice)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = queryset
