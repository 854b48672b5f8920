"""EST: incident reports by staff and partners, their review and routing, the weekly meeting and its actions.

Every change goes through an action: `est/intake.py` (every report), `est/setup.py` (a partnership's settings and
categories), `est/status.py` (the status its reporter sees), or the `actions.py` of a sub-package (`reporting`,
`review`, `weekly`, `meetings`, `open311`), which check the member's role, screen free text for personal data and
write the audit log. Reports are about places, never about people.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.est import categories as reference


def not_in_the_future(day: date) -> None:
    if day > timezone.localdate():
        raise ValidationError(_("Datumet kan inte ligga i framtiden."), code="future")


class Category(models.Model):
    """A partnership's EST category: the reference set, renamed or hidden as it likes, and its own additions."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.CASCADE, related_name="est_categories"
    )
    code = models.CharField(_("kod"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("huvudkategori"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("eget namn"), max_length=120, blank=True, help_text=_("Tomt: referensnamnet används."))
    active = models.BooleanField(_("används"), default=True)
    citizen = models.BooleanField(_("kan rapporteras av allmänheten"), default=False)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)

    class Meta:
        verbose_name = _("EST-kategori")
        verbose_name_plural = _("EST-kategorier")
        ordering = ["partnership", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["partnership", "code"], name="est_category_code_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        found = reference.BY_CODE.get(self.code)
        return str(found.name) if found else self.code

    @property
    def group_code(self) -> str:
        return self.code.partition(".")[0] if not self.code.startswith(reference.OWN_PREFIX) else self.code


class EstSettings(models.Model):
    """How one partnership runs EST: duplicate suggestions, generalisation and effect analysis."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.CASCADE, related_name="est_settings"
    )
    duplicate_distance_m = models.PositiveIntegerField(
        _("dubbletter: avstånd (meter)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text=_("Två rapporter i samma kategori närmare än så föreslås som dubbletter."),
    )
    duplicate_hours = models.PositiveIntegerField(
        _("dubbletter: tid (timmar)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("… och inom så många timmar från varandra."),
    )
    grid_m = models.PositiveIntegerField(
        _("generalisering (meter)"),
        default=250,
        validators=[MinValueValidator(50), MaxValueValidator(5000)],
        help_text=_("Rutnätet som platser visas i för den som inte behöver den exakta platsen."),
    )
    effect_radius_m = models.PositiveIntegerField(
        _("effektanalys: radie (meter)"), default=300, validators=[MinValueValidator(10), MaxValueValidator(5000)]
    )
    effect_weeks = models.PositiveSmallIntegerField(
        _("effektanalys: veckor före och efter"), default=8, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    started_on = models.DateField(
        _("EST startade"),
        null=True,
        blank=True,
        validators=[not_in_the_future],
        help_text=_(
            "Fyll i bara om EST var igång före den första rapporten i Löfte. Veckor och perioder före starten "
            "har inga data och jämförs inte."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("EST-inställningar")
        verbose_name_plural = _("EST-inställningar")

    def __str__(self) -> str:
        return str(self.partnership)


class Incident(models.Model):
    """One incident in a public or semi-public place, reported by a member of a partner organisation."""

    class Status(models.TextChoices):
        MOTTAGEN = "mottagen", _("Mottagen")
        GRANSKAD = "granskad", _("Granskad")
        ATGARD_BESLUTAD = "atgard_beslutad", _("Åtgärd beslutad")
        ATGARDAD = "atgardad", _("Åtgärdad")
        AVSLUTAD = "avslutad", _("Avslutad")
        AVVISAD = "avvisad", _("Avvisad")

    class Source(models.TextChoices):
        WEB = "web", _("Webbformulär")
        OPEN311 = "open311", _("Open311")
        CITIZEN = "medborgare", _("Tips från allmänheten")
        DEMO = "demo", _("Demodata")

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.PROTECT, related_name="incidents"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="incidents"
    )
    occurred_at = models.DateTimeField(_("när det hände"))
    reported_at = models.DateTimeField(_("rapporterad"))
    latitude = models.FloatField(_("latitud"), null=True, blank=True)
    longitude = models.FloatField(_("longitud"), null=True, blank=True)
    address = models.CharField(_("adress"), max_length=200, blank=True)
    place_name = models.CharField(_("plats"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("område"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("beskrivning"), blank=True)
    persons = models.PositiveSmallIntegerField(
        _("antal personer"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    unsafety = models.PositiveSmallIntegerField(
        _("otrygghet (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Hur mycket otrygghet händelsen skapar, enligt den som rapporterar."),
    )
    photo = models.FileField(_("foto"), upload_to="est/%Y/%m/", blank=True)
    police_report_number = models.CharField(_("polisanmälan, diarienummer"), max_length=40, blank=True)
    anonymous = models.BooleanField(
        _("dölj mitt namn"), default=False, help_text=_("Bara samordnare och polis ser vem som rapporterade.")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rapportör"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="est_incidents",
    )
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        verbose_name=_("rapporterande organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    contact_email = models.EmailField(_("e-post för återkoppling"), blank=True)
    source = models.CharField(_("källa"), max_length=20, choices=Source.choices, default=Source.WEB)
    is_demo = models.BooleanField(_("demodata"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MOTTAGEN)
    routed_to = models.ForeignKey(
        "partnerships.Organisation",
        verbose_name=_("ansvarig organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routed_incidents",
    )
    routed_by_hand = models.BooleanField(
        _("fördelad för hand"), default=False, help_text=_("Rättelser av kategori och plats ändrar inte fördelningen.")
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("dubblett av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    rejection_reason = models.TextField(_("skäl för avvisning"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granskad av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("granskad"), null=True, blank=True)
    action_decided_at = models.DateTimeField(_("åtgärd beslutad"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("åtgärdad"), null=True, blank=True)
    closed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("avvisad"), null=True, blank=True)
    merged_at = models.DateTimeField(_("sammanslagen"), null=True, blank=True)
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("händelserapport")
        verbose_name_plural = _("händelserapporter")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "occurred_at"]),
            models.Index(fields=["partnership", "status", "reported_at"]),
            models.Index(fields=["reporter", "reported_at"]),
            models.Index(fields=["routed_to", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unsafety__isnull=True) | models.Q(unsafety__gte=1, unsafety__lte=5),
                name="est_incident_unsafety_1_5",
            ),
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__gte=-90, latitude__lte=90) & models.Q(longitude__gte=-180, longitude__lte=180)),
                name="est_incident_point_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.label}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.AVSLUTAD, self.Status.AVVISAD)

    @property
    def place_text(self) -> str:
        return self.place_name or self.address or (self.area.name if self.area_id and self.area else "")


class IncidentUpdate(models.Model):
    """A change of status with its note: the timeline its reporter sees."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("händelserapport"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=20, choices=Incident.Status.choices)
    note = models.TextField(_("kommentar"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tid"))
    notified_at = models.DateTimeField(_("rapportören underrättad"), null=True, blank=True)

    class Meta:
        verbose_name = _("statusändring")
        verbose_name_plural = _("statusändringar")
        ordering = ["incident", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.get_status_display()}"


class RoutingRule(models.Model):
    """Incidents of this category (or any) in this area (or anywhere in the kommun) go to this organisation."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("kategori"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("En huvudkategori gäller även dess underkategorier. Tomt: alla kategorier."),
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("område"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Tomt: hela kommunen."),
    )
    organisation = models.ForeignKey(
        "partnerships.Organisation", verbose_name=_("ansvarig organisation"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fördelningsregel")
        verbose_name_plural = _("fördelningsregler")
        ordering = ["partnership", "id"]
        constraints = [
            # One rule per category and area, "all categories" and "the whole kommun" (NULL) each counting as one
            # value through COALESCE, since `nulls_distinct=False` is not created at all on SQLite or PostgreSQL < 15.
            models.UniqueConstraint(
                "partnership",
                Coalesce("category", Value(0), output_field=models.BigIntegerField()),
                Coalesce("area", Value(0), output_field=models.BigIntegerField()),
                name="est_routing_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.area or '*'} → {self.organisation}"


class Meeting(models.Model):
    """The EST meeting of one ISO week: who took part, what was said, what was decided."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.PROTECT, related_name="est_meetings"
    )
    iso_year = models.PositiveSmallIntegerField(_("år"))
    iso_week = models.PositiveSmallIntegerField(_("vecka"), validators=[MinValueValidator(1), MaxValueValidator(53)])
    held_on = models.DateField(_("datum"))
    participants = models.TextField(
        _("deltagare"), blank=True, help_text=_("En per rad: namn och organisation för dem som deltog.")
    )
    notes = models.TextField(_("anteckningar"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("EST-möte")
        verbose_name_plural = _("EST-möten")
        ordering = ["partnership", "-iso_year", "-iso_week"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "iso_year", "iso_week"], name="est_meeting_week_unique")
        ]

    def __str__(self) -> str:
        return f"{self.partnership} v. {self.iso_week} {self.iso_year}"

    @property
    def participant_list(self) -> list[str]:
        return [line.strip() for line in self.participants.splitlines() if line.strip()]


class Measure(models.Model):
    """An åtgärd: what an EST meeting decided to do, where, by whom and by when; open ones carry over to the next
    meeting. (Named Measure, not Action, so it is never mistaken for an `actions.py` function; its pages, URL
    names and audit rows still say action, `est.action.*`.)"""

    class Status(models.TextChoices):
        BESLUTAD = "beslutad", _("Beslutad")
        PAGAR = "pagar", _("Pågår")
        GENOMFORD = "genomford", _("Genomförd")
        STOPPAD = "stoppad", _("Stoppad")

    OPEN = (Status.BESLUTAD, Status.PAGAR)

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.PROTECT, related_name="est_actions"
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("beslutad vid"), on_delete=models.PROTECT, related_name="actions"
    )
    what = models.TextField(_("vad"))
    place_name = models.CharField(_("var"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitud"), null=True, blank=True)
    longitude = models.FloatField(_("longitud"), null=True, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("område"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "partnerships.Organisation", verbose_name=_("ansvarig organisation"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("klart senast"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BESLUTAD)
    outcome = models.TextField(_("resultat"), blank=True)
    done_on = models.DateField(_("genomförd den"), null=True, blank=True)
    incidents = models.ManyToManyField(
        Incident, verbose_name=_("händelserapporter"), blank=True, related_name="actions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("åtgärd")
        verbose_name_plural = _("åtgärder")
        ordering = ["partnership", "status", "due_on", "id"]

    def __str__(self) -> str:
        return self.what[:80]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WeekNote(models.Model):
    """The samordnare's assessment of a week, printed with its weekly lägesbild."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", verbose_name=_("samverkan"), on_delete=models.CASCADE, related_name="est_week_notes"
    )
    iso_year = models.PositiveSmallIntegerField(_("år"))
    iso_week = models.PositiveSmallIntegerField(_("vecka"), validators=[MinValueValidator(1), MaxValueValidator(53)])
    text = models.TextField(_("bedömning"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("veckans bedömning")
        verbose_name_plural = _("veckans bedömningar")
        constraints = [
            models.UniqueConstraint(fields=["partnership", "iso_year", "iso_week"], name="est_week_note_unique")
        ]

    def __str__(self) -> str:
        return f"{self.partnership} v. {self.iso_week} {self.iso_year}"


class ApiKey(models.Model):
    """An Open311 key of one partner organisation. Only its SHA-256 is stored; the key is shown once."""

    organisation = models.ForeignKey(
        "partnerships.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="api_keys"
    )
    label = models.CharField(_("benämning"), max_length=200, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.CharField(_("skapad av"), max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.prefix}…)"
