"""The main navigation. Each part of the product adds its entry here as it is built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    section: str


def _items(request: HttpRequest) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return [
            NavItem(_("Start"), reverse("public:home"), "public"),
            NavItem(_("Områden"), reverse("areas:index"), "areas"),
        ]
    items = [
        NavItem(_("Översikt"), reverse("partnerships:home"), "partnerships"),
        NavItem(_("Områden"), reverse("areas:index"), "areas"),
        NavItem(_("Statistik"), reverse("statistics:runs"), "statistics"),
        NavItem(_("API"), reverse("api-1.0.0:openapi-view"), "api"),
    ]
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index"), "admin"))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    return {
        "nav_items": SimpleLazyObject(lambda: _items(request)),
        "nav_section": namespace.split(":")[0] if namespace else "",
    }
