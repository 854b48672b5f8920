"""Reviewing EST reports: the queue, approving, correcting, merging, rejecting, routing, and the EST settings."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.est import places
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.meetings.actions import do_create_measure, do_create_meeting
from lofte.est.models import Category, EstSettings, Incident, RoutingRule
from lofte.est.queries import categories_of
from lofte.est.review import duplicates
from lofte.est.review.actions import ReviewRefused, do_merge_incident
from lofte.partnerships.access import get_partnership_for_user
from lofte.partnerships.models import Organisation
from tests.base import BaseTestCase, Kind, Role, make_user
from tests.cases import EST, route

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

S = Incident.Status
CENTRE = places.LatLng(58.3255, 15.1273)  # Mjölby's town centre, inside district "Centrum" below
OUTSIDE_CENTRUM = places.LatLng(58.3400, 15.0900)  # still in Mjölby kommun
STOCKHOLM = places.LatLng(59.3293, 18.0686)
HALF_SIDE = 0.003  # degrees: the district is a small square around the centre


def url(name: str, *args: Any) -> str:
    return reverse(route(name, EST), args=["mjolby", *args])


def north_of(point: places.LatLng, metres: float) -> places.LatLng:
    return places.LatLng(point.lat + metres / places.METRES_PER_DEGREE_LAT, point.lng)


@time_machine.travel(NOW, tick=False)
class EstTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.categories = {c.code: c for c in categories_of(cls.partnership_a)}
        cls.klotter = cls.categories["skadegorelse.klotter"]
        cls.glaskross = cls.categories["skadegorelse.glaskross"]
        west, east = CENTRE.lng - HALF_SIDE, CENTRE.lng + HALF_SIDE
        south, north = CENTRE.lat - HALF_SIDE, CENTRE.lat + HALF_SIDE
        cls.centrum = Area.objects.create(
            code="0586-centrum",
            name="Centrum",
            kind=Area.Kind.DISTRICT,
            parent=cls.kommun_a,
            geometry={
                "type": "Polygon",
                "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
            },
            bbox=[west, south, east, north],
        )
        cls.now = timezone.now()

    def report(
        self,
        category: Category | None = None,
        point: places.LatLng | None = CENTRE,
        *,
        hours_ago: float = 1,
        partnership: Any = None,
        **fields: Any,
    ) -> Incident:
        item = IncidentInput(
            category=category or self.klotter,
            occurred_at=self.now - timedelta(hours=hours_ago),
            latitude=point.lat if point else None,
            longitude=point.lng if point else None,
            **fields,
        )
        (incident,) = report_incidents(
            partnership or self.partnership_a,
            [item],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
            now=self.now,
        )
        return incident

    def access(self, user: Any = None) -> Any:
        return get_partnership_for_user(user or self.samordnare, "mjolby")

    def post(self, user: Any, route: str, /, *args: Any, **data: Any) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return self.client_for(user).post(url(route, *args), data)


class QueueTest(EstTestCase):
    def test_it_shows_the_queue_only_to_reviewers(self) -> None:
        expected = {"samordnare": 200, "polis": 200, "reporter": 403, "viewer": 403, "samordnare_b": 404}
        for persona, status in {**expected, "anonymous": 302}.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.client_for(self.personas[persona]).get(url("review")).status_code, status)

    def test_it_lists_waiting_reports_oldest_first_with_their_duplicate_suggestions(self) -> None:
        first = self.report(hours_ago=5)
        second = self.report(point=north_of(CENTRE, 50), hours_ago=3)
        far = self.report(point=OUTSIDE_CENTRUM, hours_ago=2)
        approved = self.report(hours_ago=1)
        self.post(self.samordnare, "review_approve", approved.pk)
        response = self.client_for(self.polis).get(url("review"))
        rows = response.context["rows"]
        self.assertEqual([incident.pk for incident, _found in rows], [first.pk, second.pk, far.pk])
        suggested = {incident.pk: [s.incident.pk for s in found] for incident, found in rows}
        self.assertEqual(suggested[first.pk], [approved.pk, second.pk])  # the approved one is a suggestion too
        self.assertEqual(suggested[far.pk], [])
        self.assertContains(response, "Förslag: samma kategori inom 100 m och 48 timmar.")

    def test_it_filters_by_status_category_area_and_organisation(self) -> None:
        klotter = self.report(hours_ago=3)
        glaskross = self.report(self.glaskross, point=OUTSIDE_CENTRUM, hours_ago=2)
        client = self.client_for(self.samordnare)

        def listed(**query: Any) -> list[int]:
            return [incident.pk for incident, _found in client.get(url("review"), query).context["rows"]]

        self.assertEqual(listed(category=self.glaskross.pk), [glaskross.pk])
        self.assertEqual(listed(category=self.klotter.parent_id), [klotter.pk, glaskross.pk])
        self.assertEqual(listed(area=self.centrum.pk), [klotter.pk])
        self.assertEqual(listed(organisation=self.housing_a.pk), [klotter.pk, glaskross.pk])
        self.assertEqual(listed(organisation=self.lpo_a.pk), [])
        self.assertEqual(listed(status="granskad"), [])
        self.assertEqual(listed(status="alla"), [klotter.pk, glaskross.pk])

    def test_it_reads_the_queue_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.samordnare)
        self.report()
        with self.assertNumQueries(11):
            client.get(url("review"))
        for hours in range(9):
            self.report(point=north_of(CENTRE, 10 * hours), hours_ago=hours + 2)
        with self.assertNumQueries(11):
            response = client.get(url("review"))
        self.assertEqual(len(response.context["rows"]), 10)


class ApproveTest(EstTestCase):
    def test_it_approves_a_report_and_tells_its_reporter_once(self) -> None:
        incident = self.report()
        response = self.post(self.samordnare, "review_approve", incident.pk, note="Tack, vi tar hand om det.")
        self.assertRedirects(response, url("review"))
        incident.refresh_from_db()
        self.assertEqual(incident.status, S.GRANSKAD)
        self.assertIsNotNone(incident.reviewed_at)
        self.assertEqual(incident.reviewed_by, self.samordnare)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.reporter.email])
        self.assertIn("Tack, vi tar hand om det.", mail.outbox[0].body)
        self.assertEqual(incident.updates.last().note, "Tack, vi tar hand om det.")  # type: ignore[union-attr]

    def test_it_refuses_personal_data_in_the_note(self) -> None:
        incident = self.report()
        response = self.post(self.polis, "review_approve", incident.pk, note="Ring 070-123 45 67")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["forms"]["approve"].errors["note"])
        incident.refresh_from_db()
        self.assertEqual(incident.status, S.MOTTAGEN)
        self.assertEqual(mail.outbox, [])

    def test_it_refuses_the_reporter_and_the_other_kommun(self) -> None:
        incident = self.report()
        self.assertEqual(self.post(self.reporter, "review_approve", incident.pk).status_code, 403)
        self.assertEqual(self.post(self.viewer, "review_approve", incident.pk).status_code, 403)
        self.assertEqual(self.post(self.samordnare_b, "review_approve", incident.pk).status_code, 404)
        incident.refresh_from_db()
        self.assertEqual(incident.status, S.MOTTAGEN)


class CorrectTest(EstTestCase):
    def correction(self, incident: Incident, **changes: Any) -> dict[str, Any]:
        data = {
            "category": incident.category_id,
            "latitude": incident.latitude,
            "longitude": incident.longitude,
            "address": incident.address,
            "place_name": incident.place_name,
            "area": incident.area_id or "",
        }
        data.update(changes)
        return {name: "" if value is None else value for name, value in data.items()}

    def test_it_corrects_category_and_place_and_logs_before_and_after(self) -> None:
        incident = self.report(point=OUTSIDE_CENTRUM)
        self.assertEqual(incident.area, self.kommun_a)
        data = self.correction(
            incident, category=self.glaskross.pk, latitude=CENTRE.lat, longitude=CENTRE.lng, address="Stora torget 1"
        )
        response = self.post(self.polis, "review_correct", incident.pk, **data)
        self.assertRedirects(response, url("review_detail", incident.pk))
        incident.refresh_from_db()
        self.assertEqual(incident.category, self.glaskross)
        self.assertEqual((incident.latitude, incident.longitude), (CENTRE.lat, CENTRE.lng))
        self.assertEqual(incident.area, self.centrum)  # found from the point
        self.assertEqual(incident.address, "Stora torget 1")
        event = AuditEvent.objects.get(action="est.incident.correct")
        self.assertEqual(event.changes["category"], ["skadegorelse.klotter", "skadegorelse.glaskross"])
        self.assertEqual(event.changes["latitude"], [OUTSIDE_CENTRUM.lat, CENTRE.lat])
        self.assertEqual(event.changes["area"], ["0586", "0586-centrum"])
        self.assertEqual(event.changes["address"], ["", "Stora torget 1"])
        self.assertNotIn("place_name", event.changes)

    def test_it_keeps_a_category_hidden_since_when_only_the_place_is_corrected(self) -> None:
        incident = self.report()
        Category.objects.filter(pk=self.klotter.pk).update(active=False)
        detail = self.client_for(self.samordnare).get(url("review_detail", incident.pk))
        self.assertContains(detail, "Klotter (används inte längre)")
        data = self.correction(incident, latitude=OUTSIDE_CENTRUM.lat, longitude=OUTSIDE_CENTRUM.lng)
        self.assertEqual(self.post(self.samordnare, "review_correct", incident.pk, **data).status_code, 302)
        incident.refresh_from_db()
        self.assertEqual((incident.category_id, incident.area), (self.klotter.pk, self.kommun_a))
        response = self.post(self.samordnare, "review_correct", incident.pk, **self.correction(incident, category=""))
        self.assertIn("category", response.context["forms"]["correct"].errors)

    def test_it_refuses_a_place_outside_the_kommun(self) -> None:
        incident = self.report()
        data = self.correction(incident, latitude=STOCKHOLM.lat, longitude=STOCKHOLM.lng)
        response = self.post(self.samordnare, "review_correct", incident.pk, **data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("utanför Mjölby", str(response.context["forms"]["correct"].errors["latitude"]))
        incident.refresh_from_db()
        self.assertEqual(incident.latitude, CENTRE.lat)
        self.assertFalse(AuditEvent.objects.filter(action="est.incident.correct").exists())

    def test_it_refuses_half_a_point_and_personal_data_in_the_address(self) -> None:
        incident = self.report()
        response = self.post(self.samordnare, "review_correct", incident.pk, **self.correction(incident, longitude=""))
        self.assertIn("longitude", response.context["forms"]["correct"].errors)
        data = self.correction(incident, address="Hos anna@example.com")
        response = self.post(self.samordnare, "review_correct", incident.pk, **data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("address", response.context["forms"]["correct"].errors)

    def test_it_reroutes_after_a_correction_unless_routed_by_hand(self) -> None:
        RoutingRule.objects.create(partnership=self.partnership_a, category=self.glaskross, organisation=self.lpo_a)
        incident = self.report()
        self.assertIsNone(incident.routed_to)
        self.post(
            self.samordnare, "review_correct", incident.pk, **self.correction(incident, category=self.glaskross.pk)
        )
        incident.refresh_from_db()
        self.assertEqual(incident.routed_to, self.lpo_a)
        self.assertEqual(
            AuditEvent.objects.get(action="est.incident.correct").changes["routed_to"], [None, self.lpo_a.name]
        )

        self.post(self.samordnare, "review_route", incident.pk, organisation=self.housing_a.pk)
        self.post(self.samordnare, "review_correct", incident.pk, **self.correction(incident, category=self.klotter.pk))
        self.post(
            self.samordnare, "review_correct", incident.pk, **self.correction(incident, category=self.glaskross.pk)
        )
        incident.refresh_from_db()
        self.assertEqual(incident.routed_to, self.housing_a)  # the hand-made choice stands


class MergeTest(EstTestCase):
    def test_it_merges_a_duplicate_into_its_primary_and_tells_the_duplicates_reporter(self) -> None:
        primary = self.report(hours_ago=3)
        self.post(self.samordnare, "review_approve", primary.pk)
        duplicate = self.report(point=north_of(CENTRE, 30), hours_ago=2)
        mail.outbox.clear()
        detail = self.client_for(self.samordnare).get(url("review_detail", duplicate.pk))
        self.assertEqual([s.incident.pk for s in detail.context["suggestions"]], [primary.pk])
        response = self.post(self.samordnare, "review_merge", duplicate.pk, primary=primary.pk)
        self.assertRedirects(response, url("review"))
        duplicate.refresh_from_db()
        primary.refresh_from_db()
        self.assertEqual(duplicate.duplicate_of, primary)
        self.assertIsNotNone(duplicate.merged_at)
        self.assertEqual(duplicate.status, S.AVSLUTAD)
        self.assertEqual(duplicate.updates.last().note, f"Sammanslagen med rapport #{primary.pk}")  # type: ignore[union-attr]
        self.assertEqual(primary.status, S.GRANSKAD)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(f"Sammanslagen med rapport #{primary.pk}", mail.outbox[0].body)

    def test_it_merges_by_number_and_moves_earlier_duplicates_along(self) -> None:
        first, second, third = (self.report(hours_ago=hours) for hours in (4, 3, 2))
        self.post(self.samordnare, "review_merge", second.pk, number=third.pk)
        self.post(self.samordnare, "review_merge", third.pk, number=first.pk)
        self.assertEqual(list(first.duplicates.order_by("id")), [second, third])
        moved = AuditEvent.objects.get(action="est.incident.merge")
        self.assertEqual(moved.changes, {"duplicate_of": [third.pk, first.pk], "incidents": [second.pk]})
        rows = self.client_for(self.samordnare).get(url("review")).context["rows"]
        self.assertEqual(rows, [(first, [])])

    def test_it_refuses_itself_a_duplicate_and_another_partnership(self) -> None:
        primary = self.report(hours_ago=3)
        duplicate = self.report(hours_ago=2)
        other = self.report(hours_ago=1)
        self.post(self.samordnare, "review_merge", duplicate.pk, number=primary.pk)

        response = self.post(self.samordnare, "review_merge", other.pk, number=other.pk)
        self.assertIn("sig själv", str(response.context["forms"]["merge"].errors))
        response = self.post(self.samordnare, "review_merge", other.pk, number=duplicate.pk)
        self.assertEqual(response.status_code, 400)
        self.assertIn("slå ihop med den i stället", str(response.context["forms"]["merge"].errors))

        foreign = Incident(pk=10_000, partnership=self.partnership_b, status=S.MOTTAGEN)
        with self.assertRaisesMessage(ReviewRefused, "finns inte i den här samverkan"):
            do_merge_incident(self.access(), other, foreign, actor=self.samordnare)
        response = self.post(self.samordnare, "review_merge", other.pk, number=10_000)
        self.assertIn("Det finns ingen rapport #10000", str(response.context["forms"]["merge"].errors["number"]))
        other.refresh_from_db()
        self.assertEqual((other.status, other.duplicate_of_id), (S.MOTTAGEN, None))


class RejectTest(EstTestCase):
    def test_it_requires_a_reason_to_reject(self) -> None:
        incident = self.report()
        response = self.post(self.samordnare, "review_reject", incident.pk, reason="  ")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Skriv varför rapporten avvisas.", str(response.context["forms"]["reject"].errors["reason"]))
        incident.refresh_from_db()
        self.assertEqual(incident.status, S.MOTTAGEN)

        response = self.post(self.samordnare, "review_reject", incident.pk, reason="Gäller en privat tomt.")
        self.assertRedirects(response, url("review"))
        incident.refresh_from_db()
        self.assertEqual((incident.status, incident.rejection_reason), (S.AVVISAD, "Gäller en privat tomt."))
        self.assertIsNotNone(incident.rejected_at)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_maps_a_refused_status_change_to_the_status_field(self) -> None:
        incident = self.report()
        response = self.post(self.samordnare, "status", incident.pk, status=S.ATGARDAD, note="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("status", response.context["forms"]["status"].errors)
        self.post(self.samordnare, "review_reject", incident.pk, reason="Dubbelrapporterad på papper.")
        response = self.post(self.samordnare, "status", incident.pk, status=S.MOTTAGEN, note="Tas upp igen.")
        self.assertRedirects(response, url("review_detail", incident.pk))
        incident.refresh_from_db()
        self.assertEqual(incident.status, S.MOTTAGEN)


class RoutingTest(EstTestCase):
    def setUp(self) -> None:
        RoutingRule.objects.create(
            partnership=self.partnership_a, category=self.klotter, area=self.centrum, organisation=self.housing_a
        )

    def test_it_routes_klotter_in_the_district_to_the_housing_company_which_acts_on_it(self) -> None:
        inside = self.report()
        outside = self.report(point=OUTSIDE_CENTRUM)
        self.assertEqual(inside.routed_to, self.housing_a)
        self.assertIsNone(outside.routed_to)

        reporter = self.client_for(self.reporter)
        page = reporter.get(url("assigned"))
        self.assertEqual([row.incident.pk for row in page.context["rows"]], [inside.pk])
        self.assertIsNone(page.context["rows"][0].form)  # waits for review first
        self.assertContains(page, f"{CENTRE.lat:.5f}".replace(".", ","))

        self.post(self.samordnare, "review_approve", inside.pk)
        page = reporter.get(url("assigned"))
        self.assertEqual(page.context["rows"][0].form.statuses, [S.ATGARD_BESLUTAD, S.ATGARDAD])
        mail.outbox.clear()
        response = self.post(
            self.reporter, "status", inside.pk, status=S.ATGARDAD, note="Saneras i dag.", next="assigned"
        )
        self.assertRedirects(response, url("assigned") + f"#rapport-{inside.pk}")
        inside.refresh_from_db()
        self.assertEqual(inside.status, S.ATGARDAD)
        self.assertIsNotNone(inside.resolved_at)
        self.assertEqual(inside.updates.last().organisation, self.housing_a)  # type: ignore[union-attr]
        self.assertEqual(len(mail.outbox), 1)

    def test_it_lets_the_routed_organisation_set_only_action_statuses(self) -> None:
        inside = self.report()
        self.post(self.samordnare, "review_approve", inside.pk)
        response = self.post(self.reporter, "status", inside.pk, status=S.AVSLUTAD, note="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("status", response.context["rows"][0].form.errors)
        outside = self.report(point=OUTSIDE_CENTRUM)
        self.assertEqual(self.post(self.reporter, "status", outside.pk, status=S.ATGARDAD).status_code, 404)
        self.assertEqual(self.post(self.viewer, "status", inside.pk, status=S.ATGARDAD).status_code, 403)
        inside.refresh_from_db()
        self.assertEqual(inside.status, S.GRANSKAD)

    def test_it_shows_the_assigned_reports_to_members_who_report(self) -> None:
        expected = {"samordnare": 200, "polis": 200, "reporter": 200, "viewer": 403, "samordnare_b": 404}
        for persona, status in {**expected, "anonymous": 302}.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.client_for(self.personas[persona]).get(url("assigned")).status_code, status)

    def test_it_routes_by_hand_and_logs_it(self) -> None:
        outside = self.report(point=OUTSIDE_CENTRUM)
        self.post(self.polis, "review_route", outside.pk, organisation=self.lpo_a.pk)
        outside.refresh_from_db()
        self.assertEqual(outside.routed_to, self.lpo_a)
        self.assertEqual(
            AuditEvent.objects.get(action="est.incident.route").changes["routed_to"], [None, self.lpo_a.name]
        )
        foreign = Organisation.objects.get(name="Mullsjö kommun")
        response = self.post(self.polis, "review_route", outside.pk, organisation=foreign.pk)
        self.assertEqual(response.status_code, 400)
        self.post(self.polis, "review_route", outside.pk, organisation="")
        outside.refresh_from_db()
        self.assertIsNone(outside.routed_to)

    def test_it_reads_the_assigned_reports_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.reporter)
        self.report()
        with self.assertNumQueries(9):
            client.get(url("assigned"))
        for hours in range(9):
            self.report(hours_ago=hours + 2)
        access = self.access()
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=date(2026, 3, 5))
        for what in ("Sanera klotter", "Byt lampor", "Röj buskage"):
            do_create_measure(access, meeting, actor=self.samordnare, what=what, organisation=self.housing_a)
        with self.assertNumQueries(9):
            response = client.get(url("assigned"))
        self.assertContains(response, "Röj buskage")
        self.assertEqual(len(response.context["rows"]), 10)


class SettingsTest(EstTestCase):
    def test_it_lets_only_the_samordnare_change_the_settings(self) -> None:
        expected = {"samordnare": 200, "polis": 403, "reporter": 403, "viewer": 403, "samordnare_b": 404}
        for persona, status in {**expected, "anonymous": 302}.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.client_for(self.personas[persona]).get(url("settings")).status_code, status)

    def test_it_saves_the_settings_and_logs_the_change(self) -> None:
        data = {
            "duplicate_distance_m": 150,
            "duplicate_hours": 24,
            "grid_m": 500,
            "effect_radius_m": 300,
            "effect_weeks": 8,
        }
        self.assertRedirects(self.post(self.samordnare, "settings", **data), url("settings") + "#settings-heading")
        found = EstSettings.objects.get(partnership=self.partnership_a)
        self.assertEqual((found.duplicate_distance_m, found.duplicate_hours, found.grid_m), (150, 24, 500))
        event = AuditEvent.objects.get(action="est.settings.update")
        self.assertEqual(
            event.changes, {"duplicate_distance_m": [100, 150], "duplicate_hours": [48, 24], "grid_m": [250, 500]}
        )
        self.assertContains(self.client_for(self.samordnare).get(url("review")), "inom 150 m och 24 timmar")
        response = self.post(self.samordnare, "settings", **{**data, "grid_m": 10})
        self.assertEqual(response.status_code, 400)
        self.assertIn("grid_m", response.context["settings_form"].errors)

    def category_data(self, **rows: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for category in Category.objects.filter(partnership=self.partnership_a):
            prefix = f"kategori-{category.pk}"
            row = {"name": category.name, "active": category.active, "citizen": category.citizen}
            row.update(rows.get(category.code, {}))
            data[f"{prefix}-listed"] = "True"
            data[f"{prefix}-name"] = row["name"]
            for flag in ("active", "citizen"):
                if row[flag]:
                    data[f"{prefix}-{flag}"] = "on"
        return data

    def test_it_renames_hides_and_opens_categories_and_logs_each(self) -> None:
        data = self.category_data(
            **{
                "skadegorelse.klotter": {"name": "Klotter och tags"},
                "skadegorelse.brand": {"active": False},
                "ordning.brak": {"citizen": True},
            }
        )
        self.assertRedirects(
            self.client_for(self.samordnare).post(url("settings_categories"), data),
            url("settings") + "#categories-heading",
        )
        klotter, brand, brak = (
            Category.objects.get(partnership=self.partnership_a, code=code)
            for code in ("skadegorelse.klotter", "skadegorelse.brand", "ordning.brak")
        )
        self.assertEqual((klotter.label, brand.active, brak.citizen), ("Klotter och tags", False, True))
        events = AuditEvent.objects.filter(action="est.category.update").order_by("id")
        self.assertEqual(
            [event.changes for event in events],
            [{"name": ["", "Klotter och tags"]}, {"active": [True, False]}, {"citizen": [False, True]}],
        )

    def test_it_refuses_an_empty_category_form_instead_of_hiding_everything(self) -> None:
        response = self.client_for(self.samordnare).post(url("settings_categories"), {})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            Category.objects.filter(partnership=self.partnership_a, active=False, parent__isnull=False)
            .filter(code="skadegorelse.klotter")
            .exists()
        )
        self.assertFalse(AuditEvent.objects.filter(action="est.category.update").exists())

    def test_it_adds_an_own_subcategory_with_a_unique_code(self) -> None:
        main = self.categories["skadegorelse"]
        data = {"parent": main.pk, "name": "Skadad lekplats", "citizen": "on"}
        self.post(self.samordnare, "settings_category_add", **data)
        own = Category.objects.get(partnership=self.partnership_a, code="egen.skadad-lekplats")
        self.assertEqual((own.parent, own.label, own.citizen, own.active), (main, "Skadad lekplats", True, True))
        self.assertEqual(AuditEvent.objects.get(action="est.category.create").changes["code"], "egen.skadad-lekplats")
        response = self.post(self.samordnare, "settings_category_add", **{**data, "name": "Skadad  lekplats!"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("egen.skadad-lekplats", str(response.context["category_form"].errors["name"]))
        response = self.post(
            self.samordnare, "settings_category_add", parent=self.klotter.pk, name="Under en underkategori"
        )
        self.assertEqual(response.status_code, 400)

    def test_it_adds_and_deletes_routing_rules_and_logs_both(self) -> None:
        data = {"category": self.klotter.pk, "area": self.centrum.pk, "organisation": self.housing_a.pk}
        self.assertRedirects(
            self.post(self.samordnare, "settings_routing_add", **data), url("settings") + "#routing-heading"
        )
        rule = RoutingRule.objects.get(partnership=self.partnership_a)
        self.assertEqual((rule.category, rule.area, rule.organisation), (self.klotter, self.centrum, self.housing_a))
        self.assertEqual(self.post(self.samordnare, "settings_routing_add", **data).status_code, 400)
        foreign = Organisation.objects.get(name="Mullsjö kommun")
        response = self.post(self.samordnare, "settings_routing_add", **{**data, "organisation": foreign.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.post(self.polis, "settings_routing_delete", rule.pk).status_code, 403)
        self.post(self.samordnare, "settings_routing_delete", rule.pk)
        self.assertFalse(RoutingRule.objects.exists())
        self.assertEqual(
            [e.action for e in AuditEvent.objects.filter(action__startswith="est.routing").order_by("id")],
            ["est.routing.create", "est.routing.delete"],
        )
        self.assertEqual(
            AuditEvent.objects.get(action="est.routing.create").changes,
            {"category": "skadegorelse.klotter", "area": "0586-centrum", "organisation": self.housing_a.name},
        )


class DuplicateFinderTest(EstTestCase):
    rule = duplicates.Rule(distance_m=100, hours=48)

    def found(self, incident: Incident) -> list[int]:
        return [s.incident.pk for s in duplicates.suggestions_for(incident, self.rule)]

    def test_it_suggests_within_the_distance_and_not_beyond(self) -> None:
        base = self.report(hours_ago=10)
        near = self.report(point=north_of(CENTRE, 99), hours_ago=10)
        far = self.report(point=north_of(CENTRE, 101), hours_ago=10)
        self.assertEqual(self.found(base), [near.pk])
        self.assertEqual(self.found(far), [near.pk])  # 2 m apart

    def test_it_suggests_within_the_hours_and_not_beyond(self) -> None:
        base = self.report(hours_ago=100)
        within = self.report(hours_ago=100 - 47)
        beyond = self.report(hours_ago=100 + 49)
        self.assertEqual(self.found(base), [within.pk])
        self.assertNotIn(beyond.pk, self.found(within))

    def test_it_skips_other_categories_rejected_and_merged_reports(self) -> None:
        base = self.report(hours_ago=5)
        self.report(self.glaskross, hours_ago=5)
        rejected = self.report(hours_ago=5)
        self.post(self.samordnare, "review_reject", rejected.pk, reason="Fel kommun.")
        merged = self.report(hours_ago=5)
        kept = self.report(hours_ago=4)
        self.post(self.samordnare, "review_merge", merged.pk, number=kept.pk)
        self.assertEqual(self.found(base), [kept.pk])

    def test_it_matches_reports_without_a_point_on_area_and_address(self) -> None:
        base = self.report(point=None, area=self.centrum, address="Stora torget 1")
        same = self.report(point=None, area=self.centrum, address="stora  TORGET 1")
        other_address = self.report(point=None, area=self.centrum, address="Järnvägsgatan 2")
        other_area = self.report(point=None, area=self.kommun_a, address="Stora torget 1")
        self.assertEqual(self.found(base), [same.pk])
        self.assertNotIn(base.pk, self.found(other_address) + self.found(other_area))

    def test_it_finds_suggestions_for_a_whole_page_in_one_query(self) -> None:
        reports = [self.report(point=north_of(CENTRE, 20 * n), hours_ago=n + 1) for n in range(6)]
        with self.assertNumQueries(1):
            found = duplicates.suggestions(reports, self.rule)
        self.assertEqual([s.incident.pk for s in found[reports[0].pk]], [r.pk for r in reports[1:6]])
        self.assertEqual(len(found[reports[5].pk]), 5)

    def test_it_compares_plain_points_exactly(self) -> None:
        when = datetime(2026, 3, 2, 12, tzinfo=UTC)
        a = SimpleNamespace(
            category_id=1,
            occurred_at=when,
            latitude=CENTRE.lat,
            longitude=CENTRE.lng,
            area_id=None,
            address="",
            place_name="",
        )
        b = SimpleNamespace(
            **{**vars(a), "latitude": north_of(CENTRE, 99).lat, "occurred_at": when + timedelta(hours=47)}
        )
        c = SimpleNamespace(**{**vars(a), "latitude": north_of(CENTRE, 101).lat})
        d = SimpleNamespace(**{**vars(a), "occurred_at": when + timedelta(hours=49)})
        match = duplicates.compare(a, b, self.rule)  # type: ignore[arg-type]
        assert match is not None
        self.assertAlmostEqual(match[0] or 0, 99, places=3)
        self.assertEqual(match[1], 47)
        self.assertIsNone(duplicates.compare(a, c, self.rule))  # type: ignore[arg-type]
        self.assertIsNone(duplicates.compare(a, d, self.rule))  # type: ignore[arg-type]


class DetailTest(EstTestCase):
    def test_it_shows_a_report_with_its_timeline_and_forms(self) -> None:
        incident = self.report(description="Stort klotter på fasaden.")
        response = self.client_for(self.polis).get(url("review_detail", incident.pk))
        self.assertContains(response, "Stort klotter på fasaden.")
        self.assertContains(response, url("review_approve", incident.pk))
        self.assertContains(response, self.reporter.full_name)
        self.assertEqual(self.client_for(self.reporter).get(url("review_detail", incident.pk)).status_code, 403)
        self.assertEqual(self.client_for(self.samordnare).get(url("review_detail", 999_999)).status_code, 404)

    def test_it_looks_reports_up_only_within_the_partnership(self) -> None:
        foreign = self.report(
            Category.objects.get(partnership=self.partnership_b, code="skadegorelse.klotter"),
            point=None,
            address="Storgatan 1",
            partnership=self.partnership_b,
        )
        self.assertEqual(self.client_for(self.samordnare).get(url("review_detail", foreign.pk)).status_code, 404)
        self.assertEqual(self.post(self.samordnare, "review_approve", foreign.pk).status_code, 404)
        foreign.refresh_from_db()
        self.assertEqual(foreign.status, S.MOTTAGEN)


REVIEW_PAGE_QUERIES = 14


def photo(width: int = 1200, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, "JPEG")
    return out.getvalue()


class EvidenceTest(EstTestCase):
    """The review page shows the report's photo (a thumbnail linking to full size) and links to the report's page;
    the photo reaches only those who may read the report."""

    def setUp(self) -> None:
        super().setUp()
        media = tempfile.TemporaryDirectory()
        self.addCleanup(media.cleanup)
        self.enterContext(override_settings(MEDIA_ROOT=media.name))

    def test_the_review_page_shows_the_photo_and_links_to_the_report(self) -> None:
        incident = self.report(photo=photo(), photo_name="klotter.jpg")
        response = self.client_for(self.samordnare).get(url("review_detail", incident.pk))
        self.assertContains(response, f'<a href="{url("incident", incident.pk)}">Rapportens egen sida</a>', html=True)
        self.assertContains(
            response, f'<a href="{url("photo", incident.pk)}"><img src="{url("photo_thumbnail", incident.pk)}"'
        )
        self.assertContains(response, f'alt="Foto från platsen, rapport #{incident.pk}"')
        self.assertContains(response, "Klicka på bilden för full storlek.")
        without = self.report(hours_ago=2)
        response = self.client_for(self.samordnare).get(url("review_detail", without.pk))
        self.assertNotContains(response, "photo_thumbnail")
        self.assertNotContains(response, "/foto/")
        self.assertContains(response, url("incident", without.pk))

    def test_the_thumbnail_is_a_small_private_jpeg_of_the_stored_photo(self) -> None:
        incident = self.report(photo=photo(), photo_name="klotter.jpg")
        response = self.client_for(self.polis).get(url("photo_thumbnail", incident.pk))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["Cache-Control"], "no-store, private, max-age=0")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Disposition"], f'inline; filename="rapport-{incident.pk}-liten.jpg"')
        image = Image.open(io.BytesIO(response.content))
        self.assertEqual((image.format, image.size), ("JPEG", (480, 360)))
        full = self.client_for(self.polis).get(url("photo", incident.pk))
        self.assertEqual(Image.open(io.BytesIO(b"".join(full.streaming_content))).size, (1200, 900))
        self.assertEqual(full["Cache-Control"], "no-store, private, max-age=0")

    def test_only_those_who_may_read_the_report_get_its_photo(self) -> None:
        school = Organisation.objects.create(name="Mjölby gymnasium", kind=Kind.SKOLA, area=self.kommun_a)
        self.partnership_a.organisations.add(school)
        teacher = make_user("larare@a.example", "Lena Lärare", school, Role.RAPPORTOR)
        incident = self.report(photo=photo(), photo_name="klotter.jpg")
        expected = {
            self.samordnare: 200,
            self.polis: 200,
            self.reporter: 200,  # their own report
            teacher: 404,  # another organisation's member, the report is not routed to them
            self.viewer: 404,
            self.samordnare_b: 404,
        }
        for name in ("photo", "photo_thumbnail"):
            for user, status in expected.items():
                with self.subTest(name, user=user.email):
                    self.assertEqual(self.client_for(user).get(url(name, incident.pk)).status_code, status)
            anonymous = self.client_for(None).get(url(name, incident.pk))
            self.assertEqual(anonymous.status_code, 302)
        RoutingRule.objects.create(partnership=self.partnership_a, organisation=school)
        Incident.objects.filter(pk=incident.pk).update(routed_to=school)
        self.assertEqual(self.client_for(teacher).get(url("photo_thumbnail", incident.pk)).status_code, 200)
        self.assertEqual(self.client_for(self.samordnare).get(url("photo_thumbnail", 999_999)).status_code, 404)

    def test_a_report_without_a_photo_or_with_a_file_that_is_no_image_has_none(self) -> None:
        incident = self.report()
        self.assertEqual(self.client_for(self.samordnare).get(url("photo_thumbnail", incident.pk)).status_code, 404)
        broken = self.report(photo=photo(), photo_name="klotter.jpg", hours_ago=2)
        with broken.photo.open("wb") as handle:
            handle.write(b"<html>inte en bild</html>")
        for name in ("photo", "photo_thumbnail"):
            self.assertEqual(self.client_for(self.samordnare).get(url(name, broken.pk)).status_code, 404)

    def test_the_review_page_reads_no_more_with_a_photo(self) -> None:
        plain = self.report()
        with_photo = self.report(photo=photo(), photo_name="klotter.jpg", point=OUTSIDE_CENTRUM, hours_ago=300)
        client = self.client_for(self.samordnare)
        client.get(url("review_detail", plain.pk))
        for incident in (plain, with_photo):
            with self.assertNumQueries(REVIEW_PAGE_QUERIES):
                client.get(url("review_detail", incident.pk))
