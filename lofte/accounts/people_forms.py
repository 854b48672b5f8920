"""The forms of the people pages (lofte.accounts.people_views) and of the invitation's link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from lofte.accounts.models import User
from lofte.lib.forms import SingleLine
from lofte.partnerships.models import Membership, Organisation

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
REASON_HELP = _(
    "Krävs för rollen Polis, som ger tillgång till polisens begränsade uppgifter: varför, och vem beslutade."
)


def _roles(may_give_samordnare: bool) -> list[tuple[str, Any]]:
    return [(code, label) for code, label in Membership.Role.choices if may_give_samordnare or code != "samordnare"]


class InviteForm(SingleLine, forms.Form):
    full_name = forms.CharField(label=_("Namn"), max_length=200)
    email = forms.EmailField(label=_("E-postadress"), max_length=254)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("Roll"))
    title = forms.CharField(label=_("Befattning"), max_length=200, required=False)
    reason = forms.CharField(label=_("Skäl"), max_length=500, required=False, help_text=REASON_HELP)

    def __init__(self, *args: Any, organisations: Any, may_give_samordnare: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["role"].choices = _roles(may_give_samordnare)  # type: ignore[attr-defined]


class RoleForm(SingleLine, forms.Form):
    role = forms.ChoiceField(label=_("Roll"), choices=Membership.Role.choices)
    title = forms.CharField(label=_("Befattning"), max_length=200, required=False)
    reason = forms.CharField(label=_("Skäl"), max_length=500, required=False, help_text=REASON_HELP)


class BulkUploadForm(SingleLine, forms.Form):
    file = forms.FileField(
        label=_("Personerna som XLSX eller CSV"),
        help_text=_("Kolumnerna namn, e-post, organisation och roll, och om du vill befattning och skäl."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är för stor: högst 2 MB."))
        return upload


class JoinForm(SingleLine, forms.Form):
    """A new person's name and password, checked by Django's password validators (settings)."""

    full_name = forms.CharField(label=_("Namn"), max_length=200)
    password1 = forms.CharField(
        label=_("Välj lösenord"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Lösenordet igen"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Lösenorden är inte lika."))
        elif first:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
