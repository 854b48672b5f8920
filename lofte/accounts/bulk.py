"""Many invitations at once, from a CSV or XLSX file: one row a person, columns namn, e-post, organisation, roll and
optionally befattning and skäl (the reason a restricted role such as polis is given).

Two steps, as the action plan's import (lofte.promises.bulk): `read_invitations` reads the file (lofte.lib.sheets,
within lofte.lib.limits' limits, checked before anything is unpacked or split) and checks every row with the same
rules as one invitation (`people.check_invitation`), naming the file, row and field of each problem in Swedish; the
preview says per row what will happen. `do_invite_people` then sends them all or none. Reading the same file again
sends nothing twice: a row whose address already has an open invitation to that organisation is shown as such and
skipped, and an existing member is reported, not invited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.accounts.models import Invitation
from lofte.accounts.people import PeopleRefused, check_grant, check_invitation, do_invite_person
from lofte.audit.log import record
from lofte.lib.actors import Actor
from lofte.lib.refusals import NON_FIELD
from lofte.lib.sheets import SheetUnreadable, read_cells
from lofte.lib.sheets import text as cell_text
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Membership, Organisation

MAX_ROWS = 1000
REQUIRED = ("full_name", "email", "organisation", "role")
# How each field is named in messages, and the headings accepted for it (lower case, Swedish and English).
FIELD_NAMES = {
    "full_name": gettext_lazy("namn"),
    "email": gettext_lazy("e-post"),
    "organisation": gettext_lazy("organisation"),
    "role": gettext_lazy("roll"),
    "title": gettext_lazy("befattning"),
    "reason": gettext_lazy("skäl"),
}
HEADINGS = {
    "namn": "full_name",
    "name": "full_name",
    "e-post": "email",
    "epost": "email",
    "e-postadress": "email",
    "email": "email",
    "e-mail": "email",
    "organisation": "organisation",
    "roll": "role",
    "role": "role",
    "befattning": "title",
    "title": "title",
    "skäl": "reason",
    "reason": "reason",
}

INVITE, OPEN, MEMBER = "invite", "open", "member"


class BulkRefused(PeopleRefused):
    """The file cannot be read in; its `messages` name the file, row and field of each problem."""


def _refusal(problems: Sequence[str]) -> BulkRefused:
    return BulkRefused(" ".join(problems), errors={NON_FIELD: list(problems)})


@dataclass(frozen=True)
class PlannedInvitation:
    row: int
    email: str
    full_name: str
    organisation_id: int
    organisation: str
    role: str
    title: str
    reason: str
    outcome: str  # INVITE, OPEN (an open invitation exists: not sent again) or MEMBER (already in: reported)

    @property
    def role_label(self) -> str:
        return str(Membership.Role(self.role).label)


@dataclass(frozen=True)
class BulkPreview:
    file: str
    rows: tuple[PlannedInvitation, ...]

    @property
    def to_send(self) -> list[PlannedInvitation]:
        return [row for row in self.rows if row.outcome == INVITE]

    def as_data(self) -> dict[str, Any]:
        """For the session, between the preview and the confirmation."""
        return {"file": self.file, "rows": [asdict(row) for row in self.rows]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BulkPreview:
        return cls(data["file"], tuple(PlannedInvitation(**row) for row in data["rows"]))


def _columns(headings: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, heading in enumerate(headings):
        key = HEADINGS.get(cell_text(heading).lower())
        if key and key not in found:
            found[key] = index
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        raise _refusal(
            [_("Kolumnen ”%(column)s” saknas i filens första rad.") % {"column": FIELD_NAMES[key]} for key in missing]
        )
    return found


def _rows(cells: list[list[Any]]) -> list[tuple[int, dict[str, str]]]:
    if not cells:
        raise BulkRefused(_("Filen är tom."))
    columns = _columns(cells[0])
    if len(cells) > MAX_ROWS + 1:
        raise BulkRefused(_("Filen har fler än %(count)s rader.") % {"count": MAX_ROWS})
    rows = []
    for number, values in enumerate(cells[1:], start=2):
        row = {key: cell_text(values[index]) if index < len(values) else "" for key, index in columns.items()}
        if any(row.values()):
            rows.append((number, row))
    return rows


def _where(file: str, row: int, field: str, message: str) -> str:
    return _("%(file)s, rad %(row)s, %(field)s: %(message)s") % {
        "file": file,
        "row": row,
        "field": FIELD_NAMES.get(field, FIELD_NAMES["email"]),
        "message": message,
    }


class _Lookups:
    """The partnership's organisations by name or short name, the roles by code or label, and who is in or invited
    already: a fixed number of queries for the whole file."""

    def __init__(self, access: PartnershipAccess) -> None:
        organisations = list(access.partnership.organisations.all())
        self.organisations: dict[str, Organisation] = {}
        for organisation in organisations:
            self.organisations[organisation.name.lower()] = organisation
            self.organisations[organisation.slug.lower()] = organisation
        self.roles = {code: code for code in Membership.Role.values}
        self.roles.update({str(label).lower(): code for code, label in Membership.Role.choices})
        ids = [o.pk for o in organisations]
        self.members = set(
            Membership.objects.active().filter(organisation__in=ids).values_list("user__email", "organisation_id")
        )
        self.invited = set(
            Invitation.objects.filter(
                organisation__in=ids, accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
            ).values_list("email", "organisation_id")
        )


def read_invitations(access: PartnershipAccess, data: bytes, filename: str, *, actor: Actor) -> BulkPreview:
    """What the file would send, row by row, or BulkRefused naming every file, row and field that is wrong."""
    filename = PurePath(filename or "").name or _("filen")
    try:
        rows = _rows(read_cells(data, filename, max_rows=MAX_ROWS))
    except SheetUnreadable as unreadable:
        message = str(unreadable)
        raise BulkRefused(message if message.startswith(filename) else f"{filename}: {message}") from None
    lookups = _Lookups(access)
    planned: list[PlannedInvitation] = []
    errors: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    for number, row in rows:
        try:
            planned.append(_check_row(access, lookups, row, actor=actor, seen=seen, number=number))
        except PeopleRefused as refusal:
            errors.append(_where(filename, number, refusal.field, refusal.message))
    if errors:
        raise _refusal(errors)
    if not planned:
        raise BulkRefused(_("%(file)s: filen har inga rader med personer.") % {"file": filename})
    return BulkPreview(filename, tuple(planned))


def _check_row(
    access: PartnershipAccess,
    lookups: _Lookups,
    row: dict[str, str],
    *,
    actor: Actor,
    seen: dict[tuple[str, int], int],
    number: int,
) -> PlannedInvitation:
    for key in REQUIRED:
        if not row.get(key):
            raise PeopleRefused(_("saknas."), field=key)
    organisation = lookups.organisations.get(row["organisation"].lower())
    if organisation is None:
        names = ", ".join(sorted({o.name for o in lookups.organisations.values()}))
        raise PeopleRefused(
            _("”%(value)s” är ingen part i samverkan; ange en av %(names)s.")
            % {"value": row["organisation"], "names": names},
            field="organisation",
        )
    role = lookups.roles.get(row["role"].lower())
    if role is None:
        labels = ", ".join(str(label) for label in Membership.Role.labels)
        raise PeopleRefused(
            _("”%(value)s” är ingen roll; ange en av %(labels)s.") % {"value": row["role"], "labels": labels},
            field="role",
        )
    email = row["email"].strip().lower()
    if (email, organisation.pk) in seen:
        raise PeopleRefused(
            _("%(email)s finns redan på rad %(row)s.") % {"email": email, "row": seen[(email, organisation.pk)]},
            field="email",
        )
    seen[(email, organisation.pk)] = number
    outcome = INVITE
    if (email, organisation.pk) in lookups.members:
        outcome = MEMBER
    elif (email, organisation.pk) in lookups.invited:
        outcome = OPEN
    else:
        check_invitation(access, email=email, organisation=organisation, role=role, actor=actor)
        check_grant(email, organisation, role, actor=actor, reason=row.get("reason", ""))
    return PlannedInvitation(
        number,
        email,
        row["full_name"],
        organisation.pk,
        organisation.name,
        role,
        row.get("title", ""),
        row.get("reason", ""),
        outcome,
    )


def do_invite_people(access: PartnershipAccess, preview: BulkPreview, *, actor: Actor) -> int:
    """Send the preview's invitations, all or none; a row that got an open invitation since is skipped. How many
    were sent."""
    organisations = {o.pk: o for o in access.partnership.organisations.all()}
    sent = 0
    with transaction.atomic():
        for row in preview.to_send:
            organisation = organisations.get(row.organisation_id)
            if organisation is None:
                raise BulkRefused(_("Samverkans parter har ändrats sedan filen lästes in. Läs in filen igen."))
            if Invitation.objects.filter(
                email__iexact=row.email,
                organisation=organisation,
                accepted_at__isnull=True,
                withdrawn_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).exists():
                continue
            try:
                do_invite_person(
                    access,
                    email=row.email,
                    full_name=row.full_name,
                    organisation=organisation,
                    role=row.role,
                    title=row.title,
                    reason=row.reason,
                    actor=actor,
                )
            except PeopleRefused as refusal:
                raise BulkRefused(_where(preview.file, row.row, refusal.field, refusal.message)) from None
            sent += 1
        changes = {"file": preview.file, "rows": len(preview.rows), "sent": sent}
        record("invitation.bulk", actor=actor, partnership=access.partnership, changes=changes)
    return sent
