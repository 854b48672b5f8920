"""The dashboard's comparisons with län, riket and similar kommuner, the priority ranking, survey indicators beside
the statistics, hot spots on the map and the parts of a kommun. Expected values are worked out here from the
fixture files themselves, not from the code under test."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import statsmodels.api as sm
import time_machine
from django.utils import timezone
from scipy.stats import binomtest, chi2
from scipy.stats import t as t_distribution
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.situation.dialogues.actions import do_create_dialogue
from lofte.situation.models import Dialogue
from lofte.statistics.actions import do_import
from lofte.statistics.models import Event, ImportRun, Metric, Observation, Series
from lofte.statistics.sources.spreadsheet.parser import Mapping
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources"
YEARLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
KOLADA = SOURCES / "kolada/fixtures/kolada_N01951_N07540_alla_kommuner_2025.json"
NTU = SOURCES / "spreadsheet/fixtures/ntu_exempel.csv"
URL = "/lagesbild/0586/"


def kolada_values() -> dict[tuple[str, str], float]:
    data = json.loads(KOLADA.read_text(encoding="utf-8"))
    return {(v["kpi"], v["municipality"]): v["values"][0]["value"] for v in data["values"]}


def bra_total_2025() -> dict[str, int]:
    """Reported crimes in 2025 per kommun code, straight from Brå's file."""
    rows = csv.DictReader(io.StringIO(YEARLY.read_text(encoding="utf-8")), delimiter=";")
    return {row["kommun"]: int(row["count"]) for row in rows if row["key"] == "total" and row["period"] == "2025"}


def bra_totals(kommun: str) -> dict[int, int]:
    """A kommun's reported crimes per year, straight from Brå's file."""
    rows = csv.DictReader(io.StringIO(YEARLY.read_text(encoding="utf-8")), delimiter=";")
    return {int(row["period"]): int(row["count"]) for row in rows if row["key"] == "total" and row["kommun"] == kommun}


