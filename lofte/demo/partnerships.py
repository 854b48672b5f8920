"""The demo: the three kommuner of the seed documents, LPO Motala, partners, partnerships and one user per role
(`data/partnerships.json`), through the partnerships' actions.

Running it again changes nothing but the demo users' passwords and second factors, which it prints. Users are made
with the user model's own `create_user`: accounts has no action that makes a user with a password.

Second factors: the users marked `totp` get a new TOTP secret and recovery codes on every run (printed, so the demo
works without a phone: a recovery code, or the secret in any authenticator app or `oathtool --totp -b`); the
kommunpolis gets none, so that trying the demo shows how a role that must use one is asked to set it up first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.demo.data import load
from lofte.demo.est import EstDemo, load_est_demo
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_add_membership, do_create_organisation, do_create_partnership
from lofte.partnerships.models import Organisation, Partnership

ACTOR = SystemActor("lofte demo")
DATA = load("partnerships")


@dataclass(frozen=True)
class DemoUser:
    role: str
    email: str
    full_name: str
    organisation: str
    title: str
    staff: bool = False
    totp: bool = False


USERS = [DemoUser(**spec) for spec in DATA["users"]]


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    organisation: str
    totp: SecondFactor | None = None


@dataclass(frozen=True)
class SecondFactor:
    secret: str  # base32, as an authenticator app takes it
    url: str  # otpauth://, as the QR code carries it
    recovery_codes: list[str]


def _organisations() -> dict[str, Organisation]:
    specs = DATA["organisations"]
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=[spec["slug"] for spec in specs])}
    areas = {a.code: a for a in Area.objects.filter(code__in=[spec["area"] for spec in specs])}
    for spec in specs:
        if spec["slug"] not in found:
            found[spec["slug"]] = do_create_organisation(
                name=spec["name"], kind=spec["kind"], area=areas[spec["area"]], slug=spec["slug"], actor=ACTOR
            )
    return found


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _partnerships(organisations: dict[str, Organisation]) -> None:
    specs = DATA["partnerships"]
    existing = set(Partnership.objects.filter(slug__in=[spec["slug"] for spec in specs]).values_list("slug", flat=True))
    for spec in specs:
        if spec["slug"] in existing:
            continue
        do_create_partnership(
            name=spec["name"],
            slug=spec["slug"],
            area=Area.objects.get(code=spec["kommun"]),
            organisations=[organisations[party] for party in spec["parties"]],
            starts_on=_day(spec["starts_on"]),
            ends_on=_day(spec["ends_on"]),
            description=spec["description"],
            is_published=True,
            actor=ACTOR,
        )


def _login(spec: DemoUser, organisations: dict[str, Organisation]) -> Login:
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
    totp = _second_factor(user) if spec.totp else None
    return Login(spec.role, spec.email, password, organisations[spec.organisation].name, totp)


def _second_factor(user: User) -> SecondFactor:
    """A new TOTP secret and recovery codes, replacing the user's factors (allauth's own models)."""
    Authenticator.objects.filter(user=user).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return SecondFactor(secret, get_mfa_adapter().build_totp_url(user, secret), codes)


def load_demo() -> list[Login]:
    with transaction.atomic():
        organisations = _organisations()
        _partnerships(organisations)
        return [_login(spec, organisations) for spec in USERS]


def load_demo_est() -> EstDemo | None:
    """A year of made-up EST incidents, week notes and two meetings for Mjölby (`lofte.demo.est`)."""
    mjolby = Partnership.objects.filter(slug="mjolby").select_related("area").first()
    return load_est_demo(mjolby) if mjolby else None
