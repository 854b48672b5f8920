"""The upload of an action plan; the file itself is read and checked by lofte.promises.bulk.plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Åtgärdsplanen som XLSX eller CSV"),
        help_text=_("Samma kolumner som i den nedladdade filen. Status, framsteg och kommentar läses in."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är för stor: högst 5 MB."))
        return upload
