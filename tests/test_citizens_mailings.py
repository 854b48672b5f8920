"""The mailings page (/samverkan/<slug>/invanare/utskick/): every warning's and follow-up round's e-mail with its
progress counted by state as the warning's page counts it, the confirmations together, a fixed number of queries,
and a page that reloads itself while anything is being sent."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from unittest import mock

import time_machine
from django.urls import reverse
from django.utils import timezone

from lofte.areas.models import Area
from lofte.citizens import dispatch
from lofte.citizens.models import Delivery, GrannsamverkanGroup, GroupContact, Subscription, Warning
from lofte.citizens.recipients import new_token
from lofte.citizens.warnings.queries import dispatch_state
from lofte.promises.models import Agreement, FollowUpRound, Medborgarlofte
from tests.base import BaseTestCase
from tests.factories import make_warning

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)
PAGE = "/samverkan/mjolby/invanare/utskick/"
STATES = ("sent", "waiting", "sending", "failed_permanent", "failed_transient", "suspended")
REFRESH = '<meta http-equiv="refresh" content="15">'


def subscribe(email: str, area: Area, **fields: Any) -> Subscription:
    fields.setdefault("confirmed_at", timezone.now())
    return Subscription.objects.create(email=email, area=area, token=new_token(), **fields)


def deliver(n: int, *, state: str = "sent", **about: Any) -> None:
    """`n` delivery rows of one message in one state (as dispatch leaves them)."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "sent": {"sent_at": now, "attempts": 1},
        "waiting": {},
        "retrying": {"attempts": 1, "next_attempt_at": now + timedelta(minutes=5), "failure_code": 451},
        "sending": {"claimed_at": now, "attempts": 1},
        "failed_permanent": {"failed_at": now, "failure_kind": Delivery.FailureKind.PERMANENT, "failure_code": 550},
        "failed_transient": {"failed_at": now, "failure_kind": Delivery.FailureKind.TRANSIENT, "failure_code": 451},
    }[state]
    kind = Delivery.Kind.WARNING if "warning" in about else Delivery.Kind.FOLLOW_UP
    if "kind" in about:
        kind = about.pop("kind")
    start = Delivery.objects.count()
    Delivery.objects.bulk_create(
        Delivery(kind=kind, email=f"adress{start + i}@example.se", **about, **fields) for i in range(n)
    )


def row(html: str, row_id: str) -> dict[str, int]:
    """The counts of one row of the page's tables by state: a mailing's, or the confirmations'."""
    if row_id == "confirmations":
        found = re.search(r'<table id="confirmations">.*?<tbody>(.*?)</tbody>', html, re.S)
    else:
        found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, f"no row {row_id}"
    cells = dict(re.findall(r'data-state="(\w+)">(\d+)<', found.group(1)))
    return {state: int(cells[state]) for state in STATES}


@time_machine.travel(NOW, tick=False)
class MailingsCase(BaseTestCase):
    district: Area
    agreement: Agreement
    lofte: Medborgarlofte

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.district = Area.objects.create(code="0586-x", name="Väderbrunn", kind="district", parent=cls.kommun_a)
        cls.agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Samverkansöverenskommelse Mjölby",
            starts_on=date(2024, 1, 1),
            ends_on=date(2026, 12, 31),
            followups_per_year=2,
        )
        cls.lofte = Medborgarlofte.objects.create(
            agreement=cls.agreement,
            title="Medborgarlöfte Mjölby 2024–2025",
            year_from=2024,
            year_to=2025,
            status=Medborgarlofte.Status.PUBLICERAD,
        )

    def make_round(self, label: str = "2024 H1") -> FollowUpRound:
        return FollowUpRound.objects.create(
            lofte=self.lofte,
            label=label,
            period_start=date(2024, 1, 1),
            period_end=date(2024, 6, 30),
            due_on=date(2024, 8, 14),
            summary="Bostadsinbrotten har minskat.",
            status=FollowUpRound.Status.PUBLISHED,
            evaluated_at=timezone.now(),
        )

    def page(self, url: str = PAGE, user: Any = None) -> str:
        answer = self.client_for(user or self.samordnare).get(url)
        self.assertEqual(answer.status_code, 200)
        return answer.content.decode()


