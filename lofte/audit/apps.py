from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lofte.audit"
    verbose_name = _("Granskningslogg")

    def ready(self) -> None:
        from lofte.audit import signals  # noqa: F401
