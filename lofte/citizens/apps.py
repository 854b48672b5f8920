from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "lofte.citizens"
    label = "citizens"
    verbose_name = _("Till invånarna: varningar, råd, prenumerationer och tips")

    def ready(self) -> None:
        from lofte.citizens.dispatch import on_round_published
        from lofte.promises.signals import round_published

        round_published.connect(on_round_published, dispatch_uid="lofte.citizens.follow_up")
