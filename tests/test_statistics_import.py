"""Importing statistics: real files, provenance, repeat imports, refusals that leave the database as it was."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import replace
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from lofte.lib.actors import SystemActor
from lofte.lib.refusals import ActionRefused
from lofte.statistics.actions import ImportRefused, do_import, do_undo_import, do_upload_import
from lofte.statistics.models import ImportJob, ImportRun, Metric, Observation, ObservationChange, Series
from lofte.statistics.sources.base import ImportFileError
from lofte.statistics.sources.spreadsheet.parser import Mapping

SOURCES = Path(__file__).resolve().parent.parent / "lofte" / "statistics" / "sources"
YEARLY = SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
QUARTERLY = SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv"
MONTHLY = SOURCES / "bra_monthly" / "fixtures" / "bra_anmalda_brott_manad_boden_2026-08_prel.csv"
PX = SOURCES / "scb_px" / "fixtures" / "scb_px_BE0101N1.px"
JSONSTAT = SOURCES / "jsonstat" / "fixtures" / "scb_tab638_folkmangd_0586_0583_0642_2023_2025.json"
EVENTS = SOURCES / "polisen" / "fixtures" / "polisen_events_mjolby_motala_mullsjo.json"
HEADER = "kommun;period;key;count;per100k;preliminary\n"


def value(area: str, metric: str, period: str) -> tuple[float | None, float | None]:
    obs = Observation.objects.get(series__area__code=area, series__metric__code=metric, period=period)
    return obs.value, obs.per_100k


def database_fingerprint() -> str:
    """Every row that an import may touch, so a refused import can be shown to change nothing."""
    parts = [
        list(Metric.objects.order_by("code").values_list("code", "name", "parent_id")),
        list(Series.objects.order_by("id").values_list("id", "metric_id", "area_id")),
        list(
            Observation.objects.order_by("id").values_list("id", "series_id", "period", "value", "per_100k", "status")
        ),
        list(ImportRun.objects.order_by("id").values_list("id", "sha256", "status")),
        ObservationChange.objects.count(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


class RealFilesTest(TestCase):
    def test_it_imports_brås_yearly_file(self) -> None:
        summary = do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        self.assertEqual((summary.format, summary.rows_read, summary.created), ("bra-csv", 540, 540))
        self.assertEqual(value("0586", "anmalda.totalt", "2025"), (2875.0, 9997.0))
        # Mjölby 2024 has person = theft = 716 in the source; kept as published.
        self.assertEqual(value("0586", "anmalda.person", "2024")[0], value("0586", "anmalda.stold", "2024")[0])

    def test_it_imports_the_quarters(self) -> None:
        do_import(QUARTERLY.read_bytes(), QUARTERLY.name, actor=SystemActor("test"))
        quarters = [value("0586", "anmalda.totalt", f"2025K{q}")[0] for q in range(1, 5)]
        self.assertEqual(quarters, [710.0, 759.0, 709.0, 697.0])
        self.assertTrue(Observation.objects.get(series__area__code="0586", period="2026K2").preliminary)

    def test_it_keeps_brås_hierarchy_without_summing(self) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        burglary = Metric.objects.select_related("parent__parent").get(code="anmalda.bostadsinbrott")
        self.assertEqual((burglary.parent.code, burglary.parent.parent.code), ("anmalda.stold", "anmalda.totalt"))

    def test_it_imports_the_monthly_tree_with_parents_and_children(self) -> None:
        summary = do_import(MONTHLY.read_bytes(), MONTHLY.name, actor=SystemActor("test"))
        self.assertEqual((summary.format, summary.created), ("bra-monthly", 41))
        self.assertEqual(value("2582", "anmalda.totalt", "2026-08"), (225.0, 786.0))
        theft = Metric.objects.get(code="bra.13207")
        self.assertEqual(theft.parent.code, "bra.13206")
        children = Observation.objects.filter(series__metric__parent=theft.parent, period="2026-08")
        parent_value = Observation.objects.get(series__metric=theft.parent, period="2026-08").value
        self.assertEqual(sum(o.value or 0 for o in children), parent_value)
        self.assertTrue(all(Observation.objects.filter(period="2026-08").values_list("preliminary", flat=True)))

    def test_it_imports_scbs_pc_axis_file(self) -> None:
        summary = do_import(PX.read_bytes(), PX.name, actor=SystemActor("test"))
        self.assertEqual((summary.format, summary.created), ("scb-px", 84))
        self.assertEqual(value("05", "scb.be0101n1.2", "2008")[0], 211143.0)  # Östergötland, women, 2008

    def test_it_imports_population_as_json_stat(self) -> None:
        do_import(JSONSTAT.read_bytes(), JSONSTAT.name, actor=SystemActor("test"))
        self.assertEqual(value("0586", "befolkning.totalt", "2025")[0], 28823.0)

    def test_it_archives_the_police_events_once(self) -> None:
        first = do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))
        again = do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))
        self.assertEqual((first.created, again.created, again.unchanged, again.run), (245, 0, 245, None))

    def test_it_records_provenance(self) -> None:
        summary = do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        run = ImportRun.objects.get(pk=summary.run)
        self.assertEqual(run.sha256, hashlib.sha256(YEARLY.read_bytes()).hexdigest())
        self.assertEqual(
            (run.file_name, run.format, run.actor_label, run.created), (YEARLY.name, "bra-csv", "test", 540)
        )
        self.assertEqual(Observation.objects.filter(import_run=run).count(), 540)


class SpreadsheetImportTest(TestCase):
    XLSX = SOURCES / "spreadsheet" / "fixtures" / "trygghetsmatning_exempel.xlsx"
    MAPPING = (
        "--format", "spreadsheet", "--area-column", "Kommun", "--period-column", "År", "--value-column", "Problemindex",
        "--metric", "trygghet.problemindex", "--metric-name", "Problemindex", "--unit", "index", "--area-by-name",
        "--header-row", "3", "--publisher", "polisen",
    )  # fmt: skip

    def test_it_imports_a_spreadsheet_through_the_chosen_columns(self) -> None:
        out = StringIO()
        call_command("import", str(self.XLSX), *self.MAPPING, "--json", stdout=out, stderr=StringIO())
        self.assertEqual(json.loads(out.getvalue())["created"], 9)
        metric = Metric.objects.get(code="trygghet.problemindex")
        self.assertEqual((metric.unit, metric.publisher), ("index", "polisen"))
        self.assertEqual(Series.objects.filter(metric=metric).values("area__code").distinct().count(), 3)

    def test_it_imports_one_indicator_of_a_file_with_many(self) -> None:
        path = SOURCES / "spreadsheet" / "fixtures" / "indikatorer_exempel.csv"
        out = StringIO()
        call_command(
            "import", str(path), "--format", "spreadsheet", "--area-column", "Kommun", "--area-by-name",
            "--period-column", "År", "--value-column", "Andel (%)", "--metric", "ntu.oro", "--metric-name", "Oro",
            "--unit", "procent", "--where", "Indikator=Oro för brottsligheten i samhället", "--where", "Kön=Totalt",
            "--publisher", "bra",
            "--json", stdout=out, stderr=StringIO(),
        )  # fmt: skip
        self.assertEqual(json.loads(out.getvalue())["created"], 6)
        with self.assertRaises(CommandError) as caught:
            call_command("import", str(path), *self.MAPPING, "--where", "Kön", stdout=StringIO())
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("KOLUMN=VÄRDE", str(caught.exception))

    def test_it_asks_for_the_columns_it_needs(self) -> None:
        with self.assertRaises(CommandError) as caught:
            call_command("import", str(self.XLSX), "--format", "spreadsheet", stdout=StringIO(), stderr=StringIO())
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("--area-column", str(caught.exception))
        self.assertIn("--publisher", str(caught.exception))

    def test_it_finds_the_header_below_a_title_and_a_blank_row(self) -> None:
        """As Excel exports Brå's NTU tables to CSV: a title row and a blank row before the header."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ntu.csv"
            path.write_text(
                "Nationella trygghetsundersökningen 2024;;\n;;\nKommun;År;Andel otrygga (%)\n"
                "Motala;2023;18,4\nMotala;2024;17,9\nMjölby;2024;12,1\n",
                encoding="utf-8",
            )
            out, err = StringIO(), StringIO()
            call_command(
                "import", str(path), "--format", "spreadsheet", "--area-column", "Kommun", "--area-by-name",
                "--period-column", "År", "--value-column", "Andel otrygga (%)", "--metric", "ntu.otrygghet",
                "--metric-name", "Andel otrygga", "--unit", "procent", "--publisher", "bra",
                stdout=out, stderr=err,
            )  # fmt: skip
        self.assertIn("kolumnnamnen läses från rad 3", err.getvalue())
        self.assertIn("ntu.otrygghet: 3 nya, 0 ändrade, 0 oförändrade.", out.getvalue())
        run = ImportRun.objects.get()
        self.assertEqual((run.publisher, Metric.objects.get(code="ntu.otrygghet").publisher), ("bra", "bra"))
        self.assertEqual(value("0586", "ntu.otrygghet", "2024"), (12.1, None))

    def test_it_imports_an_excel_file_with_its_header_on_row_3_without_being_told(self) -> None:
        out = StringIO()
        call_command(
            "import", str(self.XLSX), *self.MAPPING[:-4], "--publisher", "polisen", stdout=out, stderr=StringIO()
        )
        self.assertIn("9 nya", out.getvalue())


