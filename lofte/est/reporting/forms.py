"""The reporter's form: several incidents in one sitting, each a form of a formset.

The choices (the partnership's active leaf categories, the kommun's own areas) are read once per request in
`ReportChoices` and shared by every form, so a sitting of ten incidents reads them once. Forms after the
first that the reporter left blank are skipped; the time, which has a default, does not count as filled in.

The time is typed as Swedish clock time (`datetime-local`, no offset) and read by `est/wallclock.py`: a time the
clock never showed (02:30 on the spring night) is refused with what the clock did, and a time it showed twice
(02:30 on the autumn night) brings up the question which of the two is meant (`occurred_fold`, shown only then),
so the stored moment is the one the reporter means, as Open311 gets it from its offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.est import wallclock
from lofte.est.intake import IncidentInput
from lofte.est.models import Category
from lofte.est.queries import categories_of, leaf_categories
from lofte.lib.forms import ScreensPersonalData
from lofte.partnerships.models import Partnership

MAX_INCIDENTS = 20
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

UNSAFETY_CHOICES = [
    (1, _("1 Ingen")),
    (2, _("2 Liten")),
    (3, _("3 Märkbar")),
    (4, _("4 Stor")),
    (5, _("5 Mycket stor")),
]

# What counts as filled in: everything but the time (it has a default) and the anonymity box.
CONTENT_FIELDS = (
    "category",
    "latitude",
    "longitude",
    "address",
    "place_name",
    "area",
    "description",
    "persons",
    "unsafety",
    "photo",
    "police_report_number",
)

Choices = list[tuple[Any, Any]]


@dataclass(frozen=True)
class ReportChoices:
    categories: dict[int, Category]
    category_choices: Choices
    areas: dict[int, Area]
    area_choices: Choices

    @classmethod
    def for_partnership(cls, partnership: Partnership) -> ReportChoices:
        categories = categories_of(partnership)
        leaves = leaf_categories(categories)
        areas = list(
            Area.objects.filter(parent=partnership.area).only("id", "name", "kind", "parent_id").order_by("name")
        )
        return cls(
            categories={c.pk: c for c in leaves},
            category_choices=category_choices(categories, leaves),
            areas={a.pk: a for a in areas},
            area_choices=area_choices(areas),
        )


def category_choices(categories: list[Category], leaves: list[Category]) -> Choices:
    """One option per leaf, grouped under its main category; a main category without parts is an option itself."""
    groups: dict[int, list[tuple[int, str]]] = {}
    for leaf in leaves:
        if leaf.parent_id is not None:
            groups.setdefault(leaf.parent_id, []).append((leaf.pk, leaf.label))
    leaf_ids = {leaf.pk for leaf in leaves}
    choices: Choices = [("", _("Välj kategori"))]
    for category in categories:
        if category.pk in groups:
            choices.append((category.label, groups.pop(category.pk)))
        elif category.parent_id is None and category.pk in leaf_ids:
            choices.append((category.pk, category.label))
    return choices


def area_choices(areas: list[Area]) -> Choices:
    choices: Choices = [("", _("Välj område"))]
    kinds = {area.kind for area in areas}
    if len(kinds) <= 1:
        return choices + [(area.pk, area.name) for area in areas]
    for kind in Area.Kind:
        if kind in kinds:
            choices.append((kind.label, [(a.pk, a.name) for a in areas if a.kind == kind]))
    return choices


def now_local() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


# Which of the two, when the clock showed the time twice (the night it went back from summer to winter time).
FOLD_CHOICES = [(0, _("Första gången (sommartid)")), (1, _("Andra gången (vintertid)"))]


class LocalDateTimeField(forms.DateTimeField):
    """The clock time as typed, left without an offset: `IncidentForm.clean` decides which moment it is, since
    Django's own field refuses a time that happened twice or never with one message that explains neither."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            parsed = super(forms.DateTimeField, self).to_python(value)  # the input formats, as Django would
        return cast("datetime | None", parsed)


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


