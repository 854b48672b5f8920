"""The status a report's reporter sees, and the one function that changes it.

mottagen → granskad → åtgärd beslutad → åtgärdad → avslutad, with avvisad (rejected, with a reason) from
mottagen or granskad, and a rejected report may be taken up again. Each change sets the matching lifecycle
timestamp, adds an `IncidentUpdate` (the reporter's timeline, with its note), writes one audit row, and
after the transaction commits queues the e-mail that tells the reporter (`tasks.notify_reporter`).

Reviewers (samordnare, polis) may make any allowed change. A member of the organisation a report is
routed to may record that an action is decided or done, with a note, since they do the work.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.est.access import can_review
from lofte.est.models import Incident, IncidentUpdate
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import PartnershipAccess

S = Incident.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.MOTTAGEN: frozenset({S.GRANSKAD, S.AVVISAD, S.AVSLUTAD}),
    S.GRANSKAD: frozenset({S.ATGARD_BESLUTAD, S.ATGARDAD, S.AVSLUTAD, S.AVVISAD}),
    S.ATGARD_BESLUTAD: frozenset({S.ATGARDAD, S.AVSLUTAD}),
    S.ATGARDAD: frozenset({S.AVSLUTAD, S.ATGARD_BESLUTAD}),
    S.AVSLUTAD: frozenset({S.GRANSKAD}),
    S.AVVISAD: frozenset({S.MOTTAGEN}),
}

# What a member of the organisation a report is routed to may record.
ROUTED_MAY_SET = frozenset({S.ATGARD_BESLUTAD, S.ATGARDAD})

TIMESTAMPS: dict[str, str] = {
    S.GRANSKAD: "reviewed_at",
    S.ATGARD_BESLUTAD: "action_decided_at",
    S.ATGARDAD: "resolved_at",
    S.AVSLUTAD: "closed_at",
    S.AVVISAD: "rejected_at",
}


class StatusRefused(ActionRefused):
    """A change of status that is not allowed; the message is for the user, `field` is status or note."""


def allowed_next(incident: Incident) -> list[str]:
    return [status for status in S.values if status in TRANSITIONS[incident.status]]


def may_change(
    access: PartnershipAccess, incident: Incident, status: str, acting_organisation_ids: list[int] | None
) -> bool:
    if can_review(access):
        return True
    return status in ROUTED_MAY_SET and incident.routed_to_id in (acting_organisation_ids or [])


def change_status(
    incident: Incident,
    status: str,
    *,
    actor: Actor,
    access: PartnershipAccess | None,
    note: str = "",
    organisation_ids: list[int] | None = None,
    when: Any = None,
    extra_fields: dict[str, Any] | None = None,
    notify: bool = True,
) -> IncidentUpdate:
    """Move the report to `status` (checked against the transitions and the actor's role); `access=None` is for
    trusted system code such as the demo, which has no signed-in member, and for a caller that has checked the
    actor's right itself. `notify=False` records a step the reporter sees on their page but gets no e-mail about,
    because a second step follows at once (one e-mail for the two)."""
    if status not in S.values:
        raise StatusRefused(_("Okänd status."), field="status")
    if status not in TRANSITIONS[incident.status]:
        raise StatusRefused(
            _("En rapport med status %(old)s kan inte få status %(new)s.")
            % {"old": incident.get_status_display(), "new": S(status).label},
            field="status",
        )
    if access is not None and not may_change(access, incident, status, organisation_ids):
        raise StatusRefused(_("Du får inte ändra status på den här rapporten."), field="status")
    note = note.strip()
    refuse_personal_data({"note": note}, ["note"], StatusRefused)
    if status == S.AVVISAD and not note:
        raise StatusRefused(_("Skriv varför rapporten avvisas."), field="note")
    when = when or timezone.now()
    with transaction.atomic():
        before = incident.status
        incident.status = status
        changed = ["status", "updated_at"]
        if field := TIMESTAMPS.get(status):
            setattr(incident, field, when)
            changed.append(field)
        if status == S.GRANSKAD and access is not None and incident.reviewed_by_id is None:
            incident.reviewed_by = user_of(actor)
            changed.append("reviewed_by")
        if status == S.AVVISAD:
            incident.rejection_reason = note
            changed.append("rejection_reason")
        for name, value in (extra_fields or {}).items():
            setattr(incident, name, value)
            changed.append(name)
        incident.save(update_fields=changed)
        user = user_of(actor)
        organisation_id = organisation_ids[0] if organisation_ids else None
        update = IncidentUpdate.objects.create(
            incident=incident,
            status=status,
            note=note,
            author=user,
            organisation_id=organisation_id,
            created_at=when,
            notified_at=None if notify else when,
        )
        record(
            "est.incident.status",
            actor=actor,
            obj=incident,
            partnership=incident.partnership,
            changes={"status": [before, status], "note": note, **(extra_fields or {})},
        )
        if notify and (incident.reporter_id or incident.contact_email):
            from lofte.est.tasks import notify_reporter

            transaction.on_commit(partial(notify_reporter.enqueue, update.pk))
    return update
