"""Observability: JSON logs with request ids and no personal data, the /metrics endpoint, Sentry's before_send."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import time_machine
from django.test import TestCase, override_settings
from django.utils import timezone

from lofte.citizens.models import Delivery
from lofte.operations.observe.logs import logging_config, scrub
from lofte.operations.observe.multiproc import prepare_multiprocess_dir
from lofte.operations.observe.sentry import before_send
from lofte.operations.schedule.models import JobRun

EMAIL = "anna.svensson@example.se"
PERSONNUMMER = "19850709-9805"
TOKEN = "s3cret-metrics-token-for-tests"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class CapturedLogs:
    """The console handler of Löfte's LOGGING (JSON), writing into a string, on the root logger for a while."""

    def __init__(self, log_format: str = "json") -> None:
        config = logging_config(log_format=log_format, level="INFO")
        config["handlers"]["console"]["stream"] = self.stream = io.StringIO()
        config["root"] = {"handlers": [], "level": "INFO"}
        config["loggers"] = {"lofte_test_capture": {"handlers": ["console"]}}
        logging.config.dictConfig(config)
        self.handler = logging.getLogger("lofte_test_capture").handlers[0]

    def __enter__(self) -> CapturedLogs:
        logging.getLogger().addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.handler)
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]


class LogTest(TestCase):
    def test_it_redacts_personal_data_in_message_and_args_as_json(self) -> None:
        with CapturedLogs() as logs:
            logging.getLogger("lofte.test").warning(
                f"Mail till {EMAIL} misslyckades för %s, se %s", PERSONNUMMER, "https://x.se/sok?q=070-123+45+67"
            )
        (line,) = logs.lines()
        self.assertEqual(line["level"], "WARNING")
        self.assertEqual(line["logger"], "lofte.test")
        self.assertEqual(line["request_id"], "-")
        text = json.dumps(line)
        self.assertNotIn("svensson", text)
        self.assertNotIn("9805", text)
        self.assertNotIn("sok?q", text)
        self.assertIn("[e-postadress borttagen]", line["message"])
        self.assertIn("[personnummer borttaget]", line["message"])
        self.assertIn("https://x.se/sok", line["message"])

    def test_it_redacts_the_traceback_of_an_exception(self) -> None:
        with CapturedLogs() as logs:
            try:
                raise ValueError(f"ogiltig adress {EMAIL}")
            except ValueError:
                logging.getLogger("lofte.test").exception("Det gick fel")
        (line,) = logs.lines()
        self.assertNotIn("svensson", json.dumps(line))
        self.assertIn("[e-postadress borttagen]", line["exc_info"])

    def test_it_writes_text_by_default(self) -> None:
        with CapturedLogs("text") as logs:
            logging.getLogger("lofte.test").info("Hej %s", EMAIL)
        self.assertRegex(logs.stream.getvalue(), r"INFO lofte\.test \[-\] Hej \[e-postadress borttagen\]")

    def test_scrub_cuts_query_strings_of_paths_and_urls(self) -> None:
        self.assertEqual(scrub('"GET /konto/aterstall/?token=abc HTTP/1.1"'), '"GET /konto/aterstall/ HTTP/1.1"')
        self.assertEqual(scrub("se http://a.se/x?y=1#z"), "se http://a.se/x#z")
        self.assertEqual(scrub("Vad? Inget."), "Vad? Inget.")


class RequestIdTest(TestCase):
    def test_it_puts_the_request_id_in_the_log_line_and_the_response(self) -> None:
        with CapturedLogs() as logs:
            response = self.client.get("/finns-inte/?epost=" + EMAIL)
        self.assertEqual(response.status_code, 404)
        request_id = response.headers["X-Request-ID"]
        self.assertRegex(request_id, r"^[0-9a-f]{32}$")
        logged = [line for line in logs.lines() if line["logger"] == "django.request"]
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged[0]["request_id"], request_id)
        self.assertNotIn("svensson", json.dumps(logs.lines()))

    def test_each_request_gets_its_own_id(self) -> None:
        first = self.client.get("/healthz").headers["X-Request-ID"]
        second = self.client.get("/healthz").headers["X-Request-ID"]
        self.assertNotEqual(first, second)

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_it_takes_a_uuid_from_the_trusted_proxy(self) -> None:
        given = uuid.uuid4().hex
        response = self.client.get("/healthz", headers={"X-Request-ID": given})
        self.assertEqual(response.headers["X-Request-ID"], given)

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_it_replaces_an_unsafe_id_from_the_proxy(self) -> None:
        response = self.client.get("/healthz", headers={"X-Request-ID": 'abc" level=ERROR'})
        self.assertRegex(response.headers["X-Request-ID"], r"^[0-9a-f]{32}$")

    @override_settings(LOFTE_PROXY_COUNT=0)
    def test_it_ignores_the_header_without_a_proxy(self) -> None:
        given = uuid.uuid4().hex
        response = self.client.get("/healthz", headers={"X-Request-ID": given})
        self.assertNotEqual(response.headers["X-Request-ID"], given)


