"""Two factors over HTTP: who must use one, setting it up, the code at sign-in, recovery codes, the API's session
use, and a samordnare's reset. The requirement is on here (marker `mfa`; tests/conftest.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.test import Client, override_settings
from django.urls import reverse

from lofte.accounts.factors import (
    PROVIDER_SESSION_KEY,
    MfaResetRefused,
    do_reset_mfa,
    mfa_required,
)
from lofte.audit.models import AuditEvent
from lofte.partnerships.actions import do_update_partnership
from lofte.promises.models import Agreement, Medborgarlofte
from tests.base import PASSWORD, BaseTestCase

pytestmark = pytest.mark.mfa

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETUP = "/konto/2fa/"
CODE_PAGE = "/konto/2fa/authenticate/"


def totp_code(secret: str, at: datetime) -> str:
    """What an authenticator app shows at `at` (RFC 6238: 30-second steps, 6 digits, HMAC-SHA1)."""
    counter = int(at.timestamp()) // 30
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class MfaTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.clock = time_machine.travel(NOW, tick=False)
        self.traveller = self.clock.start()
        self.addCleanup(self.clock.stop)

    def sign_in(self, user: object, client: Client | None = None) -> tuple[Client, str]:
        client = client or Client()
        response = client.post(reverse("accounts:login"), {"login": user.email, "password": PASSWORD})  # type: ignore[attr-defined]
        self.assertEqual(response.status_code, 302, response.content[:500])
        return client, response["Location"]

    def enrol(self, user: object) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)  # type: ignore[arg-type]
        return secret

    def later(self, seconds: int = 31) -> None:
        """On to the next 30-second step, so the app shows a new code (allauth refuses a code used before)."""
        self.traveller.shift(timedelta(seconds=seconds))

    def partnership_pages(self) -> list[str]:
        return [
            reverse("partnerships:home"),
            reverse("partnerships:dashboard", args=["mjolby"]),
            reverse("partnerships:members", args=["mjolby"]),
            reverse("lagesbild:index", args=["mjolby"]),
            reverse("dialogues:index", args=["mjolby"]),
            reverse("accounts:profile"),
        ]


class RequirementTest(MfaTestCase):
    def test_it_requires_a_second_factor_of_the_roles_that_see_restricted_or_personal_information(self) -> None:
        required = {name: mfa_required(user) for name, user in self.personas.items()}
        self.assertEqual(
            required,
            {
                "samordnare": True,
                "polis": True,
                "reporter": False,
                "viewer": False,
                "samordnare_b": True,
                "anonymous": False,
            },
        )
        self.assertTrue(mfa_required(self.staff))

    def test_a_partnership_can_require_it_of_everyone(self) -> None:
        do_update_partnership(self.partnership_a, require_mfa_for_all=True, actor=self.samordnare)
        self.assertTrue(mfa_required(self.reporter))
        self.assertTrue(mfa_required(self.viewer))
        event = AuditEvent.objects.filter(action="partnership.update").latest("id")
        self.assertEqual(event.changes["require_mfa_for_all"], [False, True])

    def test_the_installation_can_switch_it_off(self) -> None:
        with override_settings(LOFTE_MFA_REQUIRED=False):
            self.assertFalse(mfa_required(self.polis))
            client, _next = self.sign_in(self.polis)
            self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 200)


class SetUpTest(MfaTestCase):
    def test_a_polis_without_a_factor_is_sent_to_set_one_up_from_every_partnership_page(self) -> None:
        client, _next = self.sign_in(self.polis)
        for url in self.partnership_pages():
            response = client.get(url)
            self.assertEqual((response.status_code, response["Location"]), (302, SETUP), url)
        self.assertEqual(client.get(SETUP).status_code, 200)
        # The public pages and the way out stay open.
        self.assertEqual(client.get(reverse("public:kommun", args=["0586"])).status_code, 200)
        self.assertEqual(client.post(reverse("accounts:logout")).status_code, 302)

    def test_a_reporter_needs_none_unless_the_partnership_asks(self) -> None:
        client, _next = self.sign_in(self.reporter)
        dashboard = reverse("partnerships:dashboard", args=["mjolby"])
        self.assertEqual(client.get(dashboard).status_code, 200)
        do_update_partnership(self.partnership_a, require_mfa_for_all=True, actor=self.samordnare)
        self.assertEqual(client.get(dashboard)["Location"], SETUP)

    def test_setting_up_totp_opens_the_pages(self) -> None:
        client, _next = self.sign_in(self.polis)
        asked = client.get(reverse("mfa_activate_totp"))  # allauth asks for the password again before a change
        self.assertTrue(asked["Location"].startswith(reverse("account_reauthenticate")))
        resumed = client.post(asked["Location"], {"password": PASSWORD})
        self.assertEqual(resumed.status_code, 302)
        page = client.get(reverse("mfa_activate_totp"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'src="data:image/svg+xml;base64,')  # the QR code, allowed by the CSP's img-src
        secret = client.session["mfa.totp.secret"]
        refused = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
        self.assertEqual(refused.status_code, 200)
        with self.captureOnCommitCallbacks(execute=True):
            done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, NOW)})
        # allauth announces the new factor when its transaction commits: in a real request before the session is
        # saved, in a TestCase only after the response, so save what the announcement put in the session.
        done.wsgi_request.session.save()
        self.assertEqual(done.status_code, 302)
        self.assertEqual(client.get(done["Location"]).status_code, 200)  # the recovery codes, to write down
        for url in self.partnership_pages():
            self.assertIn(client.get(url).status_code, {200, 302}, url)
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 200)
        added = AuditEvent.objects.filter(action="mfa.add", actor=self.polis).values_list("changes__type", flat=True)
        self.assertEqual(sorted(added), ["recovery_codes", "totp"])


class SignInTest(MfaTestCase):
    def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(self) -> None:
        secret = self.enrol(self.polis)
        client, next_url = self.sign_in(self.polis)
        self.assertEqual(next_url, CODE_PAGE)
        dashboard = reverse("partnerships:dashboard", args=["mjolby"])
        self.assertTrue(client.get(dashboard)["Location"].startswith(reverse("accounts:login")))  # not signed in yet
        wrong = client.post(CODE_PAGE, {"code": "123456" if totp_code(secret, NOW) != "123456" else "654321"})
        self.assertEqual(wrong.status_code, 200)
        self.assertContains(wrong, "Felaktig kod")
        right = client.post(CODE_PAGE, {"code": totp_code(secret, NOW)})
        self.assertEqual(right.status_code, 302)
        self.assertEqual(client.get(dashboard).status_code, 200)

    def test_a_recovery_code_works_once(self) -> None:
        self.enrol(self.polis)
        code = RecoveryCodes.activate(self.polis).get_unused_codes()[0]
        client, _next = self.sign_in(self.polis)
        self.assertEqual(client.post(CODE_PAGE, {"code": code}).status_code, 302)
        dashboard = reverse("partnerships:dashboard", args=["mjolby"])
        self.assertEqual(client.get(dashboard).status_code, 200)
        client.post(reverse("accounts:logout"))
        again, _next = self.sign_in(self.polis)
        self.assertEqual(again.post(CODE_PAGE, {"code": code}).status_code, 200)
        self.assertEqual(again.get(dashboard).status_code, 302)

    def test_a_session_that_never_passed_the_factor_is_signed_out(self) -> None:
        self.enrol(self.polis)
        client = self.client_for(self.polis)  # a session from before the requirement: no second factor in it
        response = client.get(reverse("partnerships:dashboard", args=["mjolby"]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login") + "?next="))
        self.assertNotIn("_auth_user_id", client.session)

    def test_a_provider_that_vouched_for_a_second_factor_counts(self) -> None:
        client = self.client_for(self.polis)
        session = client.session
        session[PROVIDER_SESSION_KEY] = True
        session.save()
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 200)

    def test_removing_the_last_factor_asks_for_a_new_one(self) -> None:
        secret = self.enrol(self.polis)
        client, _next = self.sign_in(self.polis)
        client.post(CODE_PAGE, {"code": totp_code(secret, NOW)})
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("mfa_deactivate_totp"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Authenticator.objects.filter(user=self.polis).exists())
        self.assertTrue(AuditEvent.objects.filter(action="mfa.remove", actor=self.polis).exists())
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"]))["Location"], SETUP)

    def test_a_session_that_passed_costs_no_query(self) -> None:
        secret = self.enrol(self.polis)
        client, _next = self.sign_in(self.polis)
        client.post(CODE_PAGE, {"code": totp_code(secret, NOW)})
        url = reverse("accounts:profile")
        client.get(url)
        with self.captureQueries() as with_mfa:
            client.get(url)
        with override_settings(LOFTE_MFA_REQUIRED=False), self.captureQueries() as without:
            client.get(url)
        self.assertEqual(len(with_mfa), len(without))

    def captureQueries(self):  # type: ignore[no-untyped-def]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        return CaptureQueriesContext(connection)


class ApiTest(MfaTestCase):
    def test_the_api_used_with_a_session_answers_403_mfa_required(self) -> None:
        client, _next = self.sign_in(self.polis)
        response = client.get("/api/v1/me")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "mfa_required")
        self.assertIn("tvåfaktorsautentisering", response.json()["error"]["message"])

    def test_a_token_is_not_session_use(self) -> None:
        client, _next = self.sign_in(self.polis)
        response = client.get("/api/v1/me", headers={"Authorization": "Bearer lofte_pat_okand"})
        self.assertNotEqual(response.json()["error"]["code"] if response.status_code >= 400 else "", "mfa_required")

    def test_a_bearer_header_does_not_lend_the_session_to_the_open_endpoints(self) -> None:
        # A löfte not yet published: a member sees it, a visitor does not.
        agreement = Agreement.objects.create(
            partnership=self.partnership_a,
            title="Överenskommelse",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 12, 31),
        )
        Medborgarlofte.objects.create(agreement=agreement, title="Utkast", year_from=2026, year_to=2027)
        client, _next = self.sign_in(self.polis)
        self.assertEqual(client.get("/api/v1/promises", {"area": "0586"}).json()["error"]["code"], "mfa_required")
        response = client.get("/api/v1/promises", {"area": "0586"}, headers={"Authorization": "Bearer x"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), Client().get("/api/v1/promises", {"area": "0586"}).json())

    def test_the_api_opens_after_the_second_factor(self) -> None:
        secret = self.enrol(self.polis)
        client, _next = self.sign_in(self.polis)
        client.post(CODE_PAGE, {"code": totp_code(secret, NOW)})
        self.assertEqual(client.get("/api/v1/me").status_code, 200)


class ResetTest(MfaTestCase):
    def samordnare_client(self) -> Client:
        client = self.client_for(self.samordnare)
        session = client.session
        session[PROVIDER_SESSION_KEY] = True
        session.save()
        return client

    def test_a_samordnare_resets_a_members_factors(self) -> None:
        secret = self.enrol(self.polis)
        RecoveryCodes.activate(self.polis)
        polis, _next = self.sign_in(self.polis)
        polis.post(CODE_PAGE, {"code": totp_code(secret, NOW)})
        dashboard = reverse("partnerships:dashboard", args=["mjolby"])
        self.assertEqual(polis.get(dashboard).status_code, 200)
        members = self.samordnare_client().get(reverse("people:index", args=["mjolby"]))
        reset_url = reverse("factors:reset", args=["mjolby", self.polis.pk])
        self.assertContains(members, f'action="{reset_url}"')
        self.assertNotContains(members, reverse("factors:reset", args=["mjolby", self.samordnare.pk]))
        response = self.samordnare_client().post(reset_url)
        self.assertEqual(response["Location"], reverse("people:index", args=["mjolby"]))
        self.assertFalse(Authenticator.objects.filter(user=self.polis).exists())
        self.assertFalse(UserSession.objects.filter(user=self.polis).exists())
        event = AuditEvent.objects.get(action="mfa.reset")
        self.assertEqual((event.actor, event.partnership), (self.samordnare, self.partnership_a))
        self.assertEqual(event.changes["removed"], ["recovery_codes", "totp"])
        # Signed out; at the next sign-in the polis sets up a new factor before anything else.
        self.assertTrue(polis.get(dashboard)["Location"].startswith(reverse("accounts:login")))
        self.later()
        again, _next = self.sign_in(self.polis)
        self.assertEqual(again.get(dashboard)["Location"], SETUP)

    def test_it_is_refused_for_oneself_and_outside_the_partnership(self) -> None:
        with self.assertRaises(MfaResetRefused):
            do_reset_mfa(self.samordnare, actor=self.samordnare, partnership=self.partnership_a)
        with self.assertRaises(MfaResetRefused):
            do_reset_mfa(self.samordnare_b, actor=self.samordnare, partnership=self.partnership_a)
        with self.assertRaises(MfaResetRefused):
            do_reset_mfa(self.reporter, actor=self.polis, partnership=self.partnership_a)
        client = self.samordnare_client()
        outsider = client.post(reverse("factors:reset", args=["mjolby", self.samordnare_b.pk]))
        self.assertEqual(outsider.status_code, 404)
        self.assertEqual(client.get(reverse("factors:reset", args=["mjolby", self.polis.pk])).status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(action="mfa.reset").exists())
