from django.urls import include, path

from lofte.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/parter/", views.members, name="members"),
    path("<slug:slug>/lagesbild/", include(("lofte.situation.lagesbild.urls", "lagesbild"))),
    path("<slug:slug>/dialoger/", include(("lofte.situation.dialogues.urls", "dialoger"))),
    path("<slug:slug>/loften/", include(("lofte.promises.urls", "loften"))),
    path("<slug:slug>/uppfoljning/", include(("lofte.promises.followup.urls", "uppfoljning"))),
    path("<slug:slug>/est/", include(("lofte.est.urls", "est"))),
    path("<slug:slug>/invanare/", include(("lofte.citizens.member_urls", "invanare"))),
]