@override_settings(LOFTE_METRICS_TOKEN=TOKEN)
class MetricsTest(TestCase):
    def scrape(self) -> str:
        response = self.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        self.assertIn("no-store", response["Cache-Control"])
        return response.content.decode()

    def test_it_counts_requests_by_route_name_and_status(self) -> None:
        before = self.scrape()
        for _ in range(3):
            self.client.get("/healthz")
        self.client.get("/finns-inte/123/")
        text = self.scrape()
        line = 'lofte_http_requests_total{method="GET",route="healthz",status="200"}'
        self.assertEqual(_value(text, line), _value(before, line) + 3)
        self.assertIn('route="unmatched",status="404"', text)
        self.assertIn('lofte_http_request_duration_seconds_bucket{le="0.01",route="healthz"}', text)
        self.assertNotIn("finns-inte", text)

    def test_it_reports_the_task_queue_and_mails(self) -> None:
        from lofte.citizens.dispatch import send_warning

        tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        with override_settings(TASKS=tasks), time_machine.travel(NOW - timedelta(minutes=5), tick=False):
            send_warning.enqueue(999999)
            send_warning.enqueue(999998)
        Delivery.objects.create(kind=Delivery.Kind.CONFIRM, email="a@example.se", sent_at=timezone.now())
        Delivery.objects.create(kind=Delivery.Kind.CONFIRM, email="b@example.se", sent_at=timezone.now())
        Delivery.objects.create(kind=Delivery.Kind.CONFIRM, email="c@example.se", failed_at=timezone.now())
        Delivery.objects.create(kind=Delivery.Kind.CONFIRM, email="d@example.se")
        with time_machine.travel(NOW, tick=False):
            text = self.scrape()
        self.assertEqual(_value(text, "lofte_tasks_ready"), 2)
        self.assertEqual(_value(text, "lofte_tasks_oldest_ready_age_seconds"), 300)
        self.assertEqual(_value(text, 'lofte_tasks{status="ready"}'), 2)
        self.assertEqual(_value(text, 'lofte_mail_deliveries_total{outcome="sent"}'), 2)
        self.assertEqual(_value(text, 'lofte_mail_deliveries_total{outcome="failed"}'), 1)
        self.assertEqual(_value(text, "lofte_mail_deliveries_pending"), 1)
        self.assertNotIn("example.se", text)

    def test_a_scrape_costs_a_fixed_number_of_queries(self) -> None:
        # the queue (3), the mail (1) and the scheduled jobs' outcomes (1)
        with self.assertNumQueries(5):
            self.scrape()
        Delivery.objects.bulk_create(
            Delivery(kind=Delivery.Kind.CONFIRM, email=f"p{i}@example.se", sent_at=timezone.now()) for i in range(20)
        )
        with self.assertNumQueries(5):
            self.scrape()

    def test_it_reports_each_scheduled_jobs_runs_by_outcome(self) -> None:
        finished = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        for day in (1, 2, 3):
            started = datetime(2026, 3, day, 1, 30, tzinfo=UTC)
            JobRun.objects.create(
                job="gallring", due_at=started, started_at=started, finished_at=started, outcome=JobRun.OK
            )
        JobRun.objects.create(
            job="polisen", due_at=finished, started_at=finished, finished_at=finished, outcome=JobRun.FAILED
        )
        text = self.scrape()
        self.assertEqual(_value(text, 'lofte_job_runs_total{job="gallring",outcome="ok"}'), 3)
        self.assertEqual(_value(text, 'lofte_job_runs_total{job="polisen",outcome="failed"}'), 1)
        last = 'lofte_job_last_finished_timestamp_seconds{job="polisen",outcome="failed"}'
        self.assertEqual(_value(text, last), finished.timestamp())

    def test_it_refuses_a_missing_or_wrong_token(self) -> None:
        self.assertEqual(self.client.get("/metrics").status_code, 401)
        self.assertEqual(self.client.get("/metrics", headers={"Authorization": "Basic eDp5"}).status_code, 401)
        wrong = self.client.get("/metrics", headers={"Authorization": "Bearer nej"})
        self.assertEqual(wrong.status_code, 403)
        self.assertNotIn(b"lofte_", wrong.content)

    def test_it_compares_the_token_in_constant_time(self) -> None:
        with mock.patch("lofte.operations.observe.metrics.hmac.compare_digest", return_value=False) as compare:
            response = self.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 403)
        compare.assert_called_once_with(TOKEN.encode(), TOKEN.encode())

    @override_settings(LOFTE_METRICS_TOKEN="")
    def test_it_is_off_without_a_token(self) -> None:
        response = self.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 404)

    def test_it_answers_only_get_and_head(self) -> None:
        response = self.client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 405)


