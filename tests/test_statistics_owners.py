"""Statistics have owners (issue 15): official statistics are the operators', a partnership's own data its own.

Each persona × each import format × its own kommun or another, through the actions and the upload pages, and the
undo, the import list and the audit rows. Every refusal leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import Workbook

from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.partnerships.models import Partnership
from lofte.statistics.actions import ImportRefused, do_import, do_undo_import, do_upload_import
from lofte.statistics.models import Event, ImportJob, ImportRun, Metric, Observation, ObservationChange, Series
from lofte.statistics.sources.spreadsheet.parser import Mapping
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte" / "statistics" / "sources"
YEARLY = SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
BRA_HEADER = "kommun;period;key;count;per100k;preliminary\n"
OFFICIAL_FILES = {
    "bra-monthly": SOURCES / "bra_monthly" / "fixtures" / "bra_anmalda_brott_manad_boden_2026-08_prel.csv",
    "polisen-events": SOURCES / "polisen" / "fixtures" / "polisen_events_mjolby_motala_mullsjo.json",
    "kolada": SOURCES / "kolada" / "fixtures" / "kolada_N01951_N07540_0583_0586_0642_2025.json",
    "jsonstat": SOURCES / "jsonstat" / "fixtures" / "scb_tab638_folkmangd_0586_0583_0642_2023_2025.json",
    "scb-px": SOURCES / "scb_px" / "fixtures" / "scb_px_BE0101N1.px",
}
MAPPING = {
    "area": "kommun",
    "area_by_name": "",
    "period": "period",
    "value": "varde",
    "per_100k": "",
    "metric_code": "trygghet.andel_otrygga",
    "metric_name": "Andel otrygga",
    "unit": "procent",
    "publisher": "polisen",
    "sheet": "",
    "header_row": "1",
}


def database_fingerprint() -> str:
    """Every row an import or undo may touch, so a refusal can be shown to change nothing."""
    parts = [
        list(Metric.objects.order_by("code").values_list("code", "name", "parent_id")),
        list(Series.objects.order_by("id").values_list("id", "metric_id", "area_id")),
        list(Observation.objects.order_by("id").values_list("id", "series_id", "period", "value", "import_run_id")),
        list(ImportRun.objects.order_by("id").values_list("id", "sha256", "status", "partnership_id")),
        list(Event.objects.order_by("id").values_list("id", "source_id", "import_run_id")),
        ObservationChange.objects.count(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def bra_csv(area: str, total: int = 99999) -> bytes:
    return f"{BRA_HEADER}{area};2025;total;{total};1.0;\n".encode()


def sheet_csv(area: str, value: float = 12.5) -> bytes:
    return f"kommun;period;varde\n{area};2024;{value}\n".encode()


def sheet_xlsx(area: str, value: float = 13.5) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kommun", "period", "varde"])
    sheet.append([area, 2024, value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def mapping() -> Mapping:
    return Mapping(
        area="kommun",
        period="period",
        value="varde",
        metric_code=MAPPING["metric_code"],
        metric_name=MAPPING["metric_name"],
        unit="procent",
        publisher="polisen",
    )


def files(area: str) -> dict[str, tuple[str, bytes, str]]:
    """Every format the app reads, as (file name, content, format) about `area` where the format lets us choose."""
    found = {"bra-csv": ("bra.csv", bra_csv(area), "bra-csv")}
    found |= {name: (path.name, path.read_bytes(), name) for name, path in OFFICIAL_FILES.items()}
    found["spreadsheet-csv"] = ("egen.csv", sheet_csv(area), "spreadsheet")
    found["spreadsheet-xlsx"] = ("egen.xlsx", sheet_xlsx(area), "spreadsheet")
    return found


class OwnersTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.enterContext(override_settings(VAR_DIR=Path(self.enterContext(tempfile.TemporaryDirectory()))))

    def home(self, persona: str) -> Partnership | None:
        """The partnership a persona would import for (their own), None for the operator."""
        return {"samordnare_b": self.partnership_b, "staff": None}.get(persona, self.partnership_a)

    def import_as(self, actor: Any, name: str, raw: bytes, format_name: str, partnership: Partnership | None) -> Any:
        options = {"mapping": mapping()} if format_name == "spreadsheet" else None
        return do_import(raw, name, actor=actor, format_name=format_name, options=options, partnership=partnership)

    def assert_refused_unchanged(self, call: Any, message: str) -> None:
        before = database_fingerprint()
        with self.assertRaisesMessage(ImportRefused, message):
            call()
        self.assertEqual(database_fingerprint(), before)


class ImportActionTest(OwnersTestCase):
    """do_import, the one action every page, command and fetcher uses."""

    def refuses(self, message: str, actor: Any, file: tuple[str, bytes, str], partnership: Partnership | None) -> None:
        self.assert_refused_unchanged(partial(self.import_as, actor, *file, partnership), message)

    def test_it_lets_only_operators_import_official_statistics(self) -> None:
        for kommun in ("0586", "0642"):
            for key, file in files(kommun).items():
                if file[2] == "spreadsheet":
                    continue
                for persona in ("samordnare", "polis", "reporter", "viewer", "samordnare_b"):
                    user = self.personas[persona]
                    with self.subTest(kommun=kommun, format=key, persona=persona, partnership="own"):
                        self.refuses("importera", user, file, self.home(persona))
                    with self.subTest(kommun=kommun, format=key, persona=persona, partnership="official"):
                        self.refuses("bara av förvaltaren av Löfte", user, file, None)
                with self.subTest(kommun=kommun, format=key, persona="anonymous"):
                    self.refuses("bara av förvaltaren av Löfte", AnonymousUser(), file, None)
                with self.subTest(kommun=kommun, format=key, persona="staff"):
                    summary = self.import_as(self.staff, *file, None)
                    if summary.run is not None:  # the same fixture again for the other kommun changes nothing
                        self.assertIsNone(ImportRun.objects.get(pk=summary.run).partnership)

    def test_the_cli_and_fetchers_import_official_statistics(self) -> None:
        for key, file in files("0586").items():
            with self.subTest(format=key):
                summary = self.import_as(SystemActor("lofte fetch"), *file, None)
                self.assertIsNone(ImportRun.objects.get(pk=summary.run).partnership_id)

    def test_a_samordnare_imports_own_spreadsheets_for_their_own_kommun_only(self) -> None:
        for persona, own, other in [("samordnare", "0586", "0642"), ("samordnare_b", "0642", "0586")]:
            user, partnership = self.personas[persona], self.home(persona)
            for maker in (sheet_csv, sheet_xlsx):
                name = f"egen.{'csv' if maker is sheet_csv else 'xlsx'}"
                with self.subTest(persona=persona, file=name, kommun="other"):
                    file = (name, maker(other), "spreadsheet")
                    self.refuses(f"rad 2: området {other} ligger utanför", user, file, partnership)
                with self.subTest(persona=persona, file=name, kommun="riket"):
                    self.refuses("området 00 ligger utanför", user, (name, maker("00"), "spreadsheet"), partnership)
                with self.subTest(persona=persona, file=name, kommun="own"):
                    value = 10.0 if maker is sheet_csv else 11.0
                    summary = self.import_as(user, name, maker(own, value), "spreadsheet", partnership)
                    run = ImportRun.objects.get(pk=summary.run)
                    self.assertEqual(
                        (run.partnership, run.actor, summary.created + summary.updated), (partnership, user, 1)
                    )
            with self.subTest(persona=persona, claims="the other partnership"):
                theirs = self.partnership_b if persona == "samordnare" else self.partnership_a
                self.refuses("Bara samordnare i", user, ("x.csv", sheet_csv(other), "spreadsheet"), theirs)

    def test_other_roles_and_anonymous_import_nothing_of_their_partnership(self) -> None:
        for persona in ("polis", "reporter", "viewer"):
            for maker in (sheet_csv, sheet_xlsx):
                with self.subTest(persona=persona, maker=maker.__name__):
                    file = ("egen", maker("0586"), "spreadsheet")
                    message = "Bara samordnare i Samverkan Mjölby får importera"
                    self.refuses(message, self.personas[persona], file, self.partnership_a)
        file = ("egen.csv", sheet_csv("0586"), "spreadsheet")
        self.refuses("Bara samordnare i Samverkan Mjölby", AnonymousUser(), file, self.partnership_a)

    def test_a_partnership_cannot_use_an_official_code_or_format_for_its_own_kommun(self) -> None:
        official = replace_code(mapping(), "anmalda.totalt")
        self.assert_refused_unchanged(
            lambda: do_import(
                sheet_csv("0586"),
                "egen.csv",
                actor=self.samordnare,
                format_name="spreadsheet",
                options={"mapping": official},
                partnership=self.partnership_a,
            ),
            "måttet anmalda.totalt hör till den gemensamma statistiken",
        )
        self.assert_refused_unchanged(
            lambda: do_import(bra_csv("0586"), "bra.csv", actor=self.samordnare, partnership=self.partnership_a),
            "Filer från Brå, SCB, Kolada och Polisen är gemensam statistik",
        )

    def test_a_partnership_cannot_change_a_value_an_operator_imported(self) -> None:
        # An operator imports an indicator for every kommun as official statistics (a spreadsheet, own code) …
        self.import_as(
            self.staff, "alla.csv", b"kommun;period;varde\n0586;2024;20\n0642;2024;30\n", "spreadsheet", None
        )
        official = ImportRun.objects.get()
        # … which Mjölby's samordnare cannot revise for Mjölby, though they may add a year.
        self.assert_refused_unchanged(
            lambda: self.import_as(
                self.samordnare, "egen.csv", sheet_csv("0586", 5), "spreadsheet", self.partnership_a
            ),
            f"värdet för trygghet.andel_otrygga i 0586 2024 kommer från import {official.pk} (den gemensamma statistiken)",
        )
        raw = b"kommun;period;varde\n0586;2025;21\n"
        summary = self.import_as(self.samordnare, "egen.csv", raw, "spreadsheet", self.partnership_a)
        self.assertEqual(summary.created, 1)

    def test_audit_rows_carry_the_partnership(self) -> None:
        own = self.import_as(self.samordnare, "egen.csv", sheet_csv("0586"), "spreadsheet", self.partnership_a)
        official = self.import_as(self.staff, "bra.csv", bra_csv("0586"), "bra-csv", None)
        do_undo_import(ImportRun.objects.get(pk=own.run), actor=self.samordnare)
        rows = AuditEvent.objects.filter(action__startswith="statistics.").order_by("id")
        self.assertEqual(
            list(rows.values_list("action", "object_id", "partnership_id")),
            [
                ("statistics.import", str(own.run), self.partnership_a.pk),
                ("statistics.import", str(official.run), None),
                ("statistics.undo_import", str(own.run), self.partnership_a.pk),
            ],
        )

    def test_a_file_name_with_personal_data_is_refused_and_never_kept(self) -> None:
        for name in ("Anna Svensson 850709–9805.csv", "till anna.svensson@mjolby.se.csv"):
            with self.subTest(name):
                file = (name, sheet_csv("0586"), "spreadsheet")
                self.refuses(
                    "personnummer" if "850709" in name else "e-postadress", self.samordnare, file, self.partnership_a
                )
                before = database_fingerprint()
                with self.assertRaises(ImportRefused):
                    do_upload_import(sheet_csv("0586"), name, actor=self.samordnare, partnership=self.partnership_a)
                self.assertEqual(database_fingerprint(), before)

    def test_the_import_command_records_a_partnerships_own_file_within_its_kommun(self) -> None:
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "egen.csv"
        args = ["--format", "spreadsheet", "--area-column", "kommun", "--period-column", "period"]
        args += ["--value-column", "varde", "--metric", "trygghet.andel", "--metric-name", "Andel"]
        args += ["--unit", "procent", "--publisher", "other", "--json"]
        path.write_bytes(sheet_csv("0586"))
        with self.assertRaisesMessage(CommandError, "området 0586 ligger utanför Mullsjö"):
            call_command("import", str(path), *args, "--partnership", "mullsjo", stdout=io.StringIO())
        self.assertFalse(ImportRun.objects.exists())
        call_command("import", str(path), *args, "--partnership", "mjolby", stdout=io.StringIO())
        self.assertEqual(ImportRun.objects.get().partnership, self.partnership_a)


def replace_code(found: Mapping, code: str) -> Mapping:
    """A mapping with another metric code, past the form's own check of reserved codes (as a forged request)."""
    forged = object.__new__(Mapping)
    for name in Mapping.__dataclass_fields__:
        object.__setattr__(forged, name, getattr(found, name))
    object.__setattr__(forged, "metric_code", code)
    return forged


