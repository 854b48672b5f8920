"""The action plan as a spreadsheet, out and back in, under /samverkan/<slug>/uppfoljning/ (lofte/urls.py)."""

from django.urls import path

from lofte.promises.bulk import views

app_name = "action_plan"

urlpatterns = [
    path("<int:lofte>/atgardsplan.<str:fmt>", views.plan_export, name="plan_export"),
    path("<int:lofte>/atgardsplan/las-in/", views.plan_import, name="plan_import"),
    path("<int:lofte>/atgardsplan/bekrafta/", views.plan_confirm, name="plan_confirm"),
]
