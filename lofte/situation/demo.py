"""The demo's draft lägesbild for Mjölby, written from the seed: KS/2024:126 and the real Brå and Polisen data.

The problems are the three the kommun's decision names (narkotika and normbrytande unga, bedrägerier, trafik),
written as SARA problems. Facts come from the decision; where it says nothing (the causes, most of all) the text
says what the partnership still has to find out, rather than inventing it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lofte.accounts.models import User
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.situation.lagesbild.actions import do_add_problem, do_add_source, do_create_lagesbild, do_link_series
from lofte.situation.models import Lagesbild, Source

PARTNERSHIP = "mjolby"
AUTHOR = "samordnare@mjolby.example"
KOMMUN = "0586"
DECISION = "Mjölby kommun, arbetsutskottet 2024-04-15 § 59, KS/2024:126"

SUMMARY = (
    "Polis och kommun har gemensamt tagit fram lägesbilden genom medarbetardialoger, statistik, "
    "trygghetsundersökningar och den kunskap som finns inom Polismyndighetens och kommunens organisationer. "
    "I korthet: narkotikamissbruk och ungdomar med normbrytande beteende är problem i kommunen. Rädslan för att "
    "drabbas av bedrägerier skapar otrygghet hos medborgarna, liksom bristande respekt för trafikregler. "
    f"(Sammanfattningen följer {DECISION}.)"
)

SOURCES: list[dict[str, Any]] = [
    {
        "kind": Source.Kind.STATISTIK,
        "title": "Brå, anmälda brott i Mjölby 2021–2025",
        "description": "Årsvisa och kvartalsvisa anmälda brott per kategori, med antal per 100 000 invånare.",
        "reference": "https://www.bra.se/statistik",
    },
    {
        "kind": Source.Kind.STATISTIK,
        "title": "Polisens händelser i Mjölby",
        "description": "Polisens publicerade händelser, arkiverade av Löfte. Platsen är kommunens mittpunkt.",
        "reference": "https://polisen.se/aktuellt/handelser/",
    },
    {
        "kind": Source.Kind.MEDARBETARDIALOG,
        "title": "Medarbetardialoger i kommunen och polisen",
        "description": "Nämns i beslutet som underlag; anteckningarna ska läggas in som dialoger.",
    },
    {
        "kind": Source.Kind.TRYGGHETSUNDERSOKNING,
        "title": "Trygghetsundersökningar",
        "description": "Nämns i beslutet som underlag; värdena ska importeras som egna mått.",
    },
]

PROBLEMS: list[dict[str, Any]] = [
    {
        "title": "Narkotika och ungdomar med normbrytande beteende",
        "description": (
            "Narkotikamissbruk och ungdomar med normbrytande beteende är problem i kommunen. Målet är att "
            "begränsa tillgången till narkotika och minska antalet som hamnar i missbruk."
        ),
        "affected": "Barn och ungdomar, särskilt i högstadieåldern, och deras vårdnadshavare.",
        "consequences": "Missbruk, kriminalitet och ohälsa bland unga; otrygghet där försäljning sker.",
        "cause_offender": "Att ta reda på: var och hur unga kommer åt narkotika, och vem som säljer.",
        "cause_victim": "Riskfaktorer hos unga som inte upptäcks tidigt; vårdnadshavare som saknar kunskap.",
        "cause_place": "Att ta reda på: platser där unga samlas och där försäljning sker.",
        "priority": 1,
        "priority_rationale": (
            "Beslutet sätter narkotika och folkhälsa först. Anmälda narkotika- och vapenbrott har tredubblats "
            "sedan 2015 (113 till 369) och ligger kvar på den nivån."
        ),
        "event_types": ["Narkotikabrott"],
        "series": ["anmalda.narkotika_vapen"],
    },
    {
        "title": "Bedrägerier och rädslan att drabbas",
        "description": (
            "Rädslan för att drabbas av bedrägerier skapar otrygghet. Målet är färre bedrägerier än 2023 och "
            "att fler vet hur de skyddar sig."
        ),
        "affected": "Riskgrupper för bedrägeriförsök, i första hand äldre.",
        "consequences": "Ekonomisk skada och otrygghet; att inte våga svara i telefon eller använda e-legitimation.",
        "cause_offender": "Bedragare som ringer eller skriver och utger sig för att vara bank, polis eller myndighet.",
        "cause_victim": "Bristande kunskap om hur bedrägerierna går till; ensamhet.",
        "cause_place": "Telefon och internet: brottet har ingen plats i kommunen.",
        "priority": 2,
        "priority_rationale": "Otryggheten är stor även där antalet anmälda brott är litet.",
        "event_types": ["Bedrägeri"],
        "series": [],  # Brå's six categories have no fraud of their own; none of them would show its extent
    },
    {
        "title": "Bristande respekt för trafikregler",
        "description": (
            "Bristande respekt för trafikregler skapar otrygghet, med A-traktorer, bristfälliga fordon och "
            "trafikfarligt beteende."
        ),
        "place": "Resecentrum och vägarna runt det; platser för A-traktorer.",
        "affected": "Trafikanter och de som rör sig vid resecentrum.",
        "consequences": "Trafikolyckor och otrygghet i trafikmiljön.",
        "cause_offender": "Förare av A-traktorer och bristfälliga fordon; trafikfarligt beteende.",
        "cause_place": "Trafikmiljön vid resecentrum; att ta reda på vilka platser som återkommer.",
        "priority": 3,
        "priority_rationale": "Trafikolyckor är den vanligaste av Polisens händelser i Mjölby.",
        "event_types": ["Trafikolycka", "Trafikbrott", "Rattfylleri"],
        "series": [],
    },
]


def load_demo_lagesbild() -> Lagesbild | None:
    """Add the draft once; a lägesbild that already exists is left as the users have made it."""
    author = User.objects.filter(email=AUTHOR).first()
    if author is None:
        return None
    access = get_partnership_for_user(author, PARTNERSHIP, Can.EDIT)
    existing = Lagesbild.objects.filter(partnership=access.partnership).order_by("version").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        lagesbild = do_create_lagesbild(
            access, title="Gemensam lägesbild Mjölby", year_from=2021, year_to=2025, summary=SUMMARY, actor=author
        )
        for source in SOURCES:
            do_add_source(access, lagesbild, actor=author, **source)
        for spec in PROBLEMS:
            fields = {key: value for key, value in spec.items() if key != "series"}
            problem = do_add_problem(access, lagesbild, actor=author, **fields)
            for metric in spec["series"]:
                do_link_series(access, problem, metric, KOMMUN, actor=author)
    return lagesbild
