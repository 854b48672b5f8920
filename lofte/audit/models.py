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
    "promises.demo": _("lade in demons medborgarlöfte"),
    "est.incident.report": _("rapporterade händelsen"),
    "est.incident.status": _("ändrade status på händelserapporten"),
    "est.incident.correct": _("rättade händelserapporten"),
    "est.incident.route": _("fördelade händelserapporten"),
    "est.incident.merge": _("slog ihop händelserapporter med"),
    "est.settings.update": _("ändrade EST-inställningarna för"),
    "est.category.create": _("lade till EST-kategorin"),
    "est.category.update": _("ändrade EST-kategorin"),
    "est.routing.create": _("lade till fördelningsregeln"),
    "est.routing.delete": _("tog bort fördelningsregeln"),
    "est.meeting.create": _("registrerade EST-mötet"),
    "est.meeting.update": _("ändrade EST-mötet"),
    "est.action.create": _("beslutade åtgärden"),
    "est.action.update": _("ändrade åtgärden"),
    "est.week_note.save": _("skrev veckans bedömning för"),
    "est.apikey.create": _("skapade API-nyckeln"),
    "est.apikey.revoke": _("återkallade API-nyckeln"),
    "est.demo": _("lade in EST-demodata för"),
    "est.set_up": _("startade EST för"),
    "dialogue.create": _("registrerade dialogen"),
    "dialogue.update": _("ändrade dialogen"),
    "dialogue.delete": _("tog bort dialogen"),
    "dialogue.add_statement": _("lade till en synpunkt i"),
    "dialogue.remove_statement": _("tog bort en synpunkt från"),
    "agreement.create": _("skapade överenskommelsen"),
    "agreement.update": _("ändrade överenskommelsen"),
    "agreement.add_signatory": _("lade till en undertecknare i"),
    "agreement.remove_signatory": _("tog bort en undertecknare från"),
    "agreement.add_document": _("laddade upp en bilaga till"),
    "agreement.remove_document": _("tog bort en bilaga från"),
    "lofte.create": _("skapade medborgarlöftet"),
    "lofte.update": _("ändrade medborgarlöftet"),
    "lofte.add_focus_area": _("lade till ett fokusområde i"),
    "lofte.update_focus_area": _("ändrade ett fokusområde i"),
    "lofte.remove_focus_area": _("tog bort ett fokusområde från"),
    "lofte.reorder_focus_areas": _("ändrade ordningen på fokusområdena i"),
    "lofte.add_goal": _("lade till ett mål i"),
    "lofte.update_goal": _("ändrade ett mål i"),
    "lofte.remove_goal": _("tog bort ett mål från"),
    "lofte.reorder_goals": _("ändrade ordningen på målen i"),
    "lofte.add_promise": _("lade till ett löfte i"),
    "lofte.update_promise": _("ändrade ett löfte i"),
    "lofte.remove_promise": _("tog bort ett löfte från"),
    "lofte.reorder_promises": _("ändrade ordningen på löftena i"),
    "lofte.update_promise_status": _("följde upp ett löfte i"),
    "lofte.add_activity": _("lade till en aktivitet i"),
    "lofte.remove_activity": _("tog bort en aktivitet från"),
    "lofte.save_decision": _("sparade beslutsuppgifterna för"),
    "lofte.propose": _("föreslog medborgarlöftet för beslut:"),
    "lofte.return_to_draft": _("gjorde medborgarlöftet till utkast igen:"),
    "lofte.decide": _("registrerade beslutet om medborgarlöftet"),
    "lofte.publish": _("publicerade medborgarlöftet"),
    "followup.plan": _("planerade uppföljningarna av"),
    "followup.evaluate": _("beräknade uppföljningen"),
    "followup.comment_goal": _("kommenterade ett mål i uppföljningen"),
    "followup.override_goal": _("ändrade bedömningen av ett mål i uppföljningen"),
    "followup.report_promise": _("rapporterade ett löfte i uppföljningen"),
    "followup.set_summary": _("skrev sammanfattningen av uppföljningen"),
    "followup.close": _("avslutade uppföljningen"),
    "followup.publish": _("publicerade uppföljningen"),
    "followup.remind": _("skickade påminnelser om uppföljningen"),
    "followup.import_plan": _("läste in åtgärdsplanen för"),
    "retention.update": _("ändrade gallringen för"),
    "gallring.run": _("gallrade"),
    "auth.login": _("loggade in"),
    "auth.logout": _("loggade ut"),
    "auth.login_failed": _("misslyckades att logga in"),
}


class AuditEvent(models.Model):
    """One change: who did what to which object, and when. Rows are never deleted; gallring
    (`lofte/operations/retention/`) only sets `ip_address` to NULL after its period and replaces the place in a
    gallrad report's corrections."""

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
    # The actor asked not to be named to the partnership (an anonymous EST report): feeds never name them.
    actor_hidden = models.BooleanField(_("utförd anonymt"), default=False)
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


class RateBucket(models.Model):
    """The requests counted for one scope and key in one fixed window, for the rate limits of `audit.limits`.

    The key is a keyed hash of a client address (or a key's id), never the address itself; a row is deleted once
    its window has passed, and no window is longer than a day."""

    scope = models.CharField(_("gräns"), max_length=32)
    key = models.CharField(_("nyckel"), max_length=64)
    window_start = models.DateTimeField(_("fönstrets början"))
    expires_at = models.DateTimeField(_("gäller till"), db_index=True)
    count = models.PositiveIntegerField(_("antal"), default=0)

    class Meta:
        verbose_name = _("räknare för gräns")
        verbose_name_plural = _("räknare för gränser")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="rate_bucket_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start:%Y-%m-%d %H:%M} {self.count}"
