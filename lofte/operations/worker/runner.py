"""One task worker process: django-tasks-db's Worker with a heartbeat, and patience with the database.

Subclassed rather than forked, and only where it must differ: the loop that claims a task and the step that
records its outcome. A database error there (PostgreSQL restarting, a full disk, an unreadable SQLite file)
closes the connection, waits with a growing pause and goes on, where django-tasks-db's worker exits. A task that
itself raises is marked failed as before; its outcome, once known, is written as soon as the database answers
again, so a finished task is never left RUNNING by a worker that is still alive.

The heartbeat (`WorkerBeat`) is written from a thread with its own connection and short transactions: a task's
lease is its worker's heartbeat, and the reaper (lofte.operations.worker.reaper) takes back the tasks of a worker
that stopped beating.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from lofte.operations.worker.models import WorkerBeat

logger = logging.getLogger(__name__)

# What a lost or broken database connection raises; anything else is a bug and stops the worker (and the
# supervisor starts it again).
DATABASE_ERRORS = (OperationalError, InterfaceError)
PAUSE_FIRST, PAUSE_MAX = 0.5, 30.0


def new_worker_id() -> str:
    """Unique across hosts and restarts, and readable in a log: host, pid and a random part (≤ 64 characters)."""
    return f"{socket.gethostname()[:36]}-{os.getpid()}-{get_random_string(8)}"


def drop_connection() -> None:
    """Forget a connection that failed, so the next query opens a new one."""
    with contextlib.suppress(*DATABASE_ERRORS):
        connection.close()
    with contextlib.suppress(*DATABASE_ERRORS):
        close_old_connections()


class Heartbeat(threading.Thread):
    """Writes the worker's WorkerBeat every LOFTE_WORKER_BEAT_SECONDS; a failed write is logged and tried again.

    It also ends the worker, gracefully, when the supervisor that started it is gone (its parent changed), so no
    worker outlives a supervisor killed with SIGKILL and doubles up with the next one's."""

    def __init__(self, worker: HeartbeatWorker) -> None:
        super().__init__(name="lofte-heartbeat", daemon=True)
        self.worker = worker
        self.stopping = threading.Event()
        self.parent = os.getppid()
        self.started_at = timezone.now()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.beat()
                if os.getppid() != self.parent:
                    logger.warning("The supervisor is gone; worker %s stops.", self.worker.worker_id)
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                self.stopping.wait(settings.LOFTE_WORKER_BEAT_SECONDS)
        finally:
            connection.close()

    def beat(self) -> None:
        try:
            with transaction.atomic():
                WorkerBeat.objects.update_or_create(
                    worker_id=self.worker.worker_id,
                    defaults={
                        "host": socket.gethostname()[:255],
                        "pid": os.getpid(),
                        "started_at": self.started_at,
                        "seen_at": timezone.now(),
                        "task_id": self.worker.current_task_id,
                    },
                )
        except DATABASE_ERRORS as exc:
            logger.warning("Worker %s could not write its heartbeat: %s", self.worker.worker_id, exc)
            drop_connection()


class HeartbeatWorker(Worker):
    """django-tasks-db's Worker that beats, and rides out a lost database connection."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current_task_id = ""
        self.pause = PAUSE_FIRST
        self.heartbeat = Heartbeat(self)

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        self.heartbeat.start()
        try:
            self._loop()
        finally:
            self.heartbeat.stopping.set()

    def _loop(self) -> None:
        while self.running:
            try:
                task_result = self.claim_next()
            except DATABASE_ERRORS as exc:
                self.wait_for_database(exc, "fetching a task")
                continue
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def claim_next(self) -> DBTaskResult | None:
        """The next ready task, claimed for this worker (as django-tasks-db claims it); None when there is none."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None  # another worker holds it; it unlocks soon
            raise
        self.pause = PAUSE_FIRST
        return task_result

    def wait_for_database(self, exc: Exception, doing: str) -> None:
        logger.warning(
            "Worker %s lost the database while %s (%s); trying again in %.1f s.", self.worker_id, doing, exc, self.pause
        )
        drop_connection()
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, PAUSE_MAX)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task; record its outcome, waiting for the database if it is away when the task ends."""
        self.running_task = True
        self.current_task_id = str(db_task_result.id)
        try:
            outcome = self._call(db_task_result)
            self._record(db_task_result, outcome)
        finally:
            self.running_task = False
            self.current_task_id = ""
            self._run_tasks += 1

    def _call(self, db_task_result: DBTaskResult) -> tuple[bool, Any]:
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            task_started.send(sender=type(task.get_backend()), task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
        except BaseException as exc:
            logger.info("Task id=%s failed: %s", db_task_result.id, type(exc).__name__)
            return False, exc
        return True, value

    def _record(self, db_task_result: DBTaskResult, outcome: tuple[bool, Any]) -> None:
        succeeded, value = outcome
        attempts = 0
        while True:
            try:
                if succeeded:
                    db_task_result.set_successful(value)
                else:
                    db_task_result.set_failed(value)
                break
            except DATABASE_ERRORS as exc:
                attempts += 1
                if not self.running and attempts > 3:
                    # Stopping: the reaper settles the task once this worker's heartbeat is stale.
                    logger.error("Worker %s stops without recording task %s.", self.worker_id, db_task_result.id)
                    return
                self.wait_for_database(exc, "recording a task's outcome")
        self.pause = PAUSE_FIRST
        try:
            task_finished.send(sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result)
        except Exception:
            logger.exception("Task id=%s: the task_finished signal failed", db_task_result.id)
