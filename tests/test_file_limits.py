"""Limits on the files Löfte reads (lofte/lib/limits.py): hostile XLSX, CSV, JSON and GeoJSON files, built here, are
refused with a Swedish message naming the file and the limit, before they are unpacked or parsed, and nothing is
written. Memory stays bounded by construction: the refusals come from the zip's directory and a scan of the bytes,
which the tests prove by making the readers that would unpack or parse fail if they were reached."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from lofte.areas import geometry
from lofte.areas.geometry import UPLOAD_MAX_POSITIONS, AreaFileError, parse_area_file
from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.lib import sheets
from lofte.lib.limits import XLSX_MAX_ROWS, LimitExceeded, RowLimits
from lofte.promises.bulk import plan
from lofte.statistics.models import ImportRun, Observation
from lofte.statistics.sources.base import ImportFileError
from lofte.statistics.sources.bra_csv import parser as bra_csv
from lofte.statistics.sources.jsonstat import parser as jsonstat
from lofte.statistics.sources.kolada import parser as kolada
from lofte.statistics.sources.polisen import parser as polisen
from lofte.statistics.sources.spreadsheet import parser as spreadsheet
from tests.base import BaseTestCase

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# The parts of a minimal workbook, as Excel lays them out; the sheet and its table of texts are added per test.
PARTS = {
    "[Content_Types].xml": f'''<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OFFICE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{OFFICE}.sharedStrings+xml"/>
</Types>''',
    "_rels/.rels": f'''<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>''',
    "xl/workbook.xml": f'''<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>''',
    "xl/_rels/workbook.xml.rels": f'''<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{RELS}">
<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>''',
}
# A header (texts 0–2) and one row: the area (text 3), the year and the value.
SHEET = f'''<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>
<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>2024</v></c><c r="C2"><v>5</v></c>%(extra)s</row>
</sheetData></worksheet>'''


def workbook(texts: list[tuple[bytes, int]] | None = None, extra: str = "") -> bytes:
    """An XLSX file made with zipfile as a hostile one would be. Each text is (piece, times), written a megabyte
    at a time so that the test never holds a huge text; `extra` adds cells to row 2."""
    texts = texts or [(b"Omr\xc3\xa5de", 1), (b"\xc3\x85r", 1), (b"V\xc3\xa4rde", 1), (b"0586", 1)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET % {"extra": extra})
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            stream.write(f'<sst xmlns="{MAIN}">'.encode())
            for piece, times in texts:
                stream.write(b"<si><t>")
                per_chunk = max(1, MB // len(piece))
                for _ in range(times // per_chunk):
                    stream.write(piece * per_chunk)
                stream.write(piece * (times % per_chunk) + b"</t></si>")
            stream.write(b"</sst>")
    return out.getvalue()


def header_cell(chars: int) -> bytes:
    return workbook([(b"A", chars), (b"\xc3\x85r", 1), (b"V\xc3\xa4rde", 1), (b"0586", 1)])


def data_cell(chars: int) -> bytes:
    return workbook([(b"Omr\xc3\xa5de", 1), (b"\xc3\x85r", 1), (b"V\xc3\xa4rde", 1), (b"0", chars)])


def never(*args: object, **kwargs: object) -> None:
    raise AssertionError("the file was unpacked or parsed before it was checked")


class XlsxLimitTest(SimpleTestCase):
    def refused(self, raw: bytes, name: str = "trygghet.xlsx") -> str:
        with self.assertRaises(ImportFileError) as caught:
            spreadsheet.columns(raw, name)
        return str(caught.exception)

    def test_it_reads_an_ordinary_workbook(self) -> None:
        header, samples = spreadsheet.columns(workbook(), "trygghet.xlsx")
        self.assertEqual(header, ["Område", "År", "Värde"])
        self.assertEqual(samples, [["0586", "2024", "5"]])

    def test_it_refuses_a_150_mb_header_cell_before_unpacking_it(self) -> None:
        raw = header_cell(150 * MB)
        self.assertLess(len(raw), 1 * MB)  # the attack: a small file that unpacks to 150 MB
        with mock.patch.object(spreadsheet, "load_workbook", never):
            message = self.refused(raw)
            with self.assertRaises(ImportFileError):
                spreadsheet.sheets(raw, "trygghet.xlsx")
        self.assertEqual(message, "trygghet.xlsx: filen packas upp till 151 MB; högst 100 MB går att läsa.")

    def test_it_refuses_a_table_of_texts_over_its_limit(self) -> None:
        with mock.patch.object(spreadsheet, "load_workbook", never):
            message = self.refused(header_cell(25 * MB))
        self.assertIn("trygghet.xlsx: filens texter packas upp till 26 MB; högst 20 MB går att läsa.", message)

    def test_it_refuses_a_member_packed_a_thousandfold(self) -> None:
        with mock.patch.object(spreadsheet, "load_workbook", never):
            message = self.refused(header_cell(5 * MB))
        self.assertIn("delen xl/sharedStrings.xml packas upp", message)
        self.assertIn("högst 100 gånger", message)

    def test_it_refuses_a_cell_longer_than_excel_allows(self) -> None:
        message = self.refused(data_cell(40_000))
        self.assertEqual(
            message, "trygghet.xlsx, rad 2: cellen i kolumn 1 har 40\u00a0000 tecken; högst 32\u00a0767 går att läsa."
        )

    def test_it_refuses_a_long_header(self) -> None:
        message = self.refused(header_cell(2_000))
        self.assertEqual(message, "trygghet.xlsx, rad 1: rubriken i kolumn 1 har 2000 tecken; högst 1000 går att läsa.")

    def test_it_refuses_too_many_columns(self) -> None:
        message = self.refused(workbook(extra='<c r="ALM2"><v>1</v></c>'))
        self.assertIn("trygghet.xlsx, rad 2: raden har 1\u00a0001 kolumner; högst 1\u00a0000", message)

    def test_it_refuses_rows_past_excels_last(self) -> None:
        limits = RowLimits("trygghet.xlsx")
        limits.check(XLSX_MAX_ROWS, [])
        with self.assertRaises(LimitExceeded) as caught:
            limits.check(XLSX_MAX_ROWS + 1, [])
        self.assertEqual(str(caught.exception), "trygghet.xlsx: filen har fler än 1\u00a0048\u00a0576 rader.")
        self.assertEqual(caught.exception.row, XLSX_MAX_ROWS + 1)

    def test_it_shows_at_most_200_characters_of_a_sample_cell(self) -> None:
        _header, [sample] = spreadsheet.columns(data_cell(30_000), "trygghet.xlsx")
        self.assertEqual(len(sample[0]), 200)

    def test_the_action_plan_reader_refuses_it_too(self) -> None:
        with mock.patch.object(sheets, "load_workbook", never), self.assertRaises(plan.PlanRefused) as caught:
            plan._cells(header_cell(150 * MB), "plan.xlsx")
        self.assertIn("plan.xlsx: filen packas upp till 151 MB; högst 100 MB", str(caught.exception))
        with self.assertRaises(plan.PlanRefused) as caught:
            plan._cells(data_cell(40_000), "plan.xlsx")
        self.assertIn("plan.xlsx, rad 2: cellen i kolumn 1 har 40\u00a0000 tecken", str(caught.exception))


class CsvLimitTest(SimpleTestCase):
    def test_it_refuses_a_line_over_a_megabyte_before_splitting_it(self) -> None:
        raw = b"kommun;period;key;count;per100k;preliminary\n0586;2024;total;1;2;0\n" + b";" * (2 * MB) + b"\n"
        with mock.patch.object(bra_csv.csv, "reader", never), self.assertRaises(ImportFileError) as caught:
            bra_csv.parse(raw, "bra.csv")
        self.assertEqual(str(caught.exception), "bra.csv, rad 3: raden är 2 MB lång; högst 1 MB per rad går att läsa.")

    def test_it_names_the_csv_modules_field_limit_in_swedish(self) -> None:
        raw = b"kommun;period;key;count;per100k;preliminary\n" + b'"' + b"a" * 200_000 + b'";2024;total;1;2;0\n'
        with self.assertRaises(ImportFileError) as caught:
            bra_csv.parse(raw, "bra.csv")
        self.assertEqual(str(caught.exception), "bra.csv: ett fält är längre än 131\u00a0072 tecken.")

    def test_a_spreadsheet_csv_cell_is_capped_like_an_excel_one(self) -> None:
        raw = "Område;År;Värde\n0586;2024;".encode() + b"9" * 40_000 + b"\n"
        with self.assertRaises(ImportFileError) as caught:
            spreadsheet.columns(raw, "egen.csv")
        self.assertIn("egen.csv, rad 2: cellen i kolumn 3 har 40\u00a0000 tecken", str(caught.exception))

    def test_the_action_plan_reader_refuses_a_long_line(self) -> None:
        with self.assertRaises(plan.PlanRefused) as caught:
            plan._cells(b"id;status\n" + b"x" * (2 * MB), "plan.csv")
        self.assertIn("plan.csv, rad 2: raden är 2 MB lång; högst 1 MB", str(caught.exception))


DEEP_JSON = b"[" * 10_000 + b"]" * 10_000


class JsonLimitTest(SimpleTestCase):
    def test_every_json_source_refuses_deep_nesting_before_parsing(self) -> None:
        for name, parse in (
            ("kolada.json", lambda raw, name: kolada.parse(raw, name)),
            ("polisen.json", lambda raw, name: polisen.parse(raw, name, kommuner={}, lan={})),
            ("scb.json", lambda raw, name: jsonstat.parse(raw, name)),
        ):
            with self.subTest(name), mock.patch("json.loads", never), self.assertRaises(ImportFileError) as caught:
                parse(DEEP_JSON, name)
            self.assertEqual(
                str(caught.exception), f"{name}: filen är nästlad 10\u00a0000 nivåer djupt; högst 20 går att läsa."
            )

    def test_every_json_source_refuses_more_than_20_mb(self) -> None:
        raw = b"[" + b" " * (21 * MB) + b"]"
        for name, parse in (
            ("kolada.json", lambda raw, name: kolada.parse(raw, name)),
            ("polisen.json", lambda raw, name: polisen.parse(raw, name, kommuner={}, lan={})),
            ("scb.json", lambda raw, name: jsonstat.parse(raw, name)),
        ):
            with self.subTest(name), mock.patch("json.loads", never), self.assertRaises(ImportFileError) as caught:
                parse(raw, name)
            self.assertEqual(str(caught.exception), f"{name}: filen är 22 MB; högst 20 MB går att läsa.")


def many_points(count: int) -> bytes:
    """One ring of `count` positions inside Mjölby, built as bytes."""
    ring = b"[15.1,58.3]," * (count - 1) + b"[15.1,58.3]"
    return (
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, '
        b'"geometry": {"type": "Polygon", "coordinates": [[' + ring + b"]]}}]}"
    )


class ImportsWriteNothingTest(BaseTestCase):
    def test_the_780_000_vertex_upload_is_refused_and_nothing_is_stored(self) -> None:
        raw = many_points(780_000)
        self.assertLess(len(raw), 20 * MB)  # within the form's own limit, so only the count of positions stops it
        client = self.client_for(self.samordnare)
        areas, events = Area.objects.count(), AuditEvent.objects.count()
        with mock.patch.object(geometry, "json", mock.Mock(loads=never)):
            response = client.post(
                "/omraden/0586/ladda-upp/",
                {"file": SimpleUploadedFile("delar.geojson", raw), "kind": "district", "name_property": "name"},
            )
        self.assertContains(
            response, "delar.geojson: gränserna har 780\u00a0000 punkter; högst 200\u00a0000", status_code=400
        )
        self.assertEqual((Area.objects.count(), AuditEvent.objects.count()), (areas, events))

    def test_the_upload_limit_is_lower_than_the_command_lines(self) -> None:
        with self.assertRaises(AreaFileError) as caught:
            parse_area_file(many_points(UPLOAD_MAX_POSITIONS + 1), "delar.geojson", max_positions=UPLOAD_MAX_POSITIONS)
        self.assertIn("högst 200\u00a0000 går att läsa", str(caught.exception))

    def test_the_import_command_refuses_a_hostile_workbook_and_stores_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "trygghet.xlsx"
            path.write_bytes(header_cell(150 * MB))
            with self.assertRaises(CommandError) as caught:
                call_command(
                    "import", str(path), "--format", "spreadsheet", "--area-column", "Område",
                    "--period-column", "År", "--value-column", "Värde", "--metric", "trygghet.index",
                    "--metric-name", "Trygghet", "--unit", "index", "--publisher", "other",
                )  # fmt: skip
        self.assertIn("trygghet.xlsx: filen packas upp till 151 MB; högst 100 MB", str(caught.exception))
        self.assertEqual((ImportRun.objects.count(), Observation.objects.count()), (0, 0))

    def test_the_import_command_refuses_deep_json_and_stores_nothing(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "kolada.json"
            path.write_bytes(b'{"values": ' + DEEP_JSON + b"}")
            with self.assertRaises(CommandError) as caught:
                call_command("import", str(path), "--format", "kolada")
        self.assertIn("kolada.json: filen är nästlad 10\u00a0001 nivåer djupt; högst 20", str(caught.exception))
        self.assertEqual((ImportRun.objects.count(), Observation.objects.count()), (0, 0))
