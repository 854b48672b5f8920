"""The citizens' public pages, no sign-in (namespace `citizens`): each feature's `urlpatterns` in one namespace."""

from django.urls import URLPattern, URLResolver

from lofte.citizens.advice import urls as advice
from lofte.citizens.subscriptions import urls as subscriptions
from lofte.citizens.tips import urls as tips
from lofte.citizens.warnings import urls as warnings

app_name = "citizens"

urlpatterns: list[URLPattern | URLResolver] = [
    *warnings.urlpatterns,
    *advice.urlpatterns,
    *subscriptions.urlpatterns,
    *tips.urlpatterns,
]
