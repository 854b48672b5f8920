from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import STATUSES, ImportFileError, ParsedObservation, ParseResult
from lofte.statistics.sources.jsonstat.parser import detect, parse
from lofte.statistics.sources.scb_px.parser import POPULATION

FIXTURES = Path(__file__).parent.parent / "fixtures"
DENSE = FIXTURES / "scb_tab638_folkmangd_0586_0583_0642_2023_2025.json"
SPARSE = FIXTURES / "scb_tab638_kon_sparse_status.json"
PX_FILE = Path(__file__).parents[2] / "scb_px" / "fixtures" / "scb_px_BE0101N1.px"


def dataset(path: Path = DENSE) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def run(data: Any, filename: str = "tab638.json") -> ParseResult:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return parse(raw, filename)


def refused(data: Any, *fragments: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        run(data, "tab638.json")
    for fragment in ("tab638.json", *fragments):
        assert fragment in str(caught.value)
    return caught.value


def by_row(result: ParseResult) -> dict[int, ParsedObservation]:
    return {o.row: o for o in result.observations}


# --- the fixtures


def test_it_reads_population_per_kommun_as_befolkning_totalt() -> None:
    result = run(DENSE.read_bytes())
    assert (result.format, result.publisher, result.rows_read) == ("jsonstat", "scb", 9)
    assert result.metrics == [POPULATION]
    found = {(o.area, o.period): o.value for o in result.observations}
    assert found[("0586", "2025")] == 28823.0  # Mjölby 31 Dec 2025, as Kolada N01951 has it
    assert found[("0583", "2025")] == 43131.0
    assert found[("0642", "2025")] == 7546.0
    assert len(found) == 9 and {o.metric for o in result.observations} == {"befolkning.totalt"}
    # Region varies slowest and Tid fastest: cell 3 is Mjölby 2025
    assert by_row(result)[3] == ParsedObservation(3, "befolkning.totalt", "0586", "2025", 28823.0)
    assert result.warnings[0].startswith("Not: TESTDATA")


def test_it_reads_a_sparse_value_object_with_statuses() -> None:
    result = run(SPARSE.read_bytes())
    rows = by_row(result)
    assert result.rows_read == 12 and sorted(rows) == list(range(1, 13))
    assert rows[1] == ParsedObservation(1, "scb.tab638.1.be0101n1", "0586", "2024", 14552.0)
    assert rows[6] == ParsedObservation(6, "befolkning.totalt", "0586", "2025", 28823.0)
    assert rows[7] == ParsedObservation(7, "scb.tab638.1.be0101n1", "0642", "2024", None, status="missing")
    assert rows[10] == ParsedObservation(10, "scb.tab638.2.be0101n1", "0642", "2025", None, status="suppressed")
    assert rows[12] == ParsedObservation(12, "befolkning.totalt", "0642", "2025", 7546.0)
    assert all(o.value is None for o in result.observations if o.status != "ok")
    names = {m.code: m.name for m in result.metrics}
    assert names == {
        "scb.tab638.1.be0101n1": "Folkmängd (kön: män)",
        "scb.tab638.2.be0101n1": "Folkmängd (kön: kvinnor)",
        "befolkning.totalt": "Folkmängd",
    }


def test_it_detects_datasets_and_nothing_else() -> None:
    assert detect(DENSE.read_bytes()) and detect(SPARSE.read_bytes())
    assert detect(DENSE.read_bytes()[:120])  # a head cut off before "value"
    assert detect(b'{"id": ["Tid"], "size": [1], "dimension": {}, "value": [1]}')
    assert not detect(PX_FILE.read_bytes())
    assert not detect(b'{"count": 1, "values": [{"kpi": "N01951"}]}')
    assert not detect(b"[]") and not detect(b"")


# --- shapes of JSON-stat


def test_it_finds_roles_by_pxwebapi_ids_when_role_is_missing() -> None:
    data = dataset()
    del data["role"]
    assert run(data).observations == run(DENSE.read_bytes()).observations


def test_it_reads_the_table_id_from_the_address_or_else_the_label() -> None:
    data = dataset()
    data["dimension"]["ContentsCode"]["category"] = {"index": {"BE0101AX": 0}, "label": {"BE0101AX": "Inflyttade"}}
    data["extension"] = {}
    assert [(m.code, m.name) for m in run(data).metrics] == [("scb.tab638.be0101ax", "Inflyttade")]
    del data["href"]
    assert {m.code for m in run(data).metrics} == {"scb.folkmangden_efter_region_tabellinnehall.be0101ax"}


def test_it_puts_a_dataset_without_regions_on_riket() -> None:
    data = dataset()
    data["id"], data["size"] = ["ContentsCode", "Tid"], [1, 3]
    del data["dimension"]["Region"], data["role"]["geo"]
    data["value"] = [10540886, 10551707, 10605520]
    result = run(data)
    assert [(o.area, o.period, o.value) for o in result.observations][-1] == ("00", "2025", 10605520.0)
    assert "Datasetet har ingen regiondimension; värdena har lagts på riket (00)." in result.warnings


def test_it_reads_the_symbols_of_status_and_value() -> None:
    data = dataset()
    data["value"] = [None, 0, 28823, "..", 1, 43131, None, 7519, 7546]
    data["status"] = [".", "..", "", "", "-", "r", "", "", ""]
    rows = by_row(run(data))
    assert (rows[1].value, rows[1].status) == (None, "suppressed")
    assert (rows[2].value, rows[2].status) == (None, "missing")  # never the 0 beside ".."
    assert (rows[4].value, rows[4].status) == (None, "missing")
    assert (rows[5].value, rows[5].status) == (0.0, "ok")  # "-" is a true zero
    assert (rows[6].value, rows[6].status) == (43131.0, "ok")
    assert (rows[7].value, rows[7].status) == (None, "missing")
    assert '1 värden har statusen "r"; talen har behållits.' in run(data).warnings


def test_it_reads_a_single_status_for_all_cells_and_a_json_stat_1_bundle() -> None:
    data = dataset()
    data["value"], data["status"] = [None] * 9, ".."
    assert {o.status for o in run(data).observations} == {"missing"}
    old = dataset()
    dimension = old["dimension"] | {"id": old.pop("id"), "size": old.pop("size"), "role": old.pop("role")}
    bundle = {"dataset": old | {"dimension": dimension}}
    assert run(bundle).observations == run(DENSE.read_bytes()).observations


# --- refusals


def test_it_refuses_a_value_array_that_does_not_match_size() -> None:
    data = dataset()
    data["value"] = data["value"][:-1]
    error = refused(data, '"value" har 8 värden men "size" ger 9 celler', 'fält "value"')
    assert error.field == "value"


def test_it_refuses_an_unknown_period_naming_the_cell() -> None:
    data = dataset()
    data["dimension"]["Tid"]["category"]["index"] = {"2023": 0, "20x4": 1, "2025": 2}
    data["dimension"]["Tid"]["category"]["label"] = {}
    error = refused(data, "okänd period '20x4'", "rad 2", 'fält "dimension.Tid"')
    assert (error.row, error.field) == (2, "dimension.Tid")


def test_it_refuses_broken_dimensions() -> None:
    data = dataset()
    data["size"] = [4, 1, 3]
    refused(data, '"size" säger 4 kategorier men category har 3', 'fält "dimension.Region"')
    data = dataset()
    data["dimension"]["Tid"]["category"]["index"] = {"2023": 0, "2024": 0, "2025": 2}
    refused(data, "category.index ska numrera", 'fält "dimension.Tid"')
    data = dataset()
    data["id"] = ["Region", "Tid"]
    refused(data, '"size" ska ha ett antal kategorier per dimension', 'fält "size"')
    data = dataset()
    del data["dimension"]["Tid"]
    refused(data, "dimensionen eller dess category saknas", 'fält "dimension.Tid"')


def test_it_refuses_bad_values_and_statuses() -> None:
    data = dataset()
    data["value"][4] = "många"
    error = refused(data, "värdet ska vara ett tal eller null", 'fält "value"')
    assert error.row == 5
    data = dataset()
    data["status"] = ["..", "."]
    refused(data, '"status" har 2 värden men "size" ger 9 celler', 'fält "status"')
    data = dataset()
    data["value"] = {"9": 1}
    refused(data, "cellen '9' finns inte", 'fält "value"')


def test_it_refuses_files_that_are_not_datasets() -> None:
    refused(b"", "filen är tom")
    refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binär")
    refused(b'{"version": "2.0",\n"value": [1,]}', "inte giltig JSON", "rad 2")
    refused(b'{"value": NaN}', "inte giltig JSON")
    refused(b"\xff\xfe{}", "inte UTF-8")
    refused(b"[[[[" * 10000, "nästlad 40\u00a0000 nivåer djupt", "högst 20")
    refused({"class": "collection", "link": {}}, "samlingar")
    refused({"version": "2.0", "class": "dataset"}, '"dimension" saknas')
    refused(PX_FILE.read_bytes(), "inte UTF-8")


def test_it_refuses_a_dataset_without_time() -> None:
    data = dataset()
    data["id"], data["size"], data["value"] = ["Region", "ContentsCode"], [3, 1], [1, 2, 3]
    del data["dimension"]["Tid"], data["role"]["time"]
    refused(data, "ingen tidsdimension", 'fält "role"')


# --- properties


def check(data: bytes) -> None:
    """parse either gives a sound ParseResult or refuses with an ImportFileError naming the file."""
    try:
        result = parse(data, "slump.json")
    except ImportFileError as error:
        assert "slump.json" in str(error)
        return
    codes = {m.code for m in result.metrics}
    for observation in result.observations:
        assert observation.status in STATUSES and observation.metric in codes
        if observation.status == "ok":
            assert observation.value is not None and math.isfinite(observation.value)
        else:
            assert observation.value is None


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=2000))
def test_it_only_returns_or_refuses_for_arbitrary_bytes(data: bytes) -> None:
    check(data)


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from([DENSE, SPARSE]), st.data())
def test_it_only_returns_or_refuses_for_mutated_fixture_bytes(path: Path, data: st.DataObject) -> None:
    content = bytearray(path.read_bytes())
    for position, byte in data.draw(
        st.lists(st.tuples(st.integers(0, len(content) - 1), st.integers(0, 255)), max_size=4)
    ):
        content[position] = byte
    cut = data.draw(st.none() | st.integers(0, len(content)))
    check(bytes(content if cut is None else content[:cut]))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def places(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON tree, so a test can put something else there."""
    found = [path]
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for key, child in children:
        found += places(child, (*path, key))
    return found


@settings(max_examples=500, deadline=None, database=None)
@given(st.sampled_from([DENSE, SPARSE]), st.data())
def test_it_only_returns_or_refuses_when_any_part_of_a_dataset_is_replaced(path: Path, data: st.DataObject) -> None:
    tree = copy.deepcopy(dataset(path))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(places(tree)[1:]))
        parent = tree
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = data.draw(JSON)
    check(json.dumps(tree).encode())
