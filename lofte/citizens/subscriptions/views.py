"""The public subscription pages: subscribe, confirm and unsubscribe. No sign-in; the token is the key.

Links in e-mails are fetched by mail scanners, so GET only shows a button and POST changes. The unsubscribe page
also takes the RFC 8058 one-click POST that mail programs send without a CSRF token; the secret token in the URL
is what protects it. Robots are kept out by a honeypot field (they get the same answer and nothing happens) and a
per-address limit on attempts (`antispam`, counted in the database so that parallel posts cannot pass it).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lofte.areas.models import Area
from lofte.citizens.antispam import Guard
from lofte.citizens.subscriptions.actions import (
    ACTOR,
    SubscriptionRefused,
    do_confirm_subscription,
    do_subscribe,
    do_unsubscribe,
)
from lofte.citizens.subscriptions.forms import HONEYPOT, SubscribeForm
from lofte.citizens.subscriptions.queries import is_known_token, published_partnership, subscription_by_token
from lofte.lib.views import refuse_on


def _guard() -> Guard:
    """Attempts to subscribe from one address per hour (every attempt counts); more is a robot or a mistake."""
    return Guard("subscribe", limit=settings.LOFTE_SUBSCRIBE_PER_HOUR)


def _kommun(code: str) -> Area:
    kommun = Area.objects.filter(code=code, kind=Area.Kind.KOMMUN).defer("geometry").first()
    if kommun is None or published_partnership(kommun) is None:
        raise Http404("No published partnership in this kommun")
    return kommun


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    kommun = _kommun(code)
    if request.method != "POST":
        return _form(request, kommun, SubscribeForm(kommun=kommun))
    if _guard().take(request) is None:  # every attempt counts, so the slot is never given back
        return _form(request, kommun, SubscribeForm(kommun=kommun), status=429)
    form = SubscribeForm(request.POST, kommun=kommun)
    if form.is_robot:
        return _sent(request, kommun)  # the same answer, and nothing happens
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_subscribe(
                kommun=kommun,
                area=data["area"],
                email=data["email"],
                warnings=data["warnings"],
                follow_ups=data["follow_ups"],
                actor=ACTOR,
            )
        except SubscriptionRefused as refusal:
            refuse_on(form, refusal)
        else:
            return _sent(request, kommun)
    return _form(request, kommun, form, status=400)


def _form(request: HttpRequest, kommun: Area, form: SubscribeForm, status: int = 200) -> HttpResponse:
    context = {"kommun": kommun, "form": form, "honeypot": form[HONEYPOT], "limited": status == 429}
    return render(request, "citizens/subscribe.html", context, status=status)


def _sent(request: HttpRequest, kommun: Area) -> HttpResponse:
    return render(request, "citizens/subscribe_sent.html", {"kommun": kommun})


@never_cache  # the token is in the address: no shared cache may keep the page
@require_http_methods(["GET", "POST"])
def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscription_by_token(token)
    if subscription is None:
        raise Http404("No such subscription")
    if request.method == "POST":
        do_confirm_subscription(subscription, actor=ACTOR)
    context = {"subscription": subscription, "area": subscription.area, "token": token}
    return render(request, "citizens/subscription_confirm.html", context)


@never_cache
@csrf_exempt  # RFC 8058: mail programs post "List-Unsubscribe=One-Click" without a form; the token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if not is_known_token(token):
        raise Http404("No such subscription")
    done = request.method == "POST"
    if done:
        do_unsubscribe(token, actor=ACTOR)
    return render(request, "citizens/subscription_unsubscribe.html", {"token": token, "done": done})
