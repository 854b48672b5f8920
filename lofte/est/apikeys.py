"""Open311 API keys of partner organisations: created, checked and revoked here, and nowhere else.

A key reads `lofte_<prefix>_<secret>`: the prefix (8 letters and digits, never a leading dash, so it can be
typed as a command-line argument) names the key in lists and in the audit log; the secret is
`secrets.token_urlsafe(32)`. Only the SHA-256 of the whole key is stored, so a stolen database does not give
working keys, and the key is shown once, when it is created. A key is looked up by its hash; the stored hash
is then compared in constant time as well, which costs nothing and keeps timing out of the question.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.est.models import ApiKey
from lofte.lib.actors import label_of
from lofte.lib.pii import describe, find_personal_data
from lofte.partnerships.models import Organisation, Partnership

KEY_START = "lofte_"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_letters + string.digits
# A key in use is stamped at most this often, so a busy integration does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(Exception):
    """A key that cannot be created or revoked; the message is for the user."""


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _new_prefix() -> str:
    while True:
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _i in range(PREFIX_LENGTH))
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


def _only_partnership(organisation: Organisation) -> Partnership | None:
    """The organisation's partnership when it has exactly one, so the audit row shows in that partnership's log."""
    partnerships = list(organisation.partnerships.all()[:2])
    return partnerships[0] if len(partnerships) == 1 else None


def create_key(organisation: Organisation, label: str, actor: Any) -> tuple[ApiKey, str]:
    """A new key for the organisation; returns the stored key and the plaintext, which is never stored."""
    label = label.strip()
    if findings := find_personal_data(label):
        raise ApiKeyError(describe(findings))
    with transaction.atomic():
        prefix = _new_prefix()
        plaintext = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
        actor_label = label_of(actor)
        key = ApiKey.objects.create(
            organisation=organisation,
            label=label,
            prefix=prefix,
            key_hash=hash_key(plaintext),
            created_by=actor_label[:254],
        )
        record(
            "est.apikey.create",
            actor=actor,
            obj=key,
            partnership=_only_partnership(organisation),
            changes={"organisation": organisation.name, "label": label, "prefix": prefix},
        )
    return key, plaintext


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


def revoke(prefix: str, actor: Any) -> ApiKey:
    """Revoke the key with this prefix; it stops working at once."""
    with transaction.atomic():
        key = (
            ApiKey.objects.select_for_update(of=("self",)).select_related("organisation").filter(prefix=prefix).first()
        )
        if key is None:
            raise ApiKeyError(_("Det finns ingen API-nyckel med prefixet %(prefix)s.") % {"prefix": prefix})
        if key.revoked_at is not None:
            raise ApiKeyError(
                _("API-nyckeln %(prefix)s återkallades redan %(when)s.")
                % {"prefix": prefix, "when": timezone.localtime(key.revoked_at).strftime("%Y-%m-%d %H:%M")}
            )
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(
            "est.apikey.revoke",
            actor=actor,
            obj=key,
            partnership=_only_partnership(key.organisation),
            changes={"organisation": key.organisation.name, "prefix": prefix},
        )
    return key
