"""Reads of medborgarlöften for the public page and the API, in a fixed number of queries, and what citizens are
told of them.

The public sees published löften and published follow-up rounds only; members of the partnership see every löfte
of it and every round. What is internal to the partnership never reaches citizens: the evidence a qualitative goal
needs ("underlag som krävs"), comments, the reasons for an overridden verdict, p-values, and a source recorded only
as "Annan" (which tells a reader nothing). `verdict_in_words` says instead what a verdict means, in plain Swedish:
how sure it is, without a p-value; the public page and the public PDF of a follow-up both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lofte.lib.formatting import number
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.access import partnerships_for
from lofte.promises.models import (
    Activity,
    FocusArea,
    FollowUpRound,
    Goal,
    GoalEvaluation,
    Medborgarlofte,
    Promise,
)
from lofte.promises.progress import Part, rolled_up
from lofte.statistics.models import Metric

Verdict = GoalEvaluation.Verdict
# The publisher key of a source that is not named (lofte.statistics.sources.base.PUBLISHERS).
UNNAMED_PUBLISHER = "other"
# Below these p-values a change is called very unlikely, or unlikely, to be chance (evaluation.py: certain at 0.05).
VERY_UNLIKELY, UNLIKELY = 0.01, 0.05


@dataclass(frozen=True)
class LofteView:
    lofte: Medborgarlofte
    progress: dict[int, int]  # promise id → rolled-up progress
    evaluations: dict[int, GoalEvaluation]  # goal id → its evaluation in the latest visible round
    latest_round: FollowUpRound | None
    rounds: list[FollowUpRound]
    member: bool = False  # the reader belongs to the löfte's partnership and may see what is internal


def visible_loften(user: Any, *, area: str | None = None) -> QuerySet[Medborgarlofte]:
    """The löften the user may read: published ones, and every one of the user's own partnerships."""
    loften = Medborgarlofte.objects.all()
    if area:
        loften = loften.filter(agreement__partnership__area__code=area)
    own = partnerships_for(user)
    return loften.filter(Q(status=Medborgarlofte.Status.PUBLICERAD) | Q(agreement__partnership__in=own))


def with_contents(loften: QuerySet[Medborgarlofte], user: Any) -> list[LofteView]:
    """Each löfte with its focus areas, promises, goals, decision and rounds, in a fixed number of queries."""
    members = set(partnerships_for(user).values_list("pk", flat=True))
    promises = Promise.objects.select_related("focus_area").prefetch_related("responsible").order_by("position", "id")
    activities = Activity.objects.select_related("organisation").order_by("-date", "-id")
    goals = Goal.objects.select_related("metric", "area", "focus_area").defer("area__geometry")
    rows = list(
        loften.select_related("agreement__partnership__area", "decision")
        .defer("agreement__partnership__area__geometry")
        .prefetch_related(
            Prefetch("focus_areas", queryset=FocusArea.objects.order_by("position", "id")),
            Prefetch("promises", queryset=promises.prefetch_related(Prefetch("activities", queryset=activities))),
            Prefetch("goals", queryset=goals.order_by("position", "id")),
            Prefetch("rounds", queryset=FollowUpRound.objects.order_by("-period_end", "-id")),
        )
        .order_by("-year_from", "-id")
    )
    visible = {lofte.pk: [r for r in lofte.rounds.all() if _round_visible(r, lofte, members)] for lofte in rows}
    round_ids = [r.pk for rounds in visible.values() for r in rounds]
    by_round: dict[int, dict[int, GoalEvaluation]] = {}
    for evaluation in GoalEvaluation.objects.filter(round_id__in=round_ids).order_by():
        by_round.setdefault(evaluation.round_id, {})[evaluation.goal_id] = evaluation
    views = []
    for lofte in rows:
        rounds = visible[lofte.pk]
        latest = next((r for r in rounds if r.pk in by_round), None)
        parts = [Part(p.pk, p.parent_id, p.own_progress, p.weight) for p in lofte.promises.all()]
        evaluations = by_round.get(latest.pk, {}) if latest else {}
        member = lofte.agreement.partnership_id in members
        views.append(LofteView(lofte, rolled_up(parts), evaluations, latest, rounds, member))
    return views


def _round_visible(round_: FollowUpRound, lofte: Medborgarlofte, members: set[int]) -> bool:
    return round_.status == FollowUpRound.Status.PUBLISHED or lofte.agreement.partnership_id in members


def responsible_names(promise: Promise) -> list[str]:
    return sorted(organisation.name for organisation in promise.responsible.all())


def is_ended(lofte: Medborgarlofte, today: date) -> bool:
    """Whether the löfte's last year is over (today in Europe/Stockholm, from the caller)."""
    return lofte.year_to < today.year


def public_attribution(metric: Metric | None) -> str:
    """ "Källa: Brå" for a goal's metric; nothing for a source recorded only as "Annan"."""
    if metric is None or metric.publisher == UNNAMED_PUBLISHER:
        return ""
    return metric.attribution


def verdict_in_words(goal: Goal, evaluation: GoalEvaluation) -> str:
    """What the verdict means, for citizens: one or two short sentences that match the numbers, the interval of the
    change in words, and whether the figures are preliminary."""
    text = _overridden(evaluation.override) if evaluation.override else _computed(goal, evaluation)
    words = interval_words(evaluation.ci_low, evaluation.ci_high)
    if words and not evaluation.override:
        if goal.target == Goal.Target.LEVEL:
            text += " " + _("90 %%-intervall mot nivån: %(interval)s.") % {"interval": words}
        else:
            text += " " + _("90 %%-intervall för förändringen: %(interval)s.") % {"interval": words}
    if evaluation.preliminary and evaluation.value is not None:
        text += " " + _("Siffrorna är preliminära och kan ändras.")
    return text


