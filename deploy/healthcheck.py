"""The container's HEALTHCHECK: GET /healthz on this container, as the reverse proxy would send it.

In production Django answers only the names in ALLOWED_HOSTS and redirects plain HTTP to HTTPS; the proxy says
the request came over HTTPS (X-Forwarded-Proto, trusted with LOFTE_BEHIND_PROXY). So this asks with the first allowed
name and that header. Exit 0 when /healthz answers 200 ("ok" or "degraded"), 1 otherwise.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (a fixed local http URL)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
