from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import ImportFileError, ParseResult
from lofte.statistics.sources.kolada.parser import detect, metric_for, parse

FIXTURE = Path(__file__).parent.parent / "fixtures" / "kolada_N01951_N07540_0583_0586_0642_2025.json"


def run(data: Any, filename: str = "kolada.json") -> ParseResult:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return parse(raw, filename)


def value(gender: Any = "T", number: Any = 9997.0, status: Any = "", **extra: Any) -> dict[str, Any]:
    return {"gender": gender, "count": 1, "status": status, "value": number, "isdeleted": False, **extra}


def item(kpi: Any = "N07540", municipality: Any = "0586", period: Any = 2025, *values: Any) -> dict[str, Any]:
    return {"kpi": kpi, "municipality": municipality, "period": period, "values": list(values) or [value()]}


def answer(*items: Any, next_url: str | None = None) -> dict[str, Any]:
    return {"count": len(items), "values": list(items), "next_url": next_url}


def refused(data: Any, *fragments: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        run(data, "kolada.json")
    for fragment in ("kolada.json", *fragments):
        assert fragment in str(caught.value)
    return caught.value


# --- the real values


def test_fixture_values() -> None:
    result = run(FIXTURE.read_bytes())
    assert (result.format, result.publisher, result.rows_read, result.warnings) == ("kolada", "kolada", 6, [])
    found = {(o.metric, o.area): (o.value, o.period, o.status) for o in result.observations}
    assert found == {
        ("befolkning.totalt", "0583"): (43131.0, "2025", "ok"),
        ("befolkning.totalt", "0586"): (28823.0, "2025", "ok"),
        ("befolkning.totalt", "0642"): (7546.0, "2025", "ok"),
        ("kolada.n07540", "0583"): (12285.88577, "2025", "ok"),
        ("kolada.n07540", "0586"): (9996.87054, "2025", "ok"),
        ("kolada.n07540", "0642"): (6657.85997, "2025", "ok"),
    }
    assert all(o.per_100k is None for o in result.observations)  # the rate is the value; its unit says so
    assert [o.row for o in result.observations] == [1, 2, 3, 4, 5, 6]


def test_fixture_metrics() -> None:
    metrics = {m.code: m for m in run(FIXTURE.read_bytes()).metrics}
    assert list(metrics) == ["befolkning.totalt", "kolada.n07540"]
    population, crime = metrics["befolkning.totalt"], metrics["kolada.n07540"]
    assert (population.name, population.unit, population.lower_is_better) == ("Folkmängd, antal", "antal", False)
    assert (crime.name, crime.unit, crime.lower_is_better) == (
        "Anmälda brott totalt, antal/100 000 inv",
        "per_100k",
        True,
    )
    assert {m.publisher for m in metrics.values()} == {"kolada"}


def test_detect() -> None:
    raw = FIXTURE.read_bytes()
    assert detect(raw) and detect(raw[:300])  # a head cut off mid-file still counts
    assert not detect(b'{"values": [{"id": "N07540", "title": "Anm\xc3\xa4lda brott"}]}')  # KPI metadata, not data
    assert not detect(b'{"values": []}')
    assert not detect(b'[{"id": 1}]')
    assert not detect(b"\x00\x01")


# --- codes and names


@pytest.mark.parametrize(
    ("kpi", "gender", "code", "name", "unit"),
    [
        ("N01951", "T", "befolkning.totalt", "Folkmängd, antal", "antal"),
        ("N01951", "K", "befolkning.kvinnor", "Folkmängd, antal, kvinnor", "antal"),
        ("N07540", "M", "kolada.n07540.man", "Anmälda brott totalt, antal/100 000 inv, män", "per_100k"),
        ("N07403", "T", "kolada.n07403", "Anmälda våldsbrott, antal/100 000 inv", "per_100k"),
        ("N07611", "T", "kolada.n07611", "Kolada N07611", "antal"),
        ("N07611", "K", "kolada.n07611.kvinnor", "Kolada N07611, kvinnor", "antal"),
    ],
)
def test_metric_codes(kpi: str, gender: str, code: str, name: str, unit: str) -> None:
    metric = metric_for(kpi, gender)
    assert (metric.code, metric.name, metric.unit) == (code, name, unit)


def test_genders_areas_and_periods() -> None:
    result = run(
        answer(
            item("n07403", "0000", "2024", value("T", 1), value("K", 2.5), value("M", 0)),
            item("N07403", "0005", 2025, value("T", 3)),
        )
    )
    found = [(o.metric, o.area, o.period, o.value) for o in result.observations]
    assert found == [
        ("kolada.n07403", "00", "2024", 1.0),
        ("kolada.n07403.kvinnor", "00", "2024", 2.5),
        ("kolada.n07403.man", "00", "2024", 0.0),  # a real zero stays a zero
        ("kolada.n07403", "05", "2025", 3.0),  # Kolada's region 0005 is Östergötlands län
    ]
    assert [o.row for o in result.observations] == [1, 1, 1, 2]


# --- missing values


def test_null_is_missing_not_zero() -> None:
    [observation] = run(answer(item("N07540", "0586", 2025, value(number=None)))).observations
    assert (observation.value, observation.status) == (None, "missing")


def test_kolada_status_marks_missing_with_a_warning() -> None:
    result = run(answer(item("N07540", "0586", 2025, value("T", 12.0, "Bortfall"), value("K", None, "Bortfall"))))
    assert [(o.value, o.status) for o in result.observations] == [(None, "missing"), (None, "missing")]
    assert result.warnings == ['Kolada markerar 2 värden som "Bortfall"; de har importerats som saknade.']


def test_duplicates_deleted_and_paging() -> None:
    result = run(
        answer(
            item("N07540", "0586", 2025, value(number=1), value(number=2)),
            item("N07540", "0583", 2025, value(number=3, isdeleted=True)),
            next_url="https://api.kolada.se/v3/data/kpi/N07540/year/2025?page=2",
        )
    )
    assert [o.value for o in result.observations] == [1.0]
    assert result.warnings == [
        "1 värden fanns två gånger; det första av dem har använts.",
        "1 värden är borttagna i Kolada (isdeleted) och har hoppats över.",
        "Svaret är en sida av flera; nästa sida finns på https://api.kolada.se/v3/data/kpi/N07540/year/2025?page=2",
    ]


def test_empty_answer() -> None:
    result = run(answer())
    assert (result.observations, result.metrics, result.warnings) == ([], [], ["Svaret innehåller inga värden."])


# --- refusals


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [
        ({"kpi": None}, "kpi", "N07540"),
        ({"kpi": "N 07540"}, "kpi", "N07540"),
        ({"municipality": 586}, "municipality", "fyra siffror"),
        ({"municipality": "586"}, "municipality", "fyra siffror"),
        ({"period": None}, "period", "år"),
        ({"period": "förra året"}, "period", "okänd period"),
        ({"period": 1850}, "period", "okänt år"),
        ({"values": None}, "values", "saknas"),
        ({"values": ["9997"]}, "values[0]", "JSON-objekt"),
        ({"values": [value(), value("X")]}, "values[1].gender", "kön"),
        ({"values": [value([])]}, "values[0].gender", "kön"),
        ({"values": [value(number="9997")]}, "values[0].value", "tal eller null"),
        ({"values": [value(number=True)]}, "values[0].value", "tal eller null"),
        ({"values": [value(status=0)]}, "values[0].status", "text"),
    ],
)
def test_bad_rows(bad: dict[str, Any], field: str, fragment: str) -> None:
    error = refused(answer(item(), {**item(), **bad}), "rad 2", f'fält "{field}"', fragment)
    assert (error.row, error.field) == (2, field)


