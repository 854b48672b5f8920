"""`Cache-Control: no-store` on everything a browser or a proxy must not keep.

A signed-in visitor's pages (the partnership's pages, the lägesbild, EST, exports, the API answered with their
session, the admin) hold what only members may read; a shared computer's browser cache or a proxy must not keep a
copy. The same holds for the account pages (sign-in, password reset with its token in the address) and the admin
even for an anonymous visitor, for requests carrying credentials of their own (an `Authorization` header, an
Open311 key), and for every download. What stays cacheable is what anonymous visitors get from the public pages
(`lofte.lib.cache`), which carry their own `Cache-Control: public`.

It stands after WhiteNoise, so static files keep their long caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PRIVATE_PREFIXES = ("/samverkan/", "/konto/", "/admin/", "/lagesbild/", "/statistik/", "/open311/")
NO_STORE = "no-store, private, max-age=0"


def is_private(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.path.startswith(PRIVATE_PREFIXES) or "HTTP_AUTHORIZATION" in request.META:
        return True
    # A download meant for one member; the public follow-up PDF says so itself (public) and keeps its caching.
    disposition = response.get("Content-Disposition", "")
    return disposition.startswith("attachment") and "public" not in response.get("Cache-Control", "")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private(request, response):
            # Replace, not patch: a page cached for anonymous visitors says `public` and would keep saying it.
            del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response
