"""The action plan's routes, part of the follow-up's `uppfoljning` table in lofte.promises.followup.urls."""

from django.urls import path

from lofte.promises.bulk import views

urlpatterns = [
    path("<int:lofte>/atgardsplan.<str:fmt>", views.plan_export, name="plan_export"),
    path("<int:lofte>/atgardsplan/las-in/", views.plan_import, name="plan_import"),
    path("<int:lofte>/atgardsplan/bekrafta/", views.plan_confirm, name="plan_confirm"),
]
