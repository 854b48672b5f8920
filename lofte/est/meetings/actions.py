"""Every change to EST meetings and their actions goes through here (the week's assessment: `weekly.actions`).

Members who may edit (samordnare, polis; Can.EDIT) hold the meeting: one per ISO week and partnership, with its
participants (one a line) and notes. An action says what is to be done, where (a place name, a point inside the
kommun, an area), by which of the partnership's organisations and by when; it may link the reports it answers.
Linking a reviewed report moves it to åtgärd beslutad; a report still waiting for review (mottagen, for instance
one already routed to the organisation that will act) is reviewed by the same decision, since only a reviewer
decides actions, and its reporter gets one e-mail for the two steps. Marking the action genomförd moves its
linked reports from åtgärd beslutad to åtgärdad. Every move goes through `est.status.change_status`, so each
report's reporter is told.

The organisation an action is assigned to does the work, so its members who may report (the same who act on the
reports routed to it, `est.access.acting_organisation_ids`) record how it goes (`do_report_measure_progress`):
pågår or genomförd, with what was done. Deciding, stopping or moving the due date stays with the meeting.

Free text is refused when it holds personal data (`lib/pii.py`); participants are the one place names belong.
Each change writes one audit row, which notes that free text changed but does not copy it, since free text may be
gallrad under the kommun's gallringsbeslut and a copy in the log would outlive it (`lofte/operations/retention/`
lists the kinds gallrad nightly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from lofte.analysis.est import Week, parse_week
from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.est import places
from lofte.est.models import Incident, Measure, Meeting
from lofte.est.status import StatusRefused, change_status
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.partnerships.models import Organisation

S = Incident.Status
MAX_NOTE = 300


class MeetingRefused(ActionRefused):
    """The member's role, the partnership or the content does not allow the change; `field` names the field."""


EDIT_ONLY = _lazy("Du har inte behörighet att ändra EST-mötena.")
OTHER_PARTNERSHIP = _lazy("Det hör till en annan samverkan.")
NOT_ASSIGNED = _lazy("Åtgärden är inte tilldelad din organisation.")


def _week(iso_year: int, iso_week: int) -> Week:
    week = parse_week(iso_year, iso_week)
    if week is None:
        raise MeetingRefused(
            _("Vecka %(week)s finns inte år %(year)s.") % {"week": iso_week, "year": iso_year}, field="iso_week"
        )
    return week


def _lines(participants: Sequence[str] | str) -> str:
    lines = participants.splitlines() if isinstance(participants, str) else participants
    return "\n".join(line.strip() for line in lines if line.strip())


# Meetings


def do_create_meeting(
    access: PartnershipAccess,
    *,
    actor: Actor,
    iso_year: int,
    iso_week: int,
    held_on: date,
    participants: Sequence[str] | str = "",
    notes: str = "",
) -> Meeting:
    access.require(Can.EDIT, MeetingRefused, EDIT_ONLY)
    week = _week(iso_year, iso_week)
    text = _lines(participants)
    refuse_personal_data({"participants": text, "notes": notes}, ("participants", "notes"), MeetingRefused)
    taken = _("Det finns redan ett EST-möte för vecka %(week)s %(year)s. Öppna det i stället.") % {
        "week": week.week,
        "year": week.year,
    }
    if Meeting.objects.filter(partnership=access.partnership, iso_year=week.year, iso_week=week.week).exists():
        raise MeetingRefused(taken, field="iso_week")
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                partnership=access.partnership,
                iso_year=week.year,
                iso_week=week.week,
                held_on=held_on,
                participants=text,
                notes=notes.strip(),
                created_by=user_of(actor),
            )
            changes = {
                "week": f"{week.year}-W{week.week:02d}",
                "held_on": held_on,
                "participants": len(text.splitlines()),
            }
            record("est.meeting.create", actor=actor, obj=meeting, partnership=access.partnership, changes=changes)
    except IntegrityError:  # a colleague created it a moment ago
        raise MeetingRefused(taken, field="iso_week") from None
    return meeting


