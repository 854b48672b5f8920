from __future__ import annotations

import io
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from lofte.statistics import progress
from lofte.statistics.models import ImportJob, ImportRun, Metric, Observation
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources"
YEARLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
INDIKATORER = SOURCES / "spreadsheet/fixtures/indikatorer_exempel.csv"
OTRYGGHET = {
    "area": "Kommun",
    "area_by_name": "on",
    "period": "År",
    "value": "Andel (%)",
    "per_100k": "",
    "where_column_1": "Indikator",
    "where_value_1": "Otrygghet ute sent på kvällen i området",
    "where_column_2": "Kön",
    "where_value_2": "Totalt",
    "metric_code": "ntu.otrygghet_kvall",
    "metric_name": "Otrygghet ute sent på kvällen",
    "unit": "procent",
    "publisher": "bra",
    "sheet": "",
    "header_row": "1",
}


class UploadTestCase(BaseTestCase):
    """Uploads of official statistics, for several kommuner: an operator's (tests/test_statistics_owners.py has
    what each member may import)."""

    def setUp(self) -> None:
        self.enterContext(override_settings(VAR_DIR=Path(self.enterContext(tempfile.TemporaryDirectory()))))
        self.client = self.client_for(self.staff)

    def upload(self, content: bytes, name: str = "arsvis.csv", format: str = ""):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/statistik/importer/ladda-upp/", {"file": SimpleUploadedFile(name, content), "format": format}
        )

    def job(self) -> ImportJob:
        return ImportJob.objects.latest("pk")


