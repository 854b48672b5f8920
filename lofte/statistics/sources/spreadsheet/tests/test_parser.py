from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lofte.statistics.sources.base import ImportFileError, ParseResult
from lofte.statistics.sources.spreadsheet import parser
from lofte.statistics.sources.spreadsheet.parser import Mapping

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
XLSX = (FIXTURES / "trygghetsmatning_exempel.xlsx").read_bytes()
CSV = (FIXTURES / "ntu_exempel.csv").read_bytes()
INDIKATORER = (FIXTURES / "indikatorer_exempel.csv").read_bytes()
CODES = Path(__file__).resolve().parents[4] / "areas" / "data" / "kommuner_lan_scb_koder.csv"

PROBLEMINDEX = Mapping(
    area="Kommun",
    period="År",
    value="Problemindex",
    metric_code="trygghet.problemindex",
    metric_name="Problemindex (Polisens trygghetsmätning)",
    unit="index",
    area_by_name=True,
    header_row=3,
)
ORO = Mapping(
    area="kommunkod",
    period="år",
    value="andel_oro_procent",
    metric_code="ntu.andel_oro",
    metric_name="Andel som oroar sig för brottsligheten i samhället",
    unit="procent",
)
SIMPLE = Mapping(
    area="område", period="period", value="värde", metric_code="test.varde", metric_name="Värde", unit="antal"
)


@cache
def areas() -> tuple[dict[str, str], dict[str, str]]:
    with CODES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {r["municipality_name"]: r["municipality_code"] for r in rows}, {
        r["county_name"]: r["county_code"] for r in rows
    }


def run(raw: bytes, mapping: Mapping = SIMPLE, filename: str = "fil.csv") -> ParseResult:
    kommuner, lan = areas()
    return parser.parse(raw, filename, mapping=mapping, kommuner=kommuner, lan=lan)


