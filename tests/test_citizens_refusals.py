"""The citizens' actions refuse with the one `ActionRefused`: the message, the field it concerns and `errors`, which
the forms show beside that field (`lofte.lib.views.refuse_on`)."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.utils import timezone

from lofte.areas.models import Area
from lofte.citizens.advice.actions import AdviceRefused, do_create_advice, do_update_advice
from lofte.citizens.grannsamverkan.actions import GroupRefused, do_add_contact, do_create_group
from lofte.citizens.models import AdvicePage, GrannsamverkanGroup, Warning
from lofte.citizens.subscriptions.actions import ACTOR, SubscriptionRefused, do_subscribe
from lofte.citizens.warnings.actions import WarningRefused, do_create_warning
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from tests.base import BaseTestCase

PERSONNUMMER = "19121212-1212"
WARNINGS = "/samverkan/mjolby/invanare/varningar/"
ADVICE = "/samverkan/mjolby/invanare/rad/"


def later(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class CitizensRefusalTest(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def access(self) -> PartnershipAccess:
        return get_partnership_for_user(self.samordnare, "mjolby")

    def test_a_warning_refusal_names_the_field(self) -> None:
        fields = {"text": "Lägg på.", "category": Warning.Category.BEDRAGERI, "valid_until": later(7)}
        with self.assertRaises(WarningRefused) as caught:
            do_create_warning(self.access(), actor=self.samordnare, title=f"Ring {PERSONNUMMER}", **fields)
        self.assertIsInstance(caught.exception, ActionRefused)
        self.assertEqual(caught.exception.field, "title")
        self.assertIn("personnummer", caught.exception.errors["title"][0])
        with self.assertRaises(WarningRefused) as caught:
            do_create_warning(
                self.access(), actor=self.samordnare, title="Falska sms", **{**fields, "valid_until": later(-1)}
            )
        self.assertEqual(list(caught.exception.errors), ["valid_until"])
        self.assertFalse(Warning.objects.exists())

    def test_the_warning_form_shows_the_refusal_beside_its_field(self) -> None:
        data = {
            "title": "Inbrott",
            "text": "Lås förrådet.",
            "category": "inbrott",
            "valid_until": later(-1).isoformat(),
        }
        response = self.client_for(self.samordnare).post(f"{WARNINGS}ny/", data)
        self.assertEqual(response.status_code, 400)
        form = response.context["form"]
        self.assertIn("Gäller till och med: datumet har redan passerat.", form.errors["valid_until"])
        self.assertFalse(form.non_field_errors())

    def test_an_advice_refusal_names_the_field_and_the_form_shows_it_there(self) -> None:
        with self.assertRaises(AdviceRefused) as caught:
            do_create_advice(self.access(), actor=self.samordnare, slug="x", title="x", body=f"Ring {PERSONNUMMER}.")
        self.assertEqual(caught.exception.field, "body")
        shared = AdvicePage.objects.get(partnership=None, slug="skydda-hemmet-mot-inbrott")
        with self.assertRaisesMessage(AdviceRefused, "gemensam för alla kommuner"):
            do_update_advice(self.access(), shared, actor=self.samordnare, title="Ändrad")
        data = {"title": "Bedrägerier", "slug": "skydda-dig-mot-bedragerier", "body": "Lägg på.", "risk_groups": []}
        response = self.client_for(self.samordnare).post(f"{ADVICE}ny/", data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("används redan", str(response.context["form"].errors["slug"]))

    def test_a_group_refusal_carries_its_errors_by_field(self) -> None:
        district = Area.objects.create(code="0586-x", name="Väderbrunn", kind="district", parent=self.kommun_a)
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        with self.assertRaises(GroupRefused) as caught:
            do_create_group(access, name=f"Grupp {PERSONNUMMER}", area=district, actor=self.samordnare)
        self.assertEqual(list(caught.exception.errors), ["name"])
        group = GrannsamverkanGroup.objects.create(partnership=self.partnership_a, name="Väderbrunn", area=district)
        do_add_contact(access, group, email="karin@example.se", actor=self.samordnare)
        with self.assertRaises(GroupRefused) as caught:
            do_add_contact(access, group, email="Karin@example.se", actor=self.samordnare)
        self.assertEqual(caught.exception.errors, {"email": ["Adressen finns redan i gruppen."]})
        with self.assertRaises(GroupRefused) as caught:
            do_add_contact(
                PartnershipAccess(self.partnership_a, frozenset({"polis"})), group, email="a@b.se", actor=self.polis
            )
        self.assertEqual(caught.exception.errors, {})

    def test_a_subscription_refusal_names_the_field(self) -> None:
        with self.assertRaises(SubscriptionRefused) as caught:
            do_subscribe(
                kommun=self.kommun_a,
                area=self.kommun_a,
                email="nils@example.se",
                warnings=False,
                follow_ups=False,
                actor=ACTOR,
            )
        self.assertEqual(list(caught.exception.errors), ["warnings"])
