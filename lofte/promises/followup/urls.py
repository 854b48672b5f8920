"""The follow-up of a medborgarlöfte: its rounds, each round's page and reports, and the action plan as a
spreadsheet (lofte.promises.bulk.urls, in the same namespace). Included with the partnership's slug captured, as
namespace `uppfoljning`:

    path("<slug:slug>/uppfoljning/", include(("lofte.promises.followup.urls", "uppfoljning")))  # partnerships/urls.py
    path("uppfoljning/", include(("lofte.promises.followup.urls", "uppfoljning")))  # or in promises/urls.py

Views, templates, reminders and tests reverse through lofte.promises.followup.URL_NAMESPACE, so moving the include
means changing that constant only.
"""

from django.urls import include, path

from lofte.promises.followup import views

urlpatterns = [
    path("<int:lofte>/", views.round_list, name="index"),
    path("<int:lofte>/planera/", views.round_plan, name="plan"),
    path("", include("lofte.promises.bulk.urls")),
    path("omgang/<int:pk>/", views.round_detail, name="detail"),
    path("omgang/<int:pk>/berakna/", views.round_evaluate, name="evaluate"),
    path("omgang/<int:pk>/mal/<int:goal>/kommentar/", views.goal_comment, name="comment_goal"),
    path("omgang/<int:pk>/mal/<int:goal>/bedomning/", views.goal_override, name="override_goal"),
    path("omgang/<int:pk>/loften/<int:promise>/", views.promise_report, name="report_promise"),
    path("omgang/<int:pk>/sammanfattning/", views.round_summary, name="summary"),
    path("omgang/<int:pk>/avsluta/", views.round_close, name="close"),
    path("omgang/<int:pk>/publicera/", views.round_publish, name="publish"),
    path("omgang/<int:pk>/rapport.<str:fmt>", views.round_report, name="report"),
    path("omgang/<int:pk>/rapport-allmanheten.pdf", views.round_public_report, name="public_report"),
]
