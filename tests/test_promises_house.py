"""The promises app keeps the house's one pattern (issue 14): its features are sub-packages with the same few
modules, its refusals are the one `ActionRefused`, every action names its `Actor`, and no module keeps its own copy
of the shared view, access or actor helpers."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from types import ModuleType
from typing import get_type_hints

from django.test import SimpleTestCase

import lofte.promises
from lofte.lib.actors import Actor
from lofte.lib.refusals import ActionRefused

# Each feature's sub-package and the modules it has (STYLE.md: queries.py where it reads).
FEATURES = {
    "agreement": {"actions", "forms", "views", "urls", "queries"},
    "lofte": {"actions", "forms", "views", "urls", "queries"},
    "followup": {"actions", "forms", "views", "urls", "queries"},
    "bulk": {"actions", "forms", "views", "urls", "plan"},
}
# Helpers that live once, in lofte/lib or partnerships/access.py; a local one is a copy.
SHARED = {"_act", "act", "refuse_on", "_form_page", "form_page", "_user", "_require_edit", "_require_edit_lofte"}
SHARED |= {"_refused", "_screen", "_refuse_personal_data", "require", "_require_manage"}


def _modules() -> list[ModuleType]:
    prefix = f"{lofte.promises.__name__}."
    names = [info.name for info in pkgutil.walk_packages(lofte.promises.__path__, prefix)]
    return [importlib.import_module(name) for name in names if ".migrations" not in name and ".tests" not in name]


def _own(module: ModuleType, kind: type) -> dict[str, object]:
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, kind) and getattr(value, "__module__", "") == module.__name__
    }


class HouseTest(SimpleTestCase):
    def test_each_feature_is_a_sub_package_with_the_house_modules(self) -> None:
        for feature, expected in FEATURES.items():
            with self.subTest(feature):
                package = importlib.import_module(f"lofte.promises.{feature}")
                self.assertTrue(hasattr(package, "__path__"), f"{feature} is not a package")
                found = {info.name for info in pkgutil.iter_modules(package.__path__)}
                self.assertEqual(found, expected)
        # The six features of the old flat modules are gone, not kept beside the sub-packages.
        for old in ("actions", "forms", "queries", "followup_views", "followup_forms", "followup_urls"):
            with self.subTest(old):
                self.assertIsNone(importlib.util.find_spec(f"lofte.promises.{old}"))

    def test_every_module_of_a_feature_says_what_it_owns(self) -> None:
        features = tuple(f"lofte.promises.{feature}" for feature in FEATURES)
        for module in _modules():
            if not module.__name__.startswith(features):
                continue
            with self.subTest(module.__name__):
                self.assertTrue((module.__doc__ or "").strip())

    def test_it_refuses_with_the_one_refusal(self) -> None:
        refusals = {
            f"{module.__name__}.{name}": value
            for module in _modules()
            for name, value in _own(module, type).items()
            if name.endswith("Refused")
        }
        self.assertEqual(len(refusals), 3, refusals)
        for name, refusal in refusals.items():
            with self.subTest(name):
                assert isinstance(refusal, type)
                self.assertTrue(issubclass(refusal, ActionRefused))
                self.assertNotIn("__init__", vars(refusal))
                self.assertTrue(refusal.__doc__)

    def test_every_action_names_its_actor(self) -> None:
        found = 0
        for module in _modules():
            for name, function in _own(module, type(_modules)).items():
                if not name.startswith("do_"):
                    continue
                found += 1
                with self.subTest(f"{module.__name__}.{name}"):
                    parameter = inspect.signature(function).parameters["actor"]  # type: ignore[arg-type]
                    self.assertEqual(parameter.kind, inspect.Parameter.KEYWORD_ONLY)
                    self.assertEqual(get_type_hints(function)["actor"], Actor)
        self.assertGreaterEqual(found, 40)  # every action of the agreement, the löften, the follow-up and the plan

    def test_it_keeps_no_copy_of_the_shared_helpers(self) -> None:
        for module in _modules():
            with self.subTest(module.__name__):
                self.assertEqual(set(_own(module, type(_modules))) & SHARED, set())
