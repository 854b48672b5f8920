from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running Löfte for years: backups, gallring, scheduled jobs, the worker, and what the operator sees."""

    name = "lofte.operations"
    verbose_name = _("Drift")
