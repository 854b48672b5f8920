"""Open311 GeoReport v2 at /open311/v2/: partner systems report EST incidents and follow them.

What it serves (http://wiki.open311.org/GeoReport_v2, field names as the spec has them; JSON only):

- `GET services.json?jurisdiction_id=…`: the partnership's active leaf EST categories as services (created with
  the partnership, `est/setup.py`). Public for a published partnership; an unpublished one
  answers only to a key of one of its parties (else 404, as if unknown).
- `POST requests.json` (form-encoded: `api_key`, `jurisdiction_id`, `service_code`, `lat` + `long` or
  `address_string`, `description`, `requested_datetime`): files one incident through `est.intake.report_incidents`,
  so it is checked, screened for personal data, routed and audited like a report from the web form. Answers
  **200** with `[{"service_request_id", "service_notice", "account_id": null}]`, as in the spec's examples, so
  that clients written against them accept it. `media_url` is ignored: Löfte fetches nothing from the network
  on a request's behalf. The personal fields (`email`, `device_id`, `account_id`, `first_name`, `last_name`,
  `phone`) and `attribute[…]` are ignored and never stored: reports are about places, not people.
- `GET requests.json` and `GET requests/<id>.json` with a key: the partnership's requests. A request sent by the
  key's organisation, or routed to it (it has to act on it), is shown as it was sent: description, status notes,
  address and the exact point. Any other request has no description, notes or address (only its area's name),
  and its point is generalised to the partnership's grid (`places.generalise`, `EstSettings.grid_m`), as the
  partnership's readers see it. The list reads in a fixed number of queries, newest first, at most 1,000.

`jurisdiction_id` is the kommun code (0586) or the partnership's slug; with a key whose organisation is a party to
exactly one partnership it may be left out. The key goes in an `X-Api-Key` header or in `api_key` in the POST
body, never in the query string: URLs end up in access logs (gunicorn's, a proxy's), so a request with `api_key`
in its query string gets 400 and its key is not even looked up. The body's `api_key` is marked sensitive, so it
never reaches an error report (the header is hidden there by Django, its name holding "API"); nothing here logs it.
A missing, unknown or revoked key, or one of an organisation that is not a party to the partnership, gets 403.
Every error is the spec's list, `[{"code": 400, "description": "…"}]`, with the same HTTP status; descriptions
are in Swedish and name the field.

Every request takes a slot of its client address's limit (`LOFTE_OPEN311_ADDRESS_PER_MINUTE`, so guessing keys is
limited too) before anything else, and a request with a working key a slot of that key's limit
(`LOFTE_OPEN311_PER_MINUTE`, from whatever addresses it is used). The limits are `audit.limits` (counters in the
database, atomic under parallel requests; the address only as a keyed hash); a request over either gets 429 in the
error format with `Retry-After`. Taking a slot is a write, as stamping the key's last use is: the one kind of write
an Open311 GET makes, counters that change nothing anyone reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from lofte.audit.limits import Limit, Slot
from lofte.est import wallclock
from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import ApiKey, Category, Incident
from lofte.est.open311.keys import verify
from lofte.est.open311.queries import as_request, reader_for, requests_of
from lofte.est.queries import categories_of, leaf_categories
from lofte.lib.actors import SystemActor
from lofte.partnerships.models import Partnership

MAX_REQUESTS = 1000
DEFAULT_SPAN = timedelta(days=90)
MAX_DESCRIPTION = 4000  # the spec's limit
MINUTE = 60
KEY_PARAMETER = "api_key"
CLOSED = (Incident.Status.AVSLUTAD, Incident.Status.AVVISAD)
# The Open311 name of each field IncidentRefused may name.
FIELDS = {
    "category": "service_code",
    "occurred_at": "requested_datetime",
    "latitude": "lat",
    "longitude": "long",
    "area": "lat",
    "address": "address_string",
    "place_name": "address_string",
    "description": "description",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(status: int, description: str) -> JsonResponse:
    return _json([{"code": status, "description": description}], status)


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A CSRF-exempt, uncached view for these methods, called as `view(request, key, …)` with the request's key
    (None without one) once the address's and the key's limits gave it a slot; Open311Error becomes the spec's
    error list."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @never_cache
        @sensitive_post_parameters(KEY_PARAMETER)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _error(405, _("Metoden %(method)s stöds inte här.") % {"method": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _take_address_slot(request)
                key = _key(request)
                if key is not None:
                    _take_key_slot(key)
                return view(request, key, *args, **kwargs)
            except Open311Error as error:
                response = _error(error.status, error.description)
                if error.retry_after is not None:
                    response["Retry-After"] = str(error.retry_after)
                return response

        return wrapped

    return decorate


# Limits


def _take_address_slot(request: HttpRequest) -> None:
    limit = Limit("open311:address", settings.LOFTE_OPEN311_ADDRESS_PER_MINUTE, MINUTE)
    message = _("För många anrop från din adress: högst %(count)s i minuten. Försök igen om %(seconds)s sekunder.")
    _refuse_when_full(limit, limit.take_for_client(request), message)


def _take_key_slot(key: ApiKey) -> None:
    limit = Limit("open311:key", settings.LOFTE_OPEN311_PER_MINUTE, MINUTE)
    message = _(
        "För många anrop med den här API-nyckeln: högst %(count)s i minuten. Försök igen om %(seconds)s sekunder."
    )
    _refuse_when_full(limit, limit.take(f"key:{key.pk}"), message)


def _refuse_when_full(limit: Limit, slot: Slot | None, message: str) -> None:
    """429 with Retry-After when the limit had no slot left."""
    if slot is None:
        seconds = limit.retry_after()
        raise Open311Error(429, message % {"count": limit.limit, "seconds": seconds}, retry_after=seconds)


# Keys and jurisdictions


def _params(request: HttpRequest) -> QueryDict:
    """The query string's parameters, and for a POST the body's, which win."""
    if request.method != "POST":
        return request.GET
    params = request.GET.copy()
    for name, values in request.POST.lists():
        params.setlist(name, values)
    return params


def _key(request: HttpRequest) -> ApiKey | None:
    """The request's key if it sent one (header, or POST body); a key that does not work is refused, not ignored,
    and one in the query string is refused before it is looked up."""
    if KEY_PARAMETER in request.GET:
        raise Open311Error(
            400,
            _(
                "api_key får inte stå i adressen (query string), där den hamnar i loggar: skicka nyckeln i huvudet "
                "X-Api-Key eller i POST-kroppen."
            ),
        )
    posted = request.POST.get(KEY_PARAMETER, "") if request.method == "POST" else ""
    plaintext = (request.headers.get("X-Api-Key") or posted or "").strip()
    if not plaintext:
        return None
    key = verify(plaintext)
    if key is None:
        raise Open311Error(403, _("api_key är ogiltig eller återkallad."))
    return key


def _required(key: ApiKey | None) -> ApiKey:
    if key is None:
        raise Open311Error(
            403, _("api_key saknas: skicka organisationens API-nyckel i huvudet X-Api-Key eller i POST-kroppen.")
        )
    return key


def _is_party(partnership: Partnership, key: ApiKey) -> bool:
    return partnership.organisations.filter(pk=key.organisation_id).exists()


def _jurisdiction(params: QueryDict, key: ApiKey | None, *, party: bool = True) -> Partnership:
    """The partnership named by jurisdiction_id, or the key's only partnership; with `party`, the key must be of
    one of its parties (403)."""
    wanted = params.get("jurisdiction_id", "").strip()
    if not wanted:
        if key is None:
            raise Open311Error(400, _("jurisdiction_id saknas: ange kommunkoden eller samverkans kortnamn."))
        only = list(key.organisation.partnerships.select_related("area").defer("area__geometry")[:2])
        if len(only) != 1:
            raise Open311Error(
                400,
                _("jurisdiction_id saknas: %(organisation)s ingår i flera samverkan, eller ingen.")
                % {"organisation": key.organisation.name},
            )
        return only[0]
    found = list(
        Partnership.objects.filter(Q(slug=wanted) | Q(area__code=wanted))
        .select_related("area")
        .defer("area__geometry")[:10]
    )
    if len(found) > 1 and key is not None:
        found = [p for p in found if _is_party(p, key)] or found
    if not found:
        raise Open311Error(404, _("jurisdiction_id %(id)s är okänd.") % {"id": wanted})
    if len(found) > 1:
        raise Open311Error(
            400, _("jurisdiction_id %(id)s avser flera samverkan: ange samverkans kortnamn.") % {"id": wanted}
        )
    partnership = found[0]
    if party and key is not None and not _is_party(partnership, key):
        raise Open311Error(
            403,
            _("%(organisation)s är inte part i %(partnership)s.")
            % {"organisation": key.organisation.name, "partnership": partnership.name},
        )
    return partnership


# Services


def _service(category: Category, by_id: dict[int, Category]) -> dict[str, Any]:
    group = by_id.get(category.parent_id) if category.parent_id else None
    group_name = group.label if group else category.label
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": f"EST: {group_name} – {category.label}" if group else f"EST: {category.label}",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([category.group_code, category.code])),
        "group": group_name,
    }


@endpoint("GET")
def services(request: HttpRequest, key: ApiKey | None) -> HttpResponse:
    partnership = _jurisdiction(request.GET, key, party=False)
    if not partnership.is_published and (key is None or not _is_party(partnership, key)):
        raise Open311Error(404, _("jurisdiction_id %(id)s är okänd.") % {"id": request.GET["jurisdiction_id"]})
    categories = categories_of(partnership)
    by_id = {c.pk: c for c in categories}
    return _json([_service(c, by_id) for c in leaf_categories(categories)])


# Filing a request


def _float(params: QueryDict, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, _("%(field)s: ange ett tal i grader (WGS84).") % {"field": name}) from None


def _moment(raw: str, name: str, *, end_of_day: bool = False) -> datetime | None:
    """A W3C/ISO 8601 date-time (local time if it has no offset) or a date (its start, or end)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime.combine(day, time.max if end_of_day else time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400, _("%(field)s: ange tiden enligt ISO 8601, t.ex. 2025-05-01T18:30:00+02:00.") % {"field": name}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _occurred(raw: str) -> datetime | None:
    """When it happened: with an offset it is exact; without one it is Swedish clock time, refused when the clock
    never showed it or showed it twice (the nights it changes), since only an offset can say which moment is meant."""
    naive = _naive(raw.strip())
    if naive is not None and (found := wallclock.kind(naive, timezone.get_current_timezone())) != wallclock.Kind.ONCE:
        message = (
            _(
                "requested_datetime: klockan %(time)s fanns inte i svensk tid (klockan ställdes fram till sommartid); "
                "ange tiden med offset, t.ex. +02:00."
            )
            if found == wallclock.Kind.NEVER
            else _(
                "requested_datetime: klockan %(time)s fanns två gånger i svensk tid (klockan ställdes tillbaka till "
                "vintertid); ange offset, +02:00 för första gången (sommartid) eller +01:00 för andra (vintertid)."
            )
        )
        raise Open311Error(400, message % {"time": naive.strftime("%Y-%m-%d %H:%M")})
    return _moment(raw, "requested_datetime")


def _naive(raw: str) -> datetime | None:
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        return None
    return parsed if parsed is not None and timezone.is_naive(parsed) else None


def _category(partnership: Partnership, code: str) -> Category:
    code = code.strip()
    if not code:
        raise Open311Error(400, _("service_code saknas."))
    leaves = {c.code: c for c in leaf_categories(categories_of(partnership))}
    if code not in leaves:
        raise Open311Error(
            400, _("service_code %(code)s finns inte i %(partnership)s.") % {"code": code, "partnership": partnership}
        )
    return leaves[code]


def _input(params: QueryDict, category: Category) -> IncidentInput:
    latitude, longitude = _float(params, "lat"), _float(params, "long")
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("lat och long: ange båda, eller address_string."))
    address = params.get("address_string", "").strip()
    if latitude is None and not address:
        raise Open311Error(400, _("lat och long eller address_string: ange var det hände."))
    if len(address) > Incident._meta.get_field("address").max_length:  # type: ignore[operator]
        raise Open311Error(400, _("address_string: högst 200 tecken."))
    description = params.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description: högst %(count)s tecken.") % {"count": MAX_DESCRIPTION})
    occurred_at = _occurred(params.get("requested_datetime", "")) or timezone.now()
    return IncidentInput(
        category=category,
        occurred_at=occurred_at,
        latitude=latitude,
        longitude=longitude,
        address=address,
        description=description,
    )


