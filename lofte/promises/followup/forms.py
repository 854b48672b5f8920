"""Forms of the follow-up pages. Free text is screened for personal data here and again in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.analysis.goals import MISSING
from lofte.lib.forms import ScreensPersonalData
from lofte.promises.models import GoalEvaluation, Promise


class CommentForm(ScreensPersonalData, forms.Form):
    screened_fields = ("comment",)
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Syns för samverkans parter, inte för allmänheten."),
    )


class OverrideForm(ScreensPersonalData, forms.Form):
    screened_fields = ("reason",)
    verdict = forms.ChoiceField(label=_("Bedömning"), required=False)
    reason = forms.CharField(
        label=_("Skäl"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Krävs när bedömningen ändras. Syns inte för allmänheten."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["verdict"]
        assert isinstance(field, forms.ChoiceField)
        # A missing value is a state Löfte finds, not a verdict anyone can give.
        verdicts = [(code, label) for code, label in GoalEvaluation.Verdict.choices if code not in MISSING]
        field.choices = [("", _("Den beräknade bedömningen")), *verdicts]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verdict") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("En ändrad bedömning kräver ett skäl."))
        return data


class ReportForm(ScreensPersonalData, forms.Form):
    screened_fields = ("comment",)
    status = forms.ChoiceField(label=_("Status"), choices=Promise.Status.choices)
    progress = forms.IntegerField(
        label=_("Framsteg (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Tomt: vad statusen säger."),
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Syns för samverkans parter, inte för allmänheten."),
    )


class SummaryForm(ScreensPersonalData, forms.Form):
    screened_fields = ("summary",)
    summary = forms.CharField(
        label=_("Sammanfattning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Vad uppföljningen visar, i korthet. Syns för allmänheten när uppföljningen publiceras."),
    )
