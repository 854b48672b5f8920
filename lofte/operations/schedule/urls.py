from django.urls import path

from lofte.operations.schedule import views

app_name = "schedule"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<slug:name>/kor/", views.run_job_now, name="run"),
]
