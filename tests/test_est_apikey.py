"""Open311 API keys: only the hash is stored, revoked keys stop working, and `lofte apikey` manages them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from unittest import mock

import time_machine
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from lofte.audit.models import AuditEvent
from lofte.cli import main
from lofte.est.models import ApiKey
from lofte.est.open311 import keys
from lofte.est.open311.actions import ApiKeyRefused, do_create_api_key, do_revoke_api_key
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_organisation
from tests.base import BaseTestCase, Kind

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)


@time_machine.travel(NOW, tick=False)
class ApiKeyTest(BaseTestCase):
    def test_it_stores_only_the_hash_of_the_key(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="Felanmälan", actor=SystemActor("test"))
        prefix, secret = plaintext.removeprefix("lofte_").split("_", 1)
        self.assertEqual(prefix, key.prefix)
        self.assertEqual(len(prefix), 8)
        self.assertGreaterEqual(len(secret), 43)  # token_urlsafe(32)
        stored = ApiKey.objects.get()
        self.assertEqual(stored.key_hash, hashlib.sha256(plaintext.encode()).hexdigest())
        self.assertNotIn(secret, str(list(ApiKey.objects.values_list())))
        self.assertEqual((stored.label, stored.created_by, stored.organisation), ("Felanmälan", "test", self.housing_a))
        event = AuditEvent.objects.get(action="est.apikey.create")
        self.assertEqual(event.partnership, self.partnership_a)
        self.assertNotIn(secret, str(event.changes))

    def test_two_keys_differ(self) -> None:
        first = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))[1]
        second = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))[1]
        self.assertNotEqual(first, second)

    def test_verify_accepts_the_key_and_refuses_anything_else(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))
        self.assertEqual(keys.verify(plaintext), key)
        for wrong in ("", plaintext[:-1], plaintext + "x", f"lofte_{key.prefix}_", "nonsense", plaintext.upper()):
            self.assertIsNone(keys.verify(wrong), wrong)

    def test_last_used_is_stamped_at_most_once_a_minute(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))
        self.assertIsNone(key.last_used_at)
        keys.verify(plaintext)
        first = ApiKey.objects.get().last_used_at
        self.assertIsNotNone(first)
        with self.assertNumQueries(1):  # the lookup only: no write within the minute
            keys.verify(plaintext)
        self.assertEqual(ApiKey.objects.get().last_used_at, first)
        later = timezone.now() + timedelta(minutes=2)
        with mock.patch("lofte.est.open311.keys.timezone.now", return_value=later):
            keys.verify(plaintext)
        self.assertEqual(ApiKey.objects.get().last_used_at, later)

    def test_a_revoked_key_stops_working(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))
        do_revoke_api_key(key.prefix, actor=SystemActor("test"))
        self.assertIsNone(keys.verify(plaintext))
        self.assertTrue(AuditEvent.objects.filter(action="est.apikey.revoke", object_id=str(key.pk)).exists())
        with self.assertRaisesMessage(ApiKeyRefused, "återkallades redan"):
            do_revoke_api_key(key.prefix, actor=SystemActor("test"))
        with self.assertRaisesMessage(ApiKeyRefused, "ingen API-nyckel"):
            do_revoke_api_key("saknas00", actor=SystemActor("test"))

    def test_a_label_with_personal_data_is_refused(self) -> None:
        with self.assertRaises(ApiKeyRefused):
            do_create_api_key(self.housing_a, label="Ring 070-123 45 67", actor=SystemActor("test"))
        self.assertFalse(ApiKey.objects.exists())


class ApiKeyCommandTest(BaseTestCase):
    def call(self, *args: str) -> str:
        out = StringIO()
        call_command("apikey", *args, stdout=out)
        return out.getvalue()

    def test_create_prints_the_key_once_with_a_warning(self) -> None:
        out = self.call("create", "--organisation", "Bostadsbolaget i Mjölby AB", "--label", "Felanmälan")
        key = ApiKey.objects.get()
        plaintext = next(line for line in out.splitlines() if line.startswith("lofte_"))
        self.assertEqual(keys.verify(plaintext), key)
        self.assertIn("visas inte igen", out)
        self.assertEqual(key.label, "Felanmälan")
        self.assertTrue(key.created_by.startswith("lofte apikey"))
        # By slug as well.
        self.call("create", "--organisation", self.housing_a.slug)
        self.assertEqual(ApiKey.objects.filter(organisation=self.housing_a).count(), 2)

    def test_list_shows_the_keys_but_never_the_key(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="Felanmälan", actor=SystemActor("test"))
        do_create_api_key(self.kommun_org_b, label="Mullsjö", actor=SystemActor("test"))
        do_revoke_api_key(key.prefix, actor=SystemActor("test"))
        out = self.call("list")
        self.assertIn(key.prefix, out)
        self.assertIn("Felanmälan", out)
        self.assertIn("Mullsjö kommun", out)
        self.assertNotIn(plaintext, out)
        self.assertNotIn(plaintext.rsplit("_", 1)[1][:12], out)
        mine = self.call("list", "--organisation", self.housing_a.name)
        self.assertIn(key.prefix, mine)
        self.assertNotIn("Mullsjö kommun", mine)

    def test_revoke_by_prefix(self) -> None:
        key, plaintext = do_create_api_key(self.housing_a, label="", actor=SystemActor("test"))
        out = self.call("revoke", key.prefix)
        self.assertIn("återkallad", out)
        self.assertIsNone(keys.verify(plaintext))
        with self.assertRaisesMessage(CommandError, "återkallades redan"):
            self.call("revoke", key.prefix)

    def test_an_unknown_or_ambiguous_organisation_is_refused_in_swedish(self) -> None:
        with self.assertRaisesMessage(CommandError, "Det finns ingen organisation"):
            self.call("create", "--organisation", "Okänt AB")
        do_create_organisation(name="Mjölby kommun", kind=Kind.KOMMUN, area=self.kommun_a, actor=SystemActor("test"))
        with self.assertRaisesMessage(CommandError, "kan vara flera organisationer"):
            self.call("create", "--organisation", "Mjölby kommun")
        self.assertFalse(ApiKey.objects.exists())

    def test_the_lofte_command_runs_it_and_exits_non_zero_on_an_error(self) -> None:
        # A command run from the command line closes the database connections when it ends, which on PostgreSQL
        # would end the test's transaction; keep them open.
        keep_open = mock.patch.object(connections, "close_all")
        with keep_open, mock.patch("sys.stdout", new_callable=StringIO) as out:
            main(["lofte", "apikey", "create", "--organisation", self.housing_a.slug])
        self.assertIn("lofte_", out.getvalue())
        with (
            keep_open,
            mock.patch("sys.stderr", new_callable=StringIO) as err,
            self.assertRaises(SystemExit) as exited,
        ):
            main(["lofte", "apikey", "create", "--organisation", "Okänt AB"])
        self.assertNotEqual(exited.exception.code, 0)
        self.assertIn("Det finns ingen organisation", err.getvalue())
