"""The lägesbild (Lag 2023:196): a partnership's dated, versioned assessment of crime, its extent, consequences
and causes. A version is an editable draft (utkast) until it is adopted (fastställd); from then on it and its
figures never change, and the next assessment is a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lofte.partnerships.access import Can, PartnershipAccess
from lofte.statistics.models import Observation

if TYPE_CHECKING:
    from lofte.partnerships.models import Partnership

YEARS = [MinValueValidator(1900), MaxValueValidator(2100)]
# The law asks for a lägesbild updated at least every second year.
VALID_YEARS = 2
EVENT_TYPE_LENGTH = 100  # as long as Polisen's event types may be (statistics.Event.type)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str | Promise
    done: bool


class Lagesbild(models.Model):
    """One version of a partnership's lägesbild."""

    class Status(models.TextChoices):
        UTKAST = "utkast", _("Utkast")
        FASTSTALLD = "faststalld", _("Fastställd")

    # What a member writes on a draft (its form and `do_update_lagesbild`), and the free text among it.
    EDITABLE_FIELDS = ("title", "summary", "year_from", "year_to")
    FREE_TEXT = ("title", "summary")

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        # An adopted lägesbild is part of the kommun's record of decisions; it must not vanish silently.
        on_delete=models.PROTECT,
        related_name="lagesbilder",
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("rubrik"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UTKAST)
    year_from = models.PositiveSmallIntegerField(_("från år"), validators=YEARS)
    year_to = models.PositiveSmallIntegerField(_("till år"), validators=YEARS)
    summary = models.TextField(_("sammanfattning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skapad av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)
    adopted_at = models.DateTimeField(_("fastställd"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fastställd av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(
        _("beslut"), max_length=300, blank=True, help_text=_("Till exempel: Kommunstyrelsen 2026-03-12 § 45")
    )
    decided_on = models.DateField(
        _("beslutsdatum"), null=True, blank=True, help_text=_("Dagen då kommunstyrelsen fastställde lägesbilden.")
    )

    class Meta:
        verbose_name = _("lägesbild")
        verbose_name_plural = _("lägesbilder")
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "version"], name="one_lagesbild_per_version"),
            models.CheckConstraint(
                condition=models.Q(year_to__gte=models.F("year_from")), name="lagesbild_years_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def clean(self) -> None:
        if self.year_from is not None and self.year_to is not None and self.year_to < self.year_from:
            raise ValidationError({"year_to": _("Perioden måste sluta samma år eller senare än den börjar.")})

    @property
    def is_adopted(self) -> bool:
        return self.status == self.Status.FASTSTALLD

    @property
    def adopted_on(self) -> date | None:
        """The day it was adopted: the decision's date, not the day someone recorded the decision in Löfte."""
        if self.decided_on is not None:
            return self.decided_on
        return timezone.localdate(self.adopted_at) if self.adopted_at else None

    def checklist(self) -> list[ChecklistItem]:
        """The points Lag 2023:196 asks a lägesbild to cover. Without problems there is nothing analysed."""
        problems = list(self.problems.values_list("consequences", "cause_offender", "cause_victim", "cause_place"))
        extent = ProblemSeries.objects.filter(problem__lagesbild=self).exists() or self.figures.exists()
        return [
            ChecklistItem("kartlaggning", _("Kartläggning: minst en källa"), self.sources.exists()),
            ChecklistItem("omfattning", _("Omfattning: minst en siffra eller kopplad serie"), extent),
            ChecklistItem(
                "konsekvenser",
                _("Konsekvenser: beskrivna för varje problem"),
                bool(problems) and all(row[0].strip() for row in problems),
            ),
            ChecklistItem(
                "analys",
                _("Analys inklusive orsaker: minst en orsak för varje problem"),
                bool(problems) and all(any(text.strip() for text in row[1:]) for row in problems),
            ),
        ]

    def missing_points(self) -> list[ChecklistItem]:
        return [item for item in self.checklist() if not item.done]


def latest_adopted(partnership: Partnership) -> Lagesbild | None:
    """The lägesbild in force: the one most recently adopted."""
    adopted = Lagesbild.objects.filter(partnership=partnership, status=Lagesbild.Status.FASTSTALLD)
    return adopted.order_by("-decided_on", "-adopted_at", "-version").first()


def is_outdated(lagesbild: Lagesbild, today: date) -> bool:
    """More than two years since the decision that adopted it (a draft has no adoption to age)."""
    adopted = lagesbild.adopted_on
    if adopted is None:
        return False
    try:
        deadline = adopted.replace(year=adopted.year + VALID_YEARS)
    except ValueError:  # adopted on 29 February
        deadline = adopted.replace(year=adopted.year + VALID_YEARS, day=28)
    return today > deadline


class Source(models.Model):
    """What the kartläggning drew on: statistics, surveys, dialogues, police intelligence, programmes."""

    class Kind(models.TextChoices):
        STATISTIK = "statistik", _("Statistik")
        TRYGGHETSUNDERSOKNING = "trygghetsundersokning", _("Trygghetsundersökning")
        MEDARBETARDIALOG = "medarbetardialog", _("Medarbetardialog")
        MEDBORGARDIALOG = "medborgardialog", _("Medborgardialog")
        UNDERRATTELSE = "underrattelse", _("Polisens underrättelser")
        HANDLINGSPROGRAM = "handlingsprogram", _("Handlingsprogram")
        EST = "est", _("EST-rapporter")

    # What a member writes (its form, `do_add_source` and the copy into a new version), and the free text among it.
    FIELDS = ("kind", "title", "description", "reference", "restricted")
    FREE_TEXT = ("title", "description", "reference")

    lagesbild = models.ForeignKey(
        Lagesbild, verbose_name=_("lägesbild"), on_delete=models.CASCADE, related_name="sources"
    )
    kind = models.CharField(_("typ"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("rubrik"), max_length=200)
    description = models.TextField(_("beskrivning"), blank=True)
    reference = models.CharField(_("referens eller länk"), max_length=500, blank=True)
    restricted = models.BooleanField(
        _("begränsad"), default=False, help_text=_("Visas bara för dem som får se polisens begränsade uppgifter.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("källa")
        verbose_name_plural = _("källor")
        ordering = ["lagesbild", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="underrattelse") | models.Q(restricted=True),
                name="underrattelse_is_restricted",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Police intelligence is never open to everyone, whoever saves it (an action, the admin, a copy).
        if self.kind == self.Kind.UNDERRATTELSE:
            self.restricted = True
        super().save(*args, **kwargs)


def visible_sources(lagesbild: Lagesbild, access: PartnershipAccess) -> QuerySet[Source]:
    """The sources this member may see: restricted ones only with Can.VIEW_RESTRICTED."""
    if lagesbild.partnership_id != access.partnership.pk:
        return Source.objects.none()
    sources = Source.objects.filter(lagesbild=lagesbild)
    return sources if access.can(Can.VIEW_RESTRICTED) else sources.filter(restricted=False)


class Problem(models.Model):
    """A problem in the SARA sense: similar incidents described precisely, with consequences and causes."""

    # The SARA description under the title, in reading order: what the form edits, `do_add_problem` and
    # `do_update_problem` change, a new version copies, and the page, the API and the documents show.
    FACTS = (
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
    )
    EDITABLE_FIELDS = ("title", *FACTS)
    # Screened for personal data by the form and the actions: everything but the priority and Polisen's types.
    FREE_TEXT = tuple(name for name in EDITABLE_FIELDS if name not in ("priority", "event_types"))

    lagesbild = models.ForeignKey(
        Lagesbild, verbose_name=_("lägesbild"), on_delete=models.CASCADE, related_name="problems"
    )
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    title = models.CharField(_("rubrik"), max_length=200)
    description = models.TextField(_("beskrivning"), blank=True, help_text=_("Vad händer, så precist som möjligt."))
    place = models.CharField(_("plats"), max_length=300, blank=True)
    time = models.CharField(_("tid"), max_length=300, blank=True, help_text=_("När det händer."))
    affected = models.TextField(_("drabbade"), blank=True)
    consequences = models.TextField(_("konsekvenser"), blank=True)
    # The crime triangle: why it happens, seen from the offender, the victim or target, and the place.
    cause_offender = models.TextField(_("orsaker: gärningsperson"), blank=True)
    cause_victim = models.TextField(_("orsaker: offer eller mål"), blank=True)
    cause_place = models.TextField(_("orsaker: plats"), blank=True)
    priority = models.PositiveSmallIntegerField(
        _("prioritet"), null=True, blank=True, validators=[MinValueValidator(1)], help_text=_("1 är högst.")
    )
    priority_rationale = models.TextField(_("motivering av prioriteten"), blank=True)
    event_types = models.JSONField(
        _("händelsetyper hos Polisen"), default=list, blank=True, help_text=_("Till exempel Inbrott, Bedrägeri.")
    )
    dialogue_notes = models.TextField(_("från dialoger"), blank=True)
    # Linked only through do_link_dialogue, which keeps them within the partnership.
    dialogues: models.ManyToManyField[Dialogue, Any] = models.ManyToManyField(
        "Dialogue", verbose_name=_("dialoger"), blank=True, related_name="problems"
    )

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = pgettext_lazy("plural", "problem")
        ordering = ["lagesbild", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        types = self.event_types
        if not isinstance(types, list) or not all(isinstance(t, str) and t.strip() for t in types):
            raise ValidationError({"event_types": _("Händelsetyperna ska vara en lista med namn.")})
        if len(types) > 20:
            raise ValidationError({"event_types": _("Högst 20 händelsetyper.")})
        if any(len(t) > EVENT_TYPE_LENGTH for t in types):
            raise ValidationError(
                {"event_types": _("En händelsetyp får vara högst %(count)s tecken.") % {"count": EVENT_TYPE_LENGTH}}
            )


class ProblemSeries(models.Model):
    """A metric for an area that shows a problem's extent; linked by code so it may precede its data."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="series")
    metric = models.ForeignKey("statistics.Metric", verbose_name=_("mått"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name=_("område"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("serie för problem")
        verbose_name_plural = _("serier för problem")
        constraints = [
            models.UniqueConstraint(fields=["problem", "metric", "area"], name="one_link_per_problem_series")
        ]

    def __str__(self) -> str:
        return f"{self.problem}: {self.metric.code} {self.area.code}"


class Figure(models.Model):
    """A number as it stood when the lägesbild was adopted; later imports leave it alone."""

    lagesbild = models.ForeignKey(
        Lagesbild, verbose_name=_("lägesbild"), on_delete=models.CASCADE, related_name="figures"
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), null=True, blank=True, on_delete=models.CASCADE, related_name="figures"
    )
    metric = models.ForeignKey("statistics.Metric", verbose_name=_("mått"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name=_("område"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=10)
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    value = models.FloatField(_("värde"), null=True, blank=True)
    per_100k = models.FloatField(_("per 100 000"), null=True, blank=True)
    preliminary = models.BooleanField(_("preliminär"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Observation.Status.choices, default=Observation.Status.OK
    )
    import_run = models.ForeignKey(
        "statistics.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("fastställd siffra")
        verbose_name_plural = _("fastställda siffror")
        ordering = ["lagesbild", "problem", "metric", "area", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["lagesbild", "problem", "metric", "area", "period"], name="one_figure_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"


class EventCount(models.Model):
    """How many of Polisen's events of one type the kommun had in the 12 months before adoption, as counted
    then; events imported later leave it alone."""

    lagesbild = models.ForeignKey(
        Lagesbild, verbose_name=_("lägesbild"), on_delete=models.CASCADE, related_name="event_counts"
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="event_counts"
    )
    type = models.CharField(_("händelsetyp"), max_length=EVENT_TYPE_LENGTH)
    period_start = models.DateField(_("från"))
    period_end = models.DateField(_("till och med"))
    count = models.PositiveIntegerField(_("antal"))

    class Meta:
        verbose_name = _("fastställt antal händelser")
        verbose_name_plural = _("fastställda antal händelser")
        ordering = ["lagesbild", "problem", "id"]
        constraints = [models.UniqueConstraint(fields=["problem", "type"], name="one_event_count_per_type")]

    def __str__(self) -> str:
        return f"{self.type}: {self.count}"


# Dialogues and safety walks: what citizens and staff said, as evidence for the kartläggning.

PARTICIPANT_GENDERS = ("women", "men", "other_gender")
PARTICIPANT_AGES = ("age_under_18", "age_18_29", "age_30_49", "age_50_64", "age_65_plus", "age_unknown")
MAX_THEMES = 10
THEME_LENGTH = 50


PARTICIPANTS = [MaxValueValidator(100_000)]


class Dialogue(models.Model):
    """A medborgardialog, medarbetardialog or trygghetsvandring: when and where, who took part (counted, never
    named), the themes raised and a summary. What was said is kept as statements."""

    class Kind(models.TextChoices):
        MEDBORGARDIALOG = "medborgardialog", _("Medborgardialog")
        MEDARBETARDIALOG = "medarbetardialog", _("Medarbetardialog")
        TRYGGHETSVANDRING = "trygghetsvandring", _("Trygghetsvandring")

    # What a member records (the form and the actions), and the free text among it, screened for personal data.
    EDITABLE_FIELDS = ("kind", "date", "place", "area", *PARTICIPANT_GENDERS, *PARTICIPANT_AGES, "themes", "summary")
    FREE_TEXT = ("place", "themes", "summary")

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        # Evidence the lägesbild may rest on; it must not vanish with a careless delete of the partnership.
        on_delete=models.PROTECT,
        related_name="dialogues",
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("datum"))
    place = models.CharField(_("plats"), max_length=300)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("område"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Kommunen eller en kommundel."),
    )
    women = models.PositiveIntegerField(_("kvinnor"), default=0, validators=PARTICIPANTS)
    men = models.PositiveIntegerField(_("män"), default=0, validators=PARTICIPANTS)
    other_gender = models.PositiveIntegerField(_("annat eller uppgift saknas"), default=0, validators=PARTICIPANTS)
    age_under_18 = models.PositiveIntegerField(_("under 18 år"), default=0, validators=PARTICIPANTS)
    age_18_29 = models.PositiveIntegerField(_("18–29 år"), default=0, validators=PARTICIPANTS)
    age_30_49 = models.PositiveIntegerField(_("30–49 år"), default=0, validators=PARTICIPANTS)
    age_50_64 = models.PositiveIntegerField(_("50–64 år"), default=0, validators=PARTICIPANTS)
    age_65_plus = models.PositiveIntegerField(_("65 år och äldre"), default=0, validators=PARTICIPANTS)
    age_unknown = models.PositiveIntegerField(_("ålder okänd"), default=0, validators=PARTICIPANTS)
    themes = models.JSONField(_("teman"), default=list, blank=True, help_text=_("Till exempel trafik, narkotika."))
    summary = models.TextField(_("sammanfattning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("dialog")
        verbose_name_plural = _("dialoger")
        ordering = ["partnership", "-date", "-id"]
        indexes = [models.Index(fields=["partnership", "date"])]

    def __str__(self) -> str:
        # No place: the activity feed shows this, and the place is free text.
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}" if self.date else str(self.get_kind_display())

    def clean(self) -> None:
        self._clean_themes()
        by_gender, by_age = self.total_by(PARTICIPANT_GENDERS), self.total_by(PARTICIPANT_AGES)
        # One breakdown left empty means it was not asked: the participants are counted as unknown there.
        if by_age == 0:
            self.age_unknown = by_gender
        elif by_gender == 0:
            self.other_gender = by_age
        elif by_gender != by_age:
            raise ValidationError(
                _("Deltagarna per kön (%(gender)s) och per åldersgrupp (%(age)s) ska bli lika många.")
                % {"gender": by_gender, "age": by_age}
            )

    def _clean_themes(self) -> None:
        themes = self.themes
        if not isinstance(themes, list) or not all(isinstance(t, str) and t.strip() for t in themes):
            raise ValidationError({"themes": _("Temana ska vara en lista med ord.")})
        if len(themes) > MAX_THEMES:
            raise ValidationError({"themes": _("Högst %(count)s teman.") % {"count": MAX_THEMES}})
        if any(len(t) > THEME_LENGTH for t in themes):
            raise ValidationError({"themes": _("Ett tema får vara högst %(count)s tecken.") % {"count": THEME_LENGTH}})

    def total_by(self, fields: tuple[str, ...]) -> int:
        return sum(getattr(self, name) or 0 for name in fields)

    @property
    def participants(self) -> int:
        return self.total_by(PARTICIPANT_GENDERS)


class DialogueStatement(models.Model):
    """One thing said in a dialogue, in the words of the notes, optionally under a theme."""

    FIELDS = ("text", "theme")  # all of it free text, screened for personal data

    dialogue = models.ForeignKey(
        Dialogue, verbose_name=_("dialog"), on_delete=models.CASCADE, related_name="statements"
    )
    text = models.TextField(_("synpunkt"))
    theme = models.CharField(_("tema"), max_length=THEME_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("synpunkt")
        verbose_name_plural = _("synpunkter")
        ordering = ["dialogue", "id"]

    def __str__(self) -> str:
        return self.text[:60]
