"""Subscribing, confirming and unsubscribing (namespace `citizens`, no sign-in)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens import subscription_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/prenumerera/", views.subscribe, name="subscribe"),
    path("prenumeration/<str:token>/bekrafta/", views.subscription_confirm, name="subscription_confirm"),
    path("prenumeration/<str:token>/avsluta/", views.unsubscribe, name="unsubscribe"),
]
