"""`lofte worker` as processes (issue 18, points 7 and 9): the supervisor restarts a worker killed with SIGKILL,
and an upload whose worker is killed with SIGKILL mid-job is checked again, or failed with a retry that works and
a cancel that removes its file.

Each test runs its own instance (a SQLite file in a temporary var/, copied from one migrated per module) with
short heartbeats. A `sitecustomize` on the processes' PYTHONPATH pauses an upload's first progress report when
the test asks for it (a file `pause-next` in var/), so the kill lands inside the job, not before or after it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
YEARLY = ROOT / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
HOOK = """
import os, pathlib, time
import lofte.statistics.progress as progress

_report = progress.report

def report(job_id, done, total):
    var = pathlib.Path(os.environ["LOFTE_VAR_DIR"])
    if (var / "pause-next").exists():
        (var / "pause-next").unlink()
        (var / "paused").write_text(str(os.getpid()))
        time.sleep(120)
    _report(job_id, done, total)

progress.report = report
"""
SHORT = {
    "LOFTE_WORKER_BEAT_SECONDS": "1",
    "LOFTE_WORKER_SCHEDULER": "false",  # no periodic jobs (Polisen's fetch) in these tests
    "LOFTE_WORKER_DEAD_AFTER": "3",
    "LOFTE_WORKER_REAP_SECONDS": "1",
    "LOFTE_IMPORT_BACKGROUND_BYTES": "1000",
}
DROPPED = {"DATABASE_URL", "LOFTE_ENV", "DEBUG", "SITE_URL", "CACHE_LOCATION", "CACHE_BACKEND", "TASKS_BACKEND"}


def environment(var: Path, hooks: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(SHORT, LOFTE_VAR_DIR=str(var))
    if hooks is not None:
        env["PYTHONPATH"] = str(hooks)
    return env


def lofte(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lofte.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("template")
    lofte(environment(var), "migrate", "--noinput", "-v", "0")
    lofte(
        environment(var),
        "shell",
        "-v",
        "0",
        "-c",
        "from lofte.accounts.models import User; User.objects.create_superuser('drift@example.se', 'x-x-x-x-x-x')",
    )
    return var


@pytest.fixture
def instance(migrated: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    var = tmp_path / "var"
    shutil.copytree(migrated, var)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK)
    yield var, environment(var, hooks)


class Worker:
    """`lofte worker` started as a process, its output in a file (shown when a test fails)."""

    def __init__(self, env: dict[str, str], var: Path, *args: str) -> None:
        self.log = var / "worker.log"
        self.db = var / "lofte.sqlite3"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lofte.cli", "worker", *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db, timeout=10) as db:
            return db.execute(sql, params).fetchall()

    def wait_for(self, what: str, found: Callable[[], Any], seconds: float = 60) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if value := found():
                return value
            assert self.process.poll() is None, f"lofte worker ended:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.2)
        pytest.fail(f"waited {seconds} s for {what}:\n{self.log.read_text()[-3000:]}")

    def beats(self) -> dict[int, str]:
        return dict(self.query("SELECT pid, task_id FROM operations_workerbeat"))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_supervisor_restarts_a_worker_killed_with_sigkill(instance: tuple[Path, dict[str, str]]) -> None:
    var, env = instance
    worker = Worker(env, var, "--processes", "1")
    try:
        [first] = worker.wait_for("a heartbeat", worker.beats)
        os.kill(first, signal.SIGKILL)
        second = worker.wait_for("a new worker's heartbeat", lambda: [pid for pid in worker.beats() if pid != first])
        assert second and alive(second[0])
    finally:
        code = worker.stop()
    assert code == 0
    assert "was killed by SIGKILL; starting it again" in worker.log.read_text()
    time.sleep(0.5)
    assert not alive(second[0]), "the supervisor stopped without its worker"


def test_an_upload_survives_its_worker_killed_with_sigkill(instance: tuple[Path, dict[str, str]]) -> None:
    var, env = instance
    (var / "pause-next").touch()
    job = lofte(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from pathlib import Path; from lofte.accounts.models import User; "
        "from lofte.statistics.actions import do_upload_import; "
        f"print(do_upload_import(Path({str(YEARLY)!r}).read_bytes(), 'arsvis.csv', "
        "actor=User.objects.get(email='drift@example.se')).pk)",
    ).split()[-1]
    status = f"SELECT status FROM statistics_importjob WHERE id = {int(job)}"  # noqa: S608 - a number
    upload = var / "uploads" / f"job-{job}.upload"
    worker = Worker(env, var)
    try:
        # Killed while checking: the check (a dry run) is run again by the next worker.
        paused = worker.wait_for(
            "the check to start", lambda: (var / "paused").exists() and (var / "paused").read_text()
        )
        os.kill(int(paused), signal.SIGKILL)
        worker.wait_for("the check, run again", lambda: worker.query(status) == [("ready",)])

        # Killed while importing: nothing was written, the upload has failed and keeps its file for a retry.
        (var / "paused").unlink()
        (var / "pause-next").touch()
        lofte(env, "shell", "-v", "0", "-c", _on_job(job, "do_confirm_upload"))
        paused = worker.wait_for(
            "the import to start", lambda: (var / "paused").exists() and (var / "paused").read_text()
        )
        os.kill(int(paused), signal.SIGKILL)
        worker.wait_for("the reaper", lambda: worker.query(status) == [("failed",)])
        assert worker.query("SELECT count(*) FROM statistics_observation") == [(0,)]
        assert upload.exists()
        [(error,)] = worker.query("SELECT error FROM statistics_importjob WHERE id = ?", int(job))
        assert "avbröts av ett fel" in error

        # "Försök igen" checks it again; "Avbryt" then removes the file.
        lofte(env, "shell", "-v", "0", "-c", _on_job(job, "do_retry_upload"))
        worker.wait_for("the retried check", lambda: worker.query(status) == [("ready",)])
        lofte(env, "shell", "-v", "0", "-c", _on_job(job, "do_cancel_upload"))
    finally:
        worker.stop()
    assert worker.query(status) == [("cancelled",)]
    assert list((var / "uploads").iterdir()) == []
    assert worker.query("SELECT count(*) FROM audit_auditevent WHERE action = 'operations.reap_tasks'") == [(2,)]


def _on_job(job: str, action: str) -> str:
    return (
        "from lofte.accounts.models import User; from lofte.statistics import actions; "
        "from lofte.statistics.models import ImportJob; "
        f"actions.{action}(ImportJob.objects.get(pk={int(job)}), actor=User.objects.get(email='drift@example.se'))"
    )


MAILING = """
from django.utils import timezone
from lofte.areas.models import Area
from lofte.citizens import dispatch
from lofte.citizens.models import Subscription, Warning
from lofte.citizens.recipients import new_token
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_partnership
area = Area.objects.get(code="0586")
partnership = do_create_partnership(name="Samverkan Mjölby", slug="mjolby", area=area, organisations=[],
    is_published=True, actor=SystemActor("test"))
