"""`/healthz`: whether Löfte can answer, and whether its background work gets done.

    {"status": "ok" | "degraded",
     "worker": {"seen_seconds_ago": 3, "alive": 2},
     "queue": {"ready": 0, "oldest_ready_seconds": null},
     "jobs": {"failed": [], "late": []}}

"degraded" (still 200: the site answers) when tasks wait and no worker has been seen for
LOFTE_HEALTH_WORKER_MINUTES, or the oldest waiting task is older than that, or a scheduled job's latest run failed
or is late (lofte/operations/schedule/health.py). Only a database that cannot be reached answers 503. A fixed number
of queries, whatever the size of the queue; no task's arguments (they can name people) are read.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from lofte.operations.schedule import health as schedule_health
from lofte.operations.worker.models import WorkerBeat

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    try:
        worker, queue, jobs = _worker(now), _queue(now), schedule_health.job_health()
    except DatabaseError:
        logger.exception("Health check could not reach the database")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    status = "degraded" if schedule_health.degraded(jobs) else _status(worker, queue)
    return JsonResponse({"status": status, "worker": worker, "queue": queue, "jobs": jobs})


def _seconds(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(int((now - then).total_seconds()), 0)


def _worker(now: datetime) -> dict[str, Any]:
    alive_since = now - timedelta(seconds=settings.LOFTE_WORKER_DEAD_AFTER)
    beats = WorkerBeat.objects.aggregate(seen=Max("seen_at"), alive=Count("pk", filter=Q(seen_at__gte=alive_since)))
    return {"seen_seconds_ago": _seconds(now, beats["seen"]), "alive": beats["alive"]}


def _queue(now: datetime) -> dict[str, Any]:
    ready = DBTaskResult.objects.ready().aggregate(ready=Count("pk"), oldest=Min("enqueued_at"))
    return {"ready": ready["ready"], "oldest_ready_seconds": _seconds(now, ready["oldest"])}


def _status(worker: dict[str, Any], queue: dict[str, Any]) -> str:
    limit = settings.LOFTE_HEALTH_WORKER_MINUTES * 60
    unseen = worker["seen_seconds_ago"] is None or worker["seen_seconds_ago"] > limit
    waiting_long = queue["oldest_ready_seconds"] is not None and queue["oldest_ready_seconds"] > limit
    return "degraded" if (queue["ready"] and unseen) or waiting_long else "ok"
