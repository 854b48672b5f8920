"""The members' pages under /samverkan/<slug>/invanare/ (namespace `partnerships:invanare`): each feature's
`member_urlpatterns` in one namespace."""

from django.urls import URLPattern, URLResolver

from lofte.citizens.advice import urls as advice
from lofte.citizens.grannsamverkan import urls as grannsamverkan
from lofte.citizens.warnings import urls as warnings

urlpatterns: list[URLPattern | URLResolver] = [
    *warnings.member_urlpatterns,
    *advice.member_urlpatterns,
    *grannsamverkan.member_urlpatterns,
]
