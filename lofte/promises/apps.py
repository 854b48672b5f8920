from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromisesConfig(AppConfig):
    name = "lofte.promises"
    verbose_name = _("Medborgarlöften")
