"""The EST foundation: categories, filing a report, routing and the status transitions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.est.categories import REFERENCE
from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import Category, Incident, RoutingRule
from lofte.est.queries import categories_of
from lofte.est.setup import do_set_up_est
from lofte.est.status import StatusRefused, change_status
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import get_partnership_for_user
from tests.base import BaseTestCase

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=STOCKHOLM)
CENTRE = (58.3255, 15.1273)


def square(lat: float, lng: float, half: float) -> dict[str, object]:
    ring = [[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half], [lng - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


class EstCoreTest(BaseTestCase):
    def setUp(self) -> None:
        self.categories = {c.code: c for c in categories_of(self.partnership_a)}

    def file(self, code: str = "skadegorelse.klotter", **fields: object) -> Incident:
        values: dict[str, object] = {"latitude": CENTRE[0], "longitude": CENTRE[1], **fields}
        item = IncidentInput(category=self.categories[code], occurred_at=NOW - timedelta(hours=2), **values)  # type: ignore[arg-type]
        return report_incidents(
            self.partnership_a,
            [item],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
            now=NOW,
        )[0]

    def test_a_partnership_gets_the_reference_categories_once(self) -> None:
        self.assertEqual(len(self.categories), len(REFERENCE))
        self.assertEqual(self.categories["skadegorelse.klotter"].parent, self.categories["skadegorelse"])
        self.assertEqual(str(self.categories["skadegorelse.klotter"]), "Klotter")
        do_set_up_est(self.partnership_a, actor=SystemActor("test"))
        self.assertEqual(Category.objects.filter(partnership=self.partnership_a).count(), len(REFERENCE))

    def test_a_reference_code_added_later_arrives_hidden(self) -> None:
        Category.objects.filter(partnership=self.partnership_a, code="ryktesspridning").delete()
        do_set_up_est(self.partnership_a, actor=SystemActor("test"))
        again = {c.code: c for c in categories_of(self.partnership_a)}
        self.assertFalse(again["ryktesspridning"].active)
        self.assertTrue(again["arrangemang"].active)

    def test_a_report_is_stored_with_its_area_first_timeline_entry_and_audit_row(self) -> None:
        incident = self.file(description="Klotter på gaveln vid busshållplatsen.", unsafety=3, persons=0)
        self.assertEqual(incident.status, Incident.Status.MOTTAGEN)
        self.assertEqual(incident.area, self.kommun_a)
        self.assertEqual(incident.organisation, self.housing_a)
        self.assertEqual(list(incident.updates.values_list("status", flat=True)), ["mottagen"])
        self.assertTrue(AuditEvent.objects.filter(action="est.incident.report", object_id=str(incident.pk)).exists())

    def test_it_refuses_what_cannot_be_stored_and_stores_nothing_of_the_sitting(self) -> None:
        cases = [
            ({"description": "Ring 070-123 45 67 om det"}, "description"),
            ({"description": "Gjort av 19121212-1212"}, "description"),
            ({"latitude": 59.3293, "longitude": 18.0686}, "latitude"),  # Stockholm
            ({"latitude": None, "longitude": None}, "latitude"),  # nowhere
            ({"unsafety": 6}, "unsafety"),
            ({"police_report_number": "12345"}, "police_report_number"),
            ({"code": "skadegorelse"}, "category"),  # a main category with subcategories
        ]
        for fields, field in cases:
            with self.subTest(field=field, fields=fields):
                code = str(fields.pop("code", "skadegorelse.klotter"))
                good = IncidentInput(self.categories["otrygg_plats.belysning"], NOW, *CENTRE)
                bad = IncidentInput(
                    self.categories[code], NOW, **{"latitude": CENTRE[0], "longitude": CENTRE[1], **fields}
                )  # type: ignore[arg-type]
                with self.assertRaises(IncidentRefused) as refused:
                    report_incidents(
                        self.partnership_a,
                        [good, bad],
                        reporter=self.reporter,
                        organisation=None,
                        actor=self.reporter,
                        source="web",
                        now=NOW,
                    )
                self.assertEqual((refused.exception.field, refused.exception.index), (field, 1))
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_category_of_another_partnership_or_hidden(self) -> None:
        other = {c.code: c for c in categories_of(self.partnership_b)}
        for category in (other["skadegorelse.klotter"], self.categories["skadegorelse.glaskross"]):
            Category.objects.filter(pk=self.categories["skadegorelse.glaskross"].pk).update(active=False)
            category.refresh_from_db()
            with self.subTest(category=category.pk), self.assertRaises(IncidentRefused):
                report_incidents(
                    self.partnership_a,
                    [IncidentInput(category, NOW, *CENTRE)],
                    reporter=None,
                    organisation=None,
                    actor=SystemActor("test"),
                    source="web",
                    now=NOW,
                )

    def test_the_most_specific_routing_rule_wins(self) -> None:
        district = Area.objects.create(
            code="0586-D-1",
            name="Centrum",
            kind=Area.Kind.DISTRICT,
            parent=self.kommun_a,
            geometry=square(*CENTRE, 0.005),
            bbox=[CENTRE[1] - 0.005, CENTRE[0] - 0.005, CENTRE[1] + 0.005, CENTRE[0] + 0.005],
        )
        RoutingRule.objects.create(partnership=self.partnership_a, organisation=self.kommun_org_a)
        RoutingRule.objects.create(
            partnership=self.partnership_a, category=self.categories["skadegorelse"], organisation=self.lpo_a
        )
        RoutingRule.objects.create(
            partnership=self.partnership_a,
            category=self.categories["skadegorelse.klotter"],
            area=district,
            organisation=self.housing_a,
        )
        self.assertEqual(self.file().routed_to, self.housing_a)
        self.assertEqual(self.file().area, district)
        outside = (CENTRE[0] + 0.02, CENTRE[1])
        self.assertEqual(self.file(latitude=outside[0], longitude=outside[1]).routed_to, self.lpo_a)
        self.assertEqual(self.file("otrygg_plats.belysning").routed_to, self.kommun_org_a)

    def test_status_moves_only_along_the_allowed_steps_by_those_allowed(self) -> None:
        incident = self.file()
        samordnare = get_partnership_for_user(self.samordnare, "mjolby")
        reporter = get_partnership_for_user(self.reporter, "mjolby")
        with self.assertRaises(StatusRefused):
            change_status(incident, "atgardad", actor=self.samordnare, access=samordnare)  # not yet reviewed
        with self.assertRaises(StatusRefused):
            change_status(incident, "granskad", actor=self.reporter, access=reporter)
        with self.assertRaises(StatusRefused):
            change_status(incident, "avvisad", actor=self.samordnare, access=samordnare)  # no reason
        with self.captureOnCommitCallbacks(execute=True):
            change_status(incident, "granskad", actor=self.samordnare, access=samordnare, note="Tack!")
        self.assertIsNotNone(incident.reviewed_at)
        self.assertEqual(incident.reviewed_by, self.samordnare)
        self.assertEqual([m.to for m in mail.outbox], [["rapportor@a.example"]])
        # The organisation the report is routed to may record what it did.
        Incident.objects.filter(pk=incident.pk).update(routed_to=self.housing_a)
        incident.refresh_from_db()
        change_status(
            incident,
            "atgardad",
            actor=self.reporter,
            access=reporter,
            organisation_ids=[self.housing_a.pk],
            note="Sanerat.",
        )
        self.assertEqual(incident.status, "atgardad")
        self.assertIsNotNone(incident.resolved_at)
