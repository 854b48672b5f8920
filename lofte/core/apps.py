from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Project-wide pieces that belong to no domain: the server command, health check, base templates."""

    name = "lofte.core"
    verbose_name = _("Grund")

    def ready(self) -> None:
        from lofte.core import checks  # noqa: F401
