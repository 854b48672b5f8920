"""The mailings page under /samverkan/<slug>/invanare/utskick/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.mailings import views

app_name = "mailings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("utskick/", views.mailing_list, name="mailings"),
]
