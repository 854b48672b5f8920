"""Map labels are text, never HTML: an area's name, a category's name and Polisen's event type with markup in them
show as the characters they are in every Leaflet tooltip, and no element of theirs is created (issue 15, point 7).

Drives Debian's Chromium (tests/browser.py) against the live server, under the site's strict CSP, and opens every
label of the EST week map and of the public area page by moving the pointer over what it belongs to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from playwright.sync_api import BrowserContext, Locator, Page, expect

from lofte.analysis.est import STOCKHOLM, Week
from lofte.areas.models import Area
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import Category, EstSettings, Incident
from lofte.est.status import change_status
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_organisation, do_create_partnership
from lofte.statistics.models import Event
from tests.base import Kind, Role, make_user
from tests.browser import PageProblems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_areas"),
]

WEEK = Week(2026, 10)  # 2 to 8 March 2026: a week long over, so the page does not depend on today
THURSDAY_NOON = datetime(2026, 3, 5, 12, 0, tzinfo=STOCKHOLM)
CENTRE = (58.3255, 15.1273)
ATTACK = '<a href="https://evil.example/">Klicka</a><img src=x onerror=window.__pwned=1>'
AREA_NAME = f"Centrum {ATTACK}"
DISTRICT_NAME = f"Väster {ATTACK}"
CATEGORY_NAME = f"Klotter {ATTACK}"
EVENT_TYPE = f"Skadegörelse {ATTACK}"
# Anything the attack would have made of the page: its link, its image, or its handler having run.
INJECTED = """() => ({
    links: document.querySelectorAll('a[href^="https://evil.example"]').length,
    images: document.querySelectorAll('img[src="x"]').length,
    pwned: typeof window.__pwned,
})"""


def poison_mjolby() -> Area:
    """Mjölby and a part of it named with markup, as an imported boundary file could name them."""
    kommun = Area.objects.get(code="0586")
    kommun.name = AREA_NAME
    kommun.save(update_fields=["name"])
    lat, lng = CENTRE
    ring = [[lng - 0.01, lat - 0.01], [lng + 0.01, lat - 0.01], [lng + 0.01, lat + 0.01], [lng - 0.01, lat + 0.01]]
    Area.objects.create(
        code="0586-vaster",
        name=DISTRICT_NAME,
        kind=Area.Kind.DISTRICT,
        parent=kommun,
        geometry={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    )
    return kommun


def signed_in_samordnare(context: BrowserContext, base_url: str, kommun: Area) -> None:
    """A partnership in Mjölby with a report and a Polisen event in the week, its samordnare signed in."""
    system = SystemActor("test")
    housing = do_create_organisation(
        name="Bostadsbolaget i Mjölby AB", kind=Kind.BOSTADSBOLAG, area=kommun, actor=system
    )
    own = do_create_organisation(name="Mjölby kommun", kind=Kind.KOMMUN, area=kommun, actor=system)
    partnership = do_create_partnership(
        name="Samverkan Mjölby", slug="mjolby", area=kommun, organisations=[own, housing], actor=system
    )
    EstSettings.objects.update_or_create(partnership=partnership, defaults={"started_on": date(2025, 1, 1)})
    samordnare = make_user("samordnare@a.example", "Sara Samordnare", own, Role.SAMORDNARE)
    reporter = make_user("rapportor@a.example", "Rut Rapportör", housing, Role.RAPPORTOR)
    category = Category.objects.get(partnership=partnership, code="skadegorelse.klotter")
    category.name = CATEGORY_NAME
    category.save(update_fields=["name"])
    (incident,) = report_incidents(
        partnership,
        [IncidentInput(category, THURSDAY_NOON, *CENTRE)],
        reporter=reporter,
        organisation=housing,
        actor=reporter,
        source=Incident.Source.WEB,
        now=THURSDAY_NOON + timedelta(hours=1),
    )
    change_status(
        incident, Incident.Status.GRANSKAD, actor=samordnare, access=None, when=THURSDAY_NOON + timedelta(hours=2)
    )
    Event.objects.create(
        source_id="1",
        occurred_at=THURSDAY_NOON,
        name="Skadegörelse, Mjölby",
        type=EVENT_TYPE,
        location_name="Mjölby",
        lat=58.3247,
        lng=15.1296,
        area=kommun,
    )
    client = Client()
    client.force_login(samordnare)
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "domain": urlparse(base_url).hostname, "path": "/"}])


def tooltips_of(page: Page, targets: Locator) -> list[str]:
    """Point at each of a map's labelled things in turn and read the tooltip that opens, checking that it holds
    nothing but text."""
    texts = []
    for index in range(targets.count()):
        target = targets.nth(index)
        target.dispatch_event("mouseover")
        tooltip = page.locator(".leaflet-tooltip-pane .leaflet-tooltip")
        expect(tooltip).to_have_count(1)
        assert tooltip.locator("a, img, script, svg, iframe").count() == 0, tooltip.inner_html()
        texts.append(tooltip.inner_text())
        target.dispatch_event("mouseout")
        expect(tooltip).to_have_count(0)
    return texts


def test_the_week_map_shows_names_and_event_types_as_text(
    live_server, context: BrowserContext, page: Page, settings
) -> None:  # type: ignore[no-untyped-def]
    # Tiles from the live server itself (any small image will do), and an attribution with markup in it.
    settings.LOFTE_MAP_TILES_URL = "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    settings.LOFTE_MAP_TILES_ATTRIBUTION = f"Kartdata {ATTACK}"
    kommun = poison_mjolby()
    signed_in_samordnare(context, live_server.url, kommun)
    problems = PageProblems().watch(page)

    page.goto(f"{live_server.url}/samverkan/mjolby/est/vecka/{WEEK.year}/{WEEK.week}/")
    week_map = page.locator("#week-map")
    expect(week_map).to_have_attribute("data-loaded", "true")
    police = week_map.locator(".est-police-marker")
    expect(police).to_have_count(1)
    assert police.locator("svg rect").count() == 1  # Polisen's symbol is still drawn

    texts = tooltips_of(page, week_map.locator(".leaflet-interactive"))

    assert any(text.endswith(f"Polisen: {EVENT_TYPE}") for text in texts), texts
    assert any(CATEGORY_NAME in text for text in texts), texts
    expect(week_map.locator(".leaflet-control-attribution")).to_contain_text(f"Kartdata {ATTACK}")
    assert page.evaluate(INJECTED) == {"links": 0, "images": 0, "pwned": "undefined"}
    assert problems.errors == []


def test_the_public_area_map_shows_area_names_as_text(live_server, page: Page) -> None:
    poison_mjolby()
    problems = PageProblems().watch(page)

    page.goto(f"{live_server.url}/omraden/0586/")
    area_map = page.locator("div.map")
    expect(area_map).to_have_attribute("data-loaded", "true")

    texts = tooltips_of(page, area_map.locator("path.leaflet-interactive"))

    assert sorted(texts) == sorted([AREA_NAME, DISTRICT_NAME])
    assert page.evaluate(INJECTED) == {"links": 0, "images": 0, "pwned": "undefined"}
    assert problems.errors == []
