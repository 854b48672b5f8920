"""EST's set-up of a partnership (settings and reference categories) is written by one audited action when the
partnership is created, and every EST page only reads it: a GET writes nothing (issue 14, point 7)."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lofte.analysis.est import STOCKHOLM, Week
from lofte.audit.models import AuditEvent, RateBucket
from lofte.est.categories import REFERENCE
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.meetings.actions import do_create_measure, do_create_meeting
from lofte.est.models import Category, EstSettings, Incident
from lofte.est.queries import categories_of, settings_of
from lofte.est.setup import do_set_up_est
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.actions import do_create_partnership
from tests.base import BaseTestCase
from tests.cases import EST, route

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=STOCKHOLM)
WEEK = Week(2026, 10)
CENTRE = (58.3255, 15.1273)
WRITES = ("INSERT", "UPDATE", "DELETE")
MIGRATION = "lofte.est.migrations.0005_set_up_existing_partnerships"


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def est_route_names() -> set[str]:
    """Every route of EST's namespaces (tests.cases.EST), so a new page cannot be left out of the test below."""
    resolver = get_resolver()
    names: set[str] = set()
    for namespace in EST:
        pending: list[URLPattern | URLResolver] = list(resolver.namespace_dict[namespace][1].url_patterns)
        while pending:
            pattern = pending.pop()
            if isinstance(pattern, URLResolver):
                pending.extend(pattern.url_patterns)
            elif pattern.name:
                names.add(pattern.name)
    return names


class EstSetUpTest(BaseTestCase):
    def test_creating_a_partnership_sets_est_up_with_an_audit_row(self) -> None:
        partnership = do_create_partnership(
            name="Samverkan Boxholm", area=self.kommun_a, organisations=[], actor=SystemActor("test")
        )
        self.assertTrue(EstSettings.objects.filter(partnership=partnership).exists())
        categories = categories_of(partnership)
        self.assertEqual([c.code for c in categories], [ref.code for ref in REFERENCE])
        self.assertTrue(all(c.active for c in categories))
        klotter = next(c for c in categories if c.code == "skadegorelse.klotter")
        self.assertEqual(klotter.parent.code if klotter.parent else None, "skadegorelse")
        event = AuditEvent.objects.get(action="est.set_up", partnership=partnership)
        self.assertEqual(event.actor_label, "test")
        self.assertEqual(event.changes["settings"], True)
        self.assertEqual(len(event.changes["categories"]), len(REFERENCE))

    def test_setting_up_again_writes_nothing(self) -> None:
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            do_set_up_est(self.partnership_a, actor=SystemActor("test"))
        self.assertEqual(writes(queries), [])
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertEqual(Category.objects.filter(partnership=self.partnership_a).count(), len(REFERENCE))

    def test_reading_a_partnership_not_set_up_gives_the_defaults_and_writes_nothing(self) -> None:
        EstSettings.objects.filter(partnership=self.partnership_a).delete()
        with CaptureQueriesContext(connection) as queries:
            found = settings_of(self.partnership_a)
        self.assertEqual(writes(queries), [])
        self.assertIsNone(found.pk)
        self.assertEqual(found.grid_m, EstSettings._meta.get_field("grid_m").get_default())
        client = self.client_for(self.samordnare)
        for name, args in (("week", [WEEK.year, WEEK.week]), ("review", []), ("settings", []), ("analysis", [])):
            with self.subTest(page=name), CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(route(name, EST), args=["mjolby", *args]))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(writes(queries), [])
        self.assertFalse(EstSettings.objects.filter(partnership=self.partnership_a).exists())

    def test_the_migration_sets_up_the_partnerships_created_before(self) -> None:
        EstSettings.objects.filter(partnership=self.partnership_b).delete()
        Category.objects.filter(partnership=self.partnership_b, parent__isnull=False).delete()
        Category.objects.filter(partnership=self.partnership_b).delete()
        Category.objects.filter(partnership=self.partnership_a, code="ryktesspridning").delete()
        AuditEvent.objects.filter(action="est.set_up").delete()
        importlib.import_module(MIGRATION).set_up(apps, None)
        self.assertTrue(EstSettings.objects.filter(partnership=self.partnership_b).exists())
        self.assertEqual(len(categories_of(self.partnership_b)), len(REFERENCE))
        self.assertTrue(all(c.active for c in categories_of(self.partnership_b)))
        added = Category.objects.get(partnership=self.partnership_a, code="ryktesspridning")
        self.assertFalse(added.active)  # the partnership had chosen its categories: a new one arrives hidden
        events = {e.partnership_id: e for e in AuditEvent.objects.filter(action="est.set_up")}
        self.assertEqual(events[self.partnership_b.pk].actor_label, "lofte migrate")
        self.assertEqual(events[self.partnership_a.pk].changes, {"settings": False, "categories": ["ryktesspridning"]})
        importlib.import_module(MIGRATION).set_up(apps, None)
        self.assertEqual(AuditEvent.objects.filter(action="est.set_up").count(), 2)


