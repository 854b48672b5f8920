"""How django-allauth fits Löfte: nobody signs up on their own.

A person gets an account by being invited into an organisation of a partnership (with a role); neither the
sign-up form nor a single sign-on provider creates one, so the adapters close both doors.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "Fel e-postadress eller lösenord. Observera att lösenordet skiljer på stora och små bokstäver."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False
