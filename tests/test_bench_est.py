"""The EST benchmark (benchmarks.est) on a tiny generated dataset: it runs and reports; no timings.

The served part (`lofte serve` in a subprocess) is not run here: the server could not see the test's data, which
stays inside the test's transaction. Its client side, which POSTs and counts the answers, is tested against a
small local HTTP server instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from benchmarks import est as bench_est
from benchmarks.harness import free_port, load
from benchmarks.report import section
from lofte.areas.models import Area
from lofte.est import places
from lofte.est.models import ApiKey, Category, Incident, IncidentUpdate
from lofte.partnerships.models import Organisation, Partnership

TINY = bench_est.Size(incidents=300, submissions=3)


class EstBenchTest(TestCase):
    def test_the_generated_data_is_deterministic_inside_the_kommun_and_removed_again(self) -> None:
        now = timezone.now()
        generated = bench_est.generate(TINY, now=now)
        partnership = Partnership.objects.get(slug="est-bench")
        incidents = Incident.objects.filter(partnership=partnership)
        self.assertEqual((generated.incidents, incidents.count()), (300, 300))
        self.assertGreater(generated.reviewed, 200)  # most are reviewed
        self.assertLess(generated.reviewed, 300)
        kommun = Area.objects.get(code="0586")
        for lat, lng, occurred in incidents.values_list("latitude", "longitude", "occurred_at"):
            self.assertTrue(places.contains(kommun, places.LatLng(lat, lng)))
            self.assertTrue(now - timedelta(days=366) < occurred < now)
        self.assertEqual(
            IncidentUpdate.objects.filter(incident__partnership=partnership, status="mottagen").count(), 300
        )
        for incident in incidents.exclude(status="mottagen"):
            self.assertEqual(incident.updates.order_by("created_at").last().status, incident.status)
        self.assertEqual(
            set(incidents.filter(category__code="skadegorelse.klotter").values_list("routed_to__slug", flat=True)),
            {"est-bench-bostad"},
        )
        first = list(incidents.order_by("occurred_at", "latitude").values_list("latitude", "category__code"))

        self.assertEqual(bench_est.generate(TINY, now=now), generated)  # again, from scratch: the same data
        again = Incident.objects.filter(partnership__slug="est-bench").order_by("occurred_at", "latitude")
        self.assertEqual(list(again.values_list("latitude", "category__code")), first)

        bench_est.remove()
        self.assertFalse(Partnership.objects.filter(slug="est-bench").exists())
        self.assertFalse(Organisation.objects.filter(slug__startswith="est-bench").exists())
        self.assertFalse(Incident.objects.exists())
        self.assertFalse(IncidentUpdate.objects.exists())
        self.assertFalse(Category.objects.exists())

    def test_it_times_the_weekly_lagesbild_and_the_submissions(self) -> None:
        result = bench_est.run(1, TINY, serve_seconds=0)
        self.assertIsNone(result.serving)
        self.assertEqual(result.generated.incidents, 300)
        names = [t.name for t in result.timings]
        self.assertEqual(len(names), 2, names)
        for expected in ("exact points", "generalised"):
            self.assertTrue(any(expected in name for name in names), (expected, names))
        for timing in result.timings:
            self.assertTrue(timing.name.startswith("compile_week"))
            self.assertGreater(timing.queries, 0)
            self.assertGreaterEqual(timing.p95_ms, timing.median_ms)
        self.assertEqual(result.timings[0].queries, result.timings[1].queries)
        self.assertEqual(result.in_process.count, 3)
        self.assertGreater(result.in_process.per_second, 0)
        self.assertGreaterEqual(result.in_process.p95_ms, result.in_process.median_ms)
        # Removed after measuring, the submitted reports with the generated ones.
        self.assertFalse(Partnership.objects.filter(slug="est-bench").exists())
        self.assertFalse(Incident.objects.exists())
        self.assertFalse(ApiKey.objects.exists())

        text = section("sqlite", [], 1, None, est=result)
        self.assertIn("300 incident reports", text)
        self.assertEqual(text.count("\n| compile_week"), 2)
        self.assertIn("3 `report_incidents` calls", text)
        self.assertIn("reports/s", text)
        self.assertNotIn("Open311 `POST", text)

    def test_the_open311_bodies_file_reports_that_the_api_accepts(self) -> None:
        bench_est.generate(TINY)
        housing = Organisation.objects.get(slug="est-bench-bostad")
        from lofte.est.open311.actions import do_create_api_key
        from lofte.lib.actors import SystemActor

        _key, plaintext = do_create_api_key(housing, label="", actor=SystemActor("test"))
        bodies = bench_est.open311_bodies(plaintext, 3)
        self.assertEqual(len(bodies), 3)
        for body in bodies:
            form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
            response = self.client.post(bench_est.OPEN311_PATH, body, content_type="application/x-www-form-urlencoded")
            self.assertEqual(response.status_code, 200, (form, response.content))
        self.assertEqual(Incident.objects.filter(source=Incident.Source.OPEN311).count(), 3)
        bench_est.remove()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        status = 200 if self.path == "/ok" and body.startswith(b"n=") else 400
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

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


class PostClientTest(SimpleTestCase):
    def test_load_counts_the_answers_to_posts_of_a_local_server(self) -> None:
        bodies = [b"n=1", b"n=2"]
        with _local_server() as port:
            ok = load(port, "/ok", 0.3, 2, bodies=bodies)
            refused = load(port, "/ok", 0.2, 2, bodies=[b"x=1"])
        self.assertGreater(ok.ok, 0)
        self.assertEqual(ok.errors, 0)
        self.assertEqual(ok.path, "POST /ok")
        self.assertGreater(ok.per_second, 0)
        self.assertEqual(refused.ok, 0)
        self.assertEqual(refused.statuses, {400: refused.errors})

    def test_a_closed_port_counts_as_errors(self) -> None:
        closed = load(free_port(), "/ok", 0.1, 1, bodies=[b"n=1"])
        self.assertEqual(closed.ok, 0)
        self.assertGreater(closed.errors, 0)
        self.assertEqual(set(closed.statuses), {0})
