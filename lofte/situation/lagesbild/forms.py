"""The lägesbild document's forms: a new version, its title and period, sources, SARA problems, linked series and
dialogues, and the decision that adopts it. Free text is screened for personal data here and again in the actions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.lib.forms import ScreensPersonalData, SingleLine, date_input
from lofte.situation.models import Dialogue, Lagesbild, Problem, Source


class LagesbildCreateForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("title",)
    copy_from = forms.TypedChoiceField(label=_("Utgå från"), coerce=int, required=False, empty_value=None)

    class Meta:
        model = Lagesbild
        fields = ["title", "year_from", "year_to"]

    def __init__(self, *args: Any, versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copy_from"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("En tom lägesbild"))] + [
            (v, _("Version %(version)s") % {"version": v}) for v in versions
        ]


class LagesbildForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = Lagesbild.FREE_TEXT

    class Meta:
        model = Lagesbild
        fields = Lagesbild.EDITABLE_FIELDS


class SourceForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = Source.FREE_TEXT

    class Meta:
        model = Source
        fields = Source.FIELDS

    def __init__(self, *args: Any, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        if not may_restrict:
            # Police intelligence, and hiding a source, are for those who may see restricted material.
            kind.choices = [
                (value, label) for value, label in Source.Kind.choices if value != Source.Kind.UNDERRATTELSE
            ]
            del self.fields["restricted"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and data.get("kind") == Source.Kind.UNDERRATTELSE:
            data["restricted"] = True  # as the action and the model will have it
        return data


class ProblemForm(ScreensPersonalData, forms.ModelForm):
    """A problem with every SARA field; the event types as one line, separated by commas."""

    screened_fields = Problem.FREE_TEXT
    event_types = forms.CharField(
        label=_("Händelsetyper hos Polisen"),
        required=False,
        max_length=1000,
        help_text=_("Skilj dem åt med kommatecken, till exempel: Inbrott, Bedrägeri."),
    )

    class Meta:
        model = Problem
        fields = Problem.EDITABLE_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "affected", "consequences", "cause_offender", "cause_victim", "cause_place")
        } | {name: forms.Textarea(attrs={"rows": 2}) for name in ("priority_rationale", "dialogue_notes")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = self.initial.get("event_types")
        if isinstance(types, list):
            self.initial["event_types"] = ", ".join(types)

    def clean_event_types(self) -> list[str]:
        text = self.cleaned_data.get("event_types") or ""
        return [name.strip() for name in text.split(",") if name.strip()]


class SeriesForm(SingleLine, forms.Form):
    metric = forms.ChoiceField(label=_("Mått"))
    area = forms.CharField(
        label=_("Områdets kod"), max_length=50, help_text=_("Kommunens kod, till exempel 0586, eller en kommundels.")
    )

    def __init__(self, *args: Any, metrics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["metric"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = metrics


def dialogue_label(dialogue: Dialogue) -> str:
    """Kind, date and place: enough to tell the partnership's dialogues apart in a list."""
    return f"{dialogue.get_kind_display()} {dialogue.date:%Y-%m-%d}, {dialogue.place}"


class DialogueLinkForm(forms.Form):
    """One of the partnership's dialogues, newest first, to cite for a problem."""

    dialogue = forms.TypedChoiceField(label=_("Dialog"), coerce=int)

    def __init__(self, *args: Any, dialogues: list[Dialogue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialogues = {dialogue.pk: dialogue for dialogue in dialogues}
        field = self.fields["dialogue"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(dialogue.pk, dialogue_label(dialogue)) for dialogue in dialogues]

    def chosen(self) -> Dialogue:
        return self.dialogues[self.cleaned_data["dialogue"]]


class AdoptForm(SingleLine, forms.Form):
    decision = forms.CharField(
        label=_("Beslut"), max_length=300, help_text=_("Till exempel: Kommunstyrelsen 2026-03-12 § 45")
    )
    decided_on = forms.DateField(
        label=_("Beslutsdatum"),
        widget=date_input(),
        help_text=_("Dagen då beslutet fattades; det är det datum som visas som fastställd."),
    )

    def clean_decided_on(self) -> date:
        decided_on: date = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError(_("Beslutsdatumet kan inte ligga i framtiden."))
        return decided_on