class UndoTest(OwnersTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.official = ImportRun.objects.get(
            pk=do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("lofte fetch")).run
        )
        self.own_a = self.run_for(self.samordnare, "0586", self.partnership_a)
        self.own_b = self.run_for(self.samordnare_b, "0642", self.partnership_b)

    def run_for(self, user: Any, area: str, partnership: Partnership) -> ImportRun:
        return ImportRun.objects.get(
            pk=self.import_as(user, "egen.csv", sheet_csv(area), "spreadsheet", partnership).run
        )

    def test_mullsjos_samordnare_can_neither_import_bras_file_for_mjolby_nor_undo_anothers_run(self) -> None:
        """The acceptance test of issue 15, point 1: through the action and through the pages."""
        api = "/api/v1/observations?area=0586&metric=anmalda.totalt&from=2025&to=2025"
        published = self.client.get(api).json()["items"]
        self.assertEqual([item["value"] for item in published], [2875])
        for run in (self.own_a, self.official):
            with self.subTest(run=run.pk):
                self.assert_refused_unchanged(lambda r=run: do_undo_import(r, actor=self.samordnare_b), "ångra")
        self.assert_refused_unchanged(
            lambda: do_import(bra_csv("0586"), "bra.csv", actor=self.samordnare_b, partnership=self.partnership_b),
            "Filer från Brå, SCB, Kolada och Polisen är gemensam statistik som bara förvaltaren av Löfte importerar.",
        )
        self.assert_refused_unchanged(
            lambda: do_import(bra_csv("0586"), "bra.csv", actor=self.samordnare_b),
            "Gemensam statistik (Brå, SCB, Kolada, Polisen) importeras bara av förvaltaren av Löfte.",
        )
        before = database_fingerprint()
        client = self.client_for(self.samordnare_b)
        upload = client.post("/statistik/importer/ladda-upp/", {"file": SimpleUploadedFile("bra.csv", bra_csv("0586"))})
        self.assertContains(upload, "är gemensam statistik som bara förvaltaren av Löfte importerar", status_code=400)
        for run in (self.own_a, self.official):
            self.assertEqual(client.post(f"/statistik/importer/{run.pk}/angra/").status_code, 404)
        self.assertEqual(database_fingerprint(), before)
        self.assertFalse(ImportJob.objects.exists())
        self.assertEqual(self.client.get(api).json()["items"], published)

    def test_it_lets_a_samordnare_undo_their_partnerships_runs_only(self) -> None:
        self.assert_refused_unchanged(
            lambda: do_undo_import(self.own_a, actor=self.samordnare_b),
            "Bara samordnare i Samverkan Mjölby får ångra dess importer.",
        )
        self.assert_refused_unchanged(
            lambda: do_undo_import(self.official, actor=self.samordnare),
            f"Import {self.official.pk} är gemensam statistik och kan bara ångras av förvaltaren av Löfte.",
        )
        for persona in ("polis", "reporter", "viewer"):
            with self.subTest(persona=persona):
                self.assert_refused_unchanged(
                    lambda p=persona: do_undo_import(self.own_a, actor=self.personas[p]), "Bara samordnare i"
                )
        self.assert_refused_unchanged(lambda: do_undo_import(self.own_a, actor=AnonymousUser()), "Bara samordnare i")
        self.assertEqual(do_undo_import(self.own_a, actor=self.samordnare)["removed"], 1)
        self.assertEqual(do_undo_import(self.own_b, actor=self.staff)["removed"], 1)
        self.assertEqual(do_undo_import(self.official, actor=self.staff)["removed"], 540)

    def test_the_undo_page_answers_each_persona(self) -> None:
        expected = {
            # persona: (own_a, own_b, official)
            "anonymous": (302, 302, 302),
            "polis": (403, 403, 403),
            "reporter": (403, 403, 403),
            "viewer": (403, 403, 403),
            "samordnare_b": (404, None, 404),
            "samordnare": (None, 404, 404),
        }
        for persona, statuses in expected.items():
            client = self.client_for(self.personas[persona])
            for run, status in zip((self.own_a, self.own_b, self.official), statuses, strict=True):
                if status is None:
                    continue
                with self.subTest(persona=persona, run=run.file_name, partnership=run.partnership_id):
                    before = database_fingerprint()
                    self.assertEqual(client.post(f"/statistik/importer/{run.pk}/angra/").status_code, status)
                    self.assertEqual(database_fingerprint(), before)
        done = self.client_for(self.samordnare).post(f"/statistik/importer/{self.own_a.pk}/angra/", follow=True)
        self.assertContains(done, "1 värden borttagna")
        staff = self.client_for(self.staff)
        for run in (self.own_b, self.official):
            staff.post(f"/statistik/importer/{run.pk}/angra/")
        self.assertEqual(set(ImportRun.objects.values_list("status", flat=True)), {"undone"})
        self.assertFalse(Observation.objects.exists())

    def test_the_import_list_shows_a_member_only_their_partnerships_runs(self) -> None:
        page = self.client_for(self.samordnare_b).get("/statistik/importer/")
        self.assertEqual(list(page.context["runs"]), [self.own_b])
        self.assertNotContains(page, "samordnare@a.example")
        self.assertNotContains(page, "lofte fetch")
        for persona in ("samordnare", "polis", "reporter", "viewer"):
            with self.subTest(persona=persona):
                page = self.client_for(self.personas[persona]).get("/statistik/importer/")
                self.assertEqual(list(page.context["runs"]), [self.own_a])
                self.assertNotContains(page, "samordnare@b.example")
        everything = self.client_for(self.staff).get("/statistik/importer/")
        self.assertEqual(list(everything.context["runs"]), [self.own_b, self.own_a, self.official])
        self.assertContains(everything, "Samverkan Mullsjö")
        self.assertContains(everything, "Gemensam statistik")

    def test_a_run_page_of_another_kommun_is_not_found(self) -> None:
        client = self.client_for(self.samordnare_b)
        self.assertEqual(client.get(f"/statistik/importer/{self.own_a.pk}/").status_code, 404)
        self.assertEqual(client.get(f"/statistik/importer/{self.official.pk}/").status_code, 404)
        own = client.get(f"/statistik/importer/{self.own_b.pk}/")
        self.assertContains(own, "Ångra importen")
        self.assertContains(own, "samordnare@b.example")
        viewer = self.client_for(self.viewer).get(f"/statistik/importer/{self.own_a.pk}/")
        self.assertNotContains(viewer, "Ångra importen")
        self.assertContains(self.client_for(self.staff).get(f"/statistik/importer/{self.own_a.pk}/"), "Ångra importen")


