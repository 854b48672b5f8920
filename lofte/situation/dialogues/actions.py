"""Every change to a partnership's dialogues and safety walks goes through here.

Members who may edit the lägesbild (Can.EDIT) record dialogues; everyone in the partnership reads them. Free text
is refused when it holds personal data, here as well as in the forms, so the API and commands cannot slip it in.
The audit rows name what changed but keep neither the place, the summary nor what was said: what was said is
replaced after its retention period (`lofte/operations/retention/`, kind `dialogue_text`), and a copy in the log
would outlive it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.areas.models import Area
from lofte.audit.log import diff, record
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.situation.models import PARTICIPANT_AGES, PARTICIPANT_GENDERS, Dialogue, DialogueStatement, Lagesbild

DIALOGUE_FIELDS = Dialogue.EDITABLE_FIELDS
NOT_LOGGED = frozenset({"place", "summary"})
NOT_ALLOWED = gettext_lazy("Du har inte behörighet att ändra dialogerna.")
FOREIGN = gettext_lazy("Dialogen hör till en annan samverkan.")

Values = dict[str, Any]


class DialogueRefused(ActionRefused):
    """The member's role, the partnership or the content does not allow the change; the message says why."""


def _check_fields(values: Values) -> None:
    unknown = set(values) - set(DIALOGUE_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")


def _require_area(access: PartnershipAccess, area: Area | None) -> None:
    """The partnership's kommun or one of its parts, nothing elsewhere."""
    kommun = access.partnership.area_id
    if area is not None and kommun not in (area.pk, area.parent_id):
        raise DialogueRefused(_("Området ligger utanför samverkans kommun."), field="area")


def _audited(changes: Values) -> Values:
    """The changes for the log: counts, kind, date, area and themes as they are; place and summary only as changed."""
    return {name: True if name in NOT_LOGGED else value for name, value in changes.items()}


def do_create_dialogue(access: PartnershipAccess, *, actor: Actor, **fields: Any) -> Dialogue:
    """A dialogue of the partnership; `fields` are any of DIALOGUE_FIELDS (kind, date and place are required)."""
    _check_fields(fields)
    access.require(Can.EDIT, DialogueRefused, NOT_ALLOWED)
    refuse_personal_data(fields, Dialogue.FREE_TEXT, DialogueRefused)
    _require_area(access, fields.get("area"))
    with transaction.atomic():
        dialogue = Dialogue(partnership=access.partnership, created_by=user_of(actor), **fields)
        dialogue.full_clean()
        dialogue.save()
        logged = ("kind", "date", "area", *PARTICIPANT_GENDERS, *PARTICIPANT_AGES, "themes")
        changes = {name: getattr(dialogue, name) for name in logged}
        record("dialogue.create", actor=actor, obj=dialogue, partnership=access.partnership, changes=changes)
    return dialogue


def do_update_dialogue(access: PartnershipAccess, dialogue: Dialogue, *, actor: Actor, **values: Any) -> list[str]:
    """Change any of DIALOGUE_FIELDS; returns the fields that changed (none: no audit row)."""
    _check_fields(values)
    access.require(Can.EDIT, DialogueRefused, NOT_ALLOWED, owner=dialogue.partnership_id, foreign=FOREIGN)
    refuse_personal_data(values, Dialogue.FREE_TEXT, DialogueRefused)
    if "area" in values:
        _require_area(access, values["area"])
    before = {name: getattr(dialogue, name) for name in DIALOGUE_FIELDS}
    for name, value in values.items():
        setattr(dialogue, name, value)
    # Cleaning may fill a breakdown left empty, so compare after it.
    dialogue.full_clean()
    changes = diff(dialogue, list(DIALOGUE_FIELDS), before)
    if not changes:
        return []
    with transaction.atomic():
        dialogue.save(update_fields=[*changes, "updated_at"])
        record("dialogue.update", actor=actor, obj=dialogue, partnership=access.partnership, changes=_audited(changes))
    return list(changes)


def do_delete_dialogue(access: PartnershipAccess, dialogue: Dialogue, *, actor: Actor) -> None:
    """The dialogue and its statements, and its links to the problems of draft lägesbilder. A dialogue that an
    adopted lägesbild cites is part of a decision's record and stays."""
    access.require(Can.EDIT, DialogueRefused, NOT_ALLOWED, owner=dialogue.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        citing = _lock_citing_versions(dialogue)
        adopted = sorted({version for version, status in citing if status == Lagesbild.Status.FASTSTALLD})
        if adopted:
            versions = ", ".join(str(version) for version in adopted)
            raise DialogueRefused(
                _(
                    "Dialogen kan inte tas bort: den är underlag för en fastställd lägesbild (version %(versions)s). "
                    "Beslutsunderlaget ska finnas kvar."
                )
                % {"versions": versions}
            )
        changes = {
            "kind": dialogue.kind,
            "date": dialogue.date,
            "statements": dialogue.statements.count(),
            "problems": len(citing),
        }
        record("dialogue.delete", actor=actor, obj=dialogue, partnership=access.partnership, changes=changes)
        dialogue.delete()


def _lock_citing_versions(dialogue: Dialogue) -> list[tuple[int, str]]:
    """(version, status) of the lägesbild of each problem that cites the dialogue. The lock makes a concurrent
    adoption wait for the delete, or win before it."""
    versions = Lagesbild.objects.select_for_update(of=("self",)).filter(problems__dialogues=dialogue)
    return [(lagesbild.version, lagesbild.status) for lagesbild in versions.only("version", "status")]


def do_add_statement(
    access: PartnershipAccess, dialogue: Dialogue, *, text: str, actor: Actor, theme: str = ""
) -> DialogueStatement:
    access.require(Can.EDIT, DialogueRefused, NOT_ALLOWED, owner=dialogue.partnership_id, foreign=FOREIGN)
    refuse_personal_data({"text": text, "theme": theme}, DialogueStatement.FIELDS, DialogueRefused)
    with transaction.atomic():
        statement = DialogueStatement(dialogue=dialogue, text=text, theme=theme)
        statement.full_clean()
        statement.save()
        changes = {"statement": statement.pk, "theme": theme}
        record("dialogue.add_statement", actor=actor, obj=dialogue, partnership=access.partnership, changes=changes)
    return statement


def do_remove_statement(access: PartnershipAccess, statement: DialogueStatement, *, actor: Actor) -> None:
    dialogue = statement.dialogue
    access.require(Can.EDIT, DialogueRefused, NOT_ALLOWED, owner=dialogue.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        changes = {"statement": statement.pk}
        record("dialogue.remove_statement", actor=actor, obj=dialogue, partnership=access.partnership, changes=changes)
        statement.delete()
