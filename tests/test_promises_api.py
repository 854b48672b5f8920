"""Writing a promise's follow-up through the API: members who may edit, nobody else."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from lofte.accounts.models import User
from lofte.audit.models import AuditEvent
from lofte.promises.models import Activity, Agreement, Medborgarlofte, Promise
from tests.base import BaseTestCase


class PromiseWriteApiTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Överenskommelse",
            starts_on=date(2024, 1, 1),
            ends_on=date(2025, 12, 31),
        )
        cls.lofte = Medborgarlofte.objects.create(
            agreement=agreement, title="Löfte", year_from=2024, year_to=2025, status=Medborgarlofte.Status.PUBLICERAD
        )
        cls.promise = Promise.objects.create(lofte=cls.lofte, text="Träffar om bedrägerier")
        cls.promise.responsible.set([cls.kommun_org_a])

    def patch(self, user: User | None, body: dict[str, object]) -> Any:
        client = self.client_for(user)
        return client.patch(
            f"/api/v1/promises/items/{self.promise.pk}", json.dumps(body), content_type="application/json"
        )

    def test_a_member_who_may_edit_reports_status_and_progress(self) -> None:
        response = self.patch(self.samordnare, {"status": "pagar", "progress": 40})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"promise": self.promise.pk, "changed": ["status", "progress"]})
        self.promise.refresh_from_db()
        self.assertEqual((self.promise.status, self.promise.progress), ("pagar", 40))
        self.assertTrue(AuditEvent.objects.filter(action="lofte.update_promise_status").exists())
        # Visible to the public at once, although the löfte is decided and published.
        [lofte] = self.client_for(None).get("/api/v1/promises", {"area": "0586"}).json()
        self.assertEqual((lofte["promises"][0]["status"], lofte["promises"][0]["progress"]), ("pagar", 40))

    def test_it_refuses_others(self) -> None:
        self.assertEqual(self.patch(None, {"status": "pagar"}).status_code, 401)
        self.assertEqual(self.patch(self.viewer, {"status": "pagar"}).status_code, 403)
        self.assertEqual(self.patch(self.samordnare_b, {"status": "pagar"}).status_code, 404)
        self.assertEqual(self.patch(self.samordnare, {"status": "klar"}).status_code, 422)
        self.assertEqual(self.patch(self.samordnare, {"status": "pagar", "progress": 140}).status_code, 422)
        self.promise.refresh_from_db()
        self.assertEqual(self.promise.status, "ej_paborjad")

    def test_a_member_records_an_activity(self) -> None:
        client = self.client_for(self.polis)
        url = f"/api/v1/promises/items/{self.promise.pk}/activities"
        body = {"date": "2025-03-12", "text": "Träff på biblioteket", "reach": 34, "organisation": self.lpo_a.slug}
        response = client.post(url, json.dumps(body), content_type="application/json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["organisation"], "Lokalpolisområde Motala")
        self.assertEqual(Activity.objects.get().reach, 34)
        personal = {**body, "text": "Ring 070-123 45 67"}
        refused = client.post(url, json.dumps(personal), content_type="application/json")
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["error"]["code"], "refused")
        unknown = client.post(url, json.dumps({**body, "organisation": "finns-inte"}), content_type="application/json")
        self.assertEqual(unknown.status_code, 409)
        self.assertEqual(Activity.objects.count(), 1)
        self.assertEqual(
            self.client_for(self.viewer).post(url, json.dumps(body), content_type="application/json").status_code, 403
        )
