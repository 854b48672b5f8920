"""`lofte worker`: the supervised task workers (lofte.operations.worker).

lofte worker [--processes N]   start N task workers and the scheduler of the periodic jobs, restart any that
                               ends, settle dead workers' tasks every minute; SIGTERM/SIGINT stop them all
lofte worker --no-scheduler    the same without the scheduler (LOFTE_WORKER_SCHEDULER=false)
lofte worker --reap-once       settle dead workers' tasks once and exit (tests, cron)
lofte worker --run-tasks       one task worker process, as the supervisor starts it
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

from lofte.operations.worker.reaper import reap_dead_tasks
from lofte.operations.worker.runner import HeartbeatWorker, new_worker_id
from lofte.operations.worker.supervisor import Supervisor, child_commands

logger = logging.getLogger("lofte.operations.worker")


class Command(BaseCommand):
    help = "Run the background task workers, supervised: restarted when they end, their dead tasks settled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="How many task worker processes to run (default: LOFTE_WORKER_PROCESSES).",
        )
        parser.add_argument(
            "--reap-once", action="store_true", help="Settle the tasks of dead workers once, then exit."
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            default=None,
            help="Do not run the periodic jobs' scheduler beside the workers (default: LOFTE_WORKER_SCHEDULER).",
        )
        parser.add_argument("--run-tasks", action="store_true", help="Be one task worker (started by the supervisor).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at an empty queue.")

    def handle(self, *args: Any, **options: Any) -> None:
        self._log_to_console(options["verbosity"])
        if options["reap_once"]:
            reaped = reap_dead_tasks()
            self.stdout.write(
                f"Re-queued {sum(reaped.requeued.values())}, failed {sum(reaped.failed.values())} "
                "task(s) of dead workers."
            )
            return
        if options["run_tasks"]:
            self._run_tasks(options["interval"])
            return
        processes = settings.LOFTE_WORKER_PROCESSES if options["processes"] is None else options["processes"]
        if processes < 1:
            raise CommandError("--processes must be 1 or more.")
        scheduler = settings.LOFTE_WORKER_SCHEDULER if options["scheduler"] is None else options["scheduler"]
        Supervisor(child_commands(processes, scheduler=scheduler)).run()

    def _run_tasks(self, interval: float) -> None:
        worker = HeartbeatWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=new_worker_id(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _log_to_console(self, verbosity: int) -> None:
        """The supervisor's and the workers' lines reach the console even where LOGGING says nothing of them."""
        for name in ("lofte.operations.worker", "django_tasks_db", "django_tasks"):
            named = logging.getLogger(name)
            named.setLevel(logging.WARNING if verbosity == 0 else logging.INFO)
