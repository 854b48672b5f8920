"""Every public page passes axe-core's WCAG 2.1 A/AA rules in Chromium, in Swedish and English, and works by keyboard.

axe-core comes from npm (package-lock.json, `make node-deps`); Chromium is Debian's (tests/browser.py). Pages other
issues are still building are listed too: a path is skipped only while its URL does not resolve, so the test picks
it up the day it lands. Fails on any violation of impact serious or critical, listing rule, impact, help and where.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from tests import axe
from tests.browser import TIMEOUT_MS, demo_password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_areas"),
]

SAMORDNARE = "samordnare@mjolby.example"
# {warning} and {advice} are filled in with a published warning and advice page of Mjölby, {subscription} with the
# token of a subscription to Mjölby (the pages its e-mails link to).
PUBLIC_PAGES = [
    "/",
    "/kommun/0586/",
    "/konto/logga-in/",
    "/konto/losenord/glomt/",
    "/konto/losenord/glomt/skickat/",
    "/omraden/",
    "/omraden/0586/",
    "/kommun/0586/varningar/",
    "/kommun/0586/varningar/{warning}/",
    "/kommun/0586/rad/",
    "/kommun/0586/rad/{advice}/",
    "/kommun/0586/prenumerera/",
    "/kommun/0586/tipsa/",
    "/kommun/0586/tipsa/tack/",
    "/kommun/0586/tips/",
    "/prenumeration/{subscription}/bekrafta/",
    "/prenumeration/{subscription}/avsluta/",
]
# Forms checked again after sending them empty, with their error messages showing.
FORMS = ["/konto/logga-in/", "/konto/losenord/glomt/", "/kommun/0586/prenumerera/", "/kommun/0586/tipsa/"]
FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), "
    "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])"
)


def new_context(browser: Browser, base_url: str, language: str) -> BrowserContext:
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    return context


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = new_context(browser, live_server.url, "sv")
    try:
        yield context.new_page()
    finally:
        context.close()


def resolvable(path: str) -> bool:
    try:
        resolve(path.split("?")[0].replace("{warning}", "1").replace("{advice}", "rad").replace("{subscription}", "x"))
    except Resolver404:
        return False
    return True


def published_content() -> dict[str, str]:
    """A current published warning and a published advice page for Mjölby (made here if the demo has none)."""
    from lofte.citizens.models import AdvicePage, Subscription, Warning
    from lofte.partnerships.models import Partnership

    mjolby = Partnership.objects.get(slug="mjolby")
    warning = Warning.objects.filter(partnership=mjolby, status=Warning.Status.PUBLICERAD).first()
    if warning is None:
        warning = Warning.objects.create(
            partnership=mjolby, title="Falska poliser ringer äldre", text="Polisen ringer aldrig och ber om koder.",
            category=Warning.Category.BEDRAGERI, valid_until=timezone.localdate() + timedelta(days=14),
            status=Warning.Status.PUBLICERAD, published_at=timezone.now(),
        )  # fmt: skip
    advice = AdvicePage.objects.filter(is_published=True, partnership__in=[mjolby]).first()
    advice = advice or AdvicePage.objects.filter(is_published=True, partnership=None).first()
    if advice is None:
        advice = AdvicePage.objects.create(
            slug="skydda-dig-mot-bedragerier", title="Skydda dig mot bedrägerier", body="Lägg på.\n\nRing 114 14.",
            is_published=True,
        )  # fmt: skip
    subscription, _created = Subscription.objects.get_or_create(
        email="invanare@example.org", area=mjolby.area, defaults={"token": secrets.token_urlsafe(32)}
    )
    return {"warning": str(warning.pk), "advice": advice.slug, "subscription": subscription.token}


def check_pages(browser: Browser, base_url: str, language: str) -> tuple[list[axe.Violation], list[str]]:
    demo_password(SAMORDNARE)  # loads the demo
    values = published_content() if resolvable("/kommun/0586/varningar/") else {}
    context = new_context(browser, base_url, language)
    page = context.new_page()
    found: list[axe.Violation] = []
    skipped = []
    try:
        for template in PUBLIC_PAGES:
            if not resolvable(template):
                skipped.append(template)
                continue
            path = template.format(**values)
            response = page.goto(base_url + path)
            assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
            assert page.evaluate("() => document.documentElement.lang") == language, f"{path} is not in {language}"
            found += axe.check(page, f"{path} [{language}]")
            if template in FORMS:
                page.locator("main form button[type=submit], main form input[type=submit]").last.click()
                page.wait_for_load_state("load")
                found += axe.check(page, f"{path} sent empty [{language}]")
    finally:
        context.close()
    return found, skipped


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_public_page_passes_axe(live_server, browser: Browser, language: str) -> None:  # type: ignore[no-untyped-def]
    violations, skipped = check_pages(browser, live_server.url, language)
    if skipped:
        print(f"Not built yet, skipped: {', '.join(skipped)}")
    assert not violations, axe.report(violations)


# Keyboard


def expected_tab_order(page: Page) -> list[str]:
    """Describe each element Tab should reach, in document order (Löfte uses no positive tabindex)."""
    return page.evaluate(
        """(selector) => {
            const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
                && !el.closest('[inert], [hidden]');
            const out = [];
            for (const el of document.querySelectorAll(selector)) {
                if (!visible(el)) continue;
                if (el.type === 'radio' && el.name) {
                    const group = [...document.getElementsByName(el.name)].filter(visible);
                    const chosen = group.find((r) => r.checked) || group[0];
                    if (chosen !== el) continue;
                }
                if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
                out.push(window.__describe(el));
            }
            return out;
        }""",
        FOCUSABLE,
    )


DESCRIBE = """() => {
    window.__describe = (el) => {
        const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '').trim();
        return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ${name.slice(0, 40)}`.replace(/\\s+/g, ' ');
    };
}"""

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    const box = el.getBoundingClientRect();
    return {
        element: window.__describe(el), visible: Boolean(outline || shadow), focusVisible: el.matches(':focus-visible'),
        onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < innerWidth,
    };
}"""


def tab_through(page: Page) -> list[str]:
    """Press Tab from the top of the page until focus leaves it; every stop must show a visible focus indicator."""
    page.evaluate(DESCRIBE)
    expected = expected_tab_order(page)
    reached: list[str] = []
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for _stop in range(len(expected) + 5):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body || document.activeElement === null"):
            break
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["focusVisible"] and focus["visible"], f"no visible focus indicator on {focus['element']}"
        assert focus["onScreen"], f"{focus['element']} has focus but is not on the screen"
        reached.append(focus["element"])
        if len(reached) == len(expected):
            break
    assert reached == expected, "Tab order differs from the page's order:\n" + "\n".join(
        f"{'=' if a == b else '≠'} {a!r:50} {b!r}" for a, b in zip(reached + [""] * 99, expected, strict=False)
    )
    return reached


def test_the_kommun_page_works_with_the_keyboard_alone(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    demo_password(SAMORDNARE)
    page.goto(f"{live_server.url}/kommun/0586/")
    reached = tab_through(page)
    assert reached[0].startswith("a ") and "Hoppa till innehållet" in reached[0], "the skip link comes first"
    assert any("PDF" in stop for stop in reached), "the follow-up report is reached"

    # The skip link: visible when focused, and it moves focus to the main content.
    page.goto(f"{live_server.url}/kommun/0586/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link is off the screen when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    header = page.evaluate("() => document.querySelector('header').contains(document.activeElement)")
    assert inside or not header, "Tab after the skip link goes back into the header"


def test_the_tip_form_works_with_the_keyboard_alone(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    if not resolvable("/kommun/0586/tipsa/"):
        pytest.skip("the tip form (/kommun/0586/tipsa/) is not built yet")
    demo_password(SAMORDNARE)
    page.goto(f"{live_server.url}/kommun/0586/tipsa/")
    reached = tab_through(page)
    assert any(stop.startswith(("select", "input")) for stop in reached), "the form's controls are reached"
    assert any(stop.startswith("textarea") for stop in reached), "the description is reached"
    assert any(stop.startswith("button") for stop in reached), "the send button is reached"
