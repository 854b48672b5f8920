"""Every spelling of a personnummer, phone number or e-mail address that lofte.lib.pii must catch is refused through
each way free text comes in from outside (the public tip form, Open311, the API), and none of it is stored."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from typing import Any

import time_machine
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from lofte.citizens.tips.forms import GUARD
from lofte.est.models import Category, Incident
from lofte.est.open311.actions import do_create_api_key
from lofte.lib.actors import SystemActor
from lofte.promises.models import Activity, Agreement, Medborgarlofte, Promise
from tests.base import BaseTestCase
from tests.cases import stored_text_columns

NOW = "2026-05-20 12:00 +02:00"

# The spellings of issue 15: 850709-9805 is the personnummer that reached a public page with an en dash.
SPELLINGS = [
    "kontakt 850709–9805",  # en dash
    "kontakt 850709—9805",  # em dash
    "kontakt 850709\u22129805",  # minus sign
    "kontakt 850709\u20119805",  # non-breaking hyphen
    "kontakt 850709\u00a09805",  # non-breaking space
    "kontakt 850709\u20099805",  # thin space
    "kontakt 850709    9805",  # several spaces
    "kontakt 850709.9805",
    "kontakt 850709/9805",
    "kontakt 850709_9805",
    "kontakt 850709-\n9805",  # a line break
    "kontakt 8507\u200b09-9805",  # a zero-width space
    "kontakt 850\u00ad709-9805",  # a soft hyphen
    "kontakt 85 07 09-98 05",  # spaces inside the date and the serial
    "kontakt ８５０７０９－９８０５",  # full-width digits and hyphen
    "kontakt 85O7O9-98O5",  # the letter O for zero
    "ring 070.246.81.35",  # dots
    "ring 46 70 246 81 35",  # without the leading zero or plus
    "ring +46 70 246 81 35",
    "ring 46 13 24 68 13",  # a landline, without the leading zero or plus
    "mejla kvartersvard [at] mjolby.se",
    "mejla kvartersvard @ mjolby.se",
    "mejla kvartersvard＠mjolby.se",  # full-width @
    "mejla kvartersvard@mjolby",  # no dot in the domain
]


def needles(spelling: str) -> list[str]:
    """What of the spelling a stored copy would hold, however it were cleaned up on the way."""
    written = spelling.split(" ", 1)[1]
    folded = unicodedata.normalize("NFKC", written).replace("O", "0")
    digits = "".join(re.findall(r"\d", folded))
    found = [written, folded] + ([digits, digits[-7:]] if len(digits) >= 7 else [])
    return found + (["kvartersvard"] if "kvartersvard" in spelling else [])


@time_machine.travel(NOW, tick=False)
class ChannelsTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.klotter = Category.objects.get(partnership=cls.partnership_a, code="skadegorelse.klotter")
        cls.api_key = do_create_api_key(cls.housing_a, label="Felanmälan", actor=SystemActor("test"))[1]
        agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Överenskommelse",
            starts_on=date(2024, 1, 1),
            ends_on=date(2027, 12, 31),
        )
        lofte = Medborgarlofte.objects.create(
            agreement=agreement, title="Löfte", year_from=2025, year_to=2026, status=Medborgarlofte.Status.PUBLICERAD
        )
        cls.promise = Promise.objects.create(lofte=lofte, text="Träffar om bedrägerier")

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the tip form's limit per address

    def tip(self, **fields: str) -> Any:
        data: dict[str, Any] = {
            "category": self.klotter.pk,
            "latitude": 58.32547,
            "longitude": 15.12731,
            "place_name": "",
            "description": "Klotter på gavlen.",
            "email": "",
            "hemsida": "",
            "startad": GUARD.stamp(issued=timezone.now().timestamp() - 30),
            **fields,
        }
        return Client().post("/kommun/0586/tipsa/", data)

    def open311(self, **fields: str) -> Any:
        body = {
            "api_key": self.api_key,
            "jurisdiction_id": "0586",
            "service_code": "skadegorelse.klotter",
            "lat": "58.3261",
            "long": "15.1289",
            "description": "Klotter på gavlen.",
            **fields,
        }
        return Client().post("/open311/v2/requests.json", body)

    def activity(self, text: str) -> Any:
        body = {"date": "2026-03-12", "text": text, "reach": 34, "organisation": self.lpo_a.slug}
        url = f"/api/v1/promises/items/{self.promise.pk}/activities"
        return self.client_for(self.polis).post(url, json.dumps(body), content_type="application/json")

    def assertStoredNowhere(self, spelling: str) -> None:
        for needle in needles(spelling):
            self.assertEqual(stored_text_columns(needle), [], needle)

    def test_the_channels_take_an_ordinary_text(self) -> None:
        # So that a refusal below is the screen's and not something else's.
        self.assertEqual(self.tip(description="Mörkt 2024-05-17 kl. 22.45, dnr KS 2024/123.").status_code, 302)
        self.assertEqual(self.open311(description="Klotter, K123456-24, 1 250 000 kr.").status_code, 200)
        self.assertEqual(self.activity("Träff 2026-03-12 med 34 deltagare.").status_code, 201)

    def test_the_tip_form_refuses_every_spelling_in_each_field(self) -> None:
        for spelling in SPELLINGS:
            for field in ("description", "place_name"):
                with self.subTest(spelling=spelling, field=field):
                    response = self.tip(**{field: spelling})
                    self.assertEqual(response.status_code, 400)
                    self.assertContains(response, "Ta bort", status_code=400)
        self.assertFalse(Incident.objects.exists())
        for spelling in SPELLINGS:
            self.assertStoredNowhere(spelling)

    # Every spelling is posted from one address within the frozen minute: lift Open311's limit per address.
    @override_settings(LOFTE_OPEN311_ADDRESS_PER_MINUTE=10_000, LOFTE_OPEN311_PER_MINUTE=10_000)
    def test_open311_refuses_every_spelling(self) -> None:
        for spelling in SPELLINGS:
            for field in ("description", "address_string"):
                with self.subTest(spelling=spelling, field=field):
                    response = self.open311(**{field: spelling})
                    self.assertEqual(response.status_code, 400, response.content)
                    self.assertIn("Ta bort", response.json()[0]["description"])
        self.assertFalse(Incident.objects.exists())
        for spelling in SPELLINGS:
            self.assertStoredNowhere(spelling)

    def test_the_api_refuses_every_spelling(self) -> None:
        for spelling in SPELLINGS:
            with self.subTest(spelling=spelling):
                response = self.activity(spelling)
                self.assertEqual(response.status_code, 409, response.content)
                self.assertEqual(response.json()["error"]["code"], "refused")
        self.assertFalse(Activity.objects.exists())
        public = self.client_for(None).get("/api/v1/promises", {"area": "0586"}).content.decode()
        for spelling in SPELLINGS:
            self.assertStoredNowhere(spelling)
            self.assertNotIn(spelling.split(" ", 1)[1], public)
