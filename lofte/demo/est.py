"""A year of made-up EST incidents for the demo, clearly labelled, at plausible places in and around Mjölby.

Everything here is invented: `is_demo`, source "demo", and every description, note and meeting text begins
"[Demodata]". With a fixed seed the year is the same each time, counted back from the moment it is loaded.

About 10–30 reports a week, more in summer; more on Friday and Saturday and in the evening and night, each
category with its own season and hours (buskörning and gatherings outdoors in summer evenings, poor lighting
and gatherings in stairwells in the dark half of the year, incidents against staff on weekday daytime). Each
report lies at one of a handful of named places (resecentrum, Stora torget, schools, parks, Bostadsbolaget's
areas, the centres of Mantorp and Skänninge) with some metres of scatter, always inside the kommun (checked with
`places.area_for_point`, which also gives its area), and is filed by a member of the partner organisation that
would notice it. Most are reviewed within a few days, some rejected with a reason, a few merged into an earlier
report of the same thing; klotter is routed to the housing company (a routing rule the demo adds) which decides
and carries out the sanering. The lifecycle timestamps and the timeline (`IncidentUpdate`) agree, and the
updates are marked as notified so that no e-mail goes out. The last weeks get the samordnare's weekly
assessment, and the last two weeks an EST meeting each, with participants, notes and actions: one done, one
still open and carried over, one new.

A year through `report_incidents` and `change_status` would take long and queue an e-mail per change, so the
incidents are written with bulk_create after the same checks the reporting path makes (active leaf category,
point inside the kommun, no personal data in the text, routing by `routing.route`). The audit log gets one row
for the incidents, one for the routing rule and one for each meeting, as system actions ("lofte demo"). Loading
again adds nothing once the partnership has demo incidents, and no meeting once those weeks have one.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.audit.log import record
from lofte.est import places
from lofte.est.actions import ensure_categories, settings_for
from lofte.est.models import Action, Category, Incident, IncidentUpdate, Meeting, RoutingRule, WeekNote
from lofte.est.routing import route, rules_for
from lofte.est.status import TIMESTAMPS
from lofte.lib.actors import SystemActor
from lofte.lib.pii import find_personal_data
from lofte.partnerships.models import Membership, Organisation, Partnership

ACTOR = SystemActor("lofte demo")
LABEL = "[Demodata]"
SEED = 586
WEEKS = 52
MEAN_PER_WEEK = 19.0  # about 13 a week in winter and 25 in summer
SUMMER_SWING = 0.3
NOTED_WEEKS = 6  # the samordnare's assessment of each of the last weeks
S = Incident.Status
Kind = Organisation.Kind
Role = Membership.Role
# Reporting members by preference: a rapportör first, as in practice.
REPORTER_ROLES = (Role.RAPPORTOR, Role.SAMORDNARE, Role.POLIS, Role.ADMIN)
WEEKDAYS = (0.8, 0.8, 0.9, 1.0, 1.4, 1.5, 1.1)  # Monday … Sunday
HOURS = {
    # weight of each hour 0–23
    "evening": (3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 4, 5, 7, 9, 10, 10, 8, 5),
    "night": (8, 7, 5, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 6, 8, 10, 10),
    "day": (0, 0, 0, 0, 0, 0, 1, 4, 8, 9, 9, 8, 7, 8, 9, 9, 7, 4, 2, 1, 1, 0, 0, 0),
    "any": (2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 5, 4, 3, 2),
}


@dataclass(frozen=True)
class Pattern:
    """How one category behaves: how common, when in the year (its peak day and swing) and of the day."""

    code: str
    weight: float
    hours: str
    peak_day: int = 196  # mid-July
    swing: float = 0.0  # 0: the same all year; 0.6: 60 % above the mean at the peak
    persons: tuple[int, int] | None = None
    unsafety: int = 3
    police: float = 0.0  # the share filed by the police
    texts: tuple[str, ...] = ()


KINDS = (
    Pattern(
        "skadegorelse.klotter",
        16,
        "night",
        swing=0.3,
        unsafety=2,
        texts=(
            "Nytt klotter på fasaden mot gångvägen, cirka två kvadratmeter.",
            "Taggar med sprayfärg på elskåp och busskur.",
            "Klotter i gångtunneln, delvis med kränkande text.",
            "Klotter på soprummets dörr och på cykelstället.",
        ),
    ),
    Pattern(
        "skadegorelse.glaskross",
        7,
        "night",
        swing=0.2,
        texts=(
            "Krossad ruta i entrédörren, glas på marken.",
            "Busskurens glas sönderslaget under natten.",
            "Två krossade fönster på gaveln; fastighetsskötare har satt upp skivor.",
        ),
    ),
    Pattern(
        "skadegorelse.brand",
        2,
        "night",
        peak_day=1,
        swing=0.5,
        unsafety=4,
        texts=("Brand i papperskorg, släckt av förbipasserande.", "Brandskadad soptunna vid gångvägen."),
    ),
    Pattern(
        "skadegorelse.ovrig",
        5,
        "night",
        swing=0.2,
        texts=("Sönderbrutna parkbänkar och nedrivna skyltar.", "Cykelställ och belysningsstolpe skadade."),
    ),
    Pattern(
        "samling.trapphus",
        6,
        "evening",
        peak_day=15,
        swing=0.5,
        persons=(3, 8),
        unsafety=4,
        texts=(
            "Grupp ungdomar i trapphuset kvällstid, boende upplever det som otryggt att passera.",
            "Personer har uppehållit sig i trapphuset, fimpar och skräp kvar.",
        ),
    ),
    Pattern(
        "samling.kallare",
        2,
        "evening",
        peak_day=15,
        swing=0.4,
        persons=(2, 6),
        unsafety=4,
        texts=("Uppbrutet förråd i källaren, tecken på att någon uppehållit sig där.",),
    ),
    Pattern(
        "samling.garage",
        2,
        "night",
        persons=(3, 10),
        texts=("Bilar samlas i garaget sent på kvällen med hög musik.",),
    ),
    Pattern(
        "samling.kopcentrum",
        4,
        "evening",
        peak_day=20,
        swing=0.3,
        persons=(4, 12),
        texts=(
            "Större grupp vid butiksentrén, personal upplever hot.",
            "Ungdomar samlas vid entrén och hindrar kunder.",
        ),
    ),
    Pattern(
        "samling.utomhus",
        12,
        "evening",
        swing=0.7,
        persons=(4, 20),
        texts=(
            "Större grupp ungdomar samlades sent på kvällen, högljutt och flaskor kvar efteråt.",
            "Samling med mopeder och hög musik efter klockan 22.",
            "Grupp vid bänkarna, boende ringde om oro.",
        ),
    ),
    Pattern(
        "ordning.brak",
        6,
        "night",
        swing=0.4,
        persons=(2, 6),
        unsafety=4,
        police=0.5,
        texts=(
            "Bråk mellan några personer, lugnade sig innan polis kom.",
            "Högljutt bråk utanför entrén vid stängning.",
        ),
    ),
    Pattern(
        "ordning.vald",
        2,
        "night",
        swing=0.4,
        persons=(2, 4),
        unsafety=5,
        police=0.8,
        texts=("Misshandel på allmän plats, polisanmäld.", "Knuffar och slag i samband med bråk, polisanmält."),
    ),
    Pattern(
        "ordning.inbrott",
        2,
        "night",
        peak_day=320,
        swing=0.3,
        police=0.6,
        texts=("Inbrott i förråd, flera förrådsdörrar uppbrutna.", "Inbrottsförsök i lokalen, skadad dörr."),
    ),
    Pattern(
        "ordning.ran",
        0.5,
        "night",
        persons=(2, 4),
        unsafety=5,
        police=0.9,
        texts=("Rån på allmän plats, polisanmält.",),
    ),
    Pattern(
        "ordning.droger",
        4,
        "evening",
        swing=0.2,
        unsafety=4,
        police=0.6,
        texts=(
            "Misstänkt langning vid gångtunneln, återkommande kvällstid.",
            "Fynd av sprutor och små påsar vid buskaget.",
        ),
    ),
    Pattern(
        "ordning.olovligt_boende",
        2,
        "night",
        peak_day=15,
        swing=0.6,
        persons=(1, 2),
        texts=("Tecken på att någon sovit i cykelrummet.", "Madrass och filtar i trapphuset under natten."),
    ),
    Pattern(
        "ordning.buskorning",
        7,
        "evening",
        peak_day=180,
        swing=0.9,
        unsafety=3,
        texts=(
            "A-traktorer och mopeder kör i hög fart över torget.",
            "Buskörning med mopeder på gång- och cykelvägen.",
            "Bilar kör runt i centrum med hög musik sent på kvällen.",
        ),
    ),
    Pattern(
        "ordning.tillhyggen",
        1,
        "any",
        swing=0.2,
        texts=("Stenar och trästörar upplagda vid gångvägen.",),
    ),
    Pattern(
        "otrygg_plats.belysning",
        5,
        "any",
        peak_day=350,
        swing=0.8,
        unsafety=3,
        texts=(
            "Flera gatlampor ur funktion längs gångvägen.",
            "Mörkt vid entrén, belysningen trasig sedan flera dagar.",
        ),
    ),
    Pattern(
        "otrygg_plats.skymd_insyn",
        2,
        "day",
        peak_day=200,
        swing=0.5,
        texts=("Buskage har vuxit igen och skymmer sikten mot gångvägen.",),
    ),
    Pattern(
        "otrygg_plats.nedskrapning",
        6,
        "day",
        swing=0.6,
        unsafety=2,
        texts=("Mycket skräp och krossade flaskor efter helgen.", "Nedskräpat vid bänkarna, engångsgrillar kvar."),
    ),
    Pattern(
        "otrygg_plats.odslig",
        1,
        "day",
        texts=("Ödsligt och mörkt kvällstid, inga som rör sig här efter stängning.",),
    ),
    Pattern(
        "incident_anstalld.hindrad",
        1,
        "day",
        texts=("Personal hindrades i arbetet av en grupp som inte ville flytta på sig.",),
    ),
    Pattern(
        "incident_anstalld.hotad",
        1,
        "day",
        unsafety=4,
        texts=("Personal blev hotad i samband med tillsägelse.",),
    ),
    Pattern(
        "incident_anstalld.provocerad",
        1,
        "day",
        texts=("Personal provocerades och filmades med mobil under arbetet.",),
    ),
    Pattern(
        "anlagd_brand",
        1,
        "night",
        peak_day=120,  # around Valborg
        swing=0.5,
        unsafety=5,
        police=0.5,
        texts=("Anlagd brand i container, räddningstjänsten släckte.",),
    ),
    Pattern(
        "arrangemang",
        1,
        "day",
        peak_day=190,
        swing=0.8,
        texts=("Kommande evenemang i centrum helgen, väntat många besökare.",),
    ),
    Pattern(
        "ryktesspridning",
        1,
        "evening",
        texts=("Rykten i sociala medier om bråk vid skolan i helgen.",),
    ),
)


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lng: float
    scatter_m: float
    weight: float
    fits: dict[str, float] = field(default_factory=dict)  # category code → how often it happens here
    housing: bool = False


PLACES = (
    Place(
        "Mjölby resecentrum",
        58.3236,
        15.1290,
        120,
        3,
        {
            "samling.utomhus": 3,
            "skadegorelse.klotter": 2,
            "skadegorelse.glaskross": 2,
            "ordning.brak": 2,
            "ordning.vald": 2,
            "ordning.droger": 3,
            "ordning.olovligt_boende": 2,
            "otrygg_plats.belysning": 1,
            "otrygg_plats.nedskrapning": 1,
            "otrygg_plats.odslig": 2,
            "incident_anstalld.hotad": 1,
        },
    ),
    Place(
        "Stora torget",
        58.3253,
        15.1262,
        90,
        3,
        {
            "samling.utomhus": 2,
            "samling.kopcentrum": 3,
            "ordning.brak": 3,
            "ordning.vald": 2,
            "ordning.buskorning": 4,
            "ordning.ran": 1,
            "skadegorelse.klotter": 1,
            "otrygg_plats.nedskrapning": 1,
            "arrangemang": 3,
            "incident_anstalld.provocerad": 1,
        },
    ),
    Place(
        "Stadsparken vid Svartån",
        58.3268,
        15.1318,
        140,
        2,
        {
            "samling.utomhus": 3,
            "ordning.droger": 2,
            "otrygg_plats.belysning": 3,
            "otrygg_plats.skymd_insyn": 3,
            "otrygg_plats.nedskrapning": 3,
            "skadegorelse.ovrig": 2,
            "skadegorelse.brand": 1,
            "ordning.tillhyggen": 1,
        },
    ),
    Place(
        "Kungshögaskolan",
        58.3290,
        15.1185,
        110,
        1.5,
        {
            "skadegorelse.klotter": 2,
            "skadegorelse.glaskross": 3,
            "samling.utomhus": 1,
            "incident_anstalld.hindrad": 2,
            "ryktesspridning": 3,
            "anlagd_brand": 1,
        },
    ),
    Place(
        "Vifolkaskolan",
        58.3210,
        15.1345,
        110,
        1.5,
        {
            "skadegorelse.klotter": 2,
            "skadegorelse.glaskross": 2,
            "ordning.droger": 1,
            "incident_anstalld.provocerad": 2,
            "ryktesspridning": 2,
            "ordning.buskorning": 1,
        },
    ),
    Place(
        "Sörby (Bostadsbolaget)",
        58.3170,
        15.1240,
        160,
        2.5,
        {
            "samling.trapphus": 3,
            "samling.kallare": 3,
            "samling.garage": 2,
            "skadegorelse.klotter": 3,
            "skadegorelse.brand": 2,
            "ordning.inbrott": 3,
            "ordning.olovligt_boende": 1,
            "otrygg_plats.belysning": 1,
            "incident_anstalld.hotad": 1,
        },
        housing=True,
    ),
    Place(
        "Lundby (Bostadsbolaget)",
        58.3330,
        15.1370,
        160,
        2,
        {
            "samling.trapphus": 3,
            "samling.kallare": 2,
            "samling.garage": 3,
            "skadegorelse.klotter": 3,
            "skadegorelse.glaskross": 1,
            "ordning.inbrott": 2,
            "otrygg_plats.skymd_insyn": 1,
        },
        housing=True,
    ),
    Place(
        "Mantorps centrum",
        58.3497,
        15.2850,
        150,
        1,
        {"samling.utomhus": 2, "ordning.buskorning": 3, "skadegorelse.klotter": 1, "samling.kopcentrum": 1},
    ),
    Place(
        "Skänninge torg",
        58.3955,
        15.0865,
        130,
        0.7,
        {"samling.utomhus": 2, "ordning.buskorning": 2, "otrygg_plats.belysning": 1, "skadegorelse.ovrig": 1},
    ),
)
PLACE = {place.name: place for place in PLACES}
LIFECYCLE = ("reviewed_at", "action_decided_at", "resolved_at", "closed_at", "rejected_at", "merged_at")
ELSEWHERE = 0.15  # how often a category happens at a place it does not fit

REJECTIONS = (
    "Händelsen ligger på privat mark och hanteras inte i EST.",
    "För lite underlag för att bedöma platsen; återkom gärna med fler uppgifter.",
    "Samma händelse som redan rapporterats och hanterats.",
)
CLOSING = (
    "Tas med i veckans lägesbild; ingen ytterligare åtgärd.",
    "Följs upp vid nästa EST-möte.",
    "Platsen bevakas; inga nya händelser sedan dess.",
)
DECIDED = ("Åtgärd beslutad vid EST-mötet.", "Sanering beställd.", "Fastighetsskötare skickas dit.")
RESOLVED = ("Åtgärdat.", "Sanerat och kontrollerat.", "Trasigt utbytt.")


@dataclass(frozen=True)
class EstDemo:
    incidents: int
    meetings: int
    created: bool  # False: the partnership had demo incidents already


@dataclass
class Cast:
    """Who plays which part: reporting organisations and members, and the reviewer."""

    kommun: Organisation | None
    police: Organisation | None
    housing: Organisation | None
    reporters: dict[int, Any]  # organisation id → the member who reports for it (or None)
    reviewer: Any

    def organisation_for(self, rng: random.Random, kind: Pattern, place: Place) -> Organisation | None:
        if self.police is not None and rng.random() < kind.police:
            return self.police
        if place.housing and self.housing is not None and rng.random() < 0.8:
            return self.housing
        choices = [o for o in (self.kommun, self.housing, self.police) if o is not None]
        weights = [6, 2, 2][: len(choices)]
        return rng.choices(choices, weights)[0] if choices else None


def _cast(partnership: Partnership) -> Cast:
    organisations = list(partnership.organisations.order_by("pk"))

    def first(kind: str) -> Organisation | None:
        return next((o for o in organisations if o.kind == kind), None)

    members = list(
        Membership.objects.filter(organisation__in=organisations, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    reporters: dict[int, Any] = {}
    for role in REPORTER_ROLES:
        for membership in members:
            if membership.role == role:
                reporters.setdefault(membership.organisation_id, membership.user)
    reviewer = next((m.user for m in members if m.role == Role.SAMORDNARE), None) or next(
        (m.user for m in members if m.role == Role.POLIS), None
    )
    return Cast(first(Kind.KOMMUN), first(Kind.LPO), first(Kind.BOSTADSBOLAG), reporters, reviewer)


# When and where


def _seasonal(day_of_year: int, peak_day: int, swing: float) -> float:
    return 1 + swing * math.cos(2 * math.pi * (day_of_year - peak_day) / 365.25)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _offset(rng: random.Random, place: Place) -> places.LatLng:
    north, east = rng.gauss(0, place.scatter_m), rng.gauss(0, place.scatter_m)
    lat = place.lat + north / places.METRES_PER_DEGREE_LAT
    lng = place.lng + east / (places.METRES_PER_DEGREE_LAT * math.cos(math.radians(place.lat)))
    return places.LatLng(round(lat, 6), round(lng, 6))


@dataclass
class Planned:
    """One incident and what happens to it, before it is written."""

    incident: Incident
    kind: Pattern
    place: Place
    steps: list[tuple[str, datetime, str]] = field(default_factory=list)  # (status, when, note)
    duplicate_of: Planned | None = None


def _moments(rng: random.Random, now: datetime) -> list[tuple[datetime, Pattern]]:
    """When each incident of the year happened, and its kind.

    The year is laid out in calendar weeks, Monday to Sunday in local time, so the weekday, hour and season
    patterns fall on the right days whatever day the demo is loaded, and a load later in the same week
    gives the same incidents plus those that have happened since.
    """
    today = timezone.localdate(now)
    first_monday = today - timedelta(days=today.weekday(), weeks=WEEKS)
    found = []
    for week in range(WEEKS + 1):
        monday = first_monday + timedelta(weeks=week)
        middle = (monday + timedelta(days=3)).timetuple().tm_yday
        for _i in range(_poisson(rng, MEAN_PER_WEEK * _seasonal(middle, 196, SUMMER_SWING))):
            day = monday + timedelta(days=rng.choices(range(7), WEEKDAYS)[0])
            doy = day.timetuple().tm_yday
            kind = rng.choices(KINDS, [k.weight * _seasonal(doy, k.peak_day, k.swing) for k in KINDS])[0]
            hour = rng.choices(range(24), HOURS[kind.hours])[0]
            moment = _local(day, time(hour, rng.randrange(60)))
            if moment < now - timedelta(hours=1):
                found.append((moment, kind))
    return sorted(found, key=lambda pair: pair[0])


def _local(day: date, at: time) -> datetime:
    """The local wall-clock time on that day; on the spring night an hour that does not exist moves an hour on."""
    moment = timezone.make_aware(datetime.combine(day, at))
    return timezone.localtime(moment)


def _place(rng: random.Random, kind: Pattern) -> Place:
    return rng.choices(PLACES, [p.weight * p.fits.get(kind.code, ELSEWHERE) for p in PLACES])[0]


# What happens to each report


def _lifecycle(rng: random.Random, planned: Planned, recent: dict[tuple[str, str], Planned], now: datetime) -> None:
    """The statuses the report goes through after mottagen, each with its time and note, never past now."""
    incident = planned.incident
    moment = incident.reported_at

    def later(low_days: float, high_days: float) -> datetime | None:
        nonlocal moment
        candidate = moment + timedelta(hours=rng.uniform(low_days * 24, high_days * 24))
        if candidate >= now:
            return None
        moment = candidate
        return moment

    key = (planned.kind.code, planned.place.name)
    earlier = recent.get(key)
    recent[key] = planned
    when = later(0.3, 5)
    if when is None:
        return
    close = earlier is not None and incident.occurred_at - earlier.incident.occurred_at < timedelta(hours=48)
    if close and earlier is not None and rng.random() < 0.6:
        planned.duplicate_of = earlier.duplicate_of or earlier  # always the first report of the thing
        planned.steps.append((S.AVSLUTAD, when, "Sammanslagen med en tidigare rapport om samma sak."))
        return
    if rng.random() < 0.05:
        planned.steps.append((S.AVVISAD, when, rng.choice(REJECTIONS)))
        return
    planned.steps.append((S.GRANSKAD, when, ""))
    routed = incident.routed_to_id is not None
    if routed or rng.random() < 0.12:
        for status, notes, low, high in (
            (S.ATGARD_BESLUTAD, DECIDED, 0.5, 4),
            (S.ATGARDAD, RESOLVED, 1, 10),
            (S.AVSLUTAD, CLOSING, 1, 7),
        ):
            if (when := later(low, high)) is None:
                return
            planned.steps.append((status, when, rng.choice(notes)))
        return
    if rng.random() < 0.45 and (when := later(2, 20)) is not None:
        planned.steps.append((S.AVSLUTAD, when, rng.choice(CLOSING)))


def _apply(planned: Planned, cast: Cast) -> None:
    incident = planned.incident
    for status, when, note in planned.steps:
        incident.status = status
        setattr(incident, TIMESTAMPS[status], when)
        if status == S.GRANSKAD:
            incident.reviewed_by = cast.reviewer
        if status == S.AVVISAD:
            incident.rejection_reason = f"{LABEL} {note}"
        if planned.duplicate_of is not None:
            incident.merged_at = when
            incident.reviewed_by = cast.reviewer


def _updates(planned: Planned, cast: Cast) -> list[IncidentUpdate]:
    incident = planned.incident
    first = IncidentUpdate(
        incident=incident,
        status=S.MOTTAGEN,
        organisation=incident.organisation,
        author=incident.reporter,
        created_at=incident.reported_at,
        notified_at=incident.reported_at,
    )
    rest = []
    for status, when, note in planned.steps:
        by_routed = status in (S.ATGARD_BESLUTAD, S.ATGARDAD) and incident.routed_to is not None
        organisation = incident.routed_to if by_routed else cast.kommun
        author = cast.reporters.get(organisation.pk) if by_routed and organisation else cast.reviewer
        text = f"{LABEL} {note}" if note else ""
        rest.append(
            IncidentUpdate(
                incident=incident,
                status=status,
                note=text,
                author=author,
                organisation=organisation,
                created_at=when,
                notified_at=when,
            )
        )
    return [first, *rest]


# Writing


def _categories(partnership: Partnership) -> dict[str, Category]:
    """The partnership's active leaf categories by code (its reference set, created if it has none)."""
    categories = ensure_categories(partnership)
    with_active_children = {c.parent_id for c in categories if c.active and c.parent_id}
    return {c.code: c for c in categories if c.active and c.pk not in with_active_children}


