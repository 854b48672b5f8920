"""Gallring: `lofte gallring` deletes or anonymises what has passed its retention period and keeps the counts; the
periods per partnership within the instance's limits; the pages that show what goes next."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from lofte.audit.models import AuditEvent
from lofte.citizens.models import Delivery, Subscription
from lofte.citizens.subscriptions.actions import do_confirm_subscription, do_subscribe, do_unsubscribe
from lofte.citizens.tips.actions import ACTOR as CITIZEN
from lofte.citizens.tips.actions import Tip, do_report_tip
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import Incident, IncidentUpdate
from lofte.est.queries import categories_of
from lofte.est.status import change_status
from lofte.est.weekly.queries import compile_week
from lofte.lib.actors import SystemActor
from lofte.operations.retention.actions import RetentionRefused, do_set_retention
from lofte.operations.retention.job import run_gallring
from lofte.operations.retention.kinds import MARKER
from lofte.partnerships.access import get_partnership_for_user
from lofte.situation.dialogues.actions import do_add_statement, do_create_dialogue
from lofte.situation.models import DialogueStatement
from tests.base import BaseTestCase
from tests.cases import TemporaryMedia, stored_text_columns

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 3, 4, 10, 0, tzinfo=STOCKHOLM)  # a Wednesday in week 10
MJOLBY = (58.32547, 15.12731)
TIP_TEXT = "Lampan vid Kvarnbron har varit trasig i flera veckor"
TIP_EMAIL = "tipsaren.gallring@example.org"
REPORT_TEXT = "Klotter på förskolans vägg mot parkeringen"
STATEMENT = "Cykelvägen längs ån känns otrygg efter mörkrets inbrott"
IP = "203.0.113.77"
TEST = SystemActor("test")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(out, "JPEG")
    return out.getvalue()


def day(days: float) -> Any:
    return time_machine.travel(T0 + timedelta(days=days), tick=False)


class GallringCase(TemporaryMedia, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.categories = {c.code: c for c in categories_of(self.partnership_a)}
        with day(0):
            self.tip = self.report_tip()
            self.report = self.report_member()

    def access(self, user: Any = None, slug: str = "mjolby") -> Any:
        return get_partnership_for_user(user or self.samordnare, slug)

    def report_tip(self, text: str = TIP_TEXT, email: str = TIP_EMAIL) -> Incident:
        tip = Tip(self.categories["otrygg_plats.belysning"], text, MJOLBY[0], MJOLBY[1], "Kvarnbron", email)
        incident = do_report_tip(self.partnership_a, tip, actor=CITIZEN)
        change_status(incident, "granskad", actor=self.samordnare, access=self.access(), note="Vi byter lampan.")
        return incident

    def report_member(self) -> Incident:
        item = IncidentInput(
            category=self.categories["skadegorelse.klotter"],
            occurred_at=T0 - timedelta(hours=1),
            latitude=MJOLBY[0] + 0.001,
            longitude=MJOLBY[1],
            address="Skolgatan 4",
            description=REPORT_TEXT,
            photo=jpeg(),
            photo_name="klotter.jpg",
        )
        (incident,) = report_incidents(
            self.partnership_a,
            [item],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
        )
        change_status(incident, "granskad", actor=self.samordnare, access=self.access())
        return incident

    def week_counts(self) -> dict[str, Any]:
        picture = compile_week(self.partnership_a, 2026, 10, precise=False)
        return {
            "total": picture.total.this,
            "categories": [(row.key, row.this) for row in picture.categories],
            "areas": [(row.key, row.this) for row in picture.areas],
            "cells": sorted((p.lat, p.lng, p.count, p.label) for p in picture.points),
        }


class GallringJobTest(GallringCase):
    def test_it_removes_a_tips_text_and_address_from_every_table_and_keeps_the_weeks_counts(self) -> None:
        with day(1):
            before = self.week_counts()
        self.assertIn("Incident.description", " ".join(stored_text_columns(TIP_TEXT)))
        photo = Path(self.media, Incident.objects.get(pk=self.report.pk).photo.name)
        self.assertTrue(photo.exists())
        with day(366), self.captureOnCommitCallbacks(execute=True):  # the files go once the batch has committed
            report = run_gallring()
        with day(366):
            self.assertEqual(self.week_counts(), before)
        self.assertEqual(stored_text_columns(TIP_TEXT), [])
        self.assertEqual(stored_text_columns(TIP_EMAIL), [])
        self.assertEqual(stored_text_columns(REPORT_TEXT), [])
        self.assertEqual(stored_text_columns("Skolgatan 4"), [])
        self.assertEqual(stored_text_columns("Vi byter lampan"), [])
        self.assertFalse(photo.exists())
        tip = Incident.objects.get(pk=self.tip.pk)
        self.assertEqual((tip.description, tip.contact_email, tip.place_name, tip.photo.name), (MARKER, "", "", ""))
        self.assertEqual(
            (tip.category_id, tip.status, tip.area_id), (self.tip.category_id, "granskad", self.tip.area_id)
        )
        self.assertEqual(report.counts["tip_text"], 1)
        self.assertEqual(report.counts["est_text"], 1)
        self.assertEqual(report.counts["tip_email"], 1)

    def test_it_leaves_what_has_not_passed_its_time(self) -> None:
        with day(364):
            run_gallring()
        tip = Incident.objects.get(pk=self.tip.pk)
        self.assertEqual(tip.description, TIP_TEXT)
        self.assertEqual(tip.place_name, "Kvarnbron")
        self.assertEqual(tip.contact_email, "")  # 90 days for the address
        self.assertTrue(Incident.objects.get(pk=self.report.pk).photo)
        self.assertEqual(IncidentUpdate.objects.filter(incident=self.tip, note="Vi byter lampan.").count(), 1)

    def test_it_keeps_the_address_one_day_before_its_time(self) -> None:
        with day(89):
            run_gallring()
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).contact_email, TIP_EMAIL)
        with day(91):
            run_gallring()
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).contact_email, "")

    def test_it_nulls_audit_addresses_after_six_months(self) -> None:
        with day(0):
            event = AuditEvent.objects.create(action="auth.login", ip_address=IP)
        with day(182):
            run_gallring()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).ip_address, IP)
        with day(184):
            run_gallring()
        self.assertIsNone(AuditEvent.objects.get(pk=event.pk).ip_address)

    def test_it_deletes_unconfirmed_and_unsubscribed_subscriptions_and_keeps_their_deliveries(self) -> None:
        subscribe = {"kommun": self.kommun_a, "area": self.kommun_a, "warnings": True, "follow_ups": False}
        with day(0):
            waiting = do_subscribe(email="vantar@example.org", actor=CITIZEN, **subscribe)
            leaving = do_subscribe(email="slutar@example.org", actor=CITIZEN, **subscribe)
            do_confirm_subscription(leaving, actor=CITIZEN)
            do_unsubscribe(leaving.token, actor=CITIZEN)
            sent = Delivery.objects.create(
                kind=Delivery.Kind.CONFIRM, subscription=leaving, email=leaving.email, sent_at=T0
            )
        with day(6):
            run_gallring()
        self.assertTrue(Subscription.objects.filter(pk=waiting.pk).exists())
        with day(8):
            run_gallring()
        self.assertFalse(Subscription.objects.filter(pk=waiting.pk).exists())
        self.assertTrue(Subscription.objects.filter(pk=leaving.pk).exists())
        with day(31):
            run_gallring()
        self.assertFalse(Subscription.objects.filter(pk=leaving.pk).exists())
        self.assertEqual(Delivery.objects.get(pk=sent.pk).email, f"gallrad-{sent.pk}@gallrad.invalid")
        self.assertEqual(stored_text_columns("slutar@example.org"), [])
        self.assertEqual(stored_text_columns("vantar@example.org"), [])

    def test_it_deletes_old_sign_in_records_and_expired_counters(self) -> None:
        with day(0):
            old = AccessAttempt.objects.create(
                username="x@example.org", ip_address=IP, user_agent="t", failures_since_start=1
            )
        with day(80):
            recent = AccessLog.objects.create(username="y@example.org", ip_address=IP, user_agent="t")
        with day(91):
            report = run_gallring()
        self.assertFalse(AccessAttempt.objects.filter(pk=old.pk).exists())
        self.assertTrue(AccessLog.objects.filter(pk=recent.pk).exists())
        self.assertEqual(report.counts["signins"], 1)

    def test_it_replaces_dialogue_statements_after_their_time(self) -> None:
        dialogue = do_create_dialogue(
            self.access(), kind="trygghetsvandring", date=T0.date(), place="Centrum", actor=self.samordnare
        )
        statement = do_add_statement(self.access(), dialogue, text=STATEMENT, actor=self.samordnare)
        do_set_retention(self.access(), {"dialogue_text": 180}, actor=self.samordnare)
        with day(180):
            run_gallring()
        self.assertEqual(DialogueStatement.objects.get(pk=statement.pk).text, STATEMENT)
        with day(182):
            run_gallring()
        self.assertEqual(DialogueStatement.objects.get(pk=statement.pk).text, MARKER)
        self.assertEqual(stored_text_columns(STATEMENT), [])

    def test_it_honours_the_partnerships_own_period(self) -> None:
        do_set_retention(self.access(), {"tip_text": 30}, actor=self.samordnare)
        with day(29):
            run_gallring()
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).description, TIP_TEXT)
        with day(31):
            run_gallring()
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).description, MARKER)
        self.assertEqual(Incident.objects.get(pk=self.report.pk).description, REPORT_TEXT)  # its own 365 days

    def test_it_writes_one_audit_row_per_run_with_counts_and_is_idempotent(self) -> None:
        with day(366):
            first = run_gallring()
            second = run_gallring()
        rows = list(AuditEvent.objects.filter(action="gallring.run").order_by("id"))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0].changes["counts"]["tip_text"], 1)
        self.assertEqual(rows[0].changes["total"], first.total)
        self.assertEqual(rows[0].actor_label, "lofte gallring")
        self.assertEqual(second.counts["tip_text"], 0)
        self.assertEqual(second.counts["est_text"], 0)
        self.assertNotIn(TIP_TEXT, str(rows[0].changes))

    def test_a_dry_run_only_counts(self) -> None:
        out = io.StringIO()
        with day(366):
            call_command("gallring", "--dry-run", stdout=out)
        self.assertIn("tip_text: 1 skulle gallras", out.getvalue())
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).description, TIP_TEXT)
        self.assertFalse(AuditEvent.objects.filter(action="gallring.run").exists())
        with day(366):
            call_command("gallring", stdout=out)
        self.assertIn("tip_text: 1 gallrade", out.getvalue())
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).description, MARKER)


class RetentionSettingsTest(GallringCase):
    URL = "/samverkan/mjolby/gallring/"

    def test_the_samordnare_finds_the_page_among_the_partnerships_people(self) -> None:
        self.assertContains(self.client_for(self.samordnare).get("/samverkan/mjolby/parter/"), self.URL)
        self.assertNotContains(self.client_for(self.reporter).get("/samverkan/mjolby/parter/"), self.URL)

    def test_the_samordnare_sets_a_period_within_the_limits(self) -> None:
        response = self.client_for(self.samordnare).post(self.URL, {"tip_text_days": "60"})
        self.assertEqual(response.status_code, 302)
        event = AuditEvent.objects.get(action="retention.update")
        self.assertEqual(event.changes, {"tip_text": [None, 60]})

    def test_the_form_and_the_action_refuse_a_period_outside_the_limits(self) -> None:
        response = self.client_for(self.samordnare).post(self.URL, {"tip_text_days": "5"})
        self.assertContains(response, "Ange mellan 30 och 1825 dagar", status_code=400)
        with self.assertRaises(RetentionRefused):
            do_set_retention(self.access(), {"tip_email": 9999}, actor=self.samordnare)
        self.assertFalse(AuditEvent.objects.filter(action="retention.update").exists())

    def test_a_reporter_or_viewer_may_not_change_it(self) -> None:
        for user in (self.reporter, self.viewer, self.polis):
            with self.subTest(user=user.email):
                self.assertEqual(self.client_for(user).get(self.URL).status_code, 403)
                self.assertEqual(self.client_for(user).post(self.URL, {"tip_text_days": "60"}).status_code, 403)
                with self.assertRaises(RetentionRefused):
                    do_set_retention(self.access(user), {"tip_text": 60}, actor=user)
        self.assertEqual(self.client_for(self.samordnare_b).get(self.URL).status_code, 404)

    def test_the_page_shows_what_goes_next_in_a_fixed_number_of_queries(self) -> None:
        with day(340):
            client = self.client_for(self.samordnare)
            run_gallring()
            counts = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(self.URL)
                counts.append(len(queries))
                self.report_tip(text="Ännu ett tips om mörkret vid stationen")
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[0], 20)
        self.assertContains(response, "Gallras inom 30 dagar")
        self.assertContains(response, "Senaste gallringen")
        self.assertContains(response, "Tips från allmänheten: text, foto och plats: 0")
        rows = response.context["rows"]
        tips = next(row for row in rows if row.kind.code == "tip_text")
        self.assertEqual(tips.within, (0, 1))  # the tip of day 0 goes on day 365
        self.assertEqual(tips.days, 365)

    def test_a_get_writes_nothing(self) -> None:
        samordnare, staff = self.client_for(self.samordnare), self.client_for(self.staff)
        before = AuditEvent.objects.count()
        self.assertEqual(samordnare.get(self.URL).status_code, 200)
        self.assertEqual(staff.get("/drift/gallring/").status_code, 200)
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertEqual(Incident.objects.get(pk=self.tip.pk).description, TIP_TEXT)


class OperatorOverviewTest(GallringCase):
    URL = "/drift/gallring/"

    def test_only_an_operator_sees_it(self) -> None:
        self.assertEqual(self.client_for(None).get(self.URL).status_code, 302)
        for user in (self.samordnare, self.reporter, self.samordnare_b):
            self.assertEqual(self.client_for(user).get(self.URL).status_code, 403)
        response = self.client_for(self.staff).get(self.URL)
        self.assertContains(response, "Samverkan Mjölby")
        self.assertContains(response, "Samverkan Mullsjö")

    def test_it_reads_every_partnership_in_a_fixed_number_of_queries(self) -> None:
        do_set_retention(self.access(), {"tip_text": 30}, actor=self.samordnare)
        with day(10):
            client = self.client_for(self.staff)
            with CaptureQueriesContext(connection) as first:
                client.get(self.URL)
            self.report_tip(text="Tips om en mörk gångtunnel vid stationen")
            with CaptureQueriesContext(connection) as second:
                response = client.get(self.URL)
        self.assertEqual(len(first), len(second))
        mjolby = next(item for item in response.context["per_partnership"] if item.partnership.slug == "mjolby")
        tips = next(row for row in mjolby.rows if row.kind.code == "tip_text")
        self.assertEqual((tips.days, tips.chosen, tips.within), (30, True, (0, 1)))  # the new tip goes on day 40
