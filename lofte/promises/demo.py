"""The demo's agreements and medborgarlöften, as the two seed documents state them.

Mjölby: the samverkansöverenskommelse 2023–2026 and the medborgarlöfte 2024–2025 that the arbetsutskott proposed
to the kommunstyrelse on 2024-04-15 (§ 59, KS/2024:126), with its three focus areas, eight promises and their
responsible parties, and the distribution list. The seed does not say when the kommunstyrelse decided, so the
decision record names the kommunstyrelse as the body that decides and leaves its date and § empty; the public page
says "Föreslaget av kommunstyrelsens arbetsutskott 2024-04-15 § 59 till kommunstyrelsen", not "Beslutat av". Mullsjö: the medborgarlöfte 2024 from the kommun's web page, three focus areas, seven crime
categories and the promises under each heading.

Nothing is invented: where the documents say nothing (the status of a promise, what was done, a summary of the
follow-up) the demo leaves it empty or says that it is missing. Goals are bound to real metrics where Löfte has
one; the fraud goal waits for Brå's fraud statistics, and says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.partnerships.models import Organisation, Partnership
from lofte.promises.followup.actions import (
    do_close_round,
    do_evaluate_round,
    do_plan_rounds,
    do_publish_round,
    do_set_summary,
)
from lofte.promises.models import (
    Agreement,
    Decision,
    FocusArea,
    FollowUpRound,
    Goal,
    Medborgarlofte,
    Promise,
    Signatory,
)
from lofte.statistics.models import Metric

ACTOR = SystemActor("lofte demo")
SAMORDNARE = "samordnare@mjolby.example"
FOLLOW_UP_ROUND = "2025 H2"
FOLLOW_UP_SUMMARY = (
    "Målen är bedömda utifrån Brås statistik över anmälda brott i Mjölby kommun 2025, jämförd med 2023. Hur "
    "löftena har genomförts är inte rapporterat här: underlaget till demon säger inget om det."
)
BOTH = ("lpo", "kommun")

MJOLBY_AGREEMENT: dict[str, Any] = {
    "title": "Samverkansöverenskommelse för trygghetsskapande och brottsförebyggande arbete i Mjölby kommun 2023–2026",
    "starts_on": date(2023, 1, 1),
    "ends_on": date(2026, 12, 31),
    "overall_goal": "Att öka tryggheten och minska brottsligheten i kommunen.",
    "documentation": (
        "Parterna framställer en gemensam lägesbild och arbetar utifrån den gemensamt framtagna handlingsplanen. "
        "Löpande arbete med handlingsplanen och medborgarlöften sker i det lokala brottsförebyggande rådet."
    ),
    "follow_up": (
        "Trygghets- och säkerhetsenheten och polisen träffar Beredning stärkt livskraft och kommunstyrelsen två "
        "gånger per år för uppföljning av EST (Effektiv samordning för trygghet), lägesbild samt åtgärdsplan."
    ),
    "followups_per_year": 2,
    "followup_bodies": ["Beredning stärkt livskraft", "Kommunstyrelsen"],
}

MJOLBY_SUMMARY = (
    "Polis och kommun har gemensamt tagit fram en lägesbild som utmynnat i en åtgärdsplan. Lägesbilden har tagits "
    "fram genom medarbetardialoger, statistik, trygghetsundersökningar och genom den interna kunskap som finns inom "
    "Polismyndighetens och kommunens organisationer. I korthet är lägesbilden att narkotikamissbruk och ungdomar med "
    "normbrytande beteende är problem vi ser i kommunen. Rädslan för att drabbas av bedrägerier är en annan "
    "utmaning som skapar otrygghet hos medborgarna, samt bristande respekt för trafikregler."
)

# Focus area, what it aims at, and its promises with the parties the text names.
MJOLBY_PROMISES: list[tuple[str, str, list[tuple[str, tuple[str, ...]]]]] = [
    (
        "Narkotika och folkhälsa",
        "Vårt mål är att begränsa tillgången till narkotika och minska antalet individer som hamnar i ett missbruk.",
        [
            (
                "Polisen och kommunen kommer att arbeta för att upptäcka ungdomar med normbrytande beteende tidigt "
                "för att se till så att det finns passande åtgärder som bidrar till att barn och ungdomars liv är "
                "fritt från droger och kriminalitet.",
                BOTH,
            ),
            (
                "Polisen och kommunen kommer att informera vårdnadshavare till barn i högstadiet om risk- och "
                "skyddsfaktorer för att ungdomar inte ska hamna i missbruk och kriminalitet.",
                BOTH,
            ),
        ],
    ),
    (
        "Bedrägeri",
        "Målet är att antalet bedrägerier ska vara färre än 2023 och att medvetenheten om hur man skyddar sig mot "
        "dem ska bli högre.",
        [
            (
                "Polisen och kommunen kommer att erbjuda riskgrupper för att bli utsatta för bedrägeriförsök fysiska "
                "träffar för att öka deras kunskap om bedrägerier och hur de kan skydda sig.",
                BOTH,
            ),
            (
                "Polisen och kommunen kommer att varna medborgarna när vi får kännedom om aktuella bedrägerier, till "
                "exempel med riktad information via sociala medier.",
                BOTH,
            ),
            (
                "Kommunen och Bostadsbolaget i Mjölby AB kommer att förmedla information till medborgare om olika "
                "sätt att minska risken för att drabbas av bedrägerier.",
                ("kommun", "bostadsbolag"),
            ),
        ],
    ),
    (
        "Trafikmiljö och trygghet",
        "Vårt mål är att öka medborgarnas trygghet i Mjölby kommun.",
        [
            ("Arbeta med att ha hög närvaro i och omkring resecentrum.", BOTH),
            (
                "Polisen genomför riktade trafikövervakningsinsatser med fokus på A-traktorer, bristfälliga fordon "
                "och trafikfarligt beteende.",
                ("lpo",),
            ),
            ("Kommunen genomför trafiksäkerhetsåtgärder för ökad trygghet.", ("kommun",)),
        ],
    ),
]

MJOLBY_GOALS: list[dict[str, Any]] = [
    {
        "focus": "Bedrägeri",
        "text": "Antalet bedrägerier ska vara färre än 2023",
        "kind": Goal.Kind.KVALITATIV,
        "evidence": (
            "Brås anmälda bedrägerier i Mjölby för 2023 och senare. De finns inte i Löfte ännu: importera dem och "
            "knyt målet till måttet, så beräknas det som de andra."
        ),
    },
    {
        "focus": "Bedrägeri",
        "text": "Medvetenheten om hur man skyddar sig mot bedrägerier ska bli högre",
        "kind": Goal.Kind.KVALITATIV,
        "evidence": "En fråga om kunskap om bedrägerier i trygghetsundersökningen, eller deltagarna på träffarna.",
    },
    {
        "focus": None,
        "text": "Färre anmälda bostadsinbrott än 2023",
        "metric": "anmalda.bostadsinbrott",
        "baseline_period": "2023",
        "due_period": "2025",
    },
    {
        "focus": None,
        "text": "Färre anmälda brott totalt än 2023",
        "metric": "anmalda.totalt",
        "baseline_period": "2023",
        "due_period": "2025",
    },
]

MJOLBY_DECISION: dict[str, Any] = {
    "report_date": date(2024, 4, 9),
    "report_author": "Morgan Lantz",
    "report_author_title": "Säkerhetschef",
    "case_number": "KS/2024:126",
    # The seed is the arbetsutskott's proposal to the kommunstyrelse; when and under which § the kommunstyrelse
    # decided is not in it, so the demo leaves that empty rather than make it up.
    "proposed_by": Decision.Body.ARBETSUTSKOTT,
    "proposed_by_name": "Kommunstyrelsens arbetsutskott",
    "proposed_on": date(2024, 4, 15),
    "proposed_paragraph": "§ 59",
    "body": Decision.Body.KOMMUNSTYRELSE,
    "decision_text": (
        "Arbetsutskottets förslag till kommunstyrelsen: Kommunstyrelsen antar kommunstyrelsens förvaltnings förslag "
        "till Medborgarlöften 2024–2025."
    ),
    "basis": [
        "Tjänsteskrivelse 2024-04-08, medborgarlöfte, samverkan med polisen 2024–2025",
        "Samverkansöverenskommelse för trygghetsskapande och brottsförebyggande arbete i Mjölby kommun 2023–2026",
    ],
    "distribution": [
        "Kommunstyrelsen",
        "Polismyndigheten, Lokalpolisområde Motala",
        "Ordf. strategiska nätverket för trygghet och säkerhet",
        "Säkerhetssamordnare",
        "Akten",
    ],
}

MULLSJO_CATEGORIES = [
    "Skadegörelsebrott",
    "Narkotikabrott",
    "Tillgreppsbrott",
    "Våldsbrott i nära relation",
    "Bedrägeribrott",
    "Stöld genom inbrott",
    "Trafikbrott",
]

MULLSJO_SUMMARY = (
    "Lägesbilden bygger på statistik över anmälda brott i Mullsjö kommun 2021–2023, en rapport från polisens "
    "underrättelsetjänst, medborgar- och medarbetardialoger, Polisens trygghetsundersökning 2023 och kommunens "
    "Handlingsprogram för trygghet och säkerhet 2023–2026."
)

# Heading (a parent promise), its focus area (None: the joint work the page lists first), and its promises.
MULLSJO_PROMISES: list[tuple[str, str | None, list[tuple[str, tuple[str, ...]]]]] = [
    (
        "Arbeta brottsförebyggande tillsammans",
        None,
        [
            (
                "Polisen och Mullsjö kommun ska samverka på strategisk nivå och dela lägesbild i samband med "
                "kommunens ledningsgrupp och brottsförebyggande rådet.",
                BOTH,
            ),
            (
                "Polisen och Mullsjö kommun ska samverka och dela lägesbild veckovis genom brottsförebyggande "
                "samordnare och kommunpolis.",
                BOTH,
            ),
            ("Mullsjö kommun ska kunna starta insatser vid behov i samverkan med Polis.", BOTH),
            (
                "Mullsjö kommun ska jobba strategiskt och operativt med ”Mullsjö kommuns ANDTS-arbete – "
                "Strategiplan” tillsammans med regionens folkhälsoplanerare.",
                ("kommun",),
            ),
        ],
    ),
    (
        "Arbeta med normbrytande barn och ungdomar",
        "Normbrytande barn och ungdomar",
        [
            (
                "Polisen och Mullsjö kommun ska arbeta för insatser vid tidiga tecken på normbrytande beteende och "
                "kriminalitet.",
                BOTH,
            ),
            (
                "Polis och Mullsjö kommun ska träffas kontinuerligt på taktisk nivå, till exempel samverkansgrupp "
                "10–18 år, för att skapa bästa förutsättningar för att kunna arbeta brottsförebyggande.",
                BOTH,
            ),
            (
                "Polis och Mullsjö kommun ska även om det är möjligt samverka på en operativ nivå via till exempel "
                "ungdomsteam eller annan likvärdig insats.",
                BOTH,
            ),
            (
                "Områdespolisen ska fortsätta sin täta samverkan med skola, socialtjänst och fritid i syfte att "
                "uppmärksamma, förebygga och hantera problem relaterade till drogmissbruk, hot och våld samt annan "
                "ungdomsrelaterad brottslighet.",
                ("lpo",),
            ),
            (
                "Polisen ska genomföra hundsök i grundskolan i förebyggande syfte för att skapa förutsättningar för "
                "en drogfri miljö för barn och ungdomar.",
                ("lpo",),
            ),
            (
                "Mullsjö kommun ska kontinuerligt jobba för en meningsfull sysselsättning (skola, arbete och fritid).",
                ("kommun",),
            ),
            ("Mullsjö kommun ska arbeta med barn och ungdomars hälsa, normer och värderingar.", ("kommun",)),
            (
                "Mullsjö kommun ska kontinuerligt jobba förebyggande med kompetensutveckling om risk- och "
                "skyddsfaktorer för kommunens personal.",
                ("kommun",),
            ),
        ],
    ),
    (
        "Arbeta med säkerhet och trygghet i centrum",
        "Säkerhet och trygghet i centrum",
        [
            (
                "Polisen och Mullsjö kommun ska tillsammans utföra orsaksanalyser för att på ett strukturerat sätt "
                "kunna identifiera gärningsmönster och gärningspersoner.",
                BOTH,
            ),
            (
                "Polisen och Mullsjö kommun ska arbeta med situationella och sociala brottsförebyggande åtgärder med "
                "fokus på gärningspersonernas upplevelse av kontroll, till exempel effektiv kameraövervakning.",
                BOTH,
            ),
            (
                "Polisen ska arbeta med riktade kontroller mot personer som hanterar narkotika i centrum, både "
                "uniformerat och civilt i samverkan med hundförare.",
                ("lpo",),
            ),
            ("Mullsjö kommun ska följa gällande rutiner för polisanmälningar och tillbud.", ("kommun",)),
        ],
    ),
    (
        "Arbeta med brottsförebyggande samverkan",
        "Brottsförebyggande samverkan",
        [
            (
                "Polisen och Mullsjö kommun ska verka för en organiserad och effektiv grannsamverkan genom "
                "information, utbildning och digitalisering och därigenom medverka till att öka antalet hushåll och "
                "näringsidkare som går med i projektet ”Grannsamverkan”.",
                BOTH,
            ),
            (
                "Polisen och Mullsjö kommun ska tillsammans arbeta brottsförebyggande genom informations- och "
                "utbildningsinsatser, till exempel om bedrägeribrottslighet.",
                BOTH,
            ),
            ("Polisen ska vara synlig i hela kommunen.", ("lpo",)),
        ],
    ),
]

MULLSJO_FOCUS = {
    "Normbrytande barn och ungdomar": "",
    "Säkerhet och trygghet i centrum": "",
    "Brottsförebyggande samverkan": "",
}


def load_demo_promises() -> list[Medborgarlofte]:
    """Mjölby's and Mullsjö's medborgarlöften; running it again changes nothing."""
    mjolby = _mjolby()
    if mjolby is not None:
        _follow_up(mjolby)
    return [lofte for lofte in (mjolby, _mullsjo()) if lofte is not None]


def _follow_up(lofte: Medborgarlofte) -> None:
    """Mjölby's rounds on the agreement's schedule, and the last one of 2025 computed from the real statistics and
    published. A round is published only with a summary; the demo's says what the round rests on and that the seed
    says nothing about what came of the promises."""
    user = User.objects.filter(email=SAMORDNARE).first()
    if user is None:
        return
    access = get_partnership_for_user(user, lofte.agreement.partnership.slug, need=Can.MANAGE)
    do_plan_rounds(access, lofte, actor=ACTOR)
    last = FollowUpRound.objects.get(lofte=lofte, label=FOLLOW_UP_ROUND)
    if last.status != FollowUpRound.Status.OPEN or not last.period_ended:
        return  # a round is closed only once its period has ended
    do_evaluate_round(access, last, actor=ACTOR)
    do_set_summary(access, last, summary=FOLLOW_UP_SUMMARY, actor=ACTOR)
    do_close_round(access, last, actor=ACTOR)
    do_publish_round(access, last, actor=ACTOR)


def _parties(partnership: Partnership) -> dict[str, Organisation]:
    by_kind: dict[str, str] = {
        Organisation.Kind.LPO: "lpo",
        Organisation.Kind.KOMMUN: "kommun",
        Organisation.Kind.BOSTADSBOLAG: "bostadsbolag",
    }
    return {by_kind[o.kind]: o for o in partnership.organisations.all() if o.kind in by_kind}


@transaction.atomic
def _mjolby() -> Medborgarlofte | None:
    partnership = Partnership.objects.filter(slug="mjolby").first()
    if partnership is None:
        return None
    existing = Medborgarlofte.objects.filter(agreement__partnership=partnership, year_from=2024).first()
    if existing is not None:
        return existing
    parties = _parties(partnership)
    agreement = Agreement.objects.create(partnership=partnership, **MJOLBY_AGREEMENT)
    Signatory.objects.create(
        agreement=agreement,
        name="Cecilia V Burenby",
        role="Kommunstyrelsens ordförande",
        organisation=parties.get("kommun"),
        signed_on=date(2023, 5, 30),
    )
    lofte = Medborgarlofte.objects.create(
        agreement=agreement,
        title="Medborgarlöfte 2024–2025",
        year_from=2024,
        year_to=2025,
        summary=MJOLBY_SUMMARY,
        status=Medborgarlofte.Status.PUBLICERAD,
        published_at=None,
    )
    areas = _promises(lofte, [(name, aim, [(None, items)]) for name, aim, items in MJOLBY_PROMISES], parties)
    kommun = Area.objects.get(code="0586")
    metrics = {m.code: m for m in Metric.objects.filter(code__in=[g["metric"] for g in MJOLBY_GOALS if "metric" in g])}
    for position, spec in enumerate(MJOLBY_GOALS):
        spec = dict(spec)
        focus = spec.pop("focus")
        metric = metrics.get(spec.pop("metric", ""))
        if "baseline_period" in spec and metric is None:
            continue  # the statistics are not loaded: no goal without its metric
        goal = Goal(lofte=lofte, focus_area=areas.get(focus) if focus else None, position=position, **spec)
        if metric is not None:
            goal.metric, goal.area = metric, kommun
        goal.full_clean()
        goal.save()
    Decision.objects.create(lofte=lofte, **MJOLBY_DECISION)
    record("promises.demo", actor=ACTOR, obj=lofte, partnership=partnership, changes={"title": lofte.title})
    return lofte


@transaction.atomic
def _mullsjo() -> Medborgarlofte | None:
    partnership = Partnership.objects.filter(slug="mullsjo").first()
    if partnership is None:
        return None
    existing = Medborgarlofte.objects.filter(agreement__partnership=partnership, year_from=2024).first()
    if existing is not None:
        return existing
    agreement = Agreement.objects.create(
        partnership=partnership,
        title="Medborgarlöfte mellan Polisen och Mullsjö kommun 2024",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        overall_goal="Att tillsammans arbeta aktivt för att förebygga brottslighet och öka tryggheten i Mullsjö kommun.",
        followups_per_year=2,
    )
    lofte = Medborgarlofte.objects.create(
        agreement=agreement,
        title="Medborgarlöfte 2024",
        year_from=2024,
        year_to=2024,
        summary=MULLSJO_SUMMARY,
        crime_categories=MULLSJO_CATEGORIES,
        status=Medborgarlofte.Status.PUBLICERAD,
    )
    focus: list[tuple[str, str, list[Any]]] = [(name, aim, []) for name, aim in MULLSJO_FOCUS.items()]
    areas = _promises(lofte, focus, _parties(partnership))
    parties = _parties(partnership)
    for position, (heading, area, items) in enumerate(MULLSJO_PROMISES):
        parent = Promise.objects.create(
            lofte=lofte, focus_area=areas.get(area) if area else None, position=position, text=heading
        )
        parent.responsible.set({parties[p] for _text, who in items for p in who if p in parties})
        for child_position, (text, who) in enumerate(items):
            child = Promise.objects.create(
                lofte=lofte, focus_area=parent.focus_area, parent=parent, position=child_position, text=text
            )
            child.responsible.set([parties[p] for p in who if p in parties])
    record("promises.demo", actor=ACTOR, obj=lofte, partnership=partnership, changes={"title": lofte.title})
    return lofte


def _promises(
    lofte: Medborgarlofte,
    focus_areas: list[tuple[str, str, list[Any]]],
    parties: dict[str, Organisation],
) -> dict[str, FocusArea]:
    """The focus areas and, for Mjölby's layout, their promises; returns the focus areas by name."""
    areas = {}
    position = 0
    for area_position, (name, aim, groups) in enumerate(focus_areas):
        area = FocusArea.objects.create(lofte=lofte, position=area_position, name=name, description=aim)
        areas[name] = area
        for _heading, items in groups:
            for text, who in items:
                promise = Promise.objects.create(lofte=lofte, focus_area=area, position=position, text=text)
                promise.responsible.set([parties[p] for p in who if p in parties])
                position += 1
    return areas