def test_row_that_is_not_an_object() -> None:
    refused(answer(item(), [1, 2]), "rad 2", "JSON-objekt")


def test_huge_number_is_refused() -> None:
    huge = "1" + "0" * 400  # a valid JSON number that no float can hold
    raw = (
        '{"values": [{"kpi": "N1", "municipality": "0586", "period": 2025, "values": [{"gender": "T", "value": %s}]}]}'
    )
    refused((raw % huge).encode(), "rad 1", 'fält "values[0].value"')


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "tom"),
        (b"\x00\x01\x02", "inte en textfil"),
        (b"\xc3\x28", "inte en textfil"),
        (b'{"values": [', "inte giltig JSON (rad 1"),
        (b'{"values": [Infinity]}', "inte giltig JSON"),
        (b"[]", '"values"'),
        (b'{"values": {}}', '"values"'),
    ],
)
def test_not_a_kolada_answer(raw: bytes, fragment: str) -> None:
    refused(raw, fragment)


# --- anything at all gives a result or an ImportFileError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
values_like = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "gender": st.sampled_from(["T", "K", "M", "X"]) | json_values,
            "value": st.floats(allow_nan=False, allow_infinity=False) | json_values,
            "status": st.sampled_from(["", "Bortfall"]) | json_values,
            "isdeleted": st.booleans(),
        },
    ),
    max_size=3,
)
items_like = st.fixed_dictionaries(
    {},
    optional={
        "kpi": st.sampled_from(["N07540", "N01951", "U30446"]) | json_values,
        "municipality": st.sampled_from(["0586", "0000", "0005"]) | json_values,
        "period": st.sampled_from([2025, "2025", "2025K1"]) | json_values,
        "values": values_like | json_values,
    },
)
answers_like = st.fixed_dictionaries({"values": st.lists(items_like | json_values, max_size=4)})


def parses_or_refuses(raw: bytes) -> None:
    try:
        result = run(raw)
    except ImportFileError as error:
        assert str(error).startswith("kolada.json")
        return
    assert isinstance(result, ParseResult)
    for observation in result.observations:
        assert (observation.status == "ok") == (observation.value is not None)
    assert {o.metric for o in result.observations} == {m.code for m in result.metrics}


@settings(max_examples=200, deadline=None)
@given(json_values | answers_like)
def test_any_json(data: Any) -> None:
    parses_or_refuses(json.dumps(data).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_any_bytes(raw: bytes) -> None:
    parses_or_refuses(raw)
    detect(raw)
