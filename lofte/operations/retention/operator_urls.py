"""The operator's gallring overview under /drift/gallring/ (lofte/urls.py)."""

from django.urls import path

from lofte.operations.retention import views

app_name = "retention_drift"

urlpatterns = [path("", views.overview, name="overview")]
