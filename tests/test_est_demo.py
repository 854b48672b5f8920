"""The EST demo: a year of labelled, plausible incidents inside the kommun, two meetings, loaded once."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from lofte.audit.models import AuditEvent
from lofte.demo.est import LABEL, _moments, load_est_demo
from lofte.est import places
from lofte.est.models import Incident, IncidentUpdate, Measure, Meeting, RoutingRule, WeekNote
from lofte.est.status import TIMESTAMPS
from lofte.lib.pii import find_personal_data
from lofte.partnerships.models import Partnership
from tests.base import BaseTestCase

S = Incident.Status
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOADED_AT = datetime(2026, 9, 2, 14, 30, tzinfo=STOCKHOLM)  # a Wednesday afternoon


def moments_at(now: datetime) -> list[tuple[datetime, Any]]:
    return _moments(random.Random(7), now)  # noqa: S311 (the demo's own reproducible generator)


@time_machine.travel(LOADED_AT, tick=False)
class EstDemoTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.now = timezone.now()
        cls.loaded = load_est_demo(cls.partnership_a, seed=7, now=cls.now)

    def test_the_counts_are_plausible(self) -> None:
        incidents = Incident.objects.filter(partnership=self.partnership_a)
        self.assertTrue(self.loaded.created)
        self.assertEqual(self.loaded.incidents, incidents.count())
        self.assertTrue(10 * 52 <= incidents.count() <= 30 * 52, incidents.count())
        weeks = Counter(
            timezone.localtime(o).isocalendar()[:2] for o in incidents.values_list("occurred_at", flat=True)
        )
        full_weeks = [weeks[week] for week in sorted(weeks)[1:-1]]  # not the partial first and last
        self.assertGreaterEqual(len(full_weeks), 50)
        self.assertGreaterEqual(min(full_weeks), 3)
        self.assertLessEqual(max(full_weeks), 45)
        # Most of the reference categories are used, none dominates.
        by_category = Counter(incidents.values_list("category__code", flat=True))
        self.assertGreaterEqual(len(by_category), 20)
        self.assertLess(max(by_category.values()), incidents.count() * 0.3)

    def test_the_weekly_lägesbild_says_its_reports_are_demo_data(self) -> None:
        year, week, _day = (timezone.localdate(self.now) - timedelta(days=7)).isocalendar()
        page = self.client_for(self.viewer).get(f"/samverkan/mjolby/est/vecka/{year}/{week}/")
        self.assertContains(page, "Demodata:")
        self.assertContains(page, "påhittade för att visa hur Löfte fungerar")

    def test_summer_evenings_and_weekends_have_more(self) -> None:
        local = [timezone.localtime(o) for o in Incident.objects.values_list("occurred_at", flat=True)]
        summer = sum(1 for t in local if t.month in (6, 7, 8))
        winter = sum(1 for t in local if t.month in (12, 1, 2))
        self.assertGreater(summer, winter * 1.3)
        weekend = sum(1 for t in local if t.weekday() in (4, 5)) / 2
        weekday = sum(1 for t in local if t.weekday() in (0, 1)) / 2
        self.assertGreater(weekend, weekday * 1.3)
        evening = sum(1 for t in local if t.hour >= 18 or t.hour < 2)
        morning = sum(1 for t in local if 6 <= t.hour < 14)
        self.assertGreater(evening, morning)

    def test_every_incident_is_labelled_and_inside_the_kommun(self) -> None:
        kommun = self.partnership_a.area
        for incident in Incident.objects.filter(partnership=self.partnership_a).select_related("area"):
            self.assertTrue(incident.is_demo)
            self.assertEqual(incident.source, Incident.Source.DEMO)
            self.assertTrue(incident.description.startswith(LABEL), incident.description)
            self.assertEqual(find_personal_data(incident.description), [])
            assert incident.latitude is not None and incident.longitude is not None
            point = places.LatLng(incident.latitude, incident.longitude)
            self.assertTrue(places.contains(kommun, point), (incident.place_name, point))
            self.assertIsNotNone(incident.area)
            self.assertTrue(incident.place_name)
            self.assertLess(incident.occurred_at, incident.reported_at)
            self.assertLessEqual(incident.reported_at, self.now)
            self.assertGreater(incident.occurred_at, self.now - timedelta(days=366))
        self.assertEqual(
            set(Incident.objects.values_list("organisation", flat=True)),
            {self.kommun_org_a.pk, self.lpo_a.pk, self.housing_a.pk},
        )
        self.assertEqual(
            set(Incident.objects.values_list("reporter", flat=True)),
            {self.samordnare.pk, self.polis.pk, self.reporter.pk},
        )

    def test_reviews_rejections_merges_and_routing(self) -> None:
        incidents = Incident.objects.filter(partnership=self.partnership_a)
        old = incidents.filter(reported_at__lt=self.now - timedelta(days=14))
        statuses = Counter(old.values_list("status", flat=True))
        self.assertGreater(old.exclude(status=S.MOTTAGEN).count(), 0.9 * old.count())
        self.assertTrue(0 < statuses[S.AVVISAD] < 0.15 * old.count(), statuses)
        merged = incidents.filter(duplicate_of__isnull=False)
        self.assertTrue(0 < merged.count() < 0.15 * incidents.count(), merged.count())
        for incident in merged.select_related("duplicate_of"):
            assert incident.duplicate_of is not None
            self.assertEqual(incident.status, S.AVSLUTAD)
            self.assertIsNone(incident.duplicate_of.duplicate_of_id)
            self.assertEqual(incident.duplicate_of.category_id, incident.category_id)
            self.assertLessEqual(incident.duplicate_of.occurred_at, incident.occurred_at)
            self.assertIsNotNone(incident.merged_at)
        self.assertTrue(
            RoutingRule.objects.filter(
                partnership=self.partnership_a, category__code="skadegorelse.klotter", organisation=self.housing_a
            ).exists()
        )
        klotter = incidents.filter(category__code="skadegorelse.klotter")
        self.assertEqual(set(klotter.values_list("routed_to", flat=True)), {self.housing_a.pk})
        self.assertTrue(klotter.filter(status=S.ATGARDAD).exists() or klotter.filter(resolved_at__isnull=False))
        self.assertFalse(incidents.exclude(category__code="skadegorelse.klotter").exclude(routed_to=None).exists())
        self.assertTrue(incidents.filter(status=S.MOTTAGEN, reported_at__gt=self.now - timedelta(days=3)).exists())

    def test_the_timeline_agrees_with_the_lifecycle(self) -> None:
        incidents = Incident.objects.filter(partnership=self.partnership_a).prefetch_related("updates")
        for incident in incidents:
            updates = list(incident.updates.all())
            self.assertEqual(updates[0].status, S.MOTTAGEN)
            self.assertEqual(updates[0].created_at, incident.reported_at)
            self.assertEqual(updates[-1].status, incident.status)
            self.assertEqual(incident.updated_at, updates[-1].created_at)
            times = [u.created_at for u in updates]
            self.assertEqual(times, sorted(times))
            self.assertLess(times[-1], self.now)
            for update in updates[1:]:
                self.assertEqual(getattr(incident, TIMESTAMPS[update.status]), update.created_at)
                self.assertTrue(update.note == "" or update.note.startswith(LABEL))
            if incident.status == S.AVVISAD:
                self.assertTrue(incident.rejection_reason.startswith(LABEL))
        self.assertFalse(IncidentUpdate.objects.filter(notified_at__isnull=True).exists())  # no e-mail goes out

    def test_week_notes_and_two_meetings(self) -> None:
        self.assertEqual(WeekNote.objects.filter(partnership=self.partnership_a).count(), 6)
        for note in WeekNote.objects.all():
            self.assertTrue(re.match(r"\[Demodata\] Vecka \d+: \d+ händelser\.", note.text), note.text)
        meetings = list(Meeting.objects.filter(partnership=self.partnership_a).order_by("held_on"))
        self.assertEqual(len(meetings), 2)
        self.assertEqual(self.loaded.meetings, 2)
        today = timezone.localdate(self.now)
        self.assertEqual(
            [(m.iso_year, m.iso_week) for m in meetings],
            [(today - timedelta(weeks=back)).isocalendar()[:2] for back in (2, 1)],
        )
        for meeting in meetings:
            self.assertTrue(meeting.notes.startswith(LABEL))
            self.assertIn("Rut Rapportör, Bostadsbolaget i Mjölby AB", meeting.participant_list)
            self.assertEqual(meeting.held_on.isoweekday(), 2)
        first, second = meetings
        statuses = dict(first.actions.values_list("status", "done_on"))
        self.assertIsNotNone(statuses[Measure.Status.GENOMFORD])
        self.assertIn(Measure.Status.PAGAR, statuses)  # open, carried over to the second meeting
        self.assertEqual(list(second.actions.values_list("status", flat=True)), [Measure.Status.BESLUTAD])
        self.assertTrue(Measure.objects.annotate(n=Count("incidents")).filter(n__gt=0).exists())
        self.assertEqual(
            AuditEvent.objects.filter(action="est.demo", object_type="est.meeting", actor_label="lofte demo").count(),
            2,
        )

    def test_loading_again_adds_nothing(self) -> None:
        counts = (Incident.objects.count(), IncidentUpdate.objects.count(), Meeting.objects.count())
        again = load_est_demo(self.partnership_a, seed=7, now=self.now)
        self.assertFalse(again.created)
        self.assertEqual(again.incidents, counts[0])
        self.assertEqual((Incident.objects.count(), IncidentUpdate.objects.count(), Meeting.objects.count()), counts)
        self.assertEqual(WeekNote.objects.count(), 6)
        self.assertEqual(RoutingRule.objects.count(), 1)


class DemoCalendarTest(TestCase):
    """The demo's patterns follow calendar weeks, whatever day and hour it is loaded."""

    def test_the_weekday_pattern_holds_whichever_day_it_is_loaded(self) -> None:
        for day in range(7):
            now = datetime(2026, 8, 31, 9, 15, tzinfo=STOCKHOLM) + timedelta(days=day)  # Monday … Sunday
            local = [timezone.localtime(moment) for moment, _kind in moments_at(now)]
            weekend = sum(1 for t in local if t.weekday() in (4, 5))
            weekday = sum(1 for t in local if t.weekday() in (0, 1))
            self.assertGreater(weekend, weekday * 1.3, now)

    def test_a_later_load_in_the_same_week_only_adds_what_has_happened_since(self) -> None:
        wednesday = datetime(2026, 9, 2, 12, 0, tzinfo=STOCKHOLM)
        sunday = datetime(2026, 9, 6, 23, 59, tzinfo=STOCKHOLM)
        early = moments_at(wednesday)
        late = moments_at(sunday)
        self.assertEqual(late[: len(early)], early)
        self.assertTrue(all(moment >= wednesday - timedelta(hours=1) for moment, _kind in late[len(early) :]))

    def test_it_loads_across_the_nights_the_clocks_change(self) -> None:
        for now in (
            datetime(2027, 3, 28, 1, 30, tzinfo=STOCKHOLM),
            datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1),
            datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM),
            datetime(2028, 2, 29, 12, 0, tzinfo=STOCKHOLM),
        ):
            moments = [moment for moment, _kind in moments_at(now)]
            self.assertTrue(moments, now)
            self.assertLess(moments[-1], now)
            self.assertEqual(moments, sorted(moments))
            for moment in moments:
                local = timezone.localtime(moment)
                # Every moment is a real local time: converting it back and forth changes nothing.
                self.assertEqual(timezone.localtime(local.astimezone(ZoneInfo("UTC"))), local)


@time_machine.travel(LOADED_AT, tick=False)
class DemoCommandTest(TestCase):
    def test_lofte_demo_loads_est_for_mjolby_once(self) -> None:
        out = StringIO()
        call_command("demo", stdout=out)
        mjolby = Partnership.objects.get(slug="mjolby")
        count = Incident.objects.filter(partnership=mjolby, is_demo=True).count()
        self.assertGreater(count, 500)
        self.assertFalse(Incident.objects.exclude(partnership=mjolby).exists())
        line = "EST: {} händelser för Mjölby (demodata), 2 möten.".format(f"{count:,}".replace(",", " "))
        self.assertIn(line, out.getvalue())
        call_command("demo", stdout=StringIO())
        self.assertEqual(Incident.objects.count(), count)
