from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from lofte.api import api
from lofte.core import views

admin.site.site_header = _("Löfte – administration")
admin.site.site_title = _("Löfte")

urlpatterns = [
    path("", include("lofte.public.urls")),
    path("", include("lofte.citizens.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", include("lofte.accounts.urls")),
    path("samverkan/", include("lofte.partnerships.urls")),
    path("omraden/", include("lofte.partnerships.areas.urls")),
    path("statistik/", include("lofte.statistics.urls")),
    path("lagesbild/", include("lofte.situation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("lofte.est.open311.urls")),
    path("admin/", admin.site.urls),
]
