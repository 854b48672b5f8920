from __future__ import annotations

import ast
import json
import re
import tomllib
from io import StringIO
from pathlib import Path

from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from setuptools import find_packages

from lofte.accounts.models import User
from lofte.est.categories import REFERENCE
from lofte.partnerships.models import Membership, Organisation, Partnership
from lofte.situation.models import Lagesbild
from lofte.statistics.models import Event, Observation

LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s+\((.+)\)$", re.MULTILINE)
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lofte"


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


class DemoLayoutTest(SimpleTestCase):
    """The demo is its own app at the top, its invented places and patterns data; the benchmarks ship apart."""

    def test_nothing_outside_the_demo_app_imports_demo_code(self) -> None:
        wrong = []
        for path in sorted(PACKAGE.rglob("*.py")):
            if path.is_relative_to(PACKAGE / "demo"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                wrong += [f"{path.relative_to(ROOT)} imports {name}" for name in names if "demo" in name.split(".")]
        self.assertEqual(wrong, [])

    def test_the_invented_year_is_data_that_names_real_categories_and_its_own_places(self) -> None:
        data = json.loads((PACKAGE / "demo" / "data" / "est.json").read_text(encoding="utf-8"))
        codes = {category.code for category in REFERENCE}
        places = {place["name"] for place in data["places"]}
        self.assertEqual(len(data["weekdays"]), 7)
        self.assertTrue(all(len(weights) == 24 for weights in data["hours"].values()))
        for kind in data["kinds"]:
            self.assertIn(kind["code"], codes)
            self.assertIn(kind["hours"], data["hours"])
            self.assertTrue(kind["texts"], kind["code"])
        for place in data["places"]:
            self.assertLessEqual(set(place["fits"]), codes, place["name"])
        for meeting in data["meetings"]:
            self.assertLessEqual({action["place"] for action in meeting["actions"]}, places)
        # The generator reads the places and texts; its code names none of them itself.
        tree = ast.parse((PACKAGE / "demo" / "est.py").read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree, clean=False)
        literals = " ".join(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != docstring
        )
        texts = [text for kind in data["kinds"] for text in kind["texts"]]
        self.assertEqual([text for text in [*places, *texts] if text in literals], [])

    def test_the_wheel_leaves_the_benchmarks_out_and_lint_takes_them_in(self) -> None:
        config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        packages = find_packages(str(ROOT), include=config["tool"]["setuptools"]["packages"]["find"]["include"])
        self.assertIn("lofte.demo", packages)
        self.assertEqual([name for name in packages if "bench" in name], [])
        self.assertEqual(sorted(path.name for path in PACKAGE.rglob("bench*")), [])
        self.assertTrue((ROOT / "benchmarks" / "__main__.py").exists())
        self.assertIn("benchmarks", config["tool"]["mypy"]["packages"])


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoSecondFactorTest(TestCase):
    def test_it_prints_working_second_factors_and_leaves_the_kommunpolis_without(self) -> None:
        from allauth.mfa.models import Authenticator
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
        from allauth.mfa.totp.internal.auth import TOTP

        out = StringIO()
        call_command("demo", stdout=out)
        printed = re.findall(r"^\s+(\S+@\S+)\s+TOTP (\S+)\s+återställningskoder (.+)$", out.getvalue(), re.MULTILINE)
        self.assertEqual(
            sorted(email for email, *_ in printed),
            ["admin@mjolby.example", "samordnare@mjolby.example", "samordnare@mullsjo.example"],
        )
        for email, secret, codes in printed:
            user = User.objects.get(email=email)
            totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
            self.assertEqual(TOTP(totp).instance.data["secret"], secret)
            recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
            self.assertTrue(RecoveryCodes(recovery).validate_code(codes.split()[0]))
            self.assertIn("otpauth://totp/", out.getvalue())
        self.assertFalse(Authenticator.objects.filter(user__email="polis@motala.example").exists())
