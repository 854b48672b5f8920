"""Running a job: each of its `lofte` commands in a subprocess of its own, in its own process group, within the
job's timeout.

A runner is any callable `(job) -> Outcome` that never raises; the scheduler calls it in a thread and writes the
outcome to the database itself. `SubprocessRunner` is the real one; tests pass their own, so nothing fetches from
the network or runs a real gallring. A command that this version of Löfte does not have is "failed" with a clear
message, without starting anything (gallring and backup come from other parts of the code and may be missing).

A timeout (or the scheduler stopping) ends the whole process group: SIGTERM, then SIGKILL after a few seconds,
so a child the command started (pg_dump) does not live on and hold its output open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management import get_commands
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.lib.pii import redact
from lofte.operations.schedule.jobs import Job

TAIL_CHARS = 4000
MESSAGE_CHARS = 300
KILL_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Outcome:
    outcome: str  # JobRun.OK or JobRun.FAILED
    message: str
    output_tail: str = ""
    finished_at: datetime | None = None


Runner = Callable[[Job], Outcome]


def finish(outcome: str, message: str, output: str = "") -> Outcome:
    """An outcome stamped now, with the message and output screened for personal data and cut to size."""
    return Outcome(
        outcome,
        redact(message)[:MESSAGE_CHARS],
        redact(output[-TAIL_CHARS:]),
        timezone.now(),
    )


def missing_command(job: Job) -> str | None:
    """The first of the job's commands this version of Löfte does not have, as the operator would type it."""
    known = get_commands()
    for command in job.commands:
        if command[0].replace("-", "_") not in known:
            return command[0]
    return None


def last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class SubprocessRunner:
    """Runs each command as `python -m lofte.cli …`, one after the other, and stops at the first that fails."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._running: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def __call__(self, job: Job) -> Outcome:
        missing = missing_command(job)
        if missing is not None:
            return finish(
                "failed",
                _("Kommandot ”lofte %(command)s” finns inte i den här versionen av Löfte.") % {"command": missing},
            )
        deadline = timezone.now() + job.timeout
        output = ""
        for command in job.commands:
            argv = [self.python, "-m", "lofte.cli", *command]
            code, text = self.run(argv, deadline - timezone.now())
            output += text
            if code is not None and code != 0:
                return finish("failed", self._failure(command, code, text), output)
            if code is None:
                return finish("failed", self._interrupted(job), output)
        return finish("ok", last_line(output), output)

    def run(self, argv: list[str], timeout: timedelta) -> tuple[int | None, str]:
        """The command's exit code and output; None as the code when it was ended (timeout or stop)."""
        if self._stopping.is_set() or timeout.total_seconds() <= 0:
            return None, ""
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and command, no shell)
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        with self._lock:
            self._running.add(process)
        try:
            out, _err = process.communicate(timeout=timeout.total_seconds())
            return (None if self._stopping.is_set() and process.returncode < 0 else process.returncode), out or ""
        except subprocess.TimeoutExpired:
            end_group(process)
            out, _err = process.communicate()
            return None, out or ""
        finally:
            with self._lock:
                self._running.discard(process)

    def stop(self) -> None:
        """End every running command (the scheduler is stopping); their jobs are recorded as failed."""
        self._stopping.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            end_group(process)

    def _failure(self, command: tuple[str, ...], code: int, text: str) -> str:
        return _("”lofte %(command)s” avslutades med kod %(code)s: %(line)s") % {
            "command": " ".join(command),
            "code": code,
            "line": last_line(text),
        }

    def _interrupted(self, job: Job) -> str:
        if self._stopping.is_set():
            return _("Avbröts när schemaläggaren stoppades.")
        seconds = round(job.timeout.total_seconds())
        if seconds < 120:
            return _("Avbröts efter tidsgränsen, %(seconds)s sekunder.") % {"seconds": seconds}
        return _("Avbröts efter tidsgränsen, %(minutes)s minuter.") % {"minutes": seconds // 60}


def end_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the command's process group, then SIGKILL if it is still there after a few seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=KILL_AFTER_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
