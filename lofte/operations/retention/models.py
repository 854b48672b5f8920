"""A partnership's own retention periods; an empty field means the instance's default (`kinds.instance_days`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """The periods a partnership's samordnare chose, within the instance's limits (`actions.do_set_retention`)."""

    partnership = models.OneToOneField(
        "partnerships.Partnership",
        verbose_name=_("samverkan"),
        on_delete=models.CASCADE,
        related_name="retention_policy",
    )
    est_text_days = models.PositiveIntegerField(_("EST-rapporters text och foto, dagar"), null=True, blank=True)
    tip_text_days = models.PositiveIntegerField(_("tips från allmänheten, dagar"), null=True, blank=True)
    tip_email_days = models.PositiveIntegerField(_("e-postadresser för återkoppling, dagar"), null=True, blank=True)
    dialogue_text_days = models.PositiveIntegerField(_("synpunkter från dialoger, dagar"), null=True, blank=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("gallringsregel")
        verbose_name_plural = _("gallringsregler")

    def __str__(self) -> str:
        return str(self.partnership_id)
