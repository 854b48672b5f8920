"""The dashboard's filters: which year, compared with which, since when, which categories and kommuner.

The lägesbild document's forms are in `situation/lagesbild/forms.py`, the dialogues' in `situation/dialogues/forms.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
