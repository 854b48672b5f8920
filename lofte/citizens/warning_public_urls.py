"""The public warnings, their Atom feed and the advice pages of a kommun whose partnership is published."""

from django.urls import path

from lofte.citizens import warning_views as views
from lofte.citizens.feeds import WarningFeed
from lofte.lib.cache import cached_for_anonymous

urlpatterns = [
    path("kommun/<str:code>/varningar/", views.public_warnings, name="warnings"),
    path("kommun/<str:code>/varningar/<int:pk>/", views.public_warning, name="warning"),
    path("kommun/<str:code>/varningar.atom", cached_for_anonymous(WarningFeed()), name="warning_feed"),
    path("kommun/<str:code>/rad/", views.public_advice_list, name="advice_list"),
    path("kommun/<str:code>/rad/<slug:slug>/", views.public_advice, name="advice"),
]
