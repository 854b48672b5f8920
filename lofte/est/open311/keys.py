"""Open311 API keys: their form, their hash, and finding the key a request sent (`verify`).

A key reads `lofte_<prefix>_<secret>`; its form, hash and constant-time check are shared with personal access
tokens in `lofte/lib/keys.py`. The key is shown once, when it is created (`actions.do_create_api_key`).

`verify` stamps when a key was last used, at most once a minute (`LAST_USED_RESOLUTION`): the one write an Open311
GET makes, a bare timestamp for the partner's administrators that changes nothing anyone reads in the request, and
not an audited change.
"""

from __future__ import annotations

from django.utils import timezone

from lofte.est.models import ApiKey
from lofte.lib.keys import LAST_USED_RESOLUTION, PREFIX_ALPHABET, PREFIX_LENGTH, hash_key, same_hash, stamp_due
from lofte.lib.keys import prefix_of as _prefix_of

__all__ = ["KEY_START", "LAST_USED_RESOLUTION", "PREFIX_ALPHABET", "PREFIX_LENGTH", "hash_key", "prefix_of", "verify"]

KEY_START = "lofte_"


def prefix_of(plaintext: str) -> str | None:
    """The prefix of something shaped like an Open311 key, else None."""
    return _prefix_of(plaintext, KEY_START)


def verify(plaintext: str) -> ApiKey | None:
    """The key (with its organisation) if `plaintext` is a key that has not been revoked, else None."""
    if not plaintext or prefix_of(plaintext) is None:
        return None
    digest = hash_key(plaintext)
    key = ApiKey.objects.select_related("organisation").filter(key_hash=digest).order_by().first()
    if key is None or not same_hash(key.key_hash, digest) or key.revoked_at is not None:
        return None
    now = timezone.now()
    if stamp_due(key.last_used_at, now):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
