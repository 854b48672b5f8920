from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from lofte.accounts import throttle
from lofte.audit.models import AuditEvent
from tests.base import PASSWORD, BaseTestCase

PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
REAL_USER = "203.0.113.5"
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class SignInTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The lockout tests below guess faster than the account's progressive delay allows.
        patcher = mock.patch.object(throttle, "sign_in_delay", return_value=0.0)
        patcher.start()
        self.addCleanup(patcher.stop)

    def sign_in(self, email: str, password: str, client=None):  # type: ignore[no-untyped-def]
        client = client or self.client_for(None)
        return client.post("/konto/logga-in/", {"login": email, "password": password})

    def test_it_lands_on_the_partnership_dashboard(self) -> None:
        response = self.sign_in("samordnare@a.example", PASSWORD)
        self.assertRedirects(response, "/samverkan/", target_status_code=302)

    def test_it_accepts_the_address_in_any_case(self) -> None:
        client = self.client_for(None)
        self.sign_in("SAMORDNARE@a.example", PASSWORD, client)
        self.assertRedirects(client.get("/samverkan/"), "/samverkan/mjolby/")

    def test_it_explains_a_wrong_password(self) -> None:
        response = self.sign_in("samordnare@a.example", "fel")
        self.assertContains(response, "Fel e-postadress eller lösenord")

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_locks_out_guessing(self) -> None:
        for _ in range(3):
            self.sign_in("samordnare@a.example", "gissning")
        response = self.sign_in("samordnare@a.example", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "tillfälligt spärrad", status_code=429)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_counts_guesses_whatever_the_case(self) -> None:
        for email in ("samordnare@a.example", "Samordnare@a.example", "SAMORDNARE@A.EXAMPLE"):
            self.sign_in(email, "gissning")
        self.assertEqual(self.sign_in("samordnare@a.example", PASSWORD).status_code, 429)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_locks_one_username_without_locking_others(self) -> None:
        for _ in range(3):
            self.sign_in("samordnare@a.example", "gissning")
        self.assertEqual(self.sign_in("polis@a.example", PASSWORD).status_code, 302)

    def test_it_signs_out_on_post(self) -> None:
        client = self.client_for(self.viewer)
        self.assertEqual(client.post("/konto/logga-ut/").status_code, 302)
        self.assertEqual(client.get("/samverkan/mjolby/").status_code, 302)

    def test_it_audits_sign_in_failures_and_sign_out(self) -> None:
        client = self.client_for(None)
        self.sign_in("samordnare@a.example", "fel", client)
        self.sign_in("samordnare@a.example", PASSWORD, client)
        client.post("/konto/logga-ut/")
        actions = list(
            AuditEvent.objects.filter(action__startswith="auth.").order_by("id").values_list("action", "actor_label")
        )
        self.assertEqual(
            actions,
            [
                ("auth.login_failed", "samordnare@a.example"),
                ("auth.login", "samordnare@a.example"),
                ("auth.logout", "samordnare@a.example"),
            ],
        )


