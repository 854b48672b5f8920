from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lofte.accounts"
    verbose_name = _("Konton")

    def ready(self) -> None:
        # The time of sign-in is stamped by a receiver of user_logged_in (the idle and absolute session limits).
        from lofte.accounts import sessions  # noqa: F401
