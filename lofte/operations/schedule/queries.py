"""Reads for the operator's page and /healthz, each a fixed number of queries whatever the number of runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from lofte.operations.schedule.jobs import Job, all_jobs, describe
from lofte.operations.schedule.models import JobRun

RECENT = 20


def latest_runs(*, finished: bool = False) -> dict[str, JobRun]:
    """Each job's latest run (or latest finished run), by job name: one query."""
    runs: QuerySet[JobRun] = JobRun.objects.all()
    if finished:
        runs = runs.exclude(outcome=JobRun.RUNNING)
    latest = runs.filter(job=OuterRef("job")).order_by("-started_at", "-pk").values("pk")[:1]
    return {run.job: run for run in runs.filter(pk=Subquery(latest))}


@dataclass(frozen=True)
class JobRow:
    job: Job
    schedule: str
    next_due: datetime | None
    last: JobRun | None


def job_rows(now: datetime) -> list[JobRow]:
    """Every job with its schedule in words, its next slot (None when off) and its latest run: one query."""
    latest = latest_runs()
    return [
        JobRow(job, describe(job.when), job.when.next(now) if job.enabled else None, latest.get(job.name))
        for job in all_jobs()
    ]


def recent_runs() -> list[JobRun]:
    """The latest runs of every job, newest first: one query."""
    return list(JobRun.objects.order_by("-started_at", "-pk")[:RECENT])
