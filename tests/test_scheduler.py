"""Scheduled jobs (lofte/operations/schedule/): when a job is due (both DST nights), exactly one run per slot
across schedulers, missed slots run once, failures and timeouts recorded, /healthz, and the operator's page.

Every test that runs a job passes a fake runner, so nothing fetches from Polisen or runs a real gallring; only the
tests marked `processes` start a real `lofte` command (`check`, `shell`), never a job of the table."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from lofte.audit.models import AuditEvent
from lofte.operations.management.commands.scheduler import Command as SchedulerCommand
from lofte.operations.schedule import scheduler as sched
from lofte.operations.schedule.actions import JobRefused, do_request_job_run
from lofte.operations.schedule.jobs import Job, all_jobs, enabled_jobs, find_job
from lofte.operations.schedule.models import JobRun
from lofte.operations.schedule.runner import Outcome, SubprocessRunner, finish
from lofte.operations.schedule.timing import STOCKHOLM, At, Every
from tests.base import BaseTestCase

ONLY_GALLRING_AND_POLISEN = "reminders,prune-tasks,prune-signins,prune-runs,backup"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)  # type: ignore[misc]


class FakeRunner:
    """Records which jobs ran; a job named in `fail` fails. Never starts a process."""

    def __init__(self, fail: tuple[str, ...] = ()) -> None:
        self.ran: list[str] = []
        self.fail = fail

    def __call__(self, job: Job) -> Outcome:
        self.ran.append(job.name)
        if job.name in self.fail:
            return finish(JobRun.FAILED, f"{job.name} gick inte")
        return finish(JobRun.OK, "klart")


class TimingTest(SimpleTestCase):
    def test_it_puts_half_hour_slots_on_the_hour_and_half_hour(self) -> None:
        every = Every(timedelta(minutes=30))
        self.assertEqual(every.latest(utc(2025, 5, 1, 10, 29, 59)), utc(2025, 5, 1, 10, 0))
        self.assertEqual(every.latest(utc(2025, 5, 1, 10, 30)), utc(2025, 5, 1, 10, 30))
        self.assertEqual(every.next(utc(2025, 5, 1, 10, 30)), utc(2025, 5, 1, 11, 0))

    def test_it_puts_a_daily_slot_at_the_local_clock_time(self) -> None:
        at = At(time(2, 30))
        self.assertEqual(at.latest(utc(2025, 1, 15, 12, 0)), utc(2025, 1, 15, 1, 30))  # winter: +01:00
        self.assertEqual(at.latest(utc(2025, 7, 15, 12, 0)), utc(2025, 7, 15, 0, 30))  # summer: +02:00
        self.assertEqual(at.next(utc(2025, 7, 15, 0, 30)), utc(2025, 7, 16, 0, 30))

    def test_it_runs_the_missing_spring_half_hour_an_hour_later(self) -> None:
        # 2025-03-30 has no 02:30 in Stockholm: 02:00 became 03:00. The slot is 01:30 UTC, 03:30 summer time.
        slot = At(time(2, 30)).on(local(2025, 3, 30).date())
        self.assertEqual(slot, utc(2025, 3, 30, 1, 30))
        self.assertEqual(slot.astimezone(STOCKHOLM).strftime("%H:%M"), "03:30")

    def test_it_takes_the_first_of_the_autumn_nights_two_half_past_two(self) -> None:
        self.assertEqual(At(time(2, 30)).on(local(2025, 10, 26).date()), utc(2025, 10, 26, 0, 30))

    def test_it_finds_a_weekly_slot_on_its_weekday(self) -> None:
        sunday = At(time(4, 0), weekday=6)
        self.assertEqual(sunday.next(utc(2025, 5, 1, 12, 0)), utc(2025, 5, 4, 2, 0))
        self.assertEqual(sunday.latest(utc(2025, 5, 1, 12, 0)), utc(2025, 4, 27, 2, 0))
        self.assertEqual(sunday.period, timedelta(days=7))


@override_settings(LOFTE_JOBS_DISABLED=ONLY_GALLRING_AND_POLISEN)
class DstNightTest(TestCase):
    """A scheduler ticking every minute through the night, with the day before's slots already run."""

    def night(self, start: datetime, hours: int) -> FakeRunner:
        for job in enabled_jobs():
            before = job.when.latest(start)
            JobRun.objects.create(job=job.name, due_at=before, started_at=before, outcome=JobRun.OK)
        runner = FakeRunner()
        with time_machine.travel(start, tick=False) as traveller:
            for _step in range(hours * 12):  # every five minutes: every slot lies on one
                sched.run_due(runner)
                traveller.shift(timedelta(minutes=5))
        return runner

    def test_it_runs_the_nightly_job_once_on_the_spring_night(self) -> None:
        runner = self.night(local(2025, 3, 29, 23, 0), hours=6)  # 6 real hours: to 06:00 summer time
        self.assertEqual(runner.ran.count("gallring"), 1)
        run = JobRun.objects.get(job="gallring", due_at__gte=utc(2025, 3, 29, 23, 0))
        self.assertEqual(run.started_at, utc(2025, 3, 30, 1, 30))
        self.assertEqual(runner.ran.count("polisen"), 11)  # 23:30 to 04:30 summer time, 02:00–03:00 skipped

    def test_it_runs_the_nightly_job_once_on_the_autumn_night(self) -> None:
        runner = self.night(local(2025, 10, 25, 23, 0), hours=8)  # 8 real hours: to 06:00 winter time
        self.assertEqual(runner.ran.count("gallring"), 1)
        run = JobRun.objects.get(job="gallring", started_at__gte=utc(2025, 10, 25, 22, 0))
        self.assertEqual(run.due_at, utc(2025, 10, 26, 0, 30))
        self.assertEqual(runner.ran.count("polisen"), 15)  # 23:30 to 05:30 winter time, the repeated hour twice


