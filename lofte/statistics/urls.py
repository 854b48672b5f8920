from django.urls import path

from lofte.statistics import views

app_name = "statistics"

urlpatterns = [
    path("importer/", views.runs, name="runs"),
    path("importer/ladda-upp/", views.upload, name="upload"),
    path("importer/uppladdning/<int:pk>/", views.job, name="job"),
    path("importer/uppladdning/<int:pk>/status/", views.job_progress, name="job_progress"),
    path("importer/uppladdning/<int:pk>/kolumner/", views.job_mapping, name="job_mapping"),
    path("importer/uppladdning/<int:pk>/bekrafta/", views.job_confirm, name="job_confirm"),
    path("importer/uppladdning/<int:pk>/avbryt/", views.job_cancel, name="job_cancel"),
    path("importer/uppladdning/<int:pk>/forsok-igen/", views.job_retry, name="job_retry"),
    path("importer/<int:pk>/", views.run, name="run"),
    path("importer/<int:pk>/angra/", views.undo, name="undo"),
]
