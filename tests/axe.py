"""Accessibility checks. `problems` reads a page's structure from its HTML (language, landmarks, one h1, labelled
controls) without a browser; `check` runs axe-core (the npm package, pinned in package-lock.json, installed by
`npm ci`) in a Playwright page.

The script is evaluated through the DevTools protocol rather than added as a <script> element, so the site's strict
CSP stays in force while the page is checked. A missing package fails the test rather than skipping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


@dataclass(frozen=True)
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    help_url: str
    targets: list[str]

    def __str__(self) -> str:
        where = "\n      ".join(self.targets)
        return f"{self.url}: {self.rule} ({self.impact}) {self.help}\n      {where}\n      {self.help_url}"


@cache
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node-deps` (npm ci) to install axe-core.", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def check(page: Page, label: str | None = None) -> list[Violation]:
    """The serious and critical WCAG 2.1 A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const found = await window.axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return found.violations.map((v) => ({
                id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map((n) => n.target.join(' ') + '  ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')),
            }));
        }""",
        WCAG_AA,
    )
    url = label or page.url
    return [
        Violation(url, r["id"], r["impact"], r["help"], r["helpUrl"], r["targets"])
        for r in results
        if r["impact"] in FAILING_IMPACTS
    ]


def report(violations: list[Violation]) -> str:
    return f"{len(violations)} serious or critical accessibility violations:\n" + "\n".join(
        f"  - {violation}" for violation in violations
    )


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def problems(html: str) -> list[str]:
    page = Structure()
    page.feed(html)
    found = []
    if not page.all("html") or not page.all("html")[0].get("lang"):
        found.append("<html> has no lang")
    for landmark in ("header", "main", "footer"):
        if len(page.all(landmark)) != 1:
            found.append(f"expected one <{landmark}>")
    if len(page.all("h1")) != 1:
        found.append(f"expected one <h1>, found {len(page.all('h1'))}")
    if any(not nav.get("aria-label") for nav in page.all("nav")):
        found.append("a <nav> without aria-label")
    if not any(a.get("class") == "skip-link" for a in page.all("a")):
        found.append("no skip link")
    labelled = {label.get("for") for label in page.all("label")}
    for tag in ("input", "select", "textarea"):
        for control in page.all(tag):
            if control.get("type") in {"hidden", "submit"}:
                continue
            if control.get("id") not in labelled and not control.get("aria-label"):
                found.append(f"<{tag} name={control.get('name')!r}> has no label")
    if any(img.get("alt") is None for img in page.all("img")):
        found.append("an <img> without alt")
    return found
