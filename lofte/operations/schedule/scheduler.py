"""The scheduler: claims each due slot by inserting its `JobRun`, runs the job through a runner, records the outcome.

One `Scheduler` is one loop (`lofte scheduler`). Each `tick` claims what is due and hands each claimed job to a
thread of its pool, which only waits on the job's subprocess (runner.py); `collect` writes the finished ones. Every
database write happens in the loop's own thread. Several schedulers may run at once, on one machine or several:
the unique (job, due_at) row lets exactly one of them run a slot.

- Due: the latest slot at or before now (timing.py) has no row. A scheduler that was down finds only the latest
  missed slot, so it runs the job once, not once per missed slot.
- Skipped: when the job's previous run is still going (a fetch that hangs until its timeout), the new slot is
  claimed and recorded "skipped", so two runs of one job never overlap.
- Abandoned: a "running" row older than its job's timeout (and a margin) belonged to a scheduler that died without
  recording it; the next tick records it "failed".
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.operations.schedule.jobs import Job, all_jobs, enabled_jobs
from lofte.operations.schedule.models import JobRun
from lofte.operations.schedule.runner import Outcome, Runner, finish

logger = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(minutes=5)  # beyond the job's timeout, by which its own scheduler must have recorded it
WORKERS = 4


def claim(job: Job, due_at: datetime, *, manual: bool = False) -> JobRun | None:
    """The slot's row, inserted now; None when another scheduler (or an earlier tick) has it already."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job.name, due_at=due_at, started_at=timezone.now(), manual=manual)
    except IntegrityError:
        return None


def record(run: JobRun, outcome: Outcome) -> None:
    """Write a run's end, unless something else already has (an abandoned run recorded by another scheduler)."""
    run.outcome, run.message, run.output_tail = outcome.outcome, outcome.message, outcome.output_tail
    run.finished_at = outcome.finished_at or timezone.now()
    JobRun.objects.filter(pk=run.pk, outcome=JobRun.RUNNING).update(
        outcome=run.outcome, message=run.message, output_tail=run.output_tail, finished_at=run.finished_at
    )


def is_due(job: Job, now: datetime) -> datetime | None:
    """The slot to run now, or None when its row exists already (one query)."""
    slot = job.when.latest(now)
    return None if JobRun.objects.filter(job=job.name, due_at=slot).exists() else slot


def still_running(run: JobRun) -> bool:
    return JobRun.objects.filter(job=run.job, outcome=JobRun.RUNNING).exclude(pk=run.pk).exists()


def release_abandoned(now: datetime) -> int:
    """Record as failed the runs left "running" by a scheduler that stopped without recording them."""
    released = 0
    for job in all_jobs():
        released += JobRun.objects.filter(
            job=job.name, outcome=JobRun.RUNNING, started_at__lt=now - job.timeout - ABANDONED_AFTER
        ).update(
            outcome=JobRun.FAILED,
            finished_at=now,
            message=_("Körningen tog aldrig slut: schemaläggaren stoppades medan den pågick."),
        )
    return released


def prune_runs(now: datetime) -> int:
    """Delete the rows of runs that started more than LOFTE_JOB_RUN_RETENTION_DAYS ago."""
    cutoff = now - timedelta(days=settings.LOFTE_JOB_RUN_RETENTION_DAYS)
    deleted, _by_model = JobRun.objects.filter(started_at__lt=cutoff).exclude(outcome=JobRun.RUNNING).delete()
    return deleted


def safely(runner: Runner, job: Job) -> Outcome:
    """The runner's outcome; a runner that raises is a failed run, not a dead scheduler."""
    try:
        return runner(job)
    except Exception as exc:
        logger.exception("Scheduled job %s raised", job.name)
        return finish(JobRun.FAILED, _("Jobbet avbröts av ett fel: %(error)s") % {"error": type(exc).__name__})


class Scheduler:
    def __init__(self, runner: Runner, *, workers: int = WORKERS) -> None:
        self.runner = runner
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lofte-job")
        self.pending: dict[Future[Outcome], JobRun] = {}

    def tick(self, now: datetime | None = None) -> list[JobRun]:
        """Claim every enabled job's due slot and start it; the runs claimed by this tick."""
        now = now or timezone.now()
        release_abandoned(now)
        claimed = []
        for job in enabled_jobs():
            slot = is_due(job, now)
            run = claim(job, slot) if slot is not None else None
            if run is not None:
                claimed.append(run)
                self.start(job, run)
        return claimed

    def start(self, job: Job, run: JobRun) -> None:
        if still_running(run):
            record(run, finish(JobRun.SKIPPED, _("Förra körningen pågår fortfarande.")))
            return
        self.pending[self.pool.submit(safely, self.runner, job)] = run

    def collect(self) -> None:
        """Record the runs that have finished."""
        for future in [future for future in self.pending if future.done()]:
            record(self.pending.pop(future), future.result())

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running jobs (at most `timeout` seconds) and record those that finished."""
        if self.pending:
            wait_for(list(self.pending), timeout=timeout)
        self.collect()

    def close(self) -> None:
        self.wait()
        self.pool.shutdown()

    def next_due(self, now: datetime) -> datetime | None:
        slots = [job.when.next(now) for job in enabled_jobs()]
        return min(slots) if slots else None


def run_due(runner: Runner, now: datetime | None = None) -> list[JobRun]:
    """Run what is due and wait for it (`lofte scheduler --once`)."""
    scheduler = Scheduler(runner)
    try:
        claimed = scheduler.tick(now)
    finally:
        scheduler.close()
    return [JobRun.objects.get(pk=run.pk) for run in claimed]


def run_now(job: Job, runner: Runner, *, requested_at: datetime | None = None) -> JobRun | None:
    """Run one job at once, recorded as a manual run due at `requested_at`; None if that run was claimed already."""
    run = claim(job, requested_at or timezone.now(), manual=True)
    if run is None:
        return None
    if still_running(run):
        record(run, finish(JobRun.SKIPPED, _("Förra körningen pågår fortfarande.")))
    else:
        record(run, safely(runner, job))
    return run
