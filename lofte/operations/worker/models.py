"""The task workers' heartbeats: a task's lease is the heartbeat of the worker that claimed it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """One task worker process, as last seen. It writes `seen_at` every few seconds from a thread; a RUNNING task
    whose worker has not been seen for LOFTE_WORKER_DEAD_AFTER seconds is reaped (lofte.operations.worker.reaper).
    """

    worker_id = models.CharField(_("arbetsprocess"), max_length=64, unique=True)
    host = models.CharField(_("värd"), max_length=255)
    pid = models.PositiveIntegerField(_("process-id"))
    started_at = models.DateTimeField(_("startad"))
    seen_at = models.DateTimeField(_("senast sedd"), db_index=True)
    # The DBTaskResult it runs now (a UUID), empty between tasks.
    task_id = models.CharField(_("uppgift"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("arbetsprocess")
        verbose_name_plural = _("arbetsprocesser")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
