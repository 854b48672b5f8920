"""`/healthz`: whether Löfte can answer, and whether its background work gets done.

    {"status": "ok" | "degraded",
     "worker": {"seen_seconds_ago": 3, "alive": 2},
     "queue": {"ready": 0, "oldest_ready_seconds": null},
     "jobs": {"failed": [], "late": []}}

"degraded" (still 200: the site answers) when tasks wait and no worker has been seen for
LOFTE_HEALTH_WORKER_MINUTES, or the oldest waiting task is older than that (lofte/operations/worker/health.py), or a scheduled job's latest run failed
or is late (lofte/operations/schedule/health.py). Only a database that cannot be reached answers 503. A fixed number
of queries, whatever the size of the queue; no task's arguments (they can name people) are read.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lofte.operations.schedule import health as schedule_health
from lofte.operations.worker import health as worker_health

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    try:
        worker, queue = worker_health.worker_health(now), worker_health.queue_health(now)
        jobs = schedule_health.job_health()
    except DatabaseError:
        logger.exception("Health check could not reach the database")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    degraded = worker_health.degraded(worker, queue) or schedule_health.degraded(jobs)
    return JsonResponse({"status": "degraded" if degraded else "ok", "worker": worker, "queue": queue, "jobs": jobs})
