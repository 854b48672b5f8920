"""End to end in a real browser: the demo samordnare signs in and sees the partnership dashboard.

Runs Debian's Chromium (see tests/browser.py) against pytest-django's live server, which also serves the
static files, so the CSS, Leaflet and map.js must really load and pass the site's strict CSP.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.statistics import progress
from lofte.statistics.models import ImportJob
from tests.browser import TIMEOUT_MS, PageProblems, demo_password, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_areas"),
]

SAMORDNARE = "samordnare@mjolby.example"
OPERATOR = "admin@mjolby.example"  # the demo's systemförvaltare: staff, and admin in Mjölby's partnership
DASHBOARD = re.compile(r"/samverkan/mjolby/$")
PARTIES = ["Lokalpolisområde Motala", "Mjölby kommun", "Bostadsbolaget i Mjölby AB"]
YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


def test_it_signs_in_as_the_demo_samordnare_and_sees_the_dashboard(live_server, page: Page) -> None:
    password = demo_password(SAMORDNARE)
    problems = PageProblems().watch(page)

    sign_in(page, live_server.url, SAMORDNARE, password)

    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Samverkan Mjölby")
    for heading in ["Din roll", "Parter", "Senaste händelser"]:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    parties = page.locator("section", has=page.get_by_role("heading", name="Parter", exact=True))
    for name in PARTIES:
        expect(parties.get_by_text(name, exact=True)).to_be_visible()
    # data-loaded is set by map.js once Leaflet has drawn the GeoJSON: proves the static files and the API work.
    expect(page.locator("div.map")).to_have_attribute("data-loaded", "true", timeout=TIMEOUT_MS)
    expect(page.locator("div.map path.leaflet-interactive").first).to_be_attached()

    screenshot(page, "dashboard.png")
    assert problems.errors == []


def test_it_refuses_a_wrong_password_with_a_clear_message(live_server, page: Page) -> None:
    demo_password(SAMORDNARE)
    problems = PageProblems().watch(page)

    sign_in(page, live_server.url, SAMORDNARE, "inte-det-rätta-lösenordet")

    expect(page.get_by_role("alert")).to_contain_text("Fel e-postadress eller lösenord")
    expect(page).to_have_url(re.compile(r"/konto/logga-in/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    assert problems.errors == []


def test_it_keeps_the_page_usable_on_a_phone(live_server, page: Page) -> None:
    password = demo_password(SAMORDNARE)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = PageProblems().watch(page)

    sign_in(page, live_server.url, SAMORDNARE, password)

    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("div.map")).to_have_attribute("data-loaded", "true", timeout=TIMEOUT_MS)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
    screenshot(page, "dashboard-phone.png")
    assert problems.errors == []


def test_it_shows_the_progress_of_a_large_import_until_it_is_done(live_server, page: Page, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """htmx polls the progress under the strict CSP, and the page turns into the preview when the worker is done."""
    settings.VAR_DIR = tmp_path
    settings.LOFTE_IMPORT_BACKGROUND_BYTES = 100
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The demo has imported Brå's yearly file; this one revises a value, which only an operator may: the demo's
    # systemförvaltare (staff), whose upload form offers official statistics first.
    password = demo_password(OPERATOR)
    header, first, *rest = YEARLY.read_text(encoding="utf-8").splitlines(keepends=True)
    revised = tmp_path / "arsvis_reviderad.csv"
    revised.write_text(header + re.sub(r"^(\d{4};\d{4};[^;]+;)\d+", r"\g<1>1", first) + "".join(rest), "utf-8")
    problems = PageProblems().watch(page)
    sign_in(page, live_server.url, OPERATOR, password)
    page.wait_for_url(DASHBOARD)

    page.goto(f"{live_server.url}/statistik/importer/")
    page.locator("input[type=file]").set_input_files(revised)
    expect(page.get_by_label("Uppgifterna hör till")).to_have_value("gemensam")
    page.get_by_role("button", name="Ladda upp och förhandsgranska").click()
    status = page.locator("#job-progress")
    expect(status).to_contain_text("Filen granskas")
    progress.report(ImportJob.objects.latest("pk").pk, 270, 540)
    expect(status).to_contain_text("270 av 540 värden (50 %)")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    expect(page.get_by_role("heading", name="Det här kommer att ändras")).to_be_visible()

    page.get_by_role("button", name="Bekräfta import").click()
    expect(status).to_contain_text("Filen importeras")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    expect(page.get_by_text("Importen är klar.")).to_be_visible()
    assert ImportJob.objects.latest("pk").run.updated == 1  # type: ignore[union-attr]
    screenshot(page, "import-done.png")
    assert problems.errors == []


def test_it_draws_hot_spots_on_the_lägesbild_map(live_server, page: Page) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from lofte.statistics.models import Event

    password = demo_password(SAMORDNARE)
    mjölby, now = Area.objects.get(code="0586"), timezone.now()
    scattered = [(58.28 + 0.01 * r, 14.95 + 0.02 * c) for r in range(8) for c in range(8)]
    cluster = [(58.3252 + 0.0003 * (i % 5), 15.1251 + 0.0004 * (i // 5)) for i in range(40)]
    Event.objects.bulk_create(
        Event(
            source="test", source_id=str(i), occurred_at=now - timedelta(days=1 + i), type="Skadegörelse",
            location_name="Mjölby", lat=lat, lng=lng, area=mjölby,
        )
        for i, (lat, lng) in enumerate(scattered + cluster)
    )  # fmt: skip
    problems = PageProblems().watch(page)
    sign_in(page, live_server.url, SAMORDNARE, password)
    page.wait_for_url(DASHBOARD)

    page.goto(f"{live_server.url}/lagesbild/0586/")
    expect(page.get_by_role("heading", name="Heta punkter", exact=True)).to_be_visible()
    expect(page.locator("div.map")).to_have_attribute("data-loaded", "true", timeout=TIMEOUT_MS)
    # The hot cells are drawn in red over the kommun's outline.
    expect(page.locator('div.map path[stroke="#a4161a"]').first).to_be_attached()
    screenshot(page, "lagesbild-hot-spots.png")
    assert problems.errors == []


def test_it_shows_the_kommuns_promises_on_a_phone_without_signing_in(live_server, page: Page) -> None:
    # Spring 2026: the 2025 H2 follow-up is published, so Mjölby's medborgarlöfte 2024–2025 has ended and says so.
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm")), tick=True):
        demo_password(SAMORDNARE)  # loads the demo: the seeds' medborgarlöften and the 2025 follow-up
        page.set_viewport_size({"width": 390, "height": 844})
        problems = PageProblems().watch(page)

        page.goto(f"{live_server.url}/kommun/0586/")
        expect(page.get_by_role("heading", name="Medborgarlöfte 2024–2025")).to_be_visible()
        expect(page.get_by_text("Medborgarlöftet för 2024–2025 har löpt ut.")).to_be_visible()
        expect(page.get_by_text("Uppnått", exact=True).first).to_be_visible()
        page.get_by_text("Vad polisen och kommunen lovade").click()
        for name in ("Narkotika och folkhälsa", "Bedrägeri", "Trafikmiljö och trygghet"):
            expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(page.locator("li.promise")).to_have_count(8)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
        screenshot(page, "kommun-phone.png")
        assert problems.errors == []


def test_a_reporter_files_an_incident_with_a_photo_on_a_phone_and_hears_it_was_reviewed(
    live_server, browser: Browser
) -> None:
    from django.utils import timezone
    from PIL import Image

    from lofte.accounts.models import User
    from lofte.est.models import Incident
    from lofte.partnerships.actions import do_add_membership, do_create_organisation, do_create_partnership
    from lofte.partnerships.models import Membership, Organisation

    kommun = Area.objects.get(code="0586")
    kommun_org = do_create_organisation(
        name="Mjölby kommun", kind=Organisation.Kind.KOMMUN, area=kommun, actor=SystemActor("t")
    )
    housing = do_create_organisation(
        name="Bostadsbolaget i Mjölby AB", kind=Organisation.Kind.BOSTADSBOLAG, area=kommun, actor=SystemActor("t")
    )
    do_create_partnership(
        name="Samverkan Mjölby", slug="mjolby", area=kommun, organisations=[kommun_org, housing], actor=SystemActor("t")
    )
    password = "korrekt-häst-batteri-9"
    for email, organisation, role in [
        ("rapportor@est.example", housing, Membership.Role.RAPPORTOR),
        ("samordnare@est.example", kommun_org, Membership.Role.SAMORDNARE),
    ]:
        do_add_membership(
            User.objects.create_user(email, password, full_name=email), organisation, role, actor=SystemActor("t")
        )
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"  # camera make
    exif[0x8825] = {1: "N", 2: (58.0, 19.0, 32.0), 3: "E", 4: (15.0, 7.0, 38.0)}  # GPS
    picture = Path(__file__).resolve().parent.parent / "test-results" / "klotter.jpg"
    picture.parent.mkdir(exist_ok=True)
    Image.new("RGB", (1200, 900), (180, 40, 40)).save(picture, format="JPEG", exif=exif)

    phone = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844}, has_touch=True)
    phone.set_default_timeout(TIMEOUT_MS)
    page = phone.new_page()
    problems = PageProblems().watch(page)
    sign_in(page, live_server.url, "rapportor@est.example", password)
    page.goto(f"{live_server.url}/samverkan/mjolby/est/rapportera/")
    page.get_by_label("Vad hände?").select_option(label="Klotter")
    page.locator("[data-report-map]").first.tap()
    expect(page.locator("[data-map-status]").first).to_contain_text("Vald plats")
    page.get_by_label("Plats:", exact=True).fill("Cykelstället vid resecentrum")
    page.get_by_label("Beskrivning").fill("Nytt klotter på cykelstället, ungefär två meter brett.")
    page.get_by_label("Foto").set_input_files(str(picture))
    page.get_by_role("button", name="Skicka rapporten").click()
    page.wait_for_url(re.compile(r"/est/mina/$"))
    expect(page.get_by_text("Mottagen").first).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
    screenshot(page, "est-mine-phone.png")

    incident = Incident.objects.get()
    assert incident.latitude is not None and incident.photo
    with Image.open(incident.photo.path) as stored:
        assert not stored.getexif(), "the stored photo kept its EXIF"
    year, week, _day = timezone.localtime(incident.occurred_at).isocalendar()

    reviewer = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844}, has_touch=True)
    reviewer.set_default_timeout(TIMEOUT_MS)
    review = reviewer.new_page()
    problems.watch(review)
    sign_in(review, live_server.url, "samordnare@est.example", password)
    week_url = f"{live_server.url}/samverkan/mjolby/est/vecka/{year}/{week}/"
    review.goto(week_url)
    expect(review.get_by_text("Inga granskade rapporter under perioden.").first).to_be_visible()
    review.goto(f"{live_server.url}/samverkan/mjolby/est/granska/{incident.pk}/")
    review.get_by_role("button", name="Godkänn rapporten").click()
    review.wait_for_url(re.compile(r"/est/granska/$"))
    review.goto(week_url)
    klotter = review.get_by_role("row", name=re.compile("Klotter")).first
    expect(klotter.get_by_role("cell").first).to_have_text("1")
    screenshot(review, "est-week-phone.png")

    page.reload()
    expect(page.get_by_text("Granskad").first).to_be_visible()
    page.goto(f"{live_server.url}/samverkan/mjolby/est/rapporter/{incident.pk}/")
    expect(page.get_by_role("main")).to_contain_text("Granskad")
    assert problems.errors == []
    phone.close()
    reviewer.close()
