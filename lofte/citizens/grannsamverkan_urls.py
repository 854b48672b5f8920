"""The Grannsamverkan groups under /samverkan/<slug>/invanare/grannsamverkan/ (namespace `partnerships:invanare`),
for the samordnare only."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens import grannsamverkan_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.group_list, name="grannsamverkan"),
    path("<int:pk>/", views.group_detail, name="grannsamverkan_group"),
    path(
        "<int:pk>/kontakter/<int:contact_pk>/ta-bort/",
        views.remove_contact,
        name="grannsamverkan_remove_contact",
    ),
]
