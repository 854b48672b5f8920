"""Subscribing, confirming and unsubscribing, no sign-in (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.subscriptions import views

app_name = "subscriptions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/prenumerera/", views.subscribe, name="subscribe"),
    path("prenumeration/<str:token>/bekrafta/", views.subscription_confirm, name="subscription_confirm"),
    path("prenumeration/<str:token>/avsluta/", views.unsubscribe, name="unsubscribe"),
]
