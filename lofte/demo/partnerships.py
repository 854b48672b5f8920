"""The demo: the three kommuner of the seed documents, LPO Motala, partners, partnerships and one user per role.

Running it again changes nothing but the demo users' passwords, which it prints.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.demo.est import EstDemo, load_est_demo
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_add_membership, do_create_organisation, do_create_partnership
from lofte.partnerships.models import Membership, Organisation, Partnership

ACTOR = SystemActor("lofte demo")
Kind = Organisation.Kind
Role = Membership.Role

ORGANISATIONS = [
    # slug, name, kind, home area code
    ("mjolby-kommun", "Mjölby kommun", Kind.KOMMUN, "0586"),
    ("motala-kommun", "Motala kommun", Kind.KOMMUN, "0583"),
    ("mullsjo-kommun", "Mullsjö kommun", Kind.KOMMUN, "0642"),
    ("lpo-motala", "Lokalpolisområde Motala", Kind.LPO, "05"),
    ("lpo-jonkoping", "Lokalpolisområde Jönköping", Kind.LPO, "06"),
    ("bostadsbolaget-mjolby", "Bostadsbolaget i Mjölby AB", Kind.BOSTADSBOLAG, "0586"),
]

PARTNERSHIPS = [
    # slug, name, kommun, parties, period
    (
        "mjolby",
        "Samverkan Mjölby",
        "0586",
        ["lpo-motala", "mjolby-kommun", "bostadsbolaget-mjolby"],
        (date(2023, 1, 1), date(2026, 12, 31)),
    ),
    ("motala", "Samverkan Motala", "0583", ["lpo-motala", "motala-kommun"], (None, None)),
    (
        "mullsjo",
        "Samverkan Mullsjö",
        "0642",
        ["mullsjo-kommun", "lpo-jonkoping"],
        (date(2024, 1, 1), date(2024, 12, 31)),
    ),
]

DESCRIPTIONS = {
    "mjolby": (
        "Lokalpolisområde Motala och Mjölby kommun har en skriftlig samverkansöverenskommelse för 2023–2026 "
        "om det brottsförebyggande och trygghetsskapande arbetet. Medborgarlöftet följs upp två gånger per år."
    ),
    "mullsjo": "Medborgarlöfte mellan Polisen och Mullsjö kommun, byggt på en gemensam lägesbild.",
}


@dataclass(frozen=True)
class DemoUser:
    role: str
    email: str
    full_name: str
    organisation: str
    title: str
    staff: bool = False


USERS = [
    DemoUser(
        Role.SAMORDNARE, "samordnare@mjolby.example", "Sara Lind", "mjolby-kommun", "Brottsförebyggande samordnare"
    ),
    DemoUser(Role.POLIS, "polis@motala.example", "Per Holm", "lpo-motala", "Kommunpolis"),
    DemoUser(Role.RAPPORTOR, "rapportor@bostadsbolaget.example", "Rasmus Ek", "bostadsbolaget-mjolby", "Bovärd"),
    DemoUser(Role.LASARE, "lasare@mjolby.example", "Lena Berg", "mjolby-kommun", "Ledamot i kommunstyrelsen"),
    DemoUser(Role.ADMIN, "admin@mjolby.example", "Adam Nord", "mjolby-kommun", "Systemförvaltare", staff=True),
    DemoUser(Role.SAMORDNARE, "samordnare@mullsjo.example", "Maja Sjö", "mullsjo-kommun", "Säkerhetssamordnare"),
]


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    organisation: str


def _organisations() -> dict[str, Organisation]:
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=[row[0] for row in ORGANISATIONS])}
    areas = {a.code: a for a in Area.objects.filter(code__in=[row[3] for row in ORGANISATIONS])}
    for slug, name, kind, area_code in ORGANISATIONS:
        if slug not in found:
            found[slug] = do_create_organisation(name=name, kind=kind, area=areas[area_code], slug=slug, actor=ACTOR)
    return found


def _partnerships(organisations: dict[str, Organisation]) -> None:
    existing = set(Partnership.objects.filter(slug__in=[row[0] for row in PARTNERSHIPS]).values_list("slug", flat=True))
    for slug, name, kommun_code, parties, (starts_on, ends_on) in PARTNERSHIPS:
        if slug in existing:
            continue
        do_create_partnership(
            name=name,
            slug=slug,
            area=Area.objects.get(code=kommun_code),
            organisations=[organisations[p] for p in parties],
            starts_on=starts_on,
            ends_on=ends_on,
            description=DESCRIPTIONS.get(slug, ""),
            is_published=True,
            actor=ACTOR,
        )


def _user(spec: DemoUser, organisations: dict[str, Organisation]) -> Login:
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(email__iexact=spec.email).first()
    if user is None:
        user = User.objects.create_user(spec.email, password, full_name=spec.full_name)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    if spec.staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    do_add_membership(user, organisations[spec.organisation], spec.role, title=spec.title, actor=ACTOR)
    return Login(spec.role, spec.email, password, organisations[spec.organisation].name)


def load_demo() -> list[Login]:
    with transaction.atomic():
        organisations = _organisations()
        _partnerships(organisations)
        return [_user(spec, organisations) for spec in USERS]


def load_demo_est() -> EstDemo | None:
    """A year of made-up EST incidents, week notes and two meetings for Mjölby (`lofte.demo.est`)."""
    mjolby = Partnership.objects.filter(slug="mjolby").select_related("area").first()
    return load_est_demo(mjolby) if mjolby else None
