"""Mail that arrives: claim → send → mark with no transaction open while the server answers, a timeout, a kept
Message-ID, permanent and passing failures told apart (addresses marked and suspended, passing errors retried then
given up), OAuth2 (XOAUTH2) sign-in, the dispatch's progress on the warning's page, and a mailing that survives a
kill -9 of its sender without a second different message to anyone."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.test import override_settings
from django.utils import timezone

from lofte.areas.models import Area
from lofte.citizens import dispatch
from lofte.citizens.models import Delivery, GrannsamverkanGroup, GroupContact, Subscription
from lofte.citizens.recipients import new_token
from lofte.citizens.warnings.queries import dispatch_state
from lofte.lib import mail
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_partnership
from tests.base import BaseTestCase
from tests.factories import make_warning
from tests.smtp_sink import SmtpSink

NOW = "2026-05-20 12:00 +02:00"
ROOT = Path(__file__).resolve().parent.parent
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def smtp_settings(sink: SmtpSink, **extra: Any) -> override_settings:
    return override_settings(
        EMAIL_BACKEND=SMTP,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=sink.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        **extra,
    )


def subscribe(email: str, area: Area, **fields: Any) -> Subscription:
    return Subscription.objects.create(email=email, area=area, token=new_token(), confirmed_at=timezone.now(), **fields)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_it_holds_no_transaction_while_the_backend_sends() -> None:
    area = Area.objects.create(code="9990", name="Provkommun", kind="kommun")
    partnership = do_create_partnership(
        name="Samverkan Prov", slug="prov", area=area, organisations=[], actor=SystemActor("test")
    )
    for number in range(3):
        subscribe(f"p{number}@example.se", area)
    seen: list[bool] = []
    real_send = get_connection().__class__.send_messages

    def send(connection: Any, messages: list[Any]) -> int:
        seen.append(db_connection.in_atomic_block)
        return real_send(connection, messages)

    with mock.patch.object(get_connection().__class__, "send_messages", send):
        assert dispatch.deliver_warning(make_warning(partnership).pk) == 3
    assert seen == [False, False, False]


class SendingTest(BaseTestCase):
    def setUp(self) -> None:
        self.enterContext(time_machine.travel(NOW, tick=False))

    def test_it_passes_the_timeout_to_the_smtp_connection(self) -> None:
        with SmtpSink() as sink, smtp_settings(sink, EMAIL_TIMEOUT=7):
            connection = get_connection()
            connection.open()
            try:
                self.assertEqual(connection.connection.sock.gettimeout(), 7)
            finally:
                connection.close()

    def test_it_sends_each_message_with_the_message_id_it_stored(self) -> None:
        subscribe("x@example.se", self.kommun_a)
        subscribe("y@example.se", self.kommun_a)
        warning = make_warning(self.partnership_a)
        with SmtpSink() as sink, smtp_settings(sink):
            self.assertEqual(dispatch.deliver_warning(warning.pk), 2)
            received = {r.recipients[0]: r.message_id for r in sink.received}
        stored = dict(Delivery.objects.filter(warning=warning).values_list("email", "message_id"))
        self.assertEqual(received, stored)
        self.assertEqual(len(set(stored.values())), 2)
        self.assertTrue(all(mid.startswith("<") and mid.endswith(">") for mid in stored.values()))

    def test_it_resends_a_dead_senders_message_after_the_lease_with_the_same_message_id(self) -> None:
        subscribe("x@example.se", self.kommun_a)
        warning = make_warning(self.partnership_a)
        row = Delivery.objects.create(
            kind="varning", warning=warning, email="x@example.se", message_id="<kept@example.se>", attempts=1
        )
        Delivery.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(minutes=5))
        with SmtpSink() as sink, smtp_settings(sink, LOFTE_MAIL_LEASE_SECONDS=600):
            comes_back: list[Any] = []
            self.assertEqual(dispatch.deliver_warning(warning.pk, later=comes_back.append), 0)  # maybe alive
            self.assertEqual(comes_back, [timezone.now() + timedelta(minutes=5, seconds=1)])
            with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
                self.assertEqual(dispatch.deliver_warning(warning.pk), 1)
            self.assertEqual([r.message_id for r in sink.received], ["<kept@example.se>"])
        row.refresh_from_db()
        self.assertEqual((row.attempts, row.sent_at is not None), (2, True))

    def test_it_tells_permanent_from_passing_errors(self) -> None:
        cases = [
            (smtplib.SMTPRecipientsRefused({"a@b.se": (550, b"no such user a@b.se")}), ("permanent", 550, True)),
            (smtplib.SMTPRecipientsRefused({"a@b.se": (452, b"mailbox full")}), ("transient", 452, True)),
            (smtplib.SMTPDataError(554, b"spam"), ("permanent", 554, True)),
            (smtplib.SMTPDataError(451, b"try later"), ("transient", 451, True)),
            (smtplib.SMTPAuthenticationError(535, b"bad"), ("permanent", 535, False)),
            (TimeoutError("timed out"), ("transient", None, False)),
            (ConnectionRefusedError(111, "refused"), ("transient", None, False)),
            (smtplib.SMTPServerDisconnected("gone"), ("transient", None, False)),
        ]
        for error, expected in cases:
            failure = mail.classify(error)
            self.assertEqual((failure.kind, failure.code, failure.per_recipient), expected, repr(error))
        self.assertTrue(mail.classify(cases[0][0]).unknown_address)
        self.assertFalse(mail.classify(cases[2][0]).unknown_address)

    def test_it_marks_a_refused_address_and_suspends_it(self) -> None:
        unknown = subscribe("okand@example.se", self.kommun_a)
        spam = subscribe("spam@example.se", self.kommun_a)
        subscribe("ok@example.se", self.kommun_a)
        group = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="GS", area=self.kommun_a)
        contact = GroupContact.objects.create(group=group, email="kontakt@example.se", token=new_token())
        refuse = {"okand@example.se": 550, "spam@example.se": 554, "kontakt@example.se": 551}
        with SmtpSink(refuse=refuse) as sink, smtp_settings(sink, LOFTE_MAIL_SUSPEND_AFTER=3):
            first = make_warning(self.partnership_a)
            self.assertEqual(dispatch.deliver_warning(first.pk), 1)
            failed = Delivery.objects.filter(warning=first, failed_at__isnull=False)
            self.assertEqual(
                sorted(failed.values_list("email", "failure_kind", "failure_code", "failure")),
                [
                    ("kontakt@example.se", "permanent", 551, "SMTPRecipientsRefused"),
                    ("okand@example.se", "permanent", 550, "SMTPRecipientsRefused"),
                    ("spam@example.se", "permanent", 554, "SMTPRecipientsRefused"),
                ],
            )
            unknown.refresh_from_db()
            spam.refresh_from_db()
            contact.refresh_from_db()
            self.assertEqual((unknown.bounce_count, unknown.confirmed_at), (1, None))  # no such user: at once
            self.assertIsNotNone(unknown.suspended_at)
            self.assertIsNotNone(contact.suspended_at)
            self.assertEqual((spam.bounce_count, spam.suspended_at), (1, None))
            self.assertEqual(dispatch_state(first).suspended, 2)
            for _ in range(2):  # two more refusals of the other kind: suspended too
                dispatch.deliver_warning(make_warning(self.partnership_a).pk)
            spam.refresh_from_db()
            self.assertEqual(spam.bounce_count, 3)
            self.assertIsNotNone(spam.suspended_at)
            last = make_warning(self.partnership_a)
            self.assertEqual(dispatch.deliver_warning(last.pk), 1)
            self.assertEqual(
                list(Delivery.objects.filter(warning=last).values_list("email", flat=True)), ["ok@example.se"]
            )
            self.assertNotIn("no such", repr(list(Delivery.objects.values_list("failure", flat=True))))

    def test_a_confirmation_task_run_again_sends_nothing_more(self) -> None:
        from django.core import mail as outbox

        subscription = Subscription.objects.create(email="ny@example.se", area=self.kommun_a, token=new_token())
        dispatch.queue_confirmation(subscription)
        dispatch.send_confirmation.call(subscription.pk)  # the reaper runs it again
        self.assertEqual(len(outbox.outbox), 1)
        [row] = Delivery.objects.filter(kind="bekraftelse")
        self.assertEqual(outbox.outbox[0].extra_headers["Message-ID"], row.message_id)

    def test_confirming_again_lifts_the_suspension(self) -> None:
        from lofte.citizens.subscriptions.actions import do_confirm_subscription

        suspended = subscribe("okand@example.se", self.kommun_a, bounce_count=1)
        Subscription.objects.filter(pk=suspended.pk).update(confirmed_at=None, suspended_at=timezone.now())
        suspended.refresh_from_db()
        self.assertTrue(do_confirm_subscription(suspended, actor=SystemActor("test")))
        suspended.refresh_from_db()
        self.assertEqual((suspended.suspended_at, suspended.bounce_count), (None, 0))

    @override_settings(LOFTE_MAIL_MAX_ATTEMPTS=5, LOFTE_MAIL_RETRY_SECONDS=300)
    def test_it_retries_a_passing_refusal_with_growing_waits_then_gives_up(self) -> None:
        subscribe("full@example.se", self.kommun_a)
        subscribe("ok@example.se", self.kommun_a)
        warning = make_warning(self.partnership_a)
        row = lambda: Delivery.objects.get(warning=warning, email="full@example.se")  # noqa: E731
        start = timezone.now()
        waits = []
        with SmtpSink(refuse={"full@example.se": 452}) as sink, smtp_settings(sink):
            comes_back: list[Any] = []
            self.assertEqual(dispatch.deliver_warning(warning.pk, later=comes_back.append), 1)
            self.assertEqual(comes_back, [start + timedelta(seconds=301)])
            self.assertEqual(dispatch.deliver_warning(warning.pk), 0)  # not due yet: not tried
            self.assertEqual(row().attempts, 1)
            with time_machine.travel(start, tick=False) as clock:
                for attempt in range(1, 5):
                    current = row()
                    self.assertEqual((current.attempts, current.failed_at), (attempt, None))
                    waits.append(int((current.next_attempt_at - timezone.now()).total_seconds()))
                    clock.move_to(current.next_attempt_at)
                    dispatch.deliver_warning(warning.pk)
            given_up = row()
            self.assertEqual(len([r for r in sink.received if r.recipients == ["ok@example.se"]]), 1)
        self.assertEqual(waits, [300, 900, 2700, 8100])
        self.assertEqual((given_up.attempts, given_up.failure_kind, given_up.failure_code), (5, "transient", 452))
        self.assertIsNotNone(given_up.failed_at)
        self.assertEqual(dispatch_state(warning).failed_transient, 1)

    def test_a_server_that_does_not_answer_stops_the_run_and_every_message_waits(self) -> None:
        for number in range(3):
            subscribe(f"p{number}@example.se", self.kommun_a)
        warning = make_warning(self.partnership_a)
        with override_settings(EMAIL_BACKEND=SMTP, EMAIL_HOST="127.0.0.1", EMAIL_PORT=free_port(), EMAIL_USE_TLS=False):
            self.assertEqual(dispatch.deliver_warning(warning.pk), 0)
        rows = Delivery.objects.filter(warning=warning)
        self.assertEqual(
            set(rows.values_list("attempts", "failure", "failed_at")), {(1, "ConnectionRefusedError", None)}
        )
        self.assertEqual(set(rows.values_list("next_attempt_at", flat=True)), {timezone.now() + timedelta(minutes=5)})
        state = dispatch_state(warning)
        self.assertEqual((state.waiting, state.sending, state.failed), (3, 0, 0))


class ProgressTest(BaseTestCase):
    def setUp(self) -> None:
        self.enterContext(time_machine.travel(NOW, tick=False))

    def test_the_warning_page_shows_the_dispatch_counted_by_state(self) -> None:
        warning = make_warning(self.partnership_a)
        suspended = subscribe("s@example.se", self.kommun_a)
        Subscription.objects.filter(pk=suspended.pk).update(suspended_at=timezone.now(), confirmed_at=None)
        now = timezone.now()
        rows = [
            {"sent_at": now},
            {"sent_at": now},
            {},
            {"claimed_at": now},
            {"failed_at": now, "failure_kind": "permanent", "failure_code": 550, "subscription": suspended},
            {"failed_at": now, "failure_kind": "transient", "failure_code": 451},
        ]
        for number, fields in enumerate(rows):
            Delivery.objects.create(kind="varning", warning=warning, email=f"p{number}@example.se", **fields)
        with self.assertNumQueries(1):
            state = dispatch_state(warning)
        self.assertEqual(
            (state.sent, state.waiting, state.sending, state.failed_permanent, state.failed_transient, state.suspended),
            (2, 1, 1, 1, 1, 1),
        )
        page = self.client_for(self.samordnare).get(f"/samverkan/mjolby/invanare/varningar/{warning.pk}/")
        for text in (
            "2 skickade, 1 väntar på att skickas.",
            "Skickas nu: 1",
            "Nekade av e-postservern: 1",
            "Gav upp efter flera försök: 1",
            "Avstängda adresser (studsar): 1",
            'http-equiv="refresh"',
        ):
            self.assertContains(page, text)
        self.assertNotContains(page, "@example.se")
        Delivery.objects.filter(warning=warning, sent_at__isnull=True, failed_at__isnull=True).update(sent_at=now)
        done = self.client_for(self.samordnare).get(f"/samverkan/mjolby/invanare/varningar/{warning.pk}/")
        self.assertNotContains(done, 'http-equiv="refresh"')  # nothing under way: no more reloading


# OAuth2 (XOAUTH2) against a local token endpoint and a local SMTP server


class _TokenEndpoint(BaseHTTPRequestHandler):
    requests: list[dict[str, list[str]]] = []
    token = "tok-1"

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _TokenEndpoint.requests.append(parse_qs(self.rfile.read(length).decode()))
        body = json.dumps({"token_type": "Bearer", "expires_in": 3599, "access_token": self.token}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class OAuth2BackendTest(BaseTestCase):
    def setUp(self) -> None:
        _TokenEndpoint.requests = []
        mail.forget_token()
        self.addCleanup(mail.forget_token)
        self.endpoint = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
        threading.Thread(target=self.endpoint.serve_forever, daemon=True).start()
        self.addCleanup(self.endpoint.server_close)
        self.addCleanup(self.endpoint.shutdown)
        self.token_url = f"http://127.0.0.1:{self.endpoint.server_address[1]}/tenant/oauth2/v2.0/token"

    def settings_for(self, sink: SmtpSink) -> override_settings:
        return override_settings(
            EMAIL_BACKEND="lofte.lib.mail.OAuth2EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="lofte@kommun.example",
            EMAIL_HOST_PASSWORD="",
            EMAIL_OAUTH2_TOKEN_URL=self.token_url,
            EMAIL_OAUTH2_CLIENT_ID="app-id",
            EMAIL_OAUTH2_CLIENT_SECRET="app-secret",
            EMAIL_OAUTH2_SCOPE="https://outlook.office365.com/.default",
        )

    def test_it_signs_in_with_xoauth2_and_a_cached_client_credentials_token(self) -> None:
        expected = "user=lofte@kommun.example\x01auth=Bearer tok-1\x01\x01"
        with SmtpSink(xoauth2=expected) as sink, self.settings_for(sink):
            for number in range(2):
                EmailMessage("Ämne", "Text", to=[f"p{number}@example.se"]).send()
            self.assertEqual([r.recipients for r in sink.received], [["p0@example.se"], ["p1@example.se"]])
            self.assertEqual(sink.config.auths, [expected, expected])
        [form] = _TokenEndpoint.requests  # fetched once, then cached
        self.assertEqual(
            form,
            {
                "grant_type": ["client_credentials"],
                "client_id": ["app-id"],
                "client_secret": ["app-secret"],
                "scope": ["https://outlook.office365.com/.default"],
            },
        )

    def test_a_token_the_server_refuses_is_an_error_not_a_silent_loss(self) -> None:
        with SmtpSink(xoauth2="user=lofte@kommun.example\x01auth=Bearer other\x01\x01") as sink:
            with self.settings_for(sink), self.assertRaises(smtplib.SMTPAuthenticationError):
                EmailMessage("Ämne", "Text", to=["p@example.se"]).send()
            self.assertEqual(sink.received, [])


# Processes: the mailing killed with SIGKILL, and a sign-in while a slow server answers (SQLite file, subprocesses)

SETUP = """
from django.utils import timezone
from lofte.areas.models import Area
from lofte.citizens.models import Subscription, Warning
from lofte.citizens.recipients import new_token
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_partnership
from lofte.accounts.models import User
area = Area.objects.get(code="0586")
partnership = do_create_partnership(name="Samverkan Mjölby", slug="mjolby", area=area, organisations=[],
    is_published=True, actor=SystemActor("test"))
