from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import ImportFileError, ParseResult
from lofte.statistics.sources.polisen.parser import FALLBACK_URL, detect, parse

FIXTURES = Path(__file__).parent.parent / "fixtures"
THREE_KOMMUNER = FIXTURES / "polisen_events_mjolby_motala_mullsjo.json"
API_SAMPLE = FIXTURES / "polisen_events_api_sample.json"
CODES = Path(__file__).parents[4] / "areas" / "data" / "kommuner_lan_scb_koder.csv"
CEST = timezone(timedelta(hours=2))


@cache
def areas() -> tuple[dict[str, str], dict[str, str]]:
    with CODES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kommuner = {row["municipality_name"]: row["municipality_code"] for row in rows}
    lan = {row["county_name"]: row["county_code"] for row in rows}
    return kommuner, lan


def run(data: Any, filename: str = "events.json") -> ParseResult:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    kommuner, lan = areas()
    return parse(raw, filename, kommuner=kommuner, lan=lan)


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 616045,
        "datetime": "2025-12-05 9:02:09 +01:00",
        "name": "05 december 07.24, Trafikolycka, Mjölby",
        "summary": "Kollision mellan två personbilar på E4:an utanför Mantorp.",
        "url": "/aktuellt/handelser/2025/december/5/05-december-07.24-trafikolycka-mjolby/",
        "type": "Trafikolycka",
        "location": {"name": "Mjölby", "gps": "58.322691,15.133535"},
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def refused(data: Any, *fragments: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        run(data, "handelser.json")
    for fragment in ("handelser.json", *fragments):
        assert fragment in str(caught.value)
    return caught.value


# --- the real files


def test_three_kommuner_file_has_every_event_once() -> None:
    result = run(THREE_KOMMUNER.read_bytes())
    assert (result.format, result.publisher, result.rows_read) == ("polisen-events", "polisen", 245)
    assert len(result.events) == 245
    assert len({e.source_id for e in result.events}) == 245
    assert result.warnings == []


def test_three_kommuner_counts_match_sources_md() -> None:
    events = run(THREE_KOMMUNER.read_bytes()).events
    assert Counter(e.kommun for e in events) == {"0583": 139, "0586": 87, "0642": 19}  # Motala, Mjölby, Mullsjö
    county_level = [e for e in events if e.location_name.endswith(" län")]
    assert len(county_level) == 42  # the rest (203) name the kommun as their location


def test_every_event_is_aware_with_an_absolute_link() -> None:
    for e in run(THREE_KOMMUNER.read_bytes()).events:
        assert e.occurred_at.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
        assert e.url.startswith("https://polisen.se/aktuellt/handelser/")
        assert e.lat is not None and e.lng is not None


def test_hour_without_leading_zero() -> None:
    [e] = [e for e in run(THREE_KOMMUNER.read_bytes()).events if e.source_id == "616045"]
    assert e.occurred_at == datetime(2025, 12, 5, 9, 2, 9, tzinfo=timezone(timedelta(hours=1)))
    assert e.occurred_at.utcoffset() == timedelta(hours=1)  # the offset is kept, not converted
    assert (e.kommun, e.location_name, e.lat, e.lng) == ("0586", "Mjölby", 58.322691, 15.133535)
    assert e.url == "https://polisen.se/aktuellt/handelser/2025/december/5/05-december-07.24-trafikolycka-mjolby/"


def test_county_event_gets_the_kommun_named_last() -> None:
    events = {e.source_id: e for e in run(THREE_KOMMUNER.read_bytes()).events}
    mullsjo = events["630796"]  # "14 april 10.45, Trafikolycka, singel, Mullsjö" in Jönköpings län
    assert (mullsjo.location_name, mullsjo.kommun, mullsjo.type) == ("Jönköpings län", "0642", "Trafikolycka, singel")
    motala = events["648435"]  # "2 augusti 07.39, Trafikbrott, Motala", 9:08 in the morning
    assert (motala.kommun, motala.occurred_at) == ("0583", datetime(2026, 8, 2, 9, 8, 55, tzinfo=CEST))


def test_api_sample_parses() -> None:
    result = run(API_SAMPLE.read_bytes())
    assert len(result.events) == result.rows_read == 500
    by_id = {e.source_id: e for e in result.events}
    assert by_id["650297"].kommun == "1261"  # Skåne län, "…, Brand, Kävlinge"
    assert by_id["650258"].kommun is None  # "…, Sammanfattning kväll och natt, Hallands län"
    county_wide = sum(e.kommun is None for e in result.events)
    assert result.warnings == [f"{county_wide} händelser gäller hela länet och har ingen kommun."]
    assert county_wide == 149


def test_detect() -> None:
    for path in (THREE_KOMMUNER, API_SAMPLE):
        raw = path.read_bytes()
        assert detect(raw) and detect(raw[:600])  # a head cut off mid-file still counts
    assert not detect(b'{"values": []}')
    assert not detect(b"[]")
    assert not detect(b'[{"id": 1}]')
    assert not detect(b"\x89PNG\r\n\x1a\n\x00\x00")


# --- choices the parser makes


def test_duplicate_ids_keep_the_first() -> None:
    newer, older, other = (
        event(summary="Uppdaterad."),
        event(summary="Första versionen."),
        event(id=1, summary="Annan."),
    )
    result = run([newer, older, other])
    assert [(e.source_id, e.summary) for e in result.events] == [("616045", "Uppdaterad."), ("1", "Annan.")]
    assert result.rows_read == 3
    assert result.warnings == ["1 händelser fanns två gånger (samma id); den första av dem har använts."]


def test_empty_answer_is_valid() -> None:
    result = run([])
    assert (result.events, result.rows_read, result.warnings) == ([], 0, ["Filen innehåller inga händelser."])


def test_location_without_kommun() -> None:
    result = run(
        [
            event(id=1, location={"name": "Östergötlands län", "gps": "58.3,15.5"}, name="Sammanfattning natt"),
            event(id=2, location={"name": "Atlantis", "gps": "x,y"}),
            event(id=3, location=...),
            event(id=4, location={"name": "mjölby ", "gps": "58.3"}),  # case and spaces don't matter
        ]
    )
    assert [(e.kommun, e.lat) for e in result.events] == [(None, 58.3), (None, None), (None, None), ("0586", None)]
    assert result.warnings == [
        "1 händelser gäller hela länet och har ingen kommun.",
        "2 händelser har en plats som varken är en känd kommun eller ett län.",
    ]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "//evil.example/x", "https://polisen.se.evil.example/", "ftp://polisen.se/x", "", None],
)
def test_links_elsewhere_are_replaced(url: str | None) -> None:
    result = run([event(url=url)])
    assert result.events[0].url == FALLBACK_URL
    assert result.warnings == ["1 händelser saknar en giltig länk till polisen.se; de länkar till händelselistan."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-22 9:48:12 +02:00", datetime(2026, 8, 22, 9, 48, 12, tzinfo=CEST)),
        ("2026-08-22 09:48:12+0200", datetime(2026, 8, 22, 9, 48, 12, tzinfo=CEST)),
        ("2026-08-22T9:48 Z", datetime(2026, 8, 22, 9, 48, tzinfo=UTC)),
        ("2026-01-02 0:05:00 -05:00", datetime(2026, 1, 2, 0, 5, tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_datetime_forms(text: str, expected: datetime) -> None:
    assert run([event(datetime=text)]).events[0].occurred_at == expected


# --- refusals


@pytest.mark.parametrize("field", ["id", "datetime", "type"])
def test_missing_required_field(field: str) -> None:
    error = refused([event(id=1), event(**{"id": 2, field: ...})], "rad 2", f'fält "{field}"', "saknas")
    assert (error.row, error.field) == (2, field)


@pytest.mark.parametrize(
    "text",
    ["2026-08-22", "22 augusti 9.48", "2026-02-30 9:48:12 +01:00", "2026-08-22 25:00:00 +02:00", "2026-08-22 9:48:12"],
)
def test_unreadable_datetime(text: str) -> None:
    refused([event(datetime=text)], "rad 1", 'fält "datetime"', text)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": True}, "id"),
        ({"id": [1]}, "id"),
        ({"datetime": 1755850092}, "datetime"),
        ({"type": ""}, "type"),
        ({"name": 5}, "name"),
        ({"location": "Mjölby"}, "location"),
        ({"location": {"name": 1}}, "location.name"),
    ],
)
def test_wrong_types(changes: dict[str, Any], field: str) -> None:
    refused([event(**changes)], "rad 1", f'fält "{field}"')


def test_row_that_is_not_an_object() -> None:
    refused([event(), "text"], "rad 2", "JSON-objekt")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "tom"),
        (b"  \n", "tom"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "inte en textfil"),
        (b"\xff\xfe[\x00]\x00", "inte en textfil"),
        (b'[{"id": 1,', "inte giltig JSON (rad 1"),
        (b"[NaN]", "inte giltig JSON"),
        (b'{"id": 1}', "JSON-lista"),
        (b'"[]"', "JSON-lista"),
    ],
)
def test_not_an_events_file(raw: bytes, fragment: str) -> None:
    refused(raw, fragment)


def test_byte_order_mark_is_fine() -> None:
    assert len(run(b"\xef\xbb\xbf" + json.dumps([event()]).encode()).events) == 1


# --- anything at all gives a result or an ImportFileError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
field_values = st.one_of(json_values, st.sampled_from(["2026-08-22 9:48:12 +02:00", "/a", "Mjölby", "58,15"]))
events_like = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "datetime", "name", "summary", "url", "type", "location"]),
        field_values | st.fixed_dictionaries({}, optional={"name": field_values, "gps": field_values}),
    ),
    max_size=5,
)


def parses_or_refuses(raw: bytes) -> None:
    try:
        result = run(raw)
    except ImportFileError as error:
        assert str(error).startswith("events.json")
        return
    assert isinstance(result, ParseResult)
    assert all(e.occurred_at.tzinfo is not None and e.url.startswith("https://") for e in result.events)


@settings(max_examples=200, deadline=None)
@given(json_values | events_like)
def test_any_json(value: Any) -> None:
    parses_or_refuses(json.dumps(value).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_any_bytes(raw: bytes) -> None:
    parses_or_refuses(raw)
    detect(raw)
