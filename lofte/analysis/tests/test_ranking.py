from __future__ import annotations

import math

import pytest

from lofte.analysis.ranking import CategorySignals, rank_categories

# Mjölby 2025 counts from Brå; the other signals are made up for the test.
CATEGORIES = [
    CategorySignals("stold", "Stöld", 572, peer_ratio=0.9, trend_ratio=0.97, trend_verdict="ingen_saker_forandring"),
    CategorySignals(
        "person",
        "Brott mot person",
        776,
        peer_ratio=1.38,
        peer_verdict="hogre",
        trend_ratio=1.12,
        trend_verdict="okning",
        survey_share=0.42,
    ),
    CategorySignals("inbrott", "Bostadsinbrott", 75, peer_ratio=0.6, peer_verdict="lagre"),
    CategorySignals("narkotika", "Narkotika och vapen", 369),
    CategorySignals("skadegorelse", "Skadegörelse", 228, survey_share=0.3),
    CategorySignals("bedrageri", "Bedrägeri", 875, peer_ratio=1.1, peer_verdict="ingen_saker_skillnad"),
]


def test_it_orders_categories_by_score() -> None:
    ranked = rank_categories(CATEGORIES)
    assert [item.code for item in ranked][:2] == ["person", "bedrageri"]
    assert [item.rank for item in ranked] == [1, 2, 3, 4, 5, 6]
    assert all(0 <= item.score <= 100 for item in ranked)
    assert ranked == rank_categories(list(reversed(CATEGORIES)))


def test_it_explains_every_component_in_swedish() -> None:
    person = next(item for item in rank_categories(CATEGORIES) if item.code == "person")
    assert person.reasons == (
        "Många anmälningar: 776 (näst flest av 6).",
        "38 % högre än jämförbara kommuner (tydlig skillnad).",
        "Ökar med 12 % per år (tydlig trend).",
        "Oro i trygghetsundersökningen: 42 %.",
    )


def test_it_computes_the_score_from_the_documented_weights() -> None:
    person = next(item for item in rank_categories(CATEGORIES) if item.code == "person")
    volume = 35 * 776 / 875
    peers = 25 * 0.4646  # log2(1.38)
    trend = 25 * 0.5079  # log(1.12) / log(1.25)
    survey = 15 * 0.42
    assert person.score == pytest.approx(volume + peers + trend + survey, abs=0.1)


def test_it_explains_missing_components_without_lowering_the_score() -> None:
    narkotika = next(item for item in rank_categories(CATEGORIES) if item.code == "narkotika")
    assert narkotika.reasons == (
        "Anmälningar: 369 (fjärde flest av 6).",
        "Ingen jämförelse med andra kommuner.",
        "Ingen trend beräknad (minst fem år med data behövs).",
        "Ingen uppgift från trygghetsundersökning eller dialog.",
    )
    # Only volume is known, so the score is the volume share alone.
    assert narkotika.score == pytest.approx(100 * 369 / 875, abs=0.1)


def test_it_counts_uncertain_signals_half() -> None:
    bedrageri = next(item for item in rank_categories(CATEGORIES) if item.code == "bedrageri")
    assert bedrageri.reasons[1] == "10 % högre än jämförbara kommuner (ingen tydlig skillnad)."
    expected = (35 * 1.0 + 25 * 0.5 * 0.1375) / 60 * 100  # log2(1.1) = 0.1375
    assert bedrageri.score == pytest.approx(expected, abs=0.1)


def test_it_describes_falling_and_lower_values() -> None:
    ranked = {item.code: item for item in rank_categories(CATEGORIES)}
    assert ranked["stold"].reasons[2] == "Minskar med 3 % per år (ingen tydlig trend)."
    assert ranked["inbrott"].reasons[:2] == (
        "Anmälningar: 75 (minst av 6).",
        "40 % lägre än jämförbara kommuner (tydlig skillnad).",
    )


def test_it_handles_peers_without_any_reports() -> None:
    [single] = rank_categories([CategorySignals("x", "X", 4, peer_ratio=math.inf, peer_verdict="ingen_saker_skillnad")])
    assert single.reasons[1] == "Anmälningar här men inga i jämförbara kommuner (ingen tydlig skillnad)."
    assert single.score == pytest.approx(100 * (35 + 25 * 0.5) / 60, abs=0.1)


def test_it_groups_thousands_the_swedish_way() -> None:
    [single] = rank_categories([CategorySignals("totalt", "Totalt", 2875)])
    assert (single.reasons[0], single.score) == ("Anmälningar: 2 875.", 100.0)


def test_it_refuses_a_survey_share_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        rank_categories([CategorySignals("x", "X", 1, survey_share=42)])
