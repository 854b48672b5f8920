from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import ImportFileError
from lofte.statistics.sources.bra_monthly import parser

RAW = (
    Path(__file__).resolve().parent.parent / "fixtures" / "bra_anmalda_brott_manad_boden_2026-08_prel.csv"
).read_bytes()
KOMMUNER = {"Boden": "2582"}


def test_it_detects_the_monthly_export() -> None:
    assert parser.detect(RAW[:300])
    assert not parser.detect(b"kommun;period;key;count;per100k;preliminary\n")


def test_it_keeps_the_tree() -> None:
    result = parser.parse(RAW, "boden.csv", kommuner=KOMMUNER)
    metrics = {m.code: m for m in result.metrics}
    assert metrics["anmalda.totalt"].parent is None
    assert metrics["bra.13193"].parent == "anmalda.totalt"  # Brott mot brottsbalken, a part of the total
    assert metrics["bra.13207"].parent == "bra.13206"  # 8 kap. Stöld is part of Brott mot förmögenhet
    values = {o.metric: o.value for o in result.observations}
    children = [m.code for m in result.metrics if m.parent == "bra.13206"]
    assert sum(values[c] or 0 for c in children) == values["bra.13206"]
    assert all(o.period == "2026-08" and o.preliminary and o.area == "2582" for o in result.observations)


def test_it_names_an_unknown_kommun() -> None:
    with pytest.raises(ImportFileError, match='rad 2, fält "kommun"'):
        parser.parse(RAW, "boden.csv", kommuner={"Luleå": "2580"})


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(RAW)), st.integers(min_value=0, max_value=255), st.data())
def test_it_fails_only_with_its_own_error_on_damaged_files(cut: int, byte: int, data: st.DataObject) -> None:
    damaged = bytearray(RAW[:cut])
    if damaged:
        damaged[data.draw(st.integers(min_value=0, max_value=len(damaged) - 1))] = byte
    with contextlib.suppress(ImportFileError):
        parser.parse(bytes(damaged), "x.csv", kommuner=KOMMUNER)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_it_fails_only_with_its_own_error_on_any_bytes(raw: bytes) -> None:
    with contextlib.suppress(ImportFileError):
        parser.parse(raw, "x.csv", kommuner=KOMMUNER)
