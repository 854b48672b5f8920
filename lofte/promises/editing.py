"""What every change to the agreement and the medborgarlöften shares (lofte.promises.agreement.actions and
lofte.promises.lofte.actions): their refusal, the messages of the access preamble, the free text screened for
personal data, validation by the model, saving only the fields that changed with their one audit row, and stored
files (their size, and their removal once the change is committed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.audit.log import diff, record
from lofte.lib.actors import Actor
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Organisation

# Free text screened for personal data, in the order a refusal names the first it finds.
SCREENED = (
    "basis",
    "body_name",
    "case_number",
    "crime_categories",
    "decision_text",
    "description",
    "distribution",
    "documentation",
    "evidence",
    "focus_problems",
    "follow_up",
    "followup_bodies",
    "measurable_goals",
    "name",
    "outside_agreement_reason",
    "overall_goal",
    "paragraph",
    "probable_causes",
    "proposed_by_name",
    "proposed_paragraph",
    "report_author",
    "report_author_title",
    "role",
    "summary",
    "text",
    "title",
)
MAX_FILE_BYTES = 20 * 1024 * 1024

Values = dict[str, Any]

NO_EDIT = gettext_lazy("Du har inte behörighet att ändra överenskommelsen och medborgarlöftena.")
OTHER_AGREEMENT = gettext_lazy("Överenskommelsen hör till en annan samverkan.")
OTHER_LOFTE = gettext_lazy("Medborgarlöftet hör till en annan samverkan.")


class PromiseRefused(ActionRefused):
    """The member's role, the partnership, the löfte's state or the content does not allow the change; the message
    says why and `errors` the fields concerned, so a form can show them beside the field."""


def check_fields(values: Values, allowed: Iterable[str]) -> None:
    """A programming error, not a refusal: an action was asked to change a field it does not change."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")


def clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    """The model's own validation, its messages refused by field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {}
        raise PromiseRefused(" ".join(error.messages), errors=fields) from error


def require_parties(access: PartnershipAccess, organisations: Iterable[Organisation | None]) -> None:
    """Refuse any organisation that is not a party to the partnership (None: no party named)."""
    wanted = {organisation.pk: organisation for organisation in organisations if organisation is not None}
    if not wanted:
        return
    parties = set(access.partnership.organisations.filter(pk__in=wanted).values_list("pk", flat=True))
    outside = [str(organisation) for pk, organisation in wanted.items() if pk not in parties]
    if outside:
        raise PromiseRefused(_("%(names)s är inte part i samverkan.") % {"names": ", ".join(sorted(outside))})


def save_and_record(
    access: PartnershipAccess, obj: models.Model, values: Values, action: str, *, actor: Actor, on: models.Model
) -> Values:
    """Set, validate and save the changed fields; one audit row on `on` (the löfte or the agreement), none if nothing
    changed."""
    changes = save_changes(obj, values)
    if changes:
        record(action, actor=actor, obj=on, partnership=access.partnership, changes={"id": obj.pk, **changes})
    return changes


def save_changes(obj: models.Model, values: Values) -> Values:
    """Set the values, and validate and save only the fields that changed; those changes, for the audit row."""
    before = {name: getattr(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    changes = diff(obj, list(values), before)
    if changes:
        clean(obj)
        auto_now = ["updated_at"] if any(field.name == "updated_at" for field in obj._meta.concrete_fields) else []
        obj.save(update_fields=[*changes, *auto_now])
    return changes


def check_size(size: int | None) -> int:
    """A stored file is neither empty nor larger than MAX_FILE_BYTES; its size."""
    if not size:
        raise PromiseRefused(_("Filen är tom."))
    if size > MAX_FILE_BYTES:
        raise PromiseRefused(_("Filen är för stor: högst %(limit)s MB.") % {"limit": MAX_FILE_BYTES // (1024 * 1024)})
    return size


def delete_file_on_commit(field: Any) -> None:
    """Remove a stored file once the removal of its row is committed, never before."""
    name, storage = field.name, field.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
