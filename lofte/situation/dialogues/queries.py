"""Reads for the dialogues' pages: a dialogue within the member's partnership (404 otherwise), the list with its
statement counts, what a dialogue may be about, and the lägesbild problems that cite it."""

from __future__ import annotations

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from lofte.areas.models import Area
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership
from lofte.situation.models import Dialogue, DialogueStatement, Problem


def get_dialogue(access: PartnershipAccess, pk: int) -> Dialogue:
    dialogue = get_object_or_404(
        Dialogue.objects.select_related("area").defer("area__geometry"), partnership=access.partnership, pk=pk
    )
    dialogue.partnership = access.partnership
    return dialogue


def get_statement(dialogue: Dialogue, pk: int) -> DialogueStatement:
    statement = get_object_or_404(DialogueStatement, dialogue=dialogue, pk=pk)
    statement.dialogue = dialogue
    return statement


def areas(partnership: Partnership) -> QuerySet[Area]:
    """What a dialogue may be about: the partnership's kommun and its parts."""
    kommun = partnership.area_id
    first = Case(When(pk=kommun, then=Value(0)), default=Value(1))
    chosen = Area.objects.filter(Q(pk=kommun) | Q(parent_id=kommun))
    return chosen.order_by(first, "kind", "name").only("code", "name", "kind", "parent")


def years(partnership: Partnership) -> list[int]:
    """The years the partnership has dialogues in, newest first."""
    everything = Dialogue.objects.filter(partnership=partnership)
    return [day.year for day in everything.dates("date", "year", order="DESC")]


def dialogues(partnership: Partnership, *, kind: str = "", year: int | None = None) -> list[Dialogue]:
    """The partnership's dialogues, newest first, of one kind or year when asked, each with its statement count."""
    chosen = Dialogue.objects.filter(partnership=partnership)
    chosen = chosen.filter(kind=kind) if kind else chosen
    chosen = chosen.filter(date__year=year) if year else chosen
    return list(
        chosen.select_related("area")
        .defer("area__geometry")
        .annotate(statement_count=Count("statements"))
        .order_by("-date", "-id")
    )


def citations(dialogue: Dialogue) -> list[Problem]:
    """The lägesbild problems that cite the dialogue as evidence, newest version first."""
    problems = (
        Problem.objects.filter(dialogues=dialogue)
        .select_related("lagesbild")
        .only("title", "lagesbild__version", "lagesbild__title", "lagesbild__status", "lagesbild__partnership")
    )
    return list(problems.order_by("-lagesbild__version", "position", "id"))
