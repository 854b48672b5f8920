"""Tipsa om en otrygg plats and the public map under /kommun/<code>/, no sign-in (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.tips import views

app_name = "tips"

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/tipsa/", views.tip, name="tip"),
    path("kommun/<str:code>/tipsa/tack/", views.tip_thanks, name="tip_thanks"),
    path("kommun/<str:code>/tips/", views.tips_map, name="tips_map"),
]
