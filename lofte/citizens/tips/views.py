"""Tipsa om en otrygg plats: the public form, its thank-you page and the public map, under /kommun/<code>/.

No sign-in. Only a kommun whose partnership is published takes tips (else 404). A post passes the honeypot and
the signed fill time, then takes a slot of the rate limit per address (`antispam`, atomic under parallel posts),
then the form, then the action `tips.actions.do_report_tip`; a post refused after taking its slot gives it back,
so only a stored tip counts against the limit. A robot gets the same neutral thank-you as a
person, without a reference number, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from lofte.citizens import antispam
from lofte.citizens.antispam import Verdict
from lofte.citizens.tips.actions import ACTOR, TipRefused, do_report_tip
from lofte.citizens.tips.forms import GUARD, TipForm
from lofte.citizens.tips.queries import citizen_categories, public_map
from lofte.lib.views import refuse_on
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.models import Partnership

THANKS_SALT = "lofte.citizens.tips.thanks"
THANKS_MAX_AGE = 24 * 60 * 60


def _partnership(code: str) -> Partnership:
    """The kommun's published partnership (the oldest, if it has several), else 404."""
    found = (
        published_partnerships()
        .filter(area__code=code, area__kind="kommun")
        .select_related("area")
        .defer("area__geometry")
        .order_by("pk")
        .first()
    )
    if found is None:
        raise Http404("No published partnership for this kommun")
    return found


@require_http_methods(["GET", "HEAD", "POST"])
def tip(request: HttpRequest, code: str) -> HttpResponse:
    partnership = _partnership(code)
    categories = citizen_categories(partnership)
    if request.method != "POST":
        return _page(request, partnership, TipForm(categories=categories))
    verdict = GUARD.check(request.POST)
    if verdict is Verdict.ROBOT:
        return redirect("tips:tip_thanks", code=code)
    slot = GUARD.take(request) if verdict is Verdict.OK else None
    if verdict is Verdict.OK and slot is None:
        verdict = Verdict.TOO_MANY
    form = TipForm(GUARD.restamp(request.POST) if verdict is Verdict.EXPIRED else request.POST, categories=categories)
    if slot is None:
        status = 429 if verdict is Verdict.TOO_MANY else 400
        return _page(request, partnership, form, refusal=str(antispam.MESSAGES[verdict]), status=status)
    if form.is_valid():
        try:
            incident = do_report_tip(partnership, form.as_tip(), actor=ACTOR)
        except TipRefused as refusal:
            refuse_on(form, refusal)
        else:
            number = signing.dumps(incident.pk, salt=THANKS_SALT)
            return redirect(reverse("tips:tip_thanks", kwargs={"code": code}) + f"?nr={number}")
    GUARD.give_back(slot)  # only a stored tip counts
    return _page(request, partnership, form, status=400)


def _page(
    request: HttpRequest, partnership: Partnership, form: TipForm, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "partnership": partnership,
        "area": partnership.area,
        "form": form,
        "refusal": refusal,
        "failed": form.is_bound and bool(form.errors),
        **_map_context(partnership),
    }
    return render(request, "citizens/tips_form.html", context, status=status)


@require_safe
def tip_thanks(request: HttpRequest, code: str) -> HttpResponse:
    partnership = _partnership(code)
    try:
        number = signing.loads(request.GET.get("nr", ""), salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        number = None
    context = {"partnership": partnership, "area": partnership.area, "number": number}
    return render(request, "citizens/tips_thanks.html", context)


@require_safe
def tips_map(request: HttpRequest, code: str) -> HttpResponse:
    partnership = _partnership(code)
    data = public_map(partnership)
    context = {"partnership": partnership, "area": partnership.area, "map": data, **_map_context(partnership)}
    return render(request, "citizens/tips_map.html", context)


def _map_context(partnership: Partnership) -> dict[str, Any]:
    kommun = partnership.area
    return {
        "geojson_url": reverse("api-1.0.0:get_geojson", args=[kommun.code]),
        "centre": (kommun.centroid_lat, kommun.centroid_lng),
        "tiles_url": settings.LOFTE_MAP_TILES_URL,
        "tiles_attribution": settings.LOFTE_MAP_TILES_ATTRIBUTION,
    }
