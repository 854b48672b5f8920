"""A partnership's gallring page under /samverkan/<slug>/gallring/ (lofte/urls.py)."""

from django.urls import path

from lofte.operations.retention import views

app_name = "retention"

urlpatterns = [path("", views.partnership_page, name="partnership")]
