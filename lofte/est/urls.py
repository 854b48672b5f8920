"""EST's start page under /samverkan/<slug>/est/ (lofte/urls.py); each sub-package has its own routes and
namespace: `est_reporting`, `est_review`, `est_weekly`, `est_meetings`."""

from django.urls import path

from lofte.est import views

app_name = "est"

urlpatterns = [
    path("", views.index, name="index"),
]
