from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lofte.accounts import throttle
from lofte.accounts.models import PersonalAccessToken, User
from lofte.accounts.tasks import send_password_reset
from lofte.lib.forms import ScreensPersonalData, SingleLine, date_input
from lofte.partnerships.access import partnerships_for
from lofte.partnerships.models import Partnership


class SignInForm(SingleLine, LoginForm):
    """django-allauth's sign-in form (its login flow asks for the second factor), in Löfte's words, slowed for an
    account that is being guessed at."""

    error_messages = {
        "slowed": _(
            "Många felaktiga inloggningsförsök har gjorts för den här e-postadressen. "
            "Vänta %(seconds)s sekunder och försök igen."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-postadress")
        self.fields["login"].widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
        self.fields["password"].label = _("Lösenord")
        self.fields["password"].help_text = ""

    def clean(self) -> dict[str, Any]:
        # An account guessed at from many addresses is slowed, never locked (lofte/accounts/throttle.py).
        username = self.cleaned_data.get("login")
        if username and (seconds := throttle.seconds_to_wait(username)):
            raise forms.ValidationError(self.error_messages["slowed"], code="slowed", params={"seconds": seconds})
        return super().clean()


class QueuedPasswordResetForm(PasswordResetForm):
    """Ask for a reset mail: the same work and the same answer whether the address has an account or not.

    The request looks the address up (one query, whatever it finds), counts it against the limits
    (`throttle.reset_allowed`) and, within them, enqueues one `send_password_reset` task with the ids found, an
    empty list for an unknown address, once the request has committed. The token, the link and the mail are
    made by the task, so neither the answer's content nor its timing says whether the account exists, and the
    task table holds ids, not links. The link is built from SITE_URL (`lofte.lib.links`), never from the
    request's Host header, which whoever asks for the reset controls (the classic way to steal a reset token).
    """

    def save(self, request: HttpRequest | None = None, **_options: Any) -> None:  # type: ignore[override]
        email = self.cleaned_data["email"].strip().lower()
        user_ids = list(User.objects.filter(email__iexact=email, is_active=True).values_list("pk", flat=True))
        if request is None or not throttle.reset_allowed(request, email):
            return
        language = get_language()
        transaction.on_commit(lambda: send_password_reset.enqueue(user_ids=user_ids, language=language))


class AccessTokenForm(ScreensPersonalData, forms.Form):
    """A new personal access token for the API: what it is for, where, what it may do and until when."""

    screened_fields = ("name",)

    name = forms.CharField(
        label=_("Namn"),
        max_length=100,
        help_text=_("Vad nyckeln används till, till exempel ”Power BI, trygghetsrapporten”."),
    )
    partnership = forms.ModelChoiceField(label=_("Samverkan"), queryset=Partnership.objects.none(), empty_label=None)
    access = forms.ChoiceField(
        label=_("Behörighet"),
        choices=PersonalAccessToken.Access.choices,
        initial=PersonalAccessToken.Access.READ,
        widget=forms.RadioSelect,
        help_text=_("En nyckel som bara läser kan inte ändra något, vem som än får tag på den."),
    )
    expires_on = forms.DateField(label=_("Sista giltighetsdag"), widget=date_input())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships_for(user).order_by("name")  # type: ignore[attr-defined]
        days = settings.LOFTE_TOKEN_MAX_DAYS
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=min(90, days))
        self.fields["expires_on"].help_text = _("Högst %(days)s dagar från i dag.") % {"days": days}
