"""Dashboards that crashed on real data: Gotland, a kommun that is its own län, and a count with a decimal value."""

from __future__ import annotations

import json
from pathlib import Path

import time_machine

from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.statistics.actions import do_import
from lofte.statistics.models import ImportRun, Metric, Observation, Series
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources"
KOLADA = SOURCES / "kolada/fixtures/kolada_N01951_N07540_alla_kommuner_2025.json"
YEARLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"


def reference(page: object, metric: str, key: str) -> object:
    [compared] = [c for c in page.context["analysis"].compared if c.metric == metric]  # type: ignore[attr-defined]
    return compared.reference(key)


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class GotlandTest(BaseTestCase):
    """Region Gotland (0980) is the only kommun of Gotlands län (09): the län is the kommun itself."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(KOLADA.read_bytes(), KOLADA.name, actor=SystemActor("test"))  # every kommun, Gotland among them

    def test_it_shows_gotlands_dashboard_after_the_kolada_import_of_all_kommuner(self) -> None:
        page = self.client_for(self.viewer).get("/lagesbild/0980/", {"year": 2025})
        self.assertEqual(page.status_code, 200)
        lan = reference(page, "kolada.n07540", "lan")
        self.assertIsNone(lan.comparison)  # type: ignore[attr-defined]
        self.assertEqual(
            lan.note,  # type: ignore[attr-defined]
            "Ingen jämförelse: kommunen är ensam i sitt län, så länet är kommunen själv.",
        )
        riket = reference(page, "kolada.n07540", "riket")
        self.assertIsNotNone(riket.comparison)  # type: ignore[attr-defined]
        self.assertEqual(riket.note, "Summan av 290 kommuner.")  # type: ignore[attr-defined]
        self.assertContains(page, "ensam i sitt län")

    def test_it_shows_gotlands_dashboard_when_the_region_is_published_too(self) -> None:
        """Kolada publishes Region Gotland (0009) beside the kommun (0980), with the same figures."""
        data = json.loads(KOLADA.read_text(encoding="utf-8"))
        region = [item | {"municipality": "0009"} for item in data["values"] if item["municipality"] == "0980"]
        self.assertEqual(len(region), 2)
        do_import(json.dumps({"count": 2, "values": region}).encode(), "kolada_region.json", actor=SystemActor("test"))
        page = self.client_for(self.viewer).get("/lagesbild/0980/", {"year": 2025})
        self.assertEqual(page.status_code, 200)
        self.assertIsNone(reference(page, "kolada.n07540", "lan").comparison)  # type: ignore[attr-defined]
        # … while a kommun of a larger län is still compared with its published figure.
        self.assertEqual(self.client_for(self.viewer).get("/lagesbild/0586/", {"year": 2025}).status_code, 200)

    def test_it_shows_the_län_of_gotland(self) -> None:
        self.assertEqual(self.client_for(self.viewer).get("/lagesbild/09/", {"year": 2025}).status_code, 200)


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class DecimalCountTest(BaseTestCase):
    """A count with a decimal value stored before the import refused them must not take the dashboard down."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        do_import(KOLADA.read_bytes(), KOLADA.name, actor=SystemActor("test"))
        Observation.objects.filter(
            series__metric__code="anmalda.totalt", series__area__code="0586", period="2025"
        ).update(value=2875.5)
        Observation.objects.filter(
            series__metric__code="anmalda.stold", series__area__code="0586", period="2024"
        ).update(value=716.25)
        # A kommun among Mjölby's peers with a decimal count too.
        run = ImportRun.objects.create(file_name="x.csv", sha256="0" * 64, format="test", publisher="bra")
        series = Series.objects.create(
            metric=Metric.objects.get(code="anmalda.totalt"), area=Area.objects.get(code="0513")
        )
        Observation.objects.create(
            series=series, period="2025", period_kind="year", period_start="2025-01-01", value=1500.5,
            import_run=run,
        )  # fmt: skip

    def test_it_shows_the_dashboard_with_a_decimal_in_a_count(self) -> None:
        page = self.client_for(self.viewer).get("/lagesbild/0586/", {"year": 2025, "base": 2024})
        self.assertEqual(page.status_code, 200)
        [total] = [row for row, _trend in page.context["summary"] if row.metric == "anmalda.totalt"]
        self.assertEqual((total.value, total.p_value, total.verdict), (2875.5, None, None))
        self.assertIsNotNone(total.change)  # the change is still shown, only the count test is left out
        [(theft, trend)] = [(row, trend) for row, trend in page.context["summary"] if row.metric == "anmalda.stold"]
        self.assertIsNone(theft.verdict)
        self.assertIsNone(trend)  # no Poisson trend through a year that is not a count
        [(_person, person_trend)] = [pair for pair in page.context["summary"] if pair[0].metric == "anmalda.person"]
        self.assertIsNotNone(person_trend)  # while the series beside it keeps its trend

    def test_it_exports_the_tables_with_a_decimal_in_a_count(self) -> None:
        client = self.client_for(self.viewer)
        for table in ("nyckeltal", "jamforelser", "prioriteringar", "serier"):
            response = client.get(f"/lagesbild/0586/{table}.csv", {"year": 2025, "base": 2024})
            self.assertEqual(response.status_code, 200, table)

    def test_it_answers_the_summary_api_with_a_decimal_in_a_count(self) -> None:
        response = self.client.get("/api/v1/areas/0586/summary", {"year": 2025, "base": 2024})
        self.assertEqual(response.status_code, 200)
        [total] = [item for item in response.json()["items"] if item["metric"] == "anmalda.totalt"]
        self.assertEqual((total["value"], total["verdict"]), (2875.5, None))
