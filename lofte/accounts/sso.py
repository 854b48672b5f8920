"""Single sign-on: who a provider's sign-in is, and what it may do in Löfte.

A provider proves an address; Löfte decides what that address may do. The verified address is matched to an
active user with a membership, or to the open invitations made for it (accepted through the provider, which makes
the membership the inviter chose). Anything else is refused and nothing is created: no user, no SocialAccount, no
membership; a role never comes from the provider. django-allauth runs the OpenID Connect and SAML flows; this module is
called from `lofte.accounts.adapters.SocialAccountAdapter.pre_social_login` and `AccountAdapter.post_login`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from lofte.accounts.invitations import do_accept_invitation, open_invitations_for
from lofte.accounts.models import Invitation, SignInProvider, User
from lofte.accounts.providers import DEFAULT_MFA_AMR, ProviderRules, split_values
from lofte.audit.log import record
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Membership

# Set for a session signed in through a provider trusted to prove the second factor, whose amr/acr proved it.
MFA_BY_PROVIDER = "lofte_mfa_by_provider"
SSO_KINDS = ("openid_connect", "saml")


class SignInRefused(ActionRefused):
    """A provider's sign-in that Löfte refuses; `reason` is what the audit row says."""

    code = "sign_in_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def rules_for(provider_id: str) -> ProviderRules:
    """The admin's row for this provider, else its LOFTE_OIDC_PROVIDERS entry, else trust nothing extra."""
    row = SignInProvider.objects.filter(provider_id=provider_id).first()
    return rules_from_row(row) if row is not None else _env_rules(provider_id)


def rules_from_row(row: SignInProvider) -> ProviderRules:
    return ProviderRules(
        provider_id=row.provider_id,
        email_domains=split_values(row.email_domains),
        organisation_ids=tuple(row.organisations.values_list("pk", flat=True)),
        trust_email=row.trust_email,
        trust_mfa=row.trust_mfa,
        mfa_amr=split_values(row.mfa_amr) if row.mfa_amr.strip() else DEFAULT_MFA_AMR,
        mfa_acr=split_values(row.mfa_acr),
    )


@dataclass(frozen=True)
class Button:
    name: str
    login_url: str
    email_domains: tuple[str, ...]


def sso_buttons(request: HttpRequest) -> list[Button]:
    """A button per configured provider (OpenID Connect and SAML, admin and environment), with its domains."""
    apps = [app for kind in SSO_KINDS for app in get_social_adapter().list_apps(request, provider=kind)]
    ids = [app.provider_id or app.provider for app in apps]
    rows = {row.provider_id: row for row in SignInProvider.objects.filter(provider_id__in=ids)}
    buttons = []
    for app, provider_id in zip(apps, ids, strict=True):
        row = rows.get(provider_id)
        domains = split_values(row.email_domains) if row else _env_rules(provider_id).email_domains
        url = app.get_provider(request).get_login_url(request)
        buttons.append(Button(name=app.name, login_url=url, email_domains=domains))
    return sorted(buttons, key=lambda button: button.name)


def _env_rules(provider_id: str) -> ProviderRules:
    for provider in getattr(settings, "LOFTE_OIDC_PROVIDERS", []):
        if provider.app["provider_id"] == provider_id:
            return provider.rules
    return ProviderRules(provider_id)


def claims_of(sociallogin: Any) -> dict[str, Any]:
    """The provider's claims about the person: OpenID Connect's id_token completed by userinfo (the id_token's
    amr/acr and email_verified are kept), or SAML's attributes named as the app's attribute mapping names them."""
    extra_data = sociallogin.account.extra_data or {}
    if "userinfo" in extra_data or "id_token" in extra_data:
        userinfo = extra_data.get("userinfo") or {}
        id_token = extra_data.get("id_token") or {}
        return {**userinfo, **{key: value for key, value in id_token.items() if value is not None}}
    provider = sociallogin.provider or sociallogin.account.get_provider()
    mapping = getattr(provider, "default_attribute_mapping", None)
    if mapping is None:
        return dict(extra_data)
    mapping = provider.app.settings.get("attribute_mapping", mapping)
    claims: dict[str, Any] = {}
    for key, names in mapping.items():
        names = [names] if isinstance(names, str) else names
        values = next((extra_data[name] for name in names if extra_data.get(name)), None)
        if values:
            claims[key] = values[0] if isinstance(values, list) else values
    if not claims.get("email") and sociallogin.email_addresses:
        claims["email"] = sociallogin.email_addresses[0].email
    return claims


