"""The decision record says who did what: the body that proposed (the arbetsutskott, with its date and §) apart
from the body that decided (the kommunstyrelse, with its date and §), on the public page and in the documents."""

from __future__ import annotations

import importlib
from datetime import date
from io import StringIO
from typing import Any

import time_machine
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from lofte.audit.models import AuditEvent
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.promises import documents
from lofte.promises.editing import PromiseRefused
from lofte.promises.lofte import actions
from lofte.promises.models import Agreement, Decision, Medborgarlofte
from tests.base import BaseTestCase
from tests.documents import docx_text

PROPOSAL = {
    "proposed_by": "arbetsutskott",
    "proposed_by_name": "",
    "proposed_on": date(2024, 4, 15),
    "proposed_paragraph": "59",
}
DECIDED = {"body": "kommunstyrelse", "meeting_date": date(2024, 5, 6), "paragraph": "§ 80"}
MIGRATION = "lofte.promises.migrations.0002_decision_proposed_by"


class DecisionCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Samverkansöverenskommelse Mjölby 2023–2026",
            starts_on=date(2023, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        cls.lofte = Medborgarlofte.objects.create(
            agreement=agreement, title="Medborgarlöfte 2024–2025", year_from=2024, year_to=2025
        )
        cls.lofte.focus_areas.create(name="Bedrägeri")
        cls.lofte.promises.create(text="Träffar om bedrägerier för äldre")

    def access(self) -> PartnershipAccess:
        return get_partnership_for_user(self.samordnare, "mjolby")

    def save(self, **values: Any) -> Decision:
        return actions.do_save_decision(
            self.access(), self.lofte, case_number="KS/2024:126", actor=self.samordnare, **values
        )

    def published(self, **values: Any) -> None:
        self.save(**values)
        Medborgarlofte.objects.filter(pk=self.lofte.pk).update(status=Medborgarlofte.Status.PUBLICERAD)


class ValidationTest(DecisionCase):
    def test_it_refuses_an_utskott_as_the_body_that_decided(self) -> None:
        for values in (
            {"body": "arbetsutskott"},
            {"body": "kommunstyrelse", "body_name": "Kommunstyrelsens arbetsutskott"},
            {"body": "namnd", "body_name": "KSAU"},
        ):
            with self.subTest(values=values), self.assertRaises(PromiseRefused) as refused:
                self.save(**values)
            self.assertIn("Ett utskott bereder ärendet", refused.exception.errors["body"][0])
        self.assertFalse(Decision.objects.exists())

    def test_it_refuses_a_proposal_without_its_body_or_date(self) -> None:
        with self.assertRaises(PromiseRefused) as refused:
            self.save(proposed_by="arbetsutskott", proposed_paragraph="§ 59")
        self.assertEqual(list(refused.exception.errors), ["proposed_on"])
        with self.assertRaises(PromiseRefused) as refused:
            self.save(proposed_on=date(2024, 4, 15), proposed_paragraph="§ 59")
        self.assertEqual(list(refused.exception.errors), ["proposed_by"])

    def test_it_refuses_a_decision_before_the_proposal_and_one_body_in_both_roles(self) -> None:
        with self.assertRaises(PromiseRefused) as refused:
            self.save(**PROPOSAL, body="kommunstyrelse", meeting_date=date(2024, 4, 1), paragraph="§ 40")
        self.assertEqual(
            refused.exception.errors["meeting_date"], ["Beslutet kan inte ligga före förslaget (2024-04-15)."]
        )
        with self.assertRaises(PromiseRefused) as refused:
            self.save(proposed_by="kommunstyrelse", proposed_on=date(2024, 4, 15), body="kommunstyrelse")
        self.assertEqual(refused.exception.errors["proposed_by"], ["Samma organ kan inte både föreslå och besluta."])

    def test_it_keeps_the_proposal_and_the_decision_apart_and_audits_the_decision(self) -> None:
        decision = self.save(**PROPOSAL, body="kommunstyrelse")
        self.assertEqual(decision.lines(), ["Föreslaget av arbetsutskottet 2024-04-15 § 59 till kommunstyrelsen."])
        self.assertFalse(decision.is_decided)
        access = self.access()
        actions.do_propose(access, self.lofte, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Saknas: sammanträdesdatum, paragraf."):
            actions.do_decide(access, self.lofte, actor=self.samordnare)
        decision = self.save(**DECIDED)
        self.assertEqual(
            decision.lines(),
            ["Föreslaget av arbetsutskottet 2024-04-15 § 59.", "Beslutat av kommunstyrelsen 2024-05-06 § 80."],
        )
        actions.do_decide(access, self.lofte, actor=self.samordnare)
        changes = AuditEvent.objects.get(action="lofte.decide").changes
        self.assertEqual(
            {k: changes[k] for k in ("proposed_by", "proposed_on", "body", "meeting_date")},
            {
                "proposed_by": "arbetsutskott",
                "proposed_on": "2024-04-15",
                "body": "kommunstyrelse",
                "meeting_date": "2024-05-06",
            },
        )

    def test_the_form_shows_a_refusal_beside_the_field(self) -> None:
        url = reverse("loften:decision", args=["mjolby", self.lofte.pk])
        client = self.client_for(self.samordnare)
        form = {"case_number": "KS/2024:126", "body": "arbetsutskott", "meeting_date": "2024-04-15", "paragraph": "59"}
        refused = client.post(url, form)
        self.assertContains(refused, "Ett utskott bereder ärendet", status_code=400)
        self.assertContains(refused, 'id="id_proposed_by"', status_code=400)
        saved = client.post(
            url,
            {
                **form,
                "body": "kommunstyrelse",
                "meeting_date": "",
                "paragraph": "",
                "proposed_by": "arbetsutskott",
                "proposed_on": "2024-04-15",
                "proposed_paragraph": "59",
            },
        )
        self.assertEqual(saved.status_code, 302)
        page = client.get(reverse("loften:detail", args=["mjolby", self.lofte.pk]))
        self.assertContains(page, "Föreslaget av")
        self.assertContains(page, "2024-04-15 59")


class WordingTest(DecisionCase):
    def page(self) -> str:
        with time_machine.travel("2025-03-01 12:00 +01:00", tick=False):
            return self.client.get("/kommun/0586/").content.decode()

    def test_the_public_page_says_proposed_when_only_proposed(self) -> None:
        self.published(**PROPOSAL, body="kommunstyrelse")
        page = self.page()
        self.assertIn("Föreslaget av arbetsutskottet 2024-04-15 § 59 till kommunstyrelsen.", page)
        self.assertIn("Diarienummer KS/2024:126.", page)
        self.assertNotIn("Beslutat av", page)

    def test_the_public_page_says_decided_by_whom_when_decided(self) -> None:
        self.published(**PROPOSAL, **DECIDED)
        page = self.page()
        self.assertIn("Föreslaget av arbetsutskottet 2024-04-15 § 59.", page)
        self.assertIn("Beslutat av kommunstyrelsen 2024-05-06 § 80.", page)

    def test_the_protokollsutdrag_of_a_proposal_is_the_arbetsutskotts_and_says_so(self) -> None:
        self.save(**{**PROPOSAL, "proposed_by_name": "Kommunstyrelsens arbetsutskott"}, body="kommunstyrelse")
        data = documents.render(documents.PROTOKOLLSUTDRAG, documents.gather(self.lofte, self.partnership_a))
        headings, bold, paragraphs, _rows = docx_text(data)
        self.assertIn("Mjölby kommun, Kommunstyrelsens arbetsutskott 2024-04-15", paragraphs)
        self.assertIn("§ 59 Diarienummer: KS/2024:126", bold)
        self.assertIn("Förslag till beslut", headings)
        self.assertNotIn("Beslut", headings)
        self.assertIn("Föreslaget av kommunstyrelsens arbetsutskott 2024-04-15 § 59 till kommunstyrelsen.", paragraphs)
        self.assertFalse(any("Beslutat av" in p for p in paragraphs))
        tjanste = docx_text(
            documents.render(documents.TJANSTESKRIVELSE, documents.gather(self.lofte, self.partnership_a))
        )
        self.assertIn("Till Kommunstyrelsen", tjanste[2])
        self.assertIn("Bereds av Kommunstyrelsens arbetsutskott", tjanste[2])

    def test_the_protokollsutdrag_of_a_decision_is_the_kommunstyrelses(self) -> None:
        self.save(**PROPOSAL, **DECIDED)
        data = documents.render(documents.PROTOKOLLSUTDRAG, documents.gather(self.lofte, self.partnership_a))
        headings, bold, paragraphs, _rows = docx_text(data)
        self.assertIn("Mjölby kommun, Kommunstyrelsen 2024-05-06", paragraphs)
        self.assertIn("§ 80 Diarienummer: KS/2024:126", bold)
        self.assertIn("Beslut", headings)
        self.assertIn("Föreslaget av arbetsutskottet 2024-04-15 § 59.", paragraphs)
        self.assertIn("Beslutat av kommunstyrelsen 2024-05-06 § 80.", paragraphs)


class DemoTest(BaseTestCase):
    def test_the_demo_says_the_arbetsutskott_proposed_as_the_seed_does(self) -> None:
        Decision.objects.all().delete()
        call_command("demo", stdout=StringIO())
        decision = Decision.objects.get(lofte__agreement__partnership__slug="mjolby")
        self.assertEqual(
            (decision.proposed_by, decision.proposed_on, decision.proposed_paragraph),
            ("arbetsutskott", date(2024, 4, 15), "§ 59"),
        )
        self.assertEqual((decision.body, decision.meeting_date, decision.paragraph), ("kommunstyrelse", None, ""))
        with time_machine.travel("2025-03-01 12:00 +01:00", tick=False):
            page = self.client.get("/kommun/0586/")
        self.assertContains(page, "Föreslaget av kommunstyrelsens arbetsutskott 2024-04-15 § 59 till kommunstyrelsen.")
        self.assertNotContains(page, "Beslutat av")
        [lofte] = self.client.get("/api/v1/promises", {"area": "0586"}).json()
        self.assertEqual(lofte["decision"]["proposed"]["date"], "2024-04-15")
        self.assertIsNone(lofte["decision"]["date"])


class MigrationTest(DecisionCase):
    def test_an_utskott_recorded_as_deciding_becomes_the_proposal(self) -> None:
        migration = importlib.import_module(MIGRATION)
        au = Decision.objects.create(
            lofte=self.lofte,
            body="arbetsutskott",
            body_name="Kommunstyrelsens arbetsutskott",
            meeting_date=date(2024, 4, 15),
            paragraph="§ 59",
            case_number="KS/2024:126",
        )
        other = Medborgarlofte.objects.create(
            agreement=self.lofte.agreement, title="2026", year_from=2026, year_to=2026
        )
        ks = Decision.objects.create(
            lofte=other, body="kommunstyrelse", meeting_date=date(2025, 12, 1), paragraph="§ 9"
        )
        migration.move_utskott_to_proposal(apps, None)
        au.refresh_from_db()
        ks.refresh_from_db()
        self.assertEqual(
            (au.proposed_by, au.proposed_by_name, au.proposed_on, au.proposed_paragraph),
            ("arbetsutskott", "Kommunstyrelsens arbetsutskott", date(2024, 4, 15), "§ 59"),
        )
        self.assertEqual((au.body, au.body_name, au.meeting_date, au.paragraph), ("", "", None, ""))
        self.assertEqual((ks.body, ks.meeting_date, ks.proposed_by), ("kommunstyrelse", date(2025, 12, 1), ""))
        migration.move_proposal_back(apps, None)
        au.refresh_from_db()
        self.assertEqual((au.body, au.meeting_date, au.paragraph), ("arbetsutskott", date(2024, 4, 15), "§ 59"))
