"""`/healthz`: the database answers, a worker is alive, and the queue moves; only a database failure is a 503."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import time_machine
from django.db import OperationalError
from django.test import TestCase
from django_tasks_db.models import DBTaskResult, get_date_max

from lofte.operations.worker.models import WorkerBeat

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def waiting(since: datetime) -> DBTaskResult:
    with time_machine.travel(since, tick=False):
        return DBTaskResult.objects.create(
            args_kwargs={"args": ["someone@example.se"], "kwargs": {}},
            task_path="lofte.citizens.dispatch.send_confirmation",
            backend_name="default",
            run_after=get_date_max(),
        )


def beat(seen: datetime, worker: str = "w1") -> None:
    WorkerBeat.objects.create(worker_id=worker, host="h", pid=1, started_at=seen, seen_at=seen)


class HealthTest(TestCase):
    def get(self) -> dict:  # type: ignore[type-arg]
        with time_machine.travel(NOW, tick=False), self.assertNumQueries(4):  # workers, queue, the jobs (2)
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-cache", response.headers["Cache-Control"])
        return response.json()  # type: ignore[no-any-return]

    def test_it_answers_ok_with_a_live_worker_and_an_empty_queue(self) -> None:
        beat(NOW - timedelta(seconds=4))
        beat(NOW - timedelta(hours=2), worker="gone")
        self.assertEqual(
            self.get(),
            {
                "status": "ok",
                "worker": {"seen_seconds_ago": 4, "alive": 1},
                "queue": {"ready": 0, "oldest_ready_seconds": None},
                "jobs": {"failed": [], "late": []},
            },
        )

    def test_it_answers_ok_without_any_worker_while_nothing_waits(self) -> None:
        self.assertEqual(self.get()["status"], "ok")

    def test_it_is_degraded_when_tasks_wait_and_no_worker_was_seen_for_five_minutes(self) -> None:
        beat(NOW - timedelta(minutes=6))
        waiting(NOW - timedelta(seconds=30))
        answer = self.get()
        self.assertEqual(answer["status"], "degraded")
        self.assertEqual(answer["worker"], {"seen_seconds_ago": 360, "alive": 0})
        self.assertEqual(answer["queue"], {"ready": 1, "oldest_ready_seconds": 30})
        self.assertNotIn("example.se", str(answer))  # no task's arguments

    def test_it_is_degraded_when_the_oldest_task_waited_too_long_though_a_worker_beats(self) -> None:
        beat(NOW - timedelta(seconds=2))
        waiting(NOW - timedelta(minutes=7))
        waiting(NOW - timedelta(seconds=1))
        answer = self.get()
        self.assertEqual((answer["status"], answer["queue"]), ("degraded", {"ready": 2, "oldest_ready_seconds": 420}))

    def test_it_ignores_finished_and_running_tasks(self) -> None:
        beat(NOW - timedelta(seconds=2))
        old = waiting(NOW - timedelta(hours=1))
        DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL")
        self.assertEqual(self.get()["status"], "ok")

    def test_it_answers_503_when_the_database_is_down(self) -> None:
        with mock.patch(
            "lofte.operations.worker.health.WorkerBeat.objects.aggregate", side_effect=OperationalError("nere")
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["status"], "error")