Subscription.objects.bulk_create(Subscription(email=f"p{n:02d}@example.se", area=area, token=new_token(),
    confirmed_at=timezone.now()) for n in range(COUNT))
warning = Warning.objects.create(partnership=partnership, title="Falska bankmän", text="Lägg på.",
    category="bedrageri", valid_until=timezone.localdate() + timezone.timedelta(days=7), status="publicerad",
    published_at=timezone.now())
dispatch.queue_warning(warning)
print(warning.pk)
"""


def test_a_mailing_survives_its_worker_killed_with_sigkill(instance: tuple[Path, dict[str, str]]) -> None:
    """Published, queued, half sent by `lofte worker`, its worker killed: the supervisor starts another, the reaper
    queues the mailing again, and every subscriber has the warning once (one Message-ID each)."""
    var, env = instance
    count = 40
    with SmtpSink(delay=0.1) as sink:
        env |= {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "false",
            "LOFTE_MAIL_LEASE_SECONDS": "1",
        }
        warning = int(lofte(env, "shell", "-v", "0", "-c", MAILING.replace("COUNT", str(count))).split()[-1])
        sent = f"SELECT count(sent_at) FROM citizens_delivery WHERE warning_id = {warning}"  # noqa: S608 - a number
        worker = Worker(env, var)
        try:
            worker.wait_for("the mailing to be under way", lambda: len(sink.received) >= 10)
            sending = worker.wait_for(
                "the sending worker", lambda: [pid for pid, task in worker.beats().items() if task]
            )
            os.kill(sending[0], signal.SIGKILL)
            assert len(sink.received) < count  # killed mid-way
            worker.wait_for("the mailing to be finished", lambda: worker.query(sent) == [(count,)], seconds=90)
        finally:
            worker.stop()
        ids: dict[str, set[str]] = {}
        times: dict[str, int] = {}
        for received in sink.received:
            for address in received.recipients:
                ids.setdefault(address, set()).add(received.message_id)
                times[address] = times.get(address, 0) + 1
    assert sorted(ids) == [f"p{n:02d}@example.se" for n in range(count)]  # every subscriber
    assert all(len(messages) == 1 for messages in ids.values())  # one message each, never a second one
    assert sum(1 for n in times.values() if n > 1) <= 1  # at most the one in flight, sent again with its Message-ID
    assert "was killed by SIGKILL; starting it again" in worker.log.read_text()
    assert worker.query("SELECT count(*) FROM audit_auditevent WHERE action = 'operations.reap_tasks'") == [(1,)]
