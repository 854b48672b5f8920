from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lofte.statistics import formats
from lofte.statistics.sources.base import PUBLISHERS


class Metric(models.Model):
    """What is measured, e.g. anmalda.totalt. Brå's categories overlap: the parent is kept, never summed."""

    class Unit(models.TextChoices):
        ANTAL = "antal", _("antal")
        PROCENT = "procent", _("procent")
        INDEX = "index", _("index")
        PER_100K = "per_100k", _("per 100 000 invånare")

    code = models.CharField(_("kod"), max_length=120, unique=True)
    name = models.CharField(_("namn"), max_length=300)
    unit = models.CharField(_("enhet"), max_length=10, choices=Unit.choices)
    publisher = models.CharField(_("utgivare"), max_length=10, choices=list(PUBLISHERS.items()))
    description = models.TextField(_("beskrivning"), blank=True)
    lower_is_better = models.BooleanField(_("lägre är bättre"), default=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("ingår i"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
        verbose_name = _("mått")
        verbose_name_plural = pgettext_lazy("plural", "mått")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def attribution(self) -> str:
        return f"Källa: {PUBLISHERS[self.publisher]}"


class Series(models.Model):
    """The observations of one metric for one area."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="series")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="series")

    class Meta:
        verbose_name = _("serie")
        verbose_name_plural = pgettext_lazy("plural", "serier")
        constraints = [models.UniqueConstraint(fields=["metric", "area"], name="one_series_per_metric_and_area")]

    def __str__(self) -> str:
        return f"{self.metric.code} {self.area.code}"


class ImportRun(models.Model):
    """One import of one file: where every number came from.

    Without a partnership the run is official, shared statistics (Brå, SCB, Kolada, Polisen, or anything else an
    operator imports); with one it is that partnership's own data (statistics.owners says who may do what)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("pågår")
        DONE = "done", _("klar")
        FAILED = "failed", _("misslyckades")
        UNDONE = "undone", _("ångrad")

    file_name = models.CharField(_("fil"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=40)
    publisher = models.CharField(_("utgivare"), max_length=10, choices=list(PUBLISHERS.items()), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("av"), max_length=254, blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_runs",
        help_text=_("Samverkan vars egna uppgifter importen gäller; tom för gemensam statistik."),
    )
    started_at = models.DateTimeField(_("startad"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = pgettext_lazy("plural", "importer")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def format_label(self) -> str:
        return formats.label(self.format)

    @property
    def is_official(self) -> bool:
        return self.partnership_id is None


class ImportJob(models.Model):
    """A file uploaded on the web on its way through column mapping, preview and import.

    Small files are checked and imported during the request; larger ones by the task worker, which reports
    its progress through the cache (the import itself is one transaction, so the database cannot show it).
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", _("väntar på kolumnval")
        CHECKING = "checking", _("granskas")
        READY = "ready", _("väntar på bekräftelse")
        IMPORTING = "importing", _("importeras")
        DONE = "done", _("klar")
        FAILED = "failed", _("misslyckades")
        CANCELLED = "cancelled", _("avbruten")

    ACTIVE = (Status.CHECKING, Status.IMPORTING)

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The partnership whose own data the file is (None: official statistics, uploaded by an operator).
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("fil"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("storlek"))
    format = models.CharField(_("format"), max_length=40)
    options = models.JSONField(default=dict, blank=True)  # the column mapping of a spreadsheet
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    background = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True)  # ImportSummary.as_dict() of the latest step
    error = models.TextField(blank=True)
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("uppladdning")
        verbose_name_plural = pgettext_lazy("plural", "uppladdningar")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def path(self) -> Path:
        return Path(settings.VAR_DIR) / "uploads" / f"job-{self.pk}.upload"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def format_label(self) -> str:
        return formats.label(self.format)


class Observation(models.Model):
    """A value for one period. A missing or suppressed value is None with a status, never zero."""

    class Status(models.TextChoices):
        OK = "ok", _("uppgift finns")
        MISSING = "missing", _("saknas")
        SUPPRESSED = "suppressed", _("skyddad")

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="observations")
    period = models.CharField(_("period"), max_length=10)
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField()
    value = models.FloatField(_("värde"), null=True, blank=True)
    per_100k = models.FloatField(_("per 100 000"), null=True, blank=True)
    preliminary = models.BooleanField(_("preliminär"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OK)
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="observations")

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = pgettext_lazy("plural", "observationer")
        constraints = [models.UniqueConstraint(fields=["series", "period"], name="one_observation_per_period")]
        indexes = [models.Index(fields=["series", "period_start"])]

    def __str__(self) -> str:
        return f"{self.series} {self.period}: {self.value}"


class ObservationChange(models.Model):
    """The values an import replaced, so the import can be undone. Created observations need no row."""

    import_run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="+")
    previous = models.JSONField()  # value, per_100k, preliminary, status, import_run before this import

    class Meta:
        indexes = [models.Index(fields=["import_run"])]

    def __str__(self) -> str:
        return f"import {self.import_run_id}: observation {self.observation_id}"


class Event(models.Model):
    """A police event as published (Polisen's events API), archived because the API keeps only 500."""

    source = models.CharField(max_length=20, default="polisen")
    source_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(_("tidpunkt"), db_index=True)
    name = models.CharField(_("rubrik"), max_length=300)
    summary = models.TextField(_("sammanfattning"), blank=True)
    url = models.URLField(_("länk"), max_length=500, blank=True)
    type = models.CharField(_("typ"), max_length=100, db_index=True)
    location_name = models.CharField(_("plats"), max_length=200, blank=True)
    # The centroid of the kommun or län that Polisen gives, not the scene of the event.
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")

    class Meta:
        verbose_name = _("händelse")
        verbose_name_plural = pgettext_lazy("plural", "händelser")
        ordering = ["-occurred_at"]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="one_event_per_source_id")]
        indexes = [models.Index(fields=["area", "-occurred_at"])]

    def __str__(self) -> str:
        return self.name
