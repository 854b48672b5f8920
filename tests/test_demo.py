from __future__ import annotations

import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory, TestCase, override_settings

from lofte.accounts.models import User
from lofte.partnerships.models import Membership, Organisation, Partnership
from lofte.situation.models import Lagesbild
from lofte.statistics.models import Event, Observation

LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s+\((.+)\)$", re.MULTILINE)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoTest(TestCase):
    def run_demo(self) -> list[tuple[str, str, str, str]]:
        out = StringIO()
        call_command("demo", stdout=out)
        return LINE.findall(out.getvalue())

    def test_it_creates_the_seed_partnerships(self) -> None:
        self.run_demo()
        mjolby = Partnership.objects.get(slug="mjolby")
        self.assertEqual(mjolby.area.code, "0586")
        self.assertEqual(
            sorted(mjolby.organisations.values_list("name", flat=True)),
            ["Bostadsbolaget i Mjölby AB", "Lokalpolisområde Motala", "Mjölby kommun"],
        )
        self.assertEqual(sorted(Partnership.objects.values_list("area__code", flat=True)), ["0583", "0586", "0642"])

    def test_it_prints_a_working_login_for_every_role(self) -> None:
        logins = self.run_demo()
        self.assertEqual({role for role, *_ in logins}, {"samordnare", "polis", "rapportor", "lasare", "admin"})
        request = RequestFactory().post("/konto/logga-in/")
        for _role, email, password, _org in logins:
            self.assertIsNotNone(authenticate(request, username=email, password=password), email)

    def test_it_loads_real_statistics_and_events(self) -> None:
        self.run_demo()
        total = Observation.objects.get(series__area__code="0586", series__metric__code="anmalda.totalt", period="2025")
        self.assertEqual((total.value, total.per_100k), (2875.0, 9997.0))
        self.assertEqual(Event.objects.count(), 245)
        observations = Observation.objects.count()
        self.run_demo()
        self.assertEqual((Observation.objects.count(), Event.objects.count()), (observations, 245))

    def test_it_drafts_mjolbys_lägesbild_from_the_seed(self) -> None:
        out = StringIO()
        call_command("demo", stdout=out)
        lagesbild = Lagesbild.objects.get(partnership__slug="mjolby")
        self.assertIn("Lägesbild: Gemensam lägesbild Mjölby (version 1, Utkast).", out.getvalue())
        self.assertEqual((lagesbild.status, lagesbild.year_from, lagesbild.year_to), ("utkast", 2021, 2025))
        problems = list(lagesbild.problems.order_by("position"))
        self.assertEqual(
            [p.title for p in problems],
            [
                "Narkotika och ungdomar med normbrytande beteende",
                "Bedrägerier och rädslan att drabbas",
                "Bristande respekt för trafikregler",
            ],
        )
        self.assertTrue(all(p.description and p.consequences and p.affected for p in problems))
        self.assertEqual(
            list(problems[0].series.values_list("metric__code", "area__code")), [("anmalda.narkotika_vapen", "0586")]
        )
        self.assertEqual(lagesbild.missing_points(), [])  # complete enough to adopt once the partners agree
        self.run_demo()
        self.assertEqual(Lagesbild.objects.count(), 1)

    def test_it_can_run_again_without_duplicating(self) -> None:
        self.run_demo()
        counts = (
            User.objects.count(),
            Organisation.objects.count(),
            Partnership.objects.count(),
            Membership.objects.count(),
        )
        logins = self.run_demo()
        self.assertEqual(
            counts,
            (
                User.objects.count(),
                Organisation.objects.count(),
                Partnership.objects.count(),
                Membership.objects.count(),
            ),
        )
        request = RequestFactory().post("/konto/logga-in/")
        self.assertIsNotNone(authenticate(request, username=logins[0][1], password=logins[0][2]))

    @override_settings(PRODUCTION=True)
    def test_it_refuses_to_run_in_production(self) -> None:
        with self.assertRaisesMessage(CommandError, "produktion"):
            call_command("demo", stdout=StringIO())
        self.assertFalse(Partnership.objects.exists())
