"""Every change to a partnership's medborgarlöften and their decision goes through here (the agreement they belong
to: lofte.promises.agreement.actions).

Members who may edit (Can.EDIT: samordnare and polis) write the löften; those who manage the partnership
(Can.MANAGE) take a löfte through the kommun's decision process:

    utkast --do_propose--> föreslagen --do_decide--> beslutad --do_publish--> publicerad
            <--do_return_to_draft--

Once a löfte is beslutad its text is the kommun's decision: focus areas, goals, promise texts and responsible
parties are refused from then on. Following it up is not: promise status and progress, and activities, can always
change. The status is read under a row lock, so an edit cannot slip in beside a concurrent decision.

Free text is refused when it holds personal data, here as well as in the forms, so the API and commands cannot slip
it in. Activity texts stay out of the audit log (free text may be gallrad under the kommun's
gallringsbeslut, and the log would outlive it; `lofte/operations/retention/` lists the kinds gallrad nightly); the löfte's own texts are public once published and are logged as they are.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from pathlib import PurePath
from typing import Any, TypeVar

from django.core.files import File
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.partnerships.models import Organisation
from lofte.promises.editing import (
    NO_EDIT,
    OTHER_AGREEMENT,
    OTHER_LOFTE,
    SCREENED,
    PromiseRefused,
    Values,
    check_fields,
    check_size,
    clean,
    delete_file_on_commit,
    require_parties,
    save_and_record,
    save_changes,
)
from lofte.promises.goals import missing_values
from lofte.promises.lofte.queries import with_parts
from lofte.promises.models import (
    Activity,
    Agreement,
    Decision,
    FocusArea,
    Goal,
    Medborgarlofte,
    Promise,
    outside_agreement,
)
from lofte.situation.models import Lagesbild
from lofte.statistics.models import Metric

LOFTE_FIELDS = (
    "title",
    "year_from",
    "year_to",
    "lagesbild",
    "summary",
    "crime_categories",
    "outside_agreement_reason",
)
FOCUS_AREA_FIELDS = ("name", "description")
GOAL_FIELDS = (
    "text",
    "kind",
    "focus_area",
    "metric_code",
    "area_code",
    "direction",
    "baseline_period",
    "target",
    "target_value",
    "due_period",
    "evidence",
    "data_pending",
)
# A goal's binding to its statistics: changing any of these checks again that the area has values.
GOAL_BINDING = frozenset({"kind", "metric", "area", "baseline_period", "data_pending"})
PROMISE_FIELDS = ("text", "focus_area", "parent", "responsible", "starts_on", "ends_on", "weight")
DECISION_FIELDS = (
    "report_date",
    "report_author",
    "report_author_title",
    "case_number",
    "proposed_by",
    "proposed_by_name",
    "proposed_on",
    "proposed_paragraph",
    "body",
    "body_name",
    "meeting_date",
    "paragraph",
    "decision_text",
    "basis",
    "distribution",
)
ATTACHMENT_SUFFIXES = frozenset({"pdf", "png", "jpg", "jpeg", "docx", "xlsx", "odt", "ods", "txt", "csv"})
Status = Medborgarlofte.Status
DECIDED = frozenset({Status.BESLUTAD, Status.PUBLICERAD})

Ordered = TypeVar("Ordered", FocusArea, Goal, Promise)


# Checks shared by every action

NO_MANAGE = gettext_lazy("Bara den som leder samverkan kan ta medborgarlöftet vidare i beslutsprocessen.")


def _locked_status(lofte: Medborgarlofte) -> str:
    """The status as stored now; the lock makes a concurrent step in the workflow wait for this change."""
    rows = Medborgarlofte.objects.select_for_update().filter(pk=lofte.pk)
    status = str(rows.values_list("status", flat=True).get())
    lofte.status = status
    return status


def _require_open(access: PartnershipAccess, lofte: Medborgarlofte) -> None:
    """Call inside transaction.atomic(): the löfte's text may change only until it is decided."""
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    if _locked_status(lofte) in DECIDED:
        raise PromiseRefused(
            _(
                "Medborgarlöftet är beslutat och dess text kan inte ändras. "
                "Status, framsteg och aktiviteter kan fortfarande följas upp."
            )
        )


