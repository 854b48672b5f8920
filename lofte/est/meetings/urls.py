"""EST meetings and the actions they decide under /samverkan/<slug>/est/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.est.meetings import views

app_name = "est_meetings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("moten/", views.meetings, name="meetings"),
    path("moten/ny/", views.meeting_create, name="meeting_create"),
    path("moten/<int:pk>/", views.meeting, name="meeting"),
    path("moten/<int:pk>/andra/", views.meeting_update, name="meeting_update"),
    path("moten/<int:pk>/atgarder/ny/", views.measure_create, name="action_create"),
    path("atgarder/<int:pk>/", views.measure_update, name="action_update"),
]
