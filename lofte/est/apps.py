from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstConfig(AppConfig):
    name = "lofte.est"
    label = "est"
    verbose_name = _("EST – effektiv samordning för trygghet")
