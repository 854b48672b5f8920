"""Protection of the public forms (tips, subscriptions) without third-party services.

Three checks, each cheap and none asking anything of a person:

- a honeypot: a text field hidden from people and assistive technology (the `hidden` attribute), which only a
  robot filling in every field fills in;
- a fill time: the form carries a timestamp signed with `django.core.signing` when it is shown; a post sooner
  than `min_seconds` after it is too fast for a person, one later than `max_seconds` is stale, and one without a
  valid signature did not come from our form;
- a rate limit per client address, counted in fixed windows (`limit` posts per `window` seconds) in the
  database by `audit.limits`, which holds under parallel posts: a post takes its slot before it acts (`take`)
  and gives it back if it is refused (`give_back`). The address is `lib.clients.client_address`, and only a
  keyed hash of it is kept, for at most a day.

A robot (honeypot filled, signature missing or forged) gets a neutral answer and nothing is stored; a person who
was too fast, too slow or too busy gets a clear message. Use one `Guard` per form; its `scope` keeps their
stamps and counts apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.audit import limits

HONEYPOT_FIELD = "hemsida"
STAMP_FIELD = "startad"
SALT = "lofte.citizens.antispam"


class Verdict(enum.Enum):
    OK = "ok"
    ROBOT = "robot"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    TOO_MANY = "too_many"


MESSAGES = {
    Verdict.TOO_FAST: _("Formuläret skickades väldigt snabbt. Kontrollera det du skrivit och skicka igen."),
    Verdict.EXPIRED: _("Formuläret har varit öppet för länge. Kontrollera det du skrivit och skicka igen."),
    Verdict.TOO_MANY: _("Många meddelanden har skickats från din uppkoppling den senaste timmen. Försök igen senare."),
}


@dataclass(frozen=True)
class Guard:
    scope: str
    limit: int = 5
    window: int = 60 * 60
    min_seconds: int = 3
    max_seconds: int = 4 * 60 * 60

    def stamp(self, issued: float | None = None) -> str:
        """The signed timestamp a form carries from the moment it is shown."""
        issued = timezone.now().timestamp() if issued is None else issued
        return signing.dumps({"s": self.scope, "t": int(issued)}, salt=SALT)

    def check(self, data: Any) -> Verdict:
        """The honeypot and the fill time of posted form data (not the rate limit: see `take`)."""
        if str(data.get(HONEYPOT_FIELD, "")).strip():
            return Verdict.ROBOT
        try:
            signed = signing.loads(str(data.get(STAMP_FIELD, "")), salt=SALT)
        except signing.BadSignature:
            return Verdict.ROBOT
        if not isinstance(signed, dict) or signed.get("s") != self.scope or not isinstance(signed.get("t"), int):
            return Verdict.ROBOT
        elapsed = timezone.now().timestamp() - signed["t"]
        if elapsed < self.min_seconds:
            return Verdict.TOO_FAST
        if elapsed > self.max_seconds:
            return Verdict.EXPIRED
        return Verdict.OK

    def restamp(self, data: QueryDict) -> QueryDict:
        """Posted data with a fresh stamp (after a stale one), keeping what the person wrote."""
        fresh = data.copy()
        fresh[STAMP_FIELD] = self.stamp()
        return fresh

    def take(self, request: HttpRequest) -> limits.Slot | None:
        """Count one post from the client's address, or None when it has sent `limit` in this window already."""
        return self._limit().take_for_client(request)

    def give_back(self, slot: limits.Slot) -> None:
        """Uncount a post that was refused after it took its slot."""
        limits.give_back(slot)

    def _limit(self) -> limits.Limit:
        return limits.Limit(f"antispam:{self.scope}", self.limit, self.window)


class ProtectedForm(forms.Form):
    """A form with the honeypot and the signed stamp. Render `form.hemsida` inside an element with the `hidden`
    attribute and `aria-hidden="true"`, and `form.startad` anywhere in the form."""

    hemsida = forms.CharField(
        label=_("Lämna det här fältet tomt"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    startad = forms.CharField(required=False, widget=forms.HiddenInput)

    guard: Guard

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[STAMP_FIELD].initial = self.guard.stamp()
