"""Acceptance simulation of the API summary's year-on-year verdicts (issue 16), through the database.

Forty series with no true change whose counts are negative binomial with variance 4–8 × the mean, ten or more
years each, loaded as Observations of one area: at most 5 % of the summary's verdicts are ökning/minskning, in
every year asked and over all years together. An area with a true 60 % fall in a series of about 300 a year, among
four other series: the summary calls that series minskning. Fixed seeds (numpy `default_rng`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from django.test import TestCase

from lofte.areas.models import Area
from lofte.statistics.models import ImportRun, Metric, Observation, Series

FIRST, LAST = 2010, 2025
CHANGES = ("okning", "minskning")


def _negative_binomial(rng: np.random.Generator, mean: float, variance_ratio: float, size: int) -> list[int]:
    shape = mean / (variance_ratio - 1)
    return [int(c) for c in rng.negative_binomial(shape, shape / (shape + mean), size)]


def _load(code: str, series: dict[str, list[int]]) -> None:
    """Each series as yearly counts of the area, the first year FIRST, no population (equal exposures)."""
    area = Area.objects.create(code=code, name=f"Simulerad {code}", kind=Area.Kind.KOMMUN)
    run = ImportRun.objects.create(file_name=f"{code}.csv", sha256=code.ljust(64, "0"), format="test", publisher="bra")
    observations = []
    for metric_code, counts in series.items():
        metric = Metric.objects.create(code=metric_code, name=metric_code, unit=Metric.Unit.ANTAL, publisher="bra")
        row = Series.objects.create(metric=metric, area=area)
        observations += [
            Observation(
                series=row,
                period=str(year),
                period_kind="year",
                period_start=date(year, 1, 1),
                value=count,
                import_run=run,
            )
            for year, count in enumerate(counts, start=FIRST)
        ]
    Observation.objects.bulk_create(observations)


class SummarySimulationTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        rng = np.random.default_rng(1616)
        years = LAST - FIRST + 1
        _load(
            "sim-null",
            {
                f"sim.null.{i:02d}": _negative_binomial(rng, rng.uniform(20, 600), rng.uniform(4, 8), years)
                for i in range(40)
            },
        )
        falling = _negative_binomial(rng, 300, 4, years - 1) + _negative_binomial(rng, 120, 4, 1)
        others = {
            f"sim.fall.{i}": _negative_binomial(rng, rng.uniform(50, 600), rng.uniform(4, 8), years) for i in range(4)
        }
        _load("sim-fall", {"sim.fall.target": falling, **others})

    def items(self, code: str, year: int) -> list[dict[str, Any]]:
        with self.assertNumQueries(3):  # the area, every series' values and history, the population
            response = self.client.get(f"/api/v1/areas/{code}/summary", {"year": year})
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["items"]

    def test_no_true_change_gives_at_most_five_percent_changes(self) -> None:
        verdicts = []
        for year in range(FIRST + 6, LAST + 1):  # six to fifteen years of history
            items = self.items("sim-null", year)
            self.assertEqual(len(items), 40)
            called = [item["verdict"] for item in items if item["verdict"] in CHANGES]
            self.assertLessEqual(len(called), 2, year)
            verdicts += [item["verdict"] for item in items]
        self.assertLessEqual(sum(v in CHANGES for v in verdicts) / len(verdicts), 0.05)

    def test_a_sixty_percent_fall_in_three_hundred_a_year_is_a_decrease(self) -> None:
        items = {item["metric"]: item for item in self.items("sim-fall", LAST)}
        target = items.pop("sim.fall.target")
        self.assertEqual(target["verdict"], "minskning", target)
        self.assertFalse(target["dispersion"]["assumed"])
        self.assertLess(target["p_adjusted"], 0.05)
        self.assertTrue(all(item["verdict"] not in CHANGES for item in items.values()))
