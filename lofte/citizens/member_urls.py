"""Members' pages under /samverkan/<slug>/invanare/ (namespace `partnerships:invanare`): writing warnings and
advice, and the Grannsamverkan groups."""

from django.urls import include, path

urlpatterns = [
    path("", include("lofte.citizens.warning_member_urls")),
    path("grannsamverkan/", include("lofte.citizens.grannsamverkan_urls")),
]
