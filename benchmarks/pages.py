"""The main pages and API endpoints, timed through Django's test client in one process (no server), on the demo."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.test import Client

from benchmarks.harness import time_calls
from lofte.accounts.models import User


def _get(client: Client, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return call


def run(repeat: int) -> list[tuple[str, float, float]]:
    """Load the demo, then each request's median and p95 milliseconds over `repeat` calls."""
    with open(os.devnull, "w") as quiet:
        call_command("demo", stdout=quiet)
    signed_in = Client()
    signed_in.force_login(User.objects.get(email="samordnare@mjolby.example"))
    anonymous = Client()
    cases = [
        ("GET /healthz", _get(anonymous, "/healthz")),
        ("GET /api/v1/areas/0586", _get(anonymous, "/api/v1/areas/0586")),
        ("GET /api/v1/areas?kind=kommun (290)", _get(anonymous, "/api/v1/areas?kind=kommun")),
        ("GET /api/v1/areas/05/geojson (13 kommuner)", _get(anonymous, "/api/v1/areas/05/geojson")),
        ("GET /omraden/ (all kommuner)", _get(anonymous, "/omraden/")),
        ("GET /samverkan/mjolby/ (dashboard)", _get(signed_in, "/samverkan/mjolby/")),
        ("GET /api/v1/partnerships/mjolby/members", _get(signed_in, "/api/v1/partnerships/mjolby/members")),
    ]
    return [(name, *time_calls(call, repeat)) for name, call in cases]