class ImportPagesTest(UploadTestCase):
    def test_it_previews_then_imports_on_confirmation(self) -> None:
        response = self.upload(YEARLY.read_bytes())
        job = self.job()
        self.assertRedirects(response, f"/statistik/importer/uppladdning/{job.pk}/")
        page = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/")
        self.assertContains(page, "Det här kommer att ändras")
        self.assertEqual((job.status, job.summary["created"]), ("ready", 540))
        self.assertFalse(Observation.objects.exists())
        confirm = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/", follow=True)
        run = ImportRun.objects.get()
        self.assertContains(confirm, f"/statistik/importer/{run.pk}/")
        self.assertEqual((run.actor, run.created, Observation.objects.count()), (self.staff, 540, 540))
        self.assertFalse(self.job().path.exists())
        page = self.client.get(f"/statistik/importer/{run.pk}/")
        self.assertContains(page, run.sha256)
        self.assertContains(page, "Brå")

    def test_it_refuses_a_second_confirmation(self) -> None:
        self.upload(YEARLY.read_bytes())
        url = f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/"
        self.client.post(url)
        again = self.client.post(url, follow=True)
        self.assertContains(again, "väntar inte på bekräftelse")
        self.assertEqual(ImportRun.objects.count(), 1)

    def test_it_says_when_a_file_changes_nothing(self) -> None:
        self.upload(YEARLY.read_bytes())
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")
        again = self.upload(YEARLY.read_bytes())
        page = self.client.get(again["Location"])
        self.assertEqual(self.job().status, "done")
        self.assertContains(page, "Inget ändrades")
        self.assertNotContains(page, "Bekräfta import")

    def test_it_shows_what_is_wrong_with_a_file(self) -> None:
        response = self.upload(b"kommun;period;key;count;per100k;preliminary\n0586;2025;total;tja;1;\n")
        page = self.client.get(response["Location"])
        self.assertContains(page, "arsvis.csv, rad 2, fält &quot;count&quot;")
        self.assertEqual(self.job().status, "failed")
        self.assertFalse(ImportRun.objects.exists() or Observation.objects.exists())

    def test_it_refuses_a_file_it_does_not_recognise_on_the_form(self) -> None:
        response = self.upload(b"\x00\x01binary", name="x.bin")
        self.assertContains(response, "formatet känns inte igen", status_code=400)
        self.assertFalse(ImportJob.objects.exists())

    def test_it_cancels_a_waiting_upload(self) -> None:
        self.upload(YEARLY.read_bytes())
        job = self.job()
        response = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/avbryt/", follow=True)
        self.assertContains(response, "Uppladdningen är avbruten")
        self.assertEqual(self.job().status, "cancelled")
        self.assertFalse(job.path.exists() or Observation.objects.exists())

    def test_it_shows_an_upload_to_its_uploader_only(self) -> None:
        self.upload(YEARLY.read_bytes())
        url = f"/statistik/importer/uppladdning/{self.job().pk}/"
        self.assertEqual(self.client_for(self.samordnare_b).get(url).status_code, 404)
        self.assertEqual(self.client_for(self.samordnare_b).post(url + "bekrafta/").status_code, 404)
        self.assertEqual(self.client_for(self.samordnare).get(url).status_code, 404)
        self.assertEqual(self.client_for(self.polis).get(url).status_code, 403)
        self.assertEqual(self.job().status, "ready")

    def test_it_undoes_an_import_from_its_page(self) -> None:
        self.upload(YEARLY.read_bytes())
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")
        run = ImportRun.objects.get()
        self.assertEqual(self.client_for(self.polis).post(f"/statistik/importer/{run.pk}/angra/").status_code, 403)
        response = self.client.post(f"/statistik/importer/{run.pk}/angra/", follow=True)
        self.assertContains(response, "540 värden borttagna")
        self.assertFalse(Observation.objects.exists())

    def test_it_lists_runs_in_a_fixed_number_of_queries(self) -> None:
        self.upload(YEARLY.read_bytes())
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")  # an official run …
        mjolby = self.client_for(self.samordnare)
        mjolby.post(
            "/statistik/importer/ladda-upp/",
            {"file": SimpleUploadedFile("egen.csv", b"kommun;period;varde\n0586;2024;3\n"), "format": "spreadsheet"},
        )
        mapping = {"area": "kommun", "period": "period", "value": "varde", "metric_code": "egen.antal"}
        mapping |= {"metric_name": "Antal", "unit": "antal", "publisher": "other", "header_row": "1"}
        mjolby.post(f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", mapping)
        mjolby.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")  # … and one of Mjölby's own
        self.assertEqual(ImportRun.objects.count(), 2)
        viewer = self.client_for(self.viewer)
        viewer.get("/statistik/importer/")
        with self.assertNumQueries(5):
            page = viewer.get("/statistik/importer/")
        self.assertEqual(len(page.context["runs"]), 1)
        mjolby.post(
            "/statistik/importer/ladda-upp/",
            {"file": SimpleUploadedFile("ny.csv", b"kommun;period;varde\n0586;2025;4\n"), "format": "spreadsheet"},
        )
        with self.assertNumQueries(6):  # and the uploader's own uploads still waiting
            page = mjolby.get("/statistik/importer/")
        self.assertContains(page, "Dina pågående uppladdningar")
        with self.assertNumQueries(5):  # an operator: every run, and no membership to look up
            page = self.client.get("/statistik/importer/")
        self.assertEqual(len(page.context["runs"]), 2)


class SpreadsheetUploadTest(UploadTestCase):
    def map(self, **changes: str):  # type: ignore[no-untyped-def]
        return self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", OTRYGGHET | changes)

    def test_it_shows_the_columns_and_imports_one_indicator_through_the_chosen_ones(self) -> None:
        response = self.upload(INDIKATORER.read_bytes(), "indikatorer.csv", "spreadsheet")
        page = self.client.get(response["Location"])
        self.assertContains(page, "Välj kolumner")
        self.assertContains(page, '<th scope="col">Indikator</th>', html=True)
        self.assertContains(page, "Otrygghet ute sent på kvällen i området")
        self.assertTrue(page.context["mapping_form"].initial["area_by_name"])  # the samples are names
        self.assertRedirects(self.map(), f"/statistik/importer/uppladdning/{self.job().pk}/")
        self.assertEqual((self.job().status, self.job().summary["created"]), ("ready", 6))
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")
        metric = Metric.objects.get(code="ntu.otrygghet_kvall")
        values = Observation.objects.filter(series__metric=metric, series__area__code="0583")
        self.assertEqual(sorted(values.values_list("period", "value")), [("2023", 18.4), ("2024", 10.3)])
        self.assertEqual((metric.unit, metric.publisher, metric.lower_is_better), ("procent", "bra", True))

    def test_it_names_the_field_of_a_mapping_it_cannot_use(self) -> None:
        self.upload(INDIKATORER.read_bytes(), "indikatorer.csv", "spreadsheet")
        response = self.map(metric_code="anmalda.otrygghet")
        self.assertContains(response, "reserverade för Löftes egna källor", status_code=400)
        self.assertIn("metric_code", response.context["mapping_form"].errors)
        response = self.map(where_value_2="")
        self.assertIn("where_value_2", response.context["mapping_form"].errors)
        self.assertEqual(self.job().status, "mapping")

    def test_it_returns_to_the_mapping_when_the_file_cannot_be_read_with_it(self) -> None:
        self.upload(INDIKATORER.read_bytes(), "indikatorer.csv", "spreadsheet")
        self.map(where_column_1="", where_value_1="")  # every gender of one indicator: repeats
        job = self.job()
        self.assertEqual((job.status, job.options["where"]), ("mapping", [["Kön", "Totalt"]]))
        page = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/")
        self.assertContains(page, "flera mått eller grupper")
        self.assertEqual(page.context["mapping_form"].initial["where_column_1"], "Kön")
        self.assertFalse(Metric.objects.filter(code="ntu.otrygghet_kvall").exists())

    def test_it_reads_the_columns_of_the_chosen_sheet_and_header_row(self) -> None:
        xlsx = (SOURCES / "spreadsheet/fixtures/trygghetsmatning_exempel.xlsx").read_bytes()
        response = self.upload(xlsx, "trygghet.xlsx", "spreadsheet")
        page = self.client.get(response["Location"], {"sheet": "Problemindex", "header_row": "3"})
        self.assertEqual(page.context["header"], ["Kommun", "År", "Problemindex"])
        self.assertContains(page, '<option value="Om exemplet">Om exemplet</option>', html=True)


class BackgroundUploadTest(UploadTestCase):
    """A large file is checked and imported by the worker while the page shows how far it has come."""

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(
            override_settings(
                LOFTE_IMPORT_BACKGROUND_BYTES=1000,
                TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
            )
        )

    def work(self) -> None:
        # The worker closes connections that are not in autocommit, which inside a test's transaction
        # means the test's own (PostgreSQL; SQLite's in-memory test database ignores it).
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    def test_it_runs_in_the_worker_and_shows_its_progress(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.upload(YEARLY.read_bytes())
        job = self.job()
        self.assertEqual((job.status, job.background), ("checking", True))
        page = self.client.get(response["Location"])
        self.assertContains(page, f'hx-get="/statistik/importer/uppladdning/{job.pk}/status/"')
        self.assertContains(page, "vendor/htmx/htmx.min.js")
        progress.report(job.pk, 5000, 540000)
        status = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/status/")
        self.assertContains(status, '<progress max="540000" value="5000">1 %</progress>', html=True)
        self.assertNotIn("HX-Refresh", status.headers)

        self.work()
        self.assertEqual(self.job().status, "ready")
        status = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/status/")
        self.assertEqual(status["HX-Refresh"], "true")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
        self.assertEqual((self.job().status, Observation.objects.count()), ("importing", 0))
        self.work()
        job = self.job()
        self.assertEqual((job.status, job.run.created if job.run else None), ("done", 540))
        self.assertEqual(progress.read(job.pk), (540, 540))
        self.assertContains(self.client.get(f"/statistik/importer/uppladdning/{job.pk}/"), "Importen är klar")

    def test_it_records_a_bad_file_as_failed_in_the_worker(self) -> None:
        bad = YEARLY.read_bytes().replace(b"0586;2025", b"0586;20x5", 1)
        with self.captureOnCommitCallbacks(execute=True):
            self.upload(bad)
        self.work()
        job = self.job()
        self.assertEqual(job.status, "failed")
        self.assertIn('fält "period"', job.error)
        self.assertFalse(ImportRun.objects.exists())


def titled_xlsx() -> bytes:
    """Laid out as Polisens trygghetsmätning exports it: a title row, a blank row, then the header on row 3."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Problemindex"
    for row in [
        ["Polisens trygghetsmätning 2024 – problemindex per kommun", None, None],
        [None, None, None],
        ["Kommun", "År", "Problemindex"],
        ["Motala", 2023, 1.95],
        ["Motala", 2024, 1.78],
        ["Mjölby", 2023, 1.51],
        ["Mjölby", 2024, 1.36],
    ]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# As Brå's NTU tables come out of Excel as CSV: the title row and a blank row keep the delimiters.
TITLED_CSV = (
    "Nationella trygghetsundersökningen (NTU) 2024;;\n"
    ";;\n"
    "Kommun;År;Andel otrygga (%)\n"
    "Motala;2023;18,4\n"
    "Motala;2024;17,9\n"
    "Mjölby;2024;12,1\n"
).encode()
PROBLEMINDEX = {
    "area": "Kommun",
    "area_by_name": "on",
    "period": "År",
    "value": "Problemindex",
    "per_100k": "",
    "metric_code": "trygghet.problemindex",
    "metric_name": "Problemindex",
    "unit": "index",
    "publisher": "polisen",
    "sheet": "Problemindex",
    "header_row": "3",
}


class HeaderBelowATitleTest(UploadTestCase):
    """Real exports start with a title and a blank row: the header row found or chosen holds through every step."""

    def test_it_imports_an_excel_export_with_the_header_on_row_3_through_every_step(self) -> None:
        response = self.upload(titled_xlsx(), "trygghetsmatning.xlsx", "spreadsheet")
        job = self.job()
        self.assertEqual((job.status, job.options.get("header_row")), ("mapping", 3))
        page = self.client.get(response["Location"])
        self.assertEqual(page.context["header"], ["Kommun", "År", "Problemindex"])
        self.assertEqual(page.context["mapping_form"].initial["header_row"], 3)
        self.assertContains(page, "Eget kalkylark")  # the format by its name …
        self.assertNotContains(page, "<dd>spreadsheet</dd>", html=True)  # … not its code
        mapped = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/kolumner/", PROBLEMINDEX)
        self.assertRedirects(mapped, f"/statistik/importer/uppladdning/{job.pk}/")
        job = self.job()
        self.assertEqual((job.status, job.options["header_row"], job.summary["created"]), ("ready", 3, 4))
        preview = self.client.get(f"/statistik/importer/uppladdning/{job.pk}/")
        self.assertEqual(
            preview.context["job"].summary["metrics"],
            [
                {
                    "code": "trygghet.problemindex",
                    "name": "Problemindex",
                    "created": 4,
                    "updated": 0,
                    "unchanged": 0,
                }
            ],
        )
        self.assertContains(preview, "trygghet.problemindex")
        self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
        metric = Metric.objects.get(code="trygghet.problemindex")
        self.assertEqual(metric.publisher, "polisen")
        self.assertEqual(ImportRun.objects.get().publisher, "polisen")
        values = Observation.objects.filter(series__metric=metric, series__area__code="0586")
        self.assertEqual(sorted(values.values_list("period", "value")), [("2023", 1.51), ("2024", 1.36)])
        run_page = self.client.get(f"/statistik/importer/{ImportRun.objects.get().pk}/")
        self.assertContains(run_page, "Polisen")
        self.assertContains(run_page, "Eget kalkylark")

    def test_an_excel_export_uploaded_as_recognise_automatically_goes_to_the_mapping(self) -> None:
        response = self.upload(titled_xlsx(), "trygghetsmatning.xlsx")
        job = self.job()
        self.assertRedirects(response, f"/statistik/importer/uppladdning/{job.pk}/", fetch_redirect_response=False)
        self.assertEqual((job.format, job.status, job.options.get("header_row")), ("spreadsheet", "mapping", 3))

    def test_a_file_that_is_no_table_says_what_to_choose(self) -> None:
        response = self.upload(b"\x00\x01binary", name="x.bin")
        self.assertContains(response, "Välj formatet i listan, eller ”Eget kalkylark”", status_code=400)
        self.assertNotContains(response, "--format", status_code=400)

    def test_it_keeps_a_header_row_chosen_on_the_page(self) -> None:
        response = self.upload(titled_xlsx(), "trygghetsmatning.xlsx", "spreadsheet")
        job = self.job()
        ImportJob.objects.filter(pk=job.pk).update(options={})  # as if nothing had been guessed
        page = self.client.get(response["Location"], {"sheet": "Problemindex", "header_row": "3"})
        self.assertEqual(page.context["mapping_form"].initial["header_row"], 3)
        mapped = self.client.post(f"/statistik/importer/uppladdning/{job.pk}/kolumner/", PROBLEMINDEX)
        self.assertRedirects(mapped, f"/statistik/importer/uppladdning/{job.pk}/")
        self.assertEqual((self.job().status, self.job().summary["created"]), ("ready", 4))

    def test_it_imports_a_csv_export_with_a_title_and_a_blank_row(self) -> None:
        response = self.upload(TITLED_CSV, "ntu.csv", "spreadsheet")
        page = self.client.get(response["Location"])
        self.assertEqual(page.context["header"], ["Kommun", "År", "Andel otrygga (%)"])
        mapping = PROBLEMINDEX | {
            "value": "Andel otrygga (%)",
            "metric_code": "ntu.otrygghet",
            "metric_name": "Andel otrygga",
            "unit": "procent",
            "publisher": "bra",
            "sheet": "",
        }
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", mapping)
        self.assertEqual((self.job().status, self.job().summary["created"]), ("ready", 3))
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")
        self.assertEqual(Metric.objects.get(code="ntu.otrygghet").publisher, "bra")

    def test_it_accepts_a_sheet_whose_first_row_is_blank(self) -> None:
        raw = titled_xlsx()
        workbook = load_workbook(io.BytesIO(raw))
        workbook.active.delete_rows(1)  # type: ignore[union-attr]
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = self.upload(buffer.getvalue(), "tom_forsta_rad.xlsx", "spreadsheet")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.job().options["header_row"], 2)

    def test_it_asks_for_the_source_of_the_figures(self) -> None:
        self.upload(titled_xlsx(), "trygghetsmatning.xlsx", "spreadsheet")
        response = self.client.post(
            f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", PROBLEMINDEX | {"publisher": ""}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("publisher", response.context["mapping_form"].errors)
        self.assertEqual(self.job().status, "mapping")

    def test_it_shows_what_changes_per_metric_before_a_second_import(self) -> None:
        self.upload(titled_xlsx(), "trygghetsmatning.xlsx", "spreadsheet")
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", PROBLEMINDEX)
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/bekrafta/")
        workbook = load_workbook(io.BytesIO(titled_xlsx()))  # the same layout, one value revised, one added
        sheet = workbook.active
        assert sheet is not None
        sheet["C7"] = 1.40
        sheet.append(["Mullsjö", 2024, 0.89])
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.upload(buffer.getvalue(), "trygghetsmatning_rev.xlsx", "spreadsheet")
        self.client.post(f"/statistik/importer/uppladdning/{self.job().pk}/kolumner/", PROBLEMINDEX)
        page = self.client.get(f"/statistik/importer/uppladdning/{self.job().pk}/")
        [row] = page.context["job"].summary["metrics"]
        self.assertEqual((row["created"], row["updated"], row["unchanged"]), (1, 1, 3))
        self.assertEqual(
            page.context["job"].summary["changes"],
            [{"metric": "trygghet.problemindex", "area": "0586", "period": "2024", "before": 1.36, "after": 1.4}],
        )
        self.assertContains(page, "1,36")


class HeaderBelowATitleInTheWorkerTest(UploadTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(
            override_settings(
                LOFTE_IMPORT_BACKGROUND_BYTES=100,
                TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
            )
        )

    def work(self) -> None:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    def test_it_keeps_the_header_row_when_the_worker_checks_and_imports(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.upload(titled_xlsx(), "trygghetsmatning.xlsx", "spreadsheet")
        job = self.job()
        self.assertTrue(job.background)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/statistik/importer/uppladdning/{job.pk}/kolumner/", PROBLEMINDEX)
        self.assertEqual(self.job().status, "checking")
        self.work()
        self.assertEqual((self.job().status, self.job().summary["created"]), ("ready", 4))
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
        self.work()
        self.assertEqual((self.job().status, Observation.objects.count()), ("done", 4))
