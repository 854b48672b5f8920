"""The reaper: settles the tasks of a worker that died (kill -9, a lost machine, an out-of-memory kill).

A task's lease is its worker's heartbeat (`WorkerBeat`). A task still RUNNING whose last worker has not been seen
for LOFTE_WORKER_DEAD_AFTER seconds will never finish on its own: it is put back in the queue when the task is
declared safe to repeat (`RETRYABLE`) and has been started fewer than LOFTE_WORKER_MAX_ATTEMPTS times, and marked
FAILED otherwise. A task failed here may have a follow-up (`ON_FAILED`): an upload whose check or import died is
marked failed with a message its owner can act on (retry or cancel, lofte.statistics.actions).

The supervisor runs it every LOFTE_WORKER_REAP_SECONDS; `lofte worker --reap-once` runs it once (tests, cron).
Each reap that settled something writes one audit row with counts per task name (no arguments: they can name
people) and a log line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lofte.audit.log import record
from lofte.lib.actors import SystemActor
from lofte.operations.worker.models import WorkerBeat
from lofte.statistics.actions import do_fail_interrupted_upload
from lofte.statistics.models import ImportJob

logger = logging.getLogger(__name__)

ACTOR = SystemActor("lofte worker")
IMPORT_TASK = "lofte.statistics.tasks.process_import_job"


def _always(args: list[Any], kwargs: dict[str, Any]) -> bool:
    return True


def _upload_is_checking(args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Checking an upload is a dry run, safe to repeat; an import that died is left for its owner to retry."""
    job_id = args[0] if args else kwargs["job_id"]
    return ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKING).exists()


def _fail_upload(args: list[Any], kwargs: dict[str, Any]) -> None:
    do_fail_interrupted_upload(args[0] if args else kwargs["job_id"], actor=ACTOR)


# Tasks that may run again after their worker died, each with a test of its arguments. The mail tasks keep a
# Delivery per address and send only what is not yet sent (lofte.citizens.dispatch), so a repeat resumes them.
RETRYABLE: dict[str, Callable[[list[Any], dict[str, Any]], bool]] = {
    "lofte.citizens.dispatch.send_warning": _always,
    "lofte.citizens.dispatch.retry_warning": _always,
    "lofte.citizens.dispatch.send_follow_up": _always,
    "lofte.citizens.dispatch.send_confirmation": _always,
    IMPORT_TASK: _upload_is_checking,
}
# What else to do when a dead worker's task is marked failed.
ON_FAILED: dict[str, Callable[[list[Any], dict[str, Any]], None]] = {IMPORT_TASK: _fail_upload}


class WorkerLost(Exception):
    """Stands in for the exception of a task whose worker died: its class path is what the result shows."""


@dataclass
class Reaped:
    requeued: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requeued.values()) + sum(self.failed.values())


def reap_dead_tasks(now: datetime | None = None) -> Reaped:
    """Re-queue or fail every RUNNING task whose worker has not been seen for LOFTE_WORKER_DEAD_AFTER seconds."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LOFTE_WORKER_DEAD_AFTER)
    alive = set(WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    reaped = Reaped()
    # Started before the cutoff: a task claimed a moment ago may not have had its worker's first beat yet.
    for result in DBTaskResult.objects.running().filter(started_at__lt=cutoff).order_by("started_at"):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        _settle(result, now, reaped)
    # A worker gone a day is history; its row would only grow the table.
    WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    if reaped.total:
        logger.warning(
            "Reaped the tasks of dead workers: re-queued %s, failed %s.", dict(reaped.requeued), dict(reaped.failed)
        )
        record(
            "operations.reap_tasks",
            actor=ACTOR,
            changes={"requeued": dict(reaped.requeued), "failed": dict(reaped.failed)},
        )
    return reaped


def _settle(result: DBTaskResult, now: datetime, reaped: Reaped) -> None:
    args, kwargs = result.args_kwargs.get("args", []), result.args_kwargs.get("kwargs", {})
    retryable = RETRYABLE.get(result.task_path)
    name = result.task_path.rsplit(".", 1)[-1]
    with transaction.atomic():
        # Only if nobody settled it first (another supervisor's reaper, the worker itself back from the dead).
        still = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at)
        if retryable and len(result.worker_ids) < settings.LOFTE_WORKER_MAX_ATTEMPTS and retryable(args, kwargs):
            if still.update(status=TaskResultStatus.READY, started_at=None):
                reaped.requeued[name] += 1
            return
        changed = still.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: the worker stopped (killed or lost) while running the task; "
            f"attempts: {len(result.worker_ids)}.\n",
            return_value=None,
        )
        if changed:
            reaped.failed[name] += 1
            if follow_up := ON_FAILED.get(result.task_path):
                follow_up(args, kwargs)
