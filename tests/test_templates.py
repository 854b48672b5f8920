from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.test import override_settings
from django.test.signals import template_rendered

from lofte.partnerships.actions import do_add_membership
from lofte.statistics.actions import do_import
from tests.base import BaseTestCase

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "lofte" / "templates"


def all_templates() -> set[str]:
    return {str(p.relative_to(TEMPLATE_DIR)) for p in TEMPLATE_DIR.rglob("*") if p.suffix in {".html", ".txt"}}


class EveryTemplateTest(BaseTestCase):
    @override_settings(AXES_FAILURE_LIMIT=1)
    def test_it_renders_every_template(self) -> None:
        rendered: set[str] = set()

        def remember(sender: Any, template: Any, **kwargs: Any) -> None:
            rendered.add(template.name)

        template_rendered.connect(remember)
        try:
            self.tour()
        finally:
            template_rendered.disconnect(remember)
        loader.get_template("500.html").render({})
        rendered.add("500.html")
        self.assertEqual(all_templates() - rendered, set(), "Add a request that renders these templates")

    def tour(self) -> None:
        anonymous = self.client_for(None)
        for url in ("/", "/kommun/0586/", "/omraden/", "/omraden/0586/", "/konto/logga-in/", "/finns-inte/"):
            anonymous.get(url)
        with self.captureOnCommitCallbacks(execute=True):
            anonymous.post("/konto/losenord/glomt/", {"email": "lasare@a.example"})
        for url in ("/konto/losenord/glomt/", "/konto/losenord/glomt/skickat/", "/konto/losenord/aterstallt/"):
            anonymous.get(url)
        anonymous.get("/konto/losenord/aterstall/MQ/fel-token/")
        anonymous.post("/konto/logga-in/", {"username": "lasare@a.example", "password": "fel"})
        self.assertEqual(
            anonymous.post("/konto/logga-in/", {"username": "lasare@a.example", "password": "fel"}).status_code, 429
        )
        samordnare = self.client_for(self.samordnare)
        for url in (
            "/samverkan/mjolby/",
            "/samverkan/mjolby/parter/",
            "/konto/profil/",
            "/konto/losenord/byt/",
            "/omraden/0586/",
        ):
            self.assertEqual(samordnare.get(url).status_code, 200, url)
        self.assertEqual(self.client_for(self.viewer).post("/omraden/0586/ladda-upp/").status_code, 403)
        self.tour_statistics(samordnare)
        yearly = (
            TEMPLATE_DIR.parent
            / "statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
        )
        do_import(yearly.read_bytes(), yearly.name, actor="test")
        self.assertContains(samordnare.get("/lagesbild/0586/"), "Utveckling över tid")
        self.tour_lagesbild(samordnare)
        self.tour_dialogues(samordnare)
        do_add_membership(self.polis, self.kommun_org_b, "polis", actor="test")
        self.assertEqual(self.client_for(self.polis).get("/samverkan/").status_code, 200)

    def tour_lagesbild(self, client: Any) -> None:
        self.assertContains(client.get("/samverkan/mjolby/lagesbild/"), "Skapa version")
        created = client.post(
            "/samverkan/mjolby/lagesbild/ny/", {"title": "Lägesbild", "year_from": 2021, "year_to": 2025}
        )
        self.assertRedirects(created, "/samverkan/mjolby/lagesbild/1/")
        self.assertContains(client.get("/samverkan/mjolby/lagesbild/1/"), "Fastställ lägesbilden")
        pdf = client.get("/samverkan/mjolby/lagesbild/1/dokument.pdf")
        self.assertEqual((pdf.status_code, pdf.content[:4]), (200, b"%PDF"))

    def tour_dialogues(self, client: Any) -> None:
        self.assertContains(client.get("/samverkan/mjolby/dialoger/ny/"), "Registrera dialogen")
        walk = {"kind": "trygghetsvandring", "date": "2026-04-14", "place": "Stationen", "women": 2, "themes": "trafik"}
        created = client.post("/samverkan/mjolby/dialoger/ny/", walk)
        self.assertEqual(created.status_code, 302)
        self.assertContains(client.get(created["Location"]), "Lägg till synpunkten")
        self.assertContains(client.get("/samverkan/mjolby/dialoger/"), "2 deltagare totalt.")

    def tour_statistics(self, client: Any) -> None:
        sources = TEMPLATE_DIR.parent / "statistics" / "sources"
        csv = sources / "bra_csv" / "fixtures" / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv"
        with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=Path(tmp)):
            upload = client.post(
                "/statistik/importer/ladda-upp/", {"file": SimpleUploadedFile("k.csv", csv.read_bytes())}
            )
            job = upload["Location"]
            self.assertEqual(client.get(job).status_code, 200)
            self.assertEqual(client.get(job + "status/").status_code, 200)
            confirmed = client.post(job + "bekrafta/", follow=True)
            self.assertContains(confirmed, "Importen är klar")
            self.assertEqual(client.get(f"/statistik/importer/{confirmed.context['job'].run_id}/").status_code, 200)
            sheet = sources / "spreadsheet" / "fixtures" / "ntu_exempel.csv"
            upload = client.post(
                "/statistik/importer/ladda-upp/",
                {"file": SimpleUploadedFile("ntu.csv", sheet.read_bytes()), "format": "spreadsheet"},
            )
            self.assertContains(client.get(upload["Location"]), "Välj kolumner")
            self.assertEqual(client.get("/statistik/importer/").status_code, 200)
