"""The warnings' addresses: `urlpatterns` for the public (in the namespace `citizens`, through `citizens.urls`),
`member_urlpatterns` for the members (in `partnerships:invanare`, through `citizens.member_urls`)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.feeds import WarningFeed
from lofte.citizens.warnings import views
from lofte.lib.cache import cached_for_anonymous

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/varningar/", views.public_warnings, name="warnings"),
    path("kommun/<str:code>/varningar/<int:pk>/", views.public_warning, name="warning"),
    path("kommun/<str:code>/varningar.atom", cached_for_anonymous(WarningFeed()), name="warning_feed"),
]

member_urlpatterns: list[URLPattern | URLResolver] = [
    path("varningar/", views.warning_list, name="warnings"),
    path("varningar/ny/", views.warning_create, name="warning_create"),
    path("varningar/<int:pk>/", views.warning_detail, name="warning"),
    path("varningar/<int:pk>/andra/", views.warning_update, name="warning_update"),
    path("varningar/<int:pk>/publicera/", views.warning_publish, name="warning_publish"),
    path("varningar/<int:pk>/aterkalla/", views.warning_withdraw, name="warning_withdraw"),
]
