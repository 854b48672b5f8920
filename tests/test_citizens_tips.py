"""Tipsa om en otrygg plats: the public tip form and its protection, the screening for personal data, the way into the
EST review queue, the e-mail back to a citizen who left an address, and the public map of reviewed reports."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lofte.audit.models import AuditEvent
from lofte.citizens.antispam import Guard, Verdict
from lofte.citizens.tips.actions import ACTOR, Tip, TipRefused, do_report_tip
from lofte.citizens.tips.forms import GUARD
from lofte.citizens.tips.queries import citizen_categories, public_map
from lofte.est.categories import CITIZEN
from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import Incident
from lofte.est.places import LatLng, generalise
from lofte.est.queries import categories_of, settings_of
from lofte.est.status import change_status
from lofte.lib.actors import SystemActor
from lofte.lib.clients import client_address
from lofte.partnerships.access import get_partnership_for_user
from tests.axe import problems as structure_problems
from tests.base import BaseTestCase
from tests.cases import stored_text_columns

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

MJOLBY = (58.32547, 15.12731)
PERSONNUMMER = "19121212-1212"
TIP_URL = "/kommun/0586/tipsa/"
THANKS_URL = "/kommun/0586/tipsa/tack/"
MAP_URL = "/kommun/0586/tips/"


def old_stamp(seconds: int = 30) -> str:
    return GUARD.stamp(issued=timezone.now().timestamp() - seconds)


@time_machine.travel(NOW, tick=False)
class TipsCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.categories = {c.code: c for c in categories_of(self.partnership_a)}
        self.anonymous = Client()

    def data(self, code: str = "otrygg_plats.belysning", **fields: Any) -> dict[str, Any]:
        values = {
            "category": self.categories[code].pk,
            "latitude": MJOLBY[0],
            "longitude": MJOLBY[1],
            "place_name": "",
            "description": "Gångtunneln under järnvägen är helt mörk på kvällen.",
            "email": "",
            "hemsida": "",
            "startad": old_stamp(),
        }
        return {**values, **fields}

    def post_tip(self, client: Client | None = None, **fields: Any) -> Any:
        return (client or self.anonymous).post(TIP_URL, self.data(**fields))

    def tip(self, email: str = "", description: str = "Mörkt vid busshållplatsen.", **fields: Any) -> Incident:
        tip = Tip(
            category=fields.pop("category", self.categories["otrygg_plats.belysning"]),
            description=description,
            latitude=fields.pop("latitude", MJOLBY[0]),
            longitude=fields.pop("longitude", MJOLBY[1]),
            contact_email=email,
            **fields,
        )
        return do_report_tip(self.partnership_a, tip, actor=ACTOR)


class TipFormTest(TipsCase):
    def test_it_shows_the_form_to_everyone_with_only_the_citizen_categories(self) -> None:
        for name, user in self.personas.items():
            with self.subTest(name):
                self.assertEqual(self.client_for(user).get(TIP_URL).status_code, 200)
        response = self.anonymous.get(TIP_URL)
        offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', response.content.decode())}
        expected = {c.pk for c in self.categories.values() if c.code in CITIZEN}
        self.assertEqual(offered, expected)
        self.assertContains(response, "112")
        self.assertContains(response, "114 14")
        self.assertContains(response, "polisen.se")
        self.assertContains(response, "Använd min position")
        self.assertContains(response, '<div hidden aria-hidden="true">')
        self.assertContains(response, 'name="hemsida"')
        self.assertContains(response, 'name="startad"')
        self.assertNotContains(response, "style=")
        self.assertEqual(response.content.decode().count("<h1"), 1)

    def test_its_pages_have_landmarks_one_heading_and_labels(self) -> None:
        self.reviewed_tip()
        pages = [
            self.anonymous.get(TIP_URL),
            self.post_tip(description=PERSONNUMMER),
            self.anonymous.get(self.post_tip()["Location"]),
            self.anonymous.get(MAP_URL),
        ]
        for page in pages:
            with self.subTest(page.wsgi_request.path):
                self.assertEqual(structure_problems(page.content.decode()), [])
                self.assertNotIn("style=", page.content.decode())

    def reviewed_tip(self) -> None:
        incident = self.tip()
        Incident.objects.filter(pk=incident.pk).update(status="granskad")

    def test_it_answers_404_for_an_unpublished_or_unknown_kommun(self) -> None:
        for url in ("/kommun/0642/tipsa/", "/kommun/0642/tipsa/tack/", "/kommun/0642/tips/", "/kommun/9999/tipsa/"):
            for name, user in self.personas.items():
                with self.subTest(url=url, persona=name):
                    self.assertEqual(self.client_for(user).get(url).status_code, 404)
        response = self.anonymous.post("/kommun/0642/tipsa/", {"hemsida": "", "startad": old_stamp()})
        self.assertEqual(response.status_code, 404)

    def test_it_files_a_tip_into_the_review_queue(self) -> None:
        response = self.post_tip(email="medborgare@example.org")
        incident = Incident.objects.get()
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(THANKS_URL + "?nr="))
        self.assertEqual(incident.source, Incident.Source.CITIZEN)
        self.assertEqual(incident.status, Incident.Status.MOTTAGEN)
        self.assertIsNone(incident.reporter)
        self.assertIsNone(incident.organisation)
        self.assertEqual(incident.contact_email, "medborgare@example.org")
        self.assertEqual((incident.latitude, incident.longitude), MJOLBY)
        self.assertEqual(incident.category.code, "otrygg_plats.belysning")
        event = AuditEvent.objects.get(action="est.incident.report")
        self.assertEqual(event.actor_label, "medborgare")
        self.assertIsNone(event.actor)
        self.assertNotIn("medborgare@example.org", str(event.changes))

        thanks = self.anonymous.get(response["Location"])
        self.assertContains(thanks, f"<strong>{incident.pk}</strong>")
        self.assertContains(thanks, "Vad händer nu?")

        queue = self.client_for(self.samordnare).get("/samverkan/mjolby/est/granska/")
        self.assertContains(queue, f"#{incident.pk}</a>")
        self.assertContains(queue, "Bristfällig belysning")

    def test_it_takes_a_tip_with_the_place_in_words_alone(self) -> None:
        response = self.post_tip(latitude="", longitude="", place_name="Gångtunneln vid Stationsparken")
        self.assertEqual(response.status_code, 302)
        incident = Incident.objects.get()
        self.assertFalse(incident.has_point)
        self.assertEqual(incident.place_name, "Gångtunneln vid Stationsparken")

    def test_it_asks_for_a_place_and_a_description(self) -> None:
        response = self.post_tip(latitude="", longitude="", place_name="", description="")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Välj platsen på kartan eller skriv var den är.", status_code=400)
        self.assertContains(response, "Beskriv kort vad som gör platsen otrygg.", status_code=400)
        self.assertContains(response, 'href="#id_place_name"', status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_place_outside_the_kommun(self) -> None:
        response = self.post_tip(latitude="57.9167", longitude="13.8786")
        self.assertContains(response, "Platsen ligger utanför Mjölby.", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_category_not_open_to_citizens(self) -> None:
        for code in ("ordning.vald", "skadegorelse", "incident_anstalld.hotad"):
            with self.subTest(code):
                response = self.post_tip(code=code)
                self.assertContains(response, "Välj en kategori i listan.", status_code=400)
        other = categories_of(self.partnership_b)[1]
        response = self.post_tip(category=other.pk)
        self.assertContains(response, "Välj en kategori i listan.", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_offers_only_what_the_partnership_keeps_open_to_citizens(self) -> None:
        klotter = self.categories["skadegorelse.klotter"]
        klotter.citizen = False
        klotter.save(update_fields=["citizen"])
        odslig = self.categories["otrygg_plats.odslig"]
        odslig.active = False
        odslig.save(update_fields=["active"])
        codes = {c.code for c in citizen_categories(self.partnership_a)}
        self.assertEqual(codes, CITIZEN - {"skadegorelse.klotter", "otrygg_plats.odslig"})
        self.assertContains(self.post_tip(code="skadegorelse.klotter"), "Välj en kategori i listan.", status_code=400)


class PersonalDataTest(TipsCase):
    def test_it_refuses_a_personnummer_and_stores_it_nowhere(self) -> None:
        self.post_tip(description="Det var en annan tunnel.")  # one stored tip, so the scan has rows to look in
        for fields in ({"description": f"Han som bor där har {PERSONNUMMER}."}, {"place_name": PERSONNUMMER}):
            with self.subTest(fields):
                response = self.post_tip(**fields)
                self.assertContains(response, "ett personnummer", status_code=400)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(stored_text_columns(PERSONNUMMER), [])
        self.assertEqual(stored_text_columns("19121212"), [])

    def test_the_action_refuses_a_personnummer_too(self) -> None:
        with self.assertRaises(TipRefused) as caught:
            self.tip(description=f"Personnummer {PERSONNUMMER}")
        self.assertEqual(caught.exception.field, "description")
        self.assertIn("personnummer", str(caught.exception))
        with self.assertRaises(IncidentRefused):
            report_incidents(
                self.partnership_a,
                [
                    IncidentInput(
                        category=self.categories["otrygg_plats.belysning"],
                        occurred_at=timezone.now(),
                        place_name="Torget",
                        description=PERSONNUMMER,
                    )
                ],
                reporter=None,
                organisation=None,
                actor=SystemActor("medborgare"),
                source=Incident.Source.CITIZEN,
                contact_email="medborgare@example.org",
            )
        self.assertFalse(Incident.objects.exists())
        self.assertEqual(stored_text_columns(PERSONNUMMER), [])

    def test_it_refuses_phone_numbers_and_addresses_in_the_text_but_takes_the_feedback_address(self) -> None:
        for text, words in (("Ring 070-123 45 67", "telefonnummer"), ("Skriv till a@b.se", "e-postadress")):
            with self.subTest(text):
                self.assertContains(self.post_tip(description=text), words, status_code=400)
        self.assertFalse(Incident.objects.exists())
        self.assertEqual(self.post_tip(email="jag@example.org").status_code, 302)

    def test_it_refuses_a_feedback_address_that_is_not_one(self) -> None:
        response = self.post_tip(email="inte en adress")
        self.assertContains(response, "Ange en giltig e-postadress", status_code=400)
        with self.assertRaises(TipRefused) as caught:
            self.tip(email="inte en adress")
        self.assertEqual(caught.exception.field, "email")
        self.assertFalse(Incident.objects.exists())

    def test_the_action_refuses_a_category_not_open_to_citizens_and_an_unpublished_partnership(self) -> None:
        with self.assertRaises(TipRefused) as caught:
            self.tip(category=self.categories["ordning.droger"])
        self.assertEqual(caught.exception.field, "category")
        tip = Tip(category=categories_of(self.partnership_b)[1], description="Mörkt", place_name="Torget")
        with self.assertRaises(TipRefused):
            do_report_tip(self.partnership_b, tip, actor=ACTOR)
        self.assertFalse(Incident.objects.exists())


class ProtectionTest(TipsCase):
    def test_a_filled_honeypot_gets_a_neutral_answer_and_nothing_is_stored(self) -> None:
        response = self.post_tip(hemsida="https://spam.example")
        self.assertRedirects(response, THANKS_URL)
        self.assertFalse(Incident.objects.exists())
        thanks = self.anonymous.get(THANKS_URL)
        self.assertContains(thanks, "Vi har tagit emot det du skickade.")
        self.assertNotContains(thanks, "referensnummer")

    def test_a_missing_or_forged_stamp_gets_the_same_neutral_answer(self) -> None:
        signed_elsewhere = Guard("prenumeration").stamp(issued=timezone.now().timestamp() - 30)
        for stamp in ("", "1700000000", old_stamp()[:-2] + "xx", signed_elsewhere):
            with self.subTest(stamp):
                self.assertRedirects(self.post_tip(startad=stamp), THANKS_URL)
        data = self.data()
        del data["startad"]
        self.assertRedirects(self.anonymous.post(TIP_URL, data), THANKS_URL)
        self.assertRedirects(self.anonymous.post(TIP_URL, {}), THANKS_URL)
        self.assertFalse(Incident.objects.exists())

    def test_a_form_sent_too_fast_is_refused_with_a_message(self) -> None:
        response = self.post_tip(startad=GUARD.stamp())
        self.assertContains(response, "Formuläret skickades väldigt snabbt.", status_code=400)
        self.assertContains(response, "Gångtunneln under järnvägen", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_a_stale_form_is_refused_and_stamped_anew(self) -> None:
        stale = old_stamp(seconds=5 * 60 * 60)
        response = self.post_tip(startad=stale)
        self.assertContains(response, "Formuläret har varit öppet för länge.", status_code=400)
        self.assertNotContains(response, stale, status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_limits_tips_per_address(self) -> None:
        for _number in range(5):
            self.assertEqual(self.post_tip().status_code, 302)
        response = self.post_tip()
        self.assertContains(response, "Försök igen senare.", status_code=429)
        self.assertEqual(Incident.objects.count(), 5)
        other = Client(REMOTE_ADDR="192.0.2.9")
        self.assertEqual(self.post_tip(other).status_code, 302)
        self.assertEqual(Incident.objects.count(), 6)

    def test_refused_forms_do_not_count_against_the_limit(self) -> None:
        for _number in range(6):
            self.assertEqual(self.post_tip(description="").status_code, 400)
        self.assertEqual(self.post_tip().status_code, 302)

    def test_the_guard_reads_stamps_and_addresses(self) -> None:
        guard = Guard("prov", min_seconds=3, max_seconds=60)
        now = timezone.now().timestamp()
        self.assertEqual(guard.check({"startad": guard.stamp(now - 10)}), Verdict.OK)
        self.assertEqual(guard.check({"startad": guard.stamp(now - 1)}), Verdict.TOO_FAST)
        self.assertEqual(guard.check({"startad": guard.stamp(now - 61)}), Verdict.EXPIRED)
        self.assertEqual(guard.check({"startad": guard.stamp(now - 10), "hemsida": "x"}), Verdict.ROBOT)
        self.assertEqual(guard.check({"startad": Guard("annan").stamp(now - 10)}), Verdict.ROBOT)
        request = Client().get(TIP_URL).wsgi_request
        self.assertEqual(client_address(request), "127.0.0.1")


class FeedbackTest(TipsCase):
    def test_the_citizen_gets_the_status_change_by_email_once(self) -> None:
        incident = self.tip(email="medborgare@example.org")
        access = get_partnership_for_user(self.samordnare, "mjolby")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            change_status(incident, "granskad", actor=self.samordnare, access=access, note="Vi ser över belysningen.")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["medborgare@example.org"])
        self.assertEqual(message.subject, f"Ditt tips nr {incident.pk}: Granskad")
        self.assertIn(f"referensnummer {incident.pk}", message.body)
        self.assertIn("Status: Granskad", message.body)
        self.assertIn("Vi ser över belysningen.", message.body)
        self.assertNotIn("/samverkan/", message.body)
        self.assertNotIn("http", message.body)

    def test_an_anonymous_tip_sends_nothing(self) -> None:
        incident = self.tip()
        access = get_partnership_for_user(self.samordnare, "mjolby")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            change_status(incident, "granskad", actor=self.samordnare, access=access)
        self.assertEqual(mail.outbox, [])

    def test_a_member_still_gets_the_member_email_with_the_link(self) -> None:
        (incident,) = report_incidents(
            self.partnership_a,
            [IncidentInput(category=self.categories["ordning.vald"], occurred_at=timezone.now(), place_name="Torget")],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source="web",
        )
        access = get_partnership_for_user(self.samordnare, "mjolby")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            change_status(incident, "granskad", actor=self.samordnare, access=access)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].subject, f"Din rapport #{incident.pk}: Granskad")
        self.assertIn("/samverkan/mjolby/est/", mail.outbox[0].body)


class PublicMapTest(TipsCase):
    def reviewed(self, status: str = "granskad", days_ago: int = 3, **fields: Any) -> Incident:
        incident = self.tip(**fields)
        when = timezone.now() - timedelta(days=days_ago)
        Incident.objects.filter(pk=incident.pk).update(status=status, occurred_at=when)
        incident.refresh_from_db()
        return incident

    def test_it_shows_reviewed_reports_generalised_without_description_or_time(self) -> None:
        shown = self.reviewed(description="Hemlig beskrivning av tunneln")
        self.reviewed(
            status="atgardad", description="Klotter på muren", category=self.categories["skadegorelse.klotter"]
        )
        hidden = [
            self.reviewed(status="mottagen", description="Ej granskad"),
            self.reviewed(status="avvisad", description="Avvisad"),
            self.reviewed(days_ago=120, description="För gammal"),
            self.reviewed(description="Sammanslagen"),
        ]
        Incident.objects.filter(pk=hidden[-1].pk).update(duplicate_of=shown, merged_at=timezone.now())
        response = self.anonymous.get(MAP_URL)
        content = response.content.decode()
        self.assertEqual(response.status_code, 200)
        grid = settings_of(self.partnership_a).grid_m
        centre = generalise(LatLng(shown.latitude, shown.longitude), grid)
        self.assertNotEqual((centre.lat, centre.lng), (shown.latitude, shown.longitude))
        for exact in (str(shown.latitude), str(shown.longitude)):
            self.assertNotIn(exact, content)
        self.assertIn(f'"lat": {centre.lat}', content)
        self.assertIn(f'"lng": {centre.lng}', content)
        for incident in [shown, *hidden]:
            self.assertNotIn(incident.description, content)
        self.assertNotIn(timezone.localtime(shown.occurred_at).strftime("%Y-%m-%d"), content)
        self.assertNotIn("<time", content)
        week = timezone.localtime(shown.occurred_at).isocalendar()
        self.assertIn(f"vecka {week.week}, {week.year}", content)
        self.assertIn("Bristfällig belysning", content)
        self.assertIn("Klotter", content)
        data = public_map(self.partnership_a)
        self.assertEqual(data.total, 2)
        self.assertEqual(sum(cell["count"] for cell in data.cells), 2)

    def test_it_reads_the_map_in_a_fixed_number_of_queries(self) -> None:
        self.reviewed()
        with self.assertNumQueries(3):
            self.anonymous.get(MAP_URL)
        for _number in range(6):
            self.reviewed(category=self.categories["skadegorelse.glaskross"])
        with self.assertNumQueries(3):
            response = self.anonymous.get(MAP_URL)
        self.assertEqual(public_map(self.partnership_a).total, 7)
        self.assertContains(response, "<table")

    def test_it_shows_the_map_to_every_persona_and_says_when_there_is_nothing(self) -> None:
        for name, user in self.personas.items():
            with self.subTest(name):
                response = self.client_for(user).get(MAP_URL)
                self.assertContains(response, "Inga granskade tips de senaste 90 dagarna.")
        self.assertContains(self.anonymous.get(MAP_URL), reverse("tips:tip", args=["0586"]))
