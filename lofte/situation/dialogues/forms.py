"""The dialogues' forms: a dialogue with its participants counted, one statement, and the list's filters. Free text
is screened for personal data here and again in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.lib.forms import ScreensPersonalData, date_input
from lofte.situation.models import PARTICIPANT_AGES, PARTICIPANT_GENDERS, Dialogue, DialogueStatement


def normalise_themes(text: str) -> list[str]:
    """Split "Trafik, narkotika,trafik" into ["trafik", "narkotika"]: lower case, in order, each once."""
    themes = (theme.strip().lower() for theme in text.split(","))
    return list(dict.fromkeys(theme for theme in themes if theme))


class DialogueForm(ScreensPersonalData, forms.ModelForm):
    """A dialogue with its participants counted, never named; the themes as one line, separated by commas."""

    screened_fields = Dialogue.FREE_TEXT
    themes = forms.CharField(
        label=_("Teman"),
        required=False,
        max_length=600,
        help_text=_("Skilj dem åt med kommatecken, till exempel: trafik, narkotika."),
    )

    class Meta:
        model = Dialogue
        fields = Dialogue.EDITABLE_FIELDS
        widgets = {
            "date": date_input(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = areas
        area.empty_label = _("Inget särskilt område")
        themes = self.initial.get("themes")
        if isinstance(themes, list):
            self.initial["themes"] = ", ".join(themes)
        for name in (*PARTICIPANT_GENDERS, *PARTICIPANT_AGES):
            self.fields[name].required = False  # an empty box counts nobody

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is None:
            return data
        # After clean_themes has screened the line as written, before the model checks the list.
        if isinstance(data.get("themes"), str):
            data["themes"] = normalise_themes(data["themes"])
        for name in (*PARTICIPANT_GENDERS, *PARTICIPANT_AGES):
            if name in data and data[name] is None:
                data[name] = 0
        return data


class StatementForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = DialogueStatement.FIELDS

    class Meta:
        model = DialogueStatement
        fields = DialogueStatement.FIELDS
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and isinstance(data.get("theme"), str):
            data["theme"] = data["theme"].strip().lower()
        return data


class DialogueFilterForm(forms.Form):
    """The list's filters (GET): a kind and a year, each optional."""

    kind = forms.ChoiceField(label=_("Typ"), required=False, choices=[("", _("Alla typer")), *Dialogue.Kind.choices])
    year = forms.TypedChoiceField(label=_("År"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Alla år")), *((year, year) for year in years)]

    def chosen(self) -> tuple[str, int | None]:
        """The kind and year to show; an invalid choice shows everything."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("kind") or "", data.get("year")
