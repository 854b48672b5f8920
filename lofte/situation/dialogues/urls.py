"""The partnership's dialogues and safety walks under /samverkan/<slug>/dialoger/ (lofte/urls.py)."""

from django.urls import path

from lofte.situation.dialogues import views

app_name = "dialogues"

urlpatterns = [
    path("", views.dialogue_list, name="index"),
    path("ny/", views.dialogue_create, name="create"),
    path("<int:pk>/", views.dialogue_detail, name="detail"),
    path("<int:pk>/andra/", views.dialogue_update, name="update"),
    path("<int:pk>/ta-bort/", views.dialogue_delete, name="delete"),
    path("<int:pk>/synpunkter/", views.statement_add, name="add_statement"),
    path("<int:pk>/synpunkter/<int:statement>/ta-bort/", views.statement_remove, name="remove_statement"),
]
