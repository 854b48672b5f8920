"""Open311 GeoReport v2 under /open311/v2/ (see `views.py`); JSON only."""

from django.urls import URLPattern, URLResolver, path

from lofte.est.open311 import views

app_name = "open311"

urlpatterns: list[URLPattern | URLResolver] = [
    path("services.json", views.services, name="open311_services"),
    path("requests.json", views.requests, name="open311_requests"),
    path("requests/<int:pk>.json", views.service_request, name="open311_request"),
]
