"""Mail that arrives: an SMTP backend that signs in with OAuth2 (XOAUTH2), and what an SMTP error means.

`OAuth2EmailBackend` is Django's SMTP backend (STARTTLS or TLS, `EMAIL_TIMEOUT`) that authenticates with the
SASL XOAUTH2 mechanism instead of a password, for providers that turned basic SMTP authentication off (Microsoft
365). Its access token comes from the OAuth2 client-credentials flow: one form POST to `EMAIL_OAUTH2_TOKEN_URL`
with the client id and secret and `EMAIL_OAUTH2_SCOPE` (Microsoft 365:
`https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`, scope `https://outlook.office365.com/.default`).
The token is kept in the process until a minute before it expires. Hand-written on `requests` (already a
dependency) rather than msal: the client-credentials grant is one standard POST (RFC 6749 section 4.4) and works
with any provider's token endpoint, while msal would add a Microsoft-only dependency and its own cache for it.

`classify(error)` sorts an exception from sending into permanent (a 5xx answer: the address or the message is
refused and would be again) and transient (a 4xx answer, a timeout, a refused or dropped connection: try later).
Only the kind and the SMTP code are kept, never the server's text, which may hold the address.
"""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.smtp import EmailBackend

PERMANENT = "permanent"
TRANSIENT = "transient"
# "No such user" and its kin: the address does not exist, so one refusal is enough to stop mailing it.
UNKNOWN_ADDRESS_CODES = frozenset({550, 551, 553})
TOKEN_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class SendFailure:
    """What went wrong with one message: the kind, the SMTP code if the server gave one, and whether it concerns
    only this recipient (else the server or the connection is at fault, and the rest of the run can wait)."""

    kind: str
    code: int | None
    error: str  # the exception's class name
    per_recipient: bool

    @property
    def unknown_address(self) -> bool:
        return self.kind == PERMANENT and self.code in UNKNOWN_ADDRESS_CODES and self.per_recipient


def classify(error: BaseException) -> SendFailure:
    name = type(error).__name__[:100]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        code = max(codes) if codes else None
        return SendFailure(_kind(code), code, name, per_recipient=True)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        code = error.smtp_code
        # A refused sender is the server's view of us, not of this recipient: every message would fail alike.
        per_recipient = isinstance(error, smtplib.SMTPDataError)
        return SendFailure(_kind(code), code, name, per_recipient=per_recipient)
    if isinstance(error, smtplib.SMTPResponseException):  # includes authentication failures: the server's side
        return SendFailure(_kind(error.smtp_code), error.smtp_code, name, per_recipient=False)
    # A timeout, a refused or dropped connection, a DNS failure, a token endpoint that did not answer: try later.
    return SendFailure(TRANSIENT, None, name, per_recipient=False)


def _kind(code: int | None) -> str:
    return PERMANENT if code is not None and 500 <= code < 600 else TRANSIENT


class OAuth2EmailBackend(EmailBackend):
    """Django's SMTP backend signing in with XOAUTH2 (RFC 7628 style) as `EMAIL_HOST_USER`, the mailbox it sends
    as, with a token of the client-credentials flow. TLS, STARTTLS and the timeout are Django's settings."""

    def open(self) -> bool | None:
        if self.connection:
            return False
        user = self.username
        self.username, self.password = "", ""  # so Django's open() does not try a password login
        try:
            opened = super().open()
        finally:
            self.username = user
        if not opened or self.connection is None:
            return opened
        try:
            token = access_token()
            auth_string = f"user={user}\x01auth=Bearer {token}\x01\x01"
            self.connection.ehlo_or_helo_if_needed()
            self.connection.auth("XOAUTH2", lambda challenge=None: "" if challenge else auth_string)
        except Exception:
            self.close()
            if not self.fail_silently:
                raise
            return None
        return True


_cache: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def access_token() -> str:
    """The access token for SMTP: cached until shortly before it expires, else fetched from the token endpoint."""
    url = getattr(settings, "EMAIL_OAUTH2_TOKEN_URL", "")
    client_id = getattr(settings, "EMAIL_OAUTH2_CLIENT_ID", "")
    if not url or not client_id:
        raise ImproperlyConfigured("EMAIL_OAUTH2_TOKEN_URL and EMAIL_OAUTH2_CLIENT_ID are needed for OAuth2 mail.")
    secret = getattr(settings, "EMAIL_OAUTH2_CLIENT_SECRET", "")  # or from EMAIL_OAUTH2_CLIENT_SECRET_FILE
    scope = getattr(settings, "EMAIL_OAUTH2_SCOPE", "https://outlook.office365.com/.default")
    key = f"{url}|{client_id}|{scope}"
    with _lock:
        cached = _cache.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        response = requests.post(
            url,
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope},
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30,
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        token = str(answer["access_token"])
        lifetime = float(answer.get("expires_in", 3600))
        _cache[key] = (token, time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN_SECONDS))
        return token


def forget_token() -> None:
    """Drop the cached tokens (tests, and after the secret was changed)."""
    with _lock:
        _cache.clear()
