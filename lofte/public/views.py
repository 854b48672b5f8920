"""What anyone may read without signing in: only published, public content."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lofte.areas.models import Area
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.queries import with_parties


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("partnerships:home")
    partnerships = with_parties(published_partnerships()).order_by("area__name")
    return render(request, "public/home.html", {"partnerships": partnerships})


def kommun(request: HttpRequest, code: str) -> HttpResponse:
    area = Area.objects.filter(code=code, kind=Area.Kind.KOMMUN).select_related("parent").first()
    if area is None:
        raise Http404("No such kommun")
    partnerships = list(with_parties(published_partnerships().filter(area=area)))
    if not partnerships:
        raise Http404("Nothing published for this kommun")
    return render(request, "public/kommun.html", {"area": area, "partnerships": partnerships})
