"""Who owns which statistics, and so who may import and undo them.

Two kinds of import run, told apart by `ImportRun.partnership`:

- **Official, shared statistics** (no partnership): everything in the publishers' own formats (Brå, SCB, Kolada,
  Polisen's events) and every metric code in their namespaces (`RESERVED_PREFIXES`: `anmalda.`, `bra.`,
  `befolkning.`, `scb.`, `kolada.`), shown to every kommun. Only the instance's operators write or undo them: a
  staff user, the command line and the scheduled fetchers (a `SystemActor`). A run recorded before runs had
  owners has no partnership either, and so is an operator's.
- **A partnership's own data** (the run names the partnership): its surveys and indicators, as its own
  spreadsheets. Only the spreadsheet format, only areas of its kommun (the kommun and its parts), never a code in
  the official namespaces, and never a value another owner's run wrote. Only its members whose role manages the
  partnership (`Can.MANAGE`) import or undo it; an operator may too.

The import list shows a member the runs of their own partnerships; an operator sees every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.lib.actors import Actor, SystemActor, user_of
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess, partnerships_for, roles_in, roles_with
from lofte.partnerships.models import Membership, Partnership
from lofte.statistics.models import ImportRun
from lofte.statistics.sources.spreadsheet.parser import FORMAT as OWN_FORMAT
from lofte.statistics.sources.spreadsheet.parser import RESERVED_PREFIXES

__all__ = ["OWN_FORMAT", "RESERVED_PREFIXES", "ImportRefused"]


class ImportRefused(ActionRefused):
    """An import or undo that cannot be done as asked (not a problem in the file): among others, of statistics
    that belong to someone else. Raised by statistics.actions, which every caller imports it from."""


def is_operator(actor: Actor | Any) -> bool:
    """The instance's operators: the command line, the fetchers and the demo (system actors) and staff users."""
    if isinstance(actor, SystemActor):
        return True
    user = user_of(actor)
    return user is not None and user.is_active and user.is_staff


def importable_partnerships(user: Any) -> QuerySet[Partnership]:
    """The partnerships whose own data the user may import: those where their role manages the partnership."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Partnership.objects.none()
    ids = (
        Membership.objects.active()
        .filter(user=user, role__in=roles_with(Can.MANAGE))
        .values("organisation__partnerships")
    )
    return Partnership.objects.filter(pk__in=ids).order_by("name")


def visible_runs(user: Any) -> QuerySet[ImportRun]:
    """Every run for an operator; the runs of their own partnerships for a member (nothing of other kommuner)."""
    if is_operator(user):
        return ImportRun.objects.all()
    return ImportRun.objects.filter(partnership__in=partnerships_for(user))


def may_undo(user: Any, run: ImportRun) -> bool:
    if is_operator(user):
        return True
    return run.partnership_id is not None and importable_partnerships(user).filter(pk=run.partnership_id).exists()


def require_import(actor: Actor, partnership: Partnership | None) -> None:
    """Refuse unless the actor may import the partnership's own data (or, with None, official statistics)."""
    if partnership is None:
        if not is_operator(actor):
            raise ImportRefused(
                _(
                    "Gemensam statistik (Brå, SCB, Kolada, Polisen) importeras bara av förvaltaren av Löfte. "
                    "Välj din samverkan för att importera egna uppgifter."
                )
            )
        return
    _require_member(actor, partnership, _("Bara samordnare i %(name)s får importera dess egna uppgifter."))


def require_own_format(format_name: str) -> None:
    """A partnership's own data comes as its own spreadsheet; the publishers' formats are official statistics."""
    if format_name != OWN_FORMAT:
        raise ImportRefused(
            _(
                "Filer från Brå, SCB, Kolada och Polisen är gemensam statistik som bara förvaltaren av Löfte "
                "importerar. En samverkan importerar sina egna uppgifter som ”Eget kalkylark”."
            )
        )


def require_undo(actor: Actor, run: ImportRun) -> None:
    if is_operator(actor):
        return
    if run.partnership is None:
        raise ImportRefused(
            _("Import %(number)s är gemensam statistik och kan bara ångras av förvaltaren av Löfte.")
            % {"number": run.pk}
        )
    _require_member(actor, run.partnership, _("Bara samordnare i %(name)s får ångra dess importer."))


def _require_member(actor: Actor, partnership: Partnership, message: str) -> None:
    if is_operator(actor):
        return
    access = PartnershipAccess(partnership, roles_in(user_of(actor), partnership))
    access.require(Can.MANAGE, ImportRefused, message % {"name": partnership.name})


def require_own_areas(partnership: Partnership, rows: dict[str, int], filename: str) -> None:
    """A partnership's own data covers its kommun and the kommun's parts: `rows` maps each area code to the first
    row it is on, for the message."""
    kommun = partnership.area.code
    found = Area.objects.filter(code__in=rows).filter(
        Q(code=kommun) | Q(parent__code=kommun) | Q(parent__parent__code=kommun)
    )
    inside = set(found.values_list("code", flat=True))
    for code, row in sorted(rows.items(), key=lambda item: (item[1], item[0])):
        if code not in inside:
            raise ImportRefused(
                _(
                    "%(file)s, rad %(row)s: området %(code)s ligger utanför %(kommun)s. %(name)s importerar bara "
                    "uppgifter om sin egen kommun och dess delar."
                )
                % {
                    "file": filename,
                    "row": row,
                    "code": code,
                    "kommun": partnership.area.name,
                    "name": partnership.name,
                }
            )


def require_own_metrics(codes: Iterable[str], filename: str) -> None:
    for code in sorted(set(codes)):
        if code.startswith(RESERVED_PREFIXES):
            raise ImportRefused(
                _(
                    "%(file)s: måttet %(code)s hör till den gemensamma statistiken (Brå, SCB, Kolada), som bara "
                    "förvaltaren av Löfte importerar. Välj en egen kod, t.ex. trygghet.problemindex."
                )
                % {"file": filename, "code": code}
            )


def require_own_values(partnership: Partnership, replaced: dict[int, tuple[str, str, str]], filename: str) -> None:
    """`replaced` maps the import run of each value the import would change to (metric, area, period) of one such
    value: a partnership changes only values its own runs wrote."""
    foreign = ImportRun.objects.filter(pk__in=replaced).exclude(partnership=partnership).order_by("pk")
    first = foreign.values_list("pk", "partnership_id").first()
    if first is None:
        return
    run, owner = first
    metric, area, period = replaced[run]
    whose = _("den gemensamma statistiken") if owner is None else _("en annan samverkans uppgifter")
    raise ImportRefused(
        _(
            "%(file)s: värdet för %(metric)s i %(area)s %(period)s kommer från import %(run)s (%(whose)s) och "
            "kan inte ändras av %(name)s."
        )
        % {
            "file": filename,
            "metric": metric,
            "area": area,
            "period": period,
            "run": run,
            "whose": whose,
            "name": partnership.name,
        }
    )
