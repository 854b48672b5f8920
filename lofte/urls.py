"""The one table of the site's addresses. Each feature's `urls.py` names its own namespace (its `app_name`); the
partnership's pages all live under /samverkan/<slug>/, listed here once, so a feature never needs to know where it
is mounted."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from lofte.accounts import views as accounts_views
from lofte.api import api
from lofte.core import views

admin.site.site_header = _("Löfte – administration")
admin.site.site_title = _("Löfte")

# A partnership's pages, each feature under its own address: /samverkan/<slug>/<feature>/…
SAMVERKAN = "samverkan/<slug:slug>/"
samverkan: list[URLPattern | URLResolver] = [
    path(f"{SAMVERKAN}lagesbild/", include("lofte.situation.lagesbild.urls")),
    path(f"{SAMVERKAN}dialoger/", include("lofte.situation.dialogues.urls")),
    path(f"{SAMVERKAN}loften/", include("lofte.promises.lofte.urls")),
    path(f"{SAMVERKAN}loften/", include("lofte.promises.agreement.urls")),
    path(f"{SAMVERKAN}uppfoljning/", include("lofte.promises.followup.urls")),
    path(f"{SAMVERKAN}uppfoljning/", include("lofte.promises.bulk.urls")),
    path(f"{SAMVERKAN}est/", include("lofte.est.urls")),
    path(f"{SAMVERKAN}est/", include("lofte.est.reporting.urls")),
    path(f"{SAMVERKAN}est/", include("lofte.est.review.urls")),
    path(f"{SAMVERKAN}est/", include("lofte.est.weekly.urls")),
    path(f"{SAMVERKAN}est/", include("lofte.est.meetings.urls")),
    path(f"{SAMVERKAN}invanare/", include("lofte.citizens.warnings.urls")),
    path(f"{SAMVERKAN}invanare/", include("lofte.citizens.advice.urls")),
    path(f"{SAMVERKAN}invanare/", include("lofte.citizens.grannsamverkan.urls")),
    path(f"{SAMVERKAN}invanare/", include("lofte.citizens.mailings.urls")),
    path(f"{SAMVERKAN}parter/", include("lofte.accounts.factor_urls")),
    path(f"{SAMVERKAN}personer/", include("lofte.accounts.people_urls")),
    path(f"{SAMVERKAN}gallring/", include("lofte.operations.retention.urls")),
]

# What anyone may read: the start page, each kommun's public page and what citizens may send.
public: list[URLPattern | URLResolver] = [
    path("", include("lofte.public.urls")),
    path("", include("lofte.citizens.warnings.public_urls")),
    path("", include("lofte.citizens.advice.public_urls")),
    path("", include("lofte.citizens.subscriptions.urls")),
    path("", include("lofte.citizens.tips.urls")),
]

urlpatterns = [
    *public,
    path("healthz", views.healthz, name="healthz"),
    path("metrics", include("lofte.operations.observe.urls")),
    path("konto/", include("lofte.accounts.urls")),
    # django-allauth's own pages (second factor, single sign-on, sessions), beside Löfte's under the same prefix.
    # A reset mail is asked for on Löfte's own page only: it answers alike for every address (accounts/forms.py).
    # allauth's own reset links and their pages are never mailed, so every address under it leads there too.
    re_path(r"^konto/password/reset/", RedirectView.as_view(pattern_name="accounts:password_reset")),
    # Nobody adds or chooses their own e-mail address; the samordnare changes it (lofte/accounts/views.py).
    path("konto/email/", accounts_views.email_managed),
    path("konto/", include("allauth.urls")),
    path("samverkan/", include("lofte.partnerships.urls")),
    *samverkan,
    path("omraden/", include("lofte.partnerships.areas.urls")),
    path("statistik/", include("lofte.statistics.urls")),
    path("lagesbild/", include("lofte.situation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("lofte.est.open311.urls")),
    path("drift/jobb/", include("lofte.operations.schedule.urls")),
    path("drift/personer/", include("lofte.operations.subjects.urls")),
    path("drift/gallring/", include("lofte.operations.retention.operator_urls")),
    path("admin/", admin.site.urls),
]
