from django.urls import path

from lofte.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("kommun/<str:code>/", views.kommun, name="kommun"),
    path("kommun/<str:code>/uppfoljning/<int:pk>.pdf", views.follow_up_report, name="follow_up_report"),
]
