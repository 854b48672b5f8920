from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lofte.accounts.tasks import send_email
from lofte.lib.forms import SingleLine
from lofte.lib.links import absolute_url


class SignInForm(SingleLine, AuthenticationForm):
    username = forms.EmailField(
        label=_("E-postadress"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "Fel e-postadress eller lösenord. Observera att lösenordet skiljer på stora och små bokstäver."
        ),
        "inactive": _("Kontot är inaktiverat. Kontakta din samordnare."),
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Send the reset mail as a background task once the request has committed.

    The link is built from SITE_URL (`lofte.lib.links`), never from the request's Host header, which whoever asks
    for the reset controls (the classic way to steal a reset token) and which says nothing about where the site
    is actually served.
    """

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        context = {**context, "reset_url": absolute_url(path)}
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=[to_email]))
