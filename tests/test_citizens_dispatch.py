"""Sending warnings and follow-ups to subscribers and Grannsamverkan contacts: who gets what, exactly once, at a
limited rate, with the one-click unsubscribe link and headers."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta
from io import StringIO
from typing import Any
from unittest import mock

import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.citizens import dispatch
from lofte.citizens.models import AdvicePage, Delivery, GrannsamverkanGroup, GroupContact, Subscription, Warning
from lofte.citizens.recipients import new_token
from lofte.citizens.warnings.actions import do_retry_dispatch
from lofte.partnerships.access import get_partnership_for_user
from lofte.promises.followup.actions import do_publish_round
from lofte.promises.models import Agreement, FollowUpRound, Medborgarlofte
from tests.base import BaseTestCase
from tests.factories import make_warning

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)


def subscribe(email: str, area: Area, *, confirmed: bool = True, **fields: Any) -> Subscription:
    return Subscription.objects.create(
        email=email,
        area=area,
        token=new_token(),
        confirmed_at=timezone.now() if confirmed else None,
        **fields,
    )


def add_contact(group: GrannsamverkanGroup, email: str, **fields: Any) -> GroupContact:
    return GroupContact.objects.create(group=group, email=email, token=new_token(), **fields)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@time_machine.travel(NOW, tick=False)
class DispatchCase(BaseTestCase):
    district_x: Area
    district_y: Area

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.district_x = Area.objects.create(code="0586-x", name="Väderbrunn", kind="district", parent=cls.kommun_a)
        cls.district_y = Area.objects.create(code="0586-y", name="Lundby", kind="district", parent=cls.kommun_a)


class WarningRecipientsTest(DispatchCase):
    def setUp(self) -> None:
        subscribe("x@example.se", self.district_x)
        subscribe("obekraftad@example.se", self.district_x, confirmed=False)
        subscribe("avslutad@example.se", self.district_x, unsubscribed_at=timezone.now())
        subscribe("bara-uppfoljning@example.se", self.district_x, warnings=False)
        subscribe("y@example.se", self.district_y)
        subscribe("kommun@example.se", self.kommun_a)
        subscribe("mullsjo@example.se", self.kommun_b)
        group_x = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="GS X", area=self.district_x)
        group_y = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="GS Y", area=self.district_y)
        add_contact(group_x, "kontakt-x@example.se", name="Karin")
        add_contact(group_x, "kommun@example.se")  # also a subscriber: one e-mail
        add_contact(group_x, "kontakt-slutat@example.se", unsubscribed_at=timezone.now())
        add_contact(group_y, "kontakt-y@example.se")

    def test_it_sends_a_published_warning_once_to_the_right_addresses(self) -> None:
        warning = make_warning(self.partnership_a, self.district_x)
        dispatch.queue_warning(warning)
        expected = ["kommun@example.se", "kontakt-x@example.se", "x@example.se"]
        self.assertEqual(recipients(), expected)
        dispatch.send_warning.enqueue(warning.pk)  # a second run, or a retry
        self.assertEqual(call_command_quietly(), 0)
        self.assertEqual(recipients(), expected)
        self.assertEqual(Delivery.objects.filter(warning=warning, sent_at__isnull=False).count(), 3)
        self.assertEqual(Delivery.objects.filter(warning=warning).count(), 3)

    def test_it_sends_a_warning_without_areas_to_the_whole_kommun(self) -> None:
        dispatch.queue_warning(make_warning(self.partnership_a))
        self.assertEqual(
            recipients(),
            ["kommun@example.se", "kontakt-x@example.se", "kontakt-y@example.se", "x@example.se", "y@example.se"],
        )

    def test_it_sends_nothing_that_is_not_published_and_current(self) -> None:
        today = timezone.localdate()
        for warning in (
            make_warning(self.partnership_a, status=Warning.Status.UTKAST, published_at=None),
            make_warning(self.partnership_a, status=Warning.Status.ATERKALLAD, withdrawn_at=timezone.now()),
            make_warning(self.partnership_a, valid_until=today - timedelta(days=1)),
        ):
            self.assertEqual(dispatch.deliver_warning(warning.pk), 0)
        self.assertEqual(dispatch.deliver_warning(999_999), 0)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(Delivery.objects.exists())
        self.assertEqual(dispatch.deliver_warning(make_warning(self.partnership_a, valid_until=today).pk), 5)

    def test_it_sends_what_an_earlier_run_left_unsent(self) -> None:
        warning = make_warning(self.partnership_a, self.district_x)
        Delivery.objects.create(kind="varning", warning=warning, email="x@example.se", sent_at=timezone.now())
        Delivery.objects.create(kind="varning", warning=warning, email="kontakt-x@example.se")
        self.assertEqual(call_command_quietly(), 2)
        self.assertEqual(recipients(), ["kommun@example.se", "kontakt-x@example.se"])
        self.assertFalse(Delivery.objects.filter(sent_at__isnull=True).exists())

    def test_it_keeps_every_address_out_of_the_audit_log(self) -> None:
        dispatch.queue_warning(make_warning(self.partnership_a))
        logged = repr(list(AuditEvent.objects.values_list("actor_label", "object_repr", "changes")))
        self.assertNotIn("@example.se", logged)


class FailedDispatchTest(DispatchCase):
    def setUp(self) -> None:
        subscribe("x@example.se", self.district_x)
        subscribe("y@example.se", self.district_y)
        subscribe("kommun@example.se", self.kommun_a)

    def page(self, warning: Warning, user: Any = None) -> Any:
        url = f"/samverkan/mjolby/invanare/varningar/{warning.pk}/"
        return self.client_for(user or self.samordnare).get(url)

    def retry(self, warning: Warning, user: Any = None) -> Any:
        url = f"/samverkan/mjolby/invanare/varningar/{warning.pk}/skicka-igen/"
        with self.captureOnCommitCallbacks(execute=True):
            return self.client_for(user or self.samordnare).post(url)

    def test_it_sends_a_title_written_with_a_line_break_on_one_subject_line(self) -> None:
        warning = make_warning(self.partnership_a, title="Falska bankmän\nringer äldre")  # from before the check
        self.assertEqual(dispatch.deliver_warning(warning.pk), 3)
        self.assertEqual({message.subject for message in mail.outbox}, {"Varning: Falska bankmän ringer äldre"})

    def test_it_marks_what_the_mail_server_refused_shows_it_and_retries_only_that(self) -> None:
        warning = make_warning(self.partnership_a)
        real_send = dispatch.get_connection().__class__.send_messages

        def refuse_y(connection: Any, messages: list[Any]) -> int:
            if messages[0].to == ["y@example.se"]:
                raise smtplib.SMTPRecipientsRefused({"y@example.se": (554, b"y@example.se: refused")})
            return real_send(connection, messages)

        with mock.patch.object(dispatch.get_connection().__class__, "send_messages", refuse_y):
            self.assertEqual(dispatch.deliver_warning(warning.pk), 2)
        self.assertEqual(recipients(), ["kommun@example.se", "x@example.se"])
        failed = Delivery.objects.get(warning=warning, failed_at__isnull=False)
        self.assertEqual(
            (failed.email, failed.failure, failed.sent_at), ("y@example.se", "SMTPRecipientsRefused", None)
        )
        # Not by itself: the cron command and a second run leave a refused message alone.
        self.assertEqual(call_command_quietly(), 0)
        self.assertEqual(dispatch.deliver_warning(warning.pk), 0)

        page = self.page(warning)
        self.assertContains(page, "2 skickade")
        self.assertContains(page, "1 utskick misslyckades")
        self.assertContains(page, "Skicka de misslyckade igen")
        self.assertNotContains(page, "y@example.se")
        self.assertNotContains(self.page(warning, self.viewer), "Skicka de misslyckade igen")

        self.assertEqual(self.retry(warning, self.viewer).status_code, 403)
        self.assertEqual(self.retry(warning, self.samordnare_b).status_code, 404)
        self.assertEqual(len(mail.outbox), 2)
        subscribe("ny@example.se", self.kommun_a)  # subscribed since: the retry is not a new dispatch
        response = self.retry(warning)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(recipients(), ["kommun@example.se", "x@example.se", "y@example.se"])
        self.assertFalse(Delivery.objects.filter(warning=warning, sent_at__isnull=True).exists())
        event = AuditEvent.objects.get(action="warning.retry_dispatch")
        self.assertEqual((event.partnership, event.changes), (self.partnership_a, {"deliveries": 1}))
        self.assertNotIn("@", repr(event.changes))
        # Nothing failed any more: a second press sends nothing and says why.
        again = self.retry(warning)
        self.assertEqual(again.status_code, 302)
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual(AuditEvent.objects.filter(action="warning.retry_dispatch").count(), 1)

    def test_it_never_sends_twice_when_a_failed_delivery_was_sent_meanwhile(self) -> None:
        warning = make_warning(self.partnership_a, self.district_x)
        row = Delivery.objects.create(kind="varning", warning=warning, email="x@example.se", failed_at=timezone.now())
        access = get_partnership_for_user(self.samordnare, "mjolby")
        with mock.patch.object(dispatch, "queue_retry") as queued, self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(do_retry_dispatch(access, warning, actor=self.samordnare), 1)
        Delivery.objects.filter(pk=row.pk).update(sent_at=timezone.now())  # another worker got there first
        [(args, _kwargs)] = queued.call_args_list
        self.assertEqual(dispatch.deliver_warning(args[0].pk, retry=args[1]), 0)
        self.assertEqual(mail.outbox, [])

    def test_the_command_retries_failed_deliveries_only_when_asked(self) -> None:
        warning = make_warning(self.partnership_a, self.district_x)
        Delivery.objects.create(kind="varning", warning=warning, email="x@example.se", failed_at=timezone.now())
        Delivery.objects.create(kind="varning", warning=warning, email="kommun@example.se", sent_at=timezone.now())
        self.assertEqual(call_command_quietly(), 0)
        self.assertEqual(call_command_quietly("--retry-failed"), 1)
        self.assertEqual(recipients(), ["x@example.se"])
        self.assertEqual(AuditEvent.objects.get(action="citizens.retry_failed").changes, {"deliveries": 1})

    def test_it_retries_only_a_published_current_warning(self) -> None:
        warning = make_warning(self.partnership_a, status=Warning.Status.ATERKALLAD, withdrawn_at=timezone.now())
        Delivery.objects.create(kind="varning", warning=warning, email="x@example.se", failed_at=timezone.now())
        self.retry(warning)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEvent.objects.filter(action="warning.retry_dispatch").exists())


def call_command_quietly(*args: str) -> int:
    before = len(mail.outbox)
    call_command("send_citizen_mail", *args, stdout=StringIO())
    return len(mail.outbox) - before


class WarningMessageTest(DispatchCase):
    def test_it_writes_the_warning_with_its_links_and_unsubscribe_headers(self) -> None:
        subscription = subscribe("x@example.se", self.district_x)
        advice = AdvicePage.objects.create(
            slug="bedrageri", title="Så skyddar du dig mot bedrägerier", body="Lägg på.", is_published=True
        )
        warning = make_warning(self.partnership_a, self.district_x, valid_until=date(2099, 12, 31))
        warning.advice.add(advice)
        dispatch.queue_warning(warning)
        [message] = mail.outbox
        unsubscribe = f"{settings.SITE_URL.rstrip('/')}/prenumeration/{subscription.token}/avsluta/"
        self.assertEqual(message.subject, "Varning: Falska bankmän ringer äldre")
        for text in (
            "Falska bankmän ringer äldre",
            "ber om BankID",
            "Gäller till och med 2099-12-31",
            f"{settings.SITE_URL.rstrip('/')}/kommun/0586/varningar/{warning.pk}/",
            f"{settings.SITE_URL.rstrip('/')}/kommun/0586/rad/bedrageri/",
            "Så skyddar du dig mot bedrägerier",
            "Samverkan Mjölby",
            unsubscribe,
        ):
            self.assertIn(text, message.body)
        self.assertEqual(message.extra_headers["List-Unsubscribe"], f"<{unsubscribe}>")
        self.assertEqual(message.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertNotIn("&amp;", message.body)

    @override_settings(LOFTE_MAIL_PER_MINUTE=120)
    def test_it_sleeps_between_batches_of_the_rate_limit(self) -> None:
        Subscription.objects.bulk_create(
            Subscription(
                email=f"person{number}@example.se", area=self.kommun_a, token=new_token(), confirmed_at=timezone.now()
            )
            for number in range(250)
        )
        sleeps: list[float] = []
        sent = dispatch.deliver_warning(make_warning(self.partnership_a).pk, sleep=sleeps.append)
        self.assertEqual(sent, 250)
        self.assertEqual(len(mail.outbox), 250)
        self.assertEqual(len(sleeps), 2)
        self.assertTrue(all(0 < seconds <= 60 for seconds in sleeps))


class FollowUpTest(DispatchCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Samverkansöverenskommelse Mjölby",
            starts_on=date(2024, 1, 1),
            ends_on=date(2026, 12, 31),
            followups_per_year=2,
        )
        cls.lofte = Medborgarlofte.objects.create(
            agreement=agreement,
            title="Medborgarlöfte Mjölby 2024–2025",
            year_from=2024,
            year_to=2025,
            status=Medborgarlofte.Status.PUBLICERAD,
        )
        cls.round = FollowUpRound.objects.create(
            lofte=cls.lofte,
            label="2024 H1",
            period_start=date(2024, 1, 1),
            period_end=date(2024, 6, 30),
            due_on=date(2024, 8, 14),
            summary="Bostadsinbrotten har minskat.",
            status=FollowUpRound.Status.CLOSED,
            evaluated_at=timezone.now(),
        )

    def test_it_tells_follow_up_subscribers_when_a_round_is_published(self) -> None:
        subscription = subscribe("y@example.se", self.district_y)
        subscribe("kommun@example.se", self.kommun_a)
        subscribe("bara-varningar@example.se", self.kommun_a, follow_ups=False)
        subscribe("obekraftad@example.se", self.kommun_a, confirmed=False)
        group = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="GS", area=self.kommun_a)
        add_contact(group, "kontakt@example.se")
        access = get_partnership_for_user(self.samordnare, "mjolby")
        with self.captureOnCommitCallbacks(execute=True):
            do_publish_round(access, self.round, actor=self.samordnare)
        self.assertEqual(recipients(), ["kommun@example.se", "y@example.se"])
        message = next(m for m in mail.outbox if m.to == ["y@example.se"])
        self.assertEqual(message.subject, "Uppföljning 2024 H1 av Medborgarlöfte Mjölby 2024–2025")
        self.assertIn(f"/kommun/0586/uppfoljning/{self.round.pk}.pdf", message.body)
        self.assertIn(f"/prenumeration/{subscription.token}/avsluta/", message.body)
        self.assertIn("List-Unsubscribe", message.extra_headers)
        dispatch.queue_follow_up(self.round)
        self.assertEqual(call_command_quietly("--follow-up", str(self.round.pk)), 0)
        self.assertEqual(len(mail.outbox), 2)

    def test_it_sends_nothing_for_a_round_that_is_not_public(self) -> None:
        subscribe("kommun@example.se", self.kommun_a)
        self.assertEqual(dispatch.deliver_follow_up(self.round.pk), 0)  # closed, not published
        FollowUpRound.objects.filter(pk=self.round.pk).update(status=FollowUpRound.Status.PUBLISHED)
        Medborgarlofte.objects.filter(pk=self.lofte.pk).update(status=Medborgarlofte.Status.BESLUTAD)
        self.assertEqual(dispatch.deliver_follow_up(self.round.pk), 0)
        self.assertEqual(mail.outbox, [])
