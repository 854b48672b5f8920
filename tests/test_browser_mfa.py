"""Two factors in a real browser (the acceptance): the demo's kommunpolis, who has no second factor, is sent to set
one up before any page of the partnership; once TOTP is set up, signing in asks for its code. The requirement is on
here (marker `mfa`); the QR code and allauth's pages must pass the site's strict CSP."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import PageProblems, demo_password, screenshot, sign_in, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.mfa,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_areas"),
]

POLIS = "polis@motala.example"  # the demo's kommunpolis: no second factor yet
SETUP = re.compile(r"/konto/2fa/$")
CODE_PAGE = re.compile(r"/konto/2fa/authenticate/$")
DASHBOARD = re.compile(r"/samverkan/mjolby/$")


def test_a_kommunpolis_sets_up_totp_and_then_signs_in_with_its_code(
    live_server, context: BrowserContext, page: Page
) -> None:
    password = demo_password(POLIS)
    problems = PageProblems().watch(page)
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        sign_in(page, live_server.url, POLIS, password)
        expect(page).to_have_url(SETUP)
        page.goto(f"{live_server.url}/samverkan/mjolby/")
        expect(page).to_have_url(SETUP)  # no page of the partnership before a second factor
        expect(page.get_by_role("status")).to_contain_text("Din roll kräver tvåfaktorsautentisering")

        page.get_by_role("link", name="Aktivera").first.click()
        page.get_by_label("Lösenord").fill(password)  # allauth asks for the password again before a change
        page.get_by_role("main").get_by_role("button").first.click()
        expect(page.get_by_role("img", name=re.compile(r"^[A-Z2-7]{32}$"))).to_be_visible()  # the QR code
        secret = page.locator("#authenticator_secret").input_value()
        screenshot(page, "mfa-activate-totp.png")
        page.get_by_label("Autentiseringskod").fill(totp_code(secret))
        page.get_by_role("main").get_by_role("button", name="Aktivera").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Återställningskoder")
        page.goto(f"{live_server.url}/samverkan/mjolby/")
        expect(page).to_have_url(DASHBOARD)

        context.clear_cookies()
        clock.shift(31)  # the next code: allauth takes each code once
        sign_in(page, live_server.url, POLIS, password)
        expect(page).to_have_url(CODE_PAGE)
        page.get_by_label("Kod").fill("000000" if totp_code(secret) != "000000" else "111111")
        page.get_by_role("main").get_by_role("button").first.click()
        expect(page.get_by_text("Felaktig kod")).to_be_visible()
        page.get_by_label("Kod").fill(totp_code(secret))
        page.get_by_role("main").get_by_role("button").first.click()
        page.goto(f"{live_server.url}/samverkan/mjolby/")
        expect(page).to_have_url(DASHBOARD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Samverkan Mjölby")
    assert problems.errors == []


def test_a_kommunpolis_can_use_a_security_key_instead(live_server, settings, page: Page) -> None:
    """A passkey registered through Chromium's virtual authenticator (CDP), on allauth's own scripts under the
    CSP. The live server speaks plain HTTP on localhost, so the WebAuthn origin check must allow it here."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    password = demo_password(POLIS)
    problems = PageProblems().watch(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, live_server.url, POLIS, password)
    expect(page).to_have_url(SETUP)
    page.get_by_role("link", name="Lägg till").first.click()
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("main").get_by_role("button").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägg till säkerhetsnyckel")
    page.get_by_role("main").get_by_role("button", name="Lägg till").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Återställningskoder")
    page.goto(f"{live_server.url}/samverkan/mjolby/")
    expect(page).to_have_url(DASHBOARD)
    assert problems.errors == []
