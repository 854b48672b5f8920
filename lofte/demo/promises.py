"""The demo's agreements and medborgarlöften, as the two seed documents state them (`data/loften.json`).

Mjölby: the samverkansöverenskommelse 2023–2026 and the medborgarlöfte 2024–2025 that the arbetsutskott proposed
to the kommunstyrelse on 2024-04-15 (§ 59, KS/2024:126), with its three focus areas, eight promises and their
responsible parties, and the distribution list. The seed does not say when the kommunstyrelse decided, so the
decision record names the kommunstyrelse as the body that decides and leaves its date and § empty; the public page
says "Föreslaget av kommunstyrelsens arbetsutskott 2024-04-15 § 59 till kommunstyrelsen", not "Beslutat av". Mullsjö: the medborgarlöfte 2024 from the kommun's web page, three focus areas, seven crime
categories and the promises under each heading.

Nothing is invented: where the documents say nothing (the status of a promise, what was done, a summary of the
follow-up) the demo leaves it empty or says that it is missing. Goals are bound to real metrics where Löfte has
one; the fraud goal waits for Brå's fraud statistics, and says so.

Each löfte is written through the promises' actions, with the access of the partnership's samordnare and the demo
as the actor: the agreement and its signatory, the löfte, its focus areas, promises, goals and decision record.
Then it is published as the seeds have it. That last step is set directly, with an audit row of its own
("promises.demo"): the workflow (`do_propose`, `do_decide`, `do_publish`) records a decision only with its meeting
date and paragraph, which the seeds do not give. Mjölby's follow-up goes through the follow-up's actions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from lofte.accounts.models import User
from lofte.audit.log import record
from lofte.demo.data import load
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Organisation, Partnership
from lofte.promises.agreement.actions import do_add_signatory, do_create_agreement
from lofte.promises.followup.actions import (
    do_close_round,
    do_evaluate_round,
    do_plan_rounds,
    do_publish_round,
    do_set_summary,
)
from lofte.promises.lofte.actions import (
    do_add_focus_area,
    do_add_goal,
    do_add_promise,
    do_create_lofte,
    do_save_decision,
)
from lofte.promises.models import FocusArea, FollowUpRound, Medborgarlofte
from lofte.statistics.models import Metric

ACTOR = SystemActor("lofte demo")
DATA = load("loften")
FOLLOW_UP = DATA["follow_up"]
DATES = frozenset({"starts_on", "ends_on", "signed_on", "report_date", "proposed_on", "meeting_date"})
PARTIES: dict[str, str] = {
    Organisation.Kind.LPO: "lpo",
    Organisation.Kind.KOMMUN: "kommun",
    Organisation.Kind.BOSTADSBOLAG: "bostadsbolag",
}


def load_demo_promises() -> list[Medborgarlofte]:
    """Mjölby's and Mullsjö's medborgarlöften; running it again changes nothing."""
    loften = [lofte for spec in DATA["loften"] if (lofte := _lofte(spec)) is not None]
    followed = next((lofte for lofte in loften if lofte.agreement.partnership.slug == FOLLOW_UP["partnership"]), None)
    if followed is not None:
        _follow_up(followed)
    return loften


def _follow_up(lofte: Medborgarlofte) -> None:
    """Mjölby's rounds on the agreement's schedule, and the last one of 2025 computed from the real statistics and
    published. A round is published only with a summary; the demo's says what the round rests on and that the seed
    says nothing about what came of the promises."""
    user = User.objects.filter(email=FOLLOW_UP["member"]).first()
    if user is None:
        return
    access = get_partnership_for_user(user, lofte.agreement.partnership.slug, need=Can.MANAGE)
    do_plan_rounds(access, lofte, actor=ACTOR)
    last = FollowUpRound.objects.get(lofte=lofte, label=FOLLOW_UP["round"])
    if last.status != FollowUpRound.Status.OPEN or not last.period_ended:
        return  # a round is closed only once its period has ended
    do_evaluate_round(access, last, actor=ACTOR)
    do_set_summary(access, last, summary=FOLLOW_UP["summary"], actor=ACTOR)
    do_close_round(access, last, actor=ACTOR)
    do_publish_round(access, last, actor=ACTOR)


def _values(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's values with its dates read."""
    return {name: date.fromisoformat(value) if name in DATES and value else value for name, value in spec.items()}


