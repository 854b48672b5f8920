"""How django-allauth fits Löfte: nobody signs up on their own.

A person gets an account by being invited into an organisation of a partnership (with a role); neither the
sign-up form nor a single sign-on provider creates one, so the adapters close both doors. A provider's sign-in is
matched to a member or an open invitation by its verified address (lofte/accounts/sso.py), or refused.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from lofte.accounts import sso


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "Fel e-postadress eller lösenord. Observera att lösenordet skiljer på stora och små bokstäver."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        sso.after_sign_in(request, user, (kwargs.get("signal_kwargs") or {}).get("sociallogin"))
        return response


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Match the provider's verified address to a member or an invitation; refuse (creating nothing) if not."""
        provider_id = sociallogin.account.provider
        try:
            if sociallogin.is_existing:
                sso.do_sign_in_connected(provider_id, sociallogin.user)
            else:
                sso.do_join_by_provider(request, sociallogin)
        except sso.SignInRefused as refusal:
            claims = sso.claims_of(sociallogin)
            raise ImmediateHttpResponse(sso.refuse(request, provider_id, claims, refusal)) from None
