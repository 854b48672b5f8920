"""How far a mailing has come: its `Delivery` rows counted by state, never an address read.

One set of counting expressions (`state_counts`) serves both the warning's page, which aggregates one message's
rows (`deliveries_state`), and the mailings page, which annotates the partnership's rows grouped per message
(`citizens.mailings.queries`), so the two pages can never count differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from lofte.citizens.models import Delivery


@dataclass(frozen=True)
class DispatchState:
    """How far the e-mail has come: sent, waiting (queued, or for a later attempt after a passing error), being
    sent now, failed (refused for good; or passing errors until the sender gave up), and the addresses among its
    recipients that are suspended after bounces."""

    sent: int
    waiting: int
    sending: int
    failed_permanent: int
    failed_transient: int
    suspended: int

    @property
    def failed(self) -> int:
        return self.failed_permanent + self.failed_transient

    @property
    def under_way(self) -> bool:
        return bool(self.waiting or self.sending)

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.sending + self.failed

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> DispatchState:
        """The state from a row annotated with `state_counts()`."""
        return cls(**{name: row[name] for name in STATES})


STATES = ("sent", "waiting", "sending", "failed_permanent", "failed_transient", "suspended")


def state_counts() -> dict[str, Count]:
    """The counts of a `DispatchState` as expressions over `Delivery` rows, for `aggregate` or, after `values`,
    for `annotate` (one row per message)."""
    unsent = Q(sent_at__isnull=True, failed_at__isnull=True)
    failed = Q(sent_at__isnull=True, failed_at__isnull=False)
    transient = Q(failure_kind=Delivery.FailureKind.TRANSIENT)
    return {
        "sent": Count("pk", filter=Q(sent_at__isnull=False)),
        "waiting": Count("pk", filter=unsent & Q(claimed_at__isnull=True)),
        "sending": Count("pk", filter=unsent & Q(claimed_at__isnull=False)),
        "failed_permanent": Count("pk", filter=failed & ~transient),
        "failed_transient": Count("pk", filter=failed & transient),
        "suspended": Count(
            "pk", filter=Q(subscription__suspended_at__isnull=False) | Q(contact__suspended_at__isnull=False)
        ),
    }


def deliveries_state(deliveries: QuerySet[Delivery]) -> DispatchState:
    """These deliveries counted by state in one query."""
    return DispatchState(**deliveries.aggregate(**state_counts()))
