from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.statistics import formats

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("Brå (CSV), SCB (PX eller JSON-stat), Kolada (JSON) eller Polisens händelser (JSON). Högst 50 MB."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Känn igen automatiskt")), *[(f.name, f.name) for f in formats.FORMATS]],
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är större än 50 MB."))
        return upload


class ConfirmImportForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    format = forms.CharField(max_length=40, widget=forms.HiddenInput)
