from __future__ import annotations

import json
import os
from pathlib import Path

from django.test import Client, TestCase

from tests.base import BaseTestCase

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


class AreaApiTest(TestCase):
    def test_it_answers_an_area_by_code(self) -> None:
        response = Client().get("/api/v1/areas/0586")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            {k: body[k] for k in ("code", "name", "kind", "parent")},
            {"code": "0586", "name": "Mjölby", "kind": "kommun", "parent": "05"},
        )
        self.assertAlmostEqual(body["centroid"]["lat"], 58.3, delta=0.2)

    def test_it_answers_404_in_the_one_error_shape(self) -> None:
        response = Client().get("/api/v1/areas/9999")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            response.json(), {"error": {"code": "not_found", "message": "Hittades inte.", "details": None}}
        )

    def test_it_answers_invalid_input_in_the_one_error_shape(self) -> None:
        response = Client().get("/api/v1/areas?kind=planet")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["code"], "bad_request")
        self.assertTrue(response.json()["error"]["details"])

    def test_it_filters_areas(self) -> None:
        lans = Client().get("/api/v1/areas?kind=lan").json()
        kommuner_in_05 = Client().get("/api/v1/areas?parent=05").json()
        self.assertEqual(len(lans), 21)
        self.assertEqual(len(kommuner_in_05), 13)
        self.assertIn("Mjölby", [a["name"] for a in kommuner_in_05])
        self.assertEqual([a["code"] for a in Client().get("/api/v1/areas?q=mjöl").json()], ["0586"])

    def test_it_lists_areas_in_a_fixed_number_of_queries(self) -> None:
        with self.assertNumQueries(1):
            self.assertEqual(len(Client().get("/api/v1/areas?kind=kommun").json()), 290)

    def test_it_serves_the_boundary_as_geojson(self) -> None:
        collection = Client().get("/api/v1/areas/0586/geojson").json()
        self.assertEqual(collection["type"], "FeatureCollection")
        self.assertEqual(collection["features"][0]["properties"]["code"], "0586")
        self.assertEqual(collection["features"][0]["geometry"]["type"], "Polygon")

    def test_it_publishes_an_openapi_document_matching_the_snapshot(self) -> None:
        document = Client().get("/api/v1/openapi.json").json()
        if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
            SNAPSHOT.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        expected = json.loads(SNAPSHOT.read_text())
        self.assertEqual(document, expected, "The API changed: review it, then run UPDATE_SNAPSHOTS=1 pytest")

    def test_it_serves_the_docs_page_from_local_assets(self) -> None:
        response = Client().get("/api/v1/docs")
        self.assertContains(response, "/static/ninja/swagger-ui-bundle.js")
        self.assertNotContains(response, "cdn.")


class PartnershipApiTest(BaseTestCase):
    def test_it_describes_the_partnership_and_its_parties(self) -> None:
        body = self.client_for(self.polis).get("/api/v1/partnerships/mjolby").json()
        self.assertEqual(body["area"], "0586")
        self.assertEqual(
            sorted(o["name"] for o in body["organisations"]),
            ["Bostadsbolaget i Mjölby AB", "Lokalpolisområde Motala", "Mjölby kommun"],
        )

    def test_it_lists_the_colleagues(self) -> None:
        members = self.client_for(self.reporter).get("/api/v1/partnerships/mjolby/members").json()
        self.assertEqual(
            sorted((m["email"], m["role"]) for m in members),
            [
                ("lasare@a.example", "lasare"),
                ("polis@a.example", "polis"),
                ("rapportor@a.example", "rapportor"),
                ("samordnare@a.example", "samordnare"),
            ],
        )

    def test_it_tells_who_is_signed_in(self) -> None:
        body = self.client_for(self.samordnare).get("/api/v1/me").json()
        self.assertEqual(body, {"email": "samordnare@a.example", "name": "Sara Samordnare", "partnerships": ["mjolby"]})

    def test_it_reads_partnerships_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.polis)
        client.get("/api/v1/me")  # warm the session
        # session + user, partnerships, organisations with areas
        with self.assertNumQueries(4):
            client.get("/api/v1/partnerships")
        with self.assertNumQueries(6):
            client.get("/api/v1/partnerships/mjolby/members")
