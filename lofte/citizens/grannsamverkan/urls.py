"""The Grannsamverkan groups under /samverkan/<slug>/invanare/grannsamverkan/, for the samordnare only
(lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.grannsamverkan import views

app_name = "grannsamverkan"

urlpatterns: list[URLPattern | URLResolver] = [
    path("grannsamverkan/", views.group_list, name="grannsamverkan"),
    path("grannsamverkan/<int:pk>/", views.group_detail, name="grannsamverkan_group"),
    path(
        "grannsamverkan/<int:pk>/kontakter/<int:contact_pk>/ta-bort/",
        views.remove_contact,
        name="grannsamverkan_remove_contact",
    ),
]
