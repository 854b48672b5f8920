"""The one document toolkit (`lofte.lib.documents`): every PDF tagged and fetching nothing; every Word file written
through `WordDocument`."""

from __future__ import annotations

import io

import docx
from django.test import SimpleTestCase

from lofte.lib import documents
from lofte.lib.charts import bar_chart
from tests.documents import docx_layout_problems, docx_pictures


class RenderPdfTest(SimpleTestCase):
    def test_it_fetches_nothing(self) -> None:
        html = '<html lang="sv"><title>T</title><img src="http://127.0.0.1:9/bild.png" alt="Bild"></html>'
        with self.assertLogs("weasyprint", level="ERROR") as logs:
            data = documents.write_pdf(html)
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertIn("A Löfte document fetches nothing: http://127.0.0.1:9/bild.png", "\n".join(logs.output))


class WordDocumentTest(SimpleTestCase):
    def write(self) -> bytes:
        document = documents.WordDocument("Provdokument")
        document.heading("Provdokument", level=0)
        document.paragraph("Ett stycke.")
        document.paragraph()
        document.paragraph(documents.bold("Datum "), "2026-03-02")
        document.paragraph(documents.bold("Bara fetstil"))
        document.bullet("En punkt", documents.italic(" (kursiv)"))
        document.bullet("En underpunkt", level=2)
        document.table([("2024", "12"), ("2025", "")], header=("År", "Antal"))
        document.table([("Förändring", "+3 %")])
        document.table([], header=())
        svg = bar_chart([("2024", 12.0), ("2025", 15.0)], title="Antal", unit="st", description="2024: 12. 2025: 15.")
        document.chart(svg)
        document.chart("")
        return document.to_bytes()

    def test_it_writes_a4_with_swedish_margins_title_and_language(self) -> None:
        data = self.write()
        self.assertEqual(docx_layout_problems(data), [])
        self.assertEqual(docx.Document(io.BytesIO(data)).core_properties.title, "Provdokument")

    def test_it_writes_headings_paragraphs_and_lists(self) -> None:
        paragraphs = docx.Document(io.BytesIO(self.write())).paragraphs
        seen = [
            (p.style.name if p.style else "", p.text, [(r.text, bool(r.bold), bool(r.italic)) for r in p.runs])
            for p in paragraphs
            if p.text or not p.runs
        ]
        self.assertEqual(
            seen[:7],
            [
                ("Title", "Provdokument", [("Provdokument", False, False)]),
                ("Normal", "Ett stycke.", [("Ett stycke.", False, False)]),
                ("Normal", "", []),
                ("Normal", "Datum 2026-03-02", [("Datum ", True, False), ("2026-03-02", False, False)]),
                ("Normal", "Bara fetstil", [("Bara fetstil", True, False)]),
                ("List Bullet", "En punkt (kursiv)", [("En punkt", False, False), (" (kursiv)", False, True)]),
                ("List Bullet 2", "En underpunkt", [("En underpunkt", False, False)]),
            ],
        )

    def test_it_writes_tables_with_a_bold_header(self) -> None:
        tables = docx.Document(io.BytesIO(self.write())).tables
        self.assertEqual(len(tables), 2)
        rows = [[cell.text for cell in row.cells] for row in tables[0].rows]
        self.assertEqual(rows, [["År", "Antal"], ["2024", "12"], ["2025", ""]])
        self.assertTrue(all(run.bold for cell in tables[0].rows[0].cells for run in cell.paragraphs[0].runs))
        self.assertEqual([[cell.text for cell in row.cells] for row in tables[1].rows], [["Förändring", "+3 %"]])
        self.assertEqual({table.style.name for table in tables if table.style}, {"Table Grid"})

    def test_it_draws_a_chart_as_a_png_with_its_alternative_text(self) -> None:
        pictures = docx_pictures(self.write())
        self.assertEqual(len(pictures), 1)
        alt, image = pictures[0]
        self.assertEqual(alt, "Antal. 2024: 12. 2025: 15.")
        self.assertTrue(image.startswith(b"\x89PNG"))
