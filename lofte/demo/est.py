"""A year of made-up EST incidents for the demo, clearly labelled, at plausible places in and around Mjölby.

Everything here is invented: `is_demo`, source "demo", and every description, note and meeting text begins
"[Demodata]". With a fixed seed the year is the same each time, counted back from the moment it is loaded.

What the year looks like is data, in `data/est.json` (its README says more): about 10–30 reports a week, more in
summer; more on Friday and Saturday and in the evening and night, each category with its own season and hours
(buskörning and gatherings outdoors in summer evenings, poor lighting and gatherings in stairwells in the dark half
of the year, incidents against staff on weekday daytime). Each report lies at one of a handful of named places
(resecentrum, Stora torget, schools, parks, Bostadsbolaget's areas, the centres of Mantorp and Skänninge) with some
metres of scatter, always inside the kommun (checked with `places.area_for_point`, which also gives its area), and
is filed by a member of the partner organisation that would notice it. Most are reviewed within a few days, some
rejected with a reason, a few merged into an earlier report of the same thing; klotter is routed to the housing
company (a routing rule the demo adds) which decides and carries out the sanering. The lifecycle timestamps and the
timeline (`IncidentUpdate`) agree, and the updates are marked as notified so that no e-mail goes out. The last
weeks get the samordnare's weekly assessment, and the last two weeks an EST meeting each, with participants, notes
and actions: one done, one still open and carried over, one new.

This module is the generator. A year through `report_incidents` and `change_status` would take long and queue an
e-mail per change, so the incidents are written with bulk_create after the same checks the reporting path makes
(active leaf category, point inside the kommun, no personal data in the text, routing by `routing.route`), with one
audit row for them all as a system action ("lofte demo"). Everything else goes through the real actions, done by the
partnership's samordnare (the reviewer): the routing rule (`review.actions.do_add_routing_rule`), the weekly assessments
(`weekly.actions.do_save_week_note`), the meetings and their actions (`meetings.actions.do_create_meeting`,
`do_create_measure`, `do_update_measure`), each meeting also marked in the audit log as the demo's ("est.demo"). Only the link from an
action to the reports it answers is set directly: linking through `do_create_measure` would move those reports on
today and e-mail their reporters, while the demo's reports have their whole lifecycle in the past. Loading again
adds nothing once the partnership has demo incidents, and no meeting once those weeks have one.
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
from lofte.demo.data import load
from lofte.est import places
from lofte.est.meetings.actions import MeasurePlace, do_create_measure, do_create_meeting, do_update_measure
from lofte.est.models import Category, Incident, IncidentUpdate, Measure, Meeting, RoutingRule, WeekNote
from lofte.est.queries import categories_of
from lofte.est.review.actions import do_add_routing_rule
from lofte.est.routing import route, rules_for
from lofte.est.status import TIMESTAMPS
from lofte.est.weekly.actions import do_save_week_note
from lofte.lib.actors import Actor, SystemActor
from lofte.lib.pii import find_personal_data
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Membership, Organisation, Partnership

ACTOR = SystemActor("lofte demo")
LABEL = "[Demodata]"
SEED = 586
WEEKS = 52
DATA = load("est")
S = Incident.Status
Kind = Organisation.Kind
Role = Membership.Role
# Reporting members by preference: a rapportör first, as in practice.
REPORTER_ROLES = (Role.RAPPORTOR, Role.SAMORDNARE, Role.POLIS, Role.ADMIN)
MEAN_PER_WEEK: float = DATA["mean_per_week"]
SUMMER: dict[str, float] = DATA["summer"]
WEEKDAYS: list[float] = DATA["weekdays"]  # Monday … Sunday
HOURS: dict[str, list[float]] = DATA["hours"]  # weight of each hour 0–23
ELSEWHERE: float = DATA["elsewhere"]  # how often a category happens at a place it does not fit
REPORTS: dict[str, Any] = DATA["reports"]
LIFECYCLE_PATTERN: dict[str, Any] = DATA["lifecycle"]
NOTES: dict[str, Any] = DATA["notes"]
WEEK_NOTES: dict[str, Any] = DATA["week_notes"]
MEETINGS: list[dict[str, Any]] = DATA["meetings"]


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


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lng: float
    scatter_m: float
    weight: float
    fits: dict[str, float] = field(default_factory=dict)  # category code → how often it happens here
    housing: bool = False


def _pattern(spec: dict[str, Any]) -> Pattern:
    persons = spec.get("persons")
    values = {**spec, "persons": tuple(persons) if persons else None, "texts": tuple(spec.get("texts", ()))}
    if values["hours"] not in HOURS:
        raise ValueError(f"data/est.json: {spec['code']} has unknown hours {values['hours']!r}")
    return Pattern(**values)


KINDS = tuple(_pattern(spec) for spec in DATA["kinds"])
PLACES = tuple(Place(**spec) for spec in DATA["places"])
PLACE = {place.name: place for place in PLACES}
LIFECYCLE = ("reviewed_at", "action_decided_at", "resolved_at", "closed_at", "rejected_at", "merged_at")


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
        if place.housing and self.housing is not None and rng.random() < REPORTS["housing_place_share"]:
            return self.housing
        weights = REPORTS["organisation_weights"]
        parts = (("kommun", self.kommun), ("housing", self.housing), ("police", self.police))
        present = [(o, weights[part]) for part, o in parts if o is not None]
        if not present:
            return None
        return rng.choices([o for o, _w in present], [w for _o, w in present])[0]


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


def _seasonal(day_of_year: int, peak_day: float, swing: float) -> float:
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
        mean = MEAN_PER_WEEK * _seasonal(middle, SUMMER["peak_day"], SUMMER["swing"])
        for _i in range(_poisson(rng, mean)):
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
    pattern = LIFECYCLE_PATTERN

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
    when = later(*pattern["review_days"])
    if when is None:
        return
    within = timedelta(hours=pattern["merge_within_hours"])
    close = earlier is not None and incident.occurred_at - earlier.incident.occurred_at < within
    if close and earlier is not None and rng.random() < pattern["merge_share"]:
        planned.duplicate_of = earlier.duplicate_of or earlier  # always the first report of the thing
        planned.steps.append((S.AVSLUTAD, when, NOTES["merged"]))
        return
    if rng.random() < pattern["reject_share"]:
        planned.steps.append((S.AVVISAD, when, rng.choice(NOTES["rejected"])))
        return
    planned.steps.append((S.GRANSKAD, when, ""))
    routed = incident.routed_to_id is not None
    if routed or rng.random() < pattern["action_share"]:
        for status, notes in ((S.ATGARD_BESLUTAD, "decided"), (S.ATGARDAD, "resolved"), (S.AVSLUTAD, "closed")):
            if (when := later(*pattern["action_days"][status])) is None:
                return
            planned.steps.append((status, when, rng.choice(NOTES[notes])))
        return
    if rng.random() < pattern["close_share"] and (when := later(*pattern["close_days"])) is not None:
        planned.steps.append((S.AVSLUTAD, when, rng.choice(NOTES["closed"])))


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
    """The partnership's active leaf categories by code (its reference set, created with the partnership)."""
    categories = categories_of(partnership)
    with_active_children = {c.parent_id for c in categories if c.active and c.parent_id}
    return {c.code: c for c in categories if c.active and c.pk not in with_active_children}


