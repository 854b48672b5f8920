"""The medborgarlöften under /samverkan/<slug>/loften/ (lofte/urls.py): the list, each löfte, its focus areas,
goals, promises and activities, and its decision."""

from django.urls import path

from lofte.promises import views as index
from lofte.promises.lofte import views

app_name = "loften"

urlpatterns = [
    path("", index.index, name="index"),
    path("ny/", views.lofte_create, name="create"),
    path("<int:pk>/", views.lofte_detail, name="detail"),
    path("<int:pk>/andra/", views.lofte_update, name="update"),
    path("<int:pk>/fokusomraden/", views.focus_area_add, name="add_focus_area"),
    path("<int:pk>/fokusomraden/<int:item>/", views.focus_area_update, name="update_focus_area"),
    path("<int:pk>/fokusomraden/<int:item>/ta-bort/", views.focus_area_remove, name="remove_focus_area"),
    path("<int:pk>/fokusomraden/<int:item>/flytta/", views.focus_area_move, name="move_focus_area"),
    path("<int:pk>/mal/ny/", views.goal_add, name="add_goal"),
    path("<int:pk>/mal/<int:item>/", views.goal_update, name="update_goal"),
    path("<int:pk>/mal/<int:item>/ta-bort/", views.goal_remove, name="remove_goal"),
    path("<int:pk>/mal/<int:item>/flytta/", views.goal_move, name="move_goal"),
    path("<int:pk>/lofte/ny/", views.promise_add, name="add_promise"),
    path("<int:pk>/lofte/<int:item>/", views.promise_detail, name="promise"),
    path("<int:pk>/lofte/<int:item>/andra/", views.promise_update, name="update_promise"),
    path("<int:pk>/lofte/<int:item>/ta-bort/", views.promise_remove, name="remove_promise"),
    path("<int:pk>/lofte/<int:item>/flytta/", views.promise_move, name="move_promise"),
    path("<int:pk>/lofte/<int:item>/status/", views.promise_status, name="promise_status"),
    path("<int:pk>/lofte/<int:item>/aktiviteter/", views.activity_add, name="add_activity"),
    path(
        "<int:pk>/lofte/<int:item>/aktiviteter/<int:activity>/ta-bort/",
        views.activity_remove,
        name="remove_activity",
    ),
    path(
        "<int:pk>/lofte/<int:item>/aktiviteter/<int:activity>/bilaga/",
        views.activity_attachment,
        name="activity_attachment",
    ),
    # The decision
    path("<int:pk>/beslut/", views.decision_update, name="decision"),
    path("<int:pk>/foresla/", views.propose, name="propose"),
    path("<int:pk>/till-utkast/", views.return_to_draft, name="return_to_draft"),
    path("<int:pk>/besluta/", views.decide, name="decide"),
    path("<int:pk>/publicera/", views.publish, name="publish"),
    path("<int:pk>/<str:kind>.docx", views.decision_document, name="decision_document"),
]
