"""The published advice pages under /kommun/<code>/rad/, no sign-in (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.advice import views

app_name = "public_advice"

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/rad/", views.public_advice_list, name="advice_list"),
    path("kommun/<str:code>/rad/<slug:slug>/", views.public_advice, name="advice"),
]
