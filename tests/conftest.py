from __future__ import annotations

import os

import pytest

# A `lofte worker` a test starts runs no periodic jobs (Polisen's fetch would go to the network): the scheduler is
# tested on its own (tests/test_scheduler.py), and a test that wants it beside the workers sets this itself.
os.environ.setdefault("LOFTE_WORKER_SCHEDULER", "false")

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _test_settings(settings, request):  # type: ignore[no-untyped-def]
    """Fast password hashing; tasks run at once and the cache stays in the process, unless a test says otherwise.

    The personas sign in with `force_login` and have no second factor: the two-factor requirement is off except
    in tests marked `mfa` (tests/test_mfa.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOFTE_MFA_REQUIRED = request.node.get_closest_marker("mfa") is not None
    settings.TASKS = IMMEDIATE
    settings.CACHES = LOCAL_CACHE
    # The local-memory cache outlives a settings change: empty it, or a cached public page leaks into the next test.
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    yield
    # A request in English leaves English active in the thread; the next test starts in the default, Swedish.
    translation.deactivate()


# The browser tests' shared pieces (tests/test_browser.py, test_browser_maps.py, test_axe.py): one Chromium per
# module, the reference areas back after every flush, and a fresh Swedish context and page per test.


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    # Playwright's sync API runs an asyncio loop in this thread; without this Django refuses database access
    # from the test ("You cannot call this from an async context"). Only while the browser tests run.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
            # While Playwright runs, asyncio sees a running loop in this thread, so Django hands the tests
            # connections from its async storage. Close them before that storage becomes unreachable.
            connections.close_all()


@pytest.fixture
def reference_areas(transactional_db):  # type: ignore[no-untyped-def]
    """Put back the kommuner: they come from a data migration, and every transactional test ends with a flush.

    (serialized_rollback cannot do it here: the connection holding the serialized copy is not the one that
    Django hands out while Playwright's loop counts as running.)
    """
    from lofte.areas.models import Area
    from lofte.areas.reference import load_reference_areas

    if not Area.objects.filter(code="0586").exists():
        load_reference_areas(Area)


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    from tests.browser import TIMEOUT_MS

    fresh = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    fresh.set_default_timeout(TIMEOUT_MS)
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()
