"""EST pages under /samverkan/<slug>/est/ (namespace `partnerships:est`).

Each sub-package keeps its own routes: reporting and the reporter's own reports (`reporting`), review, routing
and settings (`review`), the weekly lägesbild, area analysis and exports (`weekly`), and the meetings and their
actions (`meetings`).
"""

from django.urls import include, path

from lofte.est import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("lofte.est.reporting.urls")),
    path("", include("lofte.est.review.urls")),
    path("", include("lofte.est.weekly.urls")),
    path("", include("lofte.est.meetings.urls")),
]
