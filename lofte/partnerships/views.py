from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lofte.partnerships import queries
from lofte.partnerships.access import get_partnership_for_user, partnerships_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in: straight to the dashboard when there is one partnership."""
    partnerships = list(queries.with_parties(partnerships_for(request.user)))
    if len(partnerships) == 1:
        return redirect(partnerships[0])
    return render(request, "partnerships/home.html", {"partnerships": partnerships})


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    partnership = access.partnership
    context = {
        "access": access,
        "partnership": partnership,
        "parties": queries.organisations_with_members(partnership),
        "activity": queries.recent_activity(partnership),
        "subdivisions": queries.subdivisions_of(partnership),
    }
    return render(request, "partnerships/dashboard.html", context)


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    context = {
        "access": access,
        "partnership": access.partnership,
        "parties": queries.organisations_with_members(access.partnership),
    }
    return render(request, "partnerships/members.html", context)
