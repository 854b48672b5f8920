"""Forms for the EST meeting and its actions. They parse and screen; `meetings.actions` decides."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.analysis.est import last_complete_week, parse_week
from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.est.models import Measure
from lofte.lib.forms import DATE, LinesField, ScreensPersonalData
from lofte.partnerships.models import Organisation, Partnership

NUMBERS = re.compile(r"^[\s,;#0-9]*$")


class MeetingForm(ScreensPersonalData, forms.Form):
    screened_fields = ("notes",)
    iso_year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
    iso_week = forms.IntegerField(label=_("Vecka"), min_value=1, max_value=53)
    held_on = forms.DateField(label=_("Datum"), widget=DATE)
    participants = LinesField(
        label=_("Deltagare"), help_text=_("En per rad: namn och organisation för dem som deltog.")
    )
    notes = forms.CharField(label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Today's meeting, about the last complete week (Monday to Sunday, Swedish time): the week under way is
        still missing days, so its numbers would look like a fall."""
        today = timezone.localdate()
        week = last_complete_week(today)
        return {"iso_year": week.year, "iso_week": week.week, "held_on": today}

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        year, week = data.get("iso_year"), data.get("iso_week")
        if year is not None and week is not None and parse_week(year, week) is None:
            self.add_error("iso_week", _("Vecka %(week)s finns inte år %(year)s.") % {"week": week, "year": year})
        return data


class MeasureForm(ScreensPersonalData, forms.Form):
    screened_fields = ("what", "place_name")
    what = forms.CharField(label=_("Vad ska göras"), widget=forms.Textarea(attrs={"rows": 3}))
    place_name = forms.CharField(label=_("Var (platsens namn)"), max_length=200, required=False)
    latitude = forms.FloatField(
        label=_("Latitud"), required=False, min_value=-90, max_value=90, help_text=_("Valfri, WGS84, t.ex. 58.3255.")
    )
    longitude = forms.FloatField(
        label=_("Longitud"), required=False, min_value=-180, max_value=180, help_text=_("Valfri, t.ex. 15.1273.")
    )
    area = forms.ModelChoiceField(
        label=_("Område"), queryset=Area.objects.none(), required=False, empty_label=_("Hela kommunen eller inget")
    )
    organisation = forms.ModelChoiceField(label=_("Ansvarig organisation"), queryset=Organisation.objects.none())
    due_on = forms.DateField(label=_("Klart senast"), required=False, widget=DATE)
    incidents = forms.CharField(
        label=_("Rapporter som åtgärden gäller"),
        required=False,
        help_text=_(
            "Rapportnummer åtskilda med kommatecken, till exempel 12, 15. Rapporterna får status åtgärd beslutad "
            "och rapportören får besked; en rapport som väntar på granskning blir granskad samtidigt."
        ),
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        organisation = self.fields["organisation"]
        assert isinstance(area, forms.ModelChoiceField) and isinstance(organisation, forms.ModelChoiceField)
        area.queryset = (
            Area.objects.filter(parent_id=partnership.area_id, kind__in=SUBDIVISION_KINDS)
            .defer("geometry")
            .order_by("kind", "name")
        )
        organisation.queryset = partnership.organisations.order_by("name")

    def clean_incidents(self) -> list[int]:
        text = self.cleaned_data.get("incidents") or ""
        if not NUMBERS.match(text):
            raise forms.ValidationError(_("Skriv rapportnumren som siffror åtskilda med kommatecken, t.ex. 12, 15."))
        return sorted({int(number) for number in re.findall(r"\d+", text)})

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not self.has_error("latitude"):
            self.add_error("latitude", _("Ange både latitud och longitud, eller ingen av dem."))
        return data


class MeasureUpdateForm(ScreensPersonalData, forms.Form):
    screened_fields = ("outcome",)
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)
    due_on = forms.DateField(label=_("Klart senast"), required=False, widget=DATE)
    outcome = forms.CharField(
        label=_("Resultat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Vad som gjordes och vad det gav. Skickas till rapportörerna när åtgärden är genomförd."),
    )
    done_on = forms.DateField(
        label=_("Genomförd den"), required=False, widget=DATE, help_text=_("Tomt: i dag, när status är genomförd.")
    )


class MeasureProgressForm(ScreensPersonalData, forms.Form):
    """What the organisation an action is assigned to reports: under way or done, and what was done."""

    screened_fields = ("outcome",)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Measure.Status.PAGAR, Measure.Status.PAGAR.label),
            (Measure.Status.GENOMFORD, Measure.Status.GENOMFORD.label),
        ],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label=_("Vad har gjorts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Vad ni gjort och vad det gav. Skriv inte namn på enskilda personer. Skickas till rapportörerna när "
            "åtgärden är genomförd."
        ),
    )
    done_on = forms.DateField(
        label=_("Genomförd den"), required=False, widget=DATE, help_text=_("Tomt: i dag, när status är genomförd.")
    )
