"""The kinds of data gallring deletes or anonymises, and the limits the instance sets for each.

The limits are `settings.LOFTE_RETENTION[code]` as (least, default, most) days. A kind that a partnership owns
(`per_partnership`) may be set by its samordnare within them; the others hold for the whole instance. Finished
background tasks use `LOFTE_TASK_RETENTION_DAYS` (`lofte prune-tasks`), and the rate limits' counters go when
their window has passed (`audit.limits.prune`); neither has limits of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MARKER = "[gallrad]"  # what a gallrad free text reads afterwards
GALLRAD_DOMAIN = "gallrad.invalid"  # a gallrad delivery's address: gallrad-<id>@gallrad.invalid, unique per row


@dataclass(frozen=True)
class Limits:
    least: int
    default: int
    most: int


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    per_partnership: bool = False

    @property
    def limits(self) -> Limits | None:
        found = settings.LOFTE_RETENTION.get(self.code)
        return Limits(*found) if found else None

    @property
    def field(self) -> str:
        """The `RetentionPolicy` field of a partnership's own period."""
        return f"{self.code}_days"


EST_TEXT = Kind("est_text", _("EST-rapporters beskrivning, foto, plats och kommentarer"), per_partnership=True)
TIP_TEXT = Kind("tip_text", _("Tips från allmänheten: text, foto och plats"), per_partnership=True)
TIP_EMAIL = Kind("tip_email", _("E-postadresser för återkoppling på tips och rapporter"), per_partnership=True)
DIALOGUE_TEXT = Kind("dialogue_text", _("Synpunkter från dialoger (texten)"), per_partnership=True)
UNSUBSCRIBED = Kind("unsubscribed", _("Avslutade prenumerationer och grannsamverkanskontakter"))
UNCONFIRMED = Kind("unconfirmed", _("Obekräftade prenumerationer"))
DELIVERY_EMAIL = Kind("delivery_email", _("Adresser i avslutade utskick"))
AUDIT_IP = Kind("audit_ip", _("IP-adresser i loggen"))
SIGNINS = Kind("signins", _("Inloggningsförsök och avslutade sessioner"))
TASKS = Kind("tasks", _("Avslutade bakgrundsjobb"))
RATE_LIMITS = Kind("rate_limits", _("Räknare för gränser (hashade adresser)"))

KINDS = [
    EST_TEXT,
    TIP_TEXT,
    TIP_EMAIL,
    DIALOGUE_TEXT,
    UNSUBSCRIBED,
    UNCONFIRMED,
    DELIVERY_EMAIL,
    AUDIT_IP,
    SIGNINS,
    TASKS,
    RATE_LIMITS,
]
PARTNERSHIP_KINDS = [kind for kind in KINDS if kind.per_partnership]
INSTANCE_KINDS = [kind for kind in KINDS if not kind.per_partnership]


def instance_days(kind: Kind) -> int | None:
    """The instance's period for a kind, in days; None for a kind without one (the rate limits' counters)."""
    if kind is TASKS:
        return int(settings.LOFTE_TASK_RETENTION_DAYS)
    limits = kind.limits
    return limits.default if limits else None
