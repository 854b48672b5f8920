"""The area pages under /omraden/ (namespace areas)."""

from django.urls import path

from lofte.partnerships.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/ladda-upp/", views.upload, name="upload"),
    path("<str:code>/ta-bort/", views.remove, name="remove"),
]
