"""The partnerships' own pages: the list, each partnership's dashboard and its parties. The features' pages under
/samverkan/<slug>/ are listed in lofte/urls.py, the one table of the site's addresses."""

from django.urls import path

from lofte.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/parter/", views.members, name="members"),
]
