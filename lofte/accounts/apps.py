from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lofte.accounts"
    verbose_name = _("Konton")

    def ready(self) -> None:
        from allauth.mfa import signals as mfa

        from lofte.accounts import signals

        mfa.authenticator_added.connect(signals.on_authenticator_added, dispatch_uid="lofte.accounts.mfa_added")
        mfa.authenticator_removed.connect(signals.on_authenticator_removed, dispatch_uid="lofte.accounts.mfa_removed")
        mfa.authenticator_reset.connect(signals.on_authenticator_reset, dispatch_uid="lofte.accounts.mfa_reset")
        # The time of sign-in is stamped by a receiver of user_logged_in (the idle and absolute session limits).
        from lofte.accounts import sessions  # noqa: F401
