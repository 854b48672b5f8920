"""The operator's search for a person, by e-mail address, and the confirmed erasure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.lib.forms import SingleLine


class SubjectForm(SingleLine, forms.Form):
    email = forms.EmailField(label=_("E-postadress"), max_length=254)


class EraseForm(SubjectForm):
    confirm = forms.BooleanField(
        label=_("Jag har kontrollerat begäran och vill radera uppgifterna nu. Det går inte att ångra."),
        required=True,
    )
