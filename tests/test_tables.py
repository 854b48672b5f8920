from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from lofte.lib.tables import Cell, neutralise, restore, to_csv, to_xlsx


def test_it_writes_csv_for_swedish_excel() -> None:
    data = to_csv(["år", "värde", "prel."], [[2025, 9997.5, True], [2024, None, False]])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == "år;värde;prel.\r\n2025;9997,5;ja\r\n2024;;nej\r\n"


def test_it_writes_a_workbook_with_numbers_and_a_source_line() -> None:
    data = to_xlsx("Nyckeltal", ["mått", "värde"], [["Bostadsinbrott", 75.0], ["=1+1", 2]], note="Källa: Brå")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[:3] == [["mått", "värde"], ["Bostadsinbrott", 75], ["'=1+1", 2]]
    assert rows[-1][0] == "Källa: Brå"
    assert sheet["A1"].font.bold


def test_it_neutralises_every_text_that_would_start_a_formula() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1+1") == "'" + start + "1+1"
        assert restore("'" + start + "1+1") == start + "1+1"
    for text in ("Klotter", "'citat'", "", "1-2", " =1"):
        assert neutralise(text) == text
        assert restore(text) == text


@given(st.text())
def test_what_is_neutralised_reads_back_as_it_was(text: str) -> None:
    written = neutralise(text)
    assert isinstance(written, str)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore(written) == text


def test_numbers_stay_numbers_and_text_becomes_text() -> None:
    rows: list[list[Cell]] = [[-3, -2.5, Decimal("-1.25"), "-3", "=1+1"]]
    csv = to_csv(["=rubrik", "b", "c", "d", "e"], rows).decode("utf-8-sig")
    assert csv == "'=rubrik;b;c;d;e\r\n-3;-2,5;-1,25;'-3;'=1+1\r\n"
    sheet = load_workbook(io.BytesIO(to_xlsx("T", ["a"] * 5, rows, note="-källa"))).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]] == [-3, -2.5, -1.25, "'-3", "'=1+1"]
    assert [cell.data_type for cell in sheet[2]] == ["n", "n", "n", "s", "s"]
    assert sheet["A4"].value == "'-källa"