class UploadPagesTest(OwnersTestCase):
    """The same through the upload pages: upload, map a spreadsheet's columns, check, confirm."""

    def upload(self, client: Any, name: str, raw: bytes, format_name: str, **extra: str) -> Any:
        data = {"file": SimpleUploadedFile(name, raw), "format": format_name, **extra}
        return client.post("/statistik/importer/ladda-upp/", data)

    def import_through_pages(self, client: Any, name: str, raw: bytes, format_name: str, **extra: str) -> Any:
        """Upload, map and confirm as far as the pages let the user; the last response."""
        response = self.upload(client, name, raw, format_name, **extra)
        if response.status_code != 302:
            return response
        job = ImportJob.objects.latest("pk")
        if job.status == "mapping":
            client.post(f"/statistik/importer/uppladdning/{job.pk}/kolumner/", MAPPING)
            job.refresh_from_db()
        if job.status == "ready":
            client.post(f"/statistik/importer/uppladdning/{job.pk}/bekrafta/")
            job.refresh_from_db()
        return job

    def test_each_persona_each_format_own_and_other_kommun(self) -> None:
        for persona in ("anonymous", "polis", "reporter", "viewer"):
            client = self.client_for(self.personas[persona])
            for key, (name, raw, format_name) in files("0586").items():
                with self.subTest(persona=persona, format=key):
                    before = database_fingerprint()
                    response = self.upload(client, name, raw, format_name)
                    # An anonymous visitor is sent to sign in, or refused at once for a body over the public limit.
                    self.assertIn(response.status_code, (302, 413) if persona == "anonymous" else (403,))
                    self.assertEqual(database_fingerprint(), before)
        self.assertFalse(ImportJob.objects.exists())
        for persona, own in [("samordnare", "0586"), ("samordnare_b", "0642")]:
            client = self.client_for(self.personas[persona])
            for kommun in ("0586", "0642"):
                for key, (name, raw, format_name) in files(kommun).items():
                    with self.subTest(persona=persona, format=key, kommun=kommun):
                        self.check_member_upload(client, persona, name, raw, format_name, kommun == own)

    def check_member_upload(self, client: Any, persona: str, name: str, raw: bytes, fmt: str, own: bool) -> None:
        before = database_fingerprint()
        result = self.import_through_pages(client, name, raw, fmt)
        if fmt != "spreadsheet":
            self.assertContains(result, "är gemensam statistik som bara förvaltaren", status_code=400)
            self.assertEqual(database_fingerprint(), before)
        elif not own:
            self.assertEqual(result.status, "mapping")
            self.assertIn("ligger utanför", result.error)
            self.assertEqual(database_fingerprint(), before)
        else:
            self.assertEqual(result.status, "done")
            self.assertEqual(result.run.partnership, self.home(persona))  # type: ignore[union-attr]
            do_undo_import(result.run, actor=self.personas[persona])  # the next format starts from the same data

    def test_an_operator_imports_every_format_for_any_kommun_as_official(self) -> None:
        client = self.client_for(self.staff)
        page = client.get("/statistik/importer/")
        self.assertContains(page, '<input type="hidden" name="owner" value="gemensam"')  # not a member anywhere
        for kommun in ("0586", "0642"):
            for key, (name, raw, format_name) in files(kommun).items():
                with self.subTest(format=key, kommun=kommun):
                    result = self.import_through_pages(client, name, raw, format_name, owner="gemensam")
                    self.assertEqual(result.status, "done")
                    if result.run is not None:  # the same fixture for the second kommun changes nothing
                        self.assertIsNone(result.run.partnership)

    def test_a_member_with_one_partnership_is_not_asked_and_cannot_choose_another(self) -> None:
        client = self.client_for(self.samordnare)
        page = client.get("/statistik/importer/")
        self.assertContains(page, '<input type="hidden" name="owner" value="mjolby"', html=False)
        self.assertNotContains(page, "Gemensam statistik (förvaltaren)")
        for owner in ("mullsjo", "gemensam"):
            with self.subTest(owner=owner):
                response = self.upload(client, "egen.csv", sheet_csv("0642"), "spreadsheet", owner=owner)
                self.assertEqual(response.status_code, 400)
                self.assertIn("owner", response.context["form"].errors)
        self.assertFalse(ImportJob.objects.exists())

    def test_the_upload_action_refuses_the_same_way(self) -> None:
        before = database_fingerprint()
        with self.assertRaisesMessage(ImportRefused, "Gemensam statistik (Brå, SCB, Kolada, Polisen)"):
            do_upload_import(bra_csv("0586"), "bra.csv", actor=self.samordnare)
        with self.assertRaisesMessage(ImportRefused, "Bara samordnare i Samverkan Mjölby"):
            do_upload_import(sheet_csv("0586"), "egen.csv", actor=self.viewer, partnership=self.partnership_a)
        with self.assertRaisesMessage(ImportRefused, "Filer från Brå, SCB, Kolada och Polisen"):
            do_upload_import(bra_csv("0586"), "bra.csv", actor=self.samordnare, partnership=self.partnership_a)
        self.assertEqual(database_fingerprint(), before)
        self.assertFalse(ImportJob.objects.exists())
        job = do_upload_import(sheet_csv("0586"), "egen.csv", actor=self.samordnare, partnership=self.partnership_a)
        self.assertEqual(
            list(AuditEvent.objects.filter(action="statistics.upload").values_list("object_id", "partnership")),
            [(str(job.pk), self.partnership_a.pk)],
        )
