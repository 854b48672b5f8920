"""Checks of the documents Löfte writes, shared by the tests of each generator: Word on A4 with Swedish margins and
pictures with alternative text; PDF tagged as PDF/UA with title and language."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx
import pypdf
from docx.shared import Cm
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

WORD_NS = {
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


def docx_layout_problems(data: bytes) -> list[str]:
    """What is not A4 portrait (21,0 × 29,7 cm) with 2,5 cm margins all round, section by section."""
    document = docx.Document(io.BytesIO(data))
    expected = {
        "page_width": Cm(21.0),
        "page_height": Cm(29.7),
        "top_margin": Cm(2.5),
        "bottom_margin": Cm(2.5),
        "left_margin": Cm(2.5),
        "right_margin": Cm(2.5),
    }
    problems = []
    for number, section in enumerate(document.sections, 1):
        for name, value in expected.items():
            # Word stores twentieths of a point; a few EMU of rounding is the same length.
            if abs((getattr(section, name) or 0) - value) > Cm(0.01):
                problems.append(f"section {number}: {name} is {getattr(section, name)}, not {value}")
    if document.core_properties.language != "sv-SE":
        problems.append(f"language is {document.core_properties.language!r}")
    if not document.core_properties.title:
        problems.append("no title")
    return problems


def docx_pictures(data: bytes) -> list[tuple[str, bytes]]:
    """Each inline picture's alternative text (Word's `descr`) and its image, in document order."""
    document = docx.Document(io.BytesIO(data))
    pictures = []
    for shape in document.inline_shapes:
        inline = shape._inline
        blip = inline.find(".//a:blip", WORD_NS)
        embed = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
        image = document.part.related_parts[embed].blob
        pictures.append((inline.docPr.get("descr") or "", image))
    return pictures


def pdf_accessibility_problems(data: bytes, *, title: str, lang: str = "sv") -> list[str]:
    """What keeps the PDF from being tagged PDF/UA-1 with its title and language (the checks of a PDF/UA validator
    that can be read from the file: marked content, a structure tree, the language, the title shown as the window's
    title, PDF/UA identification in XMP, and alternative text on every figure)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog: Any = reader.trailer["/Root"]
    problems = []
    mark_info = catalog.get("/MarkInfo")
    if mark_info is None or not bool(mark_info.get("/Marked")):
        problems.append(f"/MarkInfo is {mark_info}, not Marked true")
    if "/StructTreeRoot" not in catalog:
        problems.append("no /StructTreeRoot")
    if catalog.get("/Lang") != lang:
        problems.append(f"/Lang is {catalog.get('/Lang')!r}, not {lang!r}")
    if (reader.metadata.title if reader.metadata else None) != title:
        problems.append(f"the title is {reader.metadata.title if reader.metadata else None!r}, not {title!r}")
    preferences = catalog.get("/ViewerPreferences") or {}
    if not bool(preferences.get("/DisplayDocTitle")):
        problems.append("the viewer is not told to show the title")
    xmp = reader.xmp_metadata
    part = xmp.get_nodes_in_namespace("", "http://www.aiim.org/pdfua/ns/id/") if xmp else []
    if not any(node.localName == "part" and _node_text(node) == "1" for node in part):
        problems.append("no pdfuaid:part 1 in the XMP metadata")
    for kind, alt in structure_elements(catalog):
        if kind == "/Figure" and not alt:
            problems.append("a figure without alternative text")
    return problems


def pdf_figures(data: bytes) -> list[str]:
    """The alternative text of every Figure in the PDF's structure tree, in document order."""
    catalog: Any = pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"]
    return [alt for kind, alt in structure_elements(catalog) if kind == "/Figure"]


def structure_elements(catalog: Any) -> Iterator[tuple[str, str]]:
    """(structure type, alternative text) of every element below /StructTreeRoot, depth first."""
    root = catalog.get("/StructTreeRoot")
    if root is not None:
        yield from _walk(root.get_object().get("/K"))


def _walk(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, IndirectObject):
        node = node.get_object()
    if isinstance(node, ArrayObject):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, DictionaryObject) and "/S" in node:
        yield str(node["/S"]), str(node.get("/Alt", ""))
        yield from _walk(node.get("/K"))


def _node_text(node: Any) -> str:
    if node.nodeType == node.ATTRIBUTE_NODE:
        return str(node.value)
    return "".join(child.data for child in node.childNodes if child.nodeType == child.TEXT_NODE)


def docx_text(data: bytes) -> tuple[list[str], list[str], list[str], list[str]]:
    """Headings, bold labels, every paragraph, and table rows as "a | b | c"."""
    document = docx.Document(io.BytesIO(data))
    paragraphs = document.paragraphs
    headings = [p.text for p in paragraphs if p.style is not None and p.style.name.startswith(("Heading", "Title"))]
    bold = [p.text for p in paragraphs if p.runs and all(run.bold for run in p.runs)]
    rows = [" | ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return headings, bold, [p.text for p in paragraphs], rows


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
