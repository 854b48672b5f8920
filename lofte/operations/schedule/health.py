"""What /healthz says about the scheduled jobs (`lofte.core.views.healthz` calls `job_health`).

`failed`: the enabled jobs whose latest finished run failed. `late`: the enabled jobs whose latest run started
longer ago than twice their period (30 minutes for Polisen, a day for a daily job): the scheduler is not running,
or not getting to them. A job that has never run is not late: an instance started without the scheduler (a test,
a development machine) says nothing about jobs it was never asked to run. Either list makes the site "degraded"
(200), never "error" (503): the site still answers. Two queries."""

from __future__ import annotations

from django.utils import timezone

from lofte.operations.schedule.jobs import enabled_jobs
from lofte.operations.schedule.models import JobRun
from lofte.operations.schedule.queries import latest_runs


def job_health() -> dict[str, list[str]]:
    now = timezone.now()
    jobs = enabled_jobs()
    finished = latest_runs(finished=True)
    started = latest_runs()
    failed = [job.name for job in jobs if job.name in finished and finished[job.name].outcome == JobRun.FAILED]
    late = [
        job.name for job in jobs if job.name in started and started[job.name].started_at < now - 2 * job.when.period
    ]
    return {"failed": failed, "late": late}


def degraded(health: dict[str, list[str]]) -> bool:
    return bool(health["failed"] or health["late"])
