"""Log lines that carry a request id and no personal data, as JSON for a log collector or as text for a person.

`LOG_FORMAT=json` (the container and the systemd units set it) writes one JSON object a line through
python-json-logger; the default stays the plain text `make run` has always printed. Every handler runs two filters:

- `RequestIdFilter` puts the request id (django-guid's context, see `requestid.py`) on the record as `request_id`,
  "-" outside a request;
- `RedactFilter` runs the message and its arguments through `lofte.lib.pii.redact` (e-mail addresses,
  personnummer, samordningsnummer, phone numbers: the one detection Löfte has, no second set of patterns) and cuts
  the query string off every URL, where a token, a key or an address typed into a search would stand. It works on
  the formatted message, so a value given as an argument is caught as well as one put into the text, and the record
  reaches the formatter with no arguments left. What a call adds to the record (`extra=`, the `request` Django puts
  on its "Not Found" lines, which the JSON formatter writes out) is turned into redacted text too. An exception's traceback is formatted by the handler later; its
  text is redacted here too (and the record's exc_info then dropped, so no formatter formats it again), so an
address in an exception's message does not escape through the traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

from lofte.lib.pii import redact

_STANDARD = frozenset(RESERVED_ATTRS)

# The query string of an absolute URL or of a path ("/sok?q=anna@example.se" keeps "/sok").
_QUERY = re.compile(r"((?:https?://|(?<![\w?/])/)[^\s?#\"']*)\?[^\s#\"']*")


def scrub(text: str) -> str:
    """The text without personal data and without the query strings of its URLs."""
    return redact(_QUERY.sub(r"\1", text))


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep what can be read
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub(message), None
        if record.exc_info:
            # Formatters (the JSON one too) fall back on exc_text when exc_info is gone.
            record.exc_text = scrub(record.exc_text or logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _STANDARD or name == "request_id" or isinstance(value, bool | int | float | None):
                continue
            # What a call put on the record (`extra=`, Django's `request`): a formatter writes it as text.
            setattr(record, name, scrub(value if isinstance(value, str) else str(value)))
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django_guid import get_guid

        record.request_id = get_guid() or "-"
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dict of the settings: one console handler, JSON or text, both filters on it."""
    if log_format not in {"json", "text"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {log_format!r}")
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "lofte.operations.observe.logs.RequestIdFilter"},
            "redact": {"()": "lofte.operations.observe.logs.RedactFilter"},
        },
        "formatters": {"lofte": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "lofte",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # WeasyPrint announces every step of every PDF at INFO ("Step 2 - Fetching and parsing CSS"); its
            # warnings and errors (logger "weasyprint") still show.
            "weasyprint.progress": {"level": "WARNING"},
            # django-guid says at INFO for every request whether the header was there.
            "django_guid": {"level": "WARNING"},
        },
    }
