"""Behind a reverse proxy: the client's address from trusted hops only, and the deploy check that compares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from lofte.audit.models import AuditEvent
from lofte.lib.clients import SEEN_KEY, client_address, forwarding_seen, note_forwarding
from tests.base import PASSWORD, BaseTestCase

PROXY = "10.0.0.2"
NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def request(forwarded: str | None = None, remote: str = PROXY, path: str = "/"):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get(path, **extra)


class ClientAddressTest(BaseTestCase):
    def test_it_ignores_forwarded_headers_without_proxies(self) -> None:
        self.assertEqual(client_address(request("203.0.113.5")), PROXY)

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_it_reads_the_address_the_proxy_saw(self) -> None:
        self.assertEqual(client_address(request("203.0.113.5")), "203.0.113.5")

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_it_never_believes_what_the_client_wrote_itself(self) -> None:
        # nginx's $proxy_add_x_forwarded_for appends the real address to whatever the client sent.
        self.assertEqual(client_address(request("198.51.100.66, 203.0.113.5")), "203.0.113.5")
        self.assertEqual(client_address(request("nonsense, 203.0.113.5")), "203.0.113.5")

    @override_settings(LOFTE_PROXY_COUNT=2)
    def test_it_counts_the_trusted_hops_from_the_right(self) -> None:
        self.assertEqual(client_address(request("198.51.100.66, 203.0.113.5, 10.0.0.1")), "203.0.113.5")

    @override_settings(LOFTE_PROXY_COUNT=2)
    def test_it_falls_back_to_the_proxy_when_hops_are_missing(self) -> None:
        self.assertEqual(client_address(request("203.0.113.5")), PROXY)
        self.assertEqual(client_address(request()), PROXY)

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_it_reads_ipv6_and_ports(self) -> None:
        self.assertEqual(client_address(request("2001:db8::7")), "2001:db8::7")
        self.assertEqual(client_address(request("[2001:db8::7]:4711")), "2001:db8::7")

    @override_settings(LOFTE_PROXY_COUNT=1)
    def test_the_audit_log_records_the_client_behind_the_proxy(self) -> None:
        self.client.post(
            "/konto/logga-in/",
            {"login": "samordnare@a.example", "password": PASSWORD},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        event = AuditEvent.objects.get(action="auth.login")
        self.assertEqual(event.ip_address, "203.0.113.5")


class ForwardingCheckTest(BaseTestCase):
    def warnings(self) -> list[str]:
        return [message.id for message in run_checks(include_deployment_checks=True) if message.id]

    def proxy_warnings(self) -> list[str]:
        return [id for id in self.warnings() if id in ("lofte.W021", "lofte.W022")]

    def test_it_notes_how_many_addresses_requests_carried_and_nothing_else(self) -> None:
        with time_machine.travel(NOW, tick=False):
            self.client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
            self.client.get("/", REMOTE_ADDR=PROXY)
            self.client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
            self.assertEqual(forwarding_seen(NOW - timedelta(days=1)), {0: NOW, 1: NOW})
        from django.core.cache import cache

        self.assertNotIn("203.0.113.5", repr(cache.get(SEEN_KEY)))

    def test_it_is_quiet_when_requests_and_setting_agree(self) -> None:
        with time_machine.travel(NOW, tick=False):
            note_forwarding(request())
            self.assertEqual(self.proxy_warnings(), [])
        with time_machine.travel(NOW, tick=False), override_settings(LOFTE_PROXY_COUNT=1):
            from django.core.cache import cache

            cache.clear()
            note_forwarding(request("203.0.113.5"))
            note_forwarding(request("198.51.100.66, 203.0.113.5"))
            self.assertEqual(self.proxy_warnings(), [])

    def test_it_warns_when_a_proxy_forwards_but_the_count_is_zero(self) -> None:
        with time_machine.travel(NOW, tick=False):
            note_forwarding(request("203.0.113.5"))
            self.assertEqual(self.proxy_warnings(), ["lofte.W021"])

    @override_settings(LOFTE_PROXY_COUNT=2)
    def test_it_warns_when_the_count_is_larger_than_the_hops_seen(self) -> None:
        with time_machine.travel(NOW, tick=False):
            note_forwarding(request("203.0.113.5"))
            self.assertEqual(self.proxy_warnings(), ["lofte.W022"])

    def test_it_forgets_requests_older_than_a_day(self) -> None:
        with time_machine.travel(NOW, tick=False):
            note_forwarding(request("203.0.113.5"))
        with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
            self.assertEqual(self.proxy_warnings(), [])

    def test_lofte_check_deploy_prints_the_warning(self) -> None:
        from io import StringIO

        with time_machine.travel(NOW, tick=False):
            note_forwarding(request("203.0.113.5"))
            err = StringIO()
            call_command("check", deploy=True, stdout=StringIO(), stderr=err)
        self.assertIn("LOFTE_PROXY_COUNT is 0", err.getvalue())
