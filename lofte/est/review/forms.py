"""Forms for reviewing reports, routing them and the EST settings.

Choices (categories, areas, organisations) come from lists the view has read once, so a page with several forms
reads each list a single time and a submitted choice is looked up without another query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.est.models import Category, EstSettings, Incident
from lofte.est.review.actions import SETTINGS_FIELDS
from lofte.est.review.duplicates import Suggestion
from lofte.lib.forms import ScreensPersonalData, SingleLine, screen
from lofte.partnerships.models import Organisation

M = TypeVar("M", bound=Model)
Choices = list[tuple[Any, Any]]
StrOrPromise = str | Promise
ALL_STATUSES = "alla"
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _objects(
    form: forms.BaseForm, name: str, objects: Sequence[M], choices: Choices, empty: StrOrPromise | None = None
) -> None:
    """Fill a TypedChoiceField with `choices` (pk, label) and make it clean to the object itself."""
    field = form.fields[name]
    assert isinstance(field, forms.TypedChoiceField)
    by_pk = {str(item.pk): item for item in objects}
    field.choices = ([("", empty)] if empty is not None else []) + choices
    field.coerce = by_pk.__getitem__
    field.empty_value = None


def category_choices(categories: Sequence[Category], *, leaves_only: bool) -> Choices:
    """The categories grouped under their main category; main categories themselves only if `leaves_only` is
    off or they have no active subcategory."""
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    grouped: Choices = []
    for main in (c for c in categories if c.parent_id is None):
        subs = [(c.pk, c.label) for c in children.get(main.pk, []) if c.active or not leaves_only]
        if not subs:
            if main.active or not leaves_only:
                grouped.append((main.pk, main.label))
            continue
        options = subs if leaves_only else [(main.pk, _("%(name)s (alla)") % {"name": main.label}), *subs]
        grouped.append((main.label, options))
    return grouped


def _values(choices: Choices) -> set[Any]:
    """The values offered, inside groups too."""
    found = set()
    for value, label in choices:
        found |= {option for option, _label in label} if isinstance(label, list) else {value}
    return found


def area_choices(areas: Sequence[Area], kommun: Area | None = None) -> Choices:
    first = [(kommun.pk, _("%(name)s (hela kommunen)") % {"name": kommun.name})] if kommun else []
    return first + [(area.pk, f"{area.name} ({area.get_kind_display()})") for area in areas]


def organisation_choices(organisations: Sequence[Organisation]) -> Choices:
    return [(organisation.pk, organisation.name) for organisation in organisations]


# The queue


class QueueFilterForm(forms.Form):
    """The queue's filters (GET). Without a choice the queue shows what waits for review: mottagen."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(label=_("Kategori"), required=False)
    area = forms.TypedChoiceField(label=_("Område"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, help_text=_("Rapporterande eller ansvarig.")
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[Category],
        areas: Sequence[Area],
        organisations: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [*Incident.Status.choices, (ALL_STATUSES, _("Alla"))]
        self.fields["status"].initial = Incident.Status.MOTTAGEN
        _objects(self, "category", categories, category_choices(categories, leaves_only=False), _("Alla"))
        _objects(self, "area", areas, area_choices(areas), _("Alla"))
        _objects(self, "organisation", organisations, organisation_choices(organisations), _("Alla"))

    def chosen(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "status": data.get("status") or Incident.Status.MOTTAGEN,
            "category": data.get("category"),
            "area": data.get("area"),
            "organisation": data.get("organisation"),
        }


# One report


class ApproveForm(ScreensPersonalData, forms.Form):
    screened_fields = ("note",)
    note = forms.CharField(label=_("Kommentar till rapportören"), required=False, max_length=2000, widget=TEXTAREA)


class RejectForm(ScreensPersonalData, forms.Form):
    screened_fields = ("reason",)
    reason = forms.CharField(
        label=_("Skäl"),
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("Rapportören får läsa det."),
        error_messages={"required": _("Skriv varför rapporten avvisas.")},
    )


class StatusForm(ScreensPersonalData, forms.Form):
    screened_fields = ("note",)
    status = forms.ChoiceField(label=_("Ny status"), error_messages={"required": _("Välj en status.")})
    note = forms.CharField(label=_("Kommentar"), required=False, max_length=2000, widget=TEXTAREA)

    def __init__(self, *args: Any, statuses: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(status, Incident.Status(status).label) for status in statuses]
        self.statuses = list(statuses)


class CorrectForm(ScreensPersonalData, forms.Form):
    screened_fields = ("address", "place_name")
    category = forms.TypedChoiceField(label=_("Kategori"))
    latitude = forms.FloatField(label=_("Latitud"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitud"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(label=_("Adress"), required=False, max_length=200)
    place_name = forms.CharField(label=_("Plats"), required=False, max_length=200)
    area = forms.TypedChoiceField(
        label=_("Område"),
        required=False,
        help_text=_("Används när ingen punkt anges; med en punkt räknas området fram från den."),
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[Category],
        areas: Sequence[Area],
        kommun: Area,
        current: Category,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = category_choices(categories, leaves_only=True)
        if current.pk not in _values(choices):
            # A category hidden since the report was filed stays selectable, so correcting only the place
            # never changes the category unnoticed.
            choices.insert(0, (current.pk, _("%(name)s (används inte längre)") % {"name": current.label}))
        _objects(self, "category", categories, choices)
        _objects(self, "area", [kommun, *areas], area_choices(areas, kommun), _("Inget område"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if latitude is None and longitude is not None and "latitude" not in self.errors:
            self.add_error("latitude", _("Ange latitud också, eller ta bort longituden."))
        if longitude is None and latitude is not None and "longitude" not in self.errors:
            self.add_error("longitude", _("Ange longitud också, eller ta bort latituden."))
        return data


class MergeForm(ScreensPersonalData, forms.Form):
    screened_fields = ("note",)
    primary = forms.TypedChoiceField(
        label=_("Slå ihop med"), required=False, coerce=int, empty_value=None, widget=forms.RadioSelect
    )
    number = forms.IntegerField(
        label=_("Eller rapportnummer"), required=False, min_value=1, help_text=_("Numret utan #, till exempel 42.")
    )
    note = forms.CharField(label=_("Kommentar till rapportören"), required=False, max_length=2000, widget=TEXTAREA)

    def __init__(self, *args: Any, suggestions: Sequence[Suggestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["primary"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.incident.pk, describe_suggestion(s)) for s in suggestions]
        if not suggestions:
            field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen, number = data.get("primary"), data.get("number")
        if chosen is None and number is None and not self.errors:
            self.add_error("number", _("Välj en av de föreslagna rapporterna eller skriv ett rapportnummer."))
        elif chosen is not None and number is not None and chosen != number:
            self.add_error("number", _("Välj antingen en föreslagen rapport eller ett nummer, inte båda."))
        data["target"] = chosen if chosen is not None else number
        return data


def describe_suggestion(suggestion: Suggestion) -> str:
    incident = suggestion.incident
    if suggestion.distance_m is None:
        where = gettext("samma plats")
    else:
        where = gettext("%(metres)s m bort") % {"metres": round(suggestion.distance_m)}
    return gettext("#%(number)s %(category)s, %(place)s, %(when)s (%(where)s, %(hours)s h ifrån), %(status)s") % {
        "number": incident.pk,
        "category": incident.category.label,
        "place": incident.place_text or "–",
        "when": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
        "where": where,
        "hours": round(suggestion.hours),
        "status": incident.get_status_display(),
    }


class RouteForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Ansvarig organisation"), required=False)

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty = _("Ingen än (samordnaren fördelar)")
        _objects(self, "organisation", organisations, organisation_choices(organisations), empty)


# Settings


class EstSettingsForm(forms.ModelForm):
    class Meta:
        model = EstSettings
        fields = list(SETTINGS_FIELDS)


class CategoryRowForm(SingleLine, forms.Form):
    """One category on the settings page (prefixed by its id)."""

    name = forms.CharField(label=_("Eget namn"), required=False, max_length=120)
    active = forms.BooleanField(label=_("Används"), required=False)
    citizen = forms.BooleanField(label=_("Allmänheten kan rapportera"), required=False)
    # Unticked boxes are not sent at all: this marks the rows that were on the page, so a truncated or empty
    # submission is refused instead of hiding every category.
    listed = forms.BooleanField(widget=forms.HiddenInput, initial=True)

    def __init__(self, *args: Any, category: Category, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": category.name, "active": category.active, "citizen": category.citizen})
        kwargs["prefix"] = f"kategori-{category.pk}"
        super().__init__(*args, **kwargs)
        self.category = category
        self.fields["name"].widget.attrs["placeholder"] = category.label if not category.name else ""

    def clean_name(self) -> str:
        return screen(self.cleaned_data["name"].strip())


class CategoryAddForm(ScreensPersonalData, forms.Form):
    screened_fields = ("name",)
    parent = forms.TypedChoiceField(label=_("Under huvudkategorin"))
    name = forms.CharField(label=_("Namn"), max_length=120, error_messages={"required": _("Skriv ett namn.")})
    citizen = forms.BooleanField(label=_("Allmänheten kan rapportera"), required=False)

    def __init__(self, *args: Any, categories: Sequence[Category], **kwargs: Any) -> None:
        kwargs["auto_id"] = "id_new_%s"
        super().__init__(*args, **kwargs)
        mains = [c for c in categories if c.parent_id is None]
        _objects(self, "parent", mains, [(c.pk, c.label) for c in mains])


class RoutingRuleForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("Kategori"), required=False, help_text=_("En huvudkategori gäller även dess underkategorier.")
    )
    area = forms.TypedChoiceField(label=_("Område"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Ansvarig organisation"), error_messages={"required": _("Välj en organisation.")}
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[Category],
        areas: Sequence[Area],
        organisations: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        kwargs["auto_id"] = "id_rule_%s"
        super().__init__(*args, **kwargs)
        _objects(self, "category", categories, category_choices(categories, leaves_only=False), _("Alla kategorier"))
        _objects(self, "area", areas, area_choices(areas), _("Hela kommunen"))
        _objects(self, "organisation", organisations, organisation_choices(organisations), _("Välj en organisation"))
