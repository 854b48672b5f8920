"""Forms for the samverkansöverenskommelse, its signatories and its PDFs. They parse and screen; the actions
decide (lofte.promises.agreement.actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.lib.forms import DATE, LinesField, ScreensPersonalData, SingleLine
from lofte.partnerships.models import Organisation
from lofte.promises.models import Agreement


class AgreementForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = (
        "title",
        "overall_goal",
        "focus_problems",
        "probable_causes",
        "measurable_goals",
        "documentation",
        "follow_up",
    )
    followup_bodies = LinesField(
        label=_("Uppföljning redovisas för"), help_text=_("En per rad, till exempel Kommunstyrelsen.")
    )

    class Meta:
        model = Agreement
        fields = [
            "title",
            "starts_on",
            "ends_on",
            "overall_goal",
            "focus_problems",
            "probable_causes",
            "measurable_goals",
            "documentation",
            "follow_up",
            "followups_per_year",
            "followup_bodies",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "overall_goal",
                    "focus_problems",
                    "probable_causes",
                    "measurable_goals",
                    "documentation",
                    "follow_up",
                )
            },
        }


class SignatoryForm(SingleLine, forms.Form):
    """Who signed for a party. Their names are public in the agreement, so this form asks for them."""

    name = forms.CharField(label=_("Namn"), max_length=200)
    role = forms.CharField(
        label=_("Befattning"), max_length=200, help_text=_("Till exempel Kommunstyrelsens ordförande.")
    )
    organisation = forms.ModelChoiceField(
        label=_("För parten"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Ingen särskild part"),
    )
    signed_on = forms.DateField(label=_("Undertecknad"), required=False, widget=DATE)

    def __init__(self, *args: Any, parties: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = parties


class AgreementDocumentForm(ScreensPersonalData, forms.Form):
    screened_fields = ("title",)
    title = forms.CharField(
        label=_("Rubrik"), max_length=300, help_text=_("Till exempel Undertecknad överenskommelse.")
    )
    file = forms.FileField(
        label=_("PDF-fil"),
        help_text=_("Högst 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
