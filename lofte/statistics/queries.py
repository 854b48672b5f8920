"""Reads of statistics and events, each a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lofte.statistics.models import Event, ImportJob, Metric, Observation

POPULATION = "befolkning.totalt"


def observations(
    area: str, metric: str, year_from: int | None, year_to: int | None, kind: str | None = None
) -> QuerySet[Observation]:
    rows = Observation.objects.filter(series__area__code=area, series__metric__code=metric)
    if kind is not None:
        rows = rows.filter(period_kind=kind)
    if year_from is not None:
        rows = rows.filter(period_start__year__gte=year_from)
    if year_to is not None:
        rows = rows.filter(period_start__year__lte=year_to)
    return rows.order_by("period_start", "period_kind")


def population_by_year(area: str) -> dict[int, float]:
    rows = Observation.objects.filter(
        series__area__code=area, series__metric__code=POPULATION, period_kind="year", value__isnull=False
    ).values_list("period_start__year", "value")
    return {year: value for year, value in rows if value}


def rate_per_100k(observation: Observation, population: dict[int, float]) -> float | None:
    """As published if the source gave it; else from the year's population (or the latest before it)."""
    if observation.per_100k is not None:
        return observation.per_100k
    if observation.value is None:
        return None
    years = [y for y in population if y <= observation.period_start.year]
    if not years:
        return None
    return round(observation.value * 100_000 / population[max(years)], 1)


def get_metric(code: str) -> Metric | None:
    return Metric.objects.filter(code=code).first()


def events(*, area: str | None, types: list[str], since: datetime | None, until: datetime | None) -> QuerySet[Event]:
    rows = Event.objects.select_related("area")
    if area:
        rows = rows.filter(area__code=area)
    if types:
        rows = rows.filter(type__in=types)
    if since:
        rows = rows.filter(occurred_at__gte=since)
    if until:
        rows = rows.filter(occurred_at__lt=until)
    return rows.order_by("-occurred_at", "-id").defer("area__geometry")


# Uploads whose worker stopped

PROCESS_TASK = "lofte.statistics.tasks.process_import_job"


def is_interrupted(job: ImportJob, now: datetime | None = None) -> bool:
    """Whether an upload shown as checking or importing will never get further on its own: its task failed or
        ended without moving it (the worker was stopped mid-task), or there is no task at all, or (checked during the
        request) the request died. A job's tasks are its check and its import, and a retry's: while one of them waits or runs,
    the job is on its way. One query for a job in the background, none otherwise."""
    if not job.is_active:
        return False
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.LOFTE_WORKER_DEAD_AFTER)
    if not job.background:
        return job.updated_at < settled
    statuses = set(
        DBTaskResult.objects.filter(task_path=PROCESS_TASK, args_kwargs__args__0=job.pk).values_list(
            "status", flat=True
        )
    )
    if not statuses:
        return job.updated_at < settled  # enqueued after the commit: a moment without a task is normal
    return not statuses & {TaskResultStatus.READY, TaskResultStatus.RUNNING}
