"""The form pieces every feature shares: the personal-data screen for free text, the one-line check for every
single-line text field, a list typed one name a line, and the browser's own date picker. Features import these
from here; nothing here imports a feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lofte.lib.pii import describe, find_personal_data
from lofte.lib.refusals import control_character, single_line_message


def date_input() -> forms.DateInput:
    """The browser's date picker, which sends and shows ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


DATE = date_input()


NO_NAMES = _("Skriv inte namn på enskilda personer.")


def screen(text: str) -> str:
    """The form's side of the personal-data screen (lofte.lib.pii): a validation error naming what was found."""
    if findings := find_personal_data(text):
        raise forms.ValidationError(describe(findings), code="personal_data")
    return text


def validate_single_line(value: Any) -> None:
    """Refuse a line break or another control character (lofte.lib.refusals.control_character)."""
    if isinstance(value, str) and (char := control_character(value)) is not None:
        raise forms.ValidationError(single_line_message(char), code="single_line")


def is_single_line(field: forms.Field) -> bool:
    """A text field shown as one line: a CharField that is not a text box, a password or hidden, nor an address or
    a slug, whose own validators already refuse every control character."""
    return (
        isinstance(field, forms.CharField)
        and not isinstance(field, forms.EmailField | forms.URLField | forms.SlugField)
        and not isinstance(field.widget, forms.Textarea | forms.PasswordInput | forms.HiddenInput)
    )


class SingleLine:
    """Every single-line text field of the form refuses line breaks and other control characters. Every form of
    Löfte has it (`ScreensPersonalData` brings it; tests/test_single_line.py finds a form without it), and so has
    the admin's (lofte.audit.admin)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if is_single_line(field) and validate_single_line not in field.validators:
                field.validators.append(validate_single_line)


def _screener(name: str) -> Callable[[forms.BaseForm], Any]:
    def clean(self: forms.BaseForm) -> Any:
        value = self.cleaned_data.get(name)
        return screen(value) if isinstance(value, str) else value

    clean.__name__ = f"clean_{name}"
    return clean


class ScreensPersonalData(SingleLine):
    """Gives each field in `screened_fields` a clean_<field> that refuses personnummer, phone numbers and e-mail
    addresses (lofte.lib.pii), and reminds the writer that names, which no pattern finds, do not belong either.
    Being `SingleLine`, its one-line fields refuse line breaks too."""

    screened_fields: ClassVar[tuple[str, ...]] = ()
    fields: dict[str, forms.Field]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.screened_fields:
            setattr(cls, f"clean_{name}", _screener(name))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.screened_fields:
            field = self.fields[name]
            field.help_text = format_lazy("{} {}", field.help_text, NO_NAMES) if field.help_text else NO_NAMES


class LinesField(forms.CharField):
    """A list of names, one a line in a text box; screened for personal data like the other free text."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("En per rad."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        screen("\n".join(value))

    def run_validators(self, value: Any) -> None:
        for line in value:
            super().run_validators(line)