@override_settings(LOFTE_JOBS_DISABLED="", LOFTE_BACKUP_NIGHTLY=False)
class SchedulerTest(TestCase):
    NOW = utc(2025, 5, 14, 10, 5)

    def test_it_runs_each_slot_once_across_two_schedulers(self) -> None:
        first, second = FakeRunner(), FakeRunner()
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(first)
            sched.run_due(second)
        self.assertEqual(sorted(first.ran), sorted(job.name for job in enabled_jobs()))
        self.assertEqual(second.ran, [])
        self.assertEqual(JobRun.objects.count(), len(enabled_jobs()))

    def test_it_leaves_a_slot_to_the_scheduler_whose_insert_won_the_race(self) -> None:
        # Both schedulers found the slot free; the unique (job, due_at) row decides which one runs it.
        first, second = FakeRunner(), FakeRunner()
        with (
            time_machine.travel(self.NOW, tick=False),
            mock.patch.object(sched, "is_due", lambda job, now: job.when.latest(now)),
        ):
            sched.run_due(first)
            sched.run_due(second)
        self.assertEqual(len(first.ran), len(enabled_jobs()))
        self.assertEqual(second.ran, [])
        polisen = find_job("polisen")
        assert polisen is not None
        self.assertIsNone(sched.claim(polisen, Every(timedelta(minutes=30)).latest(self.NOW)))

    def test_it_runs_missed_slots_once_on_start(self) -> None:
        polisen = find_job("polisen")
        assert polisen is not None
        JobRun.objects.create(job="polisen", due_at=utc(2025, 5, 14, 4, 0), started_at=utc(2025, 5, 14, 4, 0))
        JobRun.objects.filter(job="polisen").update(outcome=JobRun.OK)
        runner = FakeRunner()
        with time_machine.travel(self.NOW, tick=False):  # down for six hours: twelve slots missed
            sched.run_due(runner)
            sched.run_due(runner)
        self.assertEqual(runner.ran.count("polisen"), 1)
        self.assertEqual(
            list(JobRun.objects.filter(job="polisen").values_list("due_at", flat=True).order_by("due_at")),
            [utc(2025, 5, 14, 4, 0), utc(2025, 5, 14, 10, 0)],
        )

    def test_it_records_a_failing_job_as_failed(self) -> None:
        with time_machine.travel(self.NOW, tick=False):
            runs = sched.run_due(FakeRunner(fail=("gallring",)))
        outcomes = {run.job: run.outcome for run in runs}
        self.assertEqual(outcomes["gallring"], JobRun.FAILED)
        self.assertEqual(outcomes["polisen"], JobRun.OK)
        self.assertEqual(JobRun.objects.get(job="gallring").message, "gallring gick inte")

    def test_it_records_a_runner_that_raises_as_failed(self) -> None:
        def broken(job: Job) -> Outcome:
            raise RuntimeError("boom")

        with time_machine.travel(self.NOW, tick=False):
            runs = sched.run_due(broken)
        self.assertEqual({run.outcome for run in runs}, {JobRun.FAILED})
        self.assertIn("RuntimeError", runs[0].message)

    def test_it_skips_a_slot_while_the_previous_run_is_still_going(self) -> None:
        JobRun.objects.create(job="polisen", due_at=utc(2025, 5, 14, 9, 30), started_at=utc(2025, 5, 14, 9, 59))
        runner = FakeRunner()
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(runner)
        self.assertNotIn("polisen", runner.ran)
        self.assertEqual(JobRun.objects.get(job="polisen", due_at=utc(2025, 5, 14, 10, 0)).outcome, JobRun.SKIPPED)

    def test_it_records_a_run_its_scheduler_abandoned_as_failed(self) -> None:
        JobRun.objects.create(job="polisen", due_at=utc(2025, 5, 14, 9, 0), started_at=utc(2025, 5, 14, 9, 0))
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner())
        abandoned = JobRun.objects.get(job="polisen", due_at=utc(2025, 5, 14, 9, 0))
        self.assertEqual(abandoned.outcome, JobRun.FAILED)
        self.assertIn("stoppades", abandoned.message)

    def test_it_runs_no_job_that_is_turned_off(self) -> None:
        runner = FakeRunner()
        with override_settings(LOFTE_JOBS_DISABLED="polisen, gallring"), time_machine.travel(self.NOW, tick=False):
            sched.run_due(runner)
        self.assertNotIn("polisen", runner.ran)
        self.assertNotIn("gallring", runner.ran)
        self.assertIn("reminders", runner.ran)

    def test_it_backs_up_only_to_a_configured_directory(self) -> None:
        self.assertNotIn("backup", [job.name for job in enabled_jobs()])
        with override_settings(LOFTE_BACKUP_NIGHTLY=True):
            backup = find_job("backup")
        assert backup is not None
        self.assertTrue(backup.enabled)
        self.assertEqual(backup.commands, (("backup",),))

    def test_it_prunes_runs_older_than_the_retention(self) -> None:
        JobRun.objects.create(job="polisen", due_at=utc(2025, 1, 1), started_at=utc(2025, 1, 1), outcome="ok")
        JobRun.objects.create(job="polisen", due_at=utc(2025, 5, 1), started_at=utc(2025, 5, 1), outcome="ok")
        out = io.StringIO()
        with time_machine.travel(self.NOW, tick=False):
            call_command("scheduler", "--prune", stdout=out)
        self.assertEqual(list(JobRun.objects.values_list("due_at", flat=True)), [utc(2025, 5, 1)])
        self.assertIn("1 gamla körningar borttagna", out.getvalue())


