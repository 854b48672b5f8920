"""Secret keys that machines send instead of a person's session: Open311 API keys (`est/open311/keys.py`) and
personal access tokens (`accounts/tokens.py`). What they share lives here.

A key reads `<start><prefix>_<secret>`: `start` says what kind of key it is (`lofte_` for Open311, `lofte_pat_` for
a personal access token, so a leaked one is recognised by secret scanners), the prefix (8 letters and digits, never
a leading dash, so it can be typed as a command-line argument) names the key in lists and in the audit log, and the
secret is `secrets.token_urlsafe(32)`. Only the SHA-256 of the whole key is stored, so a stolen database gives no
working keys, and the key is shown once, when it is created. A key is looked up by its hash; the stored hash is then
compared in constant time as well, which costs nothing and keeps timing out of the question. A key in use is
stamped at most once a minute (`LAST_USED_RESOLUTION`), so a busy integration does not write on every request.

Hand-written on `hashlib`, `hmac` and `secrets`: the libraries that issue API tokens (django-rest-knox, DRF's
tokens, django-ninja-apikey) each bring their own model and framework, and what is needed is these few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Callable
from datetime import datetime, timedelta

PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_letters + string.digits
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_key(start: str, taken: Callable[[str], bool]) -> tuple[str, str]:
    """A new key beginning with `start` and a prefix for which `taken` is false: (plaintext, prefix)."""
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _i in range(PREFIX_LENGTH))
        if not taken(prefix):
            return f"{start}{prefix}_{secrets.token_urlsafe(32)}", prefix


def prefix_of(plaintext: str, start: str) -> str | None:
    """The prefix of something shaped like a key beginning with `start`, else None."""
    if not plaintext.startswith(start):
        return None
    prefix, separator, secret = plaintext[len(start) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not separator or not secret:
        return None
    return prefix


def same_hash(stored: str, digest: str) -> bool:
    return hmac.compare_digest(stored, digest)


def stamp_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a key last used at `last_used_at` should be stamped as used `now`."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION
