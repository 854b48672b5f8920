"""Writing warnings under /samverkan/<slug>/invanare/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.warnings import views

app_name = "warnings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("varningar/", views.warning_list, name="warnings"),
    path("varningar/ny/", views.warning_create, name="warning_create"),
    path("varningar/<int:pk>/", views.warning_detail, name="warning"),
    path("varningar/<int:pk>/andra/", views.warning_update, name="warning_update"),
    path("varningar/<int:pk>/publicera/", views.warning_publish, name="warning_publish"),
    path("varningar/<int:pk>/aterkalla/", views.warning_withdraw, name="warning_withdraw"),
    path("varningar/<int:pk>/skicka-igen/", views.warning_retry_dispatch, name="warning_retry_dispatch"),
]
