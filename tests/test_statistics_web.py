from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from lofte.statistics.models import ImportRun, Observation
from tests.base import BaseTestCase

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)


class ImportPagesTest(BaseTestCase):
    def setUp(self) -> None:
        import tempfile

        self.enterContext(override_settings(VAR_DIR=Path(self.enterContext(tempfile.TemporaryDirectory()))))

    def upload(self, client, content: bytes, name: str = "arsvis.csv"):  # type: ignore[no-untyped-def]
        return client.post(
            "/statistik/importer/forhandsgranska/", {"file": SimpleUploadedFile(name, content), "format": ""}
        )

    def test_it_previews_then_imports_on_confirmation(self) -> None:
        client = self.client_for(self.samordnare)
        preview = self.upload(client, YEARLY.read_bytes())
        self.assertContains(preview, "Förhandsgranska import")
        self.assertEqual(preview.context["summary"].created, 540)
        self.assertFalse(Observation.objects.exists())
        confirm = client.post("/statistik/importer/bekrafta/", preview.context["confirm"].initial)
        run = ImportRun.objects.get()
        self.assertRedirects(confirm, f"/statistik/importer/{run.pk}/")
        self.assertEqual((run.actor, run.created, Observation.objects.count()), (self.samordnare, 540, 540))
        page = client.get(f"/statistik/importer/{run.pk}/")
        self.assertContains(page, run.sha256)
        self.assertContains(page, "Brå")

    def test_it_says_when_a_file_changes_nothing(self) -> None:
        client = self.client_for(self.samordnare)
        first = self.upload(client, YEARLY.read_bytes())
        client.post("/statistik/importer/bekrafta/", first.context["confirm"].initial)
        again = self.upload(client, YEARLY.read_bytes())
        self.assertContains(again, "Inget skulle ändras")
        self.assertNotContains(again, "Bekräfta import")

    def test_it_shows_what_is_wrong_with_a_file(self) -> None:
        response = self.upload(
            self.client_for(self.samordnare), b"kommun;period;key;count;per100k;preliminary\n0586;2025;total;tja;1;\n"
        )
        self.assertContains(response, "arsvis.csv, rad 2, fält &quot;count&quot;", status_code=400)
        self.assertFalse(ImportRun.objects.exists())

    def test_it_undoes_an_import_from_its_page(self) -> None:
        client = self.client_for(self.samordnare)
        preview = self.upload(client, YEARLY.read_bytes())
        client.post("/statistik/importer/bekrafta/", preview.context["confirm"].initial)
        run = ImportRun.objects.get()
        self.assertEqual(self.client_for(self.polis).post(f"/statistik/importer/{run.pk}/angra/").status_code, 403)
        response = client.post(f"/statistik/importer/{run.pk}/angra/", follow=True)
        self.assertContains(response, "540 värden borttagna")
        self.assertFalse(Observation.objects.exists())

    def test_it_lists_runs_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.viewer)
        client.get("/statistik/importer/")
        with self.assertNumQueries(5):
            client.get("/statistik/importer/")
