"""A member files the incidents of one sitting from the web form: checked, stored and audited by the intake."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import Incident
from lofte.est.reporting.queries import reporting_organisation
from lofte.lib.actors import Actor, user_of
from lofte.partnerships.access import Can, PartnershipAccess

MAY_NOT_REPORT = _("Du har inte behörighet att rapportera händelser i den här samverkan.")


def do_report_incidents(
    access: PartnershipAccess, items: Sequence[IncidentInput], *, actor: Actor, source: str = Incident.Source.WEB
) -> list[Incident]:
    """The member files the incidents of one sitting, all or none, for the first organisation they report for."""
    access.require(Can.REPORT, IncidentRefused, MAY_NOT_REPORT)
    return report_incidents(
        access.partnership,
        items,
        reporter=actor,
        organisation=reporting_organisation(user_of(actor), access.partnership),
        actor=actor,
        source=source,
    )
