"""The one exception every action raises when it will not make a change (Zulip's `JsonableError`).

Each feature names its own refusal (`WarningRefused`, `PromiseRefused` …) as a subclass without an `__init__`
of its own, so every caller catches and reads them the same way: views put the messages beside the form's
fields (`lib.views.refuse_on`), the API answers 409 in its one error shape (`lofte/api.py`), and commands print
the message and exit non-zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

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
