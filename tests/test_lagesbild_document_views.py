"""Downloading a lägesbild as PDF or Word from its page."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document

from lofte.lib.actors import SystemActor
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.situation.lagesbild.actions import do_add_problem, do_add_source, do_create_lagesbild, do_link_series
from lofte.statistics.actions import do_import
from tests.base import BaseTestCase

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)
URL = "/samverkan/mjolby/lagesbild/1/dokument."


class DocumentDownloadTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        access = get_partnership_for_user(cls.samordnare, "mjolby", Can.EDIT)
        lagesbild = do_create_lagesbild(
            access, title="Lägesbild Mjölby", year_from=2021, year_to=2025, actor=SystemActor("test")
        )
        do_add_source(access, lagesbild, kind="statistik", title="Brå", actor=SystemActor("test"))
        police = get_partnership_for_user(cls.polis, "mjolby", Can.EDIT)
        do_add_source(
            police, lagesbild, kind="underrattelse", title="Hemlig uppgift om nätverket", actor=SystemActor("test")
        )
        problem = do_add_problem(access, lagesbild, title="Bostadsinbrott i villaområden", actor=SystemActor("test"))
        do_link_series(access, problem, "anmalda.bostadsinbrott", "0586", actor=SystemActor("test"))

    def test_it_downloads_the_word_document_with_its_figures(self) -> None:
        response = self.client_for(self.viewer).get(URL + "docx")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="lagesbild-mjolby-v1.docx"')
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        self.assertIn("Bostadsinbrott i villaområden", text)
        self.assertNotIn("Hemlig uppgift", text)

    def test_it_downloads_the_pdf(self) -> None:
        response = self.client_for(self.polis).get(URL + "pdf")
        self.assertEqual((response["Content-Type"], response.content[:4]), ("application/pdf", b"%PDF"))

    def test_it_shows_restricted_sources_only_to_the_police(self) -> None:
        police = Document(io.BytesIO(self.client_for(self.polis).get(URL + "docx").content))
        self.assertIn("Hemlig uppgift om nätverket", "\n".join(p.text for p in police.paragraphs))

    def test_it_refuses_other_partnerships_and_unknown_formats(self) -> None:
        self.assertEqual(self.client_for(self.samordnare_b).get(URL + "pdf").status_code, 404)
        self.assertEqual(self.client_for(None).get(URL + "pdf").status_code, 302)
        self.assertEqual(self.client_for(self.viewer).get(URL + "odt").status_code, 404)
        page = self.client_for(self.viewer).get("/samverkan/mjolby/lagesbild/1/")
        self.assertContains(page, 'href="/samverkan/mjolby/lagesbild/1/dokument.pdf"')
