"""The operator's pages for a person's data, under /drift/personer/."""

from django.urls import path

from lofte.operations.subjects import views

app_name = "subjects"

urlpatterns = [
    path("", views.index, name="index"),
    path("utdrag/", views.export, name="export"),
    path("radera/", views.erase, name="erase"),
]
