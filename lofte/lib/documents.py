"""The document toolkit: every Word file (python-docx) and every PDF (WeasyPrint) Löfte writes is made here, so a
feature keeps only its content (plain dataclasses gathered from the database) and, for PDF, its template.

Word (`WordDocument`): A4 portrait, 21,0 × 29,7 cm, with margins of 2,5 cm all round, the common convention of
Swedish office documents (kommunernas mallar, the Word templates of Swedish authorities) that leaves room to punch
and file a page. Title and language (sv-SE) are in the document's properties. A writer adds headings, paragraphs
of plain, bold (`bold`) and italic (`italic`) runs, bulleted lines, tables with a bold header row and charts; a
change of paper, margin or table style is made here once.

Charts in Word (`WordDocument.chart`): the PDF draws each chart as inline SVG from `lib/charts.py`; Word gets the
same SVG as a PNG picture, with the chart's own title and description (its `<title>` and `<desc>`) as the picture's
alternative text (`descr` of the drawing, "Alternativ text" in Word). python-docx cannot embed SVG, and older Word
and LibreOffice versions do not show it, so the picture is a PNG. It is drawn by CairoSVG: a small, well-kept
converter from the makers of WeasyPrint that reuses the parsers WeasyPrint already brings (tinycss2, cssselect2,
defusedxml) and needs only cairocffi and Debian's libcairo2 besides; WeasyPrint itself writes only PDF, and the
other options (a headless browser, librsvg's command line, ImageMagick) are heavier or spawn a process per chart.

PDF (`render_pdf`): a template that extends `print/base.html`, the one print layout (A4, its margins, the running
header and "Sida n av m" in the `@page` rule, the type every document shares), laid out by WeasyPrint's PDF/UA-1
variant, so every PDF is tagged (a structure tree marked in the catalog, headings, tables and figures as such, each
chart a Figure whose alternative text is its SVG `<title>`), carries its language (from `<html lang>`) and its title
(from `<title>`, shown as the window title), and says in its XMP metadata that it is PDF/UA (`pdfuaid:part` 1). It
fetches nothing: a document must not depend on, or leak its contents to, anything outside the server, so charts and
maps are inline SVG and every URL is refused (WeasyPrint logs the refusal and leaves the resource out).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import cairosvg
import docx
from defusedxml import ElementTree
from django.template.loader import render_to_string
from docx.document import Document
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from weasyprint import HTML
from weasyprint.urls import URLFetcher

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN = Cm(2.5)
TEXT_WIDTH = Cm(21.0 - 2 * 2.5)
TABLE_STYLE = "Table Grid"
PDF_VARIANT = "pdf/ua-1"
LANGUAGE = "sv-SE"
# Pixels per centimetre of a chart's PNG: 300 dpi, sharp in print and on screen.
_PIXELS_PER_CM = 300 / 2.54
_SVG = "{http://www.w3.org/2000/svg}"


# Word


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph's text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


def bold(text: str) -> Run:
    return Run(text, bold=True)


def italic(text: str) -> Run:
    return Run(text, italic=True)


class WordDocument:
    """A Word document being written, on A4 with Swedish margins, titled and marked as Swedish."""

    def __init__(self, title: str) -> None:
        self._document = _new_docx(title)

    def heading(self, text: str, *, level: int) -> None:
        """Level 0 is the document's title, 1 to 4 the headings below it."""
        self._document.add_heading(text, level=level)

    def paragraph(self, *parts: str | Run) -> None:
        """A paragraph of plain text and `bold`/`italic` runs; with no parts an empty line."""
        _add_runs(self._document.add_paragraph(), parts)

    def bullet(self, *parts: str | Run, level: int = 1) -> None:
        """A bulleted line; level 2 is indented under the line before."""
        _add_runs(self._document.add_paragraph(style="List Bullet" if level == 1 else f"List Bullet {level}"), parts)

    def table(self, rows: Iterable[Sequence[str]], *, header: Sequence[str] = ()) -> None:
        """A grid with a bold header row, if given; nothing when there is neither header nor row."""
        rows = list(rows)
        columns = len(header) or max((len(row) for row in rows), default=0)
        if not columns:
            return
        table = self._document.add_table(rows=1 if header else 0, cols=columns, style=TABLE_STYLE)
        if header:
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text

    def chart(self, svg: str) -> None:
        """The chart as a picture across the text width, in its own paragraph, with its alternative text; nothing
        for an empty chart."""
        if not svg:
            return
        png = svg_to_png(svg, width_px=round(TEXT_WIDTH.cm * _PIXELS_PER_CM))
        picture = self._document.add_picture(io.BytesIO(png), width=TEXT_WIDTH)
        title, description = _title_and_description(svg)
        properties = picture._inline.docPr  # python-docx has no API for the alternative text yet
        # What a screen reader says for the chart: its title, then its description (what the figures show).
        properties.set("descr", ". ".join(part.rstrip(".") for part in (title, description) if part) + ".")
        properties.set("title", title)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._document.save(buffer)
        return buffer.getvalue()


def _new_docx(title: str) -> Document:
    document = docx.Document()
    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin = section.bottom_margin = MARGIN
        section.left_margin = section.right_margin = MARGIN
    document.core_properties.title = title
    document.core_properties.language = LANGUAGE
    return document


def _add_runs(paragraph: Paragraph, parts: Sequence[str | Run]) -> None:
    for part in parts:
        run = part if isinstance(part, Run) else Run(part)
        if run.text:  # as python-docx's add_paragraph(""): no empty run
            added = paragraph.add_run(run.text)
            if run.bold:
                added.bold = True
            if run.italic:
                added.italic = True


def svg_to_png(svg: str, *, width_px: int) -> bytes:
    # Not `unsafe`: CairoSVG then reads no external file and expands no XML entity.
    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width_px, background_color="white")
    return bytes(png)


def _title_and_description(svg: str) -> tuple[str, str]:
    root = ElementTree.fromstring(svg)
    return _text(root, "title"), _text(root, "desc")


def _text(root: Element, tag: str) -> str:
    element = root.find(_SVG + tag)
    return " ".join((element.text or "").split()) if element is not None else ""


# PDF


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Tagged PDF/UA-1 of a template that extends `print/base.html`; nothing outside is fetched."""
    html = print_html(template_name, context)
    return bytes(HTML(string=html, base_url=None, url_fetcher=_RefuseFetch()).write_pdf(pdf_variant=PDF_VARIANT))


def print_html(template_name: str, context: Mapping[str, Any]) -> str:
    """The HTML WeasyPrint lays out, for the PDF only: never served to a browser."""
    return render_to_string(template_name, dict(context))


class _RefuseFetch(URLFetcher):
    """WeasyPrint's fetcher (its own class since 68), refusing every URL: WeasyPrint logs the refusal as an error
    and leaves the image or stylesheet out."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"A Löfte document fetches nothing: {url}")