class CountsTest(MailingsCase):
    def test_it_counts_a_warning_and_a_follow_up_round_by_state_as_the_warning_page_does(self) -> None:
        warning = make_warning(self.partnership_a, title="Falska poliser ringer")
        round_ = self.make_round()
        deliver(3, warning=warning)
        deliver(2, warning=warning, state="waiting")
        deliver(1, warning=warning, state="retrying")
        deliver(1, warning=warning, state="sending")
        deliver(2, warning=warning, state="failed_permanent")
        deliver(1, warning=warning, state="failed_transient")
        suspended = subscribe("studsar@example.se", self.kommun_a, suspended_at=timezone.now())
        group = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="GS", area=self.district)
        contact = GroupContact.objects.create(group=group, email="k@example.se", token=new_token())
        GroupContact.objects.filter(pk=contact.pk).update(suspended_at=timezone.now())
        deliver(1, warning=warning, state="failed_permanent", subscription=suspended)
        deliver(1, warning=warning, state="failed_permanent", contact=contact)
        deliver(4, follow_up=round_)
        deliver(1, follow_up=round_, state="sending")
        deliver(1, follow_up=round_, state="failed_transient", subscription=suspended)

        html = self.page()
        expected = {
            "sent": 3,
            "waiting": 3,
            "sending": 1,
            "failed_permanent": 4,
            "failed_transient": 1,
            "suspended": 2,
        }
        self.assertEqual(row(html, f"warning-{warning.pk}"), expected)
        self.assertEqual(row(html, f"warning-{warning.pk}"), dispatch_state(warning).__dict__)
        self.assertEqual(
            row(html, f"follow-up-{round_.pk}"),
            {"sent": 4, "waiting": 0, "sending": 1, "failed_permanent": 0, "failed_transient": 1, "suspended": 1},
        )
        self.assertIn("Falska poliser ringer", html)
        self.assertIn("2024 H1 av Medborgarlöfte Mjölby 2024–2025", html)
        self.assertIn(reverse("warnings:warning", args=["mjolby", warning.pk]), html)
        self.assertIn(reverse("followup:detail", args=["mjolby", round_.pk]), html)
        # The failed ones of a warning are sent again from the warning's page.
        self.assertIn(reverse("warnings:warning", args=["mjolby", warning.pk]) + "#dispatch-heading", html)
        self.assertNotIn("@example.se", html)

    def test_it_counts_what_a_real_dispatch_sent(self) -> None:
        anonymous = self.client_for(None)
        with self.captureOnCommitCallbacks(execute=True):
            form = {"email": "x@example.se", "area": self.district.pk, "warnings": "on", "follow_ups": "on"}
            self.assertEqual(anonymous.post("/kommun/0586/prenumerera/", form).status_code, 200)
        anonymous.post(f"/prenumeration/{Subscription.objects.get().token}/bekrafta/")
        subscribe("kommun@example.se", self.kommun_a)
        warning = make_warning(self.partnership_a)
        dispatch.queue_warning(warning)
        round_ = self.make_round()
        self.assertEqual(dispatch.deliver_follow_up(round_.pk, sleep=lambda seconds: None), 2)
        html = self.page()
        self.assertEqual(row(html, f"warning-{warning.pk}")["sent"], 2)
        self.assertEqual(row(html, f"follow-up-{round_.pk}")["sent"], 2)
        self.assertEqual(row(html, "confirmations"), {**dict.fromkeys(STATES, 0), "sent": 1})
        self.assertNotIn(REFRESH, html)

    def test_it_counts_the_kommuns_confirmations_together(self) -> None:
        mine = subscribe("ny@example.se", self.district, confirmed_at=None)
        theirs = subscribe("annan@example.se", self.kommun_b, confirmed_at=None)
        deliver(2, kind=Delivery.Kind.CONFIRM, subscription=mine)
        deliver(1, kind=Delivery.Kind.CONFIRM, subscription=mine, state="failed_permanent")
        deliver(5, kind=Delivery.Kind.CONFIRM, subscription=theirs)
        html = self.page()
        self.assertEqual(row(html, "confirmations"), {**dict.fromkeys(STATES, 0), "sent": 2, "failed_permanent": 1})
        self.assertIn("Inget utskick ännu", html)  # confirmations are no mailing of their own

    def test_it_shows_no_other_partnerships_mailing(self) -> None:
        theirs = make_warning(self.partnership_b, title="Mullsjös varning")
        deliver(2, warning=theirs)
        html = self.page()
        self.assertNotIn("Mullsjös varning", html)
        self.assertNotIn(f"warning-{theirs.pk}", html)
        other = self.page("/samverkan/mullsjo/invanare/utskick/", self.samordnare_b)
        self.assertEqual(row(other, f"warning-{theirs.pk}")["sent"], 2)

    def test_it_lists_the_newest_first_a_page_at_a_time(self) -> None:
        warnings = []
        for day in range(3):
            with time_machine.travel(timezone.now() - timedelta(days=3 - day), tick=False):
                warning = make_warning(self.partnership_a, title=f"Varning {day}")
                deliver(1, warning=warning)
                warnings.append(warning)
        with mock.patch("lofte.citizens.mailings.queries.PER_PAGE", 2):
            first = self.page()
            second = self.page(PAGE + "?sida=2")
        order = [int(pk) for pk in re.findall(r'<tr id="warning-(\d+)">', first)]
        self.assertEqual(order, [warnings[2].pk, warnings[1].pk])
        self.assertIn("Sida 1 av 2", first)
        self.assertEqual(re.findall(r'<tr id="warning-(\d+)">', second), [str(warnings[0].pk)])
        self.assertIn("2026-05-17", second)  # when it began, in Swedish time

    def test_it_says_when_a_mailing_began_and_when_its_last_message_went(self) -> None:
        warning = make_warning(self.partnership_a)
        with time_machine.travel("2026-05-20 08:00 +02:00", tick=False):
            deliver(2, warning=warning, state="waiting")
        Delivery.objects.filter(pk=Delivery.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
            sent_at=timezone.now() - timedelta(minutes=30)
        )
        html = self.page()
        found = re.search(rf'<tr id="warning-{warning.pk}">(.*?)</tr>', html, re.S)
        assert found
        times = re.findall(r"<time[^>]*>([^<]+)</time>", found.group(1))
        self.assertEqual(times, ["2026-05-20 08:00", "2026-05-20 11:30"])


