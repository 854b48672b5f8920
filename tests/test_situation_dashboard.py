from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import time_machine
from openpyxl import load_workbook
from statsmodels.stats.multitest import multipletests

from lofte.analysis.trend import poisson_trend
from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.situation import queries
from lofte.statistics.actions import do_import
from lofte.statistics.models import ImportRun, Metric, Observation, Series
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources"
YEARLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
QUARTERLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv"
EVENTS = SOURCES / "polisen/fixtures/polisen_events_mjolby_motala_mullsjo.json"
URL = "/lagesbild/0586/"


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class DashboardTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for path in (YEARLY, EVENTS):
            do_import(path.read_bytes(), path.name, actor=SystemActor("test"))

    def test_it_shows_the_key_figures_with_their_verdicts(self) -> None:
        page = self.client_for(self.viewer).get(URL)
        self.assertContains(page, "Nyckeltal 2025 jämfört med 2024")
        rows = [row for row, _trend in page.context["summary"]]
        burglary = next(row for row in rows if row.metric == "anmalda.bostadsinbrott")
        # Alone the fall is larger than the series' usual variation (φ ≈ 5.7, p ≈ 0.026, as statsmodels and scipy
        # compute it in tests/test_situation_api.py); one of six counts at once, Benjamini–Hochberg lifts it to
        # p ≈ 0.157 (statsmodels' multipletests below), so the table says no clear change and gives the interval.
        self.assertEqual((burglary.value, burglary.previous, burglary.verdict_alone), (75, 176, "minskning"))
        self.assertAlmostEqual(burglary.p_value or 1, 0.026, places=3)
        adjusted = multipletests([row.p_value for row in rows], method="fdr_bh")[1]
        self.assertEqual([row.p_adjusted for row in rows], adjusted.tolist())
        self.assertEqual(burglary.verdict, "ingen_saker_forandring")
        self.assertContains(page, "ingen tydlig förändring</span><br><small>mellan −80\u00a0% och −9\u00a0%</small>")
        self.assertContains(page, '<td class="num">0,157</td>')
        self.assertContains(page, "prövad ensam: minskning; inte tydlig bland tabellens jämförelser")
        self.assertContains(
            page,
            "Tabellen prövar 6 jämförelser på en gång; gränsen är justerad (Benjamini–Hochberg) så att högst 5 % "
            "av de markerade förändringarna väntas vara slump.",
        )
        self.assertNotContains(page, "säker ")
        self.assertEqual(page.context["form"].initial, {"year": 2025, "base": 2024, "start": 2015})

    def test_it_compares_with_the_chosen_year(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"year": 2025, "base": 2023})
        total = next(row for row, _trend in page.context["summary"] if row.metric == "anmalda.totalt")
        self.assertEqual((total.previous, total.value, total.verdict), (2894, 2875, "ingen_saker_forandring"))
        self.assertContains(page, "ingen tydlig förändring")

    def test_it_shows_the_trend_over_the_charted_years(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"start": 2015})
        trends = {row.metric: trend for row, trend in page.context["summary"]}
        total = trends["anmalda.totalt"]
        assert total is not None
        self.assertEqual((total.periods, total.verdict, round(total.change_pct, 1)), (11, "okning", 3.2))
        # The six trends are one table: Benjamini–Hochberg over their p-values (statsmodels' multipletests).
        rows = list(trends.values())
        adjusted = multipletests([t.p_value for t in rows if t], method="fdr_bh")[1]
        self.assertEqual([t.p_adjusted for t in rows if t], adjusted.tolist())
        self.assertLess(total.p_adjusted or 1, 0.05)
        self.assertEqual(total.verdict_alone, "okning")
        self.assertContains(page, "+3,2 % per år")
        self.assertContains(page, '<span class="verdict verdict-okning">ökning</span>', html=True)
        self.assertContains(page, "mellan +2\u00a0% och +5\u00a0% per år")
        short = self.client_for(self.viewer).get(URL, {"start": 2023})
        self.assertTrue(all(trend is None for _row, trend in short.context["summary"]))  # fewer than five years

    def test_it_draws_each_series_with_its_table_and_source(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"start": 2015, "metric": ["anmalda.totalt"]})
        [(series, svg)] = page.context["series"]
        self.assertEqual((series.code, len(series.points)), ("anmalda.totalt", 11))
        self.assertIn("<svg", svg)
        self.assertContains(page, "Källa: Brå")
        self.assertContains(page, '<th scope="row">2025</th>', html=True)
        self.assertEqual([row.metric for row, _trend in page.context["summary"]], ["anmalda.totalt"])

    def test_it_shows_the_police_events_of_the_last_year(self) -> None:
        page = self.client_for(self.viewer).get(URL)
        self.assertGreater(page.context["event_count"], 0)
        self.assertContains(page, "Händelser per typ")
        self.assertContains(page, "mittpunkt")
        self.assertEqual(len(page.context["matrix"]), 7)
        self.assertContains(page, "Händelser per månad")
        events = page.context["event_count"]
        self.assertEqual(sum(count for _season, count in page.context["seasons"]), events)
        self.assertEqual(sum(month.count for month in page.context["months"]), events)
        self.assertEqual([season for season, _count in page.context["seasons"]], ["vinter", "vår", "sommar", "höst"])

    def test_it_says_when_an_area_has_no_statistics(self) -> None:
        page = self.client_for(self.viewer).get("/lagesbild/0180/")
        self.assertContains(page, "Det finns ingen statistik för området ännu.")

    def test_it_exports_every_table_as_csv_and_excel(self) -> None:
        client = self.client_for(self.viewer)
        csv = client.get(URL + "nyckeltal.csv", {"year": 2025, "base": 2023})
        self.assertEqual(csv["Content-Type"], "text/csv; charset=utf-8")
        text = csv.content.decode("utf-8-sig")
        self.assertIn("anmalda.totalt;Anmälda brott, totalt;antal;2875;9997;2894;-19;-0,7;", text)
        workbook = load_workbook(io.BytesIO(client.get(URL + "serier.xlsx", {"start": 2024}).content))
        rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
        self.assertIn(
            ("anmalda.bostadsinbrott", "Anmälda bostadsinbrott", 2025, 75, 261, False, "ok", "Källa: Brå"), rows
        )
        events = client.get(URL + "handelser.csv").content.decode("utf-8-sig")
        self.assertTrue(events.startswith("typ;antal\r\n"))
        self.assertEqual(client.get(URL + "okand.csv").status_code, 404)
        self.assertEqual(client.get(URL + "nyckeltal.pdf").status_code, 404)

    def test_the_exports_carry_the_unadjusted_and_the_adjusted_p_value(self) -> None:
        client = self.client_for(self.viewer)
        workbook = load_workbook(io.BytesIO(client.get(URL + "nyckeltal.xlsx", {"year": 2025}).content))
        rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
        headers = rows[0]
        burglary = dict(zip(headers, next(r for r in rows if r[0] == "anmalda.bostadsinbrott"), strict=True))
        self.assertAlmostEqual(burglary["p-värde"], 0.026, places=3)
        self.assertAlmostEqual(burglary["p-värde, justerat"], 0.157, places=3)
        self.assertEqual(burglary["bedömning"], "ingen tydlig förändring")
        self.assertEqual(burglary["bedömning utan justering"], "minskning")
        self.assertEqual((burglary["preliminär"], burglary["frihetsgrader"]), (False, 8))
        self.assertAlmostEqual(burglary["spridning (φ)"], 5.70, places=2)
        self.assertTrue(any("Benjamini–Hochberg" in str(r[0]) for r in rows))
        trends = client.get(URL + "trender.csv", {"start": 2015}).content.decode("utf-8-sig").splitlines()
        self.assertTrue(trends[0].startswith("kod;mått;år;förändring % per år;"))
        total = next(line for line in trends if line.startswith("anmalda.totalt;"))
        self.assertIn(";2015–2025;3,2", total)
        self.assertTrue(total.endswith(";ökning;ökning;Källa: Brå"))

    def test_it_marks_preliminary_years_in_the_key_figures(self) -> None:
        Observation.objects.filter(series__area__code="0586", period="2025").update(preliminary=True)
        page = self.client_for(self.viewer).get(URL)
        self.assertContains(page, '75 <small class="preliminary">preliminär</small>')

    def test_it_needs_a_sign_in_and_a_known_area(self) -> None:
        self.assertEqual(self.client_for(None).get(URL).status_code, 302)
        self.assertEqual(self.client_for(self.viewer).get("/lagesbild/9999/").status_code, 404)

    def test_it_answers_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.viewer)
        client.get(URL)
        with self.assertNumQueries(23):  # no population for the year: one more to size the peers by the latest
            client.get(URL)
        # More years, and every kommun's figures to compare with: the count stays the same.
        for path in (QUARTERLY, SOURCES / "kolada/fixtures/kolada_N01951_N07540_alla_kommuner_2025.json"):
            do_import(path.read_bytes(), path.name, actor=SystemActor("test"))
        with self.assertNumQueries(22):
            client.get(URL, {"start": 1996})


