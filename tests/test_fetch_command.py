"""`lofte fetch` against recorded responses served on 127.0.0.1 — never the internet."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from unittest import mock
from urllib.parse import unquote, urlsplit

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from lofte.statistics.models import Event, Observation

SOURCES = Path(__file__).resolve().parent.parent / "lofte" / "statistics" / "sources"
EVENTS = (SOURCES / "polisen" / "fixtures" / "polisen_events_mjolby_motala_mullsjo.json").read_bytes()
KOLADA = (SOURCES / "kolada" / "fixtures" / "kolada_N01951_N07540_0583_0586_0642_2025.json").read_bytes()


@contextmanager
def recorded(routes: dict[str, tuple[int, bytes]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Serve the given path prefixes on a free loopback port; yield the base URL and the requests seen."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": unquote(self.path), "agent": self.headers.get("User-Agent", "")})
            path = urlsplit(self.path).path
            status, body = next((v for k, v in routes.items() if path.startswith(k)), (404, b"{}"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


class FetchCommandTest(TestCase):
    def setUp(self) -> None:
        self.var = self.enterContext(tempfile.TemporaryDirectory())
        self.enterContext(override_settings(VAR_DIR=Path(self.var)))

    def fetch(self, base_env: dict[str, str], *args: str) -> dict[str, object]:
        out = StringIO()
        with mock.patch.dict(os.environ, base_env):
            call_command("fetch", *args, "--json", stdout=out, stderr=StringIO())
        return json.loads(out.getvalue())

    def test_it_archives_polisen_events_once(self) -> None:
        with recorded({"/api/events": (200, EVENTS)}) as (base, seen):
            env = {"LOFTE_POLISEN_URL": f"{base}/api/events"}
            first = self.fetch(env, "polisen", "--kommun", "Mjölby", "Motala", "Mullsjö")
            second = self.fetch(env, "polisen", "--kommun", "Mjölby", "Motala", "Mullsjö")
        self.assertEqual((first["created"], second["created"], second["unchanged"]), (245, 0, 245))
        self.assertEqual(Event.objects.count(), 245)
        self.assertIn("locationname=Mjölby;Motala;Mullsjö", seen[0]["path"])
        self.assertTrue(seen[0]["agent"].startswith("Lofte/"))

    def test_it_fetches_kolada_values(self) -> None:
        with recorded({"/v3/data/kpi/": (200, KOLADA)}) as (base, seen):
            summary = self.fetch(
                {"LOFTE_KOLADA_URL": f"{base}/v3"}, "kolada", "N01951", "--kommun", "0586", "--years", "2025"
            )
        self.assertEqual(summary["created"], 6)
        self.assertEqual(seen[0]["path"], "/v3/data/kpi/N01951/municipality/0586/year/2025")
        self.assertEqual(
            Observation.objects.get(series__area__code="0586", series__metric__code="befolkning.totalt").value, 28823
        )

    def test_it_fails_clearly_when_the_source_answers_an_error(self) -> None:
        with recorded({"/api/events": (500, b"{}")}) as (base, _seen), self.assertRaises(CommandError) as caught:
            self.fetch({"LOFTE_POLISEN_URL": f"{base}/api/events"}, "polisen")
        self.assertIn("Polisen svarade 500", str(caught.exception))
        self.assertFalse(Event.objects.exists())

    def test_it_refuses_an_answer_it_cannot_read(self) -> None:
        with (
            recorded({"/api/events": (200, "<html>underhåll</html>".encode())}) as (base, _seen),
            self.assertRaises(CommandError) as caught,
        ):
            self.fetch({"LOFTE_POLISEN_URL": f"{base}/api/events"}, "polisen")
        self.assertEqual(caught.exception.returncode, 2)

    def test_it_names_an_unknown_kommun(self) -> None:
        with self.assertRaisesMessage(CommandError, "Okänd kommun: Gotham"):
            self.fetch({}, "polisen", "--kommun", "Gotham")
