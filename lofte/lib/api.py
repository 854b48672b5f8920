"""What every part of the JSON API shares: the one error shape, the error responses an endpoint declares, input
text that the database can take, and sign-in by the session that answers 401 before it asks for a CSRF token.

The apps' routers (`<app>/api.py`) import from here; `lofte/api.py` puts them together and turns exceptions into
the error shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import AfterValidator

# The longest code, slug or search text a query may carry (an area code is 4 digits, a metric code 120 characters).
MAX_TEXT = 200


class ErrorDetail(Schema):
    code: str = Field(
        ..., description="bad_request, unauthenticated, forbidden, token_read_only, not_found, refused or invalid"
    )
    message: str = Field(..., description="In Swedish, for people")
    details: Any = Field(None, description="The fields at fault, where there are any")


class ApiError(HttpError):
    """An error with a code of its own rather than the one its status gives (`lofte/api.py` CODES)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


class Error(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error responses an endpoint can give, for its `response=` (and so for the OpenAPI document)."""
    return dict.fromkeys(statuses, Error)


def _storable(value: str) -> str:
    # PostgreSQL refuses a NUL character in a text parameter with an error of its own, which would answer 500.
    if "\x00" in value:
        raise ValueError("får inte innehålla tecknet NUL")
    return value


# Text from a query string or a path: at most MAX_TEXT characters and no NUL, so it can go to the database.
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_storable)]
# A year from a query string: outside these a year cannot start a period the database stores as a date.
Year = Annotated[int, Field(ge=1900, le=2100)]


class SessionAuth(NinjaSessionAuth):
    """Django's session, as on the web pages. django-ninja checks the CSRF token before it looks at the user, so
    a signed-out PATCH got 403 "CSRF check Failed"; here a request without a signed-in user answers 401 at once
    (it can change nothing, so there is nothing to protect), and a signed-in one must still pass the CSRF check."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise HttpError(403, _("CSRF-kontrollen misslyckades. Ladda om sidan och försök igen.")) from None


session_auth = SessionAuth()
