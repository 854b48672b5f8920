from django.urls import path

from lofte.statistics import views

app_name = "statistics"

urlpatterns = [
    path("importer/", views.runs, name="runs"),
    path("importer/forhandsgranska/", views.preview, name="preview"),
    path("importer/bekrafta/", views.confirm, name="confirm"),
    path("importer/<int:pk>/", views.run, name="run"),
    path("importer/<int:pk>/angra/", views.undo, name="undo"),
]
