"""Every change to areas goes through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lofte.areas.geometry import AreaFileError, ParsedArea, overlaps, place
from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.audit.log import record
from lofte.lib.actors import Actor
from lofte.lib.refusals import ActionRefused


class AreaRefused(ActionRefused):
    """The area cannot be changed as asked (a subdivision still in use); the message says why."""


@dataclass
class AreaImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "warnings": self.warnings,
        }


def subdivision_code(kommun: Area, kind: str, parsed: ParsedArea) -> str:
    """RegSO and DeSO keep SCB's own code; a kommun's districts get one from the kommun code and name."""
    if parsed.code:
        return parsed.code if kind != Area.Kind.DISTRICT else f"{kommun.code}-{slugify(parsed.code)}"
    return f"{kommun.code}-{slugify(parsed.name) or parsed.number}"


def _kommun_for(parsed: ParsedArea, kommun: Area | None, kommuner: dict[str, Area], filename: str) -> Area:
    if kommun is not None:
        return kommun
    found = kommuner.get(parsed.kommun_code or "")
    if found is None:
        raise AreaFileError(
            _("%(where)s: okänd kommunkod %(code)s.")
            % {"where": place(filename, parsed.number), "code": parsed.kommun_code}
        )
    return found


def do_import_subdivisions(
    parsed_areas: list[ParsedArea],
    *,
    kind: str,
    filename: str,
    actor: Actor,
    kommun: Area | None = None,
    dry_run: bool = False,
    on_each: Callable[[], None] | None = None,
) -> AreaImportResult:
    """Create or update districts, RegSO or DeSO areas; all or nothing, never duplicated on re-run."""
    if kind not in SUBDIVISION_KINDS:
        raise AreaFileError(
            _("%(file)s: typen %(kind)s kan inte läsas in från fil.") % {"file": filename, "kind": kind}
        )
    if kommun is not None and kommun.kind != Area.Kind.KOMMUN:
        raise AreaFileError(_("%(file)s: %(code)s är inte en kommun.") % {"file": filename, "code": kommun.code})
    kommuner = {a.code: a for a in Area.objects.filter(kind=Area.Kind.KOMMUN)}
    result = AreaImportResult()
    with transaction.atomic():
        for parsed in parsed_areas:
            _import_one(parsed, kind, filename, _kommun_for(parsed, kommun, kommuner, filename), result)
            if on_each is not None:
                on_each()
        if not dry_run:
            record(
                "areas.import",
                actor=actor,
                obj=kommun,
                changes={"file": filename, "kind": kind, **result.summary()},
                shown_everywhere=True,
            )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _import_one(parsed: ParsedArea, kind: str, filename: str, kommun: Area, result: AreaImportResult) -> None:
    code = subdivision_code(kommun, kind, parsed)
    existing = Area.objects.filter(code=code).first()
    if existing is not None and (existing.parent_id != kommun.pk or existing.kind != kind):
        raise AreaFileError(
            _("%(where)s: koden %(code)s används redan av %(name)s.")
            % {"where": place(filename, parsed.number), "code": code, "name": existing.name}
        )
    if kommun.geometry and not overlaps(parsed.geometry, kommun.geometry):
        result.warnings.append(
            _("%(where)s (%(name)s): ligger utanför %(kommun)s.")
            % {"where": place(filename, parsed.number), "name": parsed.name, "kommun": kommun.name}
        )
    values = {
        "name": parsed.name,
        "kind": kind,
        "parent": kommun,
        "geometry": parsed.geometry,
        "bbox": parsed.bbox,
        "centroid_lat": parsed.centroid[0],
        "centroid_lng": parsed.centroid[1],
        "source": filename[:200],
    }
    if existing is None:
        Area.objects.create(code=code, **values)
        result.created.append(code)
        return
    changed = [k for k, v in values.items() if k != "source" and getattr(existing, k) != v]
    if not changed:
        result.unchanged.append(code)
        return
    for key, value in values.items():
        setattr(existing, key, value)
    existing.save(update_fields=[*values.keys(), "updated_at"])
    result.updated.append(code)


def do_delete_subdivision(area: Area, *, actor: Actor) -> None:
    """Remove a district, RegSO or DeSO area that nothing refers to (an organisation, a dialogue, a report …)."""
    if not area.is_subdivision:
        raise ValueError("Only districts, RegSO and DeSO areas can be removed")
    try:
        with transaction.atomic():
            record(
                "areas.delete",
                actor=actor,
                obj=area,
                changes={"code": area.code, "name": area.name},
                shown_everywhere=True,
            )
            area.delete()
    except ProtectedError:
        raise AreaRefused(_("%(name)s används och kan inte tas bort.") % {"name": area.name}) from None
