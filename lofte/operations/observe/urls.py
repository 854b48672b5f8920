from django.urls import path

from lofte.operations.observe.metrics import metrics_view

app_name = "observe"
urlpatterns = [path("", metrics_view, name="metrics")]
