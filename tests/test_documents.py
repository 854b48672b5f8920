"""The one document toolkit (`lofte.lib.documents`): every PDF laid out on the one print base template, tagged and
fetching nothing; every Word file written through `WordDocument`; no feature calls WeasyPrint or python-docx."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pypdf
from django.test import SimpleTestCase, override_settings

from lofte.lib import documents
from lofte.lib.charts import bar_chart
from tests.documents import docx_layout_problems, docx_pictures, pdf_accessibility_problems

PACKAGE = Path(__file__).resolve().parent.parent / "lofte"
TEMPLATES = PACKAGE / "templates"
PRINT_BASE = "print/base.html"
PDF_TEMPLATES = ("situation/document_pdf.html", "promises/followup_report_pdf.html", "est/week_pdf.html")
# What only the toolkit may call: WeasyPrint, python-docx and CairoSVG.
LIBRARY_CALLS = re.compile(r"^\s*(?:import|from) (?:weasyprint|cairosvg|docx)\b|\bwrite_pdf\(|\bDocument\(", re.M)
PROBE = """{% extends "print/base.html" %}
{% block title %}Provutskrift{% endblock %}
{% block content %}
  <h1>Provutskrift</h1>
  <p>Ett stycke.</p>
  <img src="http://127.0.0.1:9/bild.png" alt="Bild">
  <img src="file:///etc/hostname" alt="Fil">
{% endblock %}
"""
LOADERS = [
    ("django.template.loaders.locmem.Loader", {"probe.html": PROBE}),
    "django.template.loaders.filesystem.Loader",
]
PROBE_TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [TEMPLATES], "OPTIONS": {"loaders": LOADERS}}
]


class PrintBaseTest(SimpleTestCase):
    def test_the_page_rule_is_written_once_in_the_print_base(self) -> None:
        found = [
            (str(path.relative_to(TEMPLATES)), count)
            for path in sorted(TEMPLATES.rglob("*.html"))
            if (count := path.read_text(encoding="utf-8").count("@page"))
        ]
        self.assertEqual(found, [(PRINT_BASE, 1)])

    def test_every_pdf_template_extends_the_print_base(self) -> None:
        for name in PDF_TEMPLATES:
            with self.subTest(name):
                text = (TEMPLATES / name).read_text(encoding="utf-8")
                self.assertTrue(text.startswith('{% extends "print/base.html" %}'), text[:80])
                self.assertNotIn("<html", text)
                self.assertNotIn("<style", text.split("{% block style %}")[0])

    def test_only_the_toolkit_calls_the_document_libraries(self) -> None:
        callers = sorted(
            str(path.relative_to(PACKAGE))
            for path in PACKAGE.rglob("*.py")
            if LIBRARY_CALLS.search(path.read_text(encoding="utf-8"))
        )
        self.assertEqual(callers, ["lib/documents.py"])


@override_settings(TEMPLATES=PROBE_TEMPLATES)
class RenderPdfTest(SimpleTestCase):
    def test_it_writes_a_tagged_a4_pdf_with_page_numbers(self) -> None:
        with self.assertLogs("weasyprint", level="ERROR"):
            data = documents.render_pdf("probe.html", {})
        self.assertEqual(pdf_accessibility_problems(data, title="Provutskrift"), [])
        page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
        self.assertEqual((round(page.mediabox.width), round(page.mediabox.height)), (595, 842))
        text = page.extract_text()
        self.assertIn("Ett stycke.", text)
        self.assertIn("Sida 1 av 1", text)

    def test_it_fetches_nothing(self) -> None:
        with self.assertLogs("weasyprint", level="ERROR") as logs:
            documents.render_pdf("probe.html", {})
        refused = "\n".join(logs.output)
        for url in ("http://127.0.0.1:9/bild.png", "file:///etc/hostname"):
            self.assertIn(f"A Löfte document fetches nothing: {url}", refused)

    def test_the_html_is_the_template_on_the_print_base(self) -> None:
        html = documents.print_html("probe.html", {})
        self.assertIn('<html lang="sv">', html)
        self.assertIn("<title>Provutskrift</title>", html)
        self.assertEqual(html.count("@page"), 1)


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
