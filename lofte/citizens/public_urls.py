"""The citizens' pages, no sign-in (namespace `citizens`): warnings and their Atom feed, advice, subscriptions, tips."""

from django.urls import include, path

app_name = "citizens"

urlpatterns = [
    path("", include("lofte.citizens.warning_public_urls")),
    path("", include("lofte.citizens.subscription_urls")),
    path("", include("lofte.citizens.tips_urls")),
]
