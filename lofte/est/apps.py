"""EST's app: on start it connects `setup.set_up_created_partnership` to `partnerships.signals.partnership_created`,
so every new partnership gets its EST settings and categories in the transaction that creates it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstConfig(AppConfig):
    name = "lofte.est"
    label = "est"
    verbose_name = _("EST – effektiv samordning för trygghet")

    def ready(self) -> None:
        from lofte.est.setup import set_up_created_partnership
        from lofte.partnerships.signals import partnership_created

        partnership_created.connect(set_up_created_partnership, dispatch_uid="lofte.est.set_up")
