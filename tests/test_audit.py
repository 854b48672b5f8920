from __future__ import annotations

from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import (
    PartnershipRefused,
    do_add_membership,
    do_create_partnership,
    do_update_partnership,
)
from tests.base import BaseTestCase


class AuditTest(BaseTestCase):
    def test_it_records_who_changed_what(self) -> None:
        changed = do_update_partnership(self.partnership_a, name="Trygga Mjölby", actor=self.samordnare)
        self.assertEqual(changed, ["name"])
        event = AuditEvent.objects.latest("id")
        self.assertEqual(
            (event.action, event.actor, event.partnership), ("partnership.update", self.samordnare, self.partnership_a)
        )
        self.assertEqual(event.changes, {"name": ["Samverkan Mjölby", "Trygga Mjölby"]})

    def test_it_writes_nothing_when_nothing_changed(self) -> None:
        before = AuditEvent.objects.count()
        self.assertEqual(do_update_partnership(self.partnership_a, name="Samverkan Mjölby", actor=self.samordnare), [])
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_it_records_membership_changes(self) -> None:
        do_add_membership(self.viewer, self.kommun_org_a, "samordnare", title="Samordnare", actor=self.samordnare)
        event = AuditEvent.objects.latest("id")
        self.assertEqual(event.action, "membership.update")
        self.assertEqual(event.changes["before"], {"role": "lasare", "title": ""})

    def test_it_records_changes_made_in_the_admin(self) -> None:
        client = self.client_for(self.staff)
        url = f"/admin/partnerships/organisation/{self.housing_a.pk}/change/"
        response = client.post(
            url,
            {"name": "Mjölbostäder AB", "slug": self.housing_a.slug, "kind": "bostadsbolag", "area": "", "website": ""},
        )
        self.assertEqual(response.status_code, 302)
        event = AuditEvent.objects.latest("id")
        self.assertEqual(
            (event.action, event.actor, event.object_repr), ("admin.change", self.staff, "Mjölbostäder AB")
        )
        self.assertIn("name", event.changes)

    def test_it_keeps_the_log_read_only_in_the_admin(self) -> None:
        client = self.client_for(self.staff)
        event = AuditEvent.objects.first()
        assert event is not None
        self.assertEqual(client.get("/admin/audit/auditevent/").status_code, 200)
        self.assertEqual(client.get("/admin/audit/auditevent/add/").status_code, 403)
        self.assertEqual(client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code, 403)

    def test_it_shows_the_partnerships_activity_to_its_members(self) -> None:
        do_update_partnership(self.partnership_a, description="Ny text", actor=SystemActor("test"))
        response = self.client_for(self.viewer).get("/samverkan/mjolby/")
        self.assertContains(response, "test ändrade samverkan <strong>Samverkan Mjölby</strong>")


class PartnershipFreeTextTest(BaseTestCase):
    def test_a_partnerships_name_and_description_are_screened_for_personal_data(self) -> None:
        with self.assertRaises(PartnershipRefused) as refused:
            do_update_partnership(self.partnership_a, description="Kontakt: 850709–9805", actor=SystemActor("test"))
        self.assertEqual(refused.exception.field, "description")
        with self.assertRaises(PartnershipRefused) as refused:
            do_create_partnership(
                name="Samverkan anna.svensson@mjolby.se",
                area=self.kommun_a,
                organisations=[],
                actor=SystemActor("test"),
            )
        self.assertEqual(refused.exception.field, "name")
        self.partnership_a.refresh_from_db()
        self.assertEqual(self.partnership_a.description, "")
