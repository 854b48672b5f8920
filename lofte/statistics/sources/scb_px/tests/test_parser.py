from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import STATUSES, ImportFileError, ParsedObservation, ParseResult
from lofte.statistics.sources.scb_px.parser import (
    POPULATION,
    detect,
    is_total,
    parse,
    period_code,
    slug,
    symbol_status,
    unique_slugs,
    unit_from_text,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
FILES = sorted(FIXTURES.glob("scb_px_*.px"))
CELLS = {  # number of DATA values, counted from the VALUES lists by hand
    "scb_px_BE0101N1.px": 84,
    "scb_px_BE0101A1elimtot.px": 90,
    "scb_px_PR0101D8.px": 58,
    "scb_px_BE0101F1datasymbols.px": 24,
    "scb_px_EXEMPEL1.px": 48,
    "scb_px_BE0101F1langensvolikacelln.px": 48,
}


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(name: str, data: bytes | None = None, **kwargs: dict[str, str]) -> ParseResult:
    return parse(raw(name) if data is None else data, name, **kwargs)


def at(result: ParseResult, row: int) -> ParsedObservation:
    [found] = [o for o in result.observations if o.row == row]
    return found


def refused(data: bytes, *fragments: str, name: str = "tabell.px") -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse(data, name)
    for fragment in (name, *fragments):
        assert fragment in str(caught.value)
    return caught.value


def px(*lines: str, encoding: str = "cp1252") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


# --- the six real files


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_it_parses_every_real_file(path: Path) -> None:
    result = parse(path.read_bytes(), path.name)
    assert (result.format, result.publisher) == ("scb-px", "scb")
    assert result.rows_read == len(result.observations) == CELLS[path.name]
    assert [o.row for o in result.observations] == list(range(1, CELLS[path.name] + 1))
    assert {o.metric for o in result.observations} == {m.code for m in result.metrics}
    assert len({m.code for m in result.metrics}) == len(result.metrics)


def test_it_reads_be0101n1_by_region_year_and_sex() -> None:
    result = run("scb_px_BE0101N1.px")
    # DATA row 2 is "03 Uppsala county": 2007 men, 2007 women, 2008 men, 2008 women
    assert at(result, 5) == ParsedObservation(5, "scb.be0101n1.1", "03", "2007", 160281.0)
    # DATA row 4 is "05 Östergötland county"; its fourth value is 2008 women
    assert at(result, 16) == ParsedObservation(16, "scb.be0101n1.2", "05", "2008", 211143.0)
    assert at(result, 84) == ParsedObservation(84, "scb.be0101n1.2", "25", "2008", 123149.0)
    assert [(m.code, m.name, m.unit) for m in result.metrics] == [
        ("scb.be0101n1.1", "Population (sex: men)", "antal"),
        ("scb.be0101n1.2", "Population (sex: women)", "antal"),
    ]
    assert len({o.area for o in result.observations}) == 21


def test_it_turns_cell_notes_into_short_warnings() -> None:
    warnings = run("scb_px_BE0101N1.px").warnings
    assert len(warnings) == 2
    assert warnings[0].startswith("Fotnot (03 Uppsala county): Since 1 January 2007, Uppsala county has been expanded")
    assert "expanded to include Heby" in warnings[0]  # a string continued on the next line is one string
    assert all(len(w) <= 160 for w in warnings)


def test_it_keeps_totals_and_reads_the_population_total_as_befolkning_totalt() -> None:
    result = run("scb_px_BE0101A1elimtot.px")
    # The last of 15 stub rows is marital status "total", sex "total"; 6 years each
    assert at(result, 85) == ParsedObservation(85, "befolkning.totalt", "00", "2001", 8909128.0)
    assert at(result, 90) == ParsedObservation(90, "befolkning.totalt", "00", "2006", 9113257.0)
    # Stub row 8 is widowers/widows (ÄNKL), women
    assert at(result, 43) == ParsedObservation(43, "scb.be0101a1.ankl.2", "00", "2001", 427251.0)
    # Stub row 13 is total, men: totals stay values of their own
    assert at(result, 73) == ParsedObservation(73, "scb.be0101a1.total.1", "00", "2001", 4408445.0)
    metrics = {m.code: m for m in result.metrics}
    assert metrics["befolkning.totalt"] == POPULATION
    assert (POPULATION.name, POPULATION.unit, POPULATION.lower_is_better) == ("Folkmängd", "antal", False)
    assert metrics["scb.be0101a1.total.2"].name == "Population (marital status: total, sex: women)"
    assert len(metrics) == 15
    assert result.warnings == ["Tabellen har ingen regionvariabel; värdena har lagts på riket (00)."]


def test_it_reads_monthly_periods_and_decimals() -> None:
    result = run("scb_px_PR0101D8.px")
    assert at(result, 1) == ParsedObservation(1, "scb.pr0101d8", "00", "2004-09", 99.67)
    assert at(result, 29) == ParsedObservation(29, "scb.pr0101d8", "00", "2007-01", 101.64)
    assert at(result, 58) == ParsedObservation(58, "scb.pr0101d8", "00", "2009-06", 108.95)
    assert [o.period for o in result.observations][:5] == ["2004-09", "2004-10", "2004-11", "2004-12", "2005-01"]
    [metric] = result.metrics
    assert (metric.name, metric.unit) == ("Harmonized Index of Consumer Prices, 2005=100, Index", "index")


def test_it_reads_data_symbols_as_missing_or_suppressed_never_zero() -> None:
    result = run("scb_px_BE0101F1datasymbols.px")
    symbols = {row: (at(result, row).value, at(result, row).status) for row in (2, 4, 6, 8, 10, 12)}
    assert symbols == {
        2: (None, "suppressed"),  # "."
        4: (None, "missing"),  # ".."
        6: (None, "missing"),  # "..."
        8: (None, "missing"),  # "...."
        10: (None, "missing"),  # "....."
        12: (None, "missing"),  # "......"
    }
    assert all(o.value is not None and o.value > 0 for o in result.observations if o.status == "ok")
    assert at(result, 1) == ParsedObservation(1, "scb.be0101f1.20.1", "00", "2003", 456.0)
    assert at(result, 13) == ParsedObservation(13, "scb.be0101f1.20.1", "0114", "2003", 14.0)
    assert at(result, 24) == ParsedObservation(24, "scb.be0101f1.22.2", "0115", "2003", 23.0)
    assert {o.area for o in result.observations} == {"00", "01", "0114", "0115"}
    assert result.warnings == [
        "Fotnot (region: 00 Sweden): Request value note for Sweden",
        "Fotnot (20, men): Cellnote 20 year old men",
    ]


def test_it_makes_one_metric_per_content_of_the_contvariable() -> None:
    result = run("scb_px_EXEMPEL1.px")
    contents = {m.code.rsplit(".", 1)[1] for m in result.metrics}
    assert contents == {"be0101f1", "be0101f2"}
    assert len(result.metrics) == 12  # 3 ages × 2 sexes × 2 contents
    assert at(result, 6) == ParsedObservation(6, "scb.be0101f1.21.2.be0101f1", "00", "2003", 0.0)  # "-" is nil
    assert at(result, 10) == ParsedObservation(10, "scb.be0101f1.22.2.be0101f1", "00", "2003", None, status="missing")
    assert at(result, 28) == ParsedObservation(28, "scb.be0101f1.20.2.be0101f2", "0114", "2003", 43.0)
    names = {m.code: m.name for m in result.metrics}
    assert names["scb.be0101f1.20.2.be0101f2"] == "Outmigrated (age: 20, sex: women)"
    assert {m.unit for m in result.metrics} == {"antal"}


def test_it_reads_the_swedish_texts_of_a_multilanguage_file() -> None:
    result = run("scb_px_BE0101F1langensvolikacelln.px")
    names = {m.code: m.name for m in result.metrics}
    assert names["scb.be0101f1.20.1.be0101f1"] == "Inflyttade (ålder: 20, kön: män)"
    assert names["scb.be0101f1.22.2.be0101f2"] == "Utflyttade (ålder: 22, kön: kvinnor)"
    assert not any("migrat" in name.lower() or "men" in name for name in names.values())
    assert {m.description for m in result.metrics} == {
        "SCB, tabell BE0101F1: Flyttningar efter region, ålder, tid, typ och kön"
    }
    assert at(result, 3) == ParsedObservation(3, "scb.be0101f1.20.1.be0101f2", "00", "2003", 223.0)
    assert at(result, 6) == ParsedObservation(6, "scb.be0101f1.21.2.be0101f1", "00", "2003", None, status="missing")
    assert at(result, 10) == ParsedObservation(10, "scb.be0101f1.22.2.be0101f1", "00", "2003", 0.0)  # a real 0
    assert "Fotnot (20, Utflyttade): Cellnot för utflyttade 20 år." in result.warnings
    assert not any("Cellnote" in w or "Mandatory" in w for w in result.warnings)  # English notes are ignored


def test_it_detects_every_real_file_and_nothing_else() -> None:
    assert all(detect(path.read_bytes()[:4096]) for path in FILES)
    assert all(detect(path.read_bytes()[:200]) for path in FILES)
    assert detect(b'\xef\xbb\xbfAXIS-VERSION="2013";\nMATRIX="X";')
    assert detect(b'SOURCE="x";\nSTUB="region";\nVALUES("region")="01";')
    assert not detect(b'{"version": "2.0", "class": "dataset"}')
    assert not detect(b"kommunkod,kommun,folkmangd\n0586,Mj\xc3\xb6lby,28823\n")
    assert not detect(b"")


# --- keywords and conventions


def test_it_resolves_regions_named_without_codes_through_area_names() -> None:
    data = px(
        'CHARSET="ANSI";',
        'MATRIX="TEST01";',
        'CONTENTS="Anmälda brott";',
        'STUB="kommun";',
        'HEADING="år";',
        'VALUES("kommun")="Mjölby","Motala";',
        'VALUES("år")="2024","2025";',
        "DATA=",
        "1 2",
        "3 4;",
    )
    result = parse(data, "test.px", area_names={"0586": "Mjölby", "0583": "Motala"})
    assert [(o.area, o.period, o.value) for o in result.observations] == [
        ("0586", "2024", 1.0),
        ("0586", "2025", 2.0),
        ("0583", "2024", 3.0),
        ("0583", "2025", 4.0),
    ]
    assert result.metrics[0].code == "scb.test01"
    unresolved = parse(data, "test.px")
    assert unresolved.observations == []
    assert unresolved.warnings == ["4 värden hoppades över: okända regioner (Mjölby, Motala)."]


def test_it_drops_regions_the_database_does_not_know() -> None:
    names = {code: code for code in ("01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14")}
    names |= {code: code for code in ("17", "18", "19", "20", "21", "22", "23", "24")}
    result = run("scb_px_BE0101N1.px", area_names=names)
    assert len(result.observations) == 80
    assert "4 värden hoppades över: okända regioner (25)." in result.warnings


def test_it_reads_population_with_a_sex_total_as_befolkning_totalt() -> None:
    data = px(
        'MATRIX="BE0101N1";',
        'CONTENTS="Folkmängd";',
        'UNITS="antal";',
        'STUB="region","kön";',
        'HEADING="år";',
        'VALUES("region")="0586 Mjölby";',
        'VALUES("kön")="män","kvinnor","totalt";',
        'CODES("kön")="1","2","1+2";',
        'VALUES("år")="2025";',
        "DATA=",
        "14590 14233 28823;",
        encoding="utf-8",
    )
    result = parse(data, "folkmangd.px")
    assert [(o.metric, o.area, o.value) for o in result.observations] == [
        ("scb.be0101n1.1", "0586", 14590.0),
        ("scb.be0101n1.2", "0586", 14233.0),
        ("befolkning.totalt", "0586", 28823.0),
    ]


def test_it_reads_quarters_from_timeval_when_the_texts_are_prose() -> None:
    data = px(
        'MATRIX="AM0401";',
        'CONTENTS="Sysselsatta";',
        'UNITS="procent";',
        'STUB="kvartal";',
        'VALUES("kvartal")="första kvartalet 2025","andra kvartalet 2025";',
        'TIMEVAL("kvartal")=TLIST(Q1),"20251","20252";',
        "DATA=",
        '68.1 ".";',
        encoding="utf-8",
    )
    result = parse(data, "kvartal.px")
    assert [(o.period, o.value, o.status) for o in result.observations] == [
        ("2025K1", 68.1, "ok"),
        ("2025K2", None, "suppressed"),
    ]
    assert result.metrics[0].unit == "procent"


def test_it_knows_scb_symbols_totals_slugs_and_units() -> None:
    assert symbol_status("-") == (0.0, "ok")
    assert symbol_status(".") == (None, "suppressed")
    assert symbol_status("..") == (None, "missing")
    assert symbol_status("x") == (None, "missing")
    assert symbol_status("...", "Uppgiften omfattas av sekretess") == (None, "suppressed")
    assert symbol_status(".", "Uppgift saknas") == (None, "missing")
    assert all(is_total(code, text) for code, text in [("1+2", "totalt"), ("TOT", "x"), ("x", "Samtliga åldrar")])
    assert not any(is_total(code, text) for code, text in [("1", "män"), ("20", "20 år"), ("OG", "single")])
    assert is_total("00", "00 Sweden", "00 Sweden")
    assert slug("ÄNKL") == "ankl" and slug("1+2") == "1_2"
    assert unique_slugs(["1+2", "1-2", "+"]) == ["1_2", "1_2_2", "v3"]
    assert [unit_from_text(u) for u in ("number", "procent", "%", "index", "per 100 000 inv")] == [
        "antal",
        "procent",
        "procent",
        "index",
        "per_100k",
    ]
    assert period_code(["2025V07"]) == "2025W07"
    assert period_code(["x", "2007M01"]) == "2007-01"
    assert period_code(["20x7"]) is None


def test_it_reads_a_utf8_file_without_charset() -> None:
    text = raw("scb_px_BE0101N1.px").decode("cp1252").replace('CHARSET="ANSI";\n', "")
    result = parse(text.encode("utf-8"), "utf8.px")
    assert len(result.observations) == 84
    assert result.warnings[1].startswith("Fotnot (19 Västmanland county)")


# --- refusals


def test_it_refuses_an_empty_file() -> None:
    refused(b"", "filen är tom")
    refused(b" \n\t", "filen är tom")


def test_it_refuses_binary_garbage() -> None:
    refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binär")
    refused(bytes(range(128, 256)) * 4, "UTF-8")
    refused(b"Hello, world\nthis is not a table\n", "kan inte läsas som NYCKELORD=värde")


def test_it_refuses_a_file_cut_off_inside_data() -> None:
    data = raw("scb_px_BE0101N1.px")
    error = refused(data[: int(len(data) * 0.9)], "avkortad", 'fält "DATA"')
    assert error.field == "DATA"
    refused(data.rstrip().removesuffix(b";"), "avkortad", "semikolon", 'fält "DATA"')
    refused(data.replace(b"127025 123577 126528 123149;", b"127025 123577;"), "avkortad", "82 värden", "84 celler")


def test_it_refuses_a_file_cut_off_in_the_header() -> None:
    data = raw("scb_px_BE0101N1.px")
    refused(data[:700], "avkortad", "semikolon", 'fält "VALUES("region")"')
    refused(data.split(b"DATA=")[0], "nyckelordet saknas", 'fält "DATA"')


def test_it_refuses_text_that_is_not_utf8_when_not_declared_ansi() -> None:
    data = raw("scb_px_BE0101N1.px")
    first_bad_line = next(i for i, line in enumerate(data.split(b"\n"), start=1) if not line.isascii())
    error = refused(data.replace(b'CHARSET="ANSI"', b'CHARSET="UTF-8"'), "inte giltig UTF-8", "0xf6", 'fält "CHARSET"')
    assert error.row == first_bad_line
    refused(data.replace(b'CHARSET="ANSI";\n', b""), "inte giltig UTF-8")


def test_it_refuses_missing_keywords_and_bad_values() -> None:
    data = raw("scb_px_BE0101N1.px")
    refused(data.replace(b'MATRIX="BE0101N1";', b""), "nyckelordet saknas", 'fält "MATRIX"')
    refused(data.replace(b'VALUES("sex")="men","women";', b""), "nyckelordet saknas", 'fält "VALUES("sex")"')
    error = refused(data.replace(b"961146 988370", b"961146 98x370"), "ogiltigt värde '98x370'", 'fält "DATA"')
    assert error.row == 2
    refused(data.replace(b'CODES("sex")="1","2"', b'CODES("sex")="1"'), "1 koder", 'fält "CODES("sex")"')
    refused(data.replace(b"DATA=", b'KEYS("region")=CODES;\nDATA='), "KEYS", 'fält "KEYS"')
    refused(data.replace(b"961146 ", b"961146 1 "), "85 värden", "bara 84 celler")


def test_it_refuses_an_unknown_period() -> None:
    data = raw("scb_px_PR0101D8.px").replace(b'"2009M06";', b'"2009M13";').replace(b'"200906";', b'"200913";')
    refused(data, "okänd period '2009M13'", 'fält "VALUES("period")"')


def test_it_refuses_a_table_without_time() -> None:
    data = px('MATRIX="X";', 'STUB="region";', 'VALUES("region")="01","03";', "DATA=", "1 2;")
    refused(data, "ingen tidsvariabel", 'fält "TIMEVAL"')


# --- properties


def check(data: bytes, name: str = "slump.px") -> None:
    """parse either gives a sound ParseResult or refuses with an ImportFileError naming the file."""
    try:
        result = parse(data, name)
    except ImportFileError as error:
        assert name in str(error)
        return
    codes = {m.code for m in result.metrics}
    for observation in result.observations:
        assert observation.status in STATUSES and observation.metric in codes
        assert 1 <= observation.row <= result.rows_read
        if observation.status == "ok":
            assert observation.value is not None and math.isfinite(observation.value)
        else:
            assert observation.value is None


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=3000))
def test_it_only_returns_or_refuses_for_arbitrary_bytes(data: bytes) -> None:
    check(data)


PX_ALPHABET = st.sampled_from([*'"=;,()[]\n -.0123456789', "DATA", "STUB", "HEADING", "VALUES", "TIMEVAL"])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(PX_ALPHABET, max_size=200))
def test_it_only_returns_or_refuses_for_px_like_text(pieces: list[str]) -> None:
    check(('MATRIX="X";\n' + "".join(pieces)).encode())


@settings(max_examples=400, deadline=None, database=None)
@given(st.sampled_from(FILES), st.data())
def test_it_only_returns_or_refuses_for_mutated_real_files(path: Path, data: st.DataObject) -> None:
    content = bytearray(path.read_bytes())
    for position, byte in data.draw(
        st.lists(st.tuples(st.integers(0, len(content) - 1), st.integers(0, 255)), max_size=6)
    ):
        content[position] = byte
    lines = bytes(content).split(b"\n")
    dropped = data.draw(st.sets(st.integers(0, len(lines) - 1), max_size=3))
    kept = b"\n".join(line for i, line in enumerate(lines) if i not in dropped)
    cut = data.draw(st.none() | st.integers(0, len(kept)))  # without a cut, mutated files often still parse
    check(kept if cut is None else kept[:cut], path.name)
