"""The lägesbild benchmark (benchmarks.lagesbild) on a tiny generated dataset: it runs and reports; no timings."""

from __future__ import annotations

import re

from django.test import TestCase, override_settings

from benchmarks import lagesbild as bench_lagesbild
from benchmarks.report import section
from lofte.statistics.models import Event, ImportRun, Metric, Observation

TINY = bench_lagesbild.Size(years=2, metrics=3, events=200, places=20)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LagesbildBenchTest(TestCase):
    def test_the_generated_data_is_deterministic_and_removed_again(self) -> None:
        bench_lagesbild.run(1, TINY, document_repeat=1, keep=True)  # loads the demo
        generated = Observation.objects.filter(import_run__format="bench")
        # 2 years × 3 metrics, and the population of the year the demo has none for (Kolada's is 2025 only).
        self.assertEqual(generated.count(), 2 * 3 + 1)
        self.assertEqual(Event.objects.filter(source_id__startswith="bench-", area__code="0586").count(), 200)
        first = list(generated.order_by("series__metric__code", "period").values_list("value", flat=True))
        events = list(Event.objects.filter(source_id__startswith="bench-").values_list("type", "lat", "lng")[:50])

        self.assertEqual(bench_lagesbild.generate(TINY), (7, 200))  # again, from scratch: the same data
        self.assertEqual(
            list(generated.order_by("series__metric__code", "period").values_list("value", flat=True)), first
        )
        self.assertEqual(
            list(Event.objects.filter(source_id__startswith="bench-").values_list("type", "lat", "lng")[:50]), events
        )

        bench_lagesbild.remove()
        self.assertFalse(Event.objects.filter(source_id__startswith="bench-").exists())
        self.assertFalse(Observation.objects.filter(import_run__format="bench").exists())
        self.assertFalse(Metric.objects.filter(code__startswith="bench.").exists())
        self.assertFalse(ImportRun.objects.filter(format="bench").exists())
        self.assertTrue(Observation.objects.filter(series__area__code="0586").exists())  # the demo's are kept

    def test_it_measures_every_case_and_counts_the_queries(self) -> None:
        result = bench_lagesbild.run(1, TINY, document_repeat=1)
        names = [t.name for t in result.timings]
        for expected in ("GET /lagesbild/0586/ (", "?year=2024&start=2024", "serier.csv", "serier.xlsx"):
            self.assertTrue(any(expected in name for name in names), (expected, names))
        for expected in ("coordinates in memory", "reading the coordinates", "dokument.pdf", "dokument.docx"):
            self.assertTrue(any(expected in name for name in names), (expected, names))
        # The generated events and the demo's real ones of the last 365 days, as on the dashboard.
        counted = {
            int(m.group(1).replace(",", "")) for name in names if (m := re.match(r"hot spots of ([\d,]+) ", name))
        }
        self.assertEqual(len(counted), 1, names)
        self.assertGreaterEqual(counted.pop(), 200)

        requests = [t for t in result.timings if t.name.startswith("GET ")]
        self.assertEqual(len(requests), 6)
        for timing in requests:
            self.assertEqual(timing.status, 200, timing.name)
            self.assertIsInstance(timing.queries, int)
            self.assertGreater(timing.queries, 0, timing.name)
        hotspots = {t.name.rsplit(", ", 1)[1]: t.queries for t in result.timings if t.name.startswith("hot spots")}
        self.assertEqual(hotspots, {"coordinates in memory": 0, "reading the coordinates": 1})
        for timing in result.timings:
            self.assertGreaterEqual(timing.p95_ms, timing.median_ms, timing.name)
        self.assertFalse(Event.objects.filter(source_id__startswith="bench-").exists())  # removed after measuring

        text = section("sqlite", [], 1, None, result)
        self.assertIn("2 years × 3 count metrics = 6 yearly observations", text)
        self.assertIn("| what | median ms | p95 ms | SQL queries |", text)
        self.assertEqual(text.count("\n| GET "), 6)
