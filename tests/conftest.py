from __future__ import annotations

import pytest

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _test_settings(settings):  # type: ignore[no-untyped-def]
    """Fast password hashing; tasks run at once and the cache stays in the process, unless a test says otherwise."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = IMMEDIATE
    settings.CACHES = LOCAL_CACHE
    # The local-memory cache outlives a settings change: empty it, or a cached public page leaks into the next test.
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    yield
    # A request in English leaves English active in the thread; the next test starts in the default, Swedish.
    translation.deactivate()
