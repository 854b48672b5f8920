"""The samordnare's pages under /samverkan/<slug>/loften/: the agreement, the medborgarlöften, their forms and
workflow, the files and the decision documents (read back with python-docx)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lofte.audit.models import AuditEvent
from lofte.promises.lofte import actions
from lofte.promises.models import Activity, Agreement, AgreementDocument, Decision, Medborgarlofte, Promise
from tests.axe import problems as structure_problems
from tests.cases import FRAUD, INFORM, LOFTEN, WARN, PromiseCase, TemporaryMedia, route
from tests.documents import docx_layout_problems
from tests.factories import PDF

DRUGS = "Polisen och kommunen kommer att arbeta för att upptäcka ungdomar med normbrytande beteende tidigt."
PARENTS = "Polisen och kommunen kommer att informera vårdnadshavare till barn i högstadiet om risk- och skyddsfaktorer."


def url(name: str, *args: Any, slug: str = "mjolby") -> str:
    return reverse(route(name, LOFTEN), args=[slug, *args])


def paragraphs(content: bytes) -> list[tuple[str, str]]:
    """(style, text) of every paragraph of a DOCX."""
    document = docx.Document(io.BytesIO(content))
    return [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]


def headings(content: bytes) -> list[str]:
    return [text for style, text in paragraphs(content) if style.startswith(("Heading", "Title"))]


class PagesTest(TemporaryMedia, PromiseCase):
    def mjolby(self) -> Medborgarlofte:
        """The seed's löfte: three focus areas, a goal, the promises with their parties, and the decision record."""
        access = self.access()
        lofte = self.lofte(crime_categories=["Bedrägeribrott", "Narkotikabrott"])
        actor = self.samordnare
        drugs = actions.do_add_focus_area(
            access,
            lofte,
            name="Narkotika och folkhälsa",
            description="Vårt mål är att begränsa tillgången till narkotika.",
            actor=actor,
        )
        fraud = actions.do_add_focus_area(access, lofte, name="Bedrägeri", actor=actor)
        actions.do_add_goal(
            access,
            lofte,
            text="Antalet bedrägerier ska vara färre än 2023.",
            focus_area=fraud,
            kind="statistik",
            metric_code="anmalda.totalt",
            area_code="0586",
            baseline_period="2023",
            due_period="2025",
            actor=actor,
        )
        police_and_kommun = [self.kommun_org_a, self.lpo_a]
        for area, text, parties in (
            (drugs, DRUGS, police_and_kommun),
            (drugs, PARENTS, police_and_kommun),
            (fraud, FRAUD, police_and_kommun),
            (fraud, WARN, police_and_kommun),
            (fraud, INFORM, [self.kommun_org_a, self.housing_a]),
        ):
            actions.do_add_promise(access, lofte, text=text, focus_area=area, responsible=parties, actor=actor)
        actions.do_save_decision(
            access,
            lofte,
            report_date=date(2024, 4, 9),
            report_author="Morgan Lantz",
            report_author_title="Säkerhetschef",
            case_number="KS/2024:126",
            proposed_by="arbetsutskott",
            proposed_by_name="Arbetsutskottet",
            proposed_on=date(2024, 4, 15),
            proposed_paragraph="59",
            body="kommunstyrelse",
            decision_text="1. Kommunstyrelsen antar kommunstyrelsens förvaltnings förslag till Medborgarlöften 2024-2025",
            basis=["Tjänsteskrivelse 2024-04-08, medborgarlöfte, samverkan med polisen 2024-2025"],
            distribution=["Kommunstyrelsen", "Polismyndigheten, Lokalpolisområde Motala", "Akten"],
            actor=actor,
        )
        return lofte

    # The agreement

    def test_it_lets_the_samordnare_write_the_agreement_with_signatories_and_pdf(self) -> None:
        client = self.client_for(self.samordnare)
        index = client.get(url("index"))
        self.assertContains(index, "Lägg in en överenskommelse")
        self.assertEqual(structure_problems(index.content.decode()), [])
        data = {
            "title": "Samverkansöverenskommelse Mjölby 2023–2026",
            "starts_on": "2023-05-30",
            "ends_on": "2026-12-31",
            "overall_goal": "Att öka tryggheten och minska brottsligheten.",
            "focus_problems": "Narkotika, bedrägerier och trafik.",
            "followups_per_year": "2",
            "followup_bodies": "Beredning stärkt livskraft\nKommunstyrelsen\n",
        }
        created = client.post(url("agreement_create"), data)
        agreement = Agreement.objects.get()
        self.assertRedirects(created, url("agreement", agreement.pk))
        self.assertEqual(agreement.followup_bodies, ["Beredning stärkt livskraft", "Kommunstyrelsen"])
        page = client.get(url("agreement", agreement.pk))
        self.assertContains(page, "<strong>Klart:</strong> Fokusproblem", html=True)
        self.assertContains(page, "<strong>Saknas:</strong> Troliga orsaker", html=True)
        self.assertEqual(structure_problems(page.content.decode()), [])
        signatory = {
            "name": "Cecilia V Burenby",
            "role": "Kommunstyrelsens ordförande",
            "organisation": self.kommun_org_a.pk,
        }
        self.assertEqual(client.post(url("add_signatory", agreement.pk), signatory).status_code, 302)
        upload = {"title": "Undertecknad överenskommelse", "file": SimpleUploadedFile("avtal.pdf", PDF)}
        self.assertEqual(client.post(url("add_document", agreement.pk), upload).status_code, 302)
        document = AgreementDocument.objects.get()
        page = client.get(url("agreement", agreement.pk))
        self.assertContains(page, "Cecilia V Burenby")
        self.assertContains(page, url("agreement_file", agreement.pk, document.pk))
        download = self.client_for(self.viewer).get(url("agreement_file", agreement.pk, document.pk))
        self.assertEqual((download.status_code, download["Content-Type"]), (200, "application/pdf"))
        self.assertEqual(b"".join(download.streaming_content), PDF)
        self.assertIn("attachment;", download["Content-Disposition"])
        self.assertEqual(
            self.client_for(self.samordnare_b).get(url("agreement_file", agreement.pk, document.pk)).status_code, 404
        )
        self.assertEqual(self.client_for(None).get(url("agreement_file", agreement.pk, document.pk)).status_code, 302)

    def test_it_refuses_a_file_that_is_not_a_pdf_on_the_page(self) -> None:
        agreement = self.agreement()
        upload = {"title": "Avtal", "file": SimpleUploadedFile("avtal.pdf", b"<html>not a pdf</html>")}
        response = self.client_for(self.samordnare).post(url("add_document", agreement.pk), upload)
        self.assertContains(response, "Filen är inte en PDF.", status_code=400)
        self.assertFalse(AgreementDocument.objects.exists())

    def test_it_refuses_personal_data_in_the_forms(self) -> None:
        client = self.client_for(self.samordnare)
        data = {"title": "Avtal", "starts_on": "2024-01-01", "ends_on": "2025-12-31", "followups_per_year": "2"}
        response = client.post(url("agreement_create"), {**data, "follow_up": "Ring 070-123 45 67"})
        self.assertContains(response, "Texten innehåller ett telefonnummer.", status_code=400)
        response = client.post(url("agreement_create"), {**data, "followup_bodies": "Akten\nper@example.org"})
        self.assertContains(response, "Texten innehåller en e-postadress.", status_code=400)
        self.assertFalse(Agreement.objects.exists())
        lofte = self.lofte()
        response = client.post(url("add_promise", lofte.pk), {"text": "Kontakta 19121212-1212", "weight": "1"})
        self.assertContains(response, "Texten innehåller ett personnummer.", status_code=400)
        response = client.post(url("add_focus_area", lofte.pk), {"name": "Bedrägeri", "description": "per@example.org"})
        self.assertContains(response, "Texten innehåller en e-postadress.", status_code=400)
        self.assertContains(response, "<details open>", status_code=400)
        self.assertFalse(Promise.objects.exists())

    # The medborgarlöfte

    def test_it_builds_a_lofte_through_the_pages(self) -> None:
        agreement = self.agreement()
        client = self.client_for(self.samordnare)
        form = client.get(url("create"))
        self.assertContains(form, "Skapa medborgarlöftet")
        self.assertEqual(structure_problems(form.content.decode()), [])
        data = {
            "agreement": agreement.pk,
            "title": "Medborgarlöfte 2024–2025",
            "year_from": "2024",
            "year_to": "2025",
            "lagesbild": self.lagesbild.pk,
            "crime_categories": "Bedrägeribrott\nNarkotikabrott",
        }
        created = client.post(url("create"), data)
        lofte = Medborgarlofte.objects.get()
        self.assertRedirects(created, url("detail", lofte.pk))
        self.assertEqual(lofte.crime_categories, ["Bedrägeribrott", "Narkotikabrott"])
        client.post(url("add_focus_area", lofte.pk), {"name": "Bedrägeri", "description": "Färre bedrägerier."})
        area = lofte.focus_areas.get()
        goal_form = client.get(url("add_goal", lofte.pk) + f"?fokusomrade={area.pk}")
        self.assertEqual(structure_problems(goal_form.content.decode()), [])
        goal = {
            "text": "Antalet bedrägerier ska vara färre än 2023.",
            "focus_area": area.pk,
            "kind": "statistik",
            "metric": "anmalda.totalt",
            "area": "0586",
            "direction": "lower",
            "baseline_period": "2023",
            "target": "percent",
            "target_value": "10",
            "due_period": "2025",
        }
        self.assertEqual(client.post(url("add_goal", lofte.pk), goal).status_code, 302)
        missing = client.post(url("add_goal", lofte.pk), {**goal, "baseline_period": ""})
        self.assertContains(missing, "behöver ett mått, ett område och en basperiod", status_code=400)
        promise = {
            "text": FRAUD,
            "focus_area": area.pk,
            "responsible": [self.kommun_org_a.pk, self.lpo_a.pk],
            "weight": "1",
        }
        self.assertEqual(client.post(url("add_promise", lofte.pk), promise).status_code, 302)
        outside = client.post(url("add_promise", lofte.pk), {**promise, "responsible": [self.kommun_org_b.pk]})
        self.assertEqual(outside.status_code, 400)  # not a choice: Mullsjö kommun is no party
        page = client.get(url("detail", lofte.pk))
        self.assertContains(page, FRAUD)
        self.assertContains(page, "Ansvariga: Lokalpolisområde Motala, Mjölby kommun")
        self.assertContains(page, "Anmälda brott, totalt i Mjölby ska minska med minst 10 % från 2023, senast 2025.")
        self.assertContains(
            page, "Innan medborgarlöftet kan föreslås för beslut saknas: ett diarienummer i beslutsuppgifterna."
        )
        self.assertEqual(structure_problems(page.content.decode()), [])

    def test_it_follows_up_a_promise_with_status_and_activities(self) -> None:
        lofte = self.mjolby()
        promise = lofte.promises.get(text=FRAUD)
        client = self.client_for(self.polis)
        page = client.get(url("promise", lofte.pk, promise.pk))
        self.assertContains(page, "Registrera aktiviteten")
        self.assertEqual(structure_problems(page.content.decode()), [])
        client.post(url("promise_status", lofte.pk, promise.pk), {"status": "pagar", "progress": "40"})
        activity = {
            "date": "2024-05-14",
            "text": "Träff om bedrägerier på träffpunkten.",
            "reach": "35",
            "organisation": self.lpo_a.pk,
            "attachment": SimpleUploadedFile("program.pdf", PDF),
        }
        self.assertRedirects(
            client.post(url("add_activity", lofte.pk, promise.pk), activity),
            url("promise", lofte.pk, promise.pk) + "#activities-heading",
        )
        saved = Activity.objects.get()
        download = self.client_for(self.viewer).get(url("activity_attachment", lofte.pk, promise.pk, saved.pk))
        self.assertEqual(b"".join(download.streaming_content), PDF)
        self.assertEqual(
            self.client_for(self.samordnare_b)
            .get(url("activity_attachment", lofte.pk, promise.pk, saved.pk))
            .status_code,
            404,
        )
        page = self.client_for(self.viewer).get(url("detail", lofte.pk))
        self.assertContains(page, "Träff om bedrägerier på träffpunkten.")
        self.assertContains(page, 'value="40"')
        self.assertNotContains(page, "Registrera beslutet")
        self.assertNotContains(page, url("add_focus_area", lofte.pk))

    def test_it_rolls_parts_up_into_their_promise_on_the_page(self) -> None:
        lofte = self.mjolby()
        promise = lofte.promises.get(text=FRAUD)
        access = self.access()
        done = actions.do_add_promise(
            access, lofte, text="Träff i Mantorp", parent=promise, weight=3, actor=self.samordnare
        )
        actions.do_add_promise(access, lofte, text="Träff i Skänninge", parent=promise, weight=1, actor=self.samordnare)
        actions.do_update_promise_status(access, done, status="genomford", actor=self.samordnare)
        page = self.client_for(self.samordnare).get(url("promise", lofte.pk, promise.pk))
        self.assertContains(page, 'value="75"')
        self.assertContains(page, "Träff i Skänninge")
        self.assertContains(page, "(sammanvägt från delarna)")

    def test_it_shows_the_workflow_with_what_is_missing(self) -> None:
        lofte = self.mjolby()
        client = self.client_for(self.samordnare)
        self.assertContains(client.get(url("detail", lofte.pk)), "Föreslå för beslut")
        polis = self.client_for(self.polis).get(url("detail", lofte.pk))
        self.assertNotContains(polis, "Föreslå för beslut")
        self.assertContains(polis, "Den som leder samverkan tar medborgarlöftet vidare i beslutsprocessen.")
        self.assertEqual(self.client_for(self.polis).post(url("propose", lofte.pk)).status_code, 403)
        self.assertRedirects(client.post(url("propose", lofte.pk)), url("detail", lofte.pk) + "#workflow-heading")
        # Proposed by the arbetsutskott: the kommunstyrelse's meeting is what the decision still lacks.
        page = client.get(url("detail", lofte.pk))
        self.assertContains(page, "Innan beslutet kan registreras saknas: sammanträdesdatum, paragraf.")
        refused = client.post(url("decide", lofte.pk), follow=True)
        self.assertContains(refused, "Beslutet kan inte registreras ännu. Saknas: sammanträdesdatum, paragraf.")
        Decision.objects.filter(lofte=lofte).update(meeting_date=date(2024, 5, 6), paragraph="§ 80")
        client.post(url("decide", lofte.pk))
        page = client.get(url("detail", lofte.pk))
        self.assertContains(
            page, "Föreslaget av arbetsutskottet 2024-04-15 § 59. Beslutat av kommunstyrelsen 2024-05-06 § 80."
        )
        self.assertNotContains(page, url("add_focus_area", lofte.pk))
        self.assertContains(page, url("promise", lofte.pk, lofte.promises.first().pk))
        edit = client.get(url("update", lofte.pk), follow=True)
        self.assertContains(edit, "Medborgarlöftet är beslutat och dess text kan inte ändras.")
        client.post(url("publish", lofte.pk))
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "publicerad")
        self.assertEqual(
            [e for e in AuditEvent.objects.order_by("id").values_list("action", flat=True) if e.startswith("lofte.")][
                -3:
            ],
            ["lofte.propose", "lofte.decide", "lofte.publish"],
        )

    def test_it_keeps_the_lofte_page_to_a_fixed_number_of_queries(self) -> None:
        # Session, user, partnership, roles, the löfte with its agreement, lägesbild and decision, focus areas, goals,
        # promises, their parties, the latest activities: however many promises, parts and activities there are.
        lofte = self.mjolby()
        client = self.client_for(self.viewer)
        detail = url("detail", lofte.pk)
        with self.assertNumQueries(10):
            self.assertEqual(client.get(detail).status_code, 200)
        access = self.access()
        area = lofte.focus_areas.first()
        for n in range(12):
            promise = actions.do_add_promise(
                access, lofte, text=f"Insats {n}", focus_area=area, responsible=[self.lpo_a], actor=self.samordnare
            )
            part = actions.do_add_promise(access, lofte, text=f"Del {n}", parent=promise, actor=self.samordnare)
            actions.do_add_activity(
                access, part, date=date(2024, 6, n + 1), text="Gjort", organisation=self.lpo_a, actor=self.samordnare
            )
        with self.assertNumQueries(10):
            response = client.get(detail)
        self.assertContains(response, "Del 11")

    # The decision documents

    def test_it_writes_the_tjansteskrivelse_from_the_data(self) -> None:
        lofte = self.mjolby()
        response = self.client_for(self.viewer).get(url("decision_document", lofte.pk, "tjansteskrivelse"))
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        self.assertIn('filename="tjansteskrivelse-medborgarlofte-20242025.docx"', response["Content-Disposition"])
        found = headings(response.content)
        for heading in (
            "Tjänsteskrivelse",
            "Medborgarlöfte 2024–2025",
            "Bakgrund",
            "Sammanfattning",
            "Förslag",
            "Narkotika och folkhälsa",
            "Bedrägeri",
            "Prioriterade brottskategorier",
            "Beslutsunderlag",
            "Förslag till beslut",
            "Beslutet skickas till",
        ):
            self.assertIn(heading, found)
        text = "\n".join(text for _style, text in paragraphs(response.content))
        for expected in (
            "Mjölby kommun",
            "Diarienummer KS/2024:126",
            "Datum 2024-04-09",
            "Handläggare Morgan Lantz, Säkerhetschef",
            "Lokalpolisområde Motala och Mjölby kommun har under 2023–2026 en skriftlig samverkansöverenskommelse",
            "Narkotika, bedrägerier och trafiken skapar otrygghet.",
            "Medborgarlöftet ska följas upp vid 2 tillfällen per år.",
            "Det föreligger nu medborgarlöfte avseende perioden 2024–2025.",
            "Mål: Antalet bedrägerier ska vara färre än 2023.",
            "Ansvariga: Bostadsbolaget i Mjölby AB, Mjölby kommun",
            "1. Kommunstyrelsen antar kommunstyrelsens förvaltnings förslag till Medborgarlöften 2024-2025",
            "Polismyndigheten, Lokalpolisområde Motala",
        ):
            self.assertIn(expected, text)
        for promise in (DRUGS, PARENTS, FRAUD, WARN, INFORM):
            self.assertIn(promise, text)

    def test_the_decision_documents_are_a4_with_swedish_margins(self) -> None:
        lofte = self.mjolby()
        for kind in ("tjansteskrivelse", "protokollsutdrag"):
            with self.subTest(kind=kind):
                response = self.client_for(self.samordnare).get(url("decision_document", lofte.pk, kind))
                self.assertEqual(docx_layout_problems(response.content), [])

    def test_it_writes_the_protokollsutdrag_with_body_date_and_paragraph(self) -> None:
        lofte = self.mjolby()
        response = self.client_for(self.samordnare).get(url("decision_document", lofte.pk, "protokollsutdrag"))
        self.assertEqual(response.status_code, 200)
        found = paragraphs(response.content)
        texts = [text for _style, text in found]
        self.assertEqual(headings(response.content)[0], "Protokollsutdrag")
        self.assertIn("Mjölby kommun, Arbetsutskottet 2024-04-15", texts)
        self.assertIn("§ 59 Diarienummer: KS/2024:126", texts)
        self.assertIn("Förslag till beslut", headings(response.content))  # not decided yet
        for promise in (DRUGS, PARENTS, FRAUD, WARN, INFORM):
            self.assertIn(promise, "\n".join(texts))
        self.assertIn("Akten", texts)

    def test_it_asks_for_the_paragraph_before_the_protokollsutdrag(self) -> None:
        lofte, _area, _promise = self.filled()
        response = self.client_for(self.samordnare).get(
            url("decision_document", lofte.pk, "protokollsutdrag"), follow=True
        )
        self.assertContains(response, "Ange sammanträdesdatum och paragraf för förslaget eller beslutet först.")
        self.assertEqual(
            self.client_for(self.samordnare).get(url("decision_document", lofte.pk, "annat")).status_code, 404
        )

    def test_it_keeps_the_documents_for_members(self) -> None:
        lofte = self.mjolby()
        document = url("decision_document", lofte.pk, "tjansteskrivelse")
        self.assertEqual(self.client_for(self.samordnare_b).get(document).status_code, 404)
        self.assertEqual(self.client_for(None).get(document).status_code, 302)
        self.assertEqual(self.client_for(self.reporter).get(document).status_code, 200)

    def test_it_links_the_dashboard_to_the_loften(self) -> None:
        page = self.client_for(self.viewer).get(reverse("partnerships:dashboard", args=["mjolby"]))
        self.assertContains(page, url("index"))