def _parties(partnership: Partnership) -> dict[str, Organisation]:
    return {PARTIES[o.kind]: o for o in partnership.organisations.all() if o.kind in PARTIES}


@transaction.atomic
def _lofte(spec: dict[str, Any]) -> Medborgarlofte | None:
    """The partnership's agreement and löfte as the seed states them, unless it has the löfte already."""
    partnership = Partnership.objects.filter(slug=spec["partnership"]).first()
    member = User.objects.filter(email=spec["member"]).first()
    if partnership is None or member is None:
        return None
    existing = Medborgarlofte.objects.filter(agreement__partnership=partnership, year_from=spec["lofte"]["year_from"])
    if (lofte := existing.first()) is not None:
        return lofte
    access = get_partnership_for_user(member, partnership.slug, need=Can.MANAGE)
    parties = _parties(partnership)
    agreement = do_create_agreement(access, actor=ACTOR, **_values(spec["agreement"]))
    for signatory in spec["signatories"]:
        values = _values(signatory) | {"organisation": parties.get(signatory["organisation"])}
        do_add_signatory(access, agreement, actor=ACTOR, **values)
    lofte = do_create_lofte(access, agreement, actor=ACTOR, **spec["lofte"])
    areas = {area["name"]: do_add_focus_area(access, lofte, actor=ACTOR, **area) for area in spec["focus_areas"]}
    for promise in spec["promises"]:
        _promise(access, lofte, promise, areas, parties)
    _goals(access, lofte, spec, areas)
    if "decision" in spec:
        do_save_decision(access, lofte, actor=ACTOR, **_values(spec["decision"]))
    lofte.status = Medborgarlofte.Status.PUBLICERAD  # as the seed has it; see the module's docstring
    lofte.save(update_fields=["status", "updated_at"])
    record("promises.demo", actor=ACTOR, obj=lofte, partnership=partnership, changes={"title": lofte.title})
    return lofte


def _promise(
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    spec: dict[str, Any],
    areas: dict[str, FocusArea],
    parties: dict[str, Organisation],
) -> None:
    """A promise with the parties responsible; a heading with parts is the responsibility of all its parts'."""
    parts = spec.get("parts", [])
    who = spec.get("responsible") or sorted({party for part in parts for party in part["responsible"]})
    focus_area = areas.get(spec["focus_area"]) if spec["focus_area"] else None
    parent = do_add_promise(
        access,
        lofte,
        text=spec["text"],
        focus_area=focus_area,
        responsible=[parties[party] for party in who if party in parties],
        actor=ACTOR,
    )
    for part in parts:
        responsible = [parties[party] for party in part["responsible"] if party in parties]
        do_add_promise(access, lofte, text=part["text"], parent=parent, responsible=responsible, actor=ACTOR)


def _goals(access: PartnershipAccess, lofte: Medborgarlofte, spec: dict[str, Any], areas: dict[str, FocusArea]) -> None:
    """The goals; one bound to a metric only when the statistics are loaded (no goal without its metric)."""
    codes = [goal["metric_code"] for goal in spec["goals"] if "metric_code" in goal]
    loaded = set(Metric.objects.filter(code__in=codes).values_list("code", flat=True))
    for goal in spec["goals"]:
        values = {name: value for name, value in goal.items() if name != "focus_area"}
        if "metric_code" in values:
            if values["metric_code"] not in loaded:
                continue
            values["area_code"] = spec["kommun"]
        focus_area = areas.get(goal["focus_area"]) if goal["focus_area"] else None
        do_add_goal(access, lofte, focus_area=focus_area, actor=ACTOR, **values)