def _overridden(verdict: str) -> str:
    return {
        Verdict.UPPNATT: _("Målet är nått enligt samverkans bedömning."),
        Verdict.PA_VAG: _("Målet är på väg att nås enligt samverkans bedömning."),
        Verdict.INTE_UPPNATT: _("Målet är inte nått enligt samverkans bedömning."),
        Verdict.INGEN_SAKER: _("Samverkan bedömer att det inte går att se någon tydlig förändring."),
        Verdict.FOR_TIDIGT: _("Samverkan bedömer att det är för tidigt att säga om målet nås."),
    }[Verdict(verdict)]


def _computed(goal: Goal, evaluation: GoalEvaluation) -> str:
    verdict, tested = evaluation.computed, evaluation.p_value is not None
    if goal.kind == Goal.Kind.KVALITATIV:
        return _("För tidigt att säga: samverkan har inte bedömt målet ännu.")
    if verdict == Verdict.FOR_TIDIGT:
        return _too_early(goal, evaluation)
    if verdict == Verdict.BASVARDE_SAKNAS:
        return _(
            "Ingen bedömning: siffrorna för jämförelseåret %(base)s saknas, så det finns inget att jämföra med."
        ) % {"base": evaluation.baseline_period or goal.baseline_period}
    if verdict == Verdict.VARDE_SAKNAS:
        return _("Ingen bedömning ännu: siffrorna för perioden finns inte ännu. Målet bedöms när de finns.")
    lower = goal.direction == Goal.Direction.LOWER
    change = _("minskningen") if lower else _("ökningen")
    names = {"change": change, "target": _target(goal), "due": goal.due_period or goal.lofte.year_to}
    if verdict in (Verdict.UPPNATT, Verdict.PA_VAG):
        if goal.target == Goal.Target.LEVEL:
            if verdict == Verdict.PA_VAG:
                return (
                    _(
                        "På väg: värdet ligger hittills inom nivån som målet anger, räknad för samma del av året. Målet "
                        "bedöms när %(due)s är slut."
                    )
                    % names
                )
            return _("Målet är nått: värdet ligger inom nivån som målet anger.")
        if not tested and verdict == Verdict.PA_VAG:
            return (
                _(
                    "På väg enligt siffrorna. Andelar och index prövas inte mot slumpen. Målet bedöms när %(due)s är slut."
                )
                % names
            )
        if not tested:
            return _(
                "Målet är nått enligt siffrorna. Andelar och index prövas inte mot slumpen, så en liten skillnad kan "
                "bero på vilka som svarade."
            )
        if goal.target == Goal.Target.PERCENT:
            first = _("%(change)s är statistiskt säkerställd och tydligt större än målets %(target)s.") % names
        else:
            first = _("%(change)s är statistiskt säkerställd, större än vad slumpen brukar ge.") % names
        if verdict == Verdict.PA_VAG:
            lead = _("På väg: %(text)s Målet bedöms när %(due)s är slut.")
            return lead % {"text": first, "due": names["due"]}
        return _("Målet är nått: %(text)s") % {"text": first} + " " + _certainty(evaluation.p_value)
    if verdict == Verdict.INTE_UPPNATT:
        return _not_reached(goal, evaluation, names)
    if goal.target == Goal.Target.PERCENT:
        return (
            _(
                "Ingen tydlig förändring utöver målet: %(change)s är större än målets %(target)s, men inte så mycket "
                "större att det inte kan bero på slumpen."
            )
            % names
        )
    return _("Ingen tydlig förändring: skillnaden mot %(base)s är så liten att den kan bero på slumpen.") % {
        "base": evaluation.baseline_period or goal.baseline_period
    }


def _target(goal: Goal) -> str:
    return f"{number(goal.target_value)}\u00a0%" if goal.target_value is not None else ""


def _not_reached(goal: Goal, evaluation: GoalEvaluation, names: dict[str, Any]) -> str:
    """Why a goal was not reached, as its numbers say: the level, a change too small, or a change the wrong way."""
    if goal.target == Goal.Target.LEVEL:
        return _("Målet är inte nått: värdet ligger utanför nivån som målet anger.")
    change, lower = evaluation.change_pct, goal.direction == Goal.Direction.LOWER
    if change is None or change == 0:
        return _("Målet är inte nått: värdet är oförändrat mot jämförelseåret.")
    if (change < 0) == lower:
        return _("Målet är inte nått: %(change)s är mindre än målets %(target)s.") % names
    if lower:
        return _("Målet är inte nått: värdet har ökat, inte minskat.")
    return _("Målet är inte nått: värdet har minskat, inte ökat.")


def _too_early(goal: Goal, evaluation: GoalEvaluation) -> str:
    if evaluation.value is None:
        return _("För tidigt att säga: siffrorna för perioden finns inte ännu.")
    if evaluation.baseline_value is None and goal.target != Goal.Target.LEVEL:
        return _("För tidigt att säga: siffrorna för jämförelseåret %(base)s saknas.") % {
            "base": evaluation.baseline_period or goal.baseline_period
        }
    if goal.due_period:
        return _("För tidigt att säga: målet är inte nått ännu, men det gäller till och med %(due)s.") % {
            "due": goal.due_period
        }
    return _("För tidigt att säga: målet är inte nått ännu.")


def _certainty(p_value: float | None) -> str:
    if p_value is not None and p_value < VERY_UNLIKELY:
        return _("Det är mycket osannolikt att en så stor skillnad bara är slump.")
    return _("Det är osannolikt att en så stor skillnad bara är slump.")
