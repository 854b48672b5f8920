"""The lock: constraints.txt pins, with ==, every package that `make run` and `make install-test` install."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        found[canonicalize_name(match[1])] = match[2]
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = project["dependencies"] + [text for extra in project["optional-dependencies"].values() for text in extra]
    return [Requirement(text) for text in texts]


def test_it_pins_every_dependency_in_pyproject() -> None:
    pinned = pins()
    missing = sorted(req.name for req in declared() if canonicalize_name(req.name) not in pinned)
    assert not missing, f"constraints.txt has no pin for {missing}: run `make lock`"


def test_its_pins_lie_within_pyprojects_ranges() -> None:
    pinned = pins()
    outside = [
        f"{req.name}=={pinned[canonicalize_name(req.name)]} (wants {req.specifier})"
        for req in declared()
        if not req.specifier.contains(pinned[canonicalize_name(req.name)], prereleases=True)
    ]
    assert not outside, f"constraints.txt is outside pyproject.toml's ranges: {outside}; run `make lock`"


def test_it_pins_what_the_dependencies_pull_in() -> None:
    """Every requirement of a pinned package (its extras included, for the platform here) is pinned too."""
    pinned = pins()
    unpinned = set()
    wanted = [(req, frozenset(req.extras)) for req in declared()]
    seen: set[tuple[str, frozenset[str]]] = set()
    while wanted:
        req, extras = wanted.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in pinned:
            unpinned.add(name)
            continue
        for text in metadata.requires(name) or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": extra}) for extra in extras or {""}):
                wanted.append((sub, frozenset(sub.extras)))
    assert not unpinned, f"constraints.txt misses {sorted(unpinned)}: run `make lock`"


def test_every_install_in_the_makefile_uses_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line and " -e " in line]
    assert installs
    assert all("-c $(CONSTRAINTS)" in line for line in installs), installs
    assert "CONSTRAINTS = constraints.txt" in makefile
