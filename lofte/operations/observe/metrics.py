"""Prometheus metrics at `/metrics` (prometheus-client), for the operator's monitoring and nobody else.

Two kinds of numbers:

- counted in the web processes: requests by method, route (the URL's name, never the raw path, which holds ids and
  slugs) and status, and their latency. gunicorn runs several worker processes, each with its own memory, so
  `lofte serve` points `PROMETHEUS_MULTIPROC_DIR` at `var/metrics/` (emptied at start) before anything imports
  prometheus-client, and a scrape adds up the files every worker writes there (prometheus-client's multiprocess
  mode). Without the variable (`make run`, the tests) the numbers live in the one process.
- read from the database at scrape time, so every process and the worker agree and nothing is lost at a restart:
  tasks waiting in django-tasks-db's queue and the age of the oldest ready one, tasks by status, mails sent and
  failed (citizens' `Delivery`), and the outcome of each scheduled job's last runs (the schedule's `JobRun`). A scrape costs a fixed number of queries, whatever the data.

The endpoint is off (404) until `LOFTE_METRICS_TOKEN` (or `_FILE`) is set; a scrape must send
`Authorization: Bearer <token>`, compared in constant time; no header answers 401, a wrong one 403.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "lofte_http_requests_total", "Requests answered, by method, route name and status.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "lofte_http_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_name(request: HttpRequest) -> str:
    """The matched URL's name with its namespace ("public:kommun"); "unmatched" for a 404 before any view."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(settings.STATIC_URL) else "unmatched"
    return match.view_name or "unnamed"


class MetricsMiddleware:
    """Counts every request and its time. First in the list, so a redirect or a static file is counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        route = route_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - start)
        return response


class DatabaseCollector(Collector):
    """What the database knows at scrape time: the task queue, mails, scheduled jobs."""

    def collect(self) -> Iterator[Any]:
        yield from _task_metrics()
        yield from _mail_metrics()
        yield from _job_metrics()


def _task_metrics() -> Iterator[Any]:
    from django.db.models import Count, Min, Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    by_status = DBTaskResult.objects.values("status").annotate(n=Count("id", filter=Q())).order_by()
    depth = GaugeMetricFamily("lofte_tasks_ready", "Tasks waiting in the queue, ready to run.")
    depth.add_metric([], ready.count())
    yield depth
    age = GaugeMetricFamily("lofte_tasks_oldest_ready_age_seconds", "How long the oldest ready task has waited.")
    age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
    yield age
    counts = {row["status"]: row["n"] for row in by_status}
    tasks = GaugeMetricFamily("lofte_tasks", "Tasks in the queue's table, by status.", labels=["status"])
    for status in TaskResultStatus:
        tasks.add_metric([status.value.lower()], counts.get(status.value, 0))
    yield tasks


def _mail_metrics() -> Iterator[Any]:
    from django.db.models import Count, Q

    from lofte.citizens.models import Delivery

    totals = Delivery.objects.aggregate(
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        failed=Count("id", filter=Q(failed_at__isnull=False)),
        pending=Count("id", filter=Q(sent_at__isnull=True, failed_at__isnull=True)),
    )
    mails = CounterMetricFamily("lofte_mail_deliveries", "Mails to citizens, by outcome.", labels=["outcome"])
    for outcome in ("sent", "failed"):
        mails.add_metric([outcome], totals[outcome])
    yield mails
    pending = GaugeMetricFamily("lofte_mail_deliveries_pending", "Mails to citizens not yet sent or failed.")
    pending.add_metric([], totals["pending"])
    yield pending


def _job_metrics() -> Iterator[Any]:
    from django.db.models import Count, Max

    from lofte.operations.schedule.models import JobRun

    rows = JobRun.objects.values("job", "outcome").annotate(n=Count("pk"), last=Max("finished_at")).order_by()
    runs = CounterMetricFamily("lofte_job_runs", "Runs of each scheduled job, by outcome.", labels=["job", "outcome"])
    last = GaugeMetricFamily(
        "lofte_job_last_finished_timestamp_seconds",
        "When a scheduled job last finished with this outcome (Unix time).",
        labels=["job", "outcome"],
    )
    for row in rows:
        runs.add_metric([row["job"], row["outcome"]], row["n"])
        if row["last"] is not None:
            last.add_metric([row["job"], row["outcome"]], row["last"].timestamp())
    yield runs
    yield last


def scrape() -> bytes:
    """The text a Prometheus scrape gets: the request counters (every worker's, in multiprocess mode) and the
    database's numbers."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Process(REGISTRY))
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _Process(Collector):
    """This process's own metrics (REGISTRY), handed on to the scrape's registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        yield from self.source.collect()


def metrics_token() -> str:
    return settings.LOFTE_METRICS_TOKEN


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    expected = metrics_token()
    if not expected:
        raise Http404
    given = _bearer(request)
    if given is None:
        response = HttpResponse("Authorization: Bearer <LOFTE_METRICS_TOKEN> required\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponse("Wrong metrics token\n", status=403)
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