class MultiprocessDirTest(TestCase):
    def test_it_empties_var_metrics_and_sets_the_variable(self) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as var, mock.patch.dict(os.environ, clear=False) as environ:
            environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            stale = Path(var) / "metrics" / "counter_123.db"
            stale.parent.mkdir()
            stale.write_bytes(b"old")
            directory = prepare_multiprocess_dir(Path(var))
            self.assertEqual(directory, Path(var) / "metrics")
            self.assertEqual(environ["PROMETHEUS_MULTIPROC_DIR"], str(directory))
            self.assertFalse(stale.exists())


class SentryTest(TestCase):
    def test_before_send_redacts_messages_exceptions_breadcrumbs_and_request(self) -> None:
        event: dict[str, Any] = {
            "message": f"Fel för {EMAIL}",
            "logentry": {"message": "Fel för %s", "params": [PERSONNUMMER], "formatted": f"Fel för {PERSONNUMMER}"},
            "exception": {
                "values": [
                    {
                        "type": "ValueError",
                        "value": f"ring 070-123 45 67 eller {EMAIL}",
                        "stacktrace": {"frames": [{"function": "f", "vars": {"email": EMAIL}}]},
                    }
                ]
            },
            "breadcrumbs": {"values": [{"message": f"SELECT … '{EMAIL}'", "data": {"to": [EMAIL]}}]},
            "request": {
                "method": "POST",
                "url": f"https://lofte.example/tips/?epost={EMAIL}",
                "query_string": f"epost={EMAIL}",
                "cookies": {"sessionid": "abc"},
                "data": {"text": EMAIL},
                "headers": {"Cookie": "sessionid=abc", "Authorization": "Bearer x", "User-Agent": "Firefox"},
                "env": {"REMOTE_ADDR": "10.1.2.3"},
            },
            "user": {"ip_address": "10.1.2.3", "email": EMAIL},
        }
        result = before_send(event, {})
        text = json.dumps(result, ensure_ascii=False)
        for secret in ("svensson", "9805", "123 45 67", "sessionid", "Bearer", "10.1.2.3", "epost="):
            self.assertNotIn(secret, text)
        self.assertEqual(result["request"], {"method": "POST", "url": "https://lofte.example/tips/",
                                             "headers": {"User-Agent": "Firefox"}})  # fmt: skip
        self.assertEqual(result["logentry"]["message"], "Fel för [personnummer borttaget]")
        self.assertIn("[e-postadress borttagen]", result["exception"]["values"][0]["value"])

    def test_it_starts_only_with_a_dsn(self) -> None:
        from lofte.operations.observe.sentry import init_sentry

        with mock.patch("sentry_sdk.init") as init:
            self.assertFalse(init_sentry(dsn="", environment="test", release="lofte@1", traces_sample_rate=0))
            init.assert_not_called()
            self.assertTrue(
                init_sentry(
                    dsn="https://k@glitchtip.example/1",
                    environment="production",
                    release="lofte@1",
                    traces_sample_rate=0,
                )
            )
        options = init.call_args.kwargs
        self.assertIs(options["send_default_pii"], False)
        self.assertEqual(options["max_request_body_size"], "never")
        self.assertEqual(options["environment"], "production")
        self.assertEqual(options["release"], "lofte@1")
        self.assertIs(options["before_send"], before_send)


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
