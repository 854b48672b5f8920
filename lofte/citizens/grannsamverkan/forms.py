"""The samordnare's forms for a Grannsamverkan group and its contact persons."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.citizens.recipients import AreaChoiceField
from lofte.lib.forms import ScreensPersonalData, SingleLine


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


class ContactForm(SingleLine, forms.Form):
    email = forms.EmailField(
        label=_("Kontaktpersonens e-postadress"),
        max_length=254,
        error_messages={
            "required": _("Skriv kontaktpersonens e-postadress."),
            "invalid": _("Skriv en giltig e-postadress, till exempel namn@exempel.se."),
        },
    )
    name = forms.CharField(label=_("Namn (frivilligt)"), max_length=200, required=False)
