"""`make run` / `lofte serve` as a product: DEBUG off, Löfte's own error pages, mails that link to where the
site answers, and no log line that looks like an error when nothing is wrong."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import checks, mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

import lofte.urls
from lofte.citizens.models import AdvicePage
from lofte.core.management.commands import serve
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import RoutingRule
from lofte.est.queries import categories_of
from lofte.est.status import change_status
from lofte.lib.links import absolute_url, served_site_url
from lofte.partnerships.access import get_partnership_for_user
from tests.base import BaseTestCase
from tests.conftest import IMMEDIATE

LOFTE = str(Path(sys.executable).parent / "lofte")
PACKAGE = Path(__file__).resolve().parent.parent / "lofte"
NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, for the test of the 500 page")


urlpatterns = [path("test-fel/", _boom), *lofte.urls.urlpatterns]


def settings_in_a_fresh_process(tmp_path: Path, code: str, **variables: str) -> str:
    """What the settings say when `lofte` starts with only these variables set (as `make run` starts it)."""
    dropped = {"DATABASE_URL", "LOFTE_ENV", "DEBUG", "SITE_URL", "PORT", "HOST", "ALLOWED_HOSTS"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(LOFTE_VAR_DIR=str(tmp_path), **variables)
    result = subprocess.run(
        [LOFTE, "shell", "-c", code], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


# Settings


def test_it_serves_with_debug_off_unless_debug_is_set(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert settings_in_a_fresh_process(tmp_path, code) == "False"
    assert settings_in_a_fresh_process(tmp_path, code, DEBUG="true") == "True"


def test_it_links_to_the_port_it_is_served_on_unless_site_url_is_set(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SITE_URL, settings.ALLOWED_HOSTS)"
    assert settings_in_a_fresh_process(tmp_path, code).startswith("http://127.0.0.1:8000 ")
    assert settings_in_a_fresh_process(tmp_path, code, PORT="8123").startswith("http://127.0.0.1:8123 ")
    chosen = settings_in_a_fresh_process(tmp_path, code, PORT="8123", SITE_URL="http://lofte.test:9000")
    assert chosen.startswith("http://lofte.test:9000 ")
    # Served under its own name in development, the site answers to that name too.
    assert "'lofte.test'" in chosen


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),  # noqa: S104
        ("::", 8000, "http://127.0.0.1:8000"),
        ("::1", 8001, "http://[::1]:8001"),
        ("lofte.local", 80, "http://lofte.local:80"),
    ],
)
def test_it_names_the_address_a_server_answers_on(host: str, port: int, expected: str) -> None:
    assert served_site_url(host, port) == expected


def test_it_builds_links_from_the_site_url_only(settings: Any) -> None:
    settings.SITE_URL = "https://lofte.mjolby.se/"
    assert absolute_url("/kommun/0586/") == "https://lofte.mjolby.se/kommun/0586/"
    with pytest.raises(ValueError, match="from the site's root"):
        absolute_url("kommun/0586/")


def test_no_mail_builds_a_link_of_its_own() -> None:
    """Every link that leaves the site goes through lofte.lib.links: none reads SITE_URL or the request's host."""
    # settings.py and `lofte serve` decide SITE_URL; the deploy check reads it.
    configuring = ("lib/links.py", "settings.py", "core/checks.py", "core/management/commands/serve.py")
    allowed = {PACKAGE / name for name in configuring}
    offenders = [
        str(source.relative_to(PACKAGE))
        for source in PACKAGE.rglob("*.py")
        if source not in allowed
        and "/tests/" not in str(source)
        and re.search(r"settings\.SITE_URL|build_absolute_uri\(", source.read_text(encoding="utf-8"))
    ]
    offenders += [
        str(template.relative_to(PACKAGE))
        for template in PACKAGE.rglob("*.txt")
        if "templates" in template.parts and re.search(r"\{\{\s*(domain|protocol)\s*\}\}", template.read_text())
    ]
    assert offenders == []


# The serve command: mails link to the port it binds


