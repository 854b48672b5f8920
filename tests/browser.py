"""Drive Debian's Chromium through Playwright's sync API, for the tests marked ``browser``.

We never download a browser: the tests use /usr/bin/chromium, which ``scripts/system-deps`` installs.
A missing browser fails the test run rather than skipping it, so CI can never pass without the browser tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
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


# The TOTP secrets `lofte demo` printed, by e-mail address (read by `demo_password`, used by `sign_in`).
DEMO_TOTP: dict[str, str] = {}


def totp_code(secret: str) -> str:
    """The authenticator app's current code for a base32 secret (RFC 6238: 30 seconds, 6 digits, SHA-1)."""
    counter = int(time.time()) // 30
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def sign_in(page: Page, base_url: str, email: str, password: str, totp: str | None = None) -> None:
    """Fill in and submit the sign-in form, as a person would, and the code of their authenticator app when asked
    (`totp`, a base32 secret; by default the one `lofte demo` printed for them)."""
    page.goto(f"{base_url}/konto/logga-in/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    # The header has a "Logga in" link for anonymous visitors too; the form's submit button is the one in <main>.
    page.get_by_role("main").get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_load_state()
    secret = totp or DEMO_TOTP.get(email)
    if secret and "/konto/2fa/authenticate/" in page.url:
        page.get_by_label("Kod").fill(totp_code(secret))
        page.get_by_role("main").get_by_role("button").first.click()
        page.wait_for_load_state()


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
    totp = re.search(rf"^\s+{re.escape(email)}\s+TOTP\s+(\S+)", out.getvalue(), re.MULTILINE)
    if totp:
        DEMO_TOTP[email] = totp.group(1)
    return match.group(1)