def xlsx(*rows: list[Any], formats: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def values(result: ParseResult) -> dict[tuple[str, str], float | None]:
    return {(o.area, o.period): o.value for o in result.observations}


def test_it_is_never_detected() -> None:
    assert not parser.detect(CSV[:200]) and not parser.detect(XLSX[:200])


def test_it_shows_the_columns_of_the_xlsx_example_below_its_title() -> None:
    header, samples = parser.columns(XLSX, "trygghet.xlsx", header_row=3)
    assert header == ["Kommun", "År", "Problemindex"]
    assert samples[0] == ["Motala", "2022", "1.87"] and samples[-1] == ["Mullsjö", "2024", "0.89"]
    assert len(samples) == 9
    title, _rows = parser.columns(XLSX, "trygghet.xlsx")
    assert title[0].startswith("Polisens trygghetsmätning")


def test_it_finds_the_header_below_a_title_and_a_blank_row() -> None:
    assert parser.guess_header_row(XLSX, "trygghet.xlsx") == 3
    assert parser.guess_header_row(CSV, "ntu.csv") == 1
    assert parser.guess_header_row(INDIKATORER, "indikatorer.csv") == 1
    titled = "NTU 2024;;\n;;\nKommun;År;Andel\nMotala;2024;18,4\nMjölby;2024;12,1\n".encode()
    assert parser.guess_header_row(titled, "ntu.csv") == 3
    untitled_csv = "NTU 2024, Brå\n\nKommun;År;Andel\nMotala;2024;18,4\n".encode()
    assert parser.guess_header_row(untitled_csv, "ntu.csv") == 3
    blank_first = xlsx([None, None], ["Titel", None], ["Kommun", "År", "Värde"], ["Mjölby", 2024, 3])
    assert parser.guess_header_row(blank_first, "t.xlsx") == 3
    assert parser.guess_header_row(xlsx(["bara"], ["en kolumn"]), "t.xlsx") == 1


def test_it_reads_a_csv_with_a_title_and_a_blank_row_from_the_header_found() -> None:
    titled = "NTU 2024;;\n;;\nkommunkod;år;andel_oro_procent\n0586;2024;14,2\n0583;2024;15,1\n".encode()
    mapping = replace(ORO, header_row=parser.guess_header_row(titled, "ntu.csv"))
    assert values(run(titled, mapping, "ntu.csv")) == {("0586", "2024"): 14.2, ("0583", "2024"): 15.1}
    assert [o.row for o in run(titled, mapping, "ntu.csv").observations] == [4, 5]


def test_it_records_the_publisher_the_user_names() -> None:
    result = run(XLSX, replace(PROBLEMINDEX, publisher="polisen"), "trygghet.xlsx")
    assert (result.publisher, result.metrics[0].publisher, result.value_field) == ("polisen", "polisen", "Problemindex")


def test_it_shows_the_columns_of_the_csv_example() -> None:
    header, samples = parser.columns(CSV, "ntu.csv")
    assert header == ["kommunkod", "år", "andel_oro_procent"]
    assert samples[:2] == [["0583", "2022", "14,2"], ["0583", "2023", "15,1"]] and len(samples) == 9


def test_it_shows_at_most_ten_sample_rows_and_skips_empty_ones() -> None:
    raw = ("a;b\n" + "\n;\n".join(f"{i};x" for i in range(30))).encode()
    header, samples = parser.columns(raw, "lang.csv")
    assert header == ["a", "b"] and samples == [[str(i), "x"] for i in range(10)]


def test_it_lists_the_sheets_and_picks_one() -> None:
    assert parser.sheets(XLSX, "t.xlsx") == ["Problemindex", "Om exemplet"] and parser.sheets(CSV, "n.csv") == []
    header, samples = parser.columns(XLSX, "t.xlsx", sheet="Om exemplet")
    assert header[0].startswith("Handgjort exempel") and len(samples) == 1


def test_it_refuses_an_unknown_sheet() -> None:
    with pytest.raises(ImportFileError, match=r'fält "sheet".*"Problemindex", "Om exemplet"'):
        parser.columns(XLSX, "t.xlsx", sheet="Blad1")


def test_it_reads_the_xlsx_example_by_kommun_name() -> None:
    result = run(XLSX, PROBLEMINDEX, "trygghet.xlsx")
    assert (result.format, result.publisher, result.rows_read) == ("spreadsheet", "other", 9)
    [metric] = result.metrics
    assert (metric.code, metric.unit, metric.publisher, metric.lower_is_better) == (
        "trygghet.problemindex",
        "index",
        "other",
        True,
    )
    assert values(result) == {
        ("0583", "2022"): 1.87,
        ("0583", "2023"): 1.95,
        ("0583", "2024"): 1.78,
        ("0586", "2022"): 1.42,
        ("0586", "2023"): 1.51,
        ("0586", "2024"): 1.36,
        ("0642", "2022"): 0.94,
        ("0642", "2023"): 1.08,
        ("0642", "2024"): 0.89,
    }
    assert result.observations[0].row == 4 and all(o.status == "ok" for o in result.observations)


def test_it_reads_the_csv_example_by_code_with_decimal_commas() -> None:
    result = run(CSV, ORO, "ntu.csv")
    assert result.rows_read == 9 and result.warnings == []
    assert values(result)[("0586", "2024")] == 12.9 and values(result)[("0642", "2023")] == 9.0
    assert {o.row for o in result.observations} == set(range(2, 11))


OTRYGGHET = Mapping(
    area="Kommun",
    period="År",
    value="Andel (%)",
    metric_code="ntu.otrygghet_kvall",
    metric_name="Otrygghet ute sent på kvällen",
    unit="procent",
    area_by_name=True,
    where=(("Indikator", "otrygghet ute sent på kvällen i området"), ("kön", "Totalt")),
)


def test_it_reads_one_indicator_of_many_by_choosing_rows() -> None:
    result = run(INDIKATORER, OTRYGGHET, "indikatorer.csv")
    assert result.rows_read == 6
    assert values(result)[("0583", "2023")] == 18.4 and values(result)[("0583", "2024")] == 10.3
    assert {o.row for o in result.observations if o.area == "0583"} == {2, 5}


def test_it_says_which_rows_it_looked_for_when_none_match() -> None:
    with pytest.raises(ImportFileError, match='inga rader med värden där "Kön" är "Båda"'):
        run(INDIKATORER, replace(OTRYGGHET, where=(("Kön", "Båda"),)), "indikatorer.csv")


def test_it_refuses_a_selection_on_a_missing_column() -> None:
    with pytest.raises(ImportFileError, match='rad 1, fält "Kon"'):
        run(INDIKATORER, replace(OTRYGGHET, where=(("Kon", "Totalt"),)), "indikatorer.csv")


def test_it_reads_the_many_indicators_as_a_repeat_without_a_selection() -> None:
    with pytest.raises(ImportFileError, match="flera mått eller grupper"):
        run(INDIKATORER, replace(OTRYGGHET, where=()), "indikatorer.csv")


def test_it_pads_codes_excel_turned_into_numbers() -> None:
    raw = xlsx(["område", "period", "värde"], [586, 2024, 3], [5.0, 2024.0, 4.5], [0, "2024", "1 234,5"])
    result = run(raw, filename="koder.xlsx")
    assert values(result) == {("0586", "2024"): 3.0, ("05", "2024"): 4.5, ("00", "2024"): 1234.5}


def test_it_reads_names_in_the_forms_publishers_write_them() -> None:
    raw = "område;period;värde\nMjölby kommun;2024;1\nÖSTERGÖTLANDS LÄN;2024;2\nRiket;2024;3\n  motala ;2024;4\n"
    result = run(raw.encode(), replace(SIMPLE, area_by_name=True))
    assert [o.area for o in result.observations] == ["0586", "05", "00", "0583"]


def test_it_refuses_an_unknown_name_or_code() -> None:
    by_name = replace(SIMPLE, area_by_name=True)
    with pytest.raises(ImportFileError, match='rad 3, fält "område": okänt område'):
        run("område;period;värde\nMotala;2024;1\nAtlantis;2024;2\n".encode(), by_name)
    with pytest.raises(ImportFileError, match='rad 2, fält "område": okänd områdeskod'):
        run(b"omr\xc3\xa5de;period;v\xc3\xa4rde\n0599;2024;1\n")


def test_it_reads_months_from_excel_dates_and_refuses_other_dates() -> None:
    result = run(xlsx(["område", "period", "värde"], ["0586", date(2024, 3, 1), 7]), filename="m.xlsx")
    assert result.observations[0].period == "2024-03"
    with pytest.raises(ImportFileError, match='rad 2, fält "period": datumet 2024-03-15'):
        run(xlsx(["område", "period", "värde"], ["0586", date(2024, 3, 15), 7]), filename="m.xlsx")


def test_it_reads_quarters_and_percent_formatted_cells() -> None:
    raw = xlsx(["område", "period", "värde"], ["0586", "2024K2", 0.124], formats={"C2": "0.0%"})
    [observation] = run(raw, filename="p.xlsx").observations
    assert (observation.period, observation.value) == ("2024K2", 12.4)


def test_it_marks_missing_and_suppressed_values() -> None:
    raw = "område;period;värde\n0586;2022;\n0586;2023;..\n0586;2024;-\n0583;2024;x\n0583;2023;−2,5\n".encode()
    result = run(raw)
    assert [(o.value, o.status) for o in result.observations] == [
        (None, "missing"),
        (None, "suppressed"),
        (None, "missing"),
        (None, "suppressed"),
        (-2.5, "ok"),
    ]


def test_it_reads_the_optional_per_100k_column() -> None:
    raw = "område;period;värde;per 100 000\n0586;2024;12 345;9\xa0997,5\n0583;2024;7;\n".encode()
    result = run(raw, replace(SIMPLE, per_100k="Per 100 000"))
    assert [(o.value, o.per_100k) for o in result.observations] == [(12345.0, 9997.5), (7.0, None)]


def test_it_names_row_and_column_of_a_bad_number() -> None:
    with pytest.raises(ImportFileError, match=r'^fil.csv, rad 3, fält "värde": \'tolv\' är inte ett tal\.$'):
        run("område;period;värde\n0586;2023;11\n0586;2024;tolv\n".encode())
    with pytest.raises(ImportFileError, match='rad 4, fält "Problemindex"'):
        run(xlsx([], [], ["Kommun", "År", "Problemindex"], ["Motala", 2024, True]), PROBLEMINDEX, "t.xlsx")


def test_it_refuses_a_missing_mapped_column() -> None:
    with pytest.raises(ImportFileError, match=r'rad 3, fält "Problemindex": kolumnen finns inte .*"Kommun", "År"'):
        run(xlsx([], [], ["Kommun", "År", "Index"], ["Motala", 2024, 1.5]), PROBLEMINDEX, "t.xlsx")
    with pytest.raises(ImportFileError, match='rad 1, fält "värde": kolumnen finns 2 gånger'):
        run("område;period;värde;Värde\n0586;2024;1;2\n".encode())


def test_it_refuses_two_values_for_the_same_area_and_period() -> None:
    with pytest.raises(ImportFileError, match=r"rad 3, .*redan ett värde för 2024 \(rad 2\)"):
        run("område;period;värde\n0586;2024;1\n586;2024;2\n".encode())


def test_it_skips_empty_rows_and_counts_the_rest() -> None:
    raw = "område;period;värde;not\n\n0586;2024;1;\n;;;\n;;;Källa: exempel\n0583;2024;2;\n".encode()
    result = run(raw)
    assert result.rows_read == 2 and [o.row for o in result.observations] == [3, 6]


def test_it_warns_when_percentages_look_like_shares() -> None:
    result = run(b"kommunkod;\xc3\xa5r;andel_oro_procent\n0586;2024;0,12\n", ORO)
    assert result.warnings and "andelar" in result.warnings[0]


def test_it_sniffs_commas_and_tabs() -> None:
    assert parser.columns(b'a,b,c\n1,"2,5",3\n', "k.csv") == (["a", "b", "c"], [["1", "2,5", "3"]])
    assert parser.columns(b"a\tb\n1\t2,5\n", "t.csv") == (["a", "b"], [["1", "2,5"]])
    assert parser.columns(b"Kommun;Andel, procent\nMotala;12,4\n", "s.csv")[0] == ["Kommun", "Andel, procent"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric_code": "anmalda.totalt"}, "metric_code"),
        ({"metric_code": "bra.ntu_oro"}, "metric_code"),
        ({"metric_code": "kolada.n07540"}, "metric_code"),
        ({"metric_code": "Trygghet.Index"}, "metric_code"),
        ({"metric_code": "trygghet"}, "metric_code"),
        ({"unit": "kronor"}, "unit"),
        ({"metric_name": " "}, "metric_name"),
        ({"header_row": 0}, "header_row"),
        ({"publisher": "grannen"}, "publisher"),
        ({"value": ""}, "value"),
        ({"where": (("Kön", " "),)}, "where"),
    ],
)
def test_it_refuses_a_mapping_it_cannot_use(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ImportFileError, match=f'fält "{field}"') as error:
        replace(SIMPLE, **changes)
    assert error.value.file == "kolumnvalet"


