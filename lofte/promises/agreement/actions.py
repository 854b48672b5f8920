"""Every change to a partnership's samverkansöverenskommelse goes through here: the agreement with Brå's parts, the
people who signed it for the parties, and the PDFs kept with it (the signed original, appendices).

Members who may edit (Can.EDIT: samordnare and polis) write the agreement, the partnership's own and no other. Its
period must hold the medborgarlöften under it, except those the samordnare confirmed to lie outside it. Free text is
refused when it holds personal data, here as well as in the forms, so the API and commands cannot slip it in.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.partnerships.models import Organisation
from lofte.promises.editing import (
    NO_EDIT,
    OTHER_AGREEMENT,
    SCREENED,
    PromiseRefused,
    check_fields,
    check_size,
    clean,
    delete_file_on_commit,
    require_parties,
    save_and_record,
)
from lofte.promises.models import Agreement, AgreementDocument, Medborgarlofte, Signatory, outside_agreement

AGREEMENT_FIELDS = (
    "title",
    "starts_on",
    "ends_on",
    "overall_goal",
    "focus_problems",
    "probable_causes",
    "measurable_goals",
    "documentation",
    "follow_up",
    "followups_per_year",
    "followup_bodies",
)
PDF_HEADER = b"%PDF-"


def do_create_agreement(
    access: PartnershipAccess, *, title: str, starts_on: date, ends_on: date, actor: Actor, **fields: Any
) -> Agreement:
    """The partnership's samverkansöverenskommelse; `fields` are any of AGREEMENT_FIELDS (Brå's parts and more)."""
    check_fields(fields, AGREEMENT_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT)
    values = {"title": title, "starts_on": starts_on, "ends_on": ends_on, **fields}
    refuse_personal_data(values, SCREENED, PromiseRefused)
    with transaction.atomic():
        agreement = Agreement(partnership=access.partnership, **values)
        clean(agreement)
        agreement.save()
        changes = {"title": title, "period": [starts_on, ends_on], "parts": _parts(agreement)}
        record("agreement.create", actor=actor, obj=agreement, partnership=access.partnership, changes=changes)
    return agreement


def _parts(agreement: Agreement) -> list[str]:
    return [label for label, done in agreement.completeness() if done]


def do_update_agreement(access: PartnershipAccess, agreement: Agreement, *, actor: Actor, **values: Any) -> list[str]:
    """Change any of AGREEMENT_FIELDS; returns the fields that changed (none: no audit row)."""
    check_fields(values, AGREEMENT_FIELDS)
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    refuse_personal_data(values, SCREENED, PromiseRefused)
    with transaction.atomic():
        changes = save_and_record(access, agreement, values, "agreement.update", actor=actor, on=agreement)
        if {"starts_on", "ends_on"} & set(changes):
            _refuse_loften_outside(agreement)  # a refusal rolls the change and its audit row back
        return list(changes)


def _refuse_loften_outside(agreement: Agreement) -> None:
    """The agreement's new period must still hold its löften, except those confirmed to lie outside it."""
    loften = Medborgarlofte.objects.filter(agreement=agreement, outside_agreement_reason="").order_by("year_from")
    outside = [lofte for lofte in loften if outside_agreement(lofte.year_from, lofte.year_to, agreement)]
    if outside:
        names = ", ".join(f"”{lofte.title}” ({lofte.period})" for lofte in outside)
        message = _(
            "Perioden %(start)s–%(end)s rymmer inte medborgarlöftet %(names)s. Ändra löftets år först, eller "
            "bekräfta där varför det ligger utanför överenskommelsen."
        ) % {"start": agreement.starts_on.isoformat(), "end": agreement.ends_on.isoformat(), "names": names}
        raise PromiseRefused(message, errors={"starts_on": [message], "ends_on": [message]})


def do_add_signatory(
    access: PartnershipAccess,
    agreement: Agreement,
    *,
    name: str,
    role: str,
    actor: Actor,
    organisation: Organisation | None = None,
    signed_on: date | None = None,
) -> Signatory:
    """Someone who signed the agreement for a party, e.g. the chair of the kommunstyrelse."""
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    refuse_personal_data({"name": name, "role": role}, SCREENED, PromiseRefused)
    require_parties(access, [organisation])
    with transaction.atomic():
        signatory = Signatory(agreement=agreement, name=name, role=role, organisation=organisation, signed_on=signed_on)
        clean(signatory)
        signatory.save()
        changes = {"signatory": signatory.pk, "name": name, "role": role, "organisation": organisation}
        record("agreement.add_signatory", actor=actor, obj=agreement, partnership=access.partnership, changes=changes)
    return signatory


def do_remove_signatory(access: PartnershipAccess, signatory: Signatory, *, actor: Actor) -> None:
    agreement = signatory.agreement
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    with transaction.atomic():
        changes = {"signatory": signatory.pk, "name": signatory.name, "role": signatory.role}
        record(
            "agreement.remove_signatory", actor=actor, obj=agreement, partnership=access.partnership, changes=changes
        )
        signatory.delete()


def do_add_agreement_document(
    access: PartnershipAccess, agreement: Agreement, *, title: str, file: File[Any], actor: Actor
) -> AgreementDocument:
    """Keep a PDF with the agreement (the signed original, an appendix), stored under its checksum."""
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    refuse_personal_data({"title": title}, SCREENED, PromiseRefused)
    size = check_size(file.size)
    file.seek(0)
    if file.read(len(PDF_HEADER)) != PDF_HEADER:
        raise PromiseRefused(_("Filen är inte en PDF."))
    digest = _sha256(file)
    document = AgreementDocument(agreement=agreement, title=title, sha256=digest, size=size, uploaded_by=user_of(actor))
    clean(document, exclude=["file"])
    document.file.save(f"{digest[:32]}.pdf", file, save=False)
    try:
        with transaction.atomic():
            document.save()
            changes = {"document": document.pk, "title": title, "sha256": digest, "size": size}
            record(
                "agreement.add_document", actor=actor, obj=agreement, partnership=access.partnership, changes=changes
            )
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def _sha256(file: File[Any]) -> str:
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def do_remove_agreement_document(access: PartnershipAccess, document: AgreementDocument, *, actor: Actor) -> None:
    """The row now, the file once the removal is committed."""
    agreement = document.agreement
    access.require(Can.EDIT, PromiseRefused, NO_EDIT, owner=agreement.partnership_id, foreign=OTHER_AGREEMENT)
    with transaction.atomic():
        changes = {"document": document.pk, "title": document.title, "sha256": document.sha256}
        record("agreement.remove_document", actor=actor, obj=agreement, partnership=access.partnership, changes=changes)
        delete_file_on_commit(document.file)
        document.delete()
