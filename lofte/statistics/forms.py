from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.lib.forms import SingleLine
from lofte.partnerships.models import Partnership
from lofte.statistics import formats
from lofte.statistics.models import Metric
from lofte.statistics.sources.base import PUBLISHERS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
WHERE_ROWS = 2
OFFICIAL = "gemensam"  # the owner choice for official statistics (operators only)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        help_text=_(
            "Brå (CSV), SCB (PX eller JSON-stat), Kolada (JSON), Polisens händelser (JSON), "
            "eller ett eget kalkylark (CSV eller Excel) där du väljer kolumnerna. Högst 50 MB."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Känn igen automatiskt")), *[(f.name, f.label) for f in formats.FORMATS]],
        help_text=_("Välj ”Eget kalkylark” för en tabell där du själv väljer kolumnerna."),
    )
    owner = forms.ChoiceField(
        label=_("Uppgifterna hör till"),
        help_text=_(
            "En samverkans egna uppgifter (ett eget kalkylark om den egna kommunen) eller, för förvaltaren, "
            "gemensam statistik från Brå, SCB, Kolada och Polisen."
        ),
    )

    def __init__(self, *args: Any, partnerships: list[Partnership], official: bool, **kwargs: Any) -> None:
        """`partnerships`: those whose own data the user may import; `official`: whether they are an operator."""
        super().__init__(*args, **kwargs)
        self.partnerships = {p.slug: p for p in partnerships}
        choices: list[tuple[str, Any]] = [(OFFICIAL, _("Gemensam statistik (förvaltaren)"))] if official else []
        choices += [(p.slug, p.name) for p in partnerships]
        _choose(self, "owner", choices)
        if len(choices) == 1:  # nothing to choose: the one owner the user may import for
            self.fields["owner"].required = False
            self.fields["owner"].widget = forms.HiddenInput()
            self.initial["owner"] = choices[0][0]
        self.only_owner = choices[0][0] if len(choices) == 1 else None

    def clean_owner(self) -> Partnership | None:
        """The partnership the file's data is to belong to; None for official statistics."""
        chosen = self.cleaned_data.get("owner") or self.only_owner
        if chosen is None:
            raise forms.ValidationError(_("Välj vem uppgifterna hör till."))
        return None if chosen == OFFICIAL else self.partnerships[chosen]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är större än 50 MB."))
        return upload


def _choose(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class SheetForm(forms.Form):
    """Which sheet and header row the columns are read from (a GET form: it changes what is shown)."""

    sheet = forms.ChoiceField(label=_("Blad"), required=False)
    header_row = forms.IntegerField(
        label=_("Rubrikrad"), min_value=1, max_value=100, initial=1, help_text=_("Raden med kolumnnamnen.")
    )

    def __init__(self, *args: Any, sheets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sheets:
            _choose(self, "sheet", [(name, name) for name in sheets])
        else:
            del self.fields["sheet"]


class MappingForm(SingleLine, forms.Form):
    """Which column holds what, and the metric the spreadsheet makes."""

    area = forms.ChoiceField(label=_("Område"), help_text=_("Kolumnen med kommun, län eller riket."))
    area_by_name = forms.BooleanField(label=_("Kolumnen har namn (Mjölby) i stället för koder (0586)"), required=False)
    period = forms.ChoiceField(label=_("Period"), help_text=_("T.ex. 2024, 2024K1, 2024H1 eller 2024-03."))
    value = forms.ChoiceField(label=_("Värde"))
    per_100k = forms.ChoiceField(label=_("Per 100 000 invånare (om filen har det)"), required=False)
    metric_code = forms.CharField(
        label=_("Kod för måttet"),
        max_length=120,
        help_text=_("Små bokstäver, siffror och _, med minst en punkt, t.ex. trygghet.problemindex."),
    )
    metric_name = forms.CharField(label=_("Namn på måttet"), max_length=300)
    unit = forms.ChoiceField(label=_("Enhet"), choices=Metric.Unit.choices)
    higher_is_better = forms.BooleanField(label=_("Högre värden är bättre"), required=False)
    publisher = forms.ChoiceField(
        label=_("Källa"),
        choices=[("", _("– välj vem som publicerat siffrorna –")), *PUBLISHERS.items()],
        help_text=_(
            "Polisens trygghetsmätning: Polisen. NTU och Brå:s indikatorer: Brå. Visas som källa vid siffrorna."
        ),
    )
    sheet = forms.CharField(required=False, widget=forms.HiddenInput)
    header_row = forms.IntegerField(min_value=1, max_value=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [(name, name) for name in header if name]
        for role in ("area", "period", "value"):
            _choose(self, role, [("", _("– välj kolumn –")), *columns])
        _choose(self, "per_100k", [("", _("– ingen –")), *columns])
        for number in range(1, WHERE_ROWS + 1):
            self.fields[f"where_column_{number}"] = forms.ChoiceField(
                label=_("Bara rader där kolumnen"), required=False, choices=[("", _("– alla rader –")), *columns]
            )
            self.fields[f"where_value_{number}"] = forms.CharField(
                label=_("har värdet"), required=False, max_length=200
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for number in range(1, WHERE_ROWS + 1):
            column, value = data.get(f"where_column_{number}"), data.get(f"where_value_{number}", "").strip()
            if bool(column) != bool(value):
                self.add_error(f"where_value_{number}", _("Ange både kolumnen och värdet, eller inget av dem."))
        return data

    def options(self) -> dict[str, Any]:
        """The mapping as stored on the upload (JSON), for spreadsheet.Mapping."""
        data = self.cleaned_data
        where = [
            [data[f"where_column_{n}"], data[f"where_value_{n}"].strip()]
            for n in range(1, WHERE_ROWS + 1)
            if data.get(f"where_column_{n}")
        ]
        return {
            "area": data["area"],
            "area_by_name": data["area_by_name"],
            "period": data["period"],
            "value": data["value"],
            "per_100k": data["per_100k"] or None,
            "metric_code": data["metric_code"],
            "metric_name": data["metric_name"].strip(),
            "unit": data["unit"],
            "lower_is_better": not data["higher_is_better"],
            "publisher": data["publisher"],
            "sheet": data["sheet"] or None,
            "header_row": data["header_row"],
            "where": where,
        }

    @staticmethod
    def initial_from(options: dict[str, Any]) -> dict[str, Any]:
        """The form's values from a stored mapping, so a refused mapping can be corrected rather than retyped."""
        initial = {key: value for key, value in options.items() if key not in ("where", "lower_is_better")}
        initial["higher_is_better"] = not options.get("lower_is_better", True)
        for number, (column, value) in enumerate(options.get("where", []), start=1):
            initial[f"where_column_{number}"], initial[f"where_value_{number}"] = column, value
        return initial

    def field_for(self, mapping_field: str | None) -> str | None:
        """The form field an error about a Mapping field belongs to."""
        if mapping_field == "where":
            return "where_value_1"
        return mapping_field if mapping_field in self.fields else None