def test_it_refuses_a_reserved_prefix_in_swedish() -> None:
    with pytest.raises(ImportFileError, match=r'koder som börjar med "scb\." är reserverade'):
        replace(SIMPLE, metric_code="scb.folkmangd")


@pytest.mark.parametrize("cut", [10, 100, len(XLSX) // 2, len(XLSX) - 1])
def test_it_refuses_a_truncated_xlsx(cut: int) -> None:
    with pytest.raises(ImportFileError, match="inte en giltig Excel-fil"):
        run(XLSX[:cut], PROBLEMINDEX, "trasig.xlsx")
    with pytest.raises(ImportFileError, match="inte en giltig Excel-fil"):
        parser.columns(XLSX[:cut], "trasig.xlsx")


def test_it_refuses_old_excel_and_text_that_is_not_utf8() -> None:
    with pytest.raises(ImportFileError, match=r"äldre Excel-fil \(.xls\)"):
        run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), filename="gammal.xls")
    with pytest.raises(ImportFileError, match="inte UTF-8"):
        parser.columns("område;år\nMjölby;2024\n".encode("latin-1"), "latin.csv")


def test_it_refuses_a_file_without_data() -> None:
    with pytest.raises(ImportFileError, match="inga rader med värden"):
        run("område;period;värde\n".encode())
    with pytest.raises(ImportFileError, match="rubrikraden är tom eller saknas"):
        run(xlsx(["Kommun"]), PROBLEMINDEX, "kort.xlsx")


