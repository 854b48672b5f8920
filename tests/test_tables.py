from __future__ import annotations

import io

from openpyxl import load_workbook

from lofte.lib.tables import to_csv, to_xlsx


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
