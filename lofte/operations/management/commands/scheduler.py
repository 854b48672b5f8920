"""`lofte scheduler`: the loop that runs the scheduled jobs (lofte/operations/schedule/), one process.

    lofte scheduler             loop: sleep until the next slot (waking at least every minute), run what is due
    lofte scheduler --once      run what is due now, wait for it, exit (non-zero if a job failed)
    lofte scheduler --list      every job with its schedule, next slot and last outcome
    lofte scheduler --run JOB   run one job now, recorded as a manual run (non-zero if it failed)
    lofte scheduler --prune     delete the rows of runs older than LOFTE_JOB_RUN_RETENTION_DAYS (the prune-runs job)

SIGTERM or SIGINT stops the loop gracefully: no new slot is claimed, running jobs get STOP_GRACE_SECONDS to
finish, and the rest are ended and recorded "failed".
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from lofte.operations.schedule.jobs import all_jobs, describe, find_job
from lofte.operations.schedule.models import JobRun
from lofte.operations.schedule.queries import latest_runs
from lofte.operations.schedule.runner import Runner, SubprocessRunner
from lofte.operations.schedule.scheduler import Scheduler, prune_runs, run_due, run_now
from lofte.operations.schedule.timing import STOCKHOLM

logger = logging.getLogger("lofte.operations.schedule")

MAX_SLEEP_SECONDS = 60
BUSY_SLEEP_SECONDS = 5  # while jobs run, so their end is recorded soon
STOP_GRACE_SECONDS = 30


def local(moment: datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if moment else "–"


class Command(BaseCommand):
    help = "Run the scheduled jobs (Polisen, reminders, gallring, pruning, backup) at their times, exactly once."

    runner: Runner | None = None  # tests set a fake; otherwise each job runs in a subprocess

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--once", action="store_true", help="run what is due now, then exit")
        what.add_argument("--list", action="store_true", help="list the jobs, their next slot and last outcome")
        what.add_argument("--run", metavar="JOB", help="run one job now (recorded)")
        what.add_argument("--prune", action="store_true", help="delete old rows of runs")

    def handle(self, *args: Any, **options: Any) -> None:
        runner = self.runner or SubprocessRunner()
        if options["list"]:
            self.list_jobs()
        elif options["prune"]:
            self.stdout.write(f"{prune_runs(timezone.now())} gamla körningar borttagna.")
        elif options["run"]:
            self.run_one(options["run"], runner)
        elif options["once"]:
            self.report(run_due(runner))
        else:
            self.loop(runner)

    def list_jobs(self) -> None:
        now, latest = timezone.now(), latest_runs()
        for job in all_jobs():
            last = latest.get(job.name)
            next_due = local(job.when.next(now)) if job.enabled else "avstängt"
            outcome = f"{last.outcome} {local(last.started_at)} {last.message}" if last else "aldrig körd"
            self.stdout.write(f"{job.name:<14} {describe(job.when):<22} nästa {next_due:<16} senast {outcome}")

    def run_one(self, name: str, runner: Runner) -> None:
        job = find_job(name)
        if job is None:
            names = ", ".join(job.name for job in all_jobs())
            raise CommandError(f"Okänt jobb: {name}. Jobben heter {names}.", returncode=2)
        run = run_now(job, runner)
        if run is None:
            raise CommandError(f"{name}: en annan körning tog samma tid; försök igen.", returncode=1)
        self.report([JobRun.objects.get(pk=run.pk)])

    def report(self, runs: list[JobRun]) -> None:
        for run in runs:
            self.stdout.write(f"{run.job}: {run.outcome} {run.message}".rstrip())
        if not runs:
            self.stdout.write("Inget jobb att köra nu.")
        failed = [run.job for run in runs if run.outcome == JobRun.FAILED]
        if failed:
            raise CommandError(f"Misslyckades: {', '.join(failed)}", returncode=1)

    def loop(self, runner: Runner) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        scheduler = Scheduler(runner)
        self.stdout.write("Schemaläggaren går; SIGTERM stoppar den.")
        while not stop.is_set():
            stop.wait(self.step(scheduler))
        self.stop(scheduler, runner)

    def step(self, scheduler: Scheduler) -> float:
        """One round: record finished runs, start due ones; the seconds to sleep before the next round."""
        close_old_connections()
        now = timezone.now()
        try:
            scheduler.collect()
            scheduler.tick(now)
        except DatabaseError:
            # A passing database failure (a restart, a full disk) must not end the loop; the next round tries again.
            logger.exception("The scheduler could not reach the database; trying again")
            close_old_connections()
            return BUSY_SLEEP_SECONDS
        if scheduler.pending:
            return BUSY_SLEEP_SECONDS
        next_due = scheduler.next_due(now)
        until = (next_due - now) if next_due else timedelta(seconds=MAX_SLEEP_SECONDS)
        return max(1.0, min(until.total_seconds(), MAX_SLEEP_SECONDS))

    def stop(self, scheduler: Scheduler, runner: Runner) -> None:
        scheduler.wait(timeout=STOP_GRACE_SECONDS)
        if scheduler.pending and isinstance(runner, SubprocessRunner):
            runner.stop()
        scheduler.close()
        self.stdout.write("Schemaläggaren stoppad.")
