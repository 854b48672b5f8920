"""The follow-up rounds of a medborgarlöfte under /samverkan/<slug>/uppfoljning/ (lofte/urls.py): the rounds,
each round's page, its evaluation, report and publication."""

from django.urls import path

from lofte.promises.followup import views

app_name = "followup"

urlpatterns = [
    path("<int:lofte>/", views.round_list, name="index"),
    path("<int:lofte>/planera/", views.round_plan, name="plan"),
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
