"""The import rule (docs/architecture.md): each part of `lofte` imports only what stands below it, and no test
module imports another test module. Read from the source with `ast`, so a new edge fails here before review."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lofte"

# From the ground floor up. A part may import its own modules and any part before it in this list; the project
# modules (settings, urls, api, wsgi, cli) stand above every app.
LAYERS = [
    "lib",
    "analysis",
    "audit",
    "areas",
    "partnerships",
    "accounts",
    "statistics",
    "situation",
    "promises",
    "est",
    "citizens",
    "public",
    "operations",
    "demo",
    "core",
]
PROJECT = {"settings", "urls", "api", "wsgi", "cli", "__init__"}
# Modules in tests/ that other tests may import: the personas, factories, shared cases and browser helpers.
TEST_HELPERS = {"base", "factories", "cases", "browser", "axe", "documents", "conftest", "oidc_provider", "smtp_sink"}


def _rank(part: str) -> int:
    return len(LAYERS) if part in PROJECT else LAYERS.index(part)


def _imports(path: Path) -> list[tuple[int, str]]:
    """The absolute `lofte.…`/`tests.…` modules a file imports, with their lines, leaving out imports made only
    for type annotations (under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if "." in node.module:
                found.append((node.lineno, node.module))
            else:  # `from lofte import est`: the names are the modules
                found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _upward(path: Path, own: str) -> list[str]:
    """The lines of `path`, part of `own`, that import a part standing above `own`."""
    wrong = []
    for line, module in _imports(path):
        names = module.split(".")
        if names[0] != "lofte" or len(names) < 2 or names[1] == own:
            continue
        if (names[1] not in LAYERS and names[1] not in PROJECT) or _rank(names[1]) > _rank(own):
            wrong.append(f"{line} imports {module}")
    return wrong


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


class LayersTest(SimpleTestCase):
    maxDiff = None

    def test_it_knows_every_part_of_the_package(self) -> None:
        parts = {_part(path) for path in PACKAGE.glob("*") if path.suffix == ".py" or (path / "__init__.py").exists()}
        self.assertEqual(parts - PROJECT - set(LAYERS), set())

    def test_it_finds_no_app_importing_upward(self) -> None:
        wrong = []
        for path in sorted(PACKAGE.rglob("*.py")):
            if "migrations" not in path.parts:
                wrong.extend(f"{path.relative_to(ROOT)}:{line}" for line in _upward(path, _part(path)))
        self.assertEqual(wrong, [], "an app imports one above it; move the shared code down")

    def test_it_finds_no_test_importing_another_test(self) -> None:
        wrong = []
        for path in sorted(ROOT.glob("tests/**/*.py")) + sorted(PACKAGE.rglob("tests/*.py")):
            for line, module in _imports(path):
                names = module.split(".")
                a_test = names[0] in ("tests", "lofte") and any(name.startswith("test_") for name in names)
                if a_test or (names[0] == "tests" and len(names) > 1 and names[1] not in TEST_HELPERS):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
        self.assertEqual(wrong, [], "share fixtures through tests/factories.py or tests/cases.py")

    def test_it_catches_an_upward_import_but_not_one_for_types(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            sample = Path(folder) / "sample.py"
            sample.write_text(
                "from typing import TYPE_CHECKING\n"
                "from lofte.lib import pii\n"
                "from lofte.est.models import Incident\n"
                "if TYPE_CHECKING:\n"
                "    from lofte.citizens.models import Warning\n",
                encoding="utf-8",
            )
            self.assertEqual(_upward(sample, "situation"), ["3 imports lofte.est.models"])
            self.assertEqual(_upward(sample, "citizens"), [])

    def test_the_architecture_names_every_app_and_sub_package(self) -> None:
        text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        leaves = {"tests", "management", "commands", "migrations", "templatetags"}
        missing = []
        for init in sorted(PACKAGE.rglob("__init__.py")):
            folder = init.parent
            parts = folder.relative_to(PACKAGE).parts
            if not parts or leaves & set(parts):
                continue
            if not any(shown in text for shown in (f"`{parts[-1]}`", f"{parts[-1]}/")):
                missing.append("/".join(parts))
        self.assertEqual(missing, [], "docs/architecture.md must name every app and sub-package")
