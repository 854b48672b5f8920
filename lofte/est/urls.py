"""EST pages under /samverkan/<slug>/est/ (namespace `partnerships:est`).

Each part keeps its own routes: reporting and the reporter's own reports (`report_urls`), review, routing and
settings (`review_urls`), the weekly lägesbild, meetings, area analysis and exports (`weekly_urls`).
"""

from django.urls import include, path

from lofte.est import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("lofte.est.report_urls")),
    path("", include("lofte.est.review_urls")),
    path("", include("lofte.est.weekly_urls")),
]