class RepeatAndUndoTest(TestCase):
    def test_it_changes_nothing_the_second_time_and_says_so(self) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        before = database_fingerprint()
        again = do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        self.assertEqual((again.created, again.updated, again.unchanged, again.run), (0, 0, 540, None))
        self.assertEqual(database_fingerprint(), before)
        out = StringIO()
        call_command("import", str(YEARLY), stdout=out, stderr=StringIO())
        self.assertIn("Inget ändrades", out.getvalue())

    def test_it_updates_a_revised_value_and_can_undo_it(self) -> None:
        first = do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        revised = HEADER + "0586;2025;total;2880;10014.0;\n"
        second = do_import(revised.encode(), "revision.csv", actor=SystemActor("test"))
        self.assertEqual((second.updated, value("0586", "anmalda.totalt", "2025")), (1, (2880.0, 10014.0)))
        with self.assertRaises(ImportRefused):
            do_undo_import(ImportRun.objects.get(pk=first.run), actor=SystemActor("test"))
        do_undo_import(ImportRun.objects.get(pk=second.run), actor=SystemActor("test"))
        self.assertEqual(value("0586", "anmalda.totalt", "2025"), (2875.0, 9997.0))
        self.assertEqual(
            Observation.objects.get(
                series__area__code="0586", period="2025", series__metric__code="anmalda.totalt"
            ).import_run_id,
            first.run,
        )

    def test_it_compares_stored_series_and_inserts_new_ones_in_one_file(self) -> None:
        lines = YEARLY.read_text(encoding="utf-8").splitlines(keepends=True)
        mjolby = [line for line in lines[1:] if line.startswith("0586;")]
        do_import((lines[0] + "".join(mjolby)).encode(), "mjolby.csv", actor=SystemActor("test"))
        revised = "".join(lines).replace("0586;2025;total;2875;", "0586;2025;total;2880;")
        summary = do_import(revised.encode(), "alla.csv", actor=SystemActor("test"))
        self.assertEqual((summary.created, summary.updated, summary.unchanged), (360, 1, 179))
        self.assertEqual(value("0586", "anmalda.totalt", "2025")[0], 2880.0)
        self.assertEqual(Observation.objects.count(), 540)

    def test_it_names_both_rows_of_a_repeated_value_wherever_they_are(self) -> None:
        rows = "0586;2025;total;1;1;\n0583;2024;theft;5;5;\n0642;2025;total;1;1;\n0586;2025;total;2;2;\n"
        with self.assertRaisesMessage(ImportFileError, "rad 5: samma mått, område och period som rad 2."):
            do_import((HEADER + rows).encode(), "dubbel.csv", actor=SystemActor("test"))

    def test_it_refuses_through_the_one_action_refusal(self) -> None:
        run = ImportRun.objects.get(pk=do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test")).run)
        do_undo_import(run, actor=SystemActor("test"))
        with self.assertRaisesMessage(ActionRefused, f"Importen {run.pk} kan inte ångras (status: ångrad)."):
            do_undo_import(run, actor=SystemActor("test"))
        with self.assertRaisesMessage(ActionRefused, "Bara en inloggad användare kan ladda upp en fil."):
            do_upload_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))
        self.assertFalse(ImportJob.objects.exists())
        self.assertNotIn("__init__", vars(ImportRefused))

    def test_it_undoes_an_import_completely(self) -> None:
        summary = do_import(QUARTERLY.read_bytes(), QUARTERLY.name, actor=SystemActor("test"))
        out = StringIO()
        call_command("undo_import", str(summary.run), stdout=out)
        self.assertEqual(json.loads(out.getvalue())["removed"], 144)
        self.assertFalse(Observation.objects.exists())
        self.assertEqual(ImportRun.objects.get(pk=summary.run).status, "undone")
        with self.assertRaises(CommandError):
            call_command("undo_import", str(summary.run), stdout=StringIO())

    def test_it_saves_nothing_on_a_dry_run(self) -> None:
        summary = do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"), dry_run=True)
        self.assertEqual(summary.created, 540)
        self.assertFalse(Observation.objects.exists())
        self.assertFalse(ImportRun.objects.exists())


