"""Writing advice pages under /samverkan/<slug>/invanare/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.advice import views

app_name = "advice"

urlpatterns: list[URLPattern | URLResolver] = [
    path("rad/", views.advice_manage, name="advice_list"),
    path("rad/ny/", views.advice_create, name="advice_create"),
    path("rad/<int:pk>/", views.advice_detail, name="advice"),
    path("rad/<int:pk>/andra/", views.advice_update, name="advice_update"),
    path("rad/<int:pk>/publicera/", views.advice_publish, name="advice_publish"),
    path("rad/<int:pk>/avpublicera/", views.advice_unpublish, name="advice_unpublish"),
]