class RefreshTest(MailingsCase):
    def test_it_reloads_itself_while_anything_is_being_sent(self) -> None:
        warning = make_warning(self.partnership_a)
        deliver(2, warning=warning)
        self.assertNotIn(REFRESH, self.page())
        deliver(1, warning=warning, state="sending")
        self.assertIn(REFRESH, self.page())
        Delivery.objects.update(sent_at=timezone.now(), claimed_at=None)
        round_ = self.make_round()
        deliver(1, follow_up=round_, state="retrying")
        self.assertIn(REFRESH, self.page())
        Delivery.objects.update(sent_at=timezone.now())
        deliver(1, follow_up=round_, state="failed_permanent")
        self.assertNotIn(REFRESH, self.page())

    def test_it_reloads_for_a_mailing_on_another_page_and_for_a_confirmation(self) -> None:
        older = make_warning(self.partnership_a)
        with time_machine.travel("2026-05-01 12:00 +02:00", tick=False):
            deliver(1, warning=older, state="waiting")
        deliver(1, warning=make_warning(self.partnership_a))
        with mock.patch("lofte.citizens.mailings.queries.PER_PAGE", 1):
            self.assertIn(REFRESH, self.page())
        Delivery.objects.update(sent_at=timezone.now())
        subscription = subscribe("ny@example.se", self.kommun_a, confirmed_at=None)
        deliver(1, kind=Delivery.Kind.CONFIRM, subscription=subscription, state="waiting")
        self.assertIn(REFRESH, self.page())

    def test_it_does_not_reload_for_another_partnerships_mailing(self) -> None:
        deliver(1, warning=make_warning(self.partnership_b), state="sending")
        deliver(1, kind=Delivery.Kind.CONFIRM, subscription=subscribe("b@example.se", self.kommun_b), state="waiting")
        self.assertNotIn(REFRESH, self.page())


class QueriesTest(MailingsCase):
    def mailings(self, n: int) -> None:
        for i in range(n):
            if i % 2:
                deliver(2, follow_up=self.make_round(f"2024 H{i}"), state="failed_transient")
            else:
                deliver(3, warning=make_warning(self.partnership_a, title=f"Varning {i}"), state="sending")

    def count_queries(self) -> None:
        client = self.client_for(self.samordnare)
        # session, user, partnership and roles; the page's count and rows; the anything-sent check; confirmations
        with self.assertNumQueries(8):
            self.assertEqual(client.get(PAGE).status_code, 200)

    def test_it_reads_one_mailing_in_a_fixed_number_of_queries(self) -> None:
        self.mailings(1)
        self.count_queries()

    def test_it_reads_five_mailings_in_the_same_number_of_queries(self) -> None:
        self.mailings(5)
        self.assertEqual(self.page().count('<tr id="'), 5)
        self.count_queries()


class LinksTest(MailingsCase):
    def test_it_is_linked_from_the_warnings_and_from_a_published_rounds_page(self) -> None:
        self.assertIn(PAGE, self.page("/samverkan/mjolby/invanare/varningar/"))
        warning = make_warning(self.partnership_a)
        self.assertIn(PAGE, self.page(reverse("warnings:warning", args=["mjolby", warning.pk])))
        round_ = self.make_round()
        self.assertIn(
            f"{PAGE}#follow-up-{round_.pk}", self.page(reverse("followup:detail", args=["mjolby", round_.pk]))
        )
        FollowUpRound.objects.filter(pk=round_.pk).update(status=FollowUpRound.Status.CLOSED)
        self.assertNotIn(PAGE, self.page(reverse("followup:detail", args=["mjolby", round_.pk])))

    def test_every_member_reads_it_and_nobody_else(self) -> None:
        deliver(1, warning=make_warning(self.partnership_a, status=Warning.Status.ATERKALLAD))
        for user in (self.samordnare, self.polis, self.reporter, self.viewer):
            self.assertIn("återkallad", self.page(user=user))
        self.assertEqual(self.client_for(self.samordnare_b).get(PAGE).status_code, 404)
        self.assertEqual(self.client_for(None).get(PAGE).status_code, 302)
        self.assertEqual(self.client_for(self.samordnare).post(PAGE).status_code, 405)
