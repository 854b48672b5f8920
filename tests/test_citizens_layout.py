"""The shape of `lofte.citizens`: one sub-package per feature with the modules STYLE.md promises, every refusal the
one `ActionRefused`, every action naming its actor."""

from __future__ import annotations

import importlib
import inspect
import typing
from pathlib import Path

from django.test import SimpleTestCase

from lofte.lib.actors import Actor
from lofte.lib.refusals import ActionRefused

CITIZENS = Path(__file__).resolve().parent.parent / "lofte" / "citizens"
FEATURES = ("warnings", "advice", "subscriptions", "grannsamverkan", "tips")
MODULES = ("actions", "forms", "views", "urls")
REFUSALS = {
    "warnings": "WarningRefused",
    "advice": "AdviceRefused",
    "subscriptions": "SubscriptionRefused",
    "grannsamverkan": "GroupRefused",
    "tips": "TipRefused",
}


class CitizensLayoutTest(SimpleTestCase):
    def test_it_keeps_each_feature_in_a_sub_package_with_the_usual_modules(self) -> None:
        for feature in FEATURES:
            for module in ("", *MODULES):
                name = f"lofte.citizens.{feature}" + (f".{module}" if module else "")
                with self.subTest(name):
                    self.assertTrue(importlib.import_module(name).__doc__, f"{name} says what it owns")

    def test_it_has_no_flat_feature_modules_or_url_modules_left(self) -> None:
        flat = sorted(path.name for path in CITIZENS.glob("*.py"))
        self.assertFalse([name for name in flat if name.startswith(("warning_", "subscription_", "tips", "grannsam"))])
        self.assertFalse([name for name in flat if name.endswith("_urls.py") and name != "member_urls.py"])

    def test_every_refusal_is_the_one_refusal_without_its_own_init(self) -> None:
        for feature, name in REFUSALS.items():
            with self.subTest(name):
                refusal = getattr(importlib.import_module(f"lofte.citizens.{feature}.actions"), name)
                self.assertTrue(issubclass(refusal, ActionRefused))
                self.assertNotIn("__init__", vars(refusal))

    def test_every_action_takes_a_typed_keyword_actor(self) -> None:
        for feature in FEATURES:
            module = importlib.import_module(f"lofte.citizens.{feature}.actions")
            actions = [
                function
                for name, function in inspect.getmembers(module, inspect.isfunction)
                if name.startswith("do_") and function.__module__ == module.__name__
            ]
            self.assertTrue(actions, feature)
            for action in actions:
                with self.subTest(f"{feature}.{action.__name__}"):
                    parameter = inspect.signature(action).parameters["actor"]
                    self.assertEqual(parameter.kind, inspect.Parameter.KEYWORD_ONLY)
                    self.assertEqual(typing.get_type_hints(action)["actor"], Actor)
