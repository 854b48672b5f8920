"""`JobRun`: one row per run of a scheduled job, unique on (job, due_at).

The row is the claim: a scheduler that inserts it runs the job, one whose insert fails on the unique constraint
leaves the slot to the one that won. `message` is short and free of personal data (it is screened), `output_tail`
the end of the commands' output for the operator's page (screened too)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    OUTCOMES = [
        (RUNNING, _("pågår")),
        (OK, _("klar")),
        (FAILED, _("misslyckades")),
        (SKIPPED, _("hoppades över")),
    ]

    job = models.CharField(_("jobb"), max_length=40)
    due_at = models.DateTimeField(_("planerad tid"))
    started_at = models.DateTimeField(_("startade"))
    finished_at = models.DateTimeField(_("slutade"), null=True, blank=True)
    outcome = models.CharField(_("utfall"), max_length=10, choices=OUTCOMES, default=RUNNING)
    message = models.CharField(_("meddelande"), max_length=300, blank=True)
    output_tail = models.TextField(_("slutet av utskriften"), blank=True)
    manual = models.BooleanField(_("startad för hand"), default=False)

    class Meta:
        verbose_name = _("körning av schemalagt jobb")
        verbose_name_plural = _("körningar av schemalagda jobb")
        constraints = [models.UniqueConstraint(fields=["job", "due_at"], name="operations_jobrun_one_per_slot")]
        indexes = [models.Index(fields=["job", "-started_at"], name="operations_jobrun_latest")]

    def __str__(self) -> str:
        return f"{self.job} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta | None:
        return None if self.finished_at is None else self.finished_at - self.started_at
