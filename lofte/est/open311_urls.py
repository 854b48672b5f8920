"""Open311 GeoReport v2 under /open311/v2/ (see `open311.py`); JSON only."""

from django.urls import URLPattern, URLResolver, path

from lofte.est import open311

urlpatterns: list[URLPattern | URLResolver] = [
    path("services.json", open311.services, name="open311_services"),
    path("requests.json", open311.requests, name="open311_requests"),
    path("requests/<int:pk>.json", open311.service_request, name="open311_request"),
]