Subscription.objects.bulk_create(Subscription(email=f"p{n:02d}@example.se", area=area, token=new_token(),
    confirmed_at=timezone.now()) for n in range(COUNT))
warning = Warning.objects.create(partnership=partnership, title="Falska bankmän", text="Lägg på.",
    category="bedrageri", valid_until=timezone.localdate() + timezone.timedelta(days=7), status="publicerad",
    published_at=timezone.now())
User.objects.create_user("sara@example.org", "ett-langt-losenord-42", full_name="Sara")
print(warning.pk)
"""
SEND = "from lofte.citizens.dispatch import send_warning; print(send_warning.call(WARNING))"
SIGN_IN = """
import sys, time
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
client.get("/konto/logga-in/")  # warm: the first request loads what every request needs
print("ready", flush=True)
sys.stdin.readline()
began = time.monotonic()
response = client.post("/konto/logga-in/", {"login": "sara@example.org", "password": "ett-langt-losenord-42"})
assert response.status_code == 302, response.status_code
assert "_auth_user_id" in client.session
print("signed-in", round(time.monotonic() - began, 2), flush=True)
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per module; each test copies it."""
    directory = tmp_path_factory.mktemp("mail-template")
    run_lofte(directory, "migrate", "-v0")
    return directory / "db.sqlite3"


def environment(directory: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOFTE_", "EMAIL_"))}
    env.update(
        LOFTE_VAR_DIR=str(directory),
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND=SMTP,
        EMAIL_HOST="127.0.0.1",
        EMAIL_USE_TLS="false",
        DEFAULT_FROM_EMAIL="Löfte <noreply@kommun.example>",
        **extra,
    )
    return env


def run_lofte(directory: Path, *args: str, **extra: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lofte.cli", *args],
        cwd=ROOT,
        env=environment(directory, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def instance(migrated: Path, directory: Path, count: int) -> int:
    sqlite3.connect(migrated).backup(target := sqlite3.connect(directory / "db.sqlite3"))
    target.close()
    return int(run_lofte(directory, "shell", "-c", SETUP.replace("COUNT", str(count))).splitlines()[-1])


def start_sending(directory: Path, warning: int, port: int, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lofte.cli", "shell", "-c", SEND.replace("WARNING", str(warning))],
        cwd=ROOT,
        env=environment(directory, EMAIL_PORT=str(port), **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def assert_everyone_once(sink: SmtpSink, count: int) -> int:
    """Every subscriber got the warning; nobody two different messages. Returns how many got one message twice."""
    ids: dict[str, list[str]] = defaultdict(list)
    for received in sink.received:
        for recipient in received.recipients:
            ids[recipient].append(received.message_id)
    assert sorted(ids) == [f"p{n:02d}@example.se" for n in range(count)]
    assert all(len(set(messages)) == 1 for messages in ids.values()), "two different messages to one address"
    return sum(1 for messages in ids.values() if len(messages) > 1)


@pytest.mark.processes
@pytest.mark.parametrize("point", ["mid-way", "after-acceptance-before-mark"])
def test_a_mailing_killed_with_sigkill_completes_with_no_second_message(
    migrated: Path, tmp_path: Path, point: str
) -> None:
    count = 50
    warning = instance(migrated, tmp_path, count)
    with SmtpSink(delay=0.02) as sink:
        if point == "mid-way":
            sender = start_sending(tmp_path, warning, sink.port)
            wait_for(lambda: len(sink.received) >= 20)
        else:
            sender = start_sending(tmp_path, warning, sink.port, LOFTE_MAIL_TEST_STALL_AFTER="20")
            assert sender.stdout is not None
            lines = iter(sender.stdout.readline, "")
            assert any(line.strip() == "stalled" for line in lines)  # accepted by the server, not marked sent
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
        before = len(sink.received)
        assert before < count
        # The worker's reaper runs the task again once the lease of the dead sender's claim has passed.
        run_lofte(
            tmp_path,
            "shell",
            "-c",
            SEND.replace("WARNING", str(warning)),
            EMAIL_PORT=str(sink.port),
            LOFTE_MAIL_LEASE_SECONDS="0",
        )
        repeated = assert_everyone_once(sink, count)
    assert repeated <= 1
    if point == "after-acceptance-before-mark":
        assert repeated == 1  # the one in flight, with its own Message-ID again
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        states = db.execute(
            "SELECT COUNT(*), COUNT(sent_at), COUNT(failed_at) FROM citizens_delivery WHERE warning_id = ?",
            (warning,),
        ).fetchone()
    assert states == (count, count, 0)


@pytest.mark.processes
def test_a_sign_in_succeeds_while_the_mail_server_answers_slowly(migrated: Path, tmp_path: Path) -> None:
    warning = instance(migrated, tmp_path, 2)
    with SmtpSink(delay=15) as sink:
        signing_in = subprocess.Popen(
            [sys.executable, "-m", "lofte.cli", "shell", "-c", SIGN_IN],
            cwd=ROOT,
            env=environment(tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sender = start_sending(tmp_path, warning, sink.port)
        try:
            assert signing_in.stdout is not None and signing_in.stdin is not None
            assert any(line.strip() == "ready" for line in iter(signing_in.stdout.readline, ""))
            with sqlite3.connect(tmp_path / "db.sqlite3", timeout=5) as db:  # the first message is with the server
                wait_for(lambda: db.execute("SELECT COUNT(claimed_at) FROM citizens_delivery").fetchone()[0] >= 1)
            time.sleep(0.5)
            assert sink.received == []
            writer = sqlite3.connect(tmp_path / "db.sqlite3", timeout=1)
            writer.execute("BEGIN IMMEDIATE")  # the write lock is free while the server answers
            writer.rollback()
            writer.close()
            signing_in.stdin.write("go\n")
            signing_in.stdin.flush()
            answer = signing_in.stdout.readline().split()
            assert answer[:1] == ["signed-in"], signing_in.stderr.read() if signing_in.stderr else ""
            assert sink.received == []  # signed in while the server still held the first message
        finally:
            for process in (sender, signing_in):
                process.kill()
                process.wait(timeout=10)