def _routing_rule(access: PartnershipAccess | None, categories: dict[str, Category], cast: Cast) -> None:
    """Klotter to the housing company, which decides and carries out the sanering, unless a rule routes it."""
    klotter = categories.get("skadegorelse.klotter")
    if access is None or not access.can(Can.MANAGE) or cast.housing is None or klotter is None:
        return
    if RoutingRule.objects.filter(partnership=access.partnership, category=klotter, area=None).exists():
        return
    do_add_routing_rule(access, category=klotter, area=None, organisation=cast.housing, actor=cast.reviewer)


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
    low, high = REPORTS["reported_after_hours"]
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
        police_report = kind.police > REPORTS["police_report_number_above"]
        incident = Incident(
            partnership=partnership,
            category=category,
            occurred_at=occurred_at,
            reported_at=min(occurred_at + timedelta(hours=rng.uniform(low, high)), now - timedelta(minutes=5)),
            latitude=point.lat,
            longitude=point.lng,
            place_name=place.name,
            area=area,
            description=description,
            persons=persons,
            unsafety=max(1, min(5, kind.unsafety + rng.choice(REPORTS["unsafety_spread"]))),
            police_report_number=f"K{rng.randrange(100000, 999999)}-{occurred_at:%y}" if police_report else "",
            anonymous=rng.random() < REPORTS["anonymous_share"],
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


def _week_notes(access: PartnershipAccess, categories: dict[str, Category], cast: Cast, today: date) -> int:
    """The samordnare's assessment of each of the last weeks that has none, from the week's demo incidents."""
    partnership = access.partnership
    written = 0
    for back in range(1, WEEK_NOTES["weeks"] + 1):
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
        text = f"{LABEL} " + WEEK_NOTES["count"].format(week=week, count=len(rows))
        if rows:
            code, count = Counter(code for code, _place in rows).most_common(1)[0]
            place, at_place = Counter(place for _code, place in rows).most_common(1)[0]
            name = categories[code].label if code in categories else code
            text += WEEK_NOTES["most"].format(category=name.lower(), count=count, place=place, at_place=at_place)
        do_save_week_note(access, actor=cast.reviewer, iso_year=year, iso_week=week, text=text)
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


def _action(
    access: PartnershipAccess, meeting: Meeting, spec: dict[str, Any], organisation: Organisation, actor: Actor
) -> Measure:
    """One action decided at the meeting, with how it has gone since, linked to the recent reports at its place."""
    place = PLACE[spec["place"]]
    where = MeasurePlace(place_name=place.name, latitude=place.lat, longitude=place.lng)
    due_on = meeting.held_on + timedelta(days=spec["due_days"])
    what = f"{LABEL} {spec['what']}"
    action = do_create_measure(
        access, meeting, actor=actor, what=what, organisation=organisation, place=where, due_on=due_on
    )
    if spec["status"] != Measure.Status.BESLUTAD:
        done_on = meeting.held_on + timedelta(days=spec["done_days"]) if "done_days" in spec else None
        outcome = f"{LABEL} {spec['outcome']}" if spec.get("outcome") else ""
        do_update_measure(
            access, action, actor=actor, status=spec["status"], outcome=outcome, done_on=done_on, due_on=due_on
        )
    action.incidents.set(_recent_at(meeting.partnership, place, meeting.held_on))  # see the module's docstring
    return action


def _meetings(access: PartnershipAccess, cast: Cast, today: date) -> int:
    """The EST meetings of the last weeks (data/est.json), unless any of those weeks has a meeting already."""
    partnership = access.partnership
    weeks = [_week(today - timedelta(weeks=spec["weeks_back"])) for spec in MEETINGS]
    taken = Meeting.objects.filter(partnership=partnership, iso_year__in=[y for y, _w in weeks])
    if set(taken.values_list("iso_year", "iso_week")) & set(weeks):
        return 0
    kommun = cast.kommun or cast.police or cast.housing
    if kommun is None:
        return 0
    organisations = {"kommun": kommun, "police": cast.police or kommun, "housing": cast.housing or kommun}
    participants = _participants(partnership)
    for spec, (year, week) in zip(MEETINGS, weeks, strict=True):
        meeting = do_create_meeting(
            access,
            actor=cast.reviewer,
            iso_year=year,
            iso_week=week,
            held_on=date.fromisocalendar(year, week, spec["weekday"]),
            participants=participants,
            notes=f"{LABEL} {spec['notes']}",
        )
        for action in spec["actions"]:
            _action(access, meeting, action, organisations[action["organisation"]], cast.reviewer)
        changes = {"meeting": str(meeting), "actions": meeting.actions.count()}
        record("est.demo", actor=ACTOR, obj=meeting, partnership=partnership, changes=changes)
    return len(MEETINGS)


def _reviewer_access(partnership: Partnership, cast: Cast) -> PartnershipAccess | None:
    """The partnership as its reviewer uses it, to do what the samordnare does in Löfte; None without one."""
    if cast.reviewer is None:
        return None
    return get_partnership_for_user(cast.reviewer, partnership.slug, Can.EDIT)


def load_est_demo(partnership: Partnership, *, seed: int = SEED, now: datetime | None = None) -> EstDemo:
    """A year of demo incidents, week notes and two meetings for the partnership; again, it adds nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    demo_incidents = Incident.objects.filter(partnership=partnership, is_demo=True)
    with transaction.atomic():
        categories = _categories(partnership)
        cast = _cast(partnership)
        access = _reviewer_access(partnership, cast)
        created = not demo_incidents.exists()
        if created:
            _routing_rule(access, categories, cast)
            planned = _plan(partnership, categories, cast, seed, now)
            _write(partnership, planned, cast)
            record(
                "est.demo",
                actor=ACTOR,
                partnership=partnership,
                changes={"incidents": len(planned), "seed": seed, "until": now.isoformat(timespec="seconds")},
            )
        if access is not None:
            _week_notes(access, categories, cast, today)
            _meetings(access, cast, today)
    meetings = Meeting.objects.filter(partnership=partnership, notes__startswith=LABEL).count()
    return EstDemo(demo_incidents.count(), meetings, created)
