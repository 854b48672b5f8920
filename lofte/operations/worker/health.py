"""What /healthz says about the task workers and their queue (`lofte.core.views.healthz` calls these).

`worker`: how long ago any worker wrote its heartbeat, and how many were seen within LOFTE_WORKER_DEAD_AFTER.
`queue`: how many tasks are ready, and how long the oldest has waited. "degraded" when tasks wait and no worker has
been seen for LOFTE_HEALTH_WORKER_MINUTES, or the oldest ready task has waited that long. Two aggregate queries;
no task's arguments (they can name people) are read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django_tasks_db.models import DBTaskResult

from lofte.operations.worker.models import WorkerBeat


def _seconds(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(int((now - then).total_seconds()), 0)


def worker_health(now: datetime) -> dict[str, Any]:
    alive_since = now - timedelta(seconds=settings.LOFTE_WORKER_DEAD_AFTER)
    beats = WorkerBeat.objects.aggregate(seen=Max("seen_at"), alive=Count("pk", filter=Q(seen_at__gte=alive_since)))
    return {"seen_seconds_ago": _seconds(now, beats["seen"]), "alive": beats["alive"]}


def queue_health(now: datetime) -> dict[str, Any]:
    ready = DBTaskResult.objects.ready().aggregate(ready=Count("pk"), oldest=Min("enqueued_at"))
    return {"ready": ready["ready"], "oldest_ready_seconds": _seconds(now, ready["oldest"])}


def degraded(worker: dict[str, Any], queue: dict[str, Any]) -> bool:
    limit = settings.LOFTE_HEALTH_WORKER_MINUTES * 60
    unseen = worker["seen_seconds_ago"] is None or worker["seen_seconds_ago"] > limit
    waiting_long = queue["oldest_ready_seconds"] is not None and queue["oldest_ready_seconds"] > limit
    return bool(queue["ready"] and unseen) or waiting_long