def do_update_meeting(
    access: PartnershipAccess,
    meeting: Meeting,
    *,
    actor: Actor,
    iso_year: int,
    iso_week: int,
    held_on: date,
    participants: Sequence[str] | str = "",
    notes: str = "",
) -> Meeting:
    access.require(Can.EDIT, MeetingRefused, EDIT_ONLY, owner=meeting.partnership_id, foreign=OTHER_PARTNERSHIP)
    week = _week(iso_year, iso_week)
    text = _lines(participants)
    refuse_personal_data({"participants": text, "notes": notes}, ("participants", "notes"), MeetingRefused)
    others = Meeting.objects.filter(partnership=access.partnership, iso_year=week.year, iso_week=week.week)
    if others.exclude(pk=meeting.pk).exists():
        raise MeetingRefused(
            _("Det finns redan ett EST-möte för vecka %(week)s %(year)s.") % {"week": week.week, "year": week.year},
            field="iso_week",
        )
    old_week, old_held_on = f"{meeting.iso_year}-W{meeting.iso_week:02d}", meeting.held_on
    changed_text = [
        name for name, new in (("participants", text), ("notes", notes.strip())) if getattr(meeting, name) != new
    ]
    meeting.iso_year, meeting.iso_week, meeting.held_on = week.year, week.week, held_on
    meeting.participants, meeting.notes = text, notes.strip()
    changes: dict[str, Any] = {name: True for name in changed_text}
    if old_week != f"{week.year}-W{week.week:02d}":
        changes["week"] = [old_week, f"{week.year}-W{week.week:02d}"]
    if old_held_on != held_on:
        changes["held_on"] = [old_held_on, held_on]
    with transaction.atomic():
        meeting.save(update_fields=["iso_year", "iso_week", "held_on", "participants", "notes", "updated_at"])
        record("est.meeting.update", actor=actor, obj=meeting, partnership=access.partnership, changes=changes)
    return meeting


# Actions


@dataclass(frozen=True)
class MeasurePlace:
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    area: Area | None = None


def do_create_measure(
    access: PartnershipAccess,
    meeting: Meeting,
    *,
    actor: Actor,
    what: str,
    organisation: Organisation,
    place: MeasurePlace | None = None,
    due_on: date | None = None,
    incident_ids: Sequence[int] = (),
) -> Measure:
    """Decide an action at the meeting; reviewed reports it links move to åtgärd beslutad and their reporters are
    told after the transaction commits."""
    access.require(Can.EDIT, MeetingRefused, EDIT_ONLY, owner=meeting.partnership_id, foreign=OTHER_PARTNERSHIP)
    place = place or MeasurePlace()
    what = what.strip()
    if not what:
        raise MeetingRefused(_("Skriv vad som ska göras."), field="what")
    refuse_personal_data({"what": what, "place_name": place.place_name}, ("what", "place_name"), MeetingRefused)
    if not access.partnership.organisations.filter(pk=organisation.pk).exists():
        raise MeetingRefused(_("Organisationen är inte part i samverkan."), field="organisation")
    area = _checked_place(access, place)
    incidents = _linkable(access, incident_ids)
    with transaction.atomic():
        action = Measure.objects.create(
            partnership=access.partnership,
            meeting=meeting,
            what=what,
            place_name=place.place_name.strip(),
            latitude=place.latitude,
            longitude=place.longitude,
            area=area,
            organisation=organisation,
            due_on=due_on,
        )
        action.incidents.set(incidents)
        waiting = [i for i in incidents if i.status == S.MOTTAGEN]
        reviewed = _("Granskad vid EST-mötet vecka %(week)s.") % {"week": meeting.iso_week}
        _move(access, actor, waiting, S.GRANSKAD, reviewed, notify=False)
        note = _("Åtgärd beslutad vid EST-mötet vecka %(week)s: %(what)s") % {"week": meeting.iso_week, "what": what}
        _move(access, actor, [i for i in incidents if i.status == S.GRANSKAD], S.ATGARD_BESLUTAD, note)
        changes = {
            "what": True,
            "organisation": organisation,
            "area": area,
            "point": place.latitude is not None,
            "due_on": due_on,
            "incidents": [i.pk for i in incidents],
            "reviewed": [i.pk for i in waiting],
        }
        record("est.action.create", actor=actor, obj=action, partnership=access.partnership, changes=changes)
    return action


def _checked_place(access: PartnershipAccess, place: MeasurePlace) -> Area | None:
    kommun = access.partnership.area
    area = place.area
    if area is not None and kommun.pk not in (area.pk, area.parent_id):
        raise MeetingRefused(_("Området hör inte till %(kommun)s.") % {"kommun": kommun.name}, field="area")
    if (place.latitude is None) != (place.longitude is None):
        raise MeetingRefused(_("Ange både latitud och longitud, eller ingen av dem."), field="latitude")
    if place.latitude is not None and place.longitude is not None:
        found = places.area_for_point(kommun, places.LatLng(place.latitude, place.longitude))
        if found is None:
            raise MeetingRefused(_("Platsen ligger utanför %(kommun)s.") % {"kommun": kommun.name}, field="latitude")
        if area is None and found.pk != kommun.pk:
            area = found
    return area


def _linkable(access: PartnershipAccess, incident_ids: Sequence[int]) -> list[Incident]:
    """The partnership's reports with these numbers; refused when one is missing, rejected or merged."""
    wanted = sorted(set(incident_ids))
    found = {
        i.pk: i
        for i in Incident.objects.filter(partnership=access.partnership, pk__in=wanted).select_related("partnership")
    }
    for number in wanted:
        incident = found.get(number)
        if incident is None:
            message = _("Det finns ingen rapport #%(number)s i den här samverkan.")
        elif incident.duplicate_of_id is not None:
            message = _("Rapport #%(number)s är sammanslagen med en annan rapport; länka den i stället.")
        elif incident.status == S.AVVISAD:
            message = _("Rapport #%(number)s är avvisad.")
        else:
            continue
        raise MeetingRefused(message % {"number": number}, field="incidents")
    return [found[number] for number in wanted]


