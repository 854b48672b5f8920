"""Tips from the public about unsafe places ("Tipsa om en otrygg plats"): the one action that files them.

A tip is an EST incident with source medborgare. It enters through `est.intake.report_incidents` like every other
report, so it is screened for personal data, placed in the kommun, routed, audited (one row, actor
"medborgare") and lands in the same review queue with status mottagen. A tip has no reporter: the optional
e-mail address is kept as the incident's `contact_email`, which `est.tasks` uses to tell the citizen about each
change of status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import Category, Incident
from lofte.lib.actors import Actor, SystemActor
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.models import Partnership

ACTOR = SystemActor("medborgare", anonymous=True)  # the audit log keeps no address


class TipRefused(ActionRefused):
    """The tip cannot be stored; `field` names the form field concerned (empty: the whole form)."""


@dataclass(frozen=True)
class Tip:
    category: Category
    description: str
    latitude: float | None = None
    longitude: float | None = None
    place_name: str = ""
    contact_email: str = ""


def do_report_tip(partnership: Partnership, tip: Tip, *, actor: Actor, now: datetime | None = None) -> Incident:
    """File a citizen's tip into the partnership's EST review queue; `actor` is `ACTOR` for the public form."""
    if not partnership.is_published:
        raise TipRefused(_("Den här kommunen tar inte emot tips i Löfte."))
    category = tip.category
    if category.partnership_id != partnership.pk or not category.citizen:
        raise TipRefused(_("Välj en kategori i listan."), field="category")
    email = tip.contact_email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise TipRefused(_("Ange en giltig e-postadress, eller lämna fältet tomt."), field="email") from None
    now = now or timezone.now()
    item = IncidentInput(
        category=category,
        occurred_at=now,
        latitude=tip.latitude,
        longitude=tip.longitude,
        place_name=tip.place_name,
        description=tip.description,
    )
    try:
        (incident,) = report_incidents(
            partnership,
            [item],
            reporter=None,
            organisation=None,
            actor=actor,
            source=Incident.Source.CITIZEN,
            contact_email=email,
            now=now,
        )
    except IncidentRefused as refused:
        raise TipRefused(str(refused), field=_FIELDS.get(refused.field, "")) from None
    return incident


# The action's field names as the tip form calls them.
_FIELDS = {
    "category": "category",
    "description": "description",
    "place_name": "place_name",
    "address": "place_name",
    "latitude": "place_name",
    "area": "place_name",
}
