from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lofte.accounts.forms import QueuedPasswordResetForm
from lofte.accounts.models import User
from lofte.accounts.sessions import do_sign_out_everywhere
from lofte.partnerships.queries import memberships_of


class SignInView(allauth_views.LoginView):
    """django-allauth's sign-in (the second factor, single sign-on), on Löfte's address and page."""

    template_name = "accounts/login.html"


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
