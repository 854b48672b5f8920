"""The advice pages' addresses: `urlpatterns` for the public (in the namespace `citizens`, through `citizens.urls`),
`member_urlpatterns` for the members (in `partnerships:invanare`, through `citizens.member_urls`)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.advice import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/rad/", views.public_advice_list, name="advice_list"),
    path("kommun/<str:code>/rad/<slug:slug>/", views.public_advice, name="advice"),
]

member_urlpatterns: list[URLPattern | URLResolver] = [
    path("rad/", views.advice_manage, name="advice_list"),
    path("rad/ny/", views.advice_create, name="advice_create"),
    path("rad/<int:pk>/", views.advice_detail, name="advice"),
    path("rad/<int:pk>/andra/", views.advice_update, name="advice_update"),
    path("rad/<int:pk>/publicera/", views.advice_publish, name="advice_publish"),
    path("rad/<int:pk>/avpublicera/", views.advice_unpublish, name="advice_unpublish"),
]
