"""The medborgarlöften benchmark (benchmarks.promises) on a tiny generated dataset: it runs and reports; no timings.

The served part (`lofte serve` in a subprocess) is not run here: the server could not see the test's data, which
stays inside the test's transaction. Its client side, which counts the answers, is tested against a small local
HTTP server instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import connection
from django.test import SimpleTestCase, TestCase

from benchmarks import promises as bench_promises
from benchmarks.harness import count_queries, free_port, load, summarise
from benchmarks.report import section
from lofte.partnerships.models import Partnership
from lofte.promises.models import Agreement, FollowUpRound, Goal, GoalEvaluation, Medborgarlofte
from lofte.promises.published import visible_loften
from lofte.statistics.models import ImportRun, Metric, Observation

TINY = bench_promises.Size(kommuner=3, goals=4)
# Per kommun and metric: the years 2023 and 2025 and the quarters K1–K2 of both.
METRIC_OBSERVATIONS = 3 * 4 * 6


class PromisesBenchTest(TestCase):
    def test_the_generated_data_is_deterministic_and_removed_again(self) -> None:
        generated = bench_promises.generate(TINY)
        self.assertEqual((generated.kommuner, generated.goals), (3, 12))
        ours = Observation.objects.filter(import_run__format=bench_promises.RUN_FORMAT)
        measured = ours.filter(series__metric__code__startswith=bench_promises.METRIC_PREFIX)
        self.assertEqual(measured.count(), METRIC_OBSERVATIONS)
        # Plus each kommun's population for 2023 and 2025 where the store lacks it.
        self.assertEqual(generated.observations, ours.count())
        self.assertLessEqual(generated.observations, METRIC_OBSERVATIONS + 3 * 2)
        self.assertEqual(
            sorted(set(measured.values_list("period", "period_kind"))),
            [
                ("2023", "year"),
                ("2023K1", "quarter"),
                ("2023K2", "quarter"),
                ("2025", "year"),
                ("2025K1", "quarter"),
                ("2025K2", "quarter"),
            ],
        )
        partnerships = Partnership.objects.filter(slug__startswith="bench-")
        self.assertEqual(partnerships.count(), 3)
        loften = Medborgarlofte.objects.filter(agreement__partnership__in=partnerships)
        self.assertEqual(set(loften.values_list("year_from", "year_to")), {(2024, 2025)})
        goals = Goal.objects.filter(lofte__in=loften)
        self.assertEqual(goals.count(), 12)
        self.assertEqual(
            set(goals.values_list("kind", "baseline_period", "due_period")), {("statistik", "2023", "2025")}
        )
        self.assertEqual(set(goals.values_list("target", flat=True)), {"baseline", "percent", "level"})
        for goal in goals.select_related("metric", "lofte__agreement__partnership"):
            goal.full_clean()
            assert goal.metric is not None
            self.assertTrue(goal.metric.code.startswith("bench.lofte."))
            self.assertEqual(goal.area_id, goal.lofte.agreement.partnership.area_id)
        partnership = partnerships.order_by("slug").first()
        assert partnership is not None
        self.assertFalse(visible_loften(None, area=partnership.area.code).exists())  # not published

        first = list(measured.order_by("series__metric__code", "series__area__code", "period").values_list("value"))
        self.assertEqual(bench_promises.generate(TINY), generated)  # again, from scratch: the same data
        again = measured.order_by("series__metric__code", "series__area__code", "period").values_list("value")
        self.assertEqual(list(again), first)

        bench_promises.remove()
        self.assertFalse(Partnership.objects.filter(slug__startswith="bench-").exists())
        self.assertFalse(Agreement.objects.filter(partnership__slug__startswith="bench-").exists())
        self.assertFalse(Goal.objects.filter(metric__code__startswith="bench.lofte.").exists())
        self.assertFalse(Metric.objects.filter(code__startswith="bench.lofte.").exists())
        self.assertFalse(ImportRun.objects.filter(format=bench_promises.RUN_FORMAT).exists())
        self.assertFalse(Observation.objects.filter(import_run__format=bench_promises.RUN_FORMAT).exists())

    def test_it_times_the_evaluations_and_counts_the_queries(self) -> None:
        result = bench_promises.run(1, TINY, serve_seconds=0)
        self.assertIsNone(result.serving)
        self.assertEqual(result.generated.goals, 12)
        names = [t.name for t in result.timings]
        self.assertEqual(len(names), 4, names)
        for expected in ("round ending 2025-12-31", "round ending 2025-06-30", "first time", "again"):
            self.assertTrue(any(expected in name for name in names), (expected, names))
        evaluations = result.timings[:2]
        for timing in evaluations:
            # The goals, then the statistics in two queries whatever the number of goals.
            self.assertEqual(timing.queries, 3, timing.name)
        for timing in result.timings[2:]:
            self.assertGreater(timing.queries, 3, timing.name)
        for timing in result.timings:
            self.assertGreaterEqual(timing.p95_ms, timing.median_ms, timing.name)
        self.assertEqual(set(result.verdicts), {"2025-12-31", "2025-06-30"})
        for counts in result.verdicts.values():
            self.assertEqual(sum(counts.values()), 12, counts)
        # Removed after measuring, the rounds and their evaluations with the löften.
        self.assertFalse(Partnership.objects.filter(slug__startswith="bench-").exists())
        self.assertFalse(FollowUpRound.objects.filter(label="2025 H2", lofte__title__startswith="Genererat").exists())
        self.assertFalse(GoalEvaluation.objects.filter(goal__metric__code__startswith="bench.lofte.").exists())

        text = section("sqlite", [], 1, None, None, result)
        self.assertIn("3 kommuner", text)
        self.assertIn("12 goals", text)
        self.assertIn("| what | median ms | p95 ms | SQL queries |", text)
        self.assertEqual(text.count("\n| evaluate_goals"), 4)
        self.assertNotIn("requests/s", text)

    def test_persisting_stores_one_evaluation_per_goal(self) -> None:
        generated = bench_promises.generate(TINY)
        bench_promises.measure(generated, 1)
        evaluations = GoalEvaluation.objects.filter(goal__metric__code__startswith="bench.lofte.")
        self.assertEqual(evaluations.count(), 12)
        self.assertEqual(set(evaluations.values_list("round__label", flat=True)), {"2025 H2"})
        self.assertEqual(set(evaluations.values_list("period", "baseline_period")), {("2025", "2023")})
        bench_promises.remove()
        self.assertFalse(GoalEvaluation.objects.filter(goal__metric__code__startswith="bench.lofte.").exists())

    def test_queries_are_counted_when_the_query_log_is_full(self) -> None:
        connection.queries_log.extend({"sql": "SELECT 1", "time": "0"} for _ in range(connection.queries_limit))
        self.assertEqual(count_queries(lambda: list(Metric.objects.all()[:1])), 1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        body = b"ok" if status == 200 else b"no"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@contextmanager
def _local_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class LoadClientTest(SimpleTestCase):
    def test_summarise_counts_any_other_answer_as_an_error(self) -> None:
        samples = [(200, 10.0), (200, 30.0), (500, 20.0), (0, 40.0), (200, 50.0)]
        summary = summarise("/x", 4, 2.0, samples)
        self.assertEqual((summary.ok, summary.errors), (3, 2))
        self.assertEqual(summary.statuses, {0: 1, 200: 3, 500: 1})
        self.assertEqual(summary.median_ms, 30.0)
        self.assertEqual(summary.p95_ms, 50.0)
        self.assertEqual(summary.per_second, 1.5)
        empty = summarise("/x", 4, 0.0, [])
        self.assertEqual((empty.ok, empty.errors, empty.median_ms, empty.per_second), (0, 0, 0.0, 0.0))

    def test_load_counts_the_answers_of_a_local_server(self) -> None:
        with _local_server() as port:
            ok = load(port, "/ok", 0.3, 2)
            missing = load(port, "/missing", 0.2, 2)
        self.assertGreater(ok.ok, 0)
        self.assertEqual(ok.errors, 0)
        self.assertEqual(ok.statuses, {200: ok.ok})
        self.assertGreaterEqual(ok.seconds, 0.3)
        self.assertGreater(ok.per_second, 0)
        self.assertEqual(missing.ok, 0)
        self.assertGreater(missing.errors, 0)
        self.assertEqual(missing.statuses, {404: missing.errors})

    def test_a_closed_port_counts_as_errors(self) -> None:
        port = free_port()  # nothing listens there
        closed = load(port, "/ok", 0.1, 1)
        self.assertEqual(closed.ok, 0)
        self.assertGreater(closed.errors, 0)
        self.assertEqual(set(closed.statuses), {0})