class ServeTest(BaseTestCase):
    def serve(self, *args: str, environ: dict[str, str] | None = None, while_serving: Any = None) -> dict[str, Any]:
        """Run `lofte serve` with gunicorn's loop replaced by `while_serving`; returns the task worker started."""
        workers: list[dict[str, Any]] = []

        class Worker:
            def __init__(self, command: list[str], **kwargs: Any) -> None:
                workers.append({"command": command, **kwargs})

            def terminate(self) -> None:
                pass

            def wait(self, timeout: float) -> int:
                return 0

        def run(app: BaseApplication) -> None:
            served.append(app.cfg.bind)
            self.served_config = app.cfg
            if while_serving is not None:
                with override_settings(TASKS=IMMEDIATE):  # the worker's part, done here and now
                    while_serving()

        served: list[list[str]] = []
        with (
            pytest.MonkeyPatch.context() as patch,
            override_settings(TASKS={"default": {"BACKEND": serve.DATABASE_TASKS}}, SITE_URL="http://127.0.0.1:8000"),
        ):
            patch.setattr(BaseApplication, "run", run)
            patch.setattr(serve.subprocess, "Popen", Worker)
            for name in ("SITE_URL", "PORT", "HOST"):
                patch.delenv(name, raising=False)
            for name, value in (environ or {}).items():
                patch.setenv(name, value)
            call_command("serve", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115
        self.assertEqual(len(served), 1)
        [worker] = workers
        return worker

    def test_it_starts_the_supervised_workers_not_a_bare_db_worker(self) -> None:
        worker = self.serve()
        self.assertEqual(worker["command"][1:], ["-m", "lofte.cli", "worker"])

    def test_it_makes_the_server_and_its_worker_link_to_the_port_it_serves_on(self) -> None:
        worker = self.serve("--port", "8123", while_serving=lambda: self.assert_mails_link_to("http://127.0.0.1:8123"))
        self.assertEqual(worker["env"]["SITE_URL"], "http://127.0.0.1:8123")

    def test_it_reads_the_port_from_the_environment(self) -> None:
        worker = self.serve(
            environ={"PORT": "8124"}, while_serving=lambda: self.assert_mails_link_to("http://127.0.0.1:8124")
        )
        self.assertEqual(worker["env"]["SITE_URL"], "http://127.0.0.1:8124")

    def test_site_url_when_set_wins_over_the_port(self) -> None:
        site = "https://lofte.mjolby.se"
        worker = self.serve(
            "--port", "8123", environ={"SITE_URL": site}, while_serving=lambda: self.assert_mails_link_to(site)
        )
        self.assertEqual(worker["env"]["SITE_URL"], site)

    def test_its_access_log_holds_no_query_string_and_no_referrer(self) -> None:
        self.serve()
        log_format = self.served_config.access_log_format
        logger = Logger(self.served_config)
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/open311/v2/services.json?api_key=hemlig-nyckel",
            "PATH_INFO": "/open311/v2/services.json",
            "QUERY_STRING": "api_key=hemlig-nyckel",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.5",
            "HTTP_REFERER": "https://lofte.example/konto/losenord/aterstall/MQ/token-hemlig/",
        }
        response = SimpleNamespace(status="400 Bad Request", sent=120, headers=[])
        line = log_format % logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
        self.assertIn('"GET /open311/v2/services.json HTTP/1.1" 400', line)
        self.assertNotIn("hemlig", line)

    def assert_mails_link_to(self, site: str) -> None:
        """The reset mail (sent by the web server) and a reporter's notification (sent by the worker)."""
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            Client(HTTP_HOST="localhost").post("/konto/losenord/glomt/", {"email": self.viewer.email})
        with time_machine.travel(NOW, tick=False):
            categories = {c.code: c for c in categories_of(self.partnership_a)}
            item = IncidentInput(
                category=categories["skadegorelse.klotter"],
                occurred_at=timezone.now() - timedelta(hours=2),
                latitude=58.3255,
                longitude=15.1273,
            )
            (incident,) = report_incidents(
                self.partnership_a,
                [item],
                reporter=self.reporter,
                organisation=self.housing_a,
                actor=self.reporter,
                source="web",
            )
            access = get_partnership_for_user(self.samordnare, "mjolby")
            with self.captureOnCommitCallbacks(execute=True):
                change_status(incident, "granskad", actor=self.samordnare, access=access)
        reset, notification = mail.outbox
        self.assertRegex(reset.body, re.escape(site) + r"/konto/losenord/aterstall/\S+/")
        self.assertIn(f"{site}/samverkan/mjolby/est/", notification.body)
        for message in (reset, notification):
            self.assertNotIn("localhost", message.body)
            self.assertNotIn("testserver", message.body)


