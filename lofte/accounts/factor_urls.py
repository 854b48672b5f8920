"""A partnership's say over its members' second factors, under /samverkan/<slug>/parter/ (lofte/urls.py)."""

from django.urls import path

from lofte.accounts import views

app_name = "factors"

urlpatterns = [
    path("<int:user_id>/tvastegsverifiering/aterstall/", views.reset_mfa, name="reset"),
]
