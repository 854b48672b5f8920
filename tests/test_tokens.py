"""Personal access tokens for the JSON API (lofte/accounts/tokens.py): made and revoked on /konto/nycklar/,
shown once, hashed at rest, and on the API limited to their partnership and to reading for a read token."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from lofte.accounts.models import PersonalAccessToken, User
from lofte.accounts.tokens import TokenRefused, do_create_access_token, do_revoke_access_token
from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.partnerships import access
from lofte.partnerships.actions import do_add_membership
from lofte.partnerships.models import Membership
from lofte.promises.models import Agreement, Medborgarlofte, Promise
from tests.axe import problems
from tests.base import PASSWORD, BaseTestCase

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
KEY = re.compile(r"lofte_pat_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}")


def _promise_in(partnership: Any) -> Promise:
    agreement = Agreement.objects.create(
        partnership=partnership, title="Överenskommelse", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31)
    )
    lofte = Medborgarlofte.objects.create(
        agreement=agreement, title="Löfte", year_from=2026, year_to=2027, status=Medborgarlofte.Status.PUBLICERAD
    )
    return Promise.objects.create(lofte=lofte, text="Trygghetsvandringar")


class TokenTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A samordnare in both kommuner: a token for Mjölby must not reach Mullsjö.
        cls.both = User.objects.create_user("bada@a.example", PASSWORD, full_name="Bea Båda")
        do_add_membership(cls.both, cls.kommun_org_a, Membership.Role.SAMORDNARE, actor=SystemActor("test"))
        do_add_membership(cls.both, cls.kommun_org_b, Membership.Role.SAMORDNARE, actor=SystemActor("test"))
        cls.promise_a = _promise_in(cls.partnership_a)
        cls.promise_b = _promise_in(cls.partnership_b)

    def setUp(self) -> None:
        self.clock = time_machine.travel(NOW, tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def make(self, user: User, access: str = "read", partnership: Any = None, days: int = 30) -> str:
        _token, plaintext = do_create_access_token(
            name="Power BI",
            partnership=partnership or self.partnership_a,
            access=access,
            expires_on=TODAY + dt.timedelta(days=days),
            actor=user,
        )
        return plaintext

    def api(self, plaintext: str, method: str = "get", path: str = "/api/v1/me", body: Any = None) -> Any:
        # As a script calls: no session, and Django's CSRF check on, as a browser would have it.
        client = Client(enforce_csrf_checks=True)
        data = json.dumps(body) if body is not None else None
        return getattr(client, method)(
            path, data=data, content_type="application/json", headers={"authorization": f"Bearer {plaintext}"}
        )


class CreateTest(TokenTestCase):
    def test_it_shows_a_new_token_once_and_keeps_only_its_hash(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(
            "/konto/nycklar/",
            {"name": "Power BI", "partnership": self.partnership_a.pk, "access": "read", "expires_on": "2026-06-01"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        plaintext = KEY.search(response.content.decode()).group(0)  # type: ignore[union-attr]
        token = PersonalAccessToken.objects.get()
        self.assertEqual(token.token_hash, hashlib.sha256(plaintext.encode()).hexdigest())
        self.assertEqual(token.prefix, plaintext.split("_")[2])
        self.assertEqual(token.expires_at, dt.datetime(2026, 6, 1, 22, 0, tzinfo=dt.UTC))  # end of the day there
        self.assertEqual(token.valid_through, dt.date(2026, 6, 1))
        stored = json.dumps(list(PersonalAccessToken.objects.values()), default=str)
        self.assertNotIn(plaintext.split("_", 3)[3], stored)
        page = client.get("/konto/nycklar/").content.decode()
        self.assertIn("Power BI", page)
        self.assertIn(token.prefix, page)
        self.assertNotIn(plaintext, page)
        self.assertIsNone(KEY.search(page))

    def test_its_pages_have_landmarks_a_heading_and_labels(self) -> None:
        self.make(self.reporter)  # listed for the samordnare too
        client = self.client_for(self.samordnare)
        data = {"name": "Power BI", "partnership": self.partnership_a.pk, "access": "read", "expires_on": "2026-04-01"}
        token = PersonalAccessToken.objects.get()
        for response in (
            client.post("/konto/nycklar/", data),
            client.get("/konto/nycklar/"),
            client.get(f"/konto/nycklar/{token.pk}/aterkalla/"),
        ):
            self.assertEqual(problems(response.content.decode()), [])

    def test_the_list_makes_as_many_queries_for_many_tokens_as_for_one(self) -> None:
        self.make(self.samordnare)
        self.make(self.reporter)
        client = self.client_for(self.samordnare)
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(client.get("/konto/nycklar/").status_code, 200)
        for user in (self.samordnare, self.polis, self.viewer, self.reporter):
            self.make(user, access="read")
        with self.assertNumQueries(len(one.captured_queries)):
            page = client.get("/konto/nycklar/").content.decode()
        self.assertEqual(page.count("/aterkalla/"), 6)  # two own, four of the other members

    def test_it_audits_creating_and_revoking(self) -> None:
        token, _plaintext = do_create_access_token(
            name="Skript",
            partnership=self.partnership_a,
            access="write",
            expires_on=TODAY.replace(month=4),
            actor=self.polis,
        )
        do_revoke_access_token(token, actor=self.samordnare)
        events = list(AuditEvent.objects.filter(action__startswith="token.").order_by("pk"))
        self.assertEqual(
            [(e.action, e.actor, e.partnership) for e in events],
            [
                ("token.create", self.polis, self.partnership_a),
                ("token.revoke", self.samordnare, self.partnership_a),
            ],
        )
        self.assertEqual(events[0].changes["prefix"], token.prefix)
        self.assertNotIn("_plaintext", json.dumps(events[0].changes))

    def test_it_refuses_a_partnership_the_user_is_not_a_member_of(self) -> None:
        with self.assertRaises(TokenRefused) as refused:
            self.make(self.samordnare_b, partnership=self.partnership_a)
        self.assertEqual(refused.exception.field, "partnership")
        response = self.client_for(self.samordnare_b).post(
            "/konto/nycklar/",
            {"name": "X", "partnership": self.partnership_a.pk, "access": "read", "expires_on": "2026-04-01"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(PersonalAccessToken.objects.exists())

    def test_it_refuses_write_for_a_role_that_only_reads(self) -> None:
        with self.assertRaises(TokenRefused) as refused:
            self.make(self.viewer, access="write")
        self.assertEqual(refused.exception.field, "access")
        self.assertTrue(self.make(self.viewer, access="read"))
        self.assertTrue(self.make(self.reporter, access="write"))  # a rapportör reports

    @override_settings(LOFTE_TOKEN_MAX_DAYS=30)
    def test_it_refuses_an_expiry_past_the_longest_allowed(self) -> None:
        for days in (0, 31):
            with self.subTest(days=days), self.assertRaises(TokenRefused) as refused:
                self.make(self.samordnare, days=days)
            self.assertEqual(refused.exception.field, "expires_on")
        self.assertTrue(self.make(self.samordnare, days=30))

    def test_it_refuses_personal_data_in_the_name(self) -> None:
        with self.assertRaises(TokenRefused):
            do_create_access_token(
                name="Ring 070-123 45 67",
                partnership=self.partnership_a,
                access="read",
                expires_on=TODAY.replace(month=4),
                actor=self.samordnare,
            )


class RevokeTest(TokenTestCase):
    def test_the_owner_and_a_samordnare_of_the_partnership_may_revoke_no_one_else(self) -> None:
        token = PersonalAccessToken.objects.get(prefix=self.make(self.reporter).split("_")[2])
        url = f"/konto/nycklar/{token.pk}/aterkalla/"
        for user in (self.polis, self.viewer, self.samordnare_b):
            with self.subTest(user=user.email):
                self.assertEqual(self.client_for(user).get(url).status_code, 404)
                self.assertEqual(self.client_for(user).post(url).status_code, 404)
        page = self.client_for(self.samordnare).get("/konto/nycklar/").content.decode()
        self.assertIn("Rut Rapportör", page)  # listed for the samordnare, for offboarding
        self.assertEqual(self.client_for(self.samordnare).get(url).status_code, 200)  # asks first
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)
        self.assertRedirects(self.client_for(self.samordnare).post(url), "/konto/nycklar/")
        token.refresh_from_db()
        self.assertEqual(token.revoked_at, NOW)

    def test_the_owner_revokes_their_own(self) -> None:
        plaintext = self.make(self.reporter)
        token = PersonalAccessToken.objects.get()
        self.client_for(self.reporter).post(f"/konto/nycklar/{token.pk}/aterkalla/")
        self.assertEqual(self.api(plaintext).status_code, 401)


class BearerTest(TokenTestCase):
    def test_a_read_token_reads_as_its_user(self) -> None:
        plaintext = self.make(self.viewer)
        response = self.api(plaintext)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["email"], self.viewer.email)
        self.assertEqual(self.api(plaintext, path="/api/v1/partnerships/mjolby").status_code, 200)

    def test_a_read_token_is_refused_every_write(self) -> None:
        plaintext = self.make(self.samordnare)
        path = f"/api/v1/promises/items/{self.promise_a.pk}"
        for method, url in (("patch", path), ("post", f"{path}/activities")):
            with self.subTest(method=method):
                response = self.api(plaintext, method, url, {"status": "pagar"})
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["error"]["code"], "token_read_only")
        self.promise_a.refresh_from_db()
        self.assertNotEqual(self.promise_a.status, "pagar")

    def test_a_write_token_writes_without_a_csrf_token(self) -> None:
        plaintext = self.make(self.samordnare, access="write")
        response = self.api(plaintext, "patch", f"/api/v1/promises/items/{self.promise_a.pk}", {"status": "pagar"})
        self.assertEqual(response.status_code, 200, response.content)
        self.promise_a.refresh_from_db()
        self.assertEqual(self.promise_a.status, "pagar")
        # The change is audited on its löfte, naming the promise, with the token's user as the actor.
        event = AuditEvent.objects.filter(action="lofte.update_promise_status").latest("pk")
        self.assertEqual((event.actor, event.changes["id"]), (self.samordnare, self.promise_a.pk))

    def test_a_token_reaches_only_its_partnership(self) -> None:
        plaintext = self.make(self.both, access="write")
        self.assertEqual(self.api(plaintext).json()["partnerships"], ["mjolby"])
        listed = self.api(plaintext, path="/api/v1/partnerships").json()
        self.assertEqual([p["slug"] for p in listed], ["mjolby"])
        for path in (
            "/api/v1/partnerships/mullsjo",
            "/api/v1/partnerships/mullsjo/members",
            "/api/v1/partnerships/mullsjo/lagesbilder",
            "/api/v1/partnerships/mullsjo/lagesbilder/1",
        ):
            with self.subTest(path=path):
                response = self.api(plaintext, path=path)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["error"]["code"], "not_found")
        for path in ("/api/v1/partnerships/mjolby", "/api/v1/partnerships/mjolby/members"):
            self.assertEqual(self.api(plaintext, path=path).status_code, 200, path)
        self.assertEqual(self.api(plaintext, path="/api/v1/partnerships/mjolby/lagesbilder").status_code, 200)
        items = "/api/v1/promises/items"
        self.assertEqual(
            self.api(plaintext, "patch", f"{items}/{self.promise_b.pk}", {"status": "pagar"}).status_code, 404
        )
        self.assertEqual(
            self.api(plaintext, "patch", f"{items}/{self.promise_a.pk}", {"status": "pagar"}).status_code, 200
        )
        # The same person's session still reaches both.
        self.assertEqual(self.client_for(self.both).get("/api/v1/partnerships/mullsjo").status_code, 200)

    def test_an_unknown_expired_or_revoked_token_is_401(self) -> None:
        plaintext = self.make(self.samordnare, days=1)
        revoked = self.make(self.samordnare)
        do_revoke_access_token(PersonalAccessToken.objects.get(prefix=revoked.split("_")[2]), actor=self.samordnare)
        unknown = plaintext[:-4] + "AAAA"
        for key in (unknown, revoked, "lofte_abcdefgh_secret", "nonsense"):
            with self.subTest(key=key):
                self.assert_401(self.api(key))
        self.assertEqual(self.api(plaintext).status_code, 200)
        with time_machine.travel(dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC), tick=False):
            self.assert_401(self.api(plaintext))

    def test_a_deactivated_user_or_one_no_longer_a_member_is_401(self) -> None:
        plaintext = self.make(self.reporter)
        User.objects.filter(pk=self.reporter.pk).update(is_active=False)
        self.assert_401(self.api(plaintext))
        User.objects.filter(pk=self.reporter.pk).update(is_active=True)
        self.assertEqual(self.api(plaintext).status_code, 200)
        Membership.objects.filter(user=self.reporter).delete()
        self.assert_401(self.api(plaintext))

    def test_it_stamps_the_last_use_at_most_once_a_minute(self) -> None:
        plaintext = self.make(self.viewer)
        token = PersonalAccessToken.objects.get()
        self.assertIsNone(token.last_used_at)
        self.api(plaintext)
        token.refresh_from_db()
        self.assertEqual(token.last_used_at, NOW)
        with (
            time_machine.travel(NOW + dt.timedelta(seconds=59), tick=False),
            CaptureQueriesContext(connection) as queries,
        ):
            self.api(plaintext)
        self.assertFalse([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")])
        token.refresh_from_db()
        self.assertEqual(token.last_used_at, NOW)
        with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
            self.api(plaintext)
        token.refresh_from_db()
        self.assertEqual(token.last_used_at, NOW + dt.timedelta(seconds=61))

    def test_a_token_call_makes_a_fixed_number_of_queries(self) -> None:
        plaintext = self.make(self.viewer)
        self.api(plaintext)  # stamps the use
        # The token with its user and their membership there; then the endpoint's partnership, roles and parties.
        with self.assertNumQueries(5):
            response = self.api(plaintext, path="/api/v1/partnerships/mjolby")
        self.assertEqual(response.status_code, 200)

    def test_a_bearer_header_is_judged_by_its_token_alone_even_beside_a_session(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.both)
        self.assertEqual(client.get("/api/v1/partnerships/mullsjo").status_code, 200)
        bearer = {"authorization": f"Bearer {self.make(self.both)}"}
        self.assertEqual(client.get("/api/v1/partnerships/mullsjo", headers=bearer).status_code, 404)
        self.assertEqual(client.get("/api/v1/partnerships/mjolby", headers=bearer).status_code, 200)
        self.assert_401(client.get("/api/v1/partnerships/mjolby", headers={"authorization": "Bearer fel"}))

    def test_a_session_still_needs_its_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.samordnare)
        response = client.patch(
            f"/api/v1/promises/items/{self.promise_a.pk}", data='{"status": "pagar"}', content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn("CSRF", response.json()["error"]["message"])

    def assert_401(self, response: Any) -> None:
        self.assertEqual(response.status_code, 401, response.content)
        self.assertEqual(response.json()["error"]["code"], "unauthenticated")
        self.assertEqual(set(response.json()["error"]), {"code", "message", "details"})


class ScopeTest(TokenTestCase):
    def test_every_access_check_keeps_a_token_user_to_its_partnership(self) -> None:
        user = User.objects.get(pk=self.both.pk)
        self.assertTrue(access.can_manage_kommun(user, "0642"))
        user.token_partnership_id = self.partnership_a.pk
        self.assertEqual(list(access.partnerships_for(user)), [self.partnership_a])
        self.assertEqual(access.roles_in(user, self.partnership_b), frozenset())
        self.assertFalse(access.can_manage_kommun(user, "0642"))
        self.assertTrue(access.can_manage_kommun(user, "0586"))
        user.token_partnership_id = self.partnership_b.pk
        self.assertFalse(access.can_manage_kommun(user, "0586"))
        self.assertFalse(access.can_anywhere(self.viewer_scoped_to(self.partnership_b), access.Can.VIEW))

    def viewer_scoped_to(self, partnership: Any) -> User:
        viewer = User.objects.get(pk=self.viewer.pk)
        viewer.token_partnership_id = partnership.pk
        return viewer
