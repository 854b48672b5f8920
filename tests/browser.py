"""Drive Debian's Chromium through Playwright's sync API, for the tests marked ``browser``.

We never download a browser: the tests use /usr/bin/chromium, which ``scripts/system-deps`` installs.
A missing browser fails the test run rather than skipping it, so CI can never pass without the browser tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 10_000  # what a browser test waits for anything at most
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"


def launch_chromium(playwright: Playwright) -> Browser:
    """Start headless Chromium, or fail the test (never skip) when the system browser is missing."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing, so the browser tests cannot run. Run scripts/system-deps to install Chromium.",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@dataclass
class PageProblems:
    """Console errors and uncaught exceptions seen on a page (a CSP violation shows up as a console error)."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> PageProblems:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        return self

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            self.errors.append(f"console: {message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})")

    def _on_pageerror(self, error: Error) -> None:
        self.errors.append(f"pageerror: {error.message}")


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Fill in and submit the sign-in form, as a person would."""
    page.goto(f"{base_url}/konto/logga-in/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    # The header has a "Logga in" link for anonymous visitors too; the form's submit button is the one in <main>.
    page.get_by_role("main").get_by_role("button", name="Logga in", exact=True).click()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-results/ for a human to look at."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / name
    page.screenshot(path=str(path), full_page=True)
    return path


def demo_password(email: str) -> str:
    """Run `lofte demo` and read the given user's password from what it prints."""
    out = StringIO()
    call_command("demo", stdout=out)
    match = re.search(rf"^\s+\w+\s+{re.escape(email)}\s+(\S+)\s+\(", out.getvalue(), re.MULTILINE)
    assert match, f"demo printed no login for {email}:\n{out.getvalue()}"
    return match.group(1)