class IncidentForm(ScreensPersonalData, forms.Form):
    screened_fields = ("description", "address", "place_name")

    category = forms.TypedChoiceField(
        label=_("Vad hände?"), coerce=int, error_messages={"required": _("Välj vad som hände.")}
    )
    occurred_at = LocalDateTimeField(
        label=_("När"),
        initial=now_local,
        error_messages={"required": _("Ange när det hände.")},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    occurred_fold = forms.TypedChoiceField(
        label=_("Vilken gång?"),
        help_text=_("Natten när klockan ställs tillbaka till vintertid går klockan mellan 02:00 och 03:00 två gånger."),
        choices=FOLD_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    latitude = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Adress"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    place_name = forms.CharField(
        label=_("Plats"),
        max_length=200,
        required=False,
        help_text=_("Till exempel Stationsparken eller gångtunneln vid skolan."),
    )
    area = forms.TypedChoiceField(label=_("Område"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label=_("Beskrivning"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vad du såg, kort. Platsen, inte personerna, är det viktiga."),
    )
    persons = forms.IntegerField(
        label=_("Antal personer"),
        min_value=0,
        max_value=1000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unsafety = forms.TypedChoiceField(
        label=_("Hur mycket otrygghet skapar det?"),
        help_text=_("Din egen bedömning, från 1 (ingen) till 5 (mycket stor)."),
        choices=UNSAFETY_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    photo = forms.FileField(
        label=_("Foto"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("Uppgifter om kamera och position tas bort. Fotografera platsen, inte personer."),
    )
    police_report_number = forms.CharField(
        label=_("Polisanmälan, diarienummer"),
        max_length=40,
        required=False,
        help_text=_("Om händelsen är polisanmäld, till exempel K123456-24."),
    )
    anonymous = forms.BooleanField(
        label=_("Dölj mitt namn"),
        required=False,
        help_text=_("Bara samordnare och polis ser vem som rapporterade."),
    )

    def __init__(self, *args: Any, choices: ReportChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        self._set_choices("category", choices.category_choices)
        self._set_choices("area", choices.area_choices)
        if not choices.area_choices[1:]:
            del self.fields["area"]
        if not self.is_bound and "occurred_at" not in self.initial:
            # The default time is now; in the repeated hour, the question comes answered with the hour it is.
            now = now_local()
            self.initial["occurred_at"] = now
            self.initial.setdefault("occurred_fold", now.fold)

    @property
    def asks_fold(self) -> bool:
        """Whether the time in the form is one the clock showed twice, so the form asks which one is meant."""
        shown = self["occurred_at"].value()
        try:
            naive = self.fields["occurred_at"].to_python(shown)
        except forms.ValidationError:
            return False
        if naive is None:
            return False
        if timezone.is_aware(naive):
            naive = timezone.make_naive(naive)
        return wallclock.kind(naive, timezone.get_current_timezone()) == wallclock.Kind.TWICE

    def _set_choices(self, name: str, choices: Choices) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def has_changed(self) -> bool:
        """Whether the reporter filled in anything that makes this an incident (the default time does not)."""
        if not self.is_bound:
            return False
        return any(self[name].data not in (None, "", [], False) for name in CONTENT_FIELDS if name in self.fields)

    def clean_category(self) -> int:
        value: int = self.cleaned_data["category"]
        if value not in self.choices.categories:
            raise forms.ValidationError(_("Välj en kategori i listan."), code="invalid_choice")
        return value

    def clean_photo(self) -> UploadedFile | None:
        photo: UploadedFile | None = self.cleaned_data.get("photo") or None
        limit = settings.LOFTE_EST_PHOTO_MAX_BYTES
        if photo is not None and (photo.size or 0) > limit:
            raise forms.ValidationError(
                _("Fotot är för stort (%(size)s MB); högst %(limit)s MB."),
                code="too_large",
                params={"size": _megabytes(photo.size or 0), "limit": _megabytes(limit)},
            )
        return photo

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and isinstance(data.get("occurred_at"), datetime):
            self._resolve_time(data)
        if data is None or self.has_error("latitude") or self.has_error("longitude"):
            return data
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Platsen på kartan saknar latitud eller longitud. Välj den igen."))
        elif not any(data.get(name) for name in ("latitude", "address", "place_name", "area")):
            self.add_error("latitude", _("Ange var det hände: på kartan, en adress, en plats eller ett område."))
        return data

    def _resolve_time(self, data: dict[str, Any]) -> None:
        """Turn the typed clock time into the moment it means in Swedish time, or say why it cannot be one."""
        naive: datetime = data["occurred_at"]
        if timezone.is_aware(naive):
            return
        zone = timezone.get_current_timezone()
        found = wallclock.kind(naive, zone)
        day = naive.date().isoformat()
        if found == wallclock.Kind.NEVER:
            start, end = wallclock.skipped(naive, zone)
            message = gettext(
                "Klockan %(time)s fanns inte den %(date)s: klockan ställdes fram från %(start)s till %(end)s "
                "(sommartid). Ange en tid före %(start)s eller från %(end)s."
            ) % {"time": _clock(naive), "date": day, "start": _clock(start), "end": _clock(end)}
            self.add_error("occurred_at", forms.ValidationError(message, code="nonexistent"))
            return
        fold = data.get("occurred_fold")
        if found == wallclock.Kind.TWICE and fold is None:
            message = gettext(
                "Klockan %(time)s fanns två gånger den %(date)s, eftersom klockan ställdes tillbaka en timme till "
                "vintertid. Välj vilken gång du menar."
            ) % {"time": _clock(naive), "date": day}
            self.add_error("occurred_fold", forms.ValidationError(message, code="ambiguous"))
            del data["occurred_at"]
            return
        data["occurred_at"] = wallclock.instant(naive, zone, fold or 0)

    def as_input(self) -> IncidentInput:
        data = self.cleaned_data
        photo: UploadedFile | None = data.get("photo")
        return IncidentInput(
            category=self.choices.categories[data["category"]],
            occurred_at=data["occurred_at"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address", ""),
            place_name=data.get("place_name", ""),
            area=self.choices.areas.get(data["area"]) if data.get("area") else None,
            description=data.get("description", ""),
            persons=data.get("persons"),
            unsafety=data.get("unsafety"),
            photo=photo.read() if photo is not None else None,
            photo_name=(photo.name or "") if photo is not None else "",
            police_report_number=data.get("police_report_number", ""),
            anonymous=bool(data.get("anonymous")),
        )

    def typed(self) -> dict[str, Any]:
        """What the reporter typed, as initial values for the same form shown again (a file cannot be kept)."""
        return {name: self[name].data for name in self.fields if name != "photo"}


if TYPE_CHECKING:
    FormSet = forms.BaseFormSet[IncidentForm]
else:
    FormSet = forms.BaseFormSet


class BaseIncidentFormSet(FormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            # Every form after the first may stay blank: the reporter added one too many.
            kwargs["empty_permitted"] = index > 0
        return kwargs

    def filled(self) -> list[IncidentForm]:
        """The forms that hold an incident, in order (call after is_valid)."""
        return [form for index, form in enumerate(self.forms) if index == 0 or form.has_changed()]


IncidentFormSet = cast(
    "type[BaseIncidentFormSet]",
    forms.formset_factory(
        IncidentForm,
        formset=BaseIncidentFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=MAX_INCIDENTS,
        validate_max=True,
        absolute_max=MAX_INCIDENTS,
    ),
)
