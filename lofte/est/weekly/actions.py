"""The samordnare's assessment of a week, printed with its lägesbild: the one change the weekly pages make.

Those who may edit (samordnare, polis; Can.EDIT) write it; it is screened for personal data (`lib/pii.py`), and
its audit row notes that the text changed without copying it, since free text may be gallrad under the
kommun's gallringsbeslut and a copy in the log would outlive it (`lofte/operations/retention/` lists the kinds
gallrad nightly).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from lofte.analysis.est import parse_week
from lofte.audit.log import record
from lofte.est.models import WeekNote
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess

EDIT_ONLY = _lazy("Du har inte behörighet att ändra EST-mötena.")


class WeekNoteRefused(ActionRefused):
    """The member may not write the assessment, the week does not exist, or the text holds personal data."""


def do_save_week_note(access: PartnershipAccess, *, actor: Actor, iso_year: int, iso_week: int, text: str) -> WeekNote:
    access.require(Can.EDIT, WeekNoteRefused, EDIT_ONLY)
    week = parse_week(iso_year, iso_week)
    if week is None:
        raise WeekNoteRefused(
            _("Vecka %(week)s finns inte år %(year)s.") % {"week": iso_week, "year": iso_year}, field="iso_week"
        )
    text = text.strip()
    refuse_personal_data({"text": text}, ["text"], WeekNoteRefused)
    with transaction.atomic():
        note, created = WeekNote.objects.select_for_update().get_or_create(
            partnership=access.partnership, iso_year=week.year, iso_week=week.week
        )
        changed = created or note.text != text
        note.text = text
        note.updated_by = user_of(actor)
        note.save(update_fields=["text", "updated_by", "updated_at"])
        record(
            "est.week_note.save",
            actor=actor,
            obj=note,
            partnership=access.partnership,
            changes={"week": f"{week.year}-W{week.week:02d}", "text": changed},
        )
    return note