@override_settings(LOFTE_JOBS_DISABLED="", LOFTE_BACKUP_NIGHTLY=False)
class JobCommandTest(TestCase):
    NOW = utc(2025, 5, 14, 10, 5)

    def call(self, *args: str, runner: FakeRunner | None = None) -> str:
        out = io.StringIO()
        with (
            mock.patch.object(SchedulerCommand, "runner", runner or FakeRunner()),
            time_machine.travel(self.NOW, tick=False),
        ):
            call_command("scheduler", *args, stdout=out)
        return out.getvalue()

    def test_it_runs_what_is_due_once_and_exits(self) -> None:
        out = self.call("--once")
        self.assertIn("polisen: ok", out)
        self.assertEqual(JobRun.objects.filter(job="polisen").count(), 1)
        self.assertIn("Inget jobb att köra nu.", self.call("--once"))

    def test_it_exits_non_zero_when_a_job_failed(self) -> None:
        with self.assertRaises(CommandError) as raised:
            self.call("--once", runner=FakeRunner(fail=("reminders",)))
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn("reminders", str(raised.exception))

    def test_it_runs_one_job_now_recorded_as_manual(self) -> None:
        runner = FakeRunner()
        self.call("--run", "reminders", runner=runner)
        self.assertEqual(runner.ran, ["reminders"])
        run = JobRun.objects.get()
        self.assertTrue(run.manual)
        self.assertEqual(run.outcome, JobRun.OK)

    def test_it_refuses_an_unknown_job(self) -> None:
        with self.assertRaises(CommandError) as raised:
            self.call("--run", "nothing")
        self.assertIn("Okänt jobb: nothing", str(raised.exception))

    def test_it_lists_the_jobs_with_next_slot_and_last_outcome(self) -> None:
        self.call("--run", "polisen")
        out = self.call("--list")
        self.assertRegex(out, r"polisen .*nästa 2025-05-14 12:30 .*senast ok")
        self.assertRegex(out, r"gallring .*nästa 2025-05-15 02:30 .*aldrig körd")
        self.assertRegex(out, r"backup .*avstängt")

    def test_it_stops_its_loop_and_records_what_it_ran(self) -> None:
        command = SchedulerCommand(stdout=io.StringIO())
        scheduler = sched.Scheduler(FakeRunner())
        # The loop closes stale connections each round; the test's own must stay open (PostgreSQL).
        with (
            time_machine.travel(self.NOW, tick=False),
            mock.patch("lofte.operations.management.commands.scheduler.close_old_connections"),
        ):
            pause = command.step(scheduler)
            command.stop(scheduler, scheduler.runner)
        self.assertLessEqual(pause, 60)
        self.assertFalse(JobRun.objects.filter(outcome=JobRun.RUNNING).exists())
        self.assertEqual(JobRun.objects.count(), len(enabled_jobs()))


