"""The samordnare's form: one period in days per kind a partnership owns, empty for the instance's default."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from lofte.operations.retention.kinds import PARTNERSHIP_KINDS


class RetentionForm(forms.Form):
    def __init__(self, *args: Any, initial_days: dict[str, int | None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in PARTNERSHIP_KINDS:
            limits = kind.limits
            assert limits is not None
            self.fields[kind.field] = forms.IntegerField(
                label=str(kind.label),
                required=False,
                initial=(initial_days or {}).get(kind.code),
                help_text=_("%(least)s–%(most)s dagar; tomt: installationens %(default)s dagar.")
                % {"least": limits.least, "most": limits.most, "default": limits.default},
                widget=forms.NumberInput(attrs={"min": limits.least, "max": limits.most}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in PARTNERSHIP_KINDS:
            days, limits = data.get(kind.field), kind.limits
            if days is not None and limits is not None and not limits.least <= days <= limits.most:
                message = _("Ange mellan %(least)s och %(most)s dagar (gränserna för den här installationen).")
                self.add_error(kind.field, message % {"least": limits.least, "most": limits.most})
        return data

    def periods(self) -> dict[str, int | None]:
        return {kind.code: self.cleaned_data.get(kind.field) for kind in PARTNERSHIP_KINDS}
