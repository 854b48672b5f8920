"""A full or read-only disk answers a clear page, not a traceback.

When `var/` (the SQLite database, uploads, photos) or PostgreSQL's disk is full or read-only, every write fails.
The visitor then gets a 503 in Löfte's layout saying in Swedish what happened and that the förvaltare must free
space, and the log says it once per request; anything else goes on to Django's 500 as before.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# SQLite's messages, and PostgreSQL's (disk_full 53100, read_only_sql_transaction 25006, io_error 58030).
SQLITE_MESSAGES = ("disk i/o error", "database or disk is full", "attempt to write a readonly database")
POSTGRES_STATES = {"53100", "25006", "58030"}
POSTGRES_MESSAGES = ("no space left on device", "read-only transaction", "could not extend file")
FILE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


def is_storage_failure(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in FILE_ERRNOS:
        return True
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in POSTGRES_STATES:
        return True
    message = str(exc).lower()
    return any(text in message for text in SQLITE_MESSAGES + POSTGRES_MESSAGES)


class StorageFailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_storage_failure(exception):
            return None
        logger.error("A write failed because the disk is full or read-only: %s", exception)
        response = HttpResponse(render_to_string("errors/storage.html"), status=503)
        response["Retry-After"] = "300"
        return response