def _serves(rules: ProviderRules, email: str, invitations: list[Invitation], user: User | None) -> bool:
    if not rules.limited():
        return True
    if rules.domain_of(email) in rules.email_domains:
        return True
    organisations = {invitation.organisation for invitation in invitations}
    if user is not None:
        organisations.update(
            m.organisation for m in Membership.objects.active().filter(user=user).select_related("organisation")
        )
    return any(o.pk in rules.organisation_ids or o.slug in rules.organisation_slugs for o in organisations)


def match(provider_id: str, claims: dict[str, Any]) -> tuple[User | None, list[Invitation], str]:
    """The user and open invitations this sign-in is for; SignInRefused if it is for nobody in Löfte."""
    rules = rules_for(provider_id)
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInRefused("no_email", _("Inloggningstjänsten skickade ingen e-postadress."))
    if not rules.email_is_verified(claims):
        raise SignInRefused(
            "unverified", _("Inloggningstjänsten har inte bekräftat e-postadressen, så den kan inte användas här.")
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and not user.is_active:
        raise SignInRefused("inactive", _("Kontot är avstängt. Kontakta samordnaren i din samverkan."))
    invitations = list(open_invitations_for(email))
    if not invitations and (user is None or not Membership.objects.active().filter(user=user).exists()):
        raise SignInRefused(
            "unknown",
            _(
                "Det finns inget konto eller någon inbjudan för %(email)s i Löfte. Be samordnaren i din samverkan "
                "om en inbjudan."
            )
            % {"email": email},
        )
    if not _serves(rules, email, invitations, user):
        raise SignInRefused("not_served", _("Den här inloggningstjänsten gäller inte din organisation."))
    return user, invitations, email


def do_join_by_provider(request: HttpRequest, sociallogin: Any) -> User:
    """Connect this provider account to its Löfte user (made for a first-time invitee) and accept invitations."""
    provider_id = sociallogin.account.provider
    claims = claims_of(sociallogin)
    user, invitations, email = match(provider_id, claims)
    try:
        return _join(request, sociallogin, provider_id, claims, user, invitations, email)
    except ActionRefused as refusal:  # e.g. the invitation was used a moment ago, or its role cannot be granted
        raise SignInRefused("invitation", refusal.message) from None


def _join(
    request: HttpRequest,
    sociallogin: Any,
    provider_id: str,
    claims: dict[str, Any],
    user: User | None,
    invitations: list[Invitation],
    email: str,
) -> User:
    with transaction.atomic():
        if user is None:
            full_name = invitations[0].full_name or str(claims.get("name") or "")
            user = User(email=email, full_name=full_name[:200])
            user.set_unusable_password()
            user.save()
        sociallogin.connect(request, user)
        for invitation in invitations:
            do_accept_invitation(invitation, user=user, via=provider_id)
        record("sso.connect", actor=user, obj=user, changes={"provider": provider_id, "sub": sociallogin.account.uid})
    return user


def refuse(request: HttpRequest, provider_id: str, claims: dict[str, Any], refusal: SignInRefused) -> Any:
    """Audit the refusal (the address's domain only: the person may have nothing to do with Löfte) and answer."""
    email = str(claims.get("email") or "")
    record(
        "sso.refuse",
        actor=None,
        actor_label=provider_id,
        changes={"provider": provider_id, "reason": refusal.reason, "domain": email.rsplit("@", 1)[-1].lower()},
    )
    messages.error(request, refusal.message)
    return HttpResponseRedirect(reverse("accounts:login"))


def do_sign_in_connected(provider_id: str, user: User) -> None:
    """An account connected earlier: still an active member, or invited again (accepted through the provider)."""
    if not user.is_active:
        raise SignInRefused("inactive", _("Kontot är avstängt. Kontakta samordnaren i din samverkan."))
    invitations = list(open_invitations_for(user.email))
    if not invitations and not Membership.objects.active().filter(user=user).exists():
        raise SignInRefused("no_membership", _("Du är inte längre med i någon samverkan i Löfte."))
    try:
        with transaction.atomic():
            for invitation in invitations:
                do_accept_invitation(invitation, user=user, via=provider_id)
    except ActionRefused as refusal:
        raise SignInRefused("invitation", refusal.message) from None


def after_sign_in(request: HttpRequest, user: User, sociallogin: Any | None) -> None:
    """Mark the session's second factor as proven by the provider (or not), and audit a provider's sign-in."""
    if sociallogin is None:
        request.session.pop(MFA_BY_PROVIDER, None)
        return
    provider_id = sociallogin.account.provider
    claims = claims_of(sociallogin)
    proven = rules_for(provider_id).proves_mfa(claims)
    if proven:
        request.session[MFA_BY_PROVIDER] = True
    else:
        request.session.pop(MFA_BY_PROVIDER, None)
    record("sso.sign_in", actor=user, obj=user, changes={"provider": provider_id, "mfa_by_provider": proven})
