"""Tipsa om en otrygg plats, under /kommun/<code>/ (namespace `citizens`)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens import tips_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/tipsa/", tips_views.tip, name="tip"),
    path("kommun/<str:code>/tipsa/tack/", tips_views.tip_thanks, name="tip_thanks"),
    path("kommun/<str:code>/tips/", tips_views.tips_map, name="tips_map"),
]
