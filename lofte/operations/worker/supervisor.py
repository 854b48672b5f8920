"""The supervisor behind `lofte worker`: starts its children, restarts any that ends, and stops them on a signal.

Hand-written rather than supervisord or circus: those are daemons of their own, configured apart from Löfte, and
all this needs is a loop over a few `subprocess.Popen`s. The deployment's own supervisor (systemd, the container
runtime) restarts `lofte worker` itself; this one restarts the processes inside it.

Each child is `python -m lofte.cli <argv tail>`: the task workers (`lofte worker --run-tasks`, as many as
`--processes`), then the scheduler (`lofte scheduler`, unless LOFTE_WORKER_SCHEDULER is off or `--no-scheduler`:
its claim on each slot in `JobRun` lets several machines each run one), then every entry of `OTHER_CHILDREN`, one
process each. Children run in their own session, so a
Ctrl-C in the terminal reaches them once, forwarded by the supervisor as SIGTERM (a second signal would make a
worker abandon its task). A child that ends is started again after 1, 2, 4 … seconds (at most
LOFTE_WORKER_RESTART_MAX_SECONDS); one that ran for a while starts again after the shortest pause. Every minute
(LOFTE_WORKER_REAP_SECONDS) the supervisor settles the tasks of workers that stopped beating (`reap_dead_tasks`).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

from django.conf import settings

from lofte.operations.worker.reaper import reap_dead_tasks
from lofte.operations.worker.runner import DATABASE_ERRORS, drop_connection

logger = logging.getLogger(__name__)

# The argv tail of one task worker process (`lofte worker --run-tasks`).
TASK_WORKER: tuple[str, ...] = ("worker", "--run-tasks")
# The periodic jobs' loop (lofte/operations/schedule/), one process.
SCHEDULER: tuple[str, ...] = ("scheduler",)
# Further supervised children, one process each, as argv tails of `lofte`.
OTHER_CHILDREN: tuple[tuple[str, ...], ...] = ()
# A child that ran this long before it ended was healthy: its next start waits the shortest pause again.
HEALTHY_SECONDS = 60.0
STOP_SECONDS = 30.0


def child_commands(processes: int, *, scheduler: bool = True) -> list[tuple[str, ...]]:
    return [TASK_WORKER] * processes + ([SCHEDULER] if scheduler else []) + list(OTHER_CHILDREN)


@dataclass
class Child:
    argv: tuple[str, ...]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    start_at: float = field(default=0.0)

    @property
    def name(self) -> str:
        return " ".join(self.argv)


class Supervisor:
    def __init__(self, commands: Sequence[tuple[str, ...]], *, env: dict[str, str] | None = None) -> None:
        self.children = [Child(tuple(argv)) for argv in commands]
        self.env = env
        self.stopping = False
        self.next_reap = 0.0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        logger.info("Supervising %s", ", ".join(child.name for child in self.children))
        try:
            while not self.stopping:
                self.tend()
                time.sleep(0.2)
        finally:
            self.stop_children()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            logger.info("Received %s: stopping the workers.", signal.strsignal(signum))
        self.stopping = True

    def tend(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and (code := child.process.poll()) is not None:
                self.ended(child, code, now)
            if child.process is None and now >= child.start_at and not self.stopping:
                self.start(child, now)
        if now >= self.next_reap:
            self.next_reap = now + settings.LOFTE_WORKER_REAP_SECONDS
            self.reap()

    def start(self, child: Child, now: float) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "lofte.cli", *child.argv], env=self.env, start_new_session=True
        )
        child.started = now
        logger.info("Started %s (pid %s).", child.name, child.process.pid)

    def ended(self, child: Child, code: int, now: float) -> None:
        child.process = None
        child.failures = 0 if now - child.started >= HEALTHY_SECONDS else child.failures + 1
        pause = min(2.0 ** max(child.failures - 1, 0), float(settings.LOFTE_WORKER_RESTART_MAX_SECONDS))
        child.start_at = now + pause
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        logger.warning("%s %s; starting it again in %.0f s.", child.name, how, pause)

    def reap(self) -> None:
        try:
            reap_dead_tasks()
        except DATABASE_ERRORS as exc:
            logger.warning("Could not look for dead workers' tasks: %s", exc)
            drop_connection()

    def stop_children(self) -> None:
        running = [child.process for child in self.children if child.process is not None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                logger.error("pid %s did not stop in %.0f s; killing it.", process.pid, STOP_SECONDS)
                process.kill()
                process.wait()
