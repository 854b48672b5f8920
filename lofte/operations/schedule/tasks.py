"""The "Kör nu" button's run, queued for the worker (`lofte worker`) so the page answers at once."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from lofte.operations.schedule.jobs import find_job
from lofte.operations.schedule.runner import SubprocessRunner
from lofte.operations.schedule.scheduler import run_now


@task()
def run_job(name: str, requested_at: str) -> str:
    """Run the job now, recorded as a manual run due at the moment it was asked for; its outcome."""
    job = find_job(name)
    if job is None:
        return "unknown"
    run = run_now(job, SubprocessRunner(), requested_at=datetime.fromisoformat(requested_at))
    return "claimed elsewhere" if run is None else run.job
