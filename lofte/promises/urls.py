"""The agreement and the medborgarlöften, included under /samverkan/<slug>/loften/ (namespace loften): the list,
the agreement's routes (lofte.promises.agreement.urls) and each löfte's (lofte.promises.lofte.urls), all in the one
namespace.

Each change has its own small POST view that redirects back to the page it came from.
"""

from django.urls import include, path

from lofte.promises import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("lofte.promises.agreement.urls")),
    path("", include("lofte.promises.lofte.urls")),
]
