"""The weekly lägesbild, the area analysis and the downloads under /samverkan/<slug>/est/ (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.est.weekly import views

app_name = "est_weekly"

urlpatterns: list[URLPattern | URLResolver] = [
    path("vecka/", views.week_current, name="week_current"),
    path("vecka/<int:year>/<int:week>/", views.week, name="week"),
    path("vecka/<int:year>/<int:week>/bedomning/", views.week_note, name="week_note"),
    path("vecka/<int:year>/<int:week>.pdf", views.week_pdf, name="week_pdf"),
    path("vecka/<int:year>/<int:week>.<str:fmt>", views.week_table, name="week_table"),
    path("analys/", views.analysis, name="analysis"),
    path("rapporter.<str:fmt>", views.incidents_export, name="incidents_export"),
]