def reference(page: object, metric: str, key: str) -> object:
    [compared] = [c for c in page.context["analysis"].compared if c.metric == metric]  # type: ignore[attr-defined]
    return compared.reference(key)


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class ComparisonTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for path in (YEARLY, KOLADA):
            do_import(path.read_bytes(), path.name, actor=SystemActor("test"))

    def test_it_compares_the_kommun_with_all_of_its_län_and_riket(self) -> None:
        values = kolada_values()
        östergötland = [a.code for a in Area.objects.filter(parent__code="05", kind="kommun")]
        self.assertEqual(len(östergötland), 13)

        def count(code: str) -> int:  # the rate back to a count, with the population of 31 December
            return round(values[("N07540", code)] * values[("N01951", code)] / 100_000)

        mjölby, population = count("0586"), values[("N01951", "0586")]
        län = sum(count(c) for c in östergötland), sum(values[("N01951", c)] for c in östergötland)
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        ref = reference(page, "kolada.n07540", "lan")
        comparison = ref.comparison  # type: ignore[attr-defined]
        expected = (mjölby / population) / (län[0] / län[1])
        self.assertAlmostEqual(comparison.rate_ratio, expected, places=3)
        self.assertAlmostEqual(comparison.rate_ratio, 0.92, places=2)
        self.assertLess(comparison.ci_low, comparison.rate_ratio)
        self.assertLess(comparison.rate_ratio, comparison.ci_high)
        # The test is against the rest of the län. Poisson alone (Mjölby's share of the län's count given the
        # populations, scipy's exact test) calls 8 % lower certain; a kommun's count varies more than that from
        # year to year. Only 2025 is imported, so Mjölby's variation is the stated assumption φ = 6.5, and the test
        # is the quasi-Poisson one: the deviance of equal rates (statsmodels' Poisson GLM) over φ against χ²(1).
        rest = binomtest(mjölby, län[0], population / län[1])
        self.assertLess(rest.pvalue, 1e-5)
        equal = sm.GLM(
            [mjölby, län[0] - mjölby], np.ones((2, 1)), family=sm.families.Poisson(),
            offset=np.log([population, län[1] - population]),
        ).fit()  # fmt: skip
        self.assertEqual(comparison.dispersion.phi, 6.5)
        self.assertAlmostEqual(comparison.p_value, chi2.sf(equal.deviance / 6.5, 1), places=9)
        self.assertAlmostEqual(comparison.p_value, 0.0676, places=4)
        self.assertLess(comparison.ci_low, 1)
        self.assertEqual((comparison.verdict, comparison.label), ("ingen_saker_skillnad", "ingen tydlig skillnad"))
        self.assertEqual(ref.note, "Summan av 13 kommuner.")  # type: ignore[attr-defined]
        riket = reference(page, "kolada.n07540", "riket")
        self.assertEqual(riket.note, "Summan av 290 kommuner.")  # type: ignore[attr-defined]
        self.assertEqual(riket.comparison.verdict, "lagre")  # type: ignore[attr-defined]  # 16 % lower: clear
        self.assertAlmostEqual(riket.comparison.rate_ratio, 0.839, places=3)  # type: ignore[attr-defined]
        self.assertContains(page, "Östergötlands län")
        self.assertContains(page, "Antalen är beräknade ur utgivarens tal per 100 000 och folkmängden.")

    def test_it_refuses_to_compare_with_part_of_a_län(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        ref = reference(page, "anmalda.totalt", "lan")
        self.assertIsNone(ref.comparison)  # type: ignore[attr-defined]
        self.assertEqual(ref.note, "Ingen jämförelse: 11 av 13 kommuner saknar värde.")  # type: ignore[attr-defined]
        self.assertContains(page, "Ingen jämförelse är möjlig för dessa mått")

    def test_it_uses_a_published_figure_for_the_län_when_there_is_one(self) -> None:
        run = ImportRun.objects.create(file_name="lan.csv", sha256="0" * 64, format="test", publisher="bra")
        series = Series.objects.create(
            metric=Metric.objects.get(code="anmalda.totalt"), area=Area.objects.get(code="05")
        )
        Observation.objects.create(
            series=series, period="2025", period_kind="year", period_start="2025-01-01", value=50_000,
            per_100k=10_000, import_run=run,
        )  # fmt: skip
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        comparison = reference(page, "anmalda.totalt", "lan").comparison  # type: ignore[attr-defined]
        # Mjölby 2 875 of 28 823 against 50 000 of the 500 000 the published rate implies.
        self.assertAlmostEqual(comparison.rate_ratio, (2875 / 28823) / (50_000 / 500_000), places=3)
        self.assertEqual(comparison.reference_rate, 10_000)
        # Mjölby's own year-to-year variation, from its totals in the ten years before 2025: the quasi-Poisson
        # dispersion of a log-linear trend (statsmodels: Pearson χ² over the residual degrees of freedom).
        years, totals = zip(*sorted(bra_totals("0586").items())[-11:-1], strict=True)
        fit = sm.GLM(list(totals), sm.add_constant(np.array(years, dtype=float)), family=sm.families.Poisson()).fit()
        self.assertEqual(years, tuple(range(2015, 2025)))
        self.assertAlmostEqual(comparison.dispersion.phi, fit.pearson_chi2 / fit.df_resid, places=9)
        self.assertAlmostEqual(comparison.dispersion.phi, 12.15, places=2)
        self.assertEqual(comparison.dispersion.df, 8)

    def test_it_picks_the_kommuner_nearest_in_size_unless_told_otherwise(self) -> None:
        values = kolada_values()
        own = values[("N01951", "0586")]
        sizes = {code: p for (kpi, code), p in values.items() if kpi == "N01951" and code != "0586"}
        nearest = sorted(sizes, key=lambda code: abs(math.log(sizes[code] / own)))[:10]
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        self.assertEqual(page.context["analysis"].peers, nearest)
        names = dict(Area.objects.filter(code__in=nearest).values_list("code", "name"))
        self.assertEqual(page.context["peer_names"], [names[code] for code in nearest])

        # A year without populations takes the sizes of the latest year that has them.
        earlier = self.client_for(self.viewer).get(URL, {"year": 2024})
        self.assertEqual(earlier.context["analysis"].peers, nearest)

        chosen = self.client_for(self.viewer).get(URL, {"year": 2025, "peers": ["0583", "0642"]})
        self.assertEqual(chosen.context["analysis"].peers, ["0583", "0642"])
        totals = bra_total_2025()
        peers = reference(chosen, "anmalda.totalt", "peers").comparison  # type: ignore[attr-defined]
        pooled = (totals["0583"] + totals["0642"]) / (values[("N01951", "0583")] + values[("N01951", "0642")])
        self.assertAlmostEqual(peers.rate_ratio, (totals["0586"] / own) / pooled, places=4)
        # Two kommuner cannot show how much kommuner like these differ: the ratio, but no verdict and no p-value.
        self.assertEqual(
            (peers.verdict, peers.p_value, peers.ci_low, peers.peers), ("ingen_saker_skillnad", None, None, 2)
        )
        note = reference(chosen, "anmalda.totalt", "peers").note  # type: ignore[attr-defined]
        self.assertIn("För få kommuner med värde för att veta hur mycket kommuner som dessa brukar skilja sig", note)
        # A kommun that is no kommun is refused by the form rather than ignored.
        self.assertFalse(self.client_for(self.viewer).get(URL, {"peers": ["9999"]}).context["form"].is_valid())

    def test_it_judges_the_kommun_against_how_much_its_peers_differ(self) -> None:
        values = kolada_values()
        sizes = {code: p for (kpi, code), p in values.items() if kpi == "N01951"}
        rates = {code: r for (kpi, code), r in values.items() if kpi == "N07540"}

        def count(code: str) -> int:
            return round(rates[code] * sizes[code] / 100_000)

        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        peers = page.context["analysis"].peers
        comparison = reference(page, "kolada.n07540", "peers").comparison  # type: ignore[attr-defined]
        y, n = np.array([count(c) for c in peers], dtype=float), np.array([sizes[c] for c in peers])
        area, population = count("0586"), sizes["0586"]
        # Poisson alone calls Mjölby's 7 % above the ten kommuner's pooled rate certain (scipy's exact test) …
        self.assertLess(binomtest(area, area + int(y.sum()), population / (population + n.sum())).pvalue, 0.01)
        # … but kommuner of Mjölby's size differ by more than that. Reference: τ² of the peers' log rates by
        # Paule–Mandel (statsmodels) and the prediction-interval t test with 10 − 2 degrees of freedom (scipy).
        tau2 = combine_effects(np.log((y + 0.5) / n), 1 / (y + 0.5), method_re="pm").tau2
        centre = math.log((area + 0.5) / population) - math.log((y.sum() + 0.5) / n.sum())
        error = math.sqrt(1 / (area + 0.5) + 1 / (y.sum() + 0.5) + tau2 * (1 + ((y / y.sum()) ** 2).sum()))
        self.assertAlmostEqual(comparison.between, tau2, places=12)
        self.assertAlmostEqual(comparison.p_value, 2 * t_distribution.sf(abs(centre) / error, 8), places=12)
        self.assertAlmostEqual(comparison.rate_ratio, (area / population) / (y.sum() / n.sum()), places=9)
        self.assertAlmostEqual(comparison.rate_ratio, 1.067, places=3)
        self.assertAlmostEqual(math.sqrt(tau2), 0.176, places=3)  # kommuner of this size differ by about ±18 %
        self.assertEqual((comparison.verdict, comparison.peers), ("ingen_saker_skillnad", 10))
        self.assertContains(page, "mellan −30\u00a0% och +64\u00a0%")

    def test_it_adjusts_the_table_for_its_number_of_tests(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        table = page.context["analysis"].compared
        found = [ref.comparison for metric in table for ref in metric.references if ref.comparison]
        self.assertEqual(table.tests, 3)  # only Kolada's rate has a län, riket and ten peers with values
        adjusted = multipletests([c.p_value for c in found], method="fdr_bh")[1]
        self.assertEqual([c.p_adjusted for c in found], list(adjusted))
        self.assertEqual([c.verdict for c in found], ["ingen_saker_skillnad", "lagre", "ingen_saker_skillnad"])
        self.assertEqual([c.verdict_alone for c in found], [c.verdict for c in found])
        self.assertContains(page, "Tabellen prövar 3 jämförelser på en gång")
        self.assertContains(page, "exporten visar p-värdet utan justering")
        self.assertContains(page, "statistiskt säkerställd")
        self.assertNotContains(page, "exakt test, p &lt; 0,05")
        # The export keeps each comparison's own, unadjusted p-value.
        text = self.client_for(self.viewer).get(URL + "jamforelser.csv", {"year": 2025}).content.decode("utf-8-sig")
        [riket] = [line for line in text.splitlines() if line.startswith("kolada.n07540;") and ";Riket;" in line]
        self.assertIn(str(found[1].p_value).replace(".", ",")[:8], riket)
        # … and beside it the adjusted one and the verdict alone; the note says what the correction means.
        self.assertIn("p-värde, justerat;bedömning utan justering", text.splitlines()[0])
        self.assertIn(str(found[1].p_adjusted).replace(".", ",")[:8], riket)
        self.assertTrue(riket.endswith(";lägre"))
        workbook = self.client_for(self.viewer).get(URL + "jamforelser.xlsx", {"year": 2025})
        self.assertEqual(workbook.status_code, 200)
        self.assertContains(page, "5 % av de markerade skillnaderna väntas vara slump")

    def test_it_says_where_a_comparison_alone_would_have_been_judged_otherwise(self) -> None:
        from lofte.analysis.compare import compare_with_reference
        from lofte.situation.comparisons import MetricComparison, Reference, corrected_table

        def row(code: str, count: int, reference: int = 2_000) -> MetricComparison:
            comparison = compare_with_reference(count, 10_000, reference, 100_000, reference_includes_area=False)
            return MetricComparison(code, code, "antal", False, [Reference("peers", "Jämförbara", comparison, "")])

        # 300 and 230 against 200 per 10 000: alone both högre (p < 0.001 and p = 0.047); 4 against 3 is not.
        table = corrected_table([row("a", 300), row("b", 230), row("c", 4, 30)])
        self.assertEqual(table.tests, 3)
        [a], [b], [c] = (r.references for r in table)
        self.assertEqual((a.verdict, b.verdict, c.verdict), ("hogre", "ingen_saker_skillnad", "ingen_saker_skillnad"))
        self.assertEqual((a.note, c.note), ("", ""))
        self.assertEqual(b.note, "Prövad ensam: högre; inte tydlig bland tabellens jämförelser.")
        # The unadjusted p stays where the export reads it; BH by statsmodels beside.
        p_values = [r.references[0].comparison.p_value for r in table]  # type: ignore[union-attr]
        self.assertAlmostEqual(b.comparison.p_value, 0.0467, places=4)  # type: ignore[union-attr]
        self.assertAlmostEqual(
            b.comparison.p_adjusted,  # type: ignore[union-attr]
            multipletests(p_values, method="fdr_bh")[1][1],
            places=12,
        )

    def test_it_compares_in_a_fixed_number_of_queries(self) -> None:
        from lofte.situation.comparisons import compare_area

        mjölby = Area.objects.get(code="0586")
        metrics = list(Metric.objects.values_list("code", flat=True))
        # The kommuner, the names, the metrics, the year's values with Mjölby's ten years before (for its own
        # variation), the populations: the same for one peer or ten, one metric or all.
        with self.assertNumQueries(5):
            table, peers = compare_area(mjölby, 2025, metrics)
        self.assertEqual((len(peers), len(table)), (10, 7))
        with self.assertNumQueries(5):
            compare_area(mjölby, 2025, ["kolada.n07540"], ["0583"])
        with self.assertNumQueries(6):  # no population for 2024: one more to size the peers by the latest year
            compare_area(mjölby, 2024, metrics)

    def test_it_ranks_the_categories_with_reasons(self) -> None:
        page = self.client_for(self.viewer).get(URL, {"year": 2025, "peers": ["0583", "0642"]})
        priorities = page.context["analysis"].priorities
        # Brå's categories are ranked side by side; the total they belong to is not one of them.
        self.assertEqual(
            sorted(p.code for p in priorities),
            ["anmalda.bostadsinbrott", "anmalda.narkotika_vapen", "anmalda.person", "anmalda.skadegorelse",
             "anmalda.stold"],
        )  # fmt: skip
        self.assertEqual([p.rank for p in priorities], [1, 2, 3, 4, 5])
        self.assertEqual([p.score for p in priorities], sorted((p.score for p in priorities), reverse=True))
        first = priorities[0]
        self.assertEqual(first.code, "anmalda.person")  # most reports, rising, no lower than the peers
        self.assertIn("Många anmälningar: 776 (flest av 5).", first.reasons)
        self.assertIn("7 % högre än jämförbara kommuner (ingen tydlig skillnad).", first.reasons)
        self.assertContains(page, "Förslag till prioritering")
        csv_text = self.client_for(self.viewer).get(URL + "prioriteringar.csv", {"peers": ["0583", "0642"]})
        self.assertIn("1;anmalda.person;Anmälda brott mot person;", csv_text.content.decode("utf-8-sig"))

    def test_it_counts_the_partnerships_own_dialogues_as_a_signal(self) -> None:
        from lofte.partnerships.access import PartnershipAccess

        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        for themes in (["narkotika", "trafik"], ["trafik"], ["inbrott"], ["Narkotika"]):
            do_create_dialogue(
                access, actor=self.samordnare, kind=Dialogue.Kind.MEDBORGARDIALOG,
                date=datetime(2025, 3, 1, tzinfo=UTC).date(), place="Stadshuset", themes=themes,
            )  # fmt: skip
        page = self.client_for(self.viewer).get(URL, {"year": 2025})
        reasons = {p.code: p.reasons for p in page.context["analysis"].priorities}
        self.assertIn("Tas upp i 2 av 4 dialoger 2023–2025.", reasons["anmalda.narkotika_vapen"])
        self.assertIn("Tas upp i 1 av 4 dialoger 2023–2025.", reasons["anmalda.bostadsinbrott"])
        self.assertIn("Tas upp i 0 av 4 dialoger 2023–2025.", reasons["anmalda.stold"])
        # Another partnership's members do not see Mjölby's dialogues in the ranking.
        other = self.client_for(self.samordnare_b).get(URL, {"year": 2025})
        for priority in other.context["analysis"].priorities:
            self.assertIn("Ingen uppgift från trygghetsundersökning eller dialog.", priority.reasons)

    def test_it_exports_the_comparisons(self) -> None:
        text = self.client_for(self.viewer).get(URL + "jamforelser.csv", {"year": 2025}).content.decode("utf-8-sig")
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("kod;mått;jämfört med;per 100 000 här"))
        self.assertTrue(any(line.startswith("kolada.n07540;") and "Östergötlands län" in line for line in lines))
        self.assertTrue(any("Ingen jämförelse: 11 av 13 kommuner saknar värde." in line for line in lines))


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class IndicatorTest(BaseTestCase):
    def test_it_shows_survey_indicators_beside_the_crime_statistics(self) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        mapping = Mapping(
            area="kommunkod", period="år", value="andel_oro_procent", metric_code="egen.ntu_oro",
            metric_name="Oro för brott (NTU-exempel)", unit="procent",
        )  # fmt: skip
        do_import(
            NTU.read_bytes(),
            NTU.name,
            actor=SystemActor("test"),
            format_name="spreadsheet",
            options={"mapping": mapping},
        )
        page = self.client_for(self.viewer).get(URL, {"year": 2024, "base": 2023})
        [indicator] = page.context["analysis"].indicators
        self.assertEqual(indicator.metric, "egen.ntu_oro")
        self.assertIsNone(indicator.verdict)  # no Poisson test on a share
        self.assertNotIn("egen.ntu_oro", [row.metric for row, _trend in page.context["summary"]])
        self.assertContains(page, "Oro för brott (NTU-exempel)")
        exported = self.client_for(self.viewer).get(URL + "indikatorer.csv", {"year": 2024, "base": 2023})
        self.assertIn("egen.ntu_oro;Oro för brott (NTU-exempel);procent;", exported.content.decode("utf-8-sig"))
        without = self.client_for(self.viewer).get("/lagesbild/0583/", {"year": 2019})
        self.assertContains(without, "Inga resultat från trygghetsundersökningar eller andra indikatorer för 2019.")


@time_machine.travel("2026-09-01 12:00 +02:00", tick=False)
class HotspotAndDistrictTest(BaseTestCase):
    def add_events(self, points: list[tuple[float, float]]) -> None:
        now = timezone.now()
        Event.objects.bulk_create(
            Event(
                source="test", source_id=str(i), occurred_at=now - timedelta(days=1 + i % 300), type="Skadegörelse",
                summary="", location_name="Mjölby", lat=lat, lng=lng, area=self.kommun_a,
            )
            for i, (lat, lng) in enumerate(points)
        )  # fmt: skip

    def export_note(self) -> str:
        """The note under the hot-spot table in the Excel export (the CSV has the table alone)."""
        from openpyxl import load_workbook

        content = self.client_for(self.viewer).get(URL + "heta-punkter.xlsx").content
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        return str(sheet.cell(row=sheet.max_row, column=1).value)

    def test_it_draws_hot_spots_only_where_the_places_are_precise(self) -> None:
        # A grid of single events over Mjölby, and a cluster of 40 around one place.
        scattered = [(58.28 + 0.01 * r, 14.95 + 0.02 * c) for r in range(8) for c in range(8)]
        cluster = [(58.3252 + 0.0003 * (i % 5), 15.1251 + 0.0004 * (i // 5)) for i in range(40)]
        self.add_events(scattered + cluster)
        page = self.client_for(self.viewer).get(URL)
        found = page.context["hotspots"]
        self.assertTrue(found.precise)
        hot = page.context["hot_cells"]
        self.assertGreater(len(hot), 0)
        # Hot means the adjusted randomisation p is below 5 % (it was z > 1.96 with no correction).
        self.assertTrue(all(cell.p_adjusted < 0.05 and cell.z > 0 for cell in hot))
        self.assertContains(
            page,
            "Rutorna markerade som heta punkter har fler händelser än en slumpmässig fördelning av samma antal skulle "
            f"ge, även när hänsyn tas till att kartan prövar {found.tested} rutor.",
        )
        top = hot[0]
        self.assertAlmostEqual(top.lat, 58.326, delta=0.01)
        self.assertAlmostEqual(top.lng, 15.126, delta=0.01)
        overlay = page.context["hotspot_overlay"]
        self.assertEqual(len(overlay), len([c for c in found.cells if c.hot]))
        self.assertContains(page, 'id="hotspot-overlay"')
        self.assertContains(page, 'data-overlay="hotspot-overlay"')
        text = self.client_for(self.viewer).get(URL + "heta-punkter.csv").content.decode("utf-8-sig")
        header = "latitud;longitud;händelser;z (Gi*);p-värde (slumptest);justerat p-värde;het punkt"
        self.assertTrue(text.startswith(header))
        self.assertIn(f"att {found.tested} rutor prövas (Benjamini–Hochberg)", self.export_note())

    def test_it_claims_no_hot_spots_from_few_or_scattered_events(self) -> None:
        # 20 events, 12 of them in one place: too few for any claim (it was a hot spot with z > 1.96).
        scattered = [(58.28 + 0.02 * r, 14.95 + 0.04 * c) for r in range(2) for c in range(4)]
        self.add_events(scattered + [(58.3252 + 0.0001 * i, 15.1251) for i in range(12)])
        page = self.client_for(self.viewer).get(URL)
        found = page.context["hotspots"]
        self.assertEqual((found.points, found.reason, page.context["hot_cells"]), (20, "too_few_points", []))
        self.assertContains(page, "Bara 20 händelser har en plats. Med färre än 30 går det inte att skilja en samling")
        self.assertNotContains(page, 'data-overlay="hotspot-overlay"')
        self.assertIn("Färre än 30 händelser: ingen bedömning av heta punkter.", self.export_note())

    def test_it_says_so_when_no_cell_is_hot(self) -> None:
        # 64 events, one in each of an 8 × 8 pattern 1.1 km apart: assessed, and nothing is gathered anywhere.
        self.add_events([(58.28 + 0.01 * r, 14.95 + 0.02 * c) for r in range(8) for c in range(8)])
        page = self.client_for(self.viewer).get(URL)
        found = page.context["hotspots"]
        self.assertTrue(found.assessed)
        self.assertEqual(found.hot_count, 0)
        self.assertContains(
            page,
            "Inga heta punkter: ingen ruta har fler händelser än en slumpmässig fördelning av samma antal skulle ge, "
            f"när hänsyn tas till att kartan prövar {found.tested} rutor.",
        )

    def test_it_draws_no_hot_spots_from_centroids(self) -> None:
        self.add_events([(58.3245, 15.1262)] * 30 + [(58.4, 15.6)] * 10)
        page = self.client_for(self.viewer).get(URL)
        self.assertFalse(page.context["hotspots"].precise)
        self.assertEqual(page.context["hotspot_overlay"], [])
        self.assertContains(page, "Händelserna har bara 2 olika koordinater.")
        self.assertNotContains(page, 'data-overlay="hotspot-overlay"')

    def test_it_links_a_kommun_and_its_districts(self) -> None:
        district = Area.objects.create(code="0586-D-centrum", name="Centrum", kind="district", parent=self.kommun_a)
        page = self.client_for(self.viewer).get(URL)
        self.assertContains(page, '<a href="/lagesbild/0586-D-centrum/">Centrum</a>', html=True)
        part = self.client_for(self.viewer).get(f"/lagesbild/{district.code}/")
        self.assertContains(part, "En del av Mjölby.")
        self.assertContains(part, '<a href="/lagesbild/0586/">Lägesbild Mjölby</a>', html=True)
        self.assertEqual(part.context["analysis"].compared if "analysis" in part.context else [], [])
