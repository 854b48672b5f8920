"""Rank crime categories for priority, with a plain-Swedish reason for every part of the score.

Method: each category gets up to four components, each a fraction between 0 and 1, weighted:

- volume (weight 35): the count divided by the largest count among the categories, so harm in
  absolute numbers counts in proportion;
- level against peers (weight 25): log2 of the rate ratio against similar kommuner, cut to 0–1, so
  the same level as the peers gives 0 and twice their level or more gives the full weight; a
  lower level gives 0;
- trend (weight 25): log of the rate ratio per year divided by log 1.25, cut to 0–1, so a rise of
  25 % a year or more gives the full weight; a falling trend gives 0;
- survey or dialogue signal (weight 15): the share of residents worried, or of dialogues that raised the
  category (0–1), as it is; the caller may say in words where the share comes from.

A peer difference or trend whose verdict says it is not certain counts half: it points the same
way but could be noise. A ratio given without a verdict is taken at face value. The score is 100 × the weighted sum divided by the weights of the
components that are present, so a missing component neither lowers nor raises the score; it is
named as missing in the reasons instead. Categories are ordered by score, then count, then code,
so equal inputs always give the same order.

The score is a conversation starter for the partnership, not a decision: the weights are a
judgement and are stated here so readers can disagree with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from lofte.analysis.verdicts import INGEN_SAKER_FORANDRING, INGEN_SAKER_SKILLNAD
from lofte.lib.formatting import number

WEIGHTS: Final = {"volume": 35.0, "peers": 25.0, "trend": 25.0, "survey": 15.0}
FULL_PEER_RATIO: Final = 2.0
FULL_TREND_RATIO: Final = 1.25
UNCERTAIN_FACTOR: Final = 0.5
_ORDINALS: Final = ("", "", "näst", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde", "nionde", "tionde")


@dataclass(frozen=True)
class CategorySignals:
    code: str
    name: str
    count: int
    peer_ratio: float | None = None
    peer_verdict: str | None = None
    trend_ratio: float | None = None
    trend_verdict: str | None = None
    survey_share: float | None = None
    survey_reason: str | None = None  # says where the share comes from; a survey's worry by default


@dataclass(frozen=True)
class Priority:
    code: str
    name: str
    rank: int
    score: float
    reasons: tuple[str, ...]


# One component's fraction of its weight (None when the data are missing) and the reason shown.
_Part = tuple[float | None, str]


def rank_categories(categories: Sequence[CategorySignals]) -> list[Priority]:
    """Score every category 0–100 and order them, most urgent first."""
    counts = [category.count for category in categories]
    scored = [(category, _parts(category, counts)) for category in categories]
    scored.sort(key=lambda item: (-_score(item[1]), -item[0].count, item[0].code))
    return [
        Priority(category.code, category.name, rank, _score(parts), tuple(reason for _, reason in parts.values()))
        for rank, (category, parts) in enumerate(scored, start=1)
    ]


def _parts(category: CategorySignals, counts: Sequence[int]) -> dict[str, _Part]:
    return {
        "volume": _volume(category.count, counts),
        "peers": _peers(category.peer_ratio, category.peer_verdict),
        "trend": _trend(category.trend_ratio, category.trend_verdict),
        "survey": _survey(category.survey_share, category.survey_reason),
    }


def _score(parts: dict[str, _Part]) -> float:
    present = {name: fraction for name, (fraction, _) in parts.items() if fraction is not None}
    total_weight = sum(WEIGHTS[name] for name in present)
    return round(100 * sum(WEIGHTS[name] * fraction for name, fraction in present.items()) / total_weight, 1)


def _volume(count: int, counts: Sequence[int]) -> _Part:
    largest = max(counts)
    fraction = count / largest if largest > 0 else 0.0
    if len(counts) == 1:
        return fraction, f"Anmälningar: {number(count)}."
    place = 1 + sum(other > count for other in counts)
    lead = "Många anmälningar" if place <= len(counts) / 2 else "Anmälningar"
    return fraction, f"{lead}: {number(count)} ({_position(place, count, counts)} av {len(counts)})."


def _position(place: int, count: int, counts: Sequence[int]) -> str:
    if place == 1:
        return "flest"
    if count == min(counts):
        return "minst"
    return f"{_ORDINALS[place]} flest" if place < len(_ORDINALS) else f"plats {place}"


def _peers(ratio: float | None, verdict: str | None) -> _Part:
    if ratio is None:
        return None, "Ingen jämförelse med andra kommuner."
    if math.isinf(ratio):
        text = "Anmälningar här men inga i jämförbara kommuner"
    else:
        text = _percent_text(ratio, "Samma nivå som", "{} % högre än", "{} % lägre än") + " jämförbara kommuner"
    if verdict is None:
        return _log_fraction(ratio, FULL_PEER_RATIO), f"{text}."
    certain = verdict != INGEN_SAKER_SKILLNAD
    factor = 1.0 if certain else UNCERTAIN_FACTOR
    return _log_fraction(
        ratio, FULL_PEER_RATIO
    ) * factor, f"{text} ({'tydlig' if certain else 'ingen tydlig'} skillnad)."


def _trend(ratio: float | None, verdict: str | None) -> _Part:
    if ratio is None:
        return None, "Ingen trend beräknad (minst fem år med data behövs)."
    text = _percent_text(ratio, "Oförändrad nivå", "Ökar med {} % per år", "Minskar med {} % per år")
    if verdict is None:
        return _log_fraction(ratio, FULL_TREND_RATIO), f"{text}."
    certain = verdict != INGEN_SAKER_FORANDRING
    factor = 1.0 if certain else UNCERTAIN_FACTOR
    return _log_fraction(ratio, FULL_TREND_RATIO) * factor, f"{text} ({'tydlig' if certain else 'ingen tydlig'} trend)."


def _log_fraction(ratio: float, full_at: float) -> float:
    # Ratios multiply, so their logarithm is what is compared; at or below 1 the component gives nothing.
    return min(max(math.log(ratio) / math.log(full_at), 0.0), 1.0) if ratio > 0 else 0.0


def _percent_text(ratio: float, same: str, higher: str, lower: str) -> str:
    percent = round((ratio - 1) * 100)
    if percent == 0:
        return same
    return (higher if percent > 0 else lower).format(abs(percent))


def _survey(share: float | None, reason: str | None = None) -> _Part:
    if share is None:
        return None, "Ingen uppgift från trygghetsundersökning eller dialog."
    if not 0 <= share <= 1:
        raise ValueError(f"survey share must be between 0 and 1: {share!r}")
    return share, reason or f"Oro i trygghetsundersökningen: {round(share * 100)} %."
