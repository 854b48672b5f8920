"""The weekly lägesbild, EST meetings and actions, the area analysis and the downloads (under the EST root)."""

from django.urls import URLPattern, URLResolver, path

from lofte.est import weekly_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("vecka/", views.week_current, name="week_current"),
    path("vecka/<int:year>/<int:week>/", views.week, name="week"),
    path("vecka/<int:year>/<int:week>/bedomning/", views.week_note, name="week_note"),
    path("vecka/<int:year>/<int:week>.pdf", views.week_pdf, name="week_pdf"),
    path("vecka/<int:year>/<int:week>.<str:fmt>", views.week_table, name="week_table"),
    path("moten/", views.meetings, name="meetings"),
    path("moten/ny/", views.meeting_create, name="meeting_create"),
    path("moten/<int:pk>/", views.meeting, name="meeting"),
    path("moten/<int:pk>/andra/", views.meeting_update, name="meeting_update"),
    path("moten/<int:pk>/atgarder/ny/", views.action_create, name="action_create"),
    path("atgarder/<int:pk>/", views.action_update, name="action_update"),
    path("analys/", views.analysis, name="analysis"),
    path("rapporter.<str:fmt>", views.incidents_export, name="incidents_export"),
]
