"""Reading a checked action plan in (lofte.promises.bulk.plan made the preview): all or nothing, only if the promises
and the round are still as the preview saw them, with one audit row. Status and progress go to the promises; the
comments to the round the file was exported from, and no other.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.lib.actors import Actor
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.promises.bulk.plan import PlanPreview
from lofte.promises.followup.actions import (
    NO_EDIT,
    OTHER_LOFTE,
    FollowUpRefused,
    require_open,
    set_promise,
    sync_reports,
)
from lofte.promises.models import FollowUpRound, Medborgarlofte, Promise, PromiseReport


def do_import_plan(access: PartnershipAccess, lofte: Medborgarlofte, preview: PlanPreview, *, actor: Actor) -> int:
    """Apply a preview all or nothing; returns the number of promises changed."""
    access.require(Can.EDIT, FollowUpRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    if preview.lofte_id != lofte.pk:
        raise FollowUpRefused(_("Filen lästes in för ett annat medborgarlöfte."))
    if not preview.changes:
        return 0
    with transaction.atomic():
        # The round the file came from, never another; closed since the preview, it refuses.
        round_ = FollowUpRound.objects.filter(pk=preview.round_id, lofte=lofte).first() if preview.round_id else None
        if preview.round_id and round_ is None:
            raise FollowUpRefused(_("Uppföljningen har ändrats sedan filen lästes in. Läs in filen igen."))
        if round_ is not None:
            round_.lofte = lofte
            require_open(access, round_)
        ids = [change.promise_id for change in preview.changes]
        promises = {p.pk: p for p in Promise.objects.select_for_update().filter(pk__in=ids, lofte=lofte)}
        comments = dict(
            PromiseReport.objects.filter(round=round_, promise_id__in=ids).values_list("promise_id", "comment")
        )
        logged: dict[str, Any] = {}
        for change in preview.changes:
            promise = promises.get(change.promise_id)
            if promise is None or (promise.status, promise.progress, comments.get(promise.pk, "")) != change.before:
                raise FollowUpRefused(_("Åtgärdsplanen har ändrats sedan filen lästes in. Läs in filen igen."))
            status, progress, comment = change.after
            changed = set_promise(promise, status, progress)
            if comment != change.before[2]:
                changed["comment"] = True
            logged[str(promise.pk)] = changed
        if round_ is not None:
            sync_reports(round_, {change.promise_id: change.after[2] for change in preview.changes})
        changes = {"rows": preview.rows, "round": preview.round_label, "promises": logged}
        record("followup.import_plan", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return len(preview.changes)
