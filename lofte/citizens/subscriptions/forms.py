"""The public form to subscribe, with its honeypot."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.citizens.recipients import AreaChoiceField
from lofte.lib.forms import SingleLine

# The honeypot: hidden from people (and from screen readers), filled in by robots that fill in everything.
HONEYPOT = "webbplats"


class SubscribeForm(SingleLine, forms.Form):
    email = forms.EmailField(
        label=_("Din e-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Skriv din e-postadress."),
            "invalid": _("Skriv en giltig e-postadress, till exempel namn@exempel.se."),
        },
    )
    warnings = forms.BooleanField(label=_("Varningar om aktuella brott, till exempel bedrägerier"), required=False)
    follow_ups = forms.BooleanField(label=_("Rapporter om hur det går med medborgarlöftena"), required=False)
    webbplats = forms.CharField(label=_("Lämna det här fältet tomt"), required=False)

    def __init__(self, *args: Any, kommun: Area, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"warnings": True, "follow_ups": True, "area": kommun.pk})
        super().__init__(*args, **kwargs)
        self.fields["area"] = AreaChoiceField(
            kommun,
            label=_("Område"),
            empty_label=None,
            help_text=_("Hela kommunen ger dig allt som gäller kommunen och alla dess områden."),
            error_messages={"required": _("Välj ett område."), "invalid_choice": _("Välj ett område i listan.")},
        )
        self.fields[HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("warnings") or cleaned.get("follow_ups")):
            self.add_error("warnings", _("Välj minst en sak att prenumerera på: varningar eller uppföljningar."))
        return cleaned