BAD_FILES = {
    "missing column": (HEADER.replace("count", "antal") + "0586;2025;total;2875;9997.0;\n", 'rad 1, fält "count"'),
    "misspelt column": (HEADER.replace("kommun", "komun") + "0586;2025;total;2875;9997.0;\n", 'fält "kommun"'),
    "non-numeric count": (HEADER + "0586;2025;total;2875;9997.0;\n0586;2024;total;många;1;\n", 'rad 3, fält "count"'),
    "unknown kommun": (HEADER + "0586;2025;total;2875;9997.0;\n9999;2025;total;1;1;\n", 'rad 3, fält "kommun"'),
    "unknown category": (HEADER + "0586;2025;bilbrott;1;1;\n", 'rad 2, fält "key"'),
    "bad period": (HEADER + "0586;20x5;total;1;1;\n", 'rad 2, fält "period"'),
    "repeated row": (HEADER + "0586;2025;total;1;1;\n0586;2025;total;2;2;\n", "rad 3"),
    "empty file": ("", "filen är tom"),
    "decimal count": (HEADER + "0586;2025;total;2875;9997.0;\n0586;2024;total;2875,5;1;\n", 'rad 3, fält "count"'),
}


class BadInputTest(TestCase):
    def setUp(self) -> None:
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def test_it_refuses_each_bad_file_and_leaves_the_database_as_it_was(self) -> None:
        for label, (content, where) in BAD_FILES.items():
            with self.subTest(label):
                before = database_fingerprint()
                with self.assertRaises(CommandError) as caught:
                    self.run_import(content.encode(), "data.csv", format_name="bra-csv")
                self.assertEqual(caught.exception.returncode, 2)
                self.assertIn("data.csv", str(caught.exception))
                self.assertIn(where, str(caught.exception))
                self.assertEqual(database_fingerprint(), before)

    def test_it_refuses_the_wrong_encoding_and_binary_files(self) -> None:
        latin1 = (HEADER + "0586;2025;total;2875;9997.0;\n").replace("kommun", "kommün").encode("latin-1")
        for raw, message in ((latin1, "inte UTF-8"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binär")):
            before = database_fingerprint()
            with self.assertRaises(ImportFileError) as caught:
                do_import(raw, "data.csv", actor=SystemActor("test"), format_name="bra-csv")
            self.assertIn(message, str(caught.exception))
            self.assertEqual(database_fingerprint(), before)

    def test_it_refuses_a_truncated_px_file(self) -> None:
        before = database_fingerprint()
        raw = PX.read_bytes()
        with self.assertRaises(ImportFileError) as caught:
            do_import(raw[: len(raw) - 200], "BE0101N1.px", actor=SystemActor("test"))
        self.assertIn("BE0101N1.px", str(caught.exception))
        self.assertIn("avkortad", str(caught.exception))
        self.assertEqual(database_fingerprint(), before)

    def test_it_refuses_a_decimal_in_a_count_naming_file_row_and_field(self) -> None:
        """A count series with a decimal value crashed the dashboard; the import keeps it out."""
        raw = "Kommun;År;Antal\n0586;2023;12\n0586;2024;12,5\n".encode()
        mapping = Mapping(
            area="Kommun", period="År", value="Antal", metric_code="trygghet.anmalningar",
            metric_name="Anmälningar", unit="antal", publisher="polisen",
        )  # fmt: skip
        before = database_fingerprint()
        with self.assertRaises(ImportFileError) as caught:
            do_import(
                raw, "egna.csv", actor=SystemActor("test"), format_name="spreadsheet", options={"mapping": mapping}
            )
        self.assertEqual(
            str(caught.exception),
            'egna.csv, rad 3, fält "Antal": 12,5 är inte ett helt tal, men måttet trygghet.anmalningar räknas i '
            "antal. Rätta värdet, eller importera det som ett annat mått med en enhet som tillåter decimaler "
            "(index, procent).",
        )
        self.assertEqual(database_fingerprint(), before)
        # The same values as an index are a measure, and decimals are fine.
        do_import(
            raw,
            "egna.csv",
            actor=SystemActor("test"),
            format_name="spreadsheet",
            options={"mapping": replace(mapping, unit="index")},
        )
        self.assertEqual(value("0586", "trygghet.anmalningar", "2024"), (12.5, None))

    def test_it_refuses_a_decimal_in_a_metric_stored_as_a_count(self) -> None:
        mapping = Mapping(
            area="kommun", period="period", value="varde", metric_code="egen.antal", metric_name="Antal",
            unit="antal", publisher="other",
        )  # fmt: skip
        do_import(b"kommun;period;varde\n0586;2023;12\n", "a.csv", actor=SystemActor("t"), format_name="spreadsheet",
                  options={"mapping": mapping})  # fmt: skip
        with self.assertRaisesMessage(ImportFileError, 'b.csv, rad 2, fält "varde": 3,25 är inte ett helt tal'):
            do_import(b"kommun;period;varde\n0586;2024;3.25\n", "b.csv", actor=SystemActor("t"), format_name="spreadsheet",
                      options={"mapping": replace(mapping, unit="index")})  # fmt: skip

    def test_it_imports_an_unknown_kolada_kpi_with_decimals_as_an_index(self) -> None:
        answer = {
            "values": [
                {"kpi": "N00001", "municipality": "0586", "period": 2025, "values": [{"gender": "T", "value": 4.5}]},
                {"kpi": "N00002", "municipality": "0586", "period": 2025, "values": [{"gender": "T", "value": 12}]},
            ]
        }
        do_import(json.dumps(answer).encode(), "kolada.json", actor=SystemActor("test"))
        units = dict(Metric.objects.filter(code__startswith="kolada.n0000").values_list("code", "unit"))
        self.assertEqual(units, {"kolada.n00001": "index", "kolada.n00002": "antal"})

    def test_it_refuses_a_file_it_cannot_recognise(self) -> None:
        with self.assertRaisesMessage(ImportFileError, "formatet känns inte igen"):
            do_import(b"a,b,c\n1,2,3\n", "okand.csv", actor=SystemActor("test"))

    def run_import(self, raw: bytes, name: str, format_name: str) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(raw)
            call_command("import", str(path), "--format", format_name, stdout=StringIO(), stderr=StringIO())
