"""Open311 API keys: their form, their hash, and finding the key a request sent (`verify`).

A key reads `lofte_<prefix>_<secret>`: the prefix (8 letters and digits, never a leading dash, so it can be
typed as a command-line argument) names the key in lists and in the audit log; the secret is
`secrets.token_urlsafe(32)`. Only the SHA-256 of the whole key is stored, so a stolen database does not give
working keys, and the key is shown once, when it is created (`actions.do_create_api_key`). A key is looked up by
its hash; the stored hash is then compared in constant time as well, which costs nothing and keeps timing out of
the question.

`verify` stamps when a key was last used, at most once a minute (`LAST_USED_RESOLUTION`): the one write an Open311
GET makes, a bare timestamp for the partner's administrators that changes nothing anyone reads in the request, and
not an audited change.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from datetime import timedelta

from django.utils import timezone

from lofte.est.models import ApiKey

KEY_START = "lofte_"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_letters + string.digits
# A key in use is stamped at most this often, so a busy integration does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def prefix_of(plaintext: str) -> str | None:
    """The prefix of something shaped like a key, else None."""
    if not plaintext.startswith(KEY_START):
        return None
    prefix, separator, secret = plaintext[len(KEY_START) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not separator or not secret:
        return None
    return prefix


def verify(plaintext: str) -> ApiKey | None:
    """The key (with its organisation) if `plaintext` is a key that has not been revoked, else None."""
    if not plaintext or prefix_of(plaintext) is None:
        return None
    digest = hash_key(plaintext)
    key = ApiKey.objects.select_related("organisation").filter(key_hash=digest).order_by().first()
    if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at is not None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
