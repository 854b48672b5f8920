"""Single sign-on providers given by environment (`LOFTE_OIDC_PROVIDERS`), and what Löfte trusts each one for.

Read by lofte/settings.py, so nothing here imports a model. The JSON is a list, one object per OpenID Connect
provider (one per kommun's Entra ID tenant, one for the police, ...):

    [{"id": "mjolby", "name": "Mjölby kommun", "server_url": "https://login.microsoftonline.com/<tenant>/v2.0",
      "client_id": "...", "secret_env": "LOFTE_OIDC_MJOLBY_SECRET", "email_domains": ["mjolby.se"],
      "trust_email": true, "trust_mfa": true, "mfa_amr": ["mfa"], "mfa_acr": []}]

`secret_env` names the variable holding the client secret, read as every secret is (`NAME` or the file in
`NAME_FILE`); `secret` gives it inline. The allauth part becomes SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"];
the trust part is a `ProviderRules`, which a `SignInProvider` row in the admin overrides for the same id.
Hand-written because it is a few lines of JSON checking with messages naming the entry and field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# amr values (RFC 8176) that say more than a password was used; Entra ID sends "mfa".
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def split_values(text: str) -> tuple[str, ...]:
    """Values in a field of the admin, separated by commas, spaces or lines."""
    return tuple(value for value in re.split(r"[\s,;]+", text.strip().lower()) if value)


@dataclass(frozen=True)
class ProviderRules:
    """What Löfte trusts one provider for; the defaults trust nothing beyond what its claims say."""

    provider_id: str
    email_domains: tuple[str, ...] = ()
    organisation_ids: tuple[int, ...] = ()
    organisation_slugs: tuple[str, ...] = ()
    trust_email: bool = False
    trust_mfa: bool = False
    mfa_amr: tuple[str, ...] = DEFAULT_MFA_AMR
    mfa_acr: tuple[str, ...] = ()

    def email_is_verified(self, claims: dict[str, Any]) -> bool:
        """A verified address: the claim says so, or (when the claim is missing) the provider is trusted to."""
        claim = claims.get("email_verified")
        if isinstance(claim, str):
            claim = {"true": True, "false": False}.get(claim.strip().lower())
        if claim is None:
            return self.trust_email
        return claim is True

    def proves_mfa(self, claims: dict[str, Any]) -> bool:
        if not self.trust_mfa:
            return False
        amr = claims.get("amr") or []
        amr = [amr] if isinstance(amr, str) else amr
        if any(str(value).lower() in self.mfa_amr for value in amr):
            return True
        return bool(self.mfa_acr) and str(claims.get("acr", "")).lower() in self.mfa_acr

    def domain_of(self, email: str) -> str:
        return email.rsplit("@", 1)[-1].lower()

    def limited(self) -> bool:
        return bool(self.email_domains or self.organisation_ids or self.organisation_slugs)


@dataclass(frozen=True)
class OidcProvider:
    app: dict[str, Any]
    rules: ProviderRules = field(default_factory=lambda: ProviderRules(""))


def _strings(entry: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = entry.get(name, [])
    if isinstance(value, str):
        return split_values(value)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImproperlyConfigured(f"{where}: {name} must be a list of strings")
    return tuple(item.strip().lower() for item in value if item.strip())


def _flag(entry: dict[str, Any], name: str, where: str) -> bool:
    value = entry.get(name, False)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(f"{where}: {name} must be true or false")
    return value


def _one(entry: Any, index: int, secret: Callable[[str], str | None]) -> OidcProvider:
    where = f"LOFTE_OIDC_PROVIDERS[{index}]"
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"{where}: must be an object")
    for name in ("id", "name", "server_url", "client_id"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise ImproperlyConfigured(f"{where}: {name} is required")
    provider_id = entry["id"].strip()
    if not _ID.match(provider_id):
        raise ImproperlyConfigured(f"{where}: id must be lower-case letters, digits, - or _ (in the callback URL)")
    client_secret = entry.get("secret") or (secret(entry["secret_env"]) if entry.get("secret_env") else None)
    if not client_secret:
        raise ImproperlyConfigured(f"{where}: secret or secret_env (a variable that is set) is required")
    settings: dict[str, Any] = {"server_url": entry["server_url"].strip()}
    for optional in ("token_auth_method", "uid_field", "fetch_userinfo"):
        if optional in entry:
            settings[optional] = entry[optional]
    app = {
        "provider_id": provider_id,
        "name": entry["name"].strip(),
        "client_id": entry["client_id"].strip(),
        "secret": client_secret,
        "settings": settings,
    }
    rules = ProviderRules(
        provider_id=provider_id,
        email_domains=_strings(entry, "email_domains", where),
        organisation_slugs=_strings(entry, "organisations", where),
        trust_email=_flag(entry, "trust_email", where),
        trust_mfa=_flag(entry, "trust_mfa", where),
        mfa_amr=_strings(entry, "mfa_amr", where) if "mfa_amr" in entry else DEFAULT_MFA_AMR,
        mfa_acr=_strings(entry, "mfa_acr", where),
    )
    return OidcProvider(app=app, rules=rules)


def parse_oidc_providers(text: str | None, *, secret: Callable[[str], str | None]) -> list[OidcProvider]:
    """The providers in LOFTE_OIDC_PROVIDERS (JSON); a clear ImproperlyConfigured for anything wrong."""
    if not text or not text.strip():
        return []
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"LOFTE_OIDC_PROVIDERS: not JSON ({exc})") from None
    if not isinstance(entries, list):
        raise ImproperlyConfigured("LOFTE_OIDC_PROVIDERS: must be a JSON list of providers")
    providers = [_one(entry, index, secret) for index, entry in enumerate(entries)]
    ids = [provider.app["provider_id"] for provider in providers]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured("LOFTE_OIDC_PROVIDERS: two providers have the same id")
    return providers


def allauth_apps(providers: Iterable[OidcProvider]) -> list[dict[str, Any]]:
    return [provider.app for provider in providers]