@override_settings(LOFTE_PROXY_COUNT=1, AXES_FAILURE_LIMIT=5, LOFTE_LOGIN_DELAY_MAX_SECONDS=10)
class BehindTheProxySignInTest(BaseTestCase):
    """Every request arrives from the reverse proxy; the client is the address it forwards."""

    def setUp(self) -> None:
        super().setUp()
        self.traveller = time_machine.travel(NOW, tick=False)
        self.clock = self.traveller.start()
        self.addCleanup(self.traveller.stop)
        self.waits: list[int] = []

    def wait_out(self, email: str = "polis@a.example") -> None:
        """Let the account's delay pass, noting its seconds."""
        if seconds := throttle.seconds_to_wait(email):
            self.waits.append(seconds)
            self.clock.shift(timedelta(seconds=seconds))

    def guess(self, address: str) -> None:
        self.wait_out()
        response = self.sign_in(address, "gissning")
        self.assertIn(response.status_code, (200, 429))
        self.assertNotRegex(response.content.decode(), r"Vänta \d+ sekunder")

    def sign_in(self, address: str, password: str, email: str = "polis@a.example"):  # type: ignore[no-untyped-def]
        return self.client_for(None).post(
            "/konto/logga-in/",
            {"login": email, "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )

    def test_an_attackers_guesses_do_not_lock_out_the_real_user(self) -> None:
        for _ in range(5):
            self.guess(ATTACKER)
        self.wait_out()
        self.assertEqual(self.sign_in(ATTACKER, PASSWORD).status_code, 429)
        self.wait_out()  # the account's delay, at most LOFTE_LOGIN_DELAY_MAX_SECONDS
        self.assertEqual(self.sign_in(REAL_USER, PASSWORD).status_code, 302)

    def test_the_attackers_address_and_the_account_together_get_locked(self) -> None:
        for _ in range(5):
            self.guess(ATTACKER)
        self.wait_out()
        self.assertEqual(self.sign_in(ATTACKER, PASSWORD).status_code, 429)
        # The attacker's address may still sign in to its own account.
        self.assertEqual(self.sign_in(ATTACKER, PASSWORD, email="lasare@a.example").status_code, 302)

    def test_the_accounts_delay_grows_with_failures_from_every_address(self) -> None:
        for number in range(9):
            self.guess(f"198.51.100.{number}")
        self.assertEqual(self.waits, [1, 2, 4, 8, 10, 10])
        # A try within the delay is answered at once, unchecked, and counts as no failure.
        for _ in range(3):
            response = self.sign_in(REAL_USER, PASSWORD)
            self.assertContains(response, "Vänta 10 sekunder och försök igen")
        self.assertEqual(throttle.seconds_to_wait("polis@a.example"), 10)
        # The real user gets in once it has passed.
        self.wait_out()
        self.assertEqual(self.sign_in(REAL_USER, PASSWORD).status_code, 302)
        # Another account never waited.
        self.assertEqual(self.sign_in(REAL_USER, PASSWORD, email="lasare@a.example").status_code, 302)
        self.assertEqual(self.waits, [1, 2, 4, 8, 10, 10, 10])

    def test_a_user_who_comes_back_later_does_not_wait(self) -> None:
        for number in range(4):
            self.sign_in(f"198.51.100.{number}", "gissning")
        self.clock.shift(timedelta(minutes=1))
        self.assertEqual(self.sign_in(REAL_USER, PASSWORD).status_code, 302)


class PasswordResetLimitTest(BaseTestCase):
    def ask(self, email: str, address: str = "203.0.113.5"):  # type: ignore[no-untyped-def]
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post("/konto/losenord/glomt/", {"email": email}, REMOTE_ADDR=address)

    def test_the_fourth_request_for_one_account_sends_no_mail_but_answers_the_same(self) -> None:
        with time_machine.travel(NOW, tick=False):
            answers = [self.ask("lasare@a.example", address=f"203.0.113.{number}") for number in range(4)]
        self.assertEqual(len(mail.outbox), 3)
        for answer in answers:
            self.assertRedirects(answer, "/konto/losenord/glomt/skickat/")
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            self.ask("lasare@a.example")
        self.assertEqual(len(mail.outbox), 4)

    def test_one_client_address_asks_at_most_ten_times_an_hour(self) -> None:
        emails = ["lasare@a.example", "polis@a.example", "samordnare@a.example", "rapportor@a.example"] * 3
        with time_machine.travel(NOW, tick=False):
            for email in emails:
                self.assertRedirects(self.ask(email), "/konto/losenord/glomt/skickat/")
        self.assertEqual(len(mail.outbox), 10)

    @override_settings(TASKS=DATABASE_TASKS)
    def test_known_and_unknown_addresses_do_the_same_work(self) -> None:
        with self.assertNumQueries(2):  # the lookup and the task's row (sessions and axes are not touched)
            self.ask("okand@example.org")
        with self.assertNumQueries(2):
            self.ask("lasare@a.example")
        tasks = list(DBTaskResult.objects.order_by("enqueued_at", "id"))
        self.assertEqual([task.task_path for task in tasks], ["lofte.accounts.tasks.send_password_reset"] * 2)
        self.assertEqual(tasks[0].args_kwargs["kwargs"]["user_ids"], [])
        self.assertEqual(tasks[1].args_kwargs["kwargs"]["user_ids"], [self.viewer.pk])


def run_waiting_tasks() -> None:
    """What `lofte db_worker` does with each waiting task, without its loop (which closes the connection)."""
    for row in DBTaskResult.objects.ready():
        row.claim("test")
        waiting = row.task_result
        row.set_successful(row.task.call(*waiting.args, **waiting.kwargs))


class PasswordResetTaskTableTest(BaseTestCase):
    @override_settings(TASKS=DATABASE_TASKS)
    def test_no_task_row_holds_the_link(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post("/konto/losenord/glomt/", {"email": "lasare@a.example"})
        self.assertEqual(mail.outbox, [])
        run_waiting_tasks()
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"/konto/losenord/aterstall/(\S+)/(\S+)/", mail.outbox[0].body)
        assert link is not None
        _uid, token = link.groups()
        stored = repr(list(DBTaskResult.objects.values_list("args_kwargs", "return_value")))
        self.assertNotIn(token, stored)
        self.assertNotIn("aterstall", stored)
        self.assertEqual(DBTaskResult.objects.get().status, "SUCCESSFUL")

    @override_settings(TASKS=DATABASE_TASKS, LOFTE_TASK_RETENTION_DAYS=7)
    def test_finished_tasks_are_pruned_after_the_retention(self) -> None:
        with time_machine.travel(NOW, tick=False):
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post("/konto/losenord/glomt/", {"email": "lasare@a.example"})
            run_waiting_tasks()
        with time_machine.travel(NOW + timedelta(days=6), tick=False):
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post("/konto/losenord/glomt/", {"email": "polis@a.example"})
            call_command("prune_tasks", stdout=StringIO())
            self.assertEqual(DBTaskResult.objects.count(), 2)  # one finished too recently, one waiting
        with time_machine.travel(NOW + timedelta(days=8), tick=False):
            call_command("prune_tasks", stdout=StringIO())
        self.assertEqual(list(DBTaskResult.objects.values_list("status", flat=True)), ["READY"])


class PasswordResetTest(BaseTestCase):
    def test_it_mails_a_link_that_sets_a_new_password(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/konto/losenord/glomt/", {"email": "Lasare@A.example"})
        self.assertRedirects(response, "/konto/losenord/glomt/skickat/")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["lasare@a.example"])
        self.assertEqual(mail.outbox[0].subject, "Nytt lösenord till Löfte")
        # The link leads to SITE_URL, never to whatever Host header the request carried.
        site = re.escape(settings.SITE_URL.rstrip("/"))
        link = re.search(site + r"(/konto/losenord/aterstall/\S+/)", mail.outbox[0].body)
        assert link is not None
        form_page = self.client.get(link.group(1), follow=True)
        self.assertContains(form_page, "Välj nytt lösenord")
        new = "ett-helt-nytt-lösenord-42"
        done = self.client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        self.assertRedirects(done, "/konto/losenord/aterstallt/")
        self.viewer.refresh_from_db()
        self.assertTrue(self.viewer.check_password(new))

    def test_it_does_not_reveal_unknown_addresses(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/konto/losenord/glomt/", {"email": "okand@example.org"})
        self.assertRedirects(response, "/konto/losenord/glomt/skickat/")
        self.assertEqual(mail.outbox, [])
