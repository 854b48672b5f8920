"""The public pages are cached for anonymous visitors and never served stale after a change."""

from __future__ import annotations

from datetime import date
from io import StringIO

import time_machine
from django.core.cache import cache as django_cache
from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.lib import cache
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.partnerships.actions import do_create_organisation
from lofte.partnerships.models import Organisation, Partnership
from lofte.promises.lofte.actions import do_update_promise_status
from lofte.promises.models import Medborgarlofte, Promise

KOMMUN = "/kommun/0586/"


def version(code: str) -> object:
    return django_cache.get(cache._version_key(code))


def audited(obj: Promise | Medborgarlofte, partnership: Partnership) -> None:
    """The audit row an action writes with its change. No action changes a decided löfte's promises or takes it
    back to a draft, so the tests of such changes write the row themselves: the row, not the save, makes the
    kommun's pages stale."""
    record("test.change", actor=SystemActor("test"), obj=obj, partnership=partnership)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class PublicCacheTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", stdout=StringIO())
        cls.lofte = Medborgarlofte.objects.get(agreement__partnership__slug="mjolby")
        cls.member = User.objects.get(email="samordnare@mjolby.example")

    def setUp(self) -> None:
        django_cache.clear()

    @override_settings(ALLOWED_HOSTS=["lofte.mjolby.se", "trygghet.example.org"])
    def test_it_keeps_a_page_apart_for_each_host_name(self) -> None:
        # The feed's links name the host it was asked under: one name must not poison what the other is served.
        feed = "/kommun/0586/varningar.atom"
        first = self.client.get(feed, HTTP_HOST="trygghet.example.org")
        self.assertContains(first, "http://trygghet.example.org/kommun/0586/")
        second = self.client.get(feed, HTTP_HOST="lofte.mjolby.se")
        self.assertContains(second, "http://lofte.mjolby.se/kommun/0586/")
        self.assertNotContains(second, "trygghet.example.org")
        with self.assertNumQueries(0):
            again = self.client.get(feed, HTTP_HOST="trygghet.example.org")
        self.assertEqual(again.content, first.content)

    def test_it_serves_the_second_anonymous_request_without_database_queries(self) -> None:
        first = self.client.get(KOMMUN)
        self.assertEqual(first.status_code, 200)
        with self.assertNumQueries(0):
            second = self.client.get(KOMMUN)
        self.assertEqual(second.status_code, 200)
        self.assertContains(second, "Medborgarlöfte 2024–2025")
        self.assertEqual(second["Cache-Control"], "public, max-age=60")
        self.assertEqual(second["Content-Type"], "text/html; charset=utf-8")
        vary = {part.strip() for part in second["Vary"].split(",")}
        self.assertLessEqual({"Cookie", "Accept-Language"}, vary)
        self.assertNotIn("csrftoken", second.cookies, "a returning visitor's cookie is not sent again")

    def test_a_new_visitor_gets_a_private_page_with_a_token_of_their_own(self) -> None:
        self.client.get(KOMMUN)
        stranger = Client(enforce_csrf_checks=True)
        with self.assertNumQueries(0):
            page = stranger.get(KOMMUN)
        self.assertEqual(page["Cache-Control"], "private, max-age=60")
        self.assertIn("csrftoken", page.cookies)
        token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        self.assertEqual(len(token), 64)
        # The token fits the stranger's cookie: switching the language works from a page served from the cache.
        switched = stranger.post("/i18n/setlang/", {"language": "en", "next": KOMMUN, "csrfmiddlewaretoken": token})
        self.assertEqual(switched.status_code, 302)
        self.assertContains(stranger.get(KOMMUN), "Community safety work in Mjölby")

    def test_a_changed_promise_shows_on_the_next_anonymous_request(self) -> None:
        promise = self.lofte.promises.order_by("pk").first()
        assert promise is not None
        self.client.get(KOMMUN)
        partnership = self.lofte.agreement.partnership
        promise.text = "Ett nytt löfte om belysning i Vifolkaparken."
        promise.save()
        audited(promise, partnership)
        self.assertContains(self.client.get(KOMMUN), "Ett nytt löfte om belysning i Vifolkaparken.")
        promise.delete()
        audited(self.lofte, partnership)
        self.assertNotContains(self.client.get(KOMMUN), "Ett nytt löfte om belysning i Vifolkaparken.")

    def test_the_responsible_parties_and_a_withdrawn_lofte_show_at_once(self) -> None:
        promise = Promise.objects.filter(lofte=self.lofte, responsible__isnull=False).first()
        assert promise is not None
        self.client.get(KOMMUN)
        school = do_create_organisation(
            name="Mjölby skola", kind=Organisation.Kind.SKOLA, area=None, actor=SystemActor("test")
        )
        promise.responsible.add(school)
        audited(promise, self.lofte.agreement.partnership)
        self.assertContains(self.client.get(KOMMUN), "Mjölby skola")
        self.lofte.status = Medborgarlofte.Status.UTKAST
        self.lofte.save()
        audited(self.lofte, self.lofte.agreement.partnership)
        self.assertNotContains(self.client.get(KOMMUN), "Medborgarlöfte 2024–2025")

    def test_a_change_in_one_kommun_keeps_the_others_cache(self) -> None:
        mjolby, mullsjo = version("0586"), version("0642")
        self.client.get(KOMMUN)
        self.client.get("/kommun/0642/")
        promise = Promise.objects.filter(lofte__agreement__partnership__slug="mullsjo").first()
        assert promise is not None
        access = get_partnership_for_user(User.objects.get(email="samordnare@mullsjo.example"), "mullsjo", Can.EDIT)
        status = Promise.Status.PAGAR if promise.status != Promise.Status.PAGAR else Promise.Status.GENOMFORD
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            do_update_promise_status(access, promise, status=status, actor=SystemActor("test"))
        self.assertEqual(len(callbacks), 1, "bumped again when the change commits")
        self.assertNotEqual(version("0642"), mullsjo)
        self.assertEqual(version("0586"), mjolby or version("0586"))
        with self.assertNumQueries(0):
            self.client.get(KOMMUN)

    def test_every_watched_change_bumps_the_kommun(self) -> None:
        from lofte.citizens.models import AdvicePage
        from lofte.citizens.warnings.actions import do_create_warning, do_update_warning
        from lofte.est.models import Incident
        from lofte.est.review.actions import do_route_incident

        partnership = self.lofte.agreement.partnership
        access = get_partnership_for_user(self.member, partnership.slug, Can.EDIT)
        before = version("0586")
        warning = do_create_warning(
            access, title="Falska poliser ringer", text="Lägg på.", category="bedrageri",
            valid_until=date(2030, 1, 1), actor=self.member,
        )  # fmt: skip
        self.assertNotEqual(version("0586"), before)
        district = Area.objects.create(
            code="0586-centrum", name="Centrum", kind=Area.Kind.DISTRICT, parent=Area.objects.get(code="0586")
        )
        before = version("0586")
        do_update_warning(access, warning, areas=[district], actor=self.member)
        self.assertNotEqual(version("0586"), before)
        shared, before_all = AdvicePage.objects.create(slug="bedrageri", title="Skydda dig", body="Text"), version("*")
        operator = Client()
        operator.force_login(User.objects.create_superuser("drift@example.org", "x", full_name="Drift"))
        changed = operator.post(
            f"/admin/citizens/advicepage/{shared.pk}/change/",
            {"slug": "bedrageri", "title": "Skydda dig mot bedrägerier", "body": "Text", "risk_groups": "[]"},
        )
        self.assertEqual(changed.status_code, 302)
        self.assertNotEqual(version("*"), before_all)
        before = version("0586")
        incident = Incident.objects.filter(partnership=partnership).first()
        assert incident is not None, "the demo has EST reports"
        do_route_incident(access, incident, incident.routed_to, actor=self.member)
        self.assertNotEqual(version("0586"), before)

    def test_an_audited_action_of_the_partnership_bumps_its_kommun(self) -> None:
        """Actions that change rows in bulk (reordering promises) send no model signals, but write an audit row."""
        from lofte.audit.log import record

        before, mullsjo = version("0586"), version("0642")
        record(
            "promise.reorder", actor=SystemActor("test"), obj=self.lofte, partnership=self.lofte.agreement.partnership
        )
        self.assertNotEqual(version("0586"), before)
        self.assertEqual(version("0642"), mullsjo)
        record("accounts.login", actor=SystemActor("test"))  # no partnership: nothing public changed
        self.assertEqual(version("0642"), mullsjo)

    def test_a_save_outside_any_action_costs_no_extra_query(self) -> None:
        """The audited actions bump the version; no model is watched, so a bare save is one query and no bump."""
        promise = self.lofte.promises.order_by("pk").first()
        assert promise is not None
        before = version("0586")
        with self.assertNumQueries(1):
            promise.save(update_fields=["text"])
        self.assertEqual(version("0586"), before)

    def test_a_change_under_a_frozen_clock_still_makes_the_pages_stale(self) -> None:
        with time_machine.travel("2026-05-20 12:00 +02:00", tick=False):
            cache.bump("0586")
            first = version("0586")
            cache.bump("0586")
            self.assertNotEqual(version("0586"), first)

    def test_signed_in_members_and_query_strings_are_served_fresh(self) -> None:
        self.client.get(KOMMUN)
        with self.assertNumQueries(0):
            self.client.get(KOMMUN)
        self.assertGreater(self._queries(self.client, f"{KOMMUN}?utm=1"), 0)
        member = Client()
        member.force_login(self.member)
        response = member.get(KOMMUN)
        self.assertIn("private", response["Cache-Control"])
        self.assertIn(self.member.get_full_name(), response.content.decode())
        self.assertGreater(self._queries(member, KOMMUN), 0)

    def test_each_language_has_its_own_page(self) -> None:
        self.assertContains(self.client.get(KOMMUN), "Trygghetsarbetet i Mjölby")
        english = Client(headers={"cookie": "django_language=en"})
        self.assertContains(english.get(KOMMUN), "Community safety work in Mjölby")
        self.assertNotContains(english.get(KOMMUN), "Trygghetsarbetet i Mjölby")
        with self.assertNumQueries(0):
            self.assertContains(self.client.get(KOMMUN), "Trygghetsarbetet i Mjölby")

    def test_a_missing_kommun_is_not_cached(self) -> None:
        self.assertEqual(self.client.get("/kommun/9999/").status_code, 404)
        self.assertGreater(self._queries(self.client, "/kommun/9999/"), 0)

    def _queries(self, client: Client, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)


class FirstVisitTest(TestCase):
    def test_the_first_visitor_of_an_uncached_page_gets_the_cookie_their_token_needs(self) -> None:
        call_command("demo", stdout=StringIO())
        django_cache.clear()
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(KOMMUN)
        self.assertIn("csrftoken", page.cookies)
        self.assertEqual(page["Cache-Control"], "private, max-age=60")
        token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        switched = visitor.post("/i18n/setlang/", {"language": "en", "next": KOMMUN, "csrfmiddlewaretoken": token})
        self.assertEqual(switched.status_code, 302)
