"""The partnership's lägesbild document under /samverkan/<slug>/lagesbild/ (lofte/urls.py).

Each change has its own small POST view; all of them redirect back to the version's page.
"""

from django.urls import path

from lofte.situation.lagesbild import views

app_name = "lagesbild"

urlpatterns = [
    path("", views.lagesbild_list, name="index"),
    path("ny/", views.lagesbild_create, name="create"),
    path("<int:version>/", views.lagesbild_detail, name="detail"),
    path("<int:version>/andra/", views.lagesbild_update, name="update"),
    path("<int:version>/kallor/", views.source_add, name="add_source"),
    path("<int:version>/kallor/<int:pk>/ta-bort/", views.source_remove, name="remove_source"),
    path("<int:version>/problem/", views.problem_add, name="add_problem"),
    path("<int:version>/problem/<int:pk>/", views.problem_update, name="update_problem"),
    path("<int:version>/problem/<int:pk>/ta-bort/", views.problem_remove, name="remove_problem"),
    path("<int:version>/problem/<int:pk>/serier/", views.series_link, name="link_series"),
    path("<int:version>/problem/<int:pk>/serier/<int:link>/ta-bort/", views.series_unlink, name="unlink_series"),
    path("<int:version>/problem/<int:pk>/dialoger/", views.dialogue_link, name="link_dialogue"),
    path(
        "<int:version>/problem/<int:pk>/dialoger/<int:dialogue>/ta-bort/", views.dialogue_unlink, name="unlink_dialogue"
    ),
    path("<int:version>/faststall/", views.lagesbild_adopt, name="adopt"),
    path("<int:version>/dokument.<str:fmt>", views.lagesbild_document, name="document"),
]
