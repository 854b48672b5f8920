"""Error reports through the Sentry SDK, to Sentry or a self-hosted GlitchTip; off unless SENTRY_DSN is set.

Nothing personal leaves the server: `send_default_pii=False` (no user, no IP address, no cookies), request bodies
are never attached (`max_request_body_size="never"`), and `before_send` runs the log redaction of `logs.scrub`
(personal data by lofte.lib.pii, query strings cut) over the message, the exception values, the breadcrumbs and the
request's URL and headers, and drops cookies, the query string, the body and local variables of the frames.
"""

from __future__ import annotations

from typing import Any

from lofte.operations.observe.logs import scrub

_DROPPED_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-api-key", "x-csrftoken"}


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(item) for item in value]
    return value


def before_send(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """The event with personal data redacted and nothing of the request but method, URL path and safe headers."""
    if "message" in event:
        event["message"] = _scrub_value(event["message"])
    if isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        entry["message"] = _scrub_value(entry.get("formatted") or entry.get("message", ""))
        entry.pop("params", None)
        entry.pop("formatted", None)
    for exception in (event.get("exception") or {}).get("values", []) or []:
        exception["value"] = _scrub_value(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []) or []:
            frame.pop("vars", None)
    breadcrumbs = event.get("breadcrumbs")
    crumbs = breadcrumbs.get("values", []) if isinstance(breadcrumbs, dict) else breadcrumbs or []
    for crumb in crumbs:
        for key in ("message", "data"):
            if key in crumb:
                crumb[key] = _scrub_value(crumb[key])
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    event.pop("user", None)
    return event


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    headers = {
        name: scrub(str(value))
        for name, value in (request.get("headers") or {}).items()
        if name.lower() not in _DROPPED_HEADERS
    }
    kept = {"method": request.get("method"), "url": scrub(str(request.get("url", ""))), "headers": headers}
    return {key: value for key, value in kept.items() if value}


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start the SDK when a DSN is given; False (and nothing started) without one."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,  # type: ignore[arg-type]
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
    )
    return True
