"""Sessions (issue 17, point 4): an idle timeout and an absolute lifetime that write nothing on a GET, sign out
everywhere, sign-in that answers alike for unknown addresses, re-authentication and the closed e-mail page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from lofte.accounts import throttle
from lofte.accounts.sessions import COOKIE
from lofte.audit.models import AuditEvent
from tests.base import PASSWORD, BaseTestCase

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE")
PROFILE = "/konto/profil/"


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


class SessionLimitsTest(BaseTestCase):
    def sign_in(self) -> Client:
        client = Client()
        response = client.post("/konto/logga-in/", {"login": "lasare@a.example", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    def test_it_signs_out_after_thirty_idle_minutes_with_a_swedish_message(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
            self.assertEqual(client.get(PROFILE).status_code, 200)
        with time_machine.travel(NOW + timedelta(minutes=58), tick=False):
            self.assertEqual(client.get(PROFILE).status_code, 200)  # 29 minutes after the last request
        with time_machine.travel(NOW + timedelta(minutes=88), tick=False):
            response = client.get(PROFILE)
            self.assertRedirects(response, "/konto/logga-in/?next=%2Fkonto%2Fprofil%2F", fetch_redirect_response=False)
            page = client.get(response["Location"])
        self.assertContains(page, "Du har loggats ut eftersom du inte har använt Löfte på 30 minuter.")
        self.assertNotIn("_auth_user_id", client.session)

    @override_settings(LOFTE_SESSION_IDLE_MINUTES=5)
    def test_the_idle_timeout_is_a_setting(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
            self.assertEqual(client.get(PROFILE).status_code, 302)

    def test_it_signs_out_ten_hours_after_sign_in_however_busy(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        for minutes in range(20, 600, 20):
            with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
                self.assertEqual(client.get(PROFILE).status_code, 200, minutes)
        with time_machine.travel(NOW + timedelta(hours=10), tick=False):
            response = client.get(PROFILE)
            self.assertEqual(response.status_code, 302)
            page = client.get(response["Location"])
        self.assertContains(page, "Du har loggats ut eftersom du har varit inloggad i 10 timmar.")

    def test_a_get_writes_nothing_while_the_session_lasts(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        for minutes in (0, 1, 5, 25):
            with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(PROFILE)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(writes(queries), [])

    def test_the_activity_cookie_moves_at_most_once_a_minute(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
            self.assertIn(COOKIE, client.get(PROFILE).cookies)
            self.assertNotIn(COOKIE, client.get(PROFILE).cookies)
        with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
            self.assertIn(COOKIE, client.get(PROFILE).cookies)

    def test_changing_the_password_keeps_the_session_going(self) -> None:
        new = "gurka stege molnig 7"
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
            client.get(PROFILE)
        with time_machine.travel(NOW + timedelta(minutes=40, seconds=30), tick=False):
            client.get(PROFILE)
        with time_machine.travel(NOW + timedelta(minutes=41), tick=False):
            data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
            self.assertRedirects(client.post("/konto/losenord/byt/", data), PROFILE, fetch_redirect_response=False)
        with time_machine.travel(NOW + timedelta(minutes=50), tick=False):
            self.assertEqual(client.get(PROFILE).status_code, 200)

    def test_an_activity_cookie_of_another_session_does_not_count(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
            other = self.sign_in()
            other.get(PROFILE)
        client.cookies[COOKIE] = other.cookies[COOKIE].value
        with time_machine.travel(NOW + timedelta(minutes=35), tick=False):
            self.assertEqual(client.get(PROFILE).status_code, 302)
            self.assertEqual(other.get(PROFILE).status_code, 200)

    def test_the_api_answers_as_for_someone_not_signed_in(self) -> None:
        with time_machine.travel(NOW, tick=False):
            client = self.sign_in()
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            response = client.get("/api/v1/me")
        self.assertEqual(response.status_code, 401)
        self.assertIn("error", response.json())


class SignOutEverywhereTest(BaseTestCase):
    def test_it_ends_every_session_of_the_user_this_one_too(self) -> None:
        phone, laptop = Client(), Client()
        for client in (phone, laptop):
            client.post("/konto/logga-in/", {"login": "lasare@a.example", "password": PASSWORD})
        colleague = self.client_for(self.samordnare)
        page = laptop.get("/konto/logga-ut-overallt/")
        self.assertContains(page, "Du är inloggad i 2 webbläsare eller enheter.")
        self.assertContains(page, "Alla inloggningar avslutas, också den här.")
        response = laptop.post("/konto/logga-ut-overallt/")
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertContains(laptop.get("/konto/logga-in/"), "Du är utloggad överallt")
        self.assertEqual(phone.get(PROFILE).status_code, 302)
        self.assertEqual(laptop.get(PROFILE).status_code, 302)
        self.assertEqual(colleague.get(PROFILE).status_code, 200)
        self.assertFalse(UserSession.objects.filter(user=self.viewer).exists())
        event = AuditEvent.objects.get(action="account.sign_out_everywhere")
        self.assertEqual((event.actor_id, event.changes), (self.viewer.pk, {"sessions": 2}))

    def test_a_get_only_asks(self) -> None:
        client = self.client_for(self.viewer)
        sessions = Session.objects.count()
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(client.get("/konto/logga-ut-overallt/").status_code, 200)
        self.assertEqual(writes(queries), [])
        self.assertEqual(Session.objects.count(), sessions)

    def test_the_profile_links_to_sessions_two_factors_and_sign_out_everywhere(self) -> None:
        page = self.client_for(self.viewer).get(PROFILE)
        for link in ("/konto/logga-ut-overallt/", "/konto/sessions/", "/konto/2fa/", "/konto/losenord/byt/"):
            self.assertContains(page, f'href="{link}"')


class SignInAnswersAlikeTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        patcher = mock.patch.object(throttle, "sign_in_delay", return_value=0.0)
        patcher.start()
        self.addCleanup(patcher.stop)

    def attempt(self, email: str) -> tuple[int, str, int]:
        """The answer (its CSRF token and the address left out) and how many times a password was hashed: checking
        a password hashes it (the hasher's `verify` calls its `encode`), and so must the answer for no account."""
        hasher = MD5PasswordHasher
        with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
            response = self.client.post("/konto/logga-in/", {"login": email, "password": "fel-lösenord-123"})
        body = response.content.decode().replace(email, "EMAIL")
        body = body.split('name="csrfmiddlewaretoken"')[0] + body.split('name="csrfmiddlewaretoken"')[1][80:]
        return response.status_code, body, encode.call_count

    def test_an_unknown_address_gets_the_same_answer_and_hashing_as_a_known_one(self) -> None:
        known = self.attempt("polis@a.example")
        unknown = self.attempt("ingen@a.example")
        self.assertEqual(known[0], 200)
        self.assertEqual(known[2], 1)
        self.assertEqual(known, unknown)

    def test_an_inactive_account_gets_the_same_answer_too(self) -> None:
        self.viewer.is_active = False
        self.viewer.save(update_fields=["is_active"])
        self.assertEqual(self.attempt("lasare@a.example"), self.attempt("ingen@a.example"))


class AccountPagesTest(BaseTestCase):
    def test_the_email_page_is_closed_and_adds_no_address(self) -> None:
        client = self.client_for(self.viewer)
        self.assertRedirects(client.get("/konto/email/"), PROFILE)
        response = client.post("/konto/email/", {"action_add": "", "email": "samordnare@a.example"})
        self.assertRedirects(response, PROFILE)
        self.viewer.refresh_from_db()
        self.assertEqual(self.viewer.email, "lasare@a.example")
        self.assertFalse(self.viewer.emailaddress_set.filter(email="samordnare@a.example").exists())
        self.assertContains(client.get(PROFILE), "Be samordnaren i din kommun att bjuda in dig på den nya adressen")

    def test_the_signup_page_says_that_accounts_come_by_invitation(self) -> None:
        page = self.client.get("/konto/signup/")
        self.assertContains(page, "Konton skapas genom inbjudan")
        self.assertContains(page, "bjuder in dig med e-post")
        self.assertNotContains(page, 'name="password1"')

    def test_allauths_reset_links_lead_to_loftes_reset_page(self) -> None:
        for path in ("/konto/password/reset/key/1-abc/", "/konto/password/reset/done/"):
            self.assertRedirects(self.client.get(path), "/konto/losenord/glomt/")

    def test_changing_a_second_factor_asks_for_the_password_again(self) -> None:
        client = self.client_for(self.viewer)
        response = client.get("/konto/2fa/totp/activate/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/konto/reauthenticate/"))

    def test_an_account_without_password_cannot_give_itself_one(self) -> None:
        """Setting a first password needs a re-authentication, and an account of single sign-on has nothing to
        re-authenticate with here: it is refused, so a stolen session cannot add a password to the account."""
        self.viewer.set_unusable_password()
        self.viewer.save(update_fields=["password"])
        client = self.client_for(self.viewer)
        self.assertEqual(client.get("/konto/password/set/").status_code, 403)
        response = client.post("/konto/password/set/", {"password1": "tre-ord-som-inte-hör-ihop", "password2": "x"})
        self.assertEqual(response.status_code, 403)
        self.viewer.refresh_from_db()
        self.assertFalse(self.viewer.has_usable_password())
