"""The form for writing an advice page, and the public advice list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.citizens.models import AdvicePage, RiskGroup
from lofte.lib.forms import ScreensPersonalData

ADVICE_FORM_FIELDS = ["title", "slug", "summary", "body", "risk_groups", "source"]


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