def _routing_rule(partnership: Partnership, categories: dict[str, Category], cast: Cast) -> RoutingRule | None:
    klotter = categories.get("skadegorelse.klotter")
    if cast.housing is None or klotter is None:
        return None
    rule, created = RoutingRule.objects.get_or_create(
        partnership=partnership, category=klotter, area=None, defaults={"organisation": cast.housing}
    )
    if created:
        record(
            "est.demo",
            actor=ACTOR,
            obj=rule,
            partnership=partnership,
            changes={"routing_rule": str(rule)},
        )
    return rule


def _area_finder(kommun: Area) -> Callable[[places.LatLng], Area | None]:
    """`places.area_for_point`, without its query per point when the kommun has no areas of its own."""
    if Area.objects.filter(parent=kommun, kind__in=SUBDIVISION_KINDS).exclude(geometry__isnull=True).exists():
        return partial(places.area_for_point, kommun)
    return lambda point: kommun if places.contains(kommun, point) else None


def _router(partnership: Partnership) -> Callable[[Incident], Organisation | None]:
    """`routing.route` over the partnership's rules, read once for the whole year."""
    rules = rules_for(partnership.pk)
    return lambda incident: route(incident, rules)


def _plan(
    partnership: Partnership, categories: dict[str, Category], cast: Cast, seed: int, now: datetime
) -> list[Planned]:
    rng = random.Random(seed)  # noqa: S311 (made-up data, not security)
    kommun = partnership.area
    area_of, route_of = _area_finder(kommun), _router(partnership)
    planned: list[Planned] = []
    recent: dict[tuple[str, str], Planned] = {}
    for occurred_at, kind in _moments(rng, now):
        category = categories.get(kind.code)
        if category is None:  # hidden by the partnership
            continue
        place = _place(rng, kind)
        point = _offset(rng, place)
        area = area_of(point)
        if area is None:  # scattered over the boundary: use the place itself
            point = places.LatLng(place.lat, place.lng)
            area = area_of(point)
        if area is None:
            raise ValueError(f"{place.name} ligger utanför {kommun.name}")
        organisation = cast.organisation_for(rng, kind, place)
        description = f"{LABEL} {rng.choice(kind.texts)}"
        if find_personal_data(description):
            raise ValueError(f"personuppgifter i demotexten: {description}")
        persons = rng.randint(*kind.persons) if kind.persons else None
        incident = Incident(
            partnership=partnership,
            category=category,
            occurred_at=occurred_at,
            reported_at=min(occurred_at + timedelta(hours=rng.uniform(0.2, 20)), now - timedelta(minutes=5)),
            latitude=point.lat,
            longitude=point.lng,
            place_name=place.name,
            area=area,
            description=description,
            persons=persons,
            unsafety=max(1, min(5, kind.unsafety + rng.choice((-1, 0, 0, 1)))),
            police_report_number=f"K{rng.randrange(100000, 999999)}-{occurred_at:%y}" if kind.police > 0.7 else "",
            anonymous=rng.random() < 0.1,
            reporter=cast.reporters.get(organisation.pk) if organisation else None,
            organisation=organisation,
            source=Incident.Source.DEMO,
            is_demo=True,
        )
        incident.routed_to = route_of(incident)
        item = Planned(incident, kind, place)
        _lifecycle(rng, item, recent, now)
        _apply(item, cast)
        planned.append(item)
    return planned


