"""The partnership dashboard's activity feed ("Senaste händelser") names only what its reader may see: never a
reporter who chose to be anonymous, never a member's e-mail address, never the title of restricted police
information. Each persona of the partnership reads the feed; another kommun's samordnare cannot read it at all."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from pathlib import Path

import time_machine
from django.apps import apps
from django.utils import timezone

from lofte.accounts.models import User
from lofte.audit.models import AuditEvent
from lofte.est import migrations as est_migrations
from lofte.est.intake import IncidentInput
from lofte.est.models import Incident
from lofte.est.queries import categories_of
from lofte.est.reporting.actions import do_report_incidents
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import get_partnership_for_user
from lofte.partnerships.actions import do_add_membership
from lofte.situation.lagesbild.actions import do_add_source, do_create_lagesbild
from tests.base import BaseTestCase, Role

NOW = "2026-05-20 12:00 +02:00"
MJOLBY = (58.3255, 15.1273)
SECRET_TITLE = "Kartläggning av nätverket kring Stationsgatan"
# Found by its name, whatever number it has among EST's migrations.
MIGRATION = next(Path(est_migrations.__file__).parent.glob("*_hide_anonymous_reporters_in_audit_log.py")).stem


class ActivityFeedTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def members(self) -> dict[str, User]:
        return {"läsare": self.viewer, "rapportör": self.reporter, "samordnare": self.samordnare, "polis": self.polis}

    def feed(self, user: User, slug: str = "mjolby") -> str:
        response = self.client_for(user).get(f"/samverkan/{slug}/")
        self.assertEqual(response.status_code, 200)
        found = re.search(r'id="activity-heading".*?</section>', response.content.decode(), re.S)
        assert found is not None
        return found.group(0)

    def report(self, *, anonymous: bool) -> None:
        category = next(c for c in categories_of(self.partnership_a) if c.code == "skadegorelse.klotter")
        item = IncidentInput(category, timezone.now() - timedelta(hours=2), MJOLBY[0], MJOLBY[1], anonymous=anonymous)
        access = get_partnership_for_user(self.reporter, "mjolby")
        do_report_incidents(access, [item], actor=self.reporter)

    def test_it_never_names_the_reporter_who_chose_to_be_anonymous(self) -> None:
        self.report(anonymous=True)
        for persona, user in self.members().items():
            with self.subTest(persona):
                feed = self.feed(user)
                self.assertIn("rapporterade händelsen", feed)
                self.assertNotIn("rapportor@a.example", feed)
                self.assertNotIn("Rut Rapportör", feed)
                self.assertIn("en anonym rapportör", feed)
        self.assertNotIn("rapporterade händelsen", self.feed(self.samordnare_b, "mullsjo"))
        self.assertEqual(self.client_for(self.samordnare_b).get("/samverkan/mjolby/").status_code, 404)
        # The audit log itself still knows who it was.
        event = AuditEvent.objects.get(action="est.incident.report")
        self.assertEqual((event.actor, event.actor_hidden), (self.reporter, True))

    def test_it_names_a_reporter_by_name_and_never_by_address(self) -> None:
        self.report(anonymous=False)
        for persona, user in self.members().items():
            with self.subTest(persona):
                feed = self.feed(user)
                self.assertIn("Rut Rapportör rapporterade händelsen", feed)
                self.assertNotIn("@a.example", feed)

    def test_it_shows_no_address_of_a_member_without_a_name(self) -> None:
        nameless = User.objects.create_user("namnlos@a.example", "x" * 12)
        do_add_membership(nameless, self.kommun_org_a, Role.SAMORDNARE, actor=SystemActor("test"))
        access = get_partnership_for_user(nameless, "mjolby")
        do_create_lagesbild(access, title="Lägesbild 2026", year_from=2022, year_to=2025, actor=nameless)
        for persona, user in {**self.members(), "utan namn": nameless}.items():
            with self.subTest(persona):
                feed = self.feed(user)
                self.assertIn("en användare skapade lägesbilden", feed)
                self.assertNotIn("@a.example", feed)

    def test_it_calls_a_removed_account_a_former_user_and_a_command_by_its_name(self) -> None:
        gone = User.objects.create_user("borta@a.example", "x" * 12, full_name="Gun Gången")
        do_add_membership(gone, self.kommun_org_a, Role.SAMORDNARE, actor=SystemActor("test"))
        access = get_partnership_for_user(gone, "mjolby")
        do_create_lagesbild(access, title="Lägesbild 2026", year_from=2022, year_to=2025, actor=gone)
        gone.delete()  # the audit row keeps the address as its label
        feed = self.feed(self.viewer)
        self.assertIn("en tidigare användare skapade lägesbilden", feed)
        self.assertIn("test skapade samverkan", feed)
        self.assertNotIn("borta@a.example", feed)

    def test_it_never_names_restricted_police_information(self) -> None:
        access = get_partnership_for_user(self.polis, "mjolby")
        lagesbild = do_create_lagesbild(access, title="Lägesbild 2026", year_from=2022, year_to=2025, actor=self.polis)
        do_add_source(access, lagesbild, kind="underrattelse", title=SECRET_TITLE, actor=self.polis)
        for persona, user in self.members().items():
            with self.subTest(persona):
                feed = self.feed(user)
                self.assertIn("Per Polis lade till en källa i", feed)
                self.assertNotIn(SECRET_TITLE, feed)
        self.assertNotIn(SECRET_TITLE, self.feed(self.samordnare_b, "mullsjo"))

    def test_the_migration_hides_the_reporters_of_anonymous_reports_filed_before(self) -> None:
        self.report(anonymous=True)
        self.report(anonymous=False)
        AuditEvent.objects.update(actor_hidden=False)  # as rows were written before they said so
        importlib.import_module(f"{est_migrations.__name__}.{MIGRATION}").hide(apps, None)
        hidden = dict(AuditEvent.objects.filter(action="est.incident.report").values_list("object_id", "actor_hidden"))
        self.assertEqual(hidden, {str(i.pk): i.anonymous for i in Incident.objects.all()})
        feed = self.feed(self.viewer)
        self.assertEqual(
            (feed.count("Rut Rapportör rapporterade"), feed.count("en anonym rapportör rapporterade")), (1, 1)
        )
        self.assertEqual(AuditEvent.objects.filter(actor_hidden=True).get().actor, self.reporter)
