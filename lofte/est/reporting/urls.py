"""Reporting incidents and the reporter's own reports under /samverkan/<slug>/est/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.est.reporting import views

app_name = "est_reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("rapportera/", views.report, name="report"),
    path("mina/", views.mine, name="mine"),
    path("rapporter/<int:pk>/", views.incident_detail, name="incident"),
    path("rapporter/<int:pk>/foto/", views.incident_photo, name="photo"),
    path("rapporter/<int:pk>/foto/liten/", views.incident_photo_thumbnail, name="photo_thumbnail"),
]
