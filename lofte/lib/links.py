"""Absolute links to Löfte in what leaves the site: e-mails, texts for social media, the fetcher's User-Agent.

Every such link is built here from `settings.SITE_URL`, never from a request's Host header: a background task
(the reset mail, a reporter's notification, a warning to subscribers) has no request, and a Host header is what a
visitor sends, not where the site is. `SITE_URL` is set in production; when it is not, it is the address
`lofte serve` binds (`served_site_url`, from `HOST` and `PORT`), so the links in the mails of `PORT=8123 make run`
answer on 8123.
"""

from __future__ import annotations

from django.conf import settings

# A server listening on every address is reached on this machine at the loopback address.
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 -- recognised, never bound here


def served_site_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for a server bound to `host`:`port`."""
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def site_url() -> str:
    """Where Löfte is served, without a trailing slash."""
    return str(settings.SITE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """`path` (from `reverse`, beginning with a slash) as a link that works outside the site."""
    if not path.startswith("/"):
        raise ValueError(f"An absolute link needs a path from the site's root, not {path!r}")
    return site_url() + path