def _write(partnership: Partnership, planned: Sequence[Planned], cast: Cast) -> None:
    incidents = [p.incident for p in planned]
    Incident.objects.bulk_create(incidents, batch_size=500)
    merged = [item.incident for item in planned if item.duplicate_of is not None]
    for item in planned:
        if item.duplicate_of is not None:
            item.incident.duplicate_of = item.duplicate_of.incident
    Incident.objects.bulk_update(merged, ["duplicate_of"], batch_size=500)
    # bulk_create stamped updated_at with now (auto_now): make it the last change, as a status change does.
    last_change = Greatest(*(Coalesce(name, "reported_at") for name in LIFECYCLE), "reported_at")
    Incident.objects.filter(partnership=partnership, is_demo=True).update(updated_at=last_change)
    updates = [update for item in planned for update in _updates(item, cast)]
    IncidentUpdate.objects.bulk_create(updates, batch_size=1000)


# Weekly notes and meetings


def _week(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _week_notes(partnership: Partnership, categories: dict[str, Category], cast: Cast, today: date) -> int:
    """The samordnare's assessment of each of the last weeks that has none, from the week's demo incidents."""
    written = 0
    for back in range(1, NOTED_WEEKS + 1):
        year, week = _week(today - timedelta(weeks=back))
        if WeekNote.objects.filter(partnership=partnership, iso_year=year, iso_week=week).exists():
            continue
        start = _start_of(date.fromisocalendar(year, week, 1))
        rows = list(
            Incident.objects.filter(
                partnership=partnership,
                is_demo=True,
                occurred_at__gte=start,
                occurred_at__lt=start + timedelta(days=7),
            ).values_list("category__code", "place_name")
        )
        text = f"{LABEL} Vecka {week}: {len(rows)} händelser."
        if rows:
            code, count = Counter(code for code, _place in rows).most_common(1)[0]
            place, at_place = Counter(place for _code, place in rows).most_common(1)[0]
            name = categories[code].label if code in categories else code
            text += (
                f" Flest om {name.lower()} ({count}), flest vid {place} ({at_place}). "
                "Platsen tas upp på veckans EST-möte."
            )
        WeekNote.objects.create(
            partnership=partnership, iso_year=year, iso_week=week, text=text, updated_by=cast.reviewer
        )
        written += 1
    return written


def _participants(partnership: Partnership) -> str:
    members = (
        Membership.objects.filter(
            organisation__partnerships=partnership, role__in=[Role.SAMORDNARE, Role.POLIS, Role.RAPPORTOR]
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name")
    )
    return "\n".join(f"{m.user.full_name or m.user.email}, {m.organisation.name}" for m in members)


def _recent_at(partnership: Partnership, place: Place, before: date) -> list[Incident]:
    end = _start_of(before)
    return list(
        Incident.objects.filter(
            partnership=partnership,
            is_demo=True,
            place_name=place.name,
            occurred_at__gte=end - timedelta(days=14),
            occurred_at__lt=end,
        ).order_by("-occurred_at")[:5]
    )


def _action(meeting: Meeting, place: Place, organisation: Organisation, what: str, **fields: Any) -> Action:
    action = Action.objects.create(
        partnership=meeting.partnership,
        meeting=meeting,
        what=f"{LABEL} {what}",
        place_name=place.name,
        latitude=place.lat,
        longitude=place.lng,
        organisation=organisation,
        **fields,
    )
    action.incidents.set(_recent_at(meeting.partnership, place, meeting.held_on))
    return action


def _meetings(partnership: Partnership, cast: Cast, today: date) -> int:
    """The EST meetings of the last two weeks, on their Tuesdays, unless either week has a meeting already."""
    weeks = [_week(today - timedelta(weeks=2)), _week(today - timedelta(weeks=1))]
    taken = Meeting.objects.filter(partnership=partnership, iso_year__in=[y for y, _w in weeks])
    if set(taken.values_list("iso_year", "iso_week")) & set(weeks):
        return 0
    kommun = cast.kommun or cast.police or cast.housing
    if kommun is None:
        return 0
    police = cast.police or kommun
    participants = _participants(partnership)
    (year1, week1), (year2, week2) = weeks
    first = Meeting.objects.create(
        partnership=partnership,
        iso_year=year1,
        iso_week=week1,
        held_on=date.fromisocalendar(year1, week1, 2),
        participants=participants,
        notes=(
            f"{LABEL} Genomgång av veckans lägesbild. Återkommande klotter och krossade lampor vid resecentrum; "
            "samlingar kvällstid i Stadsparken där buskaget skymmer gångvägen. Bostadsbolaget rapporterar lugnare "
            "i Sörby efter förra månadens insatser."
        ),
        created_by=cast.reviewer,
    )
    station, park, square = (PLACE[name] for name in ("Mjölby resecentrum", "Stadsparken vid Svartån", "Stora torget"))
    _action(
        first,
        station,
        kommun,
        "Sanera klotret och byta trasig belysning i gångtunneln vid resecentrum.",
        due_on=first.held_on + timedelta(days=7),
        status=Action.Status.GENOMFORD,
        done_on=first.held_on + timedelta(days=4),
        outcome=f"{LABEL} Klottret sanerat och två armaturer bytta.",
    )
    _action(
        first,
        park,
        kommun,
        "Röja buskaget och se över belysningen längs gångvägen i Stadsparken.",
        due_on=first.held_on + timedelta(days=21),
        status=Action.Status.PAGAR,
    )
    second = Meeting.objects.create(
        partnership=partnership,
        iso_year=year2,
        iso_week=week2,
        held_on=date.fromisocalendar(year2, week2, 2),
        participants=participants,
        notes=(
            f"{LABEL} Åtgärden vid resecentrum är genomförd. Röjningen i Stadsparken pågår och följs upp nästa "
            "möte. Buskörning med A-traktorer på Stora torget fredag och lördag kväll har ökat."
        ),
        created_by=cast.reviewer,
    )
    _action(
        second,
        square,
        police,
        "Polisen prioriterar Stora torget fredag och lördag kväll; kommunen informerar om regler för A-traktorer.",
        due_on=second.held_on + timedelta(days=7),
        status=Action.Status.BESLUTAD,
    )
    for meeting in (first, second):
        record(
            "est.demo",
            actor=ACTOR,
            obj=meeting,
            partnership=partnership,
            changes={"meeting": str(meeting), "actions": meeting.actions.count()},
        )
    return 2


def load_est_demo(partnership: Partnership, *, seed: int = SEED, now: datetime | None = None) -> EstDemo:
    """A year of demo incidents, week notes and two meetings for the partnership; again, it adds nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demo_incidents = Incident.objects.filter(partnership=partnership, is_demo=True)
    with transaction.atomic():
        categories = _categories(partnership)
        settings_for(partnership)
        cast = _cast(partnership)
        created = not demo_incidents.exists()
        if created:
            _routing_rule(partnership, categories, cast)
            planned = _plan(partnership, categories, cast, seed, now)
            _write(partnership, planned, cast)
            record(
                "est.demo",
                actor=ACTOR,
                partnership=partnership,
                changes={"incidents": len(planned), "seed": seed, "until": now.isoformat(timespec="seconds")},
            )
        _week_notes(partnership, categories, cast, today)
        _meetings(partnership, cast, today)
    meetings = Meeting.objects.filter(partnership=partnership, notes__startswith=LABEL).count()
    return EstDemo(demo_incidents.count(), meetings, created)
