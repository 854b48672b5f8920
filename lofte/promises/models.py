"""The agreement between police and kommun, its medborgarlöften with goals and promises, the decision that adopts
them, and the twice-yearly follow-up.

Every change goes through the actions of its sub-packages (agreement, lofte, followup, bulk), which check the
member's role and write the audit log.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lofte.analysis.goals import COLOURS

# Brå's six parts every samverkansöverenskommelse should state; the period is the agreement's dates.
AGREEMENT_PARTS = (
    ("focus_problems", _("Fokusproblem")),
    ("probable_causes", _("Troliga orsaker")),
    ("measurable_goals", _("Mätbara mål")),
    ("documentation", _("Hur arbetet dokumenteras")),
    ("follow_up", _("Hur arbetet följs upp")),
)


class Agreement(models.Model):
    """The samverkansöverenskommelse: a multi-year agreement between the lokalpolisområde and the kommun."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("rubrik"), max_length=300)
    starts_on = models.DateField(_("gäller från"))
    ends_on = models.DateField(_("gäller till"))
    overall_goal = models.TextField(_("övergripande mål"), blank=True)
    focus_problems = models.TextField(_("fokusproblem"), blank=True)
    probable_causes = models.TextField(_("troliga orsaker"), blank=True)
    measurable_goals = models.TextField(_("mätbara mål"), blank=True)
    documentation = models.TextField(_("hur arbetet dokumenteras"), blank=True)
    follow_up = models.TextField(_("hur arbetet följs upp"), blank=True)
    followups_per_year = models.PositiveSmallIntegerField(
        _("uppföljningar per år"), default=2, validators=[MaxValueValidator(12)]
    )
    followup_bodies = models.JSONField(
        _("uppföljning till"),
        default=list,
        blank=True,
        help_text=_("Till exempel Beredning stärkt livskraft, kommunstyrelsen."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("samverkansöverenskommelse")
        verbose_name_plural = _("samverkansöverenskommelser")
        ordering = ["partnership", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="agreement_in_order")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Slutet kan inte ligga före början.")})
        bodies = self.followup_bodies
        if not isinstance(bodies, list) or not all(isinstance(b, str) and b.strip() for b in bodies):
            raise ValidationError({"followup_bodies": _("Ange mottagarna som en lista med namn.")})

    def completeness(self) -> list[tuple[str, bool]]:
        """Brå's six parts, each with whether the agreement states it."""
        parts = [(str(label), bool(getattr(self, name).strip())) for name, label in AGREEMENT_PARTS]
        return [*parts, (str(_("Period")), bool(self.starts_on and self.ends_on))]


class Signatory(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    name = models.CharField(_("namn"), max_length=200)
    role = models.CharField(_("befattning"), max_length=200)
    organisation = models.ForeignKey(
        "partnerships.Organisation", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    signed_on = models.DateField(_("undertecknad"), null=True, blank=True)

    class Meta:
        verbose_name = _("undertecknare")
        verbose_name_plural = _("undertecknare")
        ordering = ["agreement", "id"]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"


class AgreementDocument(models.Model):
    """A PDF kept with the agreement: the signed original, an appendix."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("rubrik"), max_length=300)
    file = models.FileField(_("fil"), upload_to="agreements/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bilaga")
        verbose_name_plural = _("bilagor")
        ordering = ["agreement", "id"]

    def __str__(self) -> str:
        return self.title


def outside_agreement(year_from: int, year_to: int, agreement: Agreement) -> bool:
    """Whether a löfte's years reach outside the agreement's period. A löfte runs in whole years and an agreement
    is often signed in the middle of one, so the years are compared, not the days."""
    return year_from < agreement.starts_on.year or year_to > agreement.ends_on.year


class Medborgarlofte(models.Model):
    """The public promise for a period under an agreement: focus areas, crime categories, goals and promises."""

    class Status(models.TextChoices):
        UTKAST = "utkast", _("Utkast")
        FORESLAGEN = "foreslagen", _("Föreslagen")
        BESLUTAD = "beslutad", _("Beslutad")
        PUBLICERAD = "publicerad", _("Publicerad")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("överenskommelse"), on_delete=models.PROTECT, related_name="medborgarloften"
    )
    title = models.CharField(_("rubrik"), max_length=300)
    year_from = models.PositiveSmallIntegerField(_("från år"))
    year_to = models.PositiveSmallIntegerField(_("till år"))
    lagesbild = models.ForeignKey(
        "situation.Lagesbild",
        verbose_name=_("lägesbild"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medborgarloften",
        help_text=_("Den fastställda lägesbild löftet bygger på."),
    )
    summary = models.TextField(_("sammanfattning"), blank=True, help_text=_("Lägesbilden i korthet, för invånare."))
    crime_categories = models.JSONField(_("prioriterade brottskategorier"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UTKAST)
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    outside_agreement_reason = models.TextField(
        _("skäl till perioden utanför överenskommelsen"),
        blank=True,
        help_text=_("Samordnarens skäl när löftets år ligger utanför överenskommelsens period."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("medborgarlöfte")
        verbose_name_plural = _("medborgarlöften")
        ordering = ["agreement", "-year_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(year_to__gte=models.F("year_from")), name="lofte_years_in_order")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> str:
        return str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}–{self.year_to}"

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLICERAD

    def clean(self) -> None:
        if self.year_from and self.year_to and self.year_to < self.year_from:
            raise ValidationError({"year_to": _("Slutåret kan inte ligga före startåret.")})
        categories = self.crime_categories
        if not isinstance(categories, list) or not all(isinstance(c, str) and c.strip() for c in categories):
            raise ValidationError({"crime_categories": _("Ange brottskategorierna som en lista med namn.")})


class FocusArea(models.Model):
    lofte = models.ForeignKey(Medborgarlofte, on_delete=models.CASCADE, related_name="focus_areas")
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    name = models.CharField(_("namn"), max_length=200)
    description = models.TextField(_("beskrivning"), blank=True, help_text=_("Vad ni vill uppnå inom området."))

    class Meta:
        verbose_name = _("fokusområde")
        verbose_name_plural = _("fokusområden")
        ordering = ["lofte", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A measurable goal: bound to a metric in an area with a rule against a baseline, to a survey indicator, or
    qualitative with the evidence it needs."""

    class Kind(models.TextChoices):
        STATISTIK = "statistik", _("Statistik")
        UNDERSOKNING = "undersokning", _("Trygghetsundersökning")
        KVALITATIV = "kvalitativ", _("Kvalitativt")

    class Direction(models.TextChoices):
        LOWER = "lower", _("lägre")
        HIGHER = "higher", _("högre")

    class Target(models.TextChoices):
        BASELINE = "baseline", _("än basperioden")
        PERCENT = "percent", _("med minst en viss procent")
        LEVEL = "level", _("till en viss nivå")

    lofte = models.ForeignKey(Medborgarlofte, on_delete=models.CASCADE, related_name="goals")
    focus_area = models.ForeignKey(
        FocusArea, verbose_name=_("fokusområde"), null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    text = models.CharField(_("mål"), max_length=300)
    kind = models.CharField(_("typ"), max_length=12, choices=Kind.choices, default=Kind.STATISTIK)
    metric = models.ForeignKey(
        "statistics.Metric", verbose_name=_("mått"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("område"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(_("riktning"), max_length=6, choices=Direction.choices, default=Direction.LOWER)
    baseline_period = models.CharField(_("basperiod"), max_length=10, blank=True, help_text=_("Till exempel 2023."))
    target = models.CharField(_("mål mot basperioden"), max_length=8, choices=Target.choices, default=Target.BASELINE)
    target_value = models.FloatField(_("procent eller nivå"), null=True, blank=True)
    due_period = models.CharField(_("senast"), max_length=10, blank=True, help_text=_("Till exempel 2025."))
    evidence = models.TextField(_("underlag som krävs"), blank=True)
    data_pending = models.BooleanField(
        _("data kommer"),
        default=False,
        help_text=_(
            "Kryssa i när måttet ännu saknar värden för området, för basperioden eller för senare perioder, "
            "och värdena kommer senare. Uppföljningen visar då att data väntas."
        ),
    )

    class Meta:
        verbose_name = _("mål")
        verbose_name_plural = pgettext_lazy("plural", "mål")
        ordering = ["lofte", "position", "id"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        for name in ("baseline_period", "due_period"):
            value = getattr(self, name)
            if value and not (len(value) == 4 and value.isdigit()):
                raise ValidationError({name: _("Ange ett år med fyra siffror, till exempel 2023.")})
        if self.kind in (self.Kind.STATISTIK, self.Kind.UNDERSOKNING):
            missing = {
                name: _("Ett mål med %(kind)s behöver ett mått, ett område och en basperiod.")
                % {"kind": self.get_kind_display().lower()}
                for name in ("metric", "area", "baseline_period")
                if not getattr(self, name if name == "baseline_period" else f"{name}_id")
            }
            if missing:
                raise ValidationError(missing)
            if self.target != self.Target.BASELINE and self.target_value is None:
                raise ValidationError({"target_value": _("Ange procenten eller nivån.")})
        elif not self.evidence.strip():
            raise ValidationError({"evidence": _("Ett kvalitativt mål behöver ett krav på underlag.")})


class Promise(models.Model):
    """One löfte or insats: what will be done, by whom, with its status and progress; children roll up by weight."""

    class Status(models.TextChoices):
        EJ_PABORJAD = "ej_paborjad", _("Ej påbörjad")
        PAGAR = "pagar", _("Pågår")
        GENOMFORD = "genomford", _("Genomförd")
        STOPPAD = "stoppad", _("Stoppad")

    # Progress when none is given: what the status says on its own.
    DEFAULT_PROGRESS = {Status.EJ_PABORJAD: 0, Status.PAGAR: 50, Status.GENOMFORD: 100, Status.STOPPAD: 0}

    lofte = models.ForeignKey(Medborgarlofte, on_delete=models.CASCADE, related_name="promises")
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("fokusområde"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("del av"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    text = models.TextField(_("löfte"))
    responsible = models.ManyToManyField(
        "partnerships.Organisation", verbose_name=_("ansvariga"), related_name="promises", blank=True
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("slut"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.EJ_PABORJAD)
    progress = models.PositiveSmallIntegerField(
        _("framsteg (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    weight = models.PositiveSmallIntegerField(_("vikt"), default=1, help_text=_("Hur mycket delen väger."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("löfte")
        verbose_name_plural = _("löften")
        ordering = ["lofte", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Slutet kan inte ligga före början.")})
        if self.parent_id and self.parent and self.parent.lofte_id != self.lofte_id:
            raise ValidationError({"parent": _("Delen måste höra till samma medborgarlöfte.")})

    @property
    def own_progress(self) -> int:
        return self.progress if self.progress is not None else self.DEFAULT_PROGRESS[self.Status(self.status)]


class Activity(models.Model):
    """What was done under a promise, by which organisation, and how many it reached."""

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="activities")
    date = models.DateField(_("datum"))
    text = models.TextField(_("vad som gjordes"))
    reach = models.PositiveIntegerField(_("antal nådda"), null=True, blank=True, help_text=_("Till exempel deltagare."))
    organisation = models.ForeignKey(
        "partnerships.Organisation", verbose_name=_("utfört av"), null=True, blank=True, on_delete=models.PROTECT
    )
    attachment = models.FileField(_("bilaga"), upload_to="activities/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("aktivitet")
        verbose_name_plural = _("aktiviteter")
        ordering = ["promise", "-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.text[:60]}"


class Decision(models.Model):
    """The kommun's decision on a medborgarlöfte: the tjänsteskrivelse, who proposed it, who decided it, the
    distribution.

    Two bodies, kept apart so that nothing says "beslutat" of a proposal: the body that proposed (usually
    kommunstyrelsens arbetsutskott, with its meeting date and §) and the body that decided (usually kommunstyrelsen,
    with its date and §; the fields `body`, `body_name`, `meeting_date` and `paragraph`). An utskott prepares a
    matter for its nämnd or styrelse and proposes; it is not accepted as the deciding body, since a medborgarlöfte
    is a matter of principle that kommunallagen (6 kap. 38 §) does not let a nämnd delegate. `lines()` is what the
    public page and the documents say about it.
    """

    class Body(models.TextChoices):
        ARBETSUTSKOTT = "arbetsutskott", _("Arbetsutskott")
        KOMMUNSTYRELSE = "kommunstyrelse", _("Kommunstyrelsen")
        KOMMUNFULLMAKTIGE = "kommunfullmaktige", _("Kommunfullmäktige")
        NAMND = "namnd", _("Nämnd")

    lofte = models.OneToOneField(Medborgarlofte, on_delete=models.CASCADE, related_name="decision")
    report_date = models.DateField(_("tjänsteskrivelsens datum"), null=True, blank=True)
    report_author = models.CharField(_("handläggare"), max_length=200, blank=True)
    report_author_title = models.CharField(_("handläggarens befattning"), max_length=200, blank=True)
    case_number = models.CharField(
        _("diarienummer"), max_length=50, blank=True, help_text=_("Till exempel KS/2024:126.")
    )
    proposed_by = models.CharField(_("organ som föreslog"), max_length=20, choices=Body.choices, blank=True)
    proposed_by_name = models.CharField(_("det föreslående organets namn"), max_length=200, blank=True)
    proposed_on = models.DateField(_("förslagets sammanträdesdatum"), null=True, blank=True)
    proposed_paragraph = models.CharField(_("förslagets paragraf"), max_length=20, blank=True)
    body = models.CharField(_("organ"), max_length=20, choices=Body.choices, blank=True)
    body_name = models.CharField(_("organets namn"), max_length=200, blank=True)
    meeting_date = models.DateField(_("sammanträdesdatum"), null=True, blank=True)
    paragraph = models.CharField(_("paragraf"), max_length=20, blank=True, help_text=_("Till exempel § 59."))
    decision_text = models.TextField(_("beslut"), blank=True)
    basis = models.JSONField(_("beslutsunderlag"), default=list, blank=True)
    distribution = models.JSONField(_("beslutet skickas till"), default=list, blank=True)

    class Meta:
        verbose_name = _("beslut")
        verbose_name_plural = pgettext_lazy("plural", "beslut")

    def __str__(self) -> str:
        return " ".join(part for part in (self.paragraph, self.case_number) if part) or str(self.lofte)

    def clean(self) -> None:
        for name in ("basis", "distribution"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValidationError({name: _("Ange en rad per post.")})
        errors: dict[str, Any] = {}  # messages by field, lazy or not
        if is_utskott(self.body, self.body_name):
            errors["body"] = _(
                "Ett utskott bereder ärendet och föreslår; ange det som organet som föreslog, och här det organ som "
                "beslutade, till exempel kommunstyrelsen."
            )
        if (self.proposed_on or self.proposed_paragraph.strip()) and not self.proposer:
            errors["proposed_by"] = _("Ange vilket organ som föreslog.")
        if self.proposer and not self.proposed_on:
            errors["proposed_on"] = _("Ange datum för sammanträdet där förslaget lades.")
        if self.proposed_on and self.meeting_date and self.meeting_date < self.proposed_on:
            errors["meeting_date"] = _("Beslutet kan inte ligga före förslaget (%(date)s).") % {
                "date": self.proposed_on.isoformat()
            }
        if self.proposer and self.decider and self.proposer.casefold() == self.decider.casefold():
            errors["proposed_by"] = _("Samma organ kan inte både föreslå och besluta.")
        if errors:
            raise ValidationError(errors)

    @property
    def proposer(self) -> str:
        """The proposing body as written in running text, e.g. "kommunstyrelsens arbetsutskott"; "" if none."""
        return _running_text(self.proposed_by, self.proposed_by_name)

    @property
    def decider(self) -> str:
        """The deciding body as written in running text, e.g. "kommunstyrelsen"; "" if none."""
        return _running_text(self.body, self.body_name)

    @property
    def is_decided(self) -> bool:
        """Whether the deciding body's meeting is recorded: the body, its date and its §."""
        return bool(self.decider and self.meeting_date and self.paragraph.strip())

    @property
    def is_proposed(self) -> bool:
        return bool(self.proposer and self.proposed_on)

    def lines(self) -> list[str]:
        """Who did what, in plain sentences: "Föreslaget av arbetsutskottet 2024-04-15 § 59." and "Beslutat av
        kommunstyrelsen 2024-05-06 § 80." only for what is recorded."""
        lines = []
        if self.is_proposed:
            assert self.proposed_on is not None
            values = {"body": self.proposer, "when": _meeting(self.proposed_on, self.proposed_paragraph)}
            if not self.is_decided and self.decider:
                values["to"] = self.decider
                lines.append(gettext("Föreslaget av %(body)s %(when)s till %(to)s.") % values)
            else:
                lines.append(gettext("Föreslaget av %(body)s %(when)s.") % values)
        if self.is_decided:
            assert self.meeting_date is not None
            values = {"body": self.decider, "when": _meeting(self.meeting_date, self.paragraph)}
            lines.append(gettext("Beslutat av %(body)s %(when)s.") % values)
        return lines


# A body as it reads inside a sentence ("beslutat av kommunstyrelsen").
BODY_IN_TEXT = {
    Decision.Body.ARBETSUTSKOTT: _("arbetsutskottet"),
    Decision.Body.KOMMUNSTYRELSE: _("kommunstyrelsen"),
    Decision.Body.KOMMUNFULLMAKTIGE: _("kommunfullmäktige"),
    Decision.Body.NAMND: _("nämnden"),
}
UTSKOTT = re.compile(r"utskott|\b(?:KS)?AU\b", re.IGNORECASE)


def is_utskott(body: str, name: str) -> bool:
    """An arbetsutskott, or a body whose name says it is an utskott ("Kommunstyrelsens arbetsutskott", "KSAU")."""
    return body == Decision.Body.ARBETSUTSKOTT or bool(UTSKOTT.search(name))


def paragraph_text(paragraph: str) -> str:
    """ "59", "§59" and "§ 59" all as "§ 59"."""
    text = paragraph.strip().lstrip("§").strip()
    return f"§ {text}" if text else ""


def _running_text(body: str, name: str) -> str:
    name = name.strip()
    if name:
        # "Kommunstyrelsens arbetsutskott" → "kommunstyrelsens arbetsutskott", but "KSAU" stays.
        return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name
    return str(BODY_IN_TEXT[Decision.Body(body)]) if body else ""


def _meeting(day: date, paragraph: str) -> str:
    return " ".join(part for part in (day.isoformat(), paragraph_text(paragraph)) if part)


class FollowUpRound(models.Model):
    """One follow-up of a medborgarlöfte, e.g. 2024 H1: every goal evaluated and every promise reported."""

    class Status(models.TextChoices):
        OPEN = "oppen", _("Pågår")
        CLOSED = "klar", _("Klar")
        PUBLISHED = "publicerad", _("Publicerad")

    lofte = models.ForeignKey(Medborgarlofte, on_delete=models.CASCADE, related_name="rounds")
    label = models.CharField(_("uppföljning"), max_length=40, help_text=_("Till exempel 2024 H1."))
    period_start = models.DateField(_("perioden börjar"))
    period_end = models.DateField(_("perioden slutar"))
    due_on = models.DateField(_("klar senast"))
    summary = models.TextField(_("sammanfattning"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    evaluated_at = models.DateTimeField(_("beräknad"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("påminnelse skickad"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("uppföljning")
        verbose_name_plural = _("uppföljningar")
        ordering = ["lofte", "period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lofte", "label"], name="one_round_per_label"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")), name="round_in_order"),
        ]

    def __str__(self) -> str:
        return self.label

    def is_overdue(self, today: date) -> bool:
        """Still open after the day it was due."""
        return self.status == self.Status.OPEN and self.due_on < today

    @property
    def overdue(self) -> bool:
        """Overdue today, in Stockholm; for templates."""
        return self.is_overdue(timezone.localdate())

    @property
    def period_ended(self) -> bool:
        """Whether the round's last day is over, in Stockholm."""
        return self.period_end < timezone.localdate()


class GoalEvaluation(models.Model):
    """A goal as Löfte computed it for a round, and the samordnare's comment or overriding verdict with its reason."""

    class Verdict(models.TextChoices):
        UPPNATT = "uppnatt", _("Uppnått")
        PA_VAG = "pa_vag", _("På väg")
        INTE_UPPNATT = "inte_uppnatt", _("Inte uppnått")
        FOR_TIDIGT = "for_tidigt", _("För tidigt att säga")
        INGEN_SAKER = "ingen_saker_forandring", _("Ingen tydlig förändring")
        # Not verdicts: what keeps Löfte from giving one (lofte.analysis.goals).
        BASVARDE_SAKNAS = "basvarde_saknas", _("Basvärde saknas")
        VARDE_SAKNAS = "varde_saknas", _("Värdet för perioden saknas ännu")

    round = models.ForeignKey(FollowUpRound, on_delete=models.CASCADE, related_name="evaluations")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="evaluations")
    period = models.CharField(_("period"), max_length=20, blank=True)
    baseline_period = models.CharField(_("basperiod"), max_length=20, blank=True)
    value = models.FloatField(_("värde"), null=True, blank=True)
    baseline_value = models.FloatField(_("basvärde"), null=True, blank=True)
    change_pct = models.FloatField(_("förändring %"), null=True, blank=True)
    p_value = models.FloatField(_("p-värde"), null=True, blank=True)
    # The 90 % interval of the rate ratio (of the value against the level, for a level); `|interval` words it.
    ci_low = models.FloatField(_("intervallets nedre gräns"), null=True, blank=True)
    ci_high = models.FloatField(_("intervallets övre gräns"), null=True, blank=True)
    preliminary = models.BooleanField(_("preliminär"), default=False)
    computed = models.CharField(_("beräknad bedömning"), max_length=24, choices=Verdict.choices)
    explanation = models.TextField(_("förklaring"), blank=True)
    override = models.CharField(_("ändrad bedömning"), max_length=24, choices=Verdict.choices, blank=True)
    override_reason = models.TextField(_("skäl för ändringen"), blank=True)
    comment = models.TextField(_("kommentar"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("målbedömning")
        verbose_name_plural = _("målbedömningar")
        ordering = ["round", "goal__position", "goal_id"]
        constraints = [models.UniqueConstraint(fields=["round", "goal"], name="one_evaluation_per_goal_and_round")]

    def __str__(self) -> str:
        return f"{self.goal}: {self.verdict}"

    @property
    def verdict(self) -> str:
        return self.override or self.computed

    @property
    def colour(self) -> str:
        """green, light green, amber, red or grey, as lofte.analysis.goals shows the verdict."""
        return COLOURS[self.verdict]

    def clean(self) -> None:
        if self.override and not self.override_reason.strip():
            raise ValidationError({"override_reason": _("En ändrad bedömning kräver ett skäl.")})


class PromiseReport(models.Model):
    """A promise's status and progress as reported in a round, with a comment."""

    round = models.ForeignKey(FollowUpRound, on_delete=models.CASCADE, related_name="reports")
    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="reports")
    status = models.CharField(_("status"), max_length=12, choices=Promise.Status.choices)
    progress = models.PositiveSmallIntegerField(_("framsteg (%)"), validators=[MaxValueValidator(100)])
    comment = models.TextField(_("kommentar"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rapport om löfte")
        verbose_name_plural = _("rapporter om löften")
        ordering = ["round", "promise__position", "promise_id"]
        constraints = [models.UniqueConstraint(fields=["round", "promise"], name="one_report_per_promise_and_round")]

    def __str__(self) -> str:
        return f"{self.promise}: {self.status}"
