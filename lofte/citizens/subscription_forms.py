"""Forms for subscribing (public) and for the Grannsamverkan groups (samordnare)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.citizens.subscriptions import subscribable_areas
from lofte.lib.forms import ScreensPersonalData

# The honeypot: hidden from people (and from screen readers), filled in by robots that fill in everything.
HONEYPOT = "webbplats"

if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Area]
else:
    _ModelChoiceField = forms.ModelChoiceField


class AreaChoiceField(_ModelChoiceField):
    def __init__(self, kommun: Area, **kwargs: Any) -> None:
        self.kommun = kommun
        super().__init__(queryset=subscribable_areas(kommun), **kwargs)

    def label_from_instance(self, obj: Area) -> str:
        if obj.pk == self.kommun.pk:
            return str(_("Hela %(kommun)s") % {"kommun": obj.name})
        return f"{obj.name} ({obj.get_kind_display()})"


class SubscribeForm(forms.Form):
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


class GroupForm(ScreensPersonalData, forms.Form):
    screened_fields = ("name",)
    name = forms.CharField(
        label=_("Gruppens namn"),
        max_length=200,
        help_text=_("Till exempel Grannsamverkan Väderbrunn."),
        error_messages={"required": _("Skriv gruppens namn.")},
    )

    def __init__(self, *args: Any, kommun: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = AreaChoiceField(
            kommun,
            label=_("Område"),
            empty_label=None,
            help_text=_("Gruppen får varningarna som gäller området."),
            error_messages={"required": _("Välj ett område."), "invalid_choice": _("Välj ett område i listan.")},
        )


class ContactForm(forms.Form):
    email = forms.EmailField(
        label=_("Kontaktpersonens e-postadress"),
        max_length=254,
        error_messages={
            "required": _("Skriv kontaktpersonens e-postadress."),
            "invalid": _("Skriv en giltig e-postadress, till exempel namn@exempel.se."),
        },
    )
    name = forms.CharField(label=_("Namn (frivilligt)"), max_length=200, required=False)
