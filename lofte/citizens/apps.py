from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "lofte.citizens"
    label = "citizens"
    verbose_name = _("Till invånarna: varningar, råd, prenumerationer och tips")