def _create(request: HttpRequest, key: ApiKey) -> HttpResponse:
    params = _params(request)
    partnership = _jurisdiction(params, key)
    item = _input(params, _category(partnership, params.get("service_code", "")))
    try:
        [incident] = report_incidents(
            partnership,
            [item],
            reporter=None,
            organisation=key.organisation,
            actor=SystemActor(f"api-nyckel {key.prefix}"),
            source=Incident.Source.OPEN311,
        )
    except IncidentRefused as refused:
        field = FIELDS.get(refused.field, refused.field)
        raise Open311Error(400, f"{field}: {refused}" if field else str(refused)) from None
    notice = _("Mottagen av %(partnership)s. Rapporten granskas av samordnaren.") % {"partnership": partnership}
    return _json([{"service_request_id": str(incident.pk), "service_notice": notice, "account_id": None}])


# Reading requests


def _ids(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Open311Error(400, _("service_request_id: ange id-nummer åtskilda med kommatecken.")) from None


def filtered(incidents: QuerySet[Incident], params: QueryDict) -> QuerySet[Incident]:
    """The spec's filters; service_request_id overrides the others. Without dates: the last 90 days."""
    if raw_ids := params.get("service_request_id", "").strip():
        return incidents.filter(pk__in=_ids(raw_ids))
    if codes := [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]:
        incidents = incidents.filter(category__code__in=codes)
    start = _moment(params.get("start_date", ""), "start_date")
    end = _moment(params.get("end_date", ""), "end_date", end_of_day=True)
    if start is None:
        start = (end or timezone.now()) - DEFAULT_SPAN
    if end is not None:
        if end < start:
            raise Open311Error(400, _("end_date: ligger före start_date."))
        incidents = incidents.filter(occurred_at__lte=end)
    incidents = incidents.filter(occurred_at__gte=start)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status: ange open, closed eller båda."))
    if statuses == {"open"}:
        incidents = incidents.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        incidents = incidents.filter(status__in=CLOSED)
    return incidents


def _list(request: HttpRequest, key: ApiKey) -> HttpResponse:
    partnership = _jurisdiction(request.GET, key)
    reader = reader_for(partnership, key)
    incidents = filtered(requests_of(partnership), request.GET)[:MAX_REQUESTS]
    return _json([as_request(incident, reader) for incident in incidents])


@endpoint("GET", "POST")
def requests(request: HttpRequest, key: ApiKey | None) -> HttpResponse:
    return _create(request, _required(key)) if request.method == "POST" else _list(request, _required(key))


@endpoint("GET")
def service_request(request: HttpRequest, key: ApiKey | None, pk: int) -> HttpResponse:
    key = _required(key)
    partnership = _jurisdiction(request.GET, key)
    incident = requests_of(partnership).filter(pk=pk).first()
    if incident is None:
        raise Open311Error(404, _("Det finns ingen begäran %(id)s här.") % {"id": pk})
    return _json([as_request(incident, reader_for(partnership, key))])