def _move(
    access: PartnershipAccess | None,
    actor: Actor,
    incidents: list[Incident],
    status: str,
    note: str,
    *,
    notify: bool = True,
    organisation_ids: list[int] | None = None,
) -> None:
    """`access=None` when the caller has checked the actor's right to move these reports (see change_status)."""
    for incident in incidents:
        try:
            change_status(
                incident,
                status,
                actor=actor,
                access=access,
                note=note[:MAX_NOTE],
                notify=notify,
                organisation_ids=organisation_ids,
            )
        except StatusRefused as refused:
            raise MeetingRefused(f"#{incident.pk}: {refused.message}", field="incidents") from None


def do_update_measure(
    access: PartnershipAccess,
    action: Measure,
    *,
    actor: Actor,
    status: str,
    outcome: str = "",
    done_on: date | None = None,
    due_on: date | None = None,
) -> Measure:
    """Record how the action goes. Genomförd keeps its date (today if none is given) and moves the linked reports
    in åtgärd beslutad to åtgärdad; any other status clears the date."""
    access.require(Can.EDIT, MeetingRefused, EDIT_ONLY, owner=action.partnership_id, foreign=OTHER_PARTNERSHIP)
    if status not in Measure.Status.values:
        raise MeetingRefused(_("Okänd status."), field="status")
    _save_progress(access, action, actor, Progress(status, outcome, done_on, due_on), "est.action.update")
    return action


# What the organisation an action is assigned to may record: that it is under way, or done.
ASSIGNED_MAY_SET = (Measure.Status.PAGAR, Measure.Status.GENOMFORD)


def do_report_measure_progress(
    access: PartnershipAccess,
    action: Measure,
    *,
    actor: Actor,
    organisation_ids: Sequence[int],
    status: str,
    outcome: str = "",
    done_on: date | None = None,
) -> Measure:
    """A member of the organisation the action is assigned to records how it goes (`organisation_ids`: the
    organisations the member acts for in this partnership, `est.access.acting_organisation_ids`). Genomförd moves
    the linked reports in åtgärd beslutad to åtgärdad, as when the meeting marks it; the due date is kept."""
    access.require(Can.REPORT, MeetingRefused, NOT_ASSIGNED, owner=action.partnership_id, foreign=OTHER_PARTNERSHIP)
    if action.organisation_id not in organisation_ids:
        raise MeetingRefused(NOT_ASSIGNED)
    if status not in ASSIGNED_MAY_SET:
        raise MeetingRefused(
            _("Ange att åtgärden pågår eller är genomförd; att stoppa den beslutar EST-mötet."), field="status"
        )
    if action.status == Measure.Status.STOPPAD:
        raise MeetingRefused(_("EST-mötet har stoppat åtgärden."), field="status")
    progress = Progress(status, outcome, done_on, action.due_on)
    _save_progress(access, action, actor, progress, "est.action.progress", trusted=True)
    return action


@dataclass(frozen=True)
class Progress:
    status: str
    outcome: str = ""
    done_on: date | None = None
    due_on: date | None = None


def _save_progress(
    access: PartnershipAccess, action: Measure, actor: Actor, progress: Progress, event: str, *, trusted: bool = False
) -> None:
    """Save the action's status, outcome and dates with one audit row `event`. `trusted`: the actor's right to
    close the linked reports comes from the action being assigned to their organisation, checked by the caller,
    not from the reports being routed to it."""
    outcome = progress.outcome.strip()
    refuse_personal_data({"outcome": outcome}, ["outcome"], MeetingRefused)
    done = progress.status == Measure.Status.GENOMFORD
    done_on = (progress.done_on or timezone.localdate()) if done else None
    before = {"status": action.status, "done_on": action.done_on, "due_on": action.due_on}
    outcome_changed = outcome != action.outcome
    action.status, action.outcome, action.done_on, action.due_on = progress.status, outcome, done_on, progress.due_on
    changes: dict[str, Any] = {
        name: [old, getattr(action, name)] for name, old in before.items() if old != getattr(action, name)
    }
    if outcome_changed:
        changes["outcome"] = True
    with transaction.atomic():
        action.save(update_fields=["status", "outcome", "done_on", "due_on", "updated_at"])
        if done and before["status"] != progress.status:
            linked = list(action.incidents.filter(status=S.ATGARD_BESLUTAD).select_related("partnership"))
            note = outcome or _("Åtgärden är genomförd: %(what)s") % {"what": action.what}
            if trusted:
                _move(None, actor, linked, S.ATGARDAD, note, organisation_ids=[action.organisation_id])
            else:
                _move(access, actor, linked, S.ATGARDAD, note)
            changes["incidents"] = [i.pk for i in linked]
        record(event, actor=actor, obj=action, partnership=access.partnership, changes=changes)
