"""The shared setup of every document Löfte writes: Word (python-docx) and PDF (WeasyPrint).

Word (`new_docx`, `docx_bytes`): A4 portrait, 21,0 × 29,7 cm, with margins of 2,5 cm all round, the common
convention of Swedish office documents (kommunernas mallar, the Word templates of Swedish authorities) that leaves
room to punch and file a page. Title and language (sv-SE) are in the document's properties. Every generator starts
from `new_docx`, so a change of paper or margin is made here once.

Charts in Word (`add_docx_chart`): the PDF draws each chart as inline SVG from `lib/charts.py`; Word gets the
same SVG as a PNG picture, with the chart's own title and description (its `<title>` and `<desc>`) as the picture's
alternative text (`descr` of the drawing, "Alternativ text" in Word). python-docx cannot embed SVG, and older Word
and LibreOffice versions do not show it, so the picture is a PNG. It is drawn by CairoSVG: a small, well-kept
converter from the makers of WeasyPrint that reuses the parsers WeasyPrint already brings (tinycss2, cssselect2,
defusedxml) and needs only cairocffi and Debian's libcairo2 besides; WeasyPrint itself writes only PDF, and the
other options (a headless browser, librsvg's command line, ImageMagick) are heavier or spawn a process per chart.

PDF (`write_pdf`): WeasyPrint's PDF/UA-1 variant, so every PDF is tagged (a structure tree marked in the catalog,
headings, tables and figures as such, each chart a Figure whose alternative text is its SVG `<title>`), carries its
language (from `<html lang>`) and its title (from `<title>`, shown as the window title), and says in its XMP metadata
that it is PDF/UA (`pdfuaid:part` 1). It fetches nothing: a document must not depend on, or leak its contents to,
anything outside the server, so every URL is refused (WeasyPrint logs the refusal and leaves the
resource out).
"""

from __future__ import annotations

import io
from typing import Any
from xml.etree.ElementTree import Element

import cairosvg
import docx
from defusedxml import ElementTree
from docx.document import Document
from docx.shared import Cm
from weasyprint import HTML
from weasyprint.urls import URLFetcher

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN = Cm(2.5)
TEXT_WIDTH = Cm(21.0 - 2 * 2.5)
PDF_VARIANT = "pdf/ua-1"
LANGUAGE = "sv-SE"
# Pixels per centimetre of a chart's PNG: 300 dpi, sharp in print and on screen.
_PIXELS_PER_CM = 300 / 2.54
_SVG = "{http://www.w3.org/2000/svg}"


# Word


def new_docx(title: str) -> Document:
    """An empty Word document on A4 with Swedish margins, titled and marked as Swedish."""
    document = docx.Document()
    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin = section.bottom_margin = MARGIN
        section.left_margin = section.right_margin = MARGIN
    document.core_properties.title = title
    document.core_properties.language = LANGUAGE
    return document


def docx_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_docx_chart(document: Document, svg: str) -> None:
    """The chart as a picture across the text width, in its own paragraph, with its alternative text."""
    if not svg:
        return
    width = TEXT_WIDTH
    png = svg_to_png(svg, width_px=round(width.cm * _PIXELS_PER_CM))
    picture = document.add_picture(io.BytesIO(png), width=width)
    title, description = _title_and_description(svg)
    properties = picture._inline.docPr  # python-docx has no API for the alternative text yet
    # What a screen reader says for the chart: its title, then its description (what the figures show).
    properties.set("descr", ". ".join(part.rstrip(".") for part in (title, description) if part) + ".")
    properties.set("title", title)


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


def write_pdf(html: str) -> bytes:
    """Tagged PDF/UA-1 from HTML that has `<html lang="…">` and a `<title>`; nothing outside is fetched."""
    return bytes(HTML(string=html, base_url=None, url_fetcher=_RefuseFetch()).write_pdf(pdf_variant=PDF_VARIANT))


class _RefuseFetch(URLFetcher):
    """WeasyPrint's fetcher (its own class since 68), refusing every URL: WeasyPrint logs the refusal as an error
    and leaves the image or stylesheet out."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"A Löfte document fetches nothing: {url}")
