from __future__ import annotations

from typing import Any

from allauth.account import views as allauth_views
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lofte.accounts.factors import MfaResetRefused, do_reset_mfa
from lofte.accounts.forms import AccessTokenForm, QueuedPasswordResetForm
from lofte.accounts.models import User
from lofte.accounts.sessions import do_sign_out_everywhere
from lofte.accounts.sso import sso_buttons
from lofte.accounts.tokens import (
    do_create_access_token,
    do_revoke_access_token,
    get_token_for_user,
    tokens_managed_by,
    tokens_of,
)
from lofte.lib.refusals import ActionRefused
from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.partnerships.queries import memberships_of


class SignInView(allauth_views.LoginView):
    """django-allauth's sign-in (the second factor, single sign-on), on Löfte's address and page."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sso_providers": sso_buttons(self.request)}


class SignOutView(auth_views.LogoutView):
    pass


class ResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = QueuedPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"memberships": memberships_of(request.user)})


@require_POST
@login_required
def reset_mfa(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """A samordnare removes a member's factors (a lost phone or key): they set up a new one at their next sign-in."""
    access = get_partnership_for_user(request.user, slug, Can.MANAGE)
    person = get_object_or_404(User, pk=user_id, memberships__organisation__partnerships=access.partnership)
    try:
        do_reset_mfa(person, actor=request.user, partnership=access.partnership)
    except MfaResetRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Tvåfaktorsautentiseringen för %(name)s är återställd. Personen loggas ut och lägger till en ny faktor.")
            % {"name": person.get_full_name() or person.email},
        )
    return redirect("people:index", slug=slug)


@login_required
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API keys, the form for a new one and, for a samordnare, the keys of the other members
    of their partnerships. A new key's plaintext is shown once, on the page that answers the POST."""
    user: Any = request.user
    form = AccessTokenForm(request.POST if request.method == "POST" else None, user=user)
    created = None
    if form.is_valid():
        try:
            created = do_create_access_token(**form.cleaned_data, actor=user)
        except ActionRefused as refusal:
            refuse_on(form, refusal)
        else:
            form = AccessTokenForm(user=user)
    context = {
        "tokens": tokens_of(user),
        "managed": tokens_managed_by(user),
        "created": created[0] if created else None,
        "plaintext": created[1] if created else "",
        "now": timezone.now(),
    }
    return form_page(request, "accounts/tokens.html", context, form=form, status=200 if created else None)


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before revoking a key (GET), and revoke it (POST): its owner or a samordnare of its partnership."""
    user: Any = request.user
    token = get_token_for_user(user, pk)
    if request.method == "POST":
        return act(
            request,
            lambda: do_revoke_access_token(token, actor=user),
            success=_("Nyckeln %(name)s är återkallad och fungerar inte längre.") % {"name": token.name},
            back=reverse("accounts:tokens"),
        )
    return render(request, "accounts/token_revoke.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    if request.method == "POST":
        do_sign_out_everywhere(request, actor=user)
        messages.success(request, _("Du är utloggad överallt, också här. Logga in igen för att fortsätta."))
        return redirect("accounts:login")
    sessions = UserSession.objects.filter(user=user).count()
    return render(request, "accounts/sign_out_everywhere.html", {"sessions": sessions})


def email_managed(request: HttpRequest) -> HttpResponse:
    """allauth's page for adding and choosing e-mail addresses, closed: the address a person signs in with is the
    one they were invited at, and only the partnership's samordnare changes it (no address taken over unverified)."""
    return redirect("accounts:profile")
