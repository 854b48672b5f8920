"""The people of a partnership, mounted at /samverkan/<slug>/personer/ (lofte/urls.py)."""

from django.urls import path

from lofte.accounts import people_views as views

app_name = "people"

urlpatterns = [
    path("", views.index, name="index"),
    path("bjud-in/", views.invite, name="invite"),
    path("bjud-in/fil/", views.bulk_invite, name="bulk"),
    path("bjud-in/fil/bekrafta/", views.bulk_confirm, name="bulk_confirm"),
    path("<int:pk>/roll/", views.change_role, name="change_role"),
    path("<int:pk>/inaktivera/", views.deactivate, name="deactivate"),
    path("<int:pk>/aktivera/", views.reactivate, name="reactivate"),
    path("inbjudningar/<int:pk>/skicka-igen/", views.resend, name="resend"),
    path("inbjudningar/<int:pk>/aterkalla/", views.withdraw, name="withdraw"),
]
