"""Functions that make the objects many tests need, with the real actions wherever the tests allow: a
dialogue, an adopted lägesbild, a published warning, the shipped fixtures they read. The personas and their
partnerships are in `tests.base`; the shared TestCase classes in `tests.cases`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.citizens.models import Warning
from lofte.partnerships.access import PartnershipAccess
from lofte.situation.dialogues.actions import do_create_dialogue
from lofte.situation.lagesbild.actions import (
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_series,
)
from lofte.situation.models import Dialogue, Lagesbild, Source

# Brå's yearly and quarterly figures for Motala, Mjölby and Mullsjö, and Polisen's events there (shipped fixtures).
YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)
QUARTERLY = YEARLY.with_name("bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv")
EVENTS = YEARLY.parents[2] / "polisen/fixtures/polisen_events_mjolby_motala_mullsjo.json"
# The day the tests adopt on: the 12 months before it are 2025-03-12 to 2026-03-11.
ADOPTION_DAY = "2026-03-12 10:00 +01:00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def late_event() -> bytes:
    """A traffic accident in Mjölby in the period, archived after the adoption (made for the tests)."""
    return json.dumps(
        [
            {
                "id": 99990001,
                "datetime": "2026-01-08 9:00:00 +01:00",
                "name": "08 januari 09.00, Trafikolycka, Mjölby",
                "summary": "Två bilar i kollision.",
                "url": "/aktuellt/handelser/2026/januari/8/08-januari-09.00-trafikolycka-mjolby/",
                "type": "Trafikolycka",
                "location": {"name": "Mjölby", "gps": "58.322691,15.133535"},
            }
        ],
        ensure_ascii=False,
    ).encode()


def make_dialogue(access: PartnershipAccess, actor: User, **fields: object) -> Dialogue:
    values: dict[str, object] = {
        "kind": "medborgardialog",
        "date": date(2026, 3, 2),
        "place": "Biblioteket",
        "women": 3,
        "men": 2,
        "themes": ["inbrott", "belysning"],
        **fields,
    }
    return do_create_dialogue(access, actor=actor, **values)


def actions_lagesbild(case: Any, access: PartnershipAccess) -> Lagesbild:
    """An adopted lägesbild for the partnership, made with the situation actions as LagesbildCase does."""
    actor = case.samordnare
    lagesbild = do_create_lagesbild(access, title="Lägesbild Mjölby", year_from=2021, year_to=2023, actor=actor)
    do_add_source(access, lagesbild, kind=Source.Kind.STATISTIK, title="Anmälda brott", actor=actor)
    problem = do_add_problem(
        access,
        lagesbild,
        title="Bedrägerier mot äldre",
        consequences="Otrygghet och ekonomisk skada.",
        cause_victim="Äldre utan kunskap om hur bedrägerier går till.",
        actor=actor,
    )
    do_link_series(access, problem, "anmalda.totalt", "0586", actor=actor)
    return do_adopt_lagesbild(
        access, lagesbild, decision="Kommunstyrelsen 2024-03-12 § 40", decided_on=date(2024, 3, 12), actor=actor
    )


def make_warning(partnership: Any, *areas: Area, **fields: Any) -> Warning:
    values = {
        "title": "Falska bankmän ringer äldre",
        "text": "Bedragare som säger att de ringer från banken ber om BankID. Lägg på.",
        "category": Warning.Category.BEDRAGERI,
        "valid_until": timezone.localdate() + timedelta(days=14),
        "status": Warning.Status.PUBLICERAD,
        "published_at": timezone.now(),
        **fields,
    }
    warning = Warning.objects.create(partnership=partnership, **values)
    warning.areas.set(areas)
    return warning