class EventPatternTest(BaseTestCase):
    """The database's grouped counts must equal the plain functions of lofte.analysis.events."""

    def test_it_counts_in_the_database_as_the_functions_count(self) -> None:
        from datetime import UTC, datetime

        from lofte.analysis import events as patterns
        from lofte.analysis.hotspots import find_hotspots

        do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))
        since = datetime(2000, 1, 1, tzinfo=UTC)
        for code in ("0586", "0583", "0642"):
            area = self.kommun_a.__class__.objects.get(code=code)
            events = queries.police_events(area, since)
            self.assertGreater(len(events), 10)
            with self.assertNumQueries(4):
                found = queries.event_patterns(area, since)
            self.assertEqual(found.total, len(events))
            self.assertEqual(found.by_type, patterns.counts_by_type(events))
            self.assertEqual(found.matrix, patterns.weekday_hour_matrix(events))
            self.assertEqual(found.months, patterns.counts_by_month(events))
            self.assertEqual(found.seasons, patterns.counts_by_season(events))
            self.assertEqual(found.repeat_places, patterns.repeat_places(events))
            weighted = find_hotspots(found.coordinates, weights=found.weights)
            self.assertEqual(weighted, find_hotspots([(e.lat, e.lng) for e in events]))


NO_DATA = "ingen jämförelse (inga data)"


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class NoDataIsNotZeroTest(BaseTestCase):
    """A series whose values start this year has nothing to compare with last year: no data, never zero."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        run = ImportRun.objects.create(file_name="egen.csv", sha256="1" * 64, format="test", publisher="scb")
        new = {"egen.nattbuss": ("Bråk på nattbussen", Metric.Unit.ANTAL, 40), "egen.oro": ("Oro", "procent", 23.5)}
        for code, (name, unit, value) in new.items():
            metric = Metric.objects.create(code=code, name=name, unit=unit, publisher="scb")
            series = Series.objects.create(metric=metric, area=Area.objects.get(code="0586"))
            Observation.objects.create(
                series=series, period="2025", period_kind="year", period_start=date(2025, 1, 1), value=value,
                import_run=run,
            )  # fmt: skip

    def test_the_dashboard_says_no_data_against_last_year(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"year": 2025, "base": 2024})
        row = next(row for row, _trend in page.context["summary"] if row.metric == "egen.nattbuss")
        self.assertEqual((row.value, row.previous, row.change, row.p_value), (40, None, None, None))
        self.assertEqual((row.verdict, row.verdict_label), ("inga_data", NO_DATA))
        self.assertContains(page, f'<span class="verdict verdict-inga_data">{NO_DATA}</span>', html=True)
        [indicator] = page.context["analysis"].indicators
        self.assertEqual((indicator.previous, indicator.no_comparison), (None, NO_DATA))
        cells = re.search(r"<th scope=\"row\">Bråk på nattbussen</th>(.*?)</tr>", page.content.decode(), re.S)
        assert cells is not None
        self.assertNotIn("ökning", cells.group(1))
        self.assertNotIn("minskning", cells.group(1))

    def test_the_exports_and_the_api_say_no_data(self) -> None:
        client = self.client_for(self.viewer)
        figures = client.get(URL + "nyckeltal.csv", {"year": 2025, "base": 2024}).content.decode("utf-8-sig")
        self.assertIn(f"egen.nattbuss;Bråk på nattbussen;antal;40;;;;;;{NO_DATA};", figures)
        workbook = load_workbook(io.BytesIO(client.get(URL + "indikatorer.xlsx", {"year": 2025}).content))
        rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
        self.assertIn(
            ("egen.oro", "Oro", "procent", 23.5, None, None, None, None, None, NO_DATA), [r[:10] for r in rows]
        )
        items = self.client.get("/api/v1/areas/0586/summary", {"year": 2025}).json()["items"]
        self.assertEqual(next(i for i in items if i["metric"] == "egen.nattbuss")["verdict"], "inga_data")

    def test_a_missing_year_keeps_its_place_in_the_trend_and_the_chart(self) -> None:
        Observation.objects.filter(
            series__metric__code="anmalda.totalt", series__area__code="0586", period="2020"
        ).delete()
        page = self.client_for(self.viewer).get(URL, {"year": 2025, "start": 2015, "metric": ["anmalda.totalt"]})
        [(series, _svg)] = page.context["series"]
        [(_row, trend)] = page.context["summary"]
        counts: list[float | None] = [p.value for p in series.points]
        counts.insert(2020 - 2015, None)
        implied = [p.value * 100_000 / p.per_100k for p in series.points]
        implied.insert(2020 - 2015, None)
        # One trend in the table: the adjustment leaves its p-value as it is.
        assert trend is not None
        self.assertEqual(replace(trend, p_adjusted=None, verdict_alone=None), poisson_trend(counts, implied))
        self.assertEqual(trend.p_adjusted, trend.p_value)
        closed = poisson_trend([c for c in counts if c is not None], [i for i in implied if i])
        self.assertNotEqual(replace(trend, p_adjusted=None, verdict_alone=None), closed)
        self.assertEqual([year for year, point in queries.by_year(series) if point is None], [2020])
