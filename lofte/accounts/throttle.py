from __future__ import annotations

from typing import Any


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """Count failures per address without case, so changing case does not reset the count."""
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = request.POST.get("username", "") if request is not None and hasattr(request, "POST") else ""
    return str(raw).strip().lower()