def check_own_error(call: Any) -> None:
    with contextlib.suppress(ImportFileError):
        call()


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b)))
def test_it_fails_only_with_its_own_error_on_any_bytes(raw: bytes) -> None:
    check_own_error(lambda: parser.columns(raw, "x.csv"))
    check_own_error(lambda: run(raw, SIMPLE, "x.csv"))
    check_own_error(lambda: parser.sheets(raw, "x.xlsx"))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=";,\t\n\"' .-x0123456789områdeperiodvärd", max_size=200))
def test_it_fails_only_with_its_own_error_on_csv_like_text(text: str) -> None:
    raw = "område;period;värde\n".encode() + text.encode()
    check_own_error(lambda: parser.columns(raw, "x.csv"))
    check_own_error(lambda: run(raw))


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns about some damaged parts before failing
@settings(max_examples=200, deadline=None)
@given(st.sampled_from([XLSX, CSV]), st.data())
def test_it_fails_only_with_its_own_error_on_damaged_examples(original: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(original)))
    damaged = bytearray(original[:cut])
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        if damaged:
            damaged[data.draw(st.integers(min_value=0, max_value=len(damaged) - 1))] = data.draw(st.integers(0, 255))
    mapping = PROBLEMINDEX if original is XLSX else ORO
    check_own_error(lambda: parser.columns(bytes(damaged), "x", header_row=mapping.header_row))
    check_own_error(lambda: run(bytes(damaged), mapping, "x"))
