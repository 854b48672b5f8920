"""Warnings: writing, previewing, publishing and withdrawing them, the public pages, the Atom feed and the text for
social media. The e-mail to subscribers is tested with the sending (test_citizens_subscriptions); here the call
that queues it is only counted."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any
from unittest import mock

import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.citizens.models import AdvicePage, RiskGroup, Warning
from lofte.citizens.warnings.actions import (
    WarningRefused,
    do_create_warning,
    do_publish_warning,
    do_update_warning,
    do_withdraw_warning,
)
from lofte.citizens.warnings.social import SOCIAL_LIMIT, shorten, social_text
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from tests.base import BaseTestCase

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "/samverkan/mjolby/invanare/varningar/"
PERSONNUMMER = "19121212-1212"


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@time_machine.travel(NOW, tick=False)
class WarningTestCase(BaseTestCase):
    mantorp: Area
    skanninge: Area

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mantorp = Area.objects.create(
            code="0586-mantorp", name="Mantorp", kind=Area.Kind.DISTRICT, parent=cls.kommun_a
        )
        cls.skanninge = Area.objects.create(
            code="0586-skanninge", name="Skänninge", kind=Area.Kind.DISTRICT, parent=cls.kommun_a
        )
        cls.fraud_advice = AdvicePage.objects.get(partnership=None, slug="skydda-dig-mot-bedragerier")

    def setUp(self) -> None:
        cache.clear()  # the public pages may be cached between tests

    def access(self, user: Any = None, slug: str = "mjolby") -> PartnershipAccess:
        return get_partnership_for_user(user or self.samordnare, slug, need=Can.VIEW)

    def draft(self, title: str = "Falska bankanställda ringer", slug: str = "mjolby", **values: Any) -> Warning:
        fields: dict[str, Any] = {
            "title": title,
            "text": "Någon som säger sig ringa från banken ber om ditt bank-id. Lägg på och ring banken själv.",
            "category": Warning.Category.BEDRAGERI,
            "valid_until": later(14),
            "risk_groups": [RiskGroup.ALDRE],
            **values,
        }
        user = self.samordnare if slug == "mjolby" else self.samordnare_b
        return do_create_warning(self.access(user, slug), actor=user, **fields)

    def publish(self, warning: Warning, slug: str = "mjolby") -> Warning:
        user = self.samordnare if slug == "mjolby" else self.samordnare_b
        with mock.patch("lofte.citizens.warnings.actions._dispatch"), self.captureOnCommitCallbacks(execute=True):
            do_publish_warning(self.access(user, slug), warning, actor=user)
        warning.refresh_from_db()
        return warning

    def feed(self, code: str = "0586") -> ET.Element:
        response = self.client_for(None).get(f"/kommun/{code}/varningar.atom")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/atom+xml"))
        return ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)


class WritingTest(WarningTestCase):
    def form(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "title": "Inbrott i förråd i Mantorp",
            "text": "Flera källarförråd har brutits upp den senaste veckan.\n\nLås förrådet med ett stabilt lås.",
            "category": "inbrott",
            "areas": [self.mantorp.pk],
            "risk_groups": ["boende"],
            "advice": [],
            "valid_until": later(7).isoformat(),
        }
        return {**data, **overrides}

    def test_it_creates_a_draft_and_shows_the_preview(self) -> None:
        client = self.client_for(self.polis)
        response = client.post(f"{BASE}ny/", self.form())
        warning = Warning.objects.get()
        self.assertRedirects(response, f"{BASE}{warning.pk}/")
        self.assertEqual(warning.status, Warning.Status.UTKAST)
        self.assertEqual(list(warning.areas.all()), [self.mantorp])
        self.assertEqual(warning.created_by, self.polis)
        page = client.get(f"{BASE}{warning.pk}/")
        self.assertContains(page, "Inbrott i förråd i Mantorp")
        self.assertContains(page, "Mantorp")
        self.assertContains(page, "Boende i flerbostadshus")
        # The text for social media links to the site's own address (SITE_URL), not to the request's host.
        self.assertContains(page, f"{settings.SITE_URL.rstrip('/')}/kommun/0586/varningar/{warning.pk}/")
        self.assertContains(page, "Kopiera texten")
        self.assertLessEqual(len(page.context["social_text"]), SOCIAL_LIMIT)

    def test_it_refuses_personal_data_naming_the_field(self) -> None:
        response = self.client_for(self.samordnare).post(f"{BASE}ny/", self.form(text=f"Ring {PERSONNUMMER}."))
        self.assertEqual(response.status_code, 400)
        self.assertIn("personnummer", str(response.context["form"].errors["text"]))
        self.assertFalse(Warning.objects.exists())
        with self.assertRaisesMessage(WarningRefused, "personnummer"):
            self.draft(title=f"Bedrägeri {PERSONNUMMER}")

    def test_it_refuses_a_title_with_a_line_break(self) -> None:
        # The title becomes the e-mail's Subject header, where a line break stopped the whole dispatch.
        for title in ("Falska bankmän\nringer", "Falska bankmän\r\nBcc: alla@example.se", "Falska\u2028bankmän"):
            response = self.client_for(self.samordnare).post(f"{BASE}ny/", self.form(title=title))
            self.assertEqual(response.status_code, 400, repr(title))
            self.assertIn("på en rad", str(response.context["form"].errors["title"]))
            with self.assertRaisesMessage(WarningRefused, "på en rad") as refused:
                self.draft(title=title)
            self.assertEqual(refused.exception.field, "title")
        with self.assertRaisesMessage(WarningRefused, "styrtecken"):
            self.draft(title="Falska bankmän\x00")
        self.assertFalse(Warning.objects.exists())
        self.draft(title="Falska bankmän ringer – igen")  # one line is fine

    def test_it_refuses_a_date_that_has_passed_and_another_kommuns_area(self) -> None:
        response = self.client_for(self.samordnare).post(f"{BASE}ny/", self.form(valid_until=later(-1).isoformat()))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Gäller till och med", status_code=400)
        elsewhere = Area.objects.create(
            code="0642-centrum", name="Centrum", kind=Area.Kind.DISTRICT, parent=self.kommun_b
        )
        response = self.client_for(self.samordnare).post(f"{BASE}ny/", self.form(areas=[elsewhere.pk]))
        self.assertEqual(response.status_code, 400)  # not among the choices
        with self.assertRaisesMessage(WarningRefused, "Centrum"):
            self.draft(areas=[elsewhere])
        self.assertFalse(Warning.objects.exists())

    def test_it_edits_a_draft_only(self) -> None:
        warning = self.draft()
        client = self.client_for(self.samordnare)
        self.assertEqual(client.get(f"{BASE}{warning.pk}/andra/").status_code, 200)
        response = client.post(
            f"{BASE}{warning.pk}/andra/", self.form(title="Ny rubrik", advice=[self.fraud_advice.pk])
        )
        self.assertRedirects(response, f"{BASE}{warning.pk}/")
        warning.refresh_from_db()
        self.assertEqual(warning.title, "Ny rubrik")
        self.assertEqual(list(warning.advice.all()), [self.fraud_advice])
        self.publish(warning)
        response = client.post(f"{BASE}{warning.pk}/andra/", self.form(title="Ändrad efteråt"))
        self.assertRedirects(response, f"{BASE}{warning.pk}/")
        warning.refresh_from_db()
        self.assertEqual(warning.title, "Ny rubrik")
        with self.assertRaises(WarningRefused):
            do_update_warning(self.access(), warning, actor=self.samordnare, title="Ändrad efteråt")

    def test_it_publishes_once_and_queues_the_email_after_commit(self) -> None:
        warning = self.draft()
        client = self.client_for(self.samordnare)
        with mock.patch("lofte.citizens.warnings.actions._dispatch") as dispatch:
            with self.captureOnCommitCallbacks(execute=True):
                response = client.post(f"{BASE}{warning.pk}/publicera/")
            self.assertRedirects(response, f"{BASE}{warning.pk}/")
            dispatch.assert_called_once()
            self.assertEqual(dispatch.call_args.args[0].pk, warning.pk)
            with self.captureOnCommitCallbacks(execute=True):
                client.post(f"{BASE}{warning.pk}/publicera/")  # already published: refused, nothing sent
            dispatch.assert_called_once()
        warning.refresh_from_db()
        self.assertEqual(warning.status, Warning.Status.PUBLICERAD)
        self.assertEqual(warning.published_by, self.samordnare)
        self.assertIsNotNone(warning.published_at)

    def test_it_audits_every_step(self) -> None:
        warning = self.draft()
        do_update_warning(self.access(), warning, actor=self.samordnare, title="Ändrad", areas=[self.skanninge])
        self.publish(warning)
        do_withdraw_warning(self.access(), warning, actor=self.polis)
        events = AuditEvent.objects.filter(object_type="citizens.warning", object_id=str(warning.pk))
        actions = list(events.order_by("id").values_list("action", flat=True))
        self.assertEqual(actions, ["warning.create", "warning.update", "warning.publish", "warning.withdraw"])
        update = events.get(action="warning.update")
        self.assertEqual(update.changes["areas"], [[], ["0586-skanninge"]])
        self.assertEqual(update.partnership, self.partnership_a)
        warning.refresh_from_db()
        self.assertEqual(warning.status, Warning.Status.ATERKALLAD)
        with self.assertRaises(WarningRefused):
            do_withdraw_warning(self.access(), warning, actor=self.polis)

    def test_it_refuses_writers_without_the_right_role(self) -> None:
        for user in (self.reporter, self.viewer):
            with self.assertRaises(WarningRefused):
                do_create_warning(
                    self.access(user),
                    actor=user,
                    title="x",
                    text="y",
                    category="ovrigt",
                    valid_until=later(1),
                )

    def test_it_answers_each_persona(self) -> None:
        warning = self.draft()
        expected = {
            # path, method: samordnare, polis, reporter, viewer, samordnare_b, anonymous
            (BASE, "get"): (200, 200, 200, 200, 404, 302),
            (f"{BASE}ny/", "get"): (200, 200, 403, 403, 404, 302),
            (f"{BASE}ny/", "post"): (400, 400, 403, 403, 404, 302),
            (f"{BASE}{warning.pk}/", "get"): (200, 200, 200, 200, 404, 302),
            (f"{BASE}{warning.pk}/andra/", "get"): (200, 200, 403, 403, 404, 302),
            (f"{BASE}{warning.pk}/andra/", "post"): (400, 400, 403, 403, 404, 302),
            (f"{BASE}{warning.pk}/publicera/", "get"): (405, 405, 405, 405, 405, 302),
            (f"{BASE}{warning.pk}/aterkalla/", "post"): (302, 302, 403, 403, 404, 302),
        }
        for (path, method), statuses in expected.items():
            for (name, user), status in zip(self.personas.items(), statuses, strict=True):
                response = getattr(self.client_for(user), method)(path)
                self.assertEqual(response.status_code, status, f"{method} {path} as {name}")
        self.assertEqual(self.client_for(self.samordnare).get(f"{BASE}999999/").status_code, 404)
        other = self.draft(slug="mullsjo")
        self.assertEqual(self.client_for(self.samordnare).get(f"{BASE}{other.pk}/").status_code, 404)

    def test_it_lists_in_a_fixed_number_of_queries(self) -> None:
        self.draft()
        client = self.client_for(self.viewer)
        client.get(BASE)
        with self.assertNumQueries(5) as first:
            self.assertContains(client.get(BASE), "Falska bankanställda ringer")
        for index in range(3):
            self.publish(self.draft(title=f"Varning {index}"))
        with self.assertNumQueries(len(first.captured_queries)):
            self.assertContains(client.get(BASE), "Varning 2")


class PublicTest(WarningTestCase):
    def test_a_published_warning_appears_on_the_kommun_page_and_in_the_feed_exactly_once(self) -> None:
        warning = self.publish(self.draft(title="Falska poliser ringer äldre", areas=[self.mantorp]))
        page = self.client_for(None).get("/kommun/0586/")
        self.assertContains(page, "Falska poliser ringer äldre", count=1)
        self.assertContains(page, f'href="/kommun/0586/varningar/{warning.pk}/"', count=1)
        self.assertContains(
            page, '<link rel="alternate" type="application/atom+xml" href="/kommun/0586/varningar.atom"'
        )

        feed = self.feed()
        self.assertEqual(feed.tag, f"{ATOM}feed")
        for name in ("id", "title", "updated"):
            self.assertTrue((feed.findtext(f"{ATOM}{name}") or "").strip(), name)
        self.assertIsNotNone(feed.find(f"{ATOM}link[@rel='alternate']"))
        self.assertIsNotNone(feed.find(f"{ATOM}author/{ATOM}name"))
        self.assertEqual(feed.findtext(f"{ATOM}title"), "Varningar i Mjölby")
        entries = feed.findall(f"{ATOM}entry")
        self.assertEqual(len(entries), 1)
        [entry] = entries
        for name in ("id", "title", "updated", "published", "summary"):
            self.assertTrue((entry.findtext(f"{ATOM}{name}") or "").strip(), name)
        self.assertEqual(entry.findtext(f"{ATOM}title"), "Falska poliser ringer äldre")
        link = entry.find(f"{ATOM}link")
        assert link is not None
        self.assertEqual(link.get("href"), f"http://testserver/kommun/0586/varningar/{warning.pk}/")
        category = entry.find(f"{ATOM}category")
        assert category is not None
        self.assertEqual(category.get("term"), "Bedrägeri")
        datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published") or "")

        detail = self.client_for(None).get(f"/kommun/0586/varningar/{warning.pk}/")
        self.assertContains(detail, "<h1", count=1)
        self.assertContains(detail, "Mantorp")

    def test_the_feed_and_archive_come_from_the_cache_until_a_warning_is_published(self) -> None:
        self.publish(self.draft(title="Falska poliser ringer äldre"))
        anonymous = self.client_for(None)
        for path in ("/kommun/0586/varningar.atom", "/kommun/0586/varningar/"):
            anonymous.get(path)
            with self.subTest(path=path), self.assertNumQueries(0):
                self.assertContains(anonymous.get(path), "Falska poliser ringer äldre")
        self.publish(self.draft(title="Inbrott i källarförråd"))
        self.assertEqual(len(self.feed().findall(f"{ATOM}entry")), 2)
        self.assertContains(anonymous.get("/kommun/0586/varningar/"), "Inbrott i källarförråd")

    def test_it_keeps_expired_warnings_in_the_archive_and_feed_only(self) -> None:
        warning = self.publish(self.draft(title="Kortbedrägerier i Skänninge", valid_until=later(1)))
        anonymous = self.client_for(None)
        self.assertContains(anonymous.get("/kommun/0586/"), "Kortbedrägerier i Skänninge")
        with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
            cache.clear()
            self.assertNotContains(anonymous.get("/kommun/0586/"), "Kortbedrägerier i Skänninge")
            archive = anonymous.get("/kommun/0586/varningar/")
            self.assertContains(archive, "Kortbedrägerier i Skänninge", count=1)
            self.assertContains(archive, "Har gått ut")
            self.assertEqual(len(self.feed().findall(f"{ATOM}entry")), 1)
            detail = anonymous.get(f"/kommun/0586/varningar/{warning.pk}/")
            self.assertContains(detail, "Varningen gällde till och med")

    def test_it_removes_withdrawn_warnings_everywhere(self) -> None:
        warning = self.publish(self.draft(title="Återkallad varning"))
        do_withdraw_warning(self.access(), warning, actor=self.samordnare)
        anonymous = self.client_for(None)
        self.assertNotContains(anonymous.get("/kommun/0586/"), "Återkallad varning")
        self.assertNotContains(anonymous.get("/kommun/0586/varningar/"), "Återkallad varning")
        self.assertEqual(self.feed().findall(f"{ATOM}entry"), [])
        self.assertEqual(anonymous.get(f"/kommun/0586/varningar/{warning.pk}/").status_code, 404)

    def test_it_never_shows_drafts(self) -> None:
        warning = self.draft(title="Hemligt utkast")
        for client in (self.client_for(None), self.client_for(self.samordnare)):
            self.assertNotContains(client.get("/kommun/0586/"), "Hemligt utkast")
            self.assertNotContains(client.get("/kommun/0586/varningar/"), "Hemligt utkast")
            self.assertNotContains(client.get("/kommun/0586/varningar.atom"), "Hemligt utkast")
            self.assertEqual(client.get(f"/kommun/0586/varningar/{warning.pk}/").status_code, 404)

    def test_it_never_shows_another_kommuns_warnings(self) -> None:
        other = self.publish(self.draft(title="Varning i Mullsjö", slug="mullsjo"), slug="mullsjo")
        anonymous = self.client_for(None)
        # Mullsjö's partnership is not published: no public warning pages at all.
        for path in ("/kommun/0642/varningar/", "/kommun/0642/varningar.atom", f"/kommun/0642/varningar/{other.pk}/"):
            self.assertEqual(anonymous.get(path).status_code, 404, path)
        self.partnership_b.is_published = True
        self.partnership_b.save(update_fields=["is_published"])
        self.assertContains(anonymous.get("/kommun/0642/varningar/"), "Varning i Mullsjö")
        self.assertNotContains(anonymous.get("/kommun/0586/"), "Varning i Mullsjö")
        self.assertNotContains(anonymous.get("/kommun/0586/varningar/"), "Varning i Mullsjö")
        self.assertEqual(self.feed("0586").findall(f"{ATOM}entry"), [])
        self.assertEqual(anonymous.get(f"/kommun/0586/varningar/{other.pk}/").status_code, 404)

    def test_it_answers_404_for_an_unknown_kommun(self) -> None:
        for path in ("/kommun/9999/varningar/", "/kommun/9999/varningar.atom", "/kommun/01/varningar/"):
            self.assertEqual(self.client_for(None).get(path).status_code, 404, path)

    def test_it_links_to_published_advice(self) -> None:
        warning = self.publish(self.draft(advice=[self.fraud_advice]))
        detail = self.client_for(None).get(f"/kommun/0586/varningar/{warning.pk}/")
        self.assertContains(detail, 'href="/kommun/0586/rad/skydda-dig-mot-bedragerier/"')

    def test_it_reads_in_a_fixed_number_of_queries(self) -> None:
        warning = self.publish(self.draft(areas=[self.mantorp], advice=[self.fraud_advice]))
        anonymous = self.client_for(None)
        expected = {
            "/kommun/0586/": 6,
            "/kommun/0586/varningar/": 3,
            "/kommun/0586/varningar.atom": 2,
            f"/kommun/0586/varningar/{warning.pk}/": 4,
        }
        for index in range(2):
            if index:
                for number in range(3):
                    self.publish(self.draft(title=f"Fler {number}", areas=[self.mantorp, self.skanninge]))
            for path, count in expected.items():
                cache.clear()
                with self.assertNumQueries(count):
                    self.assertEqual(anonymous.get(path).status_code, 200, path)


class SocialTextTest(WarningTestCase):
    URL = "https://lofte.example.se/kommun/0586/varningar/12/"

    def test_it_keeps_a_short_warning_whole(self) -> None:
        warning = Warning(title="Falska sms", text="Klicka inte på länken.")
        self.assertEqual(social_text(warning, self.URL), f"Falska sms\nKlicka inte på länken.\n{self.URL}")

    def test_it_cuts_a_long_text_on_a_word_boundary(self) -> None:
        text = " ".join(["bedragare ringer och säger att de är från banken"] * 20)
        warning = Warning(title="Falska bankanställda ringer äldre i Mjölby", text=text)
        post = social_text(warning, self.URL)
        self.assertLessEqual(len(post), SOCIAL_LIMIT)
        self.assertTrue(post.endswith(self.URL))
        self.assertTrue(post.startswith("Falska bankanställda ringer äldre i Mjölby\n"))
        excerpt = post.split("\n")[1]
        self.assertTrue(excerpt.endswith("…"))
        self.assertTrue(text.startswith(excerpt[:-1]))
        self.assertIn(excerpt[:-1].split(" ")[-1], text.split(" "))

    def test_it_fits_with_a_long_title_and_link(self) -> None:
        warning = Warning(title="Rubrik " * 17, text="ord " * 200)
        url = "https://lofte.example.se/kommun/0586/varningar/" + "9" * 120 + "/"
        post = social_text(warning, url)
        self.assertLessEqual(len(post), SOCIAL_LIMIT)
        self.assertTrue(post.endswith(url))

    def test_shorten(self) -> None:
        self.assertEqual(shorten("ett två tre", 20), "ett två tre")
        self.assertEqual(shorten("ett två tre", 9), "ett två…")
        self.assertEqual(shorten("ett två tre", 8), "ett två…")
        self.assertEqual(shorten("ett två tre", 7), "ett…")
        self.assertEqual(shorten("abcdefghij", 5), "abcd…")


class DispatchTest(WarningTestCase):
    def test_publishing_hands_the_warning_to_the_sending(self) -> None:
        warning = self.draft()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.samordnare).post(f"{BASE}{warning.pk}/publicera/")
        self.assertRedirects(response, f"{BASE}{warning.pk}/")
        warning.refresh_from_db()
        self.assertEqual(warning.status, Warning.Status.PUBLICERAD)