def _last_position(queryset: models.QuerySet[Any]) -> int:
    last = queryset.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


# The medborgarlöfte


def _require_adopted(access: PartnershipAccess, lagesbild: Lagesbild | None) -> None:
    if lagesbild is None:
        return
    if lagesbild.partnership_id != access.partnership.pk:
        raise PromiseRefused(_("Lägesbilden hör till en annan samverkan."), field="lagesbild")
    if not lagesbild.is_adopted:
        raise PromiseRefused(
            _("Ett medborgarlöfte ska bygga på en fastställd lägesbild; version %(version)s är ett utkast.")
            % {"version": lagesbild.version},
            field="lagesbild",
        )


def do_create_lofte(
    access: PartnershipAccess,
    agreement: Agreement,
    *,
    title: str,
    year_from: int,
    year_to: int,
    actor: Actor,
    lagesbild: Lagesbild | None = None,
    summary: str = "",
    crime_categories: list[str] | None = None,
    confirm_outside_agreement: bool = False,
    outside_agreement_reason: str = "",
) -> Medborgarlofte:
    """A draft medborgarlöfte under the agreement, built on one of the partnership's adopted lägesbilder. Its years
    lie within the agreement's period, or the samordnare confirms why not (`confirm_outside_agreement` with the
    reason, which is kept with the löfte)."""
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    reason = outside_agreement_reason.strip()
    values: Values = {"title": title, "summary": summary, "crime_categories": list(crime_categories or [])}
    refuse_personal_data({**values, "outside_agreement_reason": reason}, SCREENED, PromiseRefused)
    _require_adopted(access, lagesbild)
    confirmed = confirm_outside_agreement
    values["outside_agreement_reason"] = _period_reason(
        access, agreement, (year_from, year_to), reason, confirmed=confirmed, before=None
    )
    with transaction.atomic():
        lofte = Medborgarlofte(agreement=agreement, year_from=year_from, year_to=year_to, lagesbild=lagesbild, **values)
        clean(lofte)
        lofte.save()
        changes = {"title": title, "years": [year_from, year_to], "lagesbild": lagesbild and lagesbild.version}
        if lofte.outside_agreement_reason:
            changes["outside_agreement_reason"] = lofte.outside_agreement_reason
        record("lofte.create", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return lofte


def do_update_lofte(
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    *,
    actor: Actor,
    confirm_outside_agreement: bool = False,
    **values: Any,
) -> list[str]:
    """Change any of LOFTE_FIELDS until the löfte is decided; returns the fields that changed. Years outside the
    agreement's period need the samordnare's confirmation, as in do_create_lofte."""
    check_fields(values, LOFTE_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    if "outside_agreement_reason" in values:
        values["outside_agreement_reason"] = values["outside_agreement_reason"].strip()
    refuse_personal_data(values, SCREENED, PromiseRefused)
    if "lagesbild" in values:
        _require_adopted(access, values["lagesbild"])
    with transaction.atomic():
        _require_open(access, lofte)
        years = (values.get("year_from", lofte.year_from), values.get("year_to", lofte.year_to))
        reason = values.get("outside_agreement_reason", lofte.outside_agreement_reason)
        before = (lofte.year_from, lofte.year_to, lofte.outside_agreement_reason)
        values["outside_agreement_reason"] = _period_reason(
            access, lofte.agreement, years, reason, confirmed=confirm_outside_agreement, before=before
        )
        return list(save_and_record(access, lofte, values, "lofte.update", actor=actor, on=lofte))


def _period_reason(
    access: PartnershipAccess,
    agreement: Agreement,
    years: tuple[int, int],
    reason: str,
    *,
    confirmed: bool,
    before: tuple[int, int, str] | None,
) -> str:
    """The reason to keep for the löfte's years: none when they lie within the agreement's period; otherwise the
    samordnare's, given with an explicit confirmation. `before` is the löfte's years and reason as stored (None: a
    new löfte); an outside period already confirmed, with the same years and reason, needs no new confirmation."""
    if not outside_agreement(*years, agreement):
        return ""
    if before == (*years, reason) and reason and not confirmed:
        return reason
    if not confirmed:
        message = _(
            "Medborgarlöftets år %(from)s–%(to)s ligger utanför överenskommelsens period %(start)s–%(end)s. Ändra "
            "åren, eller bekräfta att löftet ska gälla utanför överenskommelsen och ange skälet."
        ) % {
            "from": years[0],
            "to": years[1],
            "start": agreement.starts_on.isoformat(),
            "end": agreement.ends_on.isoformat(),
        }
        raise PromiseRefused(message, errors={"year_from": [message], "confirm_outside_agreement": [message]})
    if not access.can(Can.MANAGE):
        message = _("Bara samordnaren kan bekräfta ett medborgarlöfte utanför överenskommelsens period.")
        raise PromiseRefused(message, field="confirm_outside_agreement")
    if not reason:
        message = _("Ange skälet till att medborgarlöftet ligger utanför överenskommelsens period.")
        raise PromiseRefused(message, field="outside_agreement_reason")
    return reason


# Focus areas


def do_add_focus_area(
    access: PartnershipAccess, lofte: Medborgarlofte, *, name: str, actor: Actor, description: str = ""
) -> FocusArea:
    """A focus area placed last."""
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data({"name": name, "description": description}, SCREENED, PromiseRefused)
    with transaction.atomic():
        _require_open(access, lofte)
        position = _last_position(lofte.focus_areas.all())
        area = FocusArea(lofte=lofte, name=name, description=description, position=position)
        clean(area)
        area.save()
        changes = {"focus_area": area.pk, "name": name}
        record("lofte.add_focus_area", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return area


def do_update_focus_area(access: PartnershipAccess, area: FocusArea, *, actor: Actor, **values: Any) -> list[str]:
    check_fields(values, FOCUS_AREA_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=area.lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data(values, SCREENED, PromiseRefused)
    with transaction.atomic():
        _require_open(access, area.lofte)
        return list(save_and_record(access, area, values, "lofte.update_focus_area", actor=actor, on=area.lofte))


def do_remove_focus_area(access: PartnershipAccess, area: FocusArea, *, actor: Actor) -> None:
    """The focus area; its goals and promises stay, without a focus area."""
    lofte = area.lofte
    with transaction.atomic():
        _require_open(access, lofte)
        changes = {"focus_area": area.pk, "name": area.name}
        record("lofte.remove_focus_area", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
        area.delete()


def do_reorder_focus_areas(
    access: PartnershipAccess, lofte: Medborgarlofte, order: Sequence[int], *, actor: Actor
) -> None:
    """Put the focus areas in this order of ids, which must name each of the löfte's focus areas once."""
    _reorder(access, lofte, FocusArea.objects.filter(lofte=lofte), order, "lofte.reorder_focus_areas", actor=actor)


def do_move_focus_area(access: PartnershipAccess, area: FocusArea, *, up: bool, actor: Actor) -> None:
    siblings = FocusArea.objects.filter(lofte=area.lofte)
    _move(access, area.lofte, area, siblings, siblings, up, "lofte.reorder_focus_areas", actor=actor)


def _reorder(
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    items: models.QuerySet[Ordered],
    order: Sequence[int],
    action: str,
    *,
    actor: Actor,
) -> None:
    with transaction.atomic():
        _require_open(access, lofte)
        found = {item.pk: item for item in items.order_by("position", "id")}
        if len(order) != len(found) or set(order) != set(found):
            raise PromiseRefused(_("Ordningen ska ta med varje del precis en gång."))
        changed = []
        for position, pk in enumerate(order):
            item = found[pk]
            if item.position != position:
                item.position = position
                changed.append(item)
        if not changed:
            return
        items.model.objects.bulk_update(changed, ["position"])
        record(action, actor=actor, obj=lofte, partnership=access.partnership, changes={"order": list(order)})


def _move(
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    item: Ordered,
    everything: models.QuerySet[Ordered],
    siblings: models.QuerySet[Ordered],
    up: bool,
    action: str,
    *,
    actor: Actor,
) -> None:
    """Swap the item with the sibling before (or after) it, keeping every other item where it is."""
    order = list(everything.order_by("position", "id").values_list("pk", flat=True))
    group = [pk for pk in siblings.order_by("position", "id").values_list("pk", flat=True)]
    index = group.index(item.pk)
    neighbour = index - 1 if up else index + 1
    if 0 <= neighbour < len(group):
        first, second = order.index(group[index]), order.index(group[neighbour])
        order[first], order[second] = order[second], order[first]
    # Even at the end of the list: the checks run, and an unchanged order writes nothing.
    _reorder(access, lofte, everything, order, action, actor=actor)


# Goals


def _goal_values(access: PartnershipAccess, lofte: Medborgarlofte, fields: Values) -> Values:
    """The fields with metric and area codes turned into the objects, each checked."""
    values = {name: value for name, value in fields.items() if name not in ("metric_code", "area_code")}
    if "metric_code" in fields:
        values["metric"] = _metric(fields["metric_code"])
    if "area_code" in fields:
        values["area"] = _area(access, fields["area_code"])
    if values.get("focus_area") is not None:
        _require_focus_area(lofte, values["focus_area"])
    return values


def _metric(code: str | None) -> Metric | None:
    if not code:
        return None
    metric = Metric.objects.filter(code=code).first()
    if metric is None:
        raise PromiseRefused(_("Det finns inget mått med koden %(code)s.") % {"code": code}, field="metric")
    return metric


def _area(access: PartnershipAccess, code: str | None) -> Area | None:
    """The partnership's kommun or one of its parts, nothing elsewhere."""
    if not code:
        return None
    area = Area.objects.filter(code=code).defer("geometry").first()
    if area is None:
        raise PromiseRefused(_("Det finns inget område med koden %(code)s.") % {"code": code}, field="area")
    if access.partnership.area_id not in (area.pk, area.parent_id):
        raise PromiseRefused(_("Området ligger utanför samverkans kommun."), field="area")
    return area


def _require_focus_area(lofte: Medborgarlofte, area: FocusArea) -> None:
    if area.lofte_id != lofte.pk:
        raise PromiseRefused(_("Fokusområdet hör till ett annat medborgarlöfte."), field="focus_area")


def do_add_goal(access: PartnershipAccess, lofte: Medborgarlofte, *, text: str, actor: Actor, **fields: Any) -> Goal:
    """A measurable goal placed last; `fields` are any of GOAL_FIELDS, the metric and area given by their codes."""
    check_fields(fields, GOAL_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data({"text": text, **fields}, SCREENED, PromiseRefused)
    values = _goal_values(access, lofte, fields)
    with transaction.atomic():
        _require_open(access, lofte)
        goal = Goal(lofte=lofte, text=text, position=_last_position(lofte.goals.all()), **values)
        clean(goal)
        _require_values(goal)
        goal.save()
        changes = {
            "goal": goal.pk,
            "text": text,
            "kind": goal.kind,
            "rule": _goal_rule(goal),
            "data_pending": goal.data_pending,
        }
        record("lofte.add_goal", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return goal


def _goal_rule(goal: Goal) -> dict[str, Any]:
    metric = goal.metric.code if goal.metric else None
    area = goal.area.code if goal.area else None
    return {
        "metric": metric,
        "area": area,
        "direction": goal.direction,
        "baseline": goal.baseline_period,
        "target": goal.target,
        "value": goal.target_value,
    }


def do_update_goal(access: PartnershipAccess, goal: Goal, *, actor: Actor, **fields: Any) -> list[str]:
    check_fields(fields, GOAL_FIELDS)
    lofte = goal.lofte
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data(fields, SCREENED, PromiseRefused)
    values = _goal_values(access, lofte, fields)
    with transaction.atomic():
        _require_open(access, lofte)
        changes = save_and_record(access, goal, values, "lofte.update_goal", actor=actor, on=lofte)
        if GOAL_BINDING & set(changes):
            _require_values(goal)  # a refusal rolls the change and its audit row back
        return list(changes)


def _require_values(goal: Goal) -> None:
    """A measured goal is bound to a metric only where the area has values for the baseline year and for some later
    year, or when the member says explicitly that the data will come ("data kommer")."""
    if goal.kind == Goal.Kind.KVALITATIV or goal.data_pending:
        return
    if goal.metric is None or goal.area is None or not goal.baseline_period:
        return
    missing = missing_values(goal.metric, goal.area, goal.baseline_period)
    if missing:
        advice = _("Välj ett annat mått eller område, eller kryssa i ”data kommer” om värdena kommer senare.")
        raise PromiseRefused(" ".join([*missing, advice]), field="metric")


def do_remove_goal(access: PartnershipAccess, goal: Goal, *, actor: Actor) -> None:
    lofte = goal.lofte
    with transaction.atomic():
        _require_open(access, lofte)
        changes = {"goal": goal.pk, "text": goal.text}
        record("lofte.remove_goal", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
        goal.delete()


def do_reorder_goals(access: PartnershipAccess, lofte: Medborgarlofte, order: Sequence[int], *, actor: Actor) -> None:
    _reorder(access, lofte, Goal.objects.filter(lofte=lofte), order, "lofte.reorder_goals", actor=actor)


def do_move_goal(access: PartnershipAccess, goal: Goal, *, up: bool, actor: Actor) -> None:
    """Up or down among the goals of its focus area."""
    everything = Goal.objects.filter(lofte=goal.lofte)
    siblings = everything.filter(focus_area_id=goal.focus_area_id)
    _move(access, goal.lofte, goal, everything, siblings, up, "lofte.reorder_goals", actor=actor)


# Promises


def _promise_values(access: PartnershipAccess, lofte: Medborgarlofte, values: Values) -> Values:
    if values.get("focus_area") is not None:
        _require_focus_area(lofte, values["focus_area"])
    parent = values.get("parent")
    if parent is not None and parent.lofte_id != lofte.pk:
        raise PromiseRefused(_("Delen måste höra till samma medborgarlöfte."), field="parent")
    if "responsible" in values:
        values["responsible"] = list(values["responsible"] or [])
        require_parties(access, values["responsible"])
    return values


def do_add_promise(
    access: PartnershipAccess, lofte: Medborgarlofte, *, text: str, actor: Actor, **fields: Any
) -> Promise:
    """A promise placed last; `fields` are any of PROMISE_FIELDS. A part (with a parent) takes the parent's
    focus area unless it is given one."""
    check_fields(fields, PROMISE_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data({"text": text}, SCREENED, PromiseRefused)
    values = _promise_values(access, lofte, dict(fields))
    responsible = values.pop("responsible", [])
    parent = values.get("parent")
    if parent is not None and values.get("focus_area") is None:
        values["focus_area"] = parent.focus_area
    with transaction.atomic():
        _require_open(access, lofte)
        promise = Promise(lofte=lofte, text=text, position=_last_position(lofte.promises.all()), **values)
        clean(promise)
        promise.save()
        promise.responsible.set(responsible)
        changes = {
            "promise": promise.pk,
            "text": text,
            "focus_area": promise.focus_area,
            "parent": parent and parent.pk,
            "responsible": sorted(str(organisation) for organisation in responsible),
        }
        record("lofte.add_promise", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return promise


def do_update_promise(access: PartnershipAccess, promise: Promise, *, actor: Actor, **fields: Any) -> list[str]:
    """Change any of PROMISE_FIELDS until the löfte is decided; returns the fields that changed."""
    check_fields(fields, PROMISE_FIELDS)
    lofte = promise.lofte
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data(fields, SCREENED, PromiseRefused)
    values = _promise_values(access, lofte, dict(fields))
    responsible = values.pop("responsible", None)
    with transaction.atomic():
        _require_open(access, lofte)
        if values.get("parent") is not None:
            _refuse_cycle(promise, values["parent"])
        changes = save_changes(promise, values)
        if responsible is not None:
            changes |= _set_responsible(promise, responsible)
        if changes:
            record(
                "lofte.update_promise",
                actor=actor,
                obj=lofte,
                partnership=access.partnership,
                changes={"id": promise.pk, **changes},
            )
    return list(changes)


def _refuse_cycle(promise: Promise, parent: Promise) -> None:
    parents = dict(Promise.objects.filter(lofte_id=promise.lofte_id).values_list("pk", "parent_id"))
    seen: set[int] = set()
    current: int | None = parent.pk
    while current is not None and current not in seen:
        if current == promise.pk:
            raise PromiseRefused(
                _("Ett löfte kan inte vara en del av sig självt eller av sina egna delar."), field="parent"
            )
        seen.add(current)
        current = parents.get(current)


def _set_responsible(promise: Promise, responsible: list[Organisation]) -> Values:
    before = sorted(str(o) for o in promise.responsible.all())
    after = sorted(str(o) for o in responsible)
    if before == after:
        return {}
    promise.responsible.set(responsible)
    return {"responsible": [before, after]}


def do_remove_promise(access: PartnershipAccess, promise: Promise, *, actor: Actor) -> None:
    """The promise with its parts and their activities."""
    lofte = promise.lofte
    with transaction.atomic():
        _require_open(access, lofte)
        changes = {"promise": promise.pk, "text": promise.text, "parts": promise.children.count()}
        record("lofte.remove_promise", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
        attachments = Activity.objects.filter(promise__in=with_parts(promise)).exclude(attachment="")
        for activity in attachments:
            delete_file_on_commit(activity.attachment)
        promise.delete()


def do_reorder_promises(
    access: PartnershipAccess, lofte: Medborgarlofte, order: Sequence[int], *, actor: Actor
) -> None:
    _reorder(access, lofte, Promise.objects.filter(lofte=lofte), order, "lofte.reorder_promises", actor=actor)


def do_move_promise(access: PartnershipAccess, promise: Promise, *, up: bool, actor: Actor) -> None:
    """Up or down among the promises with the same focus area and parent."""
    everything = Promise.objects.filter(lofte=promise.lofte)
    siblings = everything.filter(focus_area_id=promise.focus_area_id, parent_id=promise.parent_id)
    _move(access, promise.lofte, promise, everything, siblings, up, "lofte.reorder_promises", actor=actor)


def do_update_promise_status(
    access: PartnershipAccess, promise: Promise, *, status: str, actor: Actor, progress: int | None = None
) -> list[str]:
    """The follow-up of a promise: its status and progress (empty: what the status says). Allowed in every state
    of the löfte, decided or not."""
    lofte = promise.lofte
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    values = {"status": status, "progress": progress}
    with transaction.atomic():
        return list(save_and_record(access, promise, values, "lofte.update_promise_status", actor=actor, on=lofte))


# Activities


def do_add_activity(
    access: PartnershipAccess,
    promise: Promise,
    *,
    date: date,
    text: str,
    actor: Actor,
    reach: int | None = None,
    organisation: Organisation | None = None,
    attachment: File[Any] | None = None,
) -> Activity:
    """What was done under a promise, by which party and how many it reached; allowed in every state of the löfte."""
    lofte = promise.lofte
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data({"text": text}, SCREENED, PromiseRefused)
    require_parties(access, [organisation])
    suffix = _attachment_suffix(attachment) if attachment is not None else ""
    activity = Activity(
        promise=promise, date=date, text=text, reach=reach, organisation=organisation, created_by=user_of(actor)
    )
    clean(activity, exclude=["attachment"])
    if attachment is not None:
        activity.attachment.save(f"{secrets.token_hex(16)}.{suffix}", attachment, save=False)
    try:
        with transaction.atomic():
            activity.save()
            changes = {
                "promise": promise.pk,
                "activity": activity.pk,
                "date": date,
                "reach": reach,
                "organisation": organisation,
                "attachment": attachment is not None,
            }
            record("lofte.add_activity", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    except BaseException:
        if attachment is not None:
            activity.attachment.delete(save=False)
        raise
    return activity


def _attachment_suffix(attachment: File[Any]) -> str:
    check_size(attachment.size)
    suffix = PurePath(attachment.name or "").suffix.lower().lstrip(".")
    if suffix not in ATTACHMENT_SUFFIXES:
        allowed = ", ".join(sorted(ATTACHMENT_SUFFIXES))
        raise PromiseRefused(_("Bilagan kan vara en fil av typen %(types)s.") % {"types": allowed}, field="attachment")
    return suffix


def do_remove_activity(access: PartnershipAccess, activity: Activity, *, actor: Actor) -> None:
    lofte = activity.promise.lofte
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    with transaction.atomic():
        changes = {"promise": activity.promise_id, "activity": activity.pk, "date": activity.date}
        record("lofte.remove_activity", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
        delete_file_on_commit(activity.attachment)
        activity.delete()


# The decision record


def do_save_decision(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor, **values: Any) -> Decision:
    """Create or change the decision record (tjänsteskrivelse, the body that proposed and the body that decides,
    each with its meeting and paragraph, distribution) until the löfte is decided; `values` are any of
    DECISION_FIELDS. Refused, by field, when an utskott is given as the deciding body, a proposal lacks its body or
    date, the decision is dated before the proposal, or one body both proposes and decides (Decision.clean)."""
    check_fields(values, DECISION_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    refuse_personal_data(values, SCREENED, PromiseRefused)
    with transaction.atomic():
        _require_open(access, lofte)
        decision = Decision.objects.filter(lofte=lofte).first()
        if decision is not None:
            save_and_record(access, decision, values, "lofte.save_decision", actor=actor, on=lofte)
            return decision
        decision = Decision(lofte=lofte, **values)
        clean(decision)
        decision.save()
        record("lofte.save_decision", actor=actor, obj=lofte, partnership=access.partnership, changes=values)
    return decision


# The workflow


def propose_missing(*, focus_areas: int, promises: int, decision: Decision | None) -> list[str]:
    """What a draft lacks before it can be proposed for decision; empty when nothing."""
    missing = []
    if not focus_areas:
        missing.append(_("minst ett fokusområde"))
    if not promises:
        missing.append(_("minst ett löfte"))
    if decision is None or not decision.case_number.strip():
        missing.append(_("ett diarienummer i beslutsuppgifterna"))
    return missing


def decide_missing(decision: Decision | None) -> list[str]:
    """What the decision record lacks before the decision can be recorded; empty when nothing."""
    fields = (
        ("body", _("organet som beslutar")),
        ("meeting_date", _("sammanträdesdatum")),
        ("paragraph", _("paragraf")),
    )
    if decision is None:
        return [label for _name, label in fields]
    return [label for name, label in fields if not str(getattr(decision, name) or "").strip()]


def _refuse_future(decision: Decision) -> None:
    """A decision is recorded once it is made: its meeting cannot lie ahead (the record may be prepared before)."""
    today = timezone.localdate()
    if decision.meeting_date is not None and decision.meeting_date > today:
        message = _(
            "Sammanträdesdatumet %(date)s ligger i framtiden. Beslutet kan registreras först när organet har "
            "beslutat; ändra datumet i beslutsuppgifterna om det är fel."
        ) % {"date": decision.meeting_date.isoformat()}
        raise PromiseRefused(message, field="meeting_date")


def _step(
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    *,
    before: str,
    after: str,
    action: str,
    actor: Actor,
    changes: Values | None = None,
) -> Medborgarlofte:
    """Call inside transaction.atomic() after the status is locked and checked."""
    lofte.status = after
    fields = ["status", "updated_at"]
    if after == Status.PUBLICERAD:
        lofte.published_at = timezone.now()
        fields.append("published_at")
    lofte.save(update_fields=fields)
    record(
        action,
        actor=actor,
        obj=lofte,
        partnership=access.partnership,
        changes={"status": [before, after], **(changes or {})},
    )
    return lofte


def _require_status(lofte: Medborgarlofte, wanted: str, message: str) -> str:
    status = _locked_status(lofte)
    if status != wanted:
        raise PromiseRefused(message)
    return status


def do_propose(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor) -> Medborgarlofte:
    """utkast → föreslagen: the draft goes to the arbetsutskott with its tjänsteskrivelse."""
    access.require(Can.MANAGE, PromiseRefused, NO_MANAGE, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    with transaction.atomic():
        before = _require_status(lofte, Status.UTKAST, _("Bara ett utkast kan föreslås för beslut."))
        decision = Decision.objects.filter(lofte=lofte).first()
        missing = propose_missing(
            focus_areas=lofte.focus_areas.count(), promises=lofte.promises.count(), decision=decision
        )
        if missing:
            raise PromiseRefused(
                _("Medborgarlöftet kan inte föreslås ännu. Saknas: %(missing)s.") % {"missing": ", ".join(missing)}
            )
        assert decision is not None
        changes = {"case_number": decision.case_number}
        return _step(
            access, lofte, before=before, after=Status.FORESLAGEN, action="lofte.propose", actor=actor, changes=changes
        )


def do_return_to_draft(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor) -> Medborgarlofte:
    """föreslagen → utkast: the proposal is taken back to be changed."""
    access.require(Can.MANAGE, PromiseRefused, NO_MANAGE, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    with transaction.atomic():
        before = _require_status(lofte, Status.FORESLAGEN, _("Bara ett föreslaget medborgarlöfte kan bli utkast igen."))
        return _step(access, lofte, before=before, after=Status.UTKAST, action="lofte.return_to_draft", actor=actor)


def do_decide(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor) -> Medborgarlofte:
    """föreslagen → beslutad: the body has decided; from now on the löfte's text is the decision."""
    access.require(Can.MANAGE, PromiseRefused, NO_MANAGE, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    with transaction.atomic():
        before = _require_status(lofte, Status.FORESLAGEN, _("Bara ett föreslaget medborgarlöfte kan beslutas."))
        decision = Decision.objects.filter(lofte=lofte).first()
        missing = decide_missing(decision)
        if missing:
            raise PromiseRefused(
                _("Beslutet kan inte registreras ännu. Saknas: %(missing)s.") % {"missing": ", ".join(missing)}
            )
        assert decision is not None
        _refuse_future(decision)
        changes = {
            "case_number": decision.case_number,
            "proposed_by": decision.proposed_by,
            "proposed_on": decision.proposed_on,
            "proposed_paragraph": decision.proposed_paragraph,
            "body": decision.body,
            "meeting_date": decision.meeting_date,
            "paragraph": decision.paragraph,
        }
        return _step(
            access, lofte, before=before, after=Status.BESLUTAD, action="lofte.decide", actor=actor, changes=changes
        )


def do_publish(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor) -> Medborgarlofte:
    """beslutad → publicerad: citizens can read the löfte and, later, its follow-up."""
    access.require(Can.MANAGE, PromiseRefused, NO_MANAGE, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    with transaction.atomic():
        before = _require_status(lofte, Status.BESLUTAD, _("Bara ett beslutat medborgarlöfte kan publiceras."))
        return _step(access, lofte, before=before, after=Status.PUBLICERAD, action="lofte.publish", actor=actor)
