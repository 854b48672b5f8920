"""Creating and revoking the Open311 API keys of partner organisations (the `lofte apikey` command); each writes one
audit row. What a key looks like and how a request's key is found: `keys.py`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.est.models import ApiKey
from lofte.est.open311.keys import KEY_START
from lofte.lib.actors import Actor, label_of
from lofte.lib.keys import hash_key, new_key
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Organisation, Partnership


class ApiKeyRefused(ActionRefused):
    """A key that cannot be created (its label holds personal data) or revoked (unknown, or revoked already)."""


def _only_partnership(organisation: Organisation) -> Partnership | None:
    """The organisation's partnership when it has exactly one, so the audit row shows in that partnership's log."""
    partnerships = list(organisation.partnerships.all()[:2])
    return partnerships[0] if len(partnerships) == 1 else None


def do_create_api_key(organisation: Organisation, *, label: str, actor: Actor) -> tuple[ApiKey, str]:
    """A new key for the organisation; returns the stored key and the plaintext, which is never stored."""
    label = label.strip()
    refuse_personal_data({"label": label}, ["label"], ApiKeyRefused)
    with transaction.atomic():
        plaintext, prefix = new_key(KEY_START, lambda prefix: ApiKey.objects.filter(prefix=prefix).exists())
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


def do_revoke_api_key(prefix: str, *, actor: Actor) -> ApiKey:
    """Revoke the key with this prefix; it stops working at once."""
    with transaction.atomic():
        key = (
            ApiKey.objects.select_for_update(of=("self",)).select_related("organisation").filter(prefix=prefix).first()
        )
        if key is None:
            raise ApiKeyRefused(_("Det finns ingen API-nyckel med prefixet %(prefix)s.") % {"prefix": prefix})
        if key.revoked_at is not None:
            raise ApiKeyRefused(
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
