"""Writing warnings and advice, under /samverkan/<slug>/invanare/ (namespace partnerships:invanare)."""

from django.urls import path

from lofte.citizens import warning_views as views

urlpatterns = [
    path("varningar/", views.warning_list, name="warnings"),
    path("varningar/ny/", views.warning_create, name="warning_create"),
    path("varningar/<int:pk>/", views.warning_detail, name="warning"),
    path("varningar/<int:pk>/andra/", views.warning_update, name="warning_update"),
    path("varningar/<int:pk>/publicera/", views.warning_publish, name="warning_publish"),
    path("varningar/<int:pk>/aterkalla/", views.warning_withdraw, name="warning_withdraw"),
    path("rad/", views.advice_manage, name="advice_list"),
    path("rad/ny/", views.advice_create, name="advice_create"),
    path("rad/<int:pk>/", views.advice_detail, name="advice"),
    path("rad/<int:pk>/andra/", views.advice_update, name="advice_update"),
    path("rad/<int:pk>/publicera/", views.advice_publish, name="advice_publish"),
    path("rad/<int:pk>/avpublicera/", views.advice_unpublish, name="advice_unpublish"),
]