@time_machine.travel(NOW, tick=False)
class EstGetWritesNothingTest(BaseTestCase):
    """A GET of every EST page, with a report, a meeting and an action to show, writes no row."""

    def setUp(self) -> None:
        klotter = next(c for c in categories_of(self.partnership_a) if c.code == "skadegorelse.klotter")
        [self.incident] = report_incidents(
            self.partnership_a,
            [IncidentInput(klotter, NOW - timedelta(hours=2), *CENTRE, description="Klotter på gaveln.")],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
            now=NOW,
        )
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        self.meeting = do_create_meeting(
            access, actor=self.samordnare, iso_year=WEEK.year, iso_week=WEEK.week, held_on=NOW.date()
        )
        self.measure = do_create_measure(
            access, self.meeting, actor=self.samordnare, what="Sanera klottret", organisation=self.housing_a
        )

    def pages(self) -> dict[str, list[Any]]:
        incident, meeting, measure = self.incident.pk, self.meeting.pk, self.measure.pk
        return {
            "index": [],
            "report": [],
            "mine": [],
            "incident": [incident],
            "photo": [incident],
            "photo_thumbnail": [incident],
            "review": [],
            "review_detail": [incident],
            "assigned": [],
            "settings": [],
            "week_current": [],
            "week": [WEEK.year, WEEK.week],
            "week_pdf": [WEEK.year, WEEK.week],
            "week_table": [WEEK.year, WEEK.week, "csv"],
            "meetings": [],
            "meeting": [meeting],
            "meeting_create": [],
            "meeting_update": [meeting],
            "action_create": [meeting],
            "action_update": [measure],
            "analysis": [],
            "incidents_export": ["csv"],
        }

    def test_it_writes_nothing_on_any_est_page(self) -> None:
        pages = self.pages()
        posted_only = {
            "review_approve",
            "review_correct",
            "review_merge",
            "review_reject",
            "review_route",
            "status",
            "week_note",
            "settings_categories",
            "settings_category_add",
            "settings_routing_add",
            "settings_routing_delete",
        }
        self.assertEqual(est_route_names() - posted_only, set(pages))
        for user in (self.samordnare, self.reporter):
            client = self.client_for(user)
            for name, args in pages.items():
                with self.subTest(user=user.email, page=name), CaptureQueriesContext(connection) as queries:
                    response = client.get(reverse(route(name, EST), args=["mjolby", *args]))
                    self.assertIn(response.status_code, (200, 302, 403, 404))
                    self.assertEqual(writes(queries), [])

    def test_open311_services_writes_nothing(self) -> None:
        """Nothing of EST's set-up: only the client address's request counter (Open311's rate limit)."""
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(reverse("open311:open311_services"), {"jurisdiction_id": "mjolby"})
        self.assertEqual(response.status_code, 200)
        counter = RateBucket._meta.db_table
        self.assertEqual([sql for sql in writes(queries) if counter not in sql], [])
