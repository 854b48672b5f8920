"""What the mailings page reads: the partnership's mailings, newest first, each counted by state, and its
subscriptions' confirmations counted together.

A mailing is one message sent to many: a published warning or a published follow-up round, known by its `Delivery`
rows. The rows are grouped per message in one query, with the same counting expressions as the warning's page
(`citizens.progress.state_counts`); a page of them costs the same few queries however many mailings there are. The
round's title is read through the delivery's foreign key, so nothing here imports `promises`' code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, Q, QuerySet

from lofte.citizens.models import Delivery, Warning
from lofte.citizens.progress import DispatchState, state_counts
from lofte.citizens.recipients import kommun_tree
from lofte.partnerships.models import Partnership

PER_PAGE = 25
# What a grouped row names of its message: the warning, or the round and its löfte.
ABOUT = ("kind", "warning_id", "warning__title", "warning__status", "follow_up_id", "follow_up__label")
ABOUT_ROUND = "follow_up__lofte__title"


@dataclass(frozen=True)
class Mailing:
    """One message to many, with how far it has come."""

    kind: str
    warning_id: int | None
    follow_up_id: int | None
    title: str
    lofte_title: str
    withdrawn: bool
    state: DispatchState
    started_at: datetime
    last_sent_at: datetime | None

    @property
    def is_warning(self) -> bool:
        return self.warning_id is not None


def _of_mailings(partnership: Partnership) -> Q:
    """The deliveries of the partnership's warnings and follow-up rounds (not the confirmations)."""
    return Q(warning__partnership=partnership) | Q(follow_up__lofte__agreement__partnership=partnership)


def _of_confirmations(partnership: Partnership) -> Q:
    """The confirmations to subscribers anywhere in the partnership's kommun."""
    return Q(kind=Delivery.Kind.CONFIRM, subscription__area__in=kommun_tree(partnership.area))


def partnership_mailings(partnership: Partnership) -> QuerySet[Delivery, dict[str, Any]]:
    """One row per message: what it is, its counts by state, when it began and when its last message went; the
    newest first. One grouped query (a page of it: two, with the count)."""
    grouped = Delivery.objects.filter(_of_mailings(partnership)).values(*ABOUT, ABOUT_ROUND)
    grouped = grouped.annotate(**state_counts(), started_at=Min("created_at"), last_sent_at=Max("sent_at"))
    return grouped.order_by("-started_at", "-warning_id", "-follow_up_id")


def mailings_page(partnership: Partnership, number: str | None) -> Page[Mailing]:
    """The page `number` (the last for one too far, the first for nonsense) of the partnership's mailings."""
    rows = Paginator(partnership_mailings(partnership), PER_PAGE).get_page(number)
    return Page([_mailing(row) for row in rows], rows.number, rows.paginator)  # type: ignore[arg-type]


def _mailing(row: dict[str, Any]) -> Mailing:
    is_warning = row["warning_id"] is not None
    return Mailing(
        kind=row["kind"],
        warning_id=row["warning_id"],
        follow_up_id=row["follow_up_id"],
        title=row["warning__title"] if is_warning else row["follow_up__label"],
        lofte_title=row[ABOUT_ROUND] or "",
        withdrawn=row["warning__status"] == Warning.Status.ATERKALLAD,
        state=DispatchState.of(row),
        started_at=row["started_at"],
        last_sent_at=row["last_sent_at"],
    )


def anything_under_way(partnership: Partnership) -> bool:
    """Whether a message of the partnership's, on any page, is waiting or being sent (one query)."""
    unsent = Delivery.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
    return unsent.filter(_of_mailings(partnership) | _of_confirmations(partnership)).exists()


@dataclass(frozen=True)
class Confirmations:
    """The confirmation e-mails to the kommun's new subscribers, counted together."""

    state: DispatchState
    started_at: datetime | None
    last_sent_at: datetime | None


def confirmations(partnership: Partnership) -> Confirmations:
    """The confirmations of subscriptions in the partnership's kommun, counted as one mailing (one query)."""
    row = Delivery.objects.filter(_of_confirmations(partnership)).aggregate(
        **state_counts(), started_at=Min("created_at"), last_sent_at=Max("sent_at")
    )
    return Confirmations(DispatchState.of(row), row["started_at"], row["last_sent_at"])
