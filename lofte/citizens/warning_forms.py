"""Forms for writing warnings and advice pages, and the public advice list's filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.citizens.models import AdvicePage, RiskGroup, Warning
from lofte.lib.forms import ScreensPersonalData, date_input

WARNING_FORM_FIELDS = ["title", "text", "category", "areas", "risk_groups", "advice", "valid_until"]
ADVICE_FORM_FIELDS = ["title", "slug", "summary", "body", "risk_groups", "source"]


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


class AdviceForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("title", "summary", "body", "source")
    risk_groups = forms.MultipleChoiceField(
        label=_("Riskgrupper"), choices=RiskGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = AdvicePage
        fields = ADVICE_FORM_FIELDS
        widgets = {"body": forms.Textarea(attrs={"rows": 12}), "summary": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "slug": _("Blir en del av adressen: små bokstäver, siffror och bindestreck, till exempel skydda-cykeln."),
            "summary": _("En eller två meningar som visas i listan över råd."),
            "source": _("Varifrån råden kommer, till exempel: Källa: Polisen (polisen.se)."),
        }


class AdviceFilterForm(forms.Form):
    """The public list's filter (GET): one risk group, or all pages."""

    grupp = forms.ChoiceField(
        label=_("Visa råd för"), required=False, choices=[("", _("Alla grupper")), *RiskGroup.choices]
    )

    def chosen(self) -> str:
        return str(self.cleaned_data.get("grupp") or "") if self.is_valid() else ""


def warning_areas(kommun_id: int) -> QuerySet[Area]:
    """The parts of the kommun a warning may be about."""
    areas = Area.objects.filter(parent_id=kommun_id, kind__in=SUBDIVISION_KINDS)
    return areas.order_by("kind", "name").only("code", "name", "kind", "parent")


def warning_advice(partnership_id: int) -> QuerySet[AdvicePage]:
    """The published advice a warning may link to: the partnership's own pages and the shared ones."""
    pages = AdvicePage.objects.filter(Q(partnership_id=partnership_id) | Q(partnership__isnull=True))
    return pages.filter(is_published=True).order_by("title").only("partnership", "slug", "title")
