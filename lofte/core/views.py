from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lofte.operations.schedule import health as schedule_health

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check could not reach the database")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    body: dict[str, object] = {"status": "ok"}
    body["jobs"] = jobs = schedule_health.job_health()
    if schedule_health.degraded(jobs):
        body["status"] = "degraded"
    return JsonResponse(body)
