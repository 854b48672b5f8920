from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.lib.forms import ScreensPersonalData, date_input
from lofte.situation.models import (
    PARTICIPANT_AGES,
    PARTICIPANT_GENDERS,
    Dialogue,
    DialogueStatement,
    Lagesbild,
    Problem,
    Source,
)

DEFAULT_SPAN = 10


@dataclass(frozen=True)
class DashboardChoice:
    year: int
    base: int
    start: int
    metrics: list[str]
    peers: list[str]


class DashboardForm(forms.Form):
    """The dashboard's filters (GET): which year, compared with which, since when, which categories."""

    year = forms.TypedChoiceField(label=_("År"), coerce=int, required=False)
    base = forms.TypedChoiceField(label=_("Jämfört med"), coerce=int, required=False)
    start = forms.TypedChoiceField(label=_("Diagram från"), coerce=int, required=False)
    metric = forms.MultipleChoiceField(label=_("Kategorier"), required=False, widget=forms.CheckboxSelectMultiple)
    peers = forms.MultipleChoiceField(
        label=_("Jämförbara kommuner"),
        required=False,
        help_text=_("Utan val: de tio kommuner vars folkmängd ligger närmast."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(
        self,
        *args: Any,
        years: list[int],
        metrics: list[tuple[str, str]],
        kommuner: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        peers_field = self.fields["peers"]
        assert isinstance(peers_field, forms.MultipleChoiceField)
        self.kommun_names = dict(kommuner or [])
        peers_field.choices = [(code, f"{name} ({code})") for code, name in kommuner or []]
        self.years = sorted(years, reverse=True)
        for name in ("year", "base", "start"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(year, year) for year in self.years]
        metric_field = self.fields["metric"]
        assert isinstance(metric_field, forms.MultipleChoiceField)
        metric_field.choices = metrics
        if not self.is_bound and (choice := self.choice()) is not None:
            self.initial = {"year": choice.year, "base": choice.base, "start": choice.start}

    def choice(self) -> DashboardChoice | None:
        """What to show: the latest year against the one before, unless the user chose otherwise."""
        if not self.years:
            return None
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        year = data.get("year") or self.years[0]
        base = data.get("base") or year - 1
        start = data.get("start") or max(min(self.years), year - DEFAULT_SPAN)
        peers = list(data.get("peers") or [])
        return DashboardChoice(year, base, min(start, year), list(data.get("metric") or []), peers)


# The lägesbild document (Lag 2023:196)


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
    screened_fields = ("title", "summary")

    class Meta:
        model = Lagesbild
        fields = ["title", "summary", "year_from", "year_to"]


class SourceForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("title", "description")

    class Meta:
        model = Source
        fields = ["kind", "title", "description", "reference", "restricted"]

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

    screened_fields = (
        "title",
        "description",
        "place",
        "time",
        "affected",
        "consequences",
        "cause_offender",
        "cause_victim",
        "cause_place",
        "priority_rationale",
        "dialogue_notes",
    )
    event_types = forms.CharField(
        label=_("Händelsetyper hos Polisen"),
        required=False,
        max_length=1000,
        help_text=_("Skilj dem åt med kommatecken, till exempel: Inbrott, Bedrägeri."),
    )

    class Meta:
        model = Problem
        fields = [
            "title",
            "description",
            "place",
            "time",
            "affected",
            "consequences",
            "cause_offender",
            "cause_victim",
            "cause_place",
            "priority",
            "priority_rationale",
            "event_types",
            "dialogue_notes",
        ]
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


class SeriesForm(forms.Form):
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


class AdoptForm(forms.Form):
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


# Dialogues and safety walks

DIALOGUE_FORM_FIELDS = [
    "kind",
    "date",
    "place",
    "area",
    *PARTICIPANT_GENDERS,
    *PARTICIPANT_AGES,
    "themes",
    "summary",
]


def normalise_themes(text: str) -> list[str]:
    """Split "Trafik, narkotika,trafik" into ["trafik", "narkotika"]: lower case, in order, each once."""
    themes = (theme.strip().lower() for theme in text.split(","))
    return list(dict.fromkeys(theme for theme in themes if theme))


class DialogueForm(ScreensPersonalData, forms.ModelForm):
    """A dialogue with its participants counted, never named; the themes as one line, separated by commas."""

    screened_fields = ("place", "themes", "summary")
    themes = forms.CharField(
        label=_("Teman"),
        required=False,
        max_length=600,
        help_text=_("Skilj dem åt med kommatecken, till exempel: trafik, narkotika."),
    )

    class Meta:
        model = Dialogue
        fields = DIALOGUE_FORM_FIELDS
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
    screened_fields = ("text", "theme")

    class Meta:
        model = DialogueStatement
        fields = ["text", "theme"]
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
