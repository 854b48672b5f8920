from __future__ import annotations

from pathlib import Path

from django.test import Client, TestCase

from lofte.lib.actors import SystemActor
from lofte.statistics.actions import do_import

SOURCES = Path(__file__).resolve().parent.parent / "lofte" / "statistics" / "sources"
YEARLY = SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
KOLADA = SOURCES / "kolada" / "fixtures" / "kolada_N01951_N07540_0583_0586_0642_2025.json"
EVENTS = SOURCES / "polisen" / "fixtures" / "polisen_events_mjolby_motala_mullsjo.json"
HEADER = "kommun;period;key;count;per100k;preliminary\n"


class ObservationApiTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def test_it_answers_a_series_in_the_documented_shape(self) -> None:
        body = Client().get("/api/v1/observations?area=0586&metric=anmalda.totalt&from=2015&to=2025").json()
        self.assertEqual(
            (body["area"], body["metric"], body["unit"], body["attribution"]),
            ("0586", "anmalda.totalt", "antal", "Källa: Brå"),
        )
        self.assertEqual(len(body["items"]), 11)
        self.assertEqual(
            body["items"][-1],
            {"period": "2025", "value": 2875.0, "per_100k": 9997.0, "preliminary": False, "status": "ok"},
        )

    def test_it_computes_the_rate_from_population_when_none_was_published(self) -> None:
        do_import((HEADER + "0586;2026;total;1500;;1\n").encode(), "prel.csv", actor=SystemActor("test"))
        do_import(KOLADA.read_bytes(), KOLADA.name, actor=SystemActor("test"))
        item = Client().get("/api/v1/observations?area=0586&metric=anmalda.totalt&from=2026").json()["items"][0]
        self.assertEqual((item["value"], item["preliminary"]), (1500.0, True))
        self.assertEqual(item["per_100k"], round(1500 * 100_000 / 28823, 1))
        population = Client().get("/api/v1/observations?area=0586&metric=befolkning.totalt").json()["items"]
        self.assertEqual([(p["value"], p["per_100k"]) for p in population], [(28823.0, None)])

    def test_it_keeps_a_missing_value_apart_from_zero(self) -> None:
        do_import((HEADER + "0642;2026;burglary;..;..;1\n").encode(), "prel.csv", actor=SystemActor("test"))
        item = Client().get("/api/v1/observations?area=0642&metric=anmalda.bostadsinbrott&from=2026").json()["items"][0]
        self.assertEqual((item["value"], item["per_100k"], item["status"]), (None, None, "suppressed"))

    def test_it_answers_404_for_an_unknown_metric(self) -> None:
        response = Client().get("/api/v1/observations?area=0586&metric=finns.inte")
        self.assertEqual((response.status_code, response.json()["error"]["code"]), (404, "not_found"))

    def test_it_reads_a_series_in_a_fixed_number_of_queries(self) -> None:
        with self.assertNumQueries(2):
            Client().get("/api/v1/observations?area=0586&metric=anmalda.totalt")

    def test_it_lists_the_metrics_with_their_hierarchy(self) -> None:
        metrics = {m["code"]: m for m in Client().get("/api/v1/metrics").json()}
        self.assertEqual(metrics["anmalda.bostadsinbrott"]["parent"], "anmalda.stold")


class EventApiTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))

    def test_it_filters_events_by_area_type_and_time(self) -> None:
        client = Client()
        self.assertEqual(len(client.get("/api/v1/events?area=0642&limit=1000").json()), 19)
        frauds = client.get("/api/v1/events?area=0583&type=Bedrägeri&limit=1000").json()
        self.assertTrue(frauds)
        self.assertTrue(all(e["type"] == "Bedrägeri" and e["area"] == "0583" for e in frauds))
        recent = client.get("/api/v1/events?since=2026-08-01T00:00:00%2B02:00&limit=1000").json()
        self.assertTrue(all(e["occurred_at"] >= "2026-07-31T22:00:00" for e in recent))

    def test_it_lists_events_in_a_fixed_number_of_queries(self) -> None:
        with self.assertNumQueries(1):
            Client().get("/api/v1/events?limit=500")
