"""What the gallring pages read, in a fixed number of queries whatever the data: each kind's period, how many
rows go within the next 7 and 30 days (the job's own querysets, counted at a later moment), and the last run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from lofte.audit.models import AuditEvent
from lofte.operations.retention import kinds as K
from lofte.operations.retention.job import Periods, candidates
from lofte.operations.retention.kinds import Kind, Limits
from lofte.partnerships.models import Partnership

WINDOWS = (7, 30)
# How each partnership kind's rows name their partnership.
PARTNERSHIP_OF = {
    K.EST_TEXT.code: "partnership_id",
    K.TIP_TEXT.code: "partnership_id",
    K.TIP_EMAIL.code: "partnership_id",
    K.DIALOGUE_TEXT.code: "dialogue__partnership_id",
}


@dataclass(frozen=True)
class Upcoming:
    kind: Kind
    days: int | None
    chosen: bool  # the partnership chose its own period
    limits: Limits | None
    within: tuple[int, ...]  # rows gallrade within each of WINDOWS days (what is overdue included)


@dataclass(frozen=True)
class PartnershipRows:
    partnership: Partnership
    rows: list[Upcoming]


@dataclass(frozen=True)
class LastRun:
    at: datetime
    total: int
    counts: list[tuple[Kind, int]]  # every kind the run counted, by name


def last_run() -> LastRun | None:
    """The latest run that changed the database (a dry run writes no row), from its audit row; one query."""
    event = AuditEvent.objects.filter(action="gallring.run").order_by("-at", "-id").first()
    if event is None:
        return None
    counts = (event.changes or {}).get("counts", {})
    named = [(kind, int(counts[kind.code])) for kind in K.KINDS if kind.code in counts]
    return LastRun(event.at, int((event.changes or {}).get("total", 0)), named)


def for_partnership(partnership: Partnership, at: datetime) -> list[Upcoming]:
    """The partnership's kinds: period and what goes within 7 and 30 days (1 + 2 per kind queries)."""
    periods = Periods.read(partnership.pk)
    rows = []
    for kind in K.PARTNERSHIP_KINDS:
        within = tuple(
            sum(
                rows.filter(**{PARTNERSHIP_OF[kind.code]: partnership.pk}).count()
                for rows in candidates(kind, at + timedelta(days=days), periods)
            )
            for days in WINDOWS
        )
        chosen = partnership.pk in periods.chosen[kind.code]
        rows.append(Upcoming(kind, periods.days(kind, partnership.pk), chosen, kind.limits, within))
    return rows


def overview(at: datetime) -> tuple[list[PartnershipRows], list[Upcoming]]:
    """Every partnership's kinds (grouped by the database, 2 per kind) and the instance's kinds."""
    periods = Periods.read()
    partnerships = list(Partnership.objects.order_by("name"))
    counts: dict[tuple[str, int], dict[Any, int]] = {}
    for kind in K.PARTNERSHIP_KINDS:
        by = PARTNERSHIP_OF[kind.code]
        for days in WINDOWS:
            (rows,) = candidates(kind, at + timedelta(days=days), periods)
            grouped = rows.order_by().values(by).annotate(n=Count("pk")).values_list(by, "n")
            counts[(kind.code, days)] = dict(grouped)
    per_partnership = [
        PartnershipRows(
            partnership,
            [
                Upcoming(
                    kind,
                    periods.days(kind, partnership.pk),
                    partnership.pk in periods.chosen[kind.code],
                    kind.limits,
                    tuple(counts[(kind.code, days)].get(partnership.pk, 0) for days in WINDOWS),
                )
                for kind in K.PARTNERSHIP_KINDS
            ],
        )
        for partnership in partnerships
    ]
    instance = [
        Upcoming(
            kind,
            K.instance_days(kind),
            False,
            kind.limits,
            tuple(
                sum(rows.count() for rows in candidates(kind, at + timedelta(days=days), periods)) for days in WINDOWS
            ),
        )
        for kind in K.INSTANCE_KINDS
    ]
    return per_partnership, instance
