"""The form of the week's assessment. It parses and screens; `weekly.actions` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.lib.forms import ScreensPersonalData


class WeekNoteForm(ScreensPersonalData, forms.Form):
    screened_fields = ("text",)
    text = forms.CharField(
        label=_("Samordnarens bedömning av veckan"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
