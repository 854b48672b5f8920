"""The upload of a kommun's subdivisions: a GeoJSON file, the kind of area and the properties naming them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lofte.areas.models import Area
from lofte.lib.forms import SingleLine

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class SubdivisionUploadForm(SingleLine, forms.Form):
    file = forms.FileField(
        label=_("GeoJSON-fil"),
        help_text=_("En FeatureCollection med polygoner i WGS84 (EPSG:4326). Högst 20 MB."),
    )
    kind = forms.ChoiceField(
        label=_("Typ av område"),
        choices=[
            (Area.Kind.DISTRICT, _("Kommundel (egen indelning)")),
            (Area.Kind.REGSO, _("RegSO (SCB)")),
            (Area.Kind.DESO, _("DeSO (SCB)")),
        ],
        initial=Area.Kind.DISTRICT,
    )
    name_property = forms.CharField(
        label=_("Egenskap med namn"),
        initial="name",
        max_length=100,
        help_text=_("Namnet på egenskapen (property) som innehåller områdets namn."),
    )
    code_property = forms.CharField(
        label=_("Egenskap med kod (valfritt)"),
        required=False,
        max_length=100,
        help_text=_("För RegSO och DeSO till exempel regsokod eller deso."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är större än 20 MB."))
        return upload
