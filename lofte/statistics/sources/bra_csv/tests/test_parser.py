from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.statistics.sources.base import ImportFileError
from lofte.statistics.sources.bra_csv import parser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
YEARLY = (FIXTURES / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv").read_bytes()
QUARTERLY = (FIXTURES / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv").read_bytes()


def test_it_detects_the_long_format() -> None:
    assert parser.detect(YEARLY[:200]) and parser.detect(QUARTERLY[:200])
    assert not parser.detect(b"year,month,brott_id\n")


def test_it_reads_the_real_yearly_file() -> None:
    result = parser.parse(YEARLY, "arsvis.csv")
    assert (result.rows_read, len(result.observations), len(result.metrics)) == (540, 540, 6)
    mjolby = {(o.metric, o.period): o for o in result.observations if o.area == "0586"}
    total = mjolby[("anmalda.totalt", "2025")]
    assert (total.value, total.per_100k, total.preliminary, total.status) == (2875.0, 9997.0, False, "ok")


def test_it_reads_quarters_and_preliminary_flags() -> None:
    result = parser.parse(QUARTERLY, "kvartal.csv")
    periods = {o.period for o in result.observations}
    assert "2014K3" not in periods and {"2014K1", "2026K2"} <= periods
    assert all(o.preliminary == o.period.startswith("2026") for o in result.observations)


def test_it_refuses_an_unknown_area_when_it_knows_the_areas() -> None:
    with pytest.raises(ImportFileError, match='rad 2, fält "kommun"'):
        parser.parse(YEARLY, "arsvis.csv", known_areas={"0586"})


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_it_fails_only_with_its_own_error_on_any_bytes(raw: bytes) -> None:
    try:
        parser.parse(raw, "x.csv")
    except ImportFileError as exc:
        assert str(exc).startswith("x.csv")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(YEARLY)), st.integers(min_value=0, max_value=255), st.data())
def test_it_fails_only_with_its_own_error_on_damaged_real_files(cut: int, byte: int, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=max(cut - 1, 0)))
    damaged = bytearray(YEARLY[:cut])
    if damaged:
        damaged[position] = byte
    with contextlib.suppress(ImportFileError):
        parser.parse(bytes(damaged), "x.csv")