class RunnerTest(TestCase):
    def test_it_records_a_command_that_does_not_exist_as_failed(self) -> None:
        job = Job("new", "Nytt", (("no-such-command",),), Every(timedelta(hours=1)), timedelta(minutes=1))
        run = sched.run_now(job, SubprocessRunner())
        assert run is not None
        run.refresh_from_db()
        self.assertEqual(run.outcome, JobRun.FAILED)
        self.assertEqual(run.message, "Kommandot ”lofte no-such-command” finns inte i den här versionen av Löfte.")

    def test_it_knows_every_command_of_the_table_but_those_other_parts_bring(self) -> None:
        from lofte.operations.schedule.runner import missing_command

        with override_settings(LOFTE_BACKUP_NIGHTLY=True):
            missing = {job.name: missing_command(job) for job in all_jobs()}
        # gallring and backup come from the retention and backup parts, which may not be merged yet.
        self.assertLessEqual({name for name, command in missing.items() if command}, {"gallring", "backup"})
        self.assertIsNone(missing["prune-signins"])  # django-axes' and Django's own commands

    @pytest.mark.processes
    def test_it_ends_a_hung_job_at_its_timeout_as_failed(self) -> None:
        job = Job(
            "hang", "Hänger", (("shell", "-c", "import time; time.sleep(60)"),), At(time(1)), timedelta(seconds=4)
        )
        started = datetime.now(UTC)
        run = sched.run_now(job, SubprocessRunner())
        assert run is not None
        run.refresh_from_db()
        self.assertEqual(run.outcome, JobRun.FAILED)
        self.assertEqual(run.message, "Avbröts efter tidsgränsen, 4 sekunder.")
        self.assertLess(datetime.now(UTC) - started, timedelta(seconds=20))

    @pytest.mark.processes
    def test_it_records_a_real_command_that_succeeds_as_ok(self) -> None:
        job = Job("check", "Kontroll", (("check",),), At(time(1)), timedelta(minutes=1))
        run = sched.run_now(job, SubprocessRunner())
        assert run is not None
        run.refresh_from_db()
        self.assertEqual(run.outcome, JobRun.OK, run.output_tail)
        self.assertIn("no issues", run.message)


