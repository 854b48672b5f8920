"""Forms for the medborgarlöften, their contents and their decision. They parse and screen; the actions decide
(lofte.promises.lofte.actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.lib.forms import DATE, LinesField, ScreensPersonalData
from lofte.partnerships.models import Organisation
from lofte.promises.models import Activity, Agreement, Decision, FocusArea, Goal, Medborgarlofte, Promise
from lofte.situation.models import Lagesbild
from lofte.statistics.models import Metric


def _choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any], empty_label: Any = None) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
    if empty_label is not None:
        field.empty_label = empty_label


# The medborgarlöfte


class LofteForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("title", "summary", "outside_agreement_reason")
    crime_categories = LinesField(
        label=_("Prioriterade brottskategorier"), help_text=_("En per rad, till exempel Bedrägeribrott.")
    )
    confirm_outside_agreement = forms.BooleanField(
        label=_("Jag bekräftar att medborgarlöftet ska gälla utanför överenskommelsens period"),
        required=False,
        help_text=_("Bara samordnaren. Behövs bara när åren ligger utanför överenskommelsens period."),
    )

    class Meta:
        model = Medborgarlofte
        fields = [
            "title",
            "year_from",
            "year_to",
            "lagesbild",
            "summary",
            "crime_categories",
            "confirm_outside_agreement",
            "outside_agreement_reason",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "outside_agreement_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, adopted: QuerySet[Lagesbild], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "lagesbild", adopted, _("Ingen fastställd lägesbild vald"))


class LofteCreateForm(LofteForm):
    agreement = forms.ModelChoiceField(label=_("Överenskommelse"), queryset=Agreement.objects.none())

    def __init__(self, *args: Any, agreements: QuerySet[Agreement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "agreement", agreements)
        self.order_fields(["agreement"])


class FocusAreaForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("name", "description")

    class Meta:
        model = FocusArea
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class GoalForm(ScreensPersonalData, forms.ModelForm):
    """A goal with its rule; the metric and area are chosen by code and passed on to the action as codes."""

    screened_fields = ("text", "evidence")

    class Meta:
        model = Goal
        fields = [
            "text",
            "focus_area",
            "kind",
            "metric",
            "area",
            "direction",
            "baseline_period",
            "target",
            "target_value",
            "due_period",
            "evidence",
            "data_pending",
        ]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "kind": _(
                "Statistik och trygghetsundersökning behöver mått, område och basperiod; kvalitativt behöver underlag."
            ),
        }

    def __init__(self, *args: Any, lofte: Medborgarlofte, areas: QuerySet[Area], **kwargs: Any) -> None:
        kwargs.setdefault("instance", Goal(lofte=lofte))
        super().__init__(*args, **kwargs)
        _choices(self, "focus_area", lofte.focus_areas.all(), _("Inget fokusområde (övergripande mål)"))
        _choices(self, "metric", Metric.objects.order_by("name"), _("Inget mått"))
        _choices(self, "area", areas, _("Inget område"))
        for name in ("metric", "area"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.to_field_name = "code"

    def action_values(self) -> dict[str, Any]:
        """The cleaned data as the goal actions take it: metric and area by their codes."""
        data = dict(self.cleaned_data)
        metric, area = data.pop("metric"), data.pop("area")
        return {**data, "metric_code": metric.code if metric else "", "area_code": area.code if area else ""}


class PromiseForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("text",)

    class Meta:
        model = Promise
        fields = ["text", "focus_area", "parent", "responsible", "starts_on", "ends_on", "weight"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "responsible": forms.CheckboxSelectMultiple,
            "starts_on": DATE,
            "ends_on": DATE,
        }

    def __init__(
        self,
        *args: Any,
        lofte: Medborgarlofte,
        parties: QuerySet[Organisation],
        parents: QuerySet[Promise],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("instance", Promise(lofte=lofte))
        super().__init__(*args, **kwargs)
        _choices(self, "focus_area", lofte.focus_areas.all(), _("Inget fokusområde"))
        _choices(self, "parent", parents, _("Inget: ett eget löfte"))
        _choices(self, "responsible", parties)


class PromiseStatusForm(forms.ModelForm):
    class Meta:
        model = Promise
        fields = ["status", "progress"]
        help_texts = {"progress": _("Lämna tomt för det som statusen säger: 0, 50 eller 100 %.")}


class ActivityForm(ScreensPersonalData, forms.ModelForm):
    screened_fields = ("text",)

    class Meta:
        model = Activity
        fields = ["date", "text", "reach", "organisation", "attachment"]
        widgets = {"date": DATE, "text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"attachment": _("Frivillig, högst 20 MB: PDF, bild, Word, Excel eller text.")}

    def __init__(self, *args: Any, parties: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organisation", parties, _("Ingen särskild part"))


class DecisionForm(ScreensPersonalData, forms.ModelForm):
    """The tjänsteskrivelse's header, the meeting that proposed, the meeting that decided and the distribution list."""

    screened_fields = ("proposed_by_name", "body_name", "decision_text")
    basis = LinesField(label=_("Beslutsunderlag"), help_text=_("En handling per rad."))
    distribution = LinesField(label=_("Beslutet skickas till"), help_text=_("En mottagare per rad."))

    class Meta:
        model = Decision
        fields = [
            "report_date",
            "report_author",
            "report_author_title",
            "case_number",
            "proposed_by",
            "proposed_by_name",
            "proposed_on",
            "proposed_paragraph",
            "body",
            "body_name",
            "meeting_date",
            "paragraph",
            "decision_text",
            "basis",
            "distribution",
        ]
        widgets = {
            "report_date": DATE,
            "proposed_on": DATE,
            "meeting_date": DATE,
            "decision_text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "proposed_by": _("Föreslaget av"),
            "proposed_by_name": _("Det föreslående organets namn"),
            "proposed_on": _("Förslagets sammanträdesdatum"),
            "proposed_paragraph": _("Förslagets paragraf"),
            "body": _("Beslutat av"),
            "body_name": _("Det beslutande organets namn"),
            "meeting_date": _("Beslutets sammanträdesdatum"),
            "paragraph": _("Beslutets paragraf"),
        }
        help_texts = {
            "proposed_by": _("Organet som beredde ärendet och föreslog beslutet, oftast arbetsutskottet."),
            "proposed_by_name": _("Till exempel Kommunstyrelsens arbetsutskott."),
            "proposed_paragraph": _("Till exempel § 59."),
            "body": _(
                "Organet som fattade beslutet, oftast kommunstyrelsen. Lämna datum och paragraf tomma tills det "
                "har beslutat."
            ),
            "decision_text": _("Till exempel: 1. Kommunstyrelsen antar förvaltningens förslag till medborgarlöfte."),
            "body_name": _("Till exempel Kommunstyrelsen."),
        }