# Error pages


@override_settings(DEBUG=False)
class ErrorPageTest(BaseTestCase):
    def test_an_unknown_address_gets_loftes_swedish_404(self) -> None:
        response = Client().get("/finns-inte/")
        self.assertEqual(response.status_code, 404)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn("<title>Sidan finns inte – Löfte</title>", html)
        self.assertIn("lofte/lofte.css", html)
        self.assertIn('href="/"', html)
        self.assertNotIn("URLconf", html)
        self.assertNotIn("urlpatterns", html)

    def test_the_404_is_english_for_a_visitor_who_chose_english(self) -> None:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/finns-inte/")
        self.assertEqual(response.status_code, 404)
        self.assertIn('<html lang="en">', response.content.decode())

    @override_settings(ROOT_URLCONF=__name__)
    def test_a_crash_gets_loftes_swedish_500_without_the_traceback(self) -> None:
        with self.assertLogs("django.request", level="ERROR"):
            response = Client(raise_request_exception=False).get("/test-fel/")
        self.assertEqual(response.status_code, 500)
        html = response.content.decode()
        self.assertIn('<html lang="sv">', html)
        self.assertIn("<title>Något gick fel – Löfte</title>", html)
        self.assertIn("lofte/lofte.css", html)
        self.assertIn("Felet är loggat", html)
        self.assertNotIn("a bug, for the test", html)
        self.assertNotIn("Traceback", html)
        self.assertNotIn("Something went wrong", html)  # Swedish first: English only for those who chose it


# Quiet logs


def test_the_system_check_has_nothing_to_say_about_the_database(db: Any) -> None:
    """models.W047: a unique constraint with nulls_distinct, which SQLite (and PostgreSQL before 15) never creates."""
    messages = checks.run_checks(databases=["default"], include_deployment_checks=False)
    assert [message.id for message in messages] == []


class UniqueOnEveryDatabaseTest(BaseTestCase):
    """What W047 warned of: the constraints it named were never created on SQLite. Now they hold everywhere."""

    def test_a_routing_rule_for_all_categories_and_the_whole_kommun_exists_once(self) -> None:
        RoutingRule.objects.create(partnership=self.partnership_a, organisation=self.housing_a)
        with self.assertRaises(IntegrityError), transaction.atomic():
            RoutingRule.objects.create(partnership=self.partnership_a, organisation=self.lpo_a)
        RoutingRule.objects.create(partnership=self.partnership_b, organisation=self.kommun_org_b)

    def test_a_shared_advice_slug_exists_once(self) -> None:
        AdvicePage.objects.create(slug="test-rad", title="Råd", body="Text")
        with self.assertRaises(IntegrityError), transaction.atomic():
            AdvicePage.objects.create(slug="test-rad", title="Råd igen", body="Text")
        AdvicePage.objects.create(partnership=self.partnership_a, slug="test-rad", title="Eget råd", body="Text")


def test_weasyprint_does_not_log_its_steps(caplog: pytest.LogCaptureFixture) -> None:
    from weasyprint import HTML

    with caplog.at_level(logging.INFO):
        HTML(string='<html lang="sv"><title>T</title><p>Hej</p></html>').write_pdf()
    assert [record.getMessage() for record in caplog.records if record.name.startswith("weasyprint")] == []
