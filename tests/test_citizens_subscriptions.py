"""Subscriptions: double opt-in, the same answer for a known address, one-click unsubscribe, honeypot and rate limit,
and no address anywhere but in the subscription itself."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.citizens.models import Delivery, Subscription
from tests.axe import problems
from tests.base import BaseTestCase

ADDRESS = "Anna.Andersson@Example.se"
STORED = "anna.andersson@example.se"
SUBSCRIBE = "/kommun/0586/prenumerera/"


def audit_text() -> str:
    rows = AuditEvent.objects.values_list("actor_label", "action", "object_repr", "changes")
    return repr(list(rows)).lower()


def without_csrf(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


class SubscriptionCase(BaseTestCase):
    district: Area

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.district = Area.objects.create(code="0586-centrum", name="Centrum", kind="district", parent=cls.kommun_a)

    def setUp(self) -> None:
        cache.clear()

    def subscribe(self, client: Client | None = None, **data: object) -> Any:
        client = client or Client()
        form = {"email": ADDRESS, "area": self.district.pk, "warnings": "on", "follow_ups": "on", **data}
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(SUBSCRIBE, form)

    def link(self, message: mail.EmailMessage, name: str) -> str:
        match = re.search(r"https?://\S+/prenumeration/[\w-]+/" + name + "/", str(message.body))
        assert match is not None, message.body
        return urlsplit(match.group(0)).path


class SubscribeTest(SubscriptionCase):
    def test_it_shows_the_form_for_a_published_kommun_only(self) -> None:
        response = Client().get(SUBSCRIBE)
        self.assertContains(response, "Centrum")
        self.assertContains(response, "Hela Mjölby")
        self.assertEqual(Client().get("/kommun/0642/prenumerera/").status_code, 404)  # Mullsjö: not published
        self.assertEqual(Client().get("/kommun/9999/prenumerera/").status_code, 404)
        self.assertEqual(reverse("subscriptions:subscribe", kwargs={"code": "0586"}), SUBSCRIBE)

    def test_it_confirms_by_post_only_and_sends_nothing_else_before(self) -> None:
        response = self.subscribe()
        self.assertContains(response, "Titta i din e-post")
        subscription = Subscription.objects.get()
        self.assertEqual(subscription.email, STORED)
        self.assertIsNone(subscription.confirmed_at)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [STORED])
        self.assertIn("Bekräfta", message.subject)
        self.assertIn(f"{settings.SITE_URL.rstrip('/')}/prenumeration/{subscription.token}/bekrafta/", message.body)
        self.assertTrue(message.extra_headers["List-Unsubscribe"].startswith("<http"))
        self.assertEqual(message.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(len(subscription.token), 43)  # secrets.token_urlsafe(32)
        self.assertEqual(Delivery.objects.get().kind, Delivery.Kind.CONFIRM)

        confirm = self.link(message, "bekrafta")
        self.assertEqual(confirm, reverse("subscriptions:subscription_confirm", kwargs={"token": subscription.token}))
        page = Client().get(confirm)  # a mail scanner's prefetch changes nothing
        self.assertContains(page, "Ja, bekräfta prenumerationen")
        subscription.refresh_from_db()
        self.assertIsNone(subscription.confirmed_at)

        self.assertContains(Client().post(confirm), "Prenumerationen är bekräftad")
        subscription.refresh_from_db()
        self.assertIsNotNone(subscription.confirmed_at)
        self.assertTrue(subscription.is_active)
        self.assertContains(Client().get(confirm), "Prenumerationen är bekräftad")
        self.assertEqual(Client().get("/prenumeration/fel-token/bekrafta/").status_code, 404)

    def test_it_answers_the_same_for_an_address_already_there(self) -> None:
        first = self.subscribe()
        Subscription.objects.update(confirmed_at="2025-01-01T00:00:00Z")
        mail.outbox.clear()
        second = self.subscribe(email="  ANNA.andersson@example.se ", warnings="")
        self.assertEqual(without_csrf(first), without_csrf(second))
        self.assertEqual(Subscription.objects.count(), 1)
        self.assertTrue(Subscription.objects.get().warnings)  # a stranger cannot change a confirmed subscription
        self.assertEqual(mail.outbox, [])

    def test_it_sends_the_confirmation_again_while_unconfirmed(self) -> None:
        self.subscribe()
        self.subscribe()
        self.assertEqual(Subscription.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(mail.outbox[0].body, mail.outbox[1].body)

    def test_it_allows_the_same_address_for_another_area(self) -> None:
        self.subscribe()
        self.subscribe(area=self.kommun_a.pk)
        self.assertEqual(Subscription.objects.count(), 2)

    def test_it_names_the_field_on_bad_input(self) -> None:
        response = self.subscribe(email="inte en adress", warnings="", follow_ups="")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Skriv en giltig e-postadress", status_code=400)
        self.assertContains(response, "Välj minst en sak", status_code=400)
        other_kommun = Area.objects.get(code="0642")
        response = self.subscribe(area=other_kommun.pk)
        self.assertContains(response, "Välj ett område i listan", status_code=400)
        self.assertEqual(Subscription.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    def test_it_ignores_a_robot_that_fills_the_honeypot(self) -> None:
        response = self.subscribe(webbplats="http://spam.example")
        self.assertContains(response, "Titta i din e-post")
        self.assertEqual(Subscription.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    @override_settings(LOFTE_SUBSCRIBE_PER_HOUR=3)
    def test_it_limits_attempts_per_address(self) -> None:
        client = Client()
        for number in range(3):
            self.subscribe(client, email=f"person{number}@example.se")
        response = self.subscribe(client, email="fjarde@example.se")
        self.assertContains(response, "försökt många gånger", status_code=429)
        self.assertEqual(Subscription.objects.count(), 3)
        other = Client(REMOTE_ADDR="192.0.2.7")
        self.assertContains(self.subscribe(other, email="annan@example.se"), "Titta i din e-post")

    def test_it_keeps_the_address_out_of_the_audit_log_and_pages(self) -> None:
        self.subscribe()
        subscription = Subscription.objects.get()
        Client().post(reverse("subscriptions:subscription_confirm", kwargs={"token": subscription.token}))
        for url in (
            SUBSCRIBE,
            reverse("subscriptions:subscription_confirm", kwargs={"token": subscription.token}),
            reverse("subscriptions:unsubscribe", kwargs={"token": subscription.token}),
        ):
            self.assertNotContains(Client().get(url), "anna.andersson")
        Client().post(reverse("subscriptions:unsubscribe", kwargs={"token": subscription.token}))
        actions = list(
            AuditEvent.objects.filter(action__startswith="subscription.")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["subscription.create", "subscription.confirm", "subscription.unsubscribe"])
        event = AuditEvent.objects.get(action="subscription.create")
        self.assertEqual(event.actor_label, "en prenumeration")
        self.assertEqual(event.changes["område"], "Centrum")
        self.assertEqual(event.partnership, self.partnership_a)
        self.assertNotIn("anna.andersson", audit_text())
        self.assertNotIn("anna.andersson", str(subscription).lower())
        dashboard = self.client_for(self.samordnare).get("/samverkan/mjolby/")
        self.assertNotContains(dashboard, "anna.andersson")


class UnsubscribeTest(SubscriptionCase):
    def setUp(self) -> None:
        super().setUp()
        self.subscribe()
        self.subscription = Subscription.objects.get()
        self.url = reverse("subscriptions:unsubscribe", kwargs={"token": self.subscription.token})

    def test_it_asks_on_get_and_unsubscribes_on_post(self) -> None:
        self.assertEqual(self.url, f"/prenumeration/{self.subscription.token}/avsluta/")
        self.assertContains(Client().get(self.url), "Avsluta prenumerationen")
        self.subscription.refresh_from_db()
        self.assertIsNone(self.subscription.unsubscribed_at)
        client = Client(enforce_csrf_checks=True)
        client.get(self.url)
        response = client.post(self.url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
        self.assertContains(response, "Prenumerationen är avslutad")
        self.subscription.refresh_from_db()
        self.assertIsNotNone(self.subscription.unsubscribed_at)
        # the ended subscription's confirmation link no longer works; the unsubscribe link still answers
        confirm = reverse("subscriptions:subscription_confirm", kwargs={"token": self.subscription.token})
        self.assertEqual(Client().get(confirm).status_code, 404)
        self.assertContains(Client().post(self.url), "Prenumerationen är avslutad")
        self.assertEqual(Client().get("/prenumeration/okand/avsluta/").status_code, 404)

    def test_it_takes_the_rfc_8058_one_click_post(self) -> None:
        client = Client(enforce_csrf_checks=True)  # a mail program has no CSRF cookie
        response = client.post(self.url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        self.assertEqual(response.status_code, 200)
        self.subscription.refresh_from_db()
        self.assertIsNotNone(self.subscription.unsubscribed_at)

    def test_it_lets_the_address_subscribe_again_after_unsubscribing(self) -> None:
        Client().post(self.url)
        mail.outbox.clear()
        self.subscribe()
        self.assertEqual(Subscription.objects.count(), 2)
        self.assertEqual(len(mail.outbox), 1)


class PageStructureTest(SubscriptionCase):
    def test_it_builds_every_subscription_page_accessibly(self) -> None:
        pages = [Client().get(SUBSCRIBE), self.subscribe(email="fel", warnings="", follow_ups="")]
        cache.clear()
        pages.append(self.subscribe())
        token = Subscription.objects.get().token
        for name in ("subscriptions:subscription_confirm", "subscriptions:unsubscribe"):
            url = reverse(name, kwargs={"token": token})
            pages += [Client().get(url), Client().post(url)]
        for page in pages:
            self.assertEqual(problems(page.content.decode()), [], page.request["PATH_INFO"])
