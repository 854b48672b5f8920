"""The published warnings and their Atom feed under /kommun/<code>/, no sign-in (lofte/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from lofte.citizens.feeds import WarningFeed
from lofte.citizens.warnings import views
from lofte.lib.cache import cached_for_anonymous

app_name = "public_warnings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("kommun/<str:code>/varningar/", views.public_warnings, name="warnings"),
    path("kommun/<str:code>/varningar/<int:pk>/", views.public_warning, name="warning"),
    path("kommun/<str:code>/varningar.atom", cached_for_anonymous(WarningFeed()), name="warning_feed"),
]
