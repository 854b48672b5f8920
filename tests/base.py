"""Personas shared by the tests: a partnership in kommun A (Mjölby) and one in kommun B (Mullsjö)."""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase, override_settings

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_add_membership, do_create_organisation, do_create_partnership
from lofte.partnerships.models import Membership, Organisation, Partnership

Role = Membership.Role
Kind = Organisation.Kind
PASSWORD = "korrekt-häst-batteri-9"


def make_user(email: str, full_name: str, organisation: Organisation, role: str, **extra: Any) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=full_name, **extra)
    do_add_membership(user, organisation, role, actor=SystemActor("test"))
    return user


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class BaseTestCase(TestCase):
    """Samordnare, polis, partner reporter and viewer in kommun A; a samordnare in kommun B; anonymous."""

    kommun_a: Area
    kommun_b: Area
    partnership_a: Partnership
    partnership_b: Partnership

    @classmethod
    def setUpTestData(cls) -> None:
        cls.kommun_a = Area.objects.get(code="0586")
        cls.kommun_b = Area.objects.get(code="0642")
        cls.kommun_org_a = do_create_organisation(
            name="Mjölby kommun", kind=Kind.KOMMUN, area=cls.kommun_a, actor=SystemActor("test")
        )
        cls.lpo_a = do_create_organisation(
            name="Lokalpolisområde Motala", kind=Kind.LPO, area=None, actor=SystemActor("test")
        )
        cls.housing_a = do_create_organisation(
            name="Bostadsbolaget i Mjölby AB", kind=Kind.BOSTADSBOLAG, area=cls.kommun_a, actor=SystemActor("test")
        )
        cls.kommun_org_b = do_create_organisation(
            name="Mullsjö kommun", kind=Kind.KOMMUN, area=cls.kommun_b, actor=SystemActor("test")
        )
        cls.partnership_a = do_create_partnership(
            name="Samverkan Mjölby",
            slug="mjolby",
            area=cls.kommun_a,
            organisations=[cls.kommun_org_a, cls.lpo_a, cls.housing_a],
            is_published=True,
            actor=SystemActor("test"),
        )
        cls.partnership_b = do_create_partnership(
            name="Samverkan Mullsjö",
            slug="mullsjo",
            area=cls.kommun_b,
            organisations=[cls.kommun_org_b],
            actor=SystemActor("test"),
        )
        cls.samordnare = make_user("samordnare@a.example", "Sara Samordnare", cls.kommun_org_a, Role.SAMORDNARE)
        cls.polis = make_user("polis@a.example", "Per Polis", cls.lpo_a, Role.POLIS)
        cls.reporter = make_user("rapportor@a.example", "Rut Rapportör", cls.housing_a, Role.RAPPORTOR)
        cls.viewer = make_user("lasare@a.example", "Lars Läsare", cls.kommun_org_a, Role.LASARE)
        cls.samordnare_b = make_user("samordnare@b.example", "Bo Samordnare", cls.kommun_org_b, Role.SAMORDNARE)
        cls.staff = User.objects.create_user(
            "drift@example.org", PASSWORD, full_name="Drift Admin", is_staff=True, is_superuser=True
        )

    def client_for(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    @property
    def personas(self) -> dict[str, User | None]:
        return {
            "samordnare": self.samordnare,
            "polis": self.polis,
            "reporter": self.reporter,
            "viewer": self.viewer,
            "samordnare_b": self.samordnare_b,
            "anonymous": None,
        }
