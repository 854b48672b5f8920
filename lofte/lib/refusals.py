"""The one exception every action raises when it will not make a change (Zulip's `JsonableError`).

Each feature names its own refusal (`WarningRefused`, `PromiseRefused` …) as a subclass without an `__init__`
of its own, so every caller catches and reads them the same way: views put the messages beside the form's
fields (`lib.views.refuse_on`), the API answers 409 in its one error shape (`lofte/api.py`), and commands print
the message and exit non-zero.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.utils.translation import gettext as _

NON_FIELD = ""


class ActionRefused(Exception):
    """The role, the object's state or the content does not allow the change; the message says why.

    `field` names the one field concerned; `errors` maps several fields (or `NON_FIELD`) to their messages;
    `index` says which item of a batch was refused (from 0), where an action takes several at once."""

    code: ClassVar[str] = "refused"

    def __init__(
        self,
        message: object,
        *,
        field: str = "",
        errors: Mapping[str, Sequence[object]] | None = None,
        index: int = 0,
    ) -> None:
        self.message = str(message)
        super().__init__(self.message)
        self.field = field
        self.index = index
        if errors is None:
            errors = {field: [self.message]} if field else {}
        self.errors: dict[str, list[str]] = {name: [str(text) for text in texts] for name, texts in errors.items()}

    @property
    def messages(self) -> list[str]:
        """Every message the refusal carries, the general one alone when no field has its own."""
        found = [text for texts in self.errors.values() for text in texts]
        return found or [self.message]


# Line breaks and other control characters have no place in a one-line text: a title becomes an e-mail's Subject
# header, where a line break makes the mail library refuse the message (or, in a library that did not, would
# inject headers), and a feed's or a file's one line. Unicode's line and paragraph separators count as breaks.
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_CONTROL = re.compile(f"[{re.escape(LINE_BREAKS)}]")


def control_character(text: str) -> str | None:
    """The first line break or other control character in `text` (Unicode category Cc, or a line or paragraph
    separator), or None."""
    if match := _CONTROL.search(text):
        return match.group()
    return next((char for char in text if unicodedata.category(char) == "Cc"), None)


def single_line_message(char: str) -> str:
    if _CONTROL.fullmatch(char):
        return _("Skriv texten på en rad, utan radbrytning.")
    return _("Texten innehåller ett osynligt styrtecken (U+%(code)04X). Skriv den utan det.") % {"code": ord(char)}


def refuse_control_characters(values: Mapping[str, Any], fields: Sequence[str], refused: type[ActionRefused]) -> None:
    """The actions' side of the one-line check: refuse the first of `fields` holding a line break or another
    control character, naming the field. The forms check the same (`lib.forms.SingleLine`)."""
    for name in fields:
        value = values.get(name)
        if isinstance(value, str) and (char := control_character(value)) is not None:
            raise refused(single_line_message(char), field=name)
