from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How each action reads in the activity feed: "<who> <label> <object>".
ACTION_LABELS = {
    "partnership.create": _("skapade samverkan"),
    "partnership.update": _("ändrade samverkan"),
    "partnership.add_organisation": _("lade till en part i"),
    "organisation.create": _("skapade organisationen"),
    "membership.create": _("lade till medlemskapet"),
    "membership.update": _("ändrade medlemskapet"),
    "areas.import": _("läste in områden för"),
    "areas.delete": _("tog bort området"),
    "admin.create": _("skapade i administrationen"),
    "admin.change": _("ändrade i administrationen"),
    "admin.delete": _("tog bort i administrationen"),
    "statistics.import": _("importerade"),
    "statistics.undo_import": _("ångrade importen"),
    "statistics.upload": _("laddade upp"),
    "statistics.map_upload": _("valde kolumner för"),
    "statistics.cancel_upload": _("avbröt uppladdningen"),
    "lagesbild.create": _("skapade lägesbilden"),
    "lagesbild.update": _("ändrade lägesbilden"),
    "lagesbild.add_source": _("lade till en källa i"),
    "lagesbild.remove_source": _("tog bort en källa från"),
    "lagesbild.add_problem": _("lade till problemet"),
    "lagesbild.update_problem": _("ändrade problemet"),
    "lagesbild.remove_problem": _("tog bort problemet"),
    "lagesbild.link_series": _("kopplade en serie till problemet"),
    "lagesbild.unlink_series": _("tog bort en serie från problemet"),
    "lagesbild.link_dialogue": _("kopplade en dialog till problemet"),
    "lagesbild.unlink_dialogue": _("tog bort en dialog från problemet"),
    "lagesbild.adopt": _("fastställde lägesbilden"),
    "dialogue.create": _("registrerade dialogen"),
    "dialogue.update": _("ändrade dialogen"),
    "dialogue.delete": _("tog bort dialogen"),
    "dialogue.add_statement": _("lade till en synpunkt i"),
    "dialogue.remove_statement": _("tog bort en synpunkt från"),
    "auth.login": _("loggade in"),
    "auth.logout": _("loggade ut"),
    "auth.login_failed": _("misslyckades att logga in"),
}


class AuditEvent(models.Model):
    """One change: who did what to which object, and when. Rows are never updated or deleted."""

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utförd av"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept so the log still says who it was after the account is removed.
    actor_label = models.CharField(_("utförd av (text)"), max_length=254, blank=True)
    action = models.CharField(_("händelse"), max_length=64, db_index=True)
    object_type = models.CharField(_("objekttyp"), max_length=100, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=64, blank=True)
    object_repr = models.CharField(_("objekt"), max_length=200, blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    changes = models.JSONField(_("ändringar"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)

    class Meta:
        verbose_name = _("logghändelse")
        verbose_name_plural = _("logghändelser")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["partnership", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action} {self.object_repr}"

    def get_action_display(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))
