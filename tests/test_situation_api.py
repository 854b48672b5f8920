from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import statsmodels.api as sm
from django.test import TestCase
from scipy.stats import binomtest
from scipy.stats import f as f_distribution
from statsmodels.stats.multitest import multipletests

from lofte.lib.actors import SystemActor
from lofte.statistics.actions import do_import

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def reference_p_value(kommun: str, key: str, year: int) -> tuple[float, float]:
    """The calibrated p-value of `year` against the year before and φ, computed with statsmodels and scipy from
    Brå's file: φ = Pearson χ² / df of a Poisson GLM with a linear trend over the ten years up to the base year
    (log population offset), then the quasi-Poisson F test of the two counts' deviance / φ, never below the exact
    binomial p."""
    with YEARLY.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter=";") if (r["kommun"], r["key"]) == (kommun, key)]
    series = {int(r["period"]): (int(r["count"]), int(r["count"]) * 100_000 / float(r["per100k"])) for r in rows}
    years = range(year - 10, year)
    counts = np.array([series[y][0] for y in years], float)
    offset = np.log([series[y][1] for y in years])
    fit = sm.GLM(counts, sm.add_constant(np.arange(10.0)), family=sm.families.Poisson(), offset=offset).fit()
    phi = max(1.0, fit.pearson_chi2 / fit.df_resid)
    (c1, e1), (c2, e2) = series[year - 1], series[year]
    pair = sm.GLM(np.array([c1, c2], float), np.ones((2, 1)), family=sm.families.Poisson(), offset=np.log([e1, e2]))
    f_p = f_distribution.sf(pair.fit().deviance / phi, 1, fit.df_resid)
    return max(f_p, binomtest(c2, c1 + c2, e2 / (e1 + e2)).pvalue), phi


class AreaSummaryApiTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def summary(self, code: str = "0586", **params: Any) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/areas/{code}/summary", params)
        self.assertEqual(response.status_code, 200, response.content)
        return {item["metric"]: item for item in response.json()["items"]} | {"_": response.json()}

    def test_it_tests_mjolbys_fall_in_burglaries_against_its_own_variation(self) -> None:
        answer = self.summary(year=2025)
        burglary = answer["anmalda.bostadsinbrott"]
        self.assertEqual((burglary["previous"], burglary["value"], burglary["change"]), (176, 75, -101))
        self.assertEqual((burglary["change_pct"], burglary["per_100k"]), (-57.4, 261.0))
        self.assertEqual(burglary["attribution"], "Källa: Brå")
        # Alone, the fall is larger than the series' usual variation (φ ≈ 5.7 over 2015–2024): minskning.
        p_value, phi = reference_p_value("0586", "burglary", 2025)
        self.assertAlmostEqual(burglary["p_value"], p_value, places=6)
        self.assertAlmostEqual(burglary["p_value"], 0.026, places=3)
        self.assertEqual(
            burglary["dispersion"], {"phi": burglary["dispersion"]["phi"], "df": 8.0, "periods": 10, "assumed": False}
        )
        self.assertAlmostEqual(burglary["dispersion"]["phi"], phi, places=6)
        self.assertEqual(
            (burglary["verdict_alone"], burglary["interval"]), ("minskning", "mellan −80\u00a0% och −9\u00a0%")
        )
        self.assertLess(burglary["ci_high"], 1)
        # One of six counts tested at once: Benjamini–Hochberg lifts p to ≈ 0.157, no longer a clear fall.
        items = answer["_"]["items"]
        adjusted = multipletests([item["p_value"] for item in items], method="fdr_bh")[1]
        self.assertEqual([item["p_adjusted"] for item in items], adjusted.tolist())
        self.assertAlmostEqual(burglary["p_adjusted"], 0.157, places=3)
        self.assertEqual(burglary["verdict"], "ingen_saker_forandring")
        self.assertEqual({item["verdict"] for item in items}, {"ingen_saker_forandring"})

    def test_it_finds_motalas_fall_in_the_total_within_its_usual_variation(self) -> None:
        total = self.summary("0583", year=2025)["anmalda.totalt"]
        self.assertEqual((total["previous"], total["value"]), (5640, 5322))
        p_value, phi = reference_p_value("0583", "total", 2025)
        self.assertAlmostEqual(total["p_value"], p_value, places=6)
        self.assertAlmostEqual(total["p_value"], 0.466, places=3)  # 0.008 with Poisson noise
        self.assertAlmostEqual(phi, 11.86, places=2)
        self.assertEqual(
            (total["verdict"], total["verdict_alone"]), ("ingen_saker_forandring", "ingen_saker_forandring")
        )

    def test_it_marks_preliminary_years(self) -> None:
        from lofte.statistics.models import Observation

        Observation.objects.filter(series__area__code="0586", period="2025").update(preliminary=True)
        total = self.summary(year=2025)["anmalda.totalt"]
        self.assertEqual((total["preliminary"], total["previous_preliminary"]), (True, False))

    def test_it_finds_no_certain_change_in_the_total_since_2023(self) -> None:
        answer = self.summary(year=2025, base=2023)
        total = answer["anmalda.totalt"]
        self.assertEqual((answer["_"]["base"], total["previous"], total["value"]), (2023, 2894, 2875))
        self.assertEqual(total["verdict"], "ingen_saker_forandring")
        self.assertGreater(total["p_value"], 0.5)

    def test_it_lists_every_metric_with_a_value_and_none_without(self) -> None:
        self.assertEqual(
            set(self.summary(year=2025)) - {"_"},
            {
                "anmalda.totalt",
                "anmalda.person",
                "anmalda.stold",
                "anmalda.bostadsinbrott",
                "anmalda.skadegorelse",
                "anmalda.narkotika_vapen",
            },
        )
        self.assertEqual(self.summary(year=2030)["_"]["items"], [])

    def test_it_gives_rates_and_tests_only_to_counts(self) -> None:
        kolada = YEARLY.parents[2] / "kolada/fixtures/kolada_N01951_N07540_0583_0586_0642_2025.json"
        do_import(kolada.read_bytes(), kolada.name, actor=SystemActor("test"))
        answer = self.summary(year=2025)
        population = answer["befolkning.totalt"]
        self.assertEqual((population["value"], population["per_100k"], population["verdict"]), (28823, None, None))
        rate = next(item for code, item in answer.items() if code.startswith("kolada."))
        self.assertEqual((rate["unit"], rate["per_100k"], rate["p_value"]), ("per_100k", None, None))
        # One source of population for both years: the 2025 count from Kolada has no 2024 partner, so the
        # test uses the populations Brå's rates imply, as before.
        self.assertEqual(answer["anmalda.bostadsinbrott"]["verdict_alone"], "minskning")

    def test_it_says_no_data_without_a_base_year(self) -> None:
        total = self.summary(year=1996)["anmalda.totalt"]
        self.assertEqual(
            (total["previous"], total["change"], total["p_value"], total["verdict"]), (None, None, None, "inga_data")
        )
        self.assertEqual((total["p_adjusted"], total["interval"], total["dispersion"]), (None, "", None))

    def test_it_answers_in_a_fixed_number_of_queries(self) -> None:
        with self.assertNumQueries(3):
            self.client.get("/api/v1/areas/0586/summary", {"year": 2025})
        with self.assertNumQueries(3):
            self.client.get("/api/v1/areas/0583/summary", {"year": 2020, "base": 2010})

    def test_it_refuses_an_unknown_area_and_a_missing_year(self) -> None:
        missing = self.client.get("/api/v1/areas/9999/summary", {"year": 2025})
        self.assertEqual((missing.status_code, missing.json()["error"]["code"]), (404, "not_found"))
        self.assertEqual(self.client.get("/api/v1/areas/0586/summary").status_code, 400)
