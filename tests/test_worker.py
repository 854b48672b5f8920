"""The task workers recover (issue 18, point 7): a dead worker's task is re-queued or failed by the reaper, an
upload whose worker died offers a retry and a cancel, and a worker rides out a lost database connection.

The processes themselves (the supervisor restarting a killed worker, kill -9 during an upload) are in
tests/test_worker_processes.py."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import time_machine
from django.db import OperationalError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max

from lofte.audit.models import AuditEvent
from lofte.operations.worker import runner
from lofte.operations.worker.models import WorkerBeat
from lofte.operations.worker.reaper import reap_dead_tasks
from lofte.statistics.models import ImportJob, Observation
from tests.base import BaseTestCase

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def running(task_path: str, *args: Any, worker: str = "dead", attempts: int = 1) -> DBTaskResult:
    """A task claimed by `worker` (its `attempts`-th start) at the current (frozen) time."""
    return DBTaskResult.objects.create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
        started_at=datetime.now(tz=UTC),
        worker_ids=[f"earlier-{n}" for n in range(attempts - 1)] + [worker],
    )


def work() -> None:
    """Run what waits, as one of `lofte worker`'s task workers, without its heartbeat thread or the connection
    closing (inside a test's transaction it would close the test's own)."""
    worker = runner.HeartbeatWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    with (
        mock.patch.object(runner.Heartbeat, "start"),
        mock.patch.object(runner, "close_old_connections"),
        mock.patch.object(runner, "drop_connection"),
        mock.patch.object(runner.time, "sleep") as sleep,
    ):
        worker.run()
    work.pauses = [call.args[0] for call in sleep.call_args_list]  # type: ignore[attr-defined]


class ReaperTest(BaseTestCase):
    def test_it_requeues_a_retryable_task_and_fails_another_once_the_worker_is_stale(self) -> None:
        with time_machine.travel(T0, tick=False):
            WorkerBeat.objects.create(worker_id="dead", host="h", pid=1, started_at=T0, seen_at=T0)
            WorkerBeat.objects.create(worker_id="alive", host="h", pid=2, started_at=T0, seen_at=T0)
            mail = running("lofte.citizens.dispatch.send_warning", 7)
            reset = running("lofte.accounts.tasks.send_password_reset", worker="dead")
            other = running("lofte.accounts.tasks.send_password_reset", worker="alive")
            tired = running("lofte.citizens.dispatch.send_follow_up", 3, attempts=3)
        with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
            self.assertEqual(reap_dead_tasks().total, 0)  # not yet stale (LOFTE_WORKER_DEAD_AFTER = 90)
        with time_machine.travel(T0 + timedelta(seconds=120), tick=False):
            WorkerBeat.objects.filter(worker_id="alive").update(seen_at=T0 + timedelta(seconds=118))
            reaped = reap_dead_tasks()
        states = {r.pk: r.status for r in DBTaskResult.objects.all()}
        self.assertEqual(states[mail.pk], "READY")
        self.assertEqual(states[reset.pk], "FAILED")
        self.assertEqual(states[other.pk], "RUNNING")  # its worker still beats
        self.assertEqual(states[tired.pk], "FAILED")  # started three times already
        self.assertEqual(
            (dict(reaped.requeued), dict(reaped.failed)),
            ({"send_warning": 1}, {"send_password_reset": 1, "send_follow_up": 1}),
        )
        failed = DBTaskResult.objects.get(pk=reset.pk)
        self.assertEqual(failed.exception_class_path, "lofte.operations.worker.reaper.WorkerLost")
        self.assertEqual(failed.finished_at, T0 + timedelta(seconds=120))
        event = AuditEvent.objects.get(action="operations.reap_tasks")
        self.assertEqual(
            event.changes, {"requeued": {"send_warning": 1}, "failed": {"send_password_reset": 1, "send_follow_up": 1}}
        )

    def test_it_does_nothing_and_audits_nothing_when_every_worker_lives(self) -> None:
        with time_machine.travel(T0, tick=False):
            WorkerBeat.objects.create(worker_id="w", host="h", pid=1, started_at=T0, seen_at=T0)
            running("lofte.citizens.dispatch.send_warning", 1, worker="w")
        with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
            self.assertEqual(reap_dead_tasks().total, 0)
        self.assertFalse(AuditEvent.objects.filter(action="operations.reap_tasks").exists())


class DatabaseErrorTest(BaseTestCase):
    """A passing database error (PostgreSQL restarting, a full disk) no longer ends the worker."""

    def setUp(self) -> None:
        self.enterContext(override_settings(TASKS=DATABASE_TASKS))
        from lofte.statistics.tasks import process_import_job

        self.result = process_import_job.enqueue(999999)  # no such job: the task returns at once

    def test_it_rides_out_a_fetch_that_fails_twice(self) -> None:
        original = DBTaskResultQuerySet.get_locked
        failures = iter([OperationalError("server closed the connection unexpectedly")] * 2)

        def flaky(queryset: DBTaskResultQuerySet) -> DBTaskResult | None:
            if (error := next(failures, None)) is not None:
                raise error
            return original(queryset)

        with mock.patch.object(DBTaskResultQuerySet, "get_locked", flaky):
            work()
        self.assertEqual(DBTaskResult.objects.get(pk=self.result.id).status, "SUCCESSFUL")
        self.assertEqual(work.pauses, [0.5, 1.0])  # type: ignore[attr-defined]

    def test_it_records_the_outcome_once_the_database_is_back(self) -> None:
        original = DBTaskResult.save
        failures = iter([OperationalError("disk I/O error")] * 4)  # more than django-tasks-db's own 3 tries

        def flaky(result: DBTaskResult, *args: Any, **kwargs: Any) -> None:
            if "return_value" in (kwargs.get("update_fields") or ()) and (error := next(failures, None)):
                raise error
            original(result, *args, **kwargs)

        with mock.patch.object(DBTaskResult, "save", flaky), mock.patch("django_tasks_db.utils.time.sleep"):
            work()
        self.assertEqual(DBTaskResult.objects.get(pk=self.result.id).status, "SUCCESSFUL")
        # django-tasks-db's own three quick tries (0.1 s apart) failed, then the worker waited for the database.
        self.assertEqual([p for p in work.pauses if p >= 0.5], [0.5])  # type: ignore[attr-defined]


class InterruptedUploadTest(BaseTestCase):
    """An upload whose worker died: re-checked by the reaper, or failed with a retry and a cancel."""

    def setUp(self) -> None:
        self.var = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.enterContext(override_settings(VAR_DIR=self.var, LOFTE_IMPORT_BACKGROUND_BYTES=1000, TASKS=DATABASE_TASKS))
        self.client = self.client_for(self.staff)

    def upload(self) -> ImportJob:
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post("/statistik/importer/ladda-upp/", {"file": _file(), "format": ""})
        return ImportJob.objects.latest("pk")

    def die(self, job: ImportJob) -> None:
        """The worker claims the job's task and is killed: no heartbeat, ever."""
        DBTaskResult.objects.filter(args_kwargs__args__0=job.pk, status="READY").update(
            status="RUNNING", started_at=datetime.now(tz=UTC), worker_ids=["killed"]
        )

    def page(self, job: ImportJob) -> str:
        return self.client.get(f"/statistik/importer/uppladdning/{job.pk}/").content.decode()

    def test_a_check_whose_worker_died_is_checked_again(self) -> None:
        with time_machine.travel(T0, tick=False):
            job = self.upload()
            self.die(job)
        with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
            self.assertEqual(dict(reap_dead_tasks().requeued), {"process_import_job": 1})
            work()
        job.refresh_from_db()
        self.assertEqual((job.status, job.summary["created"]), ("ready", 540))

    def test_an_import_whose_worker_died_fails_and_is_retried_from_the_button(self) -> None:
        with time_machine.travel(T0, tick=False):
            job = self.upload()
            work()
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
            self.die(job)
            self.assertIn("Filen importeras", self.page(job))
        with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
            self.assertEqual(dict(reap_dead_tasks().failed), {"process_import_job": 1})
            job.refresh_from_db()
            self.assertEqual(job.status, "failed")
            self.assertIn("avbröts av ett fel", job.error)
            self.assertTrue(job.path.exists())  # kept for the retry
            page = self.page(job)
            self.assertIn("Försök igen", page)
            self.assertIn("Avbryt", page)
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/forsok-igen/")
            self.assertRedirects(response, f"/statistik/importer/uppladdning/{job.pk}/")
            self.assertEqual(ImportJob.objects.get(pk=job.pk).status, "checking")
            work()
            self.assertEqual(ImportJob.objects.get(pk=job.pk).status, "ready")
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
            work()
        self.assertEqual((ImportJob.objects.get(pk=job.pk).status, Observation.objects.count()), ("done", 540))
        self.assertTrue(AuditEvent.objects.filter(action="statistics.retry_upload").exists())

    def test_a_job_whose_task_failed_shows_interrupted_not_its_progress_forever(self) -> None:
        with time_machine.travel(T0, tick=False):
            job = self.upload()
            DBTaskResult.objects.filter(args_kwargs__args__0=job.pk).update(status="FAILED")
            page = self.page(job)
            self.assertIn("avbruten av ett fel", page)
            self.assertNotIn('hx-get="/statistik/importer/uppladdning/', page)
            self.assertIn("Försök igen", page)
            status = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/status/")
            self.assertEqual(status["HX-Refresh"], "true")
            response = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/avbryt/")
        self.assertRedirects(response, "/statistik/importer/")
        job.refresh_from_db()
        self.assertEqual(job.status, "cancelled")
        self.assertFalse(job.path.exists())
        self.assertEqual(list((self.var / "uploads").iterdir()), [])

    def test_a_running_job_cannot_be_cancelled_or_retried(self) -> None:
        with time_machine.travel(T0, tick=False):
            job = self.upload()
            self.client.post(f"/statistik/importer/uppladdning/{job.pk}/avbryt/")
            self.client.post(f"/statistik/importer/uppladdning/{job.pk}/forsok-igen/")
        job.refresh_from_db()
        self.assertEqual(job.status, "checking")
        self.assertTrue(job.path.exists())

    def test_only_the_uploader_or_an_operator_may_retry(self) -> None:
        from lofte.statistics.actions import ImportRefused, do_retry_upload

        with time_machine.travel(T0, tick=False):
            job = self.upload()
            DBTaskResult.objects.filter(args_kwargs__args__0=job.pk).update(status="FAILED")
            with self.assertRaises(ImportRefused):
                do_retry_upload(job, actor=self.samordnare)


def _file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("arsvis.csv", YEARLY.read_bytes())


def test_the_supervisor_runs_the_scheduler_beside_the_workers_unless_told_not_to() -> None:
    from lofte.operations.worker.supervisor import SCHEDULER, TASK_WORKER, child_commands

    assert child_commands(2) == [TASK_WORKER, TASK_WORKER, SCHEDULER]
    assert child_commands(1, scheduler=False) == [TASK_WORKER]
