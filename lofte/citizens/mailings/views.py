"""The mailings page, /samverkan/<slug>/invanare/utskick/: every e-mail dispatch of the partnership with its progress.

Every member may read it, as every member sees a warning's dispatch on the warning's page; it shows counts only,
never an address. Failed deliveries of a warning are sent again from the warning's page (`warnings.views`), which
the page links to. While anything is being sent the page reloads itself, as the warning's page does.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lofte.citizens.mailings.queries import anything_under_way, confirmations, mailings_page
from lofte.partnerships.access import Can, get_partnership_for_user


@login_required
@require_safe
def mailing_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.VIEW)
    partnership = access.partnership
    page = mailings_page(partnership, request.GET.get("sida"))
    context = {
        "access": access,
        "partnership": partnership,
        "page": page,
        "mailings": page.object_list,
        "confirmations": confirmations(partnership),
        "under_way": anything_under_way(partnership),
    }
    return render(request, "citizens/mailing_list.html", context)
