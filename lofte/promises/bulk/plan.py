"""The action plan as a spreadsheet: every promise of a löfte out to XLSX or CSV, and back in.

People keep their action plan in Excel, and nobody updates progress one page at a time, so the plan goes out and
comes back. The columns are id, focus area, promise, responsible, status, progress, comment and follow-up round.
Only status, progress and comment are read back; the id names the promise, the round names where the comments go,
and the other columns are there to recognise the row. Status is a code or its Swedish label (ej_paborjad or "Ej
påbörjad"); an empty progress means "what the status says".

The comments belong to the follow-up round the file was exported from: the löfte's current round then (the
earliest open one, see lofte.promises.followup.queries.current_round), written on every row as "2024 H1 (id 12)".
Reading in puts them in that round and no other: a file from a round that is closed, from another löfte, or naming
two rounds is refused with the file, row and column. A file without the column (made by hand) may change status and
progress, but not comments; without an open round a comment cannot be read in at all.

Reading in is two steps. `read_plan` parses and checks every row and returns what would change (the preview);
every problem is named by its row and column, in Swedish. `do_import_plan` (lofte.promises.bulk.actions) applies
the preview in one transaction after checking that the promises are still as the preview saw them: nothing changes
unless every row is valid, and reading the same file again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import NON_FIELD, ActionRefused
from lofte.lib.sheets import SheetUnreadable, read_cells
from lofte.lib.sheets import text as cell_text
from lofte.lib.tables import Cell, restore, to_csv, to_xlsx
from lofte.partnerships.access import PartnershipAccess
from lofte.promises.followup.queries import current_round
from lofte.promises.models import FollowUpRound, Medborgarlofte, Promise, PromiseReport

# (key, heading): the order of the columns in the file.
COLUMNS = (
    ("id", gettext_lazy("id")),
    ("focus_area", gettext_lazy("Fokusområde")),
    ("text", gettext_lazy("Löfte")),
    ("responsible", gettext_lazy("Ansvariga")),
    ("status", gettext_lazy("Status")),
    ("progress", gettext_lazy("Framsteg (%)")),
    ("comment", gettext_lazy("Kommentar")),
    ("round", gettext_lazy("Uppföljning")),
)
READ = ("id", "status", "progress", "comment")
# How each column is named in messages, and the headings accepted for it (lower case, Swedish and English).
FIELD_NAMES = {
    "id": gettext_lazy("id"),
    "status": gettext_lazy("status"),
    "progress": gettext_lazy("framsteg"),
    "comment": gettext_lazy("kommentar"),
    "round": gettext_lazy("uppföljning"),
}
HEADINGS = {
    "id": "id",
    "fokusområde": "focus_area",
    "löfte": "text",
    "ansvariga": "responsible",
    "status": "status",
    "framsteg (%)": "progress",
    "framsteg": "progress",
    "kommentar": "comment",
    "focus area": "focus_area",
    "promise": "text",
    "responsible": "responsible",
    "progress (%)": "progress",
    "progress": "progress",
    "comment": "comment",
    "uppföljning": "round",
    "follow-up": "round",
}
ROUND_ID = re.compile(r"^(?:.*\(id (\d+)\)|(\d+))$")
MAX_ROWS = 2000

Values = tuple[str, int | None, str]  # status, progress, comment


class PlanRefused(ActionRefused):
    """The file cannot be read in; its `messages` name the file, the row and the column of each problem."""


def _refusal(problems: Sequence[str]) -> PlanRefused:
    """Every problem found in the file, each a message of its own."""
    return PlanRefused(" ".join(problems), errors={NON_FIELD: list(problems)})


# Export


def plan_rows(lofte: Medborgarlofte) -> tuple[list[str], list[list[Cell]]]:
    """The headings and one row per promise, in the order of the plan; each row names the current round."""
    round_ = current_round(lofte)
    comments: dict[int, str] = {}
    named = ""
    if round_ is not None:
        comments = dict(PromiseReport.objects.filter(round=round_).values_list("promise_id", "comment"))
        named = round_cell(round_)
    promises = (
        Promise.objects.filter(lofte=lofte)
        .select_related("focus_area")
        .prefetch_related("responsible")
        .order_by("focus_area__position", "focus_area_id", "position", "id")
    )
    rows: list[list[Cell]] = [
        [
            promise.pk,
            promise.focus_area.name if promise.focus_area else "",
            promise.text,
            ", ".join(sorted(o.name for o in promise.responsible.all())),
            str(promise.get_status_display()),
            promise.progress,
            comments.get(promise.pk, ""),
            named,
        ]
        for promise in promises
    ]
    return [str(heading) for _key, heading in COLUMNS], rows


def round_cell(round_: FollowUpRound) -> str:
    """How a file names its round: the label to read, the id to check."""
    return f"{round_.label} (id {round_.pk})"


def export_plan(lofte: Medborgarlofte, fmt: str) -> bytes:
    headers, rows = plan_rows(lofte)
    if fmt == "csv":
        return to_csv(headers, rows)
    if fmt == "xlsx":
        return to_xlsx(_("Åtgärdsplan"), headers, rows)
    raise ValueError(f"unknown format {fmt!r}")


# Reading the file


def _cells(data: bytes, filename: str) -> list[list[Any]]:
    """Every row of the file's first sheet as a list of cell values; the first row holds the headings (read by
    lofte.lib.sheets within lofte.lib.limits' limits, one row past MAX_ROWS so that _rows can say how many rows a
    plan may have)."""
    try:
        return read_cells(data, filename, max_rows=MAX_ROWS)
    except SheetUnreadable as unreadable:
        raise PlanRefused(str(unreadable)) from None


def _columns(headings: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, heading in enumerate(headings):
        key = HEADINGS.get(str(heading or "").strip().lower())
        if key and key not in found:
            found[key] = index
    missing = [key for key in READ if key not in found]
    if missing:
        names = dict(COLUMNS)
        raise _refusal(
            [_("Kolumnen ”%(column)s” saknas i filens första rad.") % {"column": names[key]} for key in missing]
        )
    return found


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the headings are row 1
    cells: dict[str, str]
    file: str = ""


def _rows(cells: list[list[Any]], filename: str) -> Iterator[Row]:
    if not cells:
        raise PlanRefused(_("Filen är tom."))
    columns = _columns(cells[0])
    if len(cells) > MAX_ROWS + 1:
        raise PlanRefused(_("Filen har fler än %(count)s rader.") % {"count": MAX_ROWS})
    for number, values in enumerate(cells[1:], start=2):
        row = {key: cell_text(values[index]) if index < len(values) else "" for key, index in columns.items()}
        if not any(row.get(key) for key in READ):
            continue
        yield Row(number, row, filename)


# Checking each row


@dataclass(frozen=True)
class RowChange:
    row: int
    promise_id: int
    text: str
    before: Values
    after: Values

    @property
    def fields(self) -> list[tuple[str, str, str]]:
        """What changes, as (column, before, after) in words."""
        labels = (_("Status"), _("Framsteg"), _("Kommentar"))
        return [
            (str(label), _describe(index, old), _describe(index, new))
            for index, (label, old, new) in enumerate(zip(labels, self.before, self.after, strict=True))
            if old != new
        ]

    def as_data(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "promise": self.promise_id,
            "text": self.text,
            "before": list(self.before),
            "after": list(self.after),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RowChange:
        before, after = data["before"], data["after"]
        return cls(
            data["row"],
            data["promise"],
            data["text"],
            (before[0], before[1], before[2]),
            (after[0], after[1], after[2]),
        )


def _describe(index: int, value: Any) -> str:
    if index == 0:
        return str(Promise.Status(value).label)
    if index == 1:
        return _("efter status") if value is None else f"{value} %"
    return value or "–"


@dataclass(frozen=True)
class PlanPreview:
    lofte_id: int
    round_id: int | None
    round_label: str
    rows: int
    changes: tuple[RowChange, ...]

    def as_data(self) -> dict[str, Any]:
        """For the session, between the preview and the confirmation."""
        return {
            "lofte": self.lofte_id,
            "round": self.round_id,
            "round_label": self.round_label,
            "rows": self.rows,
            "changes": [change.as_data() for change in self.changes],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PlanPreview:
        changes = tuple(RowChange.from_data(change) for change in data["changes"])
        return cls(data["lofte"], data["round"], data["round_label"], data["rows"], changes)


STATUSES = {
    **{code: code for code in Promise.Status.values},
    **{str(label).lower(): code for code, label in Promise.Status.choices},
}


def read_plan(access: PartnershipAccess, lofte: Medborgarlofte, data: bytes, filename: str) -> PlanPreview:
    """What the file would change, or PlanRefused naming every row and column that is wrong."""
    filename = PurePath(filename or "").name or _("filen")
    rows = list(_rows(_cells(data, filename), filename))
    round_, errors = _file_round(lofte, rows)
    if errors:
        raise _refusal(errors)
    promises = _promises(access, [row for row in rows if row.cells["id"].isdigit()])
    comments: dict[int, str] = {}
    if round_ is not None:
        comments = dict(PromiseReport.objects.filter(round=round_).values_list("promise_id", "comment"))
    no_round = "" if round_ is not None else _no_round(lofte)
    changes: list[RowChange] = []
    seen: dict[int, int] = {}
    for row in rows:
        try:
            change = _check(row, lofte, promises, comments, no_round, seen)
        except PlanRefused as refusal:
            errors.extend(refusal.messages)
            continue
        if change.before != change.after:
            changes.append(change)
    if errors:
        raise _refusal(errors)
    label = round_.label if round_ is not None else ""
    return PlanPreview(lofte.pk, round_.pk if round_ else None, label, len(rows), tuple(changes))


def _file_round(lofte: Medborgarlofte, rows: list[Row]) -> tuple[FollowUpRound | None, list[str]]:
    """The round the file was exported from, as its rows name it: one open round of this löfte, or none at all."""
    if not rows or "round" not in rows[0].cells:
        return None, []
    rounds = {r.pk: r for r in FollowUpRound.objects.filter(lofte=lofte)}
    errors: list[str] = []
    named: FollowUpRound | None = None
    for row in rows:
        value = row.cells["round"]
        if not value:
            continue
        match = ROUND_ID.match(value)
        found = rounds.get(int(match.group(1) or match.group(2))) if match else None
        if found is None:
            message = _("”%(value)s” är ingen uppföljning av det här medborgarlöftet.") % {"value": value}
            errors.extend(_error(row, "round", message).messages)
        elif named is not None and found != named:
            message = _("raden hör till uppföljningen %(this)s, men filen i övrigt till %(first)s.") % {
                "this": found.label,
                "first": named.label,
            }
            errors.extend(_error(row, "round", message).messages)
        elif found.status != FollowUpRound.Status.OPEN and named is None:  # said once, on the first row
            message = _(
                "filen är hämtad för uppföljningen %(label)s, som är avslutad; kommentarerna kan inte läsas in i en "
                "annan uppföljning. Hämta åtgärdsplanen igen för den uppföljning som pågår."
            ) % {"label": found.label}
            errors.extend(_error(row, "round", message).messages)
            named = found
        else:
            named = found
    if named is not None:
        for row in rows:
            if not row.cells["round"]:
                message = _("saknas; filen i övrigt hör till uppföljningen %(label)s.") % {"label": named.label}
                errors.extend(_error(row, "round", message).messages)
    return named, errors


def _no_round(lofte: Medborgarlofte) -> str:
    """Why a comment cannot be read from a file that names no round."""
    if current_round(lofte) is None:
        return _("det finns ingen pågående uppföljning att skriva kommentaren i.")
    return _(
        "filen säger inte vilken uppföljning kommentaren hör till. Hämta åtgärdsplanen igen, så följer uppföljningen "
        "med i filen."
    )


def _promises(access: PartnershipAccess, rows: list[Row]) -> dict[int, Promise]:
    """The promises the rows name, among the partnership's own: another kommun's ids are unknown here."""
    ids = {int(row.cells["id"]) for row in rows}
    found = Promise.objects.filter(pk__in=ids, lofte__agreement__partnership=access.partnership)
    return {promise.pk: promise for promise in found.only("id", "lofte_id", "text", "status", "progress")}


def _error(row: Row, field: str, message: str) -> PlanRefused:
    return PlanRefused(
        _("%(file)s, rad %(row)s, %(field)s: %(message)s")
        % {"file": row.file, "row": row.number, "field": FIELD_NAMES[field], "message": message}
    )


def _check(
    row: Row,
    lofte: Medborgarlofte,
    promises: dict[int, Promise],
    comments: dict[int, str],
    no_round: str,
    seen: dict[int, int],
) -> RowChange:
    """`no_round` is why a comment cannot be read in (empty: the file's round takes it)."""
    promise = _check_id(row, lofte, promises, seen)
    errors: list[str] = []
    after: list[Any] = []
    for check in (_check_status, _check_progress, _check_comment):
        try:
            after.append(check(row))
        except PlanRefused as refusal:
            errors.extend(refusal.messages)
    if errors:
        raise _refusal(errors)
    status, progress, comment = after
    before: Values = (promise.status, promise.progress, comments.get(promise.pk, ""))
    if comment != before[2] and no_round:
        raise _error(row, "comment", no_round)
    seen[promise.pk] = row.number
    return RowChange(row.number, promise.pk, promise.text, before, (status, progress, comment))


def _check_id(row: Row, lofte: Medborgarlofte, promises: dict[int, Promise], seen: dict[int, int]) -> Promise:
    value = row.cells["id"]
    if not value:
        raise _error(row, "id", _("saknas."))
    if not value.isdigit():
        raise _error(row, "id", _("”%(value)s” är inget id.") % {"value": value})
    promise = promises.get(int(value))
    if promise is None:
        raise _error(row, "id", _("det finns inget löfte med id %(id)s.") % {"id": value})
    if promise.lofte_id != lofte.pk:
        raise _error(row, "id", _("löftet %(id)s hör till ett annat medborgarlöfte.") % {"id": value})
    if promise.pk in seen:
        raise _error(row, "id", _("löftet finns redan på rad %(row)s.") % {"row": seen[promise.pk]})
    return promise


def _check_status(row: Row) -> str:
    value = row.cells["status"]
    if not value:
        raise _error(row, "status", _("saknas."))
    status = STATUSES.get(value.lower())
    if status is None:
        labels = ", ".join(str(label) for label in Promise.Status.labels)
        raise _error(
            row, "status", _("”%(value)s” är ingen status; ange en av %(labels)s.") % {"value": value, "labels": labels}
        )
    return status


def _check_progress(row: Row) -> int | None:
    value = row.cells["progress"].removesuffix("%").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number.is_integer() or not 0 <= number <= 100:
        raise _error(
            row, "progress", _("”%(value)s” är inget heltal mellan 0 och 100.") % {"value": row.cells["progress"]}
        )
    return int(number)


def _check_comment(row: Row) -> str:
    comment = restore(row.cells["comment"])  # our writers put an apostrophe before a text that looks like a formula
    try:
        refuse_personal_data({"comment": comment}, ["comment"], PlanRefused)
    except PlanRefused as refusal:
        raise _error(row, "comment", refusal.message) from None
    return comment