@override_settings(LOFTE_JOBS_DISABLED="", LOFTE_BACKUP_NIGHTLY=False)
class HealthTest(TestCase):
    NOW = utc(2025, 5, 14, 10, 5)

    def health(self) -> tuple[int, dict[str, object]]:
        """The answer's code, status and jobs (the worker and queue parts are tests/test_healthz.py's)."""
        with time_machine.travel(self.NOW, tick=False):
            response = self.client.get("/healthz")
        body = response.json()
        return response.status_code, {"status": body["status"], "jobs": body["jobs"]}

    def test_it_answers_ok_when_every_job_ran_well(self) -> None:
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner())
        self.assertEqual(self.health(), (200, {"status": "ok", "jobs": {"failed": [], "late": []}}))

    def test_it_answers_degraded_when_a_jobs_latest_run_failed(self) -> None:
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner(fail=("gallring",)))
        self.assertEqual(self.health(), (200, {"status": "degraded", "jobs": {"failed": ["gallring"], "late": []}}))

    def test_it_forgets_a_failure_once_the_job_has_run_well_again(self) -> None:
        JobRun.objects.create(job="gallring", due_at=utc(2025, 5, 13, 0, 30), started_at=utc(2025, 5, 13, 0, 30))
        JobRun.objects.update(outcome=JobRun.FAILED, finished_at=utc(2025, 5, 13, 0, 31))
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner())
        self.assertEqual(self.health()[1]["status"], "ok")

    def test_it_answers_degraded_when_the_scheduler_has_stopped(self) -> None:
        JobRun.objects.create(job="polisen", due_at=utc(2025, 5, 14, 8, 30), started_at=utc(2025, 5, 14, 8, 30))
        JobRun.objects.update(outcome=JobRun.OK, finished_at=utc(2025, 5, 14, 8, 31))
        self.assertEqual(self.health(), (200, {"status": "degraded", "jobs": {"failed": [], "late": ["polisen"]}}))

    def test_it_ignores_a_job_that_is_turned_off(self) -> None:
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner(fail=("polisen",)))
        with override_settings(LOFTE_JOBS_DISABLED="polisen"):
            self.assertEqual(self.health()[1]["status"], "ok")


@override_settings(LOFTE_JOBS_DISABLED="", LOFTE_BACKUP_NIGHTLY=False)
class JobPageTest(BaseTestCase):
    NOW = utc(2025, 5, 14, 10, 5)

    def test_it_shows_every_job_with_its_last_run(self) -> None:
        with time_machine.travel(self.NOW, tick=False):
            sched.run_due(FakeRunner(fail=("gallring",)))
            response = self.client_for(self.staff).get(reverse("schedule:jobs"))
        self.assertContains(response, "var 30:e minut")
        self.assertContains(response, "varje dag kl. 02:30")
        self.assertContains(response, "2025-05-14 12:30")  # polisen's next slot, in Stockholm's time
        self.assertContains(response, "gallring gick inte")
        self.assertContains(response, "avstängt")  # the backup, without LOFTE_BACKUP_NIGHTLY

    def test_it_reads_in_a_fixed_number_of_queries_and_writes_nothing(self) -> None:
        client = self.client_for(self.staff)
        with time_machine.travel(self.NOW, tick=False):
            with self.assertNumQueries(4):  # session, user, latest run per job, the last 20 runs
                client.get(reverse("schedule:jobs"))
            for day in range(30):
                sched.run_due(FakeRunner(fail=("reminders",)), now=self.NOW - timedelta(days=day))
            runs, events = JobRun.objects.count(), AuditEvent.objects.count()
            with self.assertNumQueries(4):
                response = client.get(reverse("schedule:jobs"))
        self.assertEqual(len(response.context["runs"]), 20)
        self.assertEqual((JobRun.objects.count(), AuditEvent.objects.count()), (runs, events))

    def test_it_queues_a_run_now_and_audits_it(self) -> None:
        runner = FakeRunner()
        with (
            time_machine.travel(self.NOW, tick=False),
            mock.patch("lofte.operations.schedule.tasks.SubprocessRunner", return_value=runner),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client_for(self.staff).post(reverse("schedule:run", args=["reminders"]))
        self.assertRedirects(response, reverse("schedule:jobs"), fetch_redirect_response=False)
        event = AuditEvent.objects.get(action="schedule.run_requested")
        self.assertEqual((event.actor, event.changes["job"]), (self.staff, "reminders"))
        self.assertEqual(runner.ran, ["reminders"])
        run = JobRun.objects.get()
        self.assertEqual((run.job, run.manual, run.outcome, run.due_at), ("reminders", True, JobRun.OK, self.NOW))

    def test_it_refuses_a_run_now_to_anyone_but_a_forvaltare(self) -> None:
        with self.assertRaises(JobRefused):
            do_request_job_run("reminders", actor=self.samordnare)
        with self.assertRaises(JobRefused):
            do_request_job_run("backup", actor=self.staff)  # turned off: LOFTE_BACKUP_NIGHTLY is not on
        self.assertFalse(AuditEvent.objects.filter(action="schedule.run_requested").exists())
