"""The metrics Löfte knows by a stable code (docs/metrics.md). Sources may add more as they import."""

from __future__ import annotations

from lofte.statistics.sources.base import MetricSpec

BRA_TOTAL = "anmalda.totalt"

CATALOGUE = [
    MetricSpec(BRA_TOTAL, "Anmälda brott, totalt", "antal", "bra", "Totalt antal anmälda brott (Brå)."),
    MetricSpec("anmalda.person", "Anmälda brott mot person", "antal", "bra", "Brottsbalken 3–7 kap.", parent=BRA_TOTAL),
    MetricSpec("anmalda.stold", "Anmälda stölder, rån m.m.", "antal", "bra", "Brottsbalken 8 kap.", parent=BRA_TOTAL),
    MetricSpec(
        "anmalda.bostadsinbrott",
        "Anmälda bostadsinbrott",
        "antal",
        "bra",
        "Stöld genom inbrott i bostad; en del av 8 kap.",
        parent="anmalda.stold",
    ),
    MetricSpec(
        "anmalda.skadegorelse", "Anmälda skadegörelsebrott", "antal", "bra", "Brottsbalken 12 kap.", parent=BRA_TOTAL
    ),
    MetricSpec(
        "anmalda.narkotika_vapen",
        "Anmälda narkotika- och vapenbrott",
        "antal",
        "bra",
        "Narkotikastrafflagen och vapenlagen sammantagna.",
        parent=BRA_TOTAL,
    ),
    MetricSpec(
        "befolkning.totalt", "Folkmängd", "antal", "scb", "Invånare den 31 december (SCB).", lower_is_better=False
    ),
]

BY_CODE = {spec.code: spec for spec in CATALOGUE}
