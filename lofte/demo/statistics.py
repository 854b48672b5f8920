"""Real public data for the demo: Brå's reported crimes, Kolada's population and Polisen's events.

The files are the importers' own fixtures (see docs/data-sources.md). Importing them again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from lofte.lib.actors import SystemActor
from lofte.statistics.actions import ImportSummary, do_import

SOURCES = Path(__file__).resolve().parent.parent / "statistics" / "sources"
FILES = [
    SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv",
    SOURCES / "bra_csv" / "fixtures" / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv",
    SOURCES / "kolada" / "fixtures" / "kolada_N01951_N07540_alla_kommuner_2025.json",
    SOURCES / "polisen" / "fixtures" / "polisen_events_mjolby_motala_mullsjo.json",
]


def load_demo_statistics() -> list[ImportSummary]:
    return [do_import(path.read_bytes(), path.name, actor=SystemActor("lofte demo")) for path in FILES]
