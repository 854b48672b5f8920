from django.urls import path

from lofte.situation import views

app_name = "situation"

urlpatterns = [
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/<str:table>.<str:fmt>", views.export, name="export"),
]
