"""The one harness every benchmark measures with: timing calls in this process, and loading a served Löfte.

In this process: `time_calls` (warmed up, then the median and 95th percentile of `repeat` calls), `time_fresh` (the
same for what can only be done once, with a reset before each call) and `count_queries` (the SQL queries of one
call). Served: `served` starts the real server (`lofte serve`: gunicorn, its worker processes with
`THREADS_PER_WORKER` threads each, DEBUG off) on a free loopback port against the benchmark's database, and
`serve_and_load` checks that each `Request` answers 200 and then `load`s it from keep-alive clients for a fixed
time; a GET, or form-encoded POST bodies sent in turn.

The load client is written here rather than taken from a load-testing tool: it needs nothing installed beside
Löfte, runs in the benchmark's own process and reports in the shape docs/benchmarks.md shows.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

THREADS_PER_WORKER = 4  # lofte serve's gunicorn "threads"
HEALTHZ_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Timing(NamedTuple):
    name: str
    median_ms: float
    p95_ms: float
    queries: int  # SQL queries of one call
    status: int | None = None  # the HTTP status of a request's last call; None for what is not a request


# Timing in this process


def percentiles(samples_ms: Sequence[float]) -> tuple[float, float]:
    """The median and the 95th percentile (the sample at that rank) of the samples; (0, 0) for none."""
    if not samples_ms:
        return 0.0, 0.0
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def time_fresh(call: Callable[[], Any], reset: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """The median and p95 milliseconds of `repeat` calls after one to warm caches, with `reset` (not timed) before
    each call, for what can only be done once."""
    reset()
    call()
    samples = []
    for _ in range(repeat):
        reset()
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def time_calls(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """The median and p95 milliseconds of `repeat` calls after one to warm caches."""
    return time_fresh(call, lambda: None, repeat)


def count_queries(call: Callable[[], Any]) -> int:
    """The SQL queries of one call."""
    # With DEBUG on every query is logged, in a log of 9,000 at most: a full log would count none.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


# Serving


@dataclass(frozen=True)
class Load:
    """What the keep-alive clients got from one request of the running server."""

    path: str  # the request: its method and path, "GET /healthz"
    clients: int
    seconds: float  # wall time from the first request sent to the last answer
    ok: int  # 200 responses
    errors: int  # any other status, and requests that got no answer
    median_ms: float
    p95_ms: float
    statuses: dict[int, int]  # status → count; 0 for no answer

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Serving:
    workers: int
    threads: int  # per worker
    seconds: float  # each request's load
    database: str
    loads: list[Load]


@dataclass(frozen=True)
class Request:
    """What to load: a GET of `path`, or, with `bodies`, form-encoded POSTs of them in turn."""

    path: str
    bodies: Sequence[bytes] = ()

    @property
    def method(self) -> str:
        return "POST" if self.bodies else "GET"


@dataclass(frozen=True)
class Server:
    port: int
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    """A loopback port free now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def summarise(path: str, clients: int, seconds: float, samples: Sequence[tuple[int, float]]) -> Load:
    """The load on one request from its (status, milliseconds) samples; any status but 200 is an error, and 0
    stands for a request that got no answer."""
    statuses = Counter(status for status, _ms in samples)
    median, p95 = percentiles([ms for _status, ms in samples])
    ok = statuses[200]
    return Load(path, clients, seconds, ok, len(samples) - ok, median, p95, dict(sorted(statuses.items())))


def load(port: int, path: str, seconds: float, clients: int, *, bodies: Sequence[bytes] = ()) -> Load:
    """GET `path`, or POST `bodies` to it in turn, from `clients` threads, each on its own keep-alive connection,
    for `seconds`."""
    method = "POST" if bodies else "GET"
    samples: list[list[tuple[int, float]]] = [[] for _client in range(clients)]
    ready = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(number: int, mine: list[tuple[int, float]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ready.wait()
        turn = number
        try:
            while (sent := time.perf_counter()) < deadline:
                try:
                    if bodies:
                        conn.request(method, path, body=bodies[turn % len(bodies)], headers=FORM)
                    else:
                        conn.request(method, path)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    status = 0
                    conn.close()  # the next request connects again
                mine.append((status, (time.perf_counter() - sent) * 1000))
                turn += clients
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n, mine), daemon=True) for n, mine in enumerate(samples)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    deadline = start + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return summarise(f"{method} {path}", clients, elapsed, [sample for mine in samples for sample in mine])


def send(port: int, request: Request, *, timeout: float = 5.0) -> tuple[int, str]:
    """One request on its own connection (a POST with the request's last body): its status and answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if request.bodies:
            conn.request("POST", request.path, body=request.bodies[-1], headers=FORM)
        else:
            conn.request("GET", request.path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url or ":memory:" in url or "mode=memory" in url:
        raise RuntimeError("the server needs the benchmark's database in DATABASE_URL")
    return url


def _wait_until_healthy(server: subprocess.Popen[bytes], served: Server) -> None:
    deadline = time.monotonic() + HEALTHZ_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode}):\n{served.tail()}")
        try:
            if send(served.port, Request("/healthz"), timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {HEALTHZ_TIMEOUT_S:.0f} s:\n{served.tail()}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM: gunicorn finishes the requests in hand and stops its workers; killed if it takes too long."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def served(workers: int) -> Iterator[Server]:
    """`lofte serve` on a free loopback port against this database, DEBUG off, without the task worker; yields once
    it answers /healthz, and stops it after."""
    _database_url()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        served = Server(port, Path(tmp) / "server.log")
        env = {
            **os.environ,
            "LOFTE_ENV": "development",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "lofte.settings",
        }
        command = [sys.executable, "-m", "lofte.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--no-worker"]
        with served.log.open("wb") as output:
            server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
            try:
                _wait_until_healthy(server, served)
                yield served
            finally:
                _stop(server)


def serve_and_load(requests: Sequence[Request], seconds: float, clients: int, workers: int) -> Serving:
    """Serve this database, check that each request answers 200 (a POST with its last body, which the load then
    leaves out), load each in turn for `seconds`, and stop the server."""
    database = "PostgreSQL" if _database_url().startswith("postgres") else "SQLite"
    with served(workers) as server:
        for request in requests:  # each answers before it is timed
            status, answer = send(server.port, request, timeout=30)
            if status != 200:
                raise RuntimeError(f"{request.path} answered {status}: {answer[:500]}\n{server.tail()}")
        loads = [load(server.port, r.path, seconds, clients, bodies=r.bodies[:-1] or r.bodies) for r in requests]
    return Serving(workers, THREADS_PER_WORKER, seconds, database, loads)
