"""Issue 7's acceptance, end to end through the pages: a published warning reaches the kommun page, its Atom feed
and a confirmed subscriber's inbox, exactly once."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from lofte.citizens import dispatch
from lofte.citizens.models import Subscription, Warning
from tests.base import BaseTestCase

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

ATOM = "{http://www.w3.org/2005/Atom}"


@time_machine.travel(NOW, tick=False)
class PublishedWarningTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def subscribe(self, email: str, area_pk: int, *, confirm: bool) -> None:
        visitor = self.client_for(None)
        with self.captureOnCommitCallbacks(execute=True):
            visitor.post("/kommun/0586/prenumerera/", {"email": email, "area": area_pk, "warnings": "on"})
        if confirm:
            token = Subscription.objects.get(email=email).token
            visitor.post(f"/prenumeration/{token}/bekrafta/")

    def test_a_published_warning_reaches_the_page_the_feed_and_a_confirmed_subscriber_once(self) -> None:
        self.subscribe("bekraftad@example.org", self.kommun_a.pk, confirm=True)
        self.subscribe("obekraftad@example.org", self.kommun_a.pk, confirm=False)
        mail.outbox.clear()

        samordnare = self.client_for(self.samordnare)
        until = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
        created = samordnare.post(
            "/samverkan/mjolby/invanare/varningar/ny/",
            {"title": "Falska bankmän ringer", "text": "Lägg på och ring banken själv.", "category": "bedrageri",
             "valid_until": until},
        )  # fmt: skip
        self.assertEqual(created.status_code, 302)
        self.assertNotContains(self.client_for(None).get("/kommun/0586/"), "Falska bankmän ringer")
        with self.captureOnCommitCallbacks(execute=True):
            samordnare.post(created["Location"] + "publicera/")
        warning = Warning.objects.get(title="Falska bankmän ringer")
        self.assertEqual(warning.status, Warning.Status.PUBLICERAD)

        self.assertContains(self.client_for(None).get("/kommun/0586/"), "Falska bankmän ringer", count=1)
        feed = ET.fromstring(self.client_for(None).get("/kommun/0586/varningar.atom").content)  # noqa: S314
        self.assertEqual(feed.tag, f"{ATOM}feed")
        titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
        self.assertEqual(titles, ["Falska bankmän ringer"])

        received = [message for message in mail.outbox if "Falska bankmän ringer" in message.subject]
        self.assertEqual([message.to for message in received], [["bekraftad@example.org"]])
        self.assertIn("List-Unsubscribe", received[0].extra_headers)
        dispatch.send_warning.enqueue(warning.pk)  # the task again: nothing more is sent
        self.assertEqual(len([m for m in mail.outbox if "Falska bankmän ringer" in m.subject]), 1)
