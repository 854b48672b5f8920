"""Reads for the lägesbild's pages: a version and its parts within the member's partnership (404 otherwise), and
each problem with its evidence (linked series, frozen figures, cited dialogues, Polisen's events) in a fixed
number of queries, whatever the number of problems."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404

from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership
from lofte.situation.lagesbild.evidence import ProblemEvents, problem_events
from lofte.situation.models import Dialogue, Figure, Lagesbild, Problem, ProblemSeries
from lofte.statistics.models import Metric, Observation


@dataclass
class SeriesRow:
    link: ProblemSeries
    figures: list[Figure]


@dataclass
class ProblemEvidence:
    """A problem with what shows its extent: the linked series (with the figures frozen at adoption), the
    dialogues it cites and Polisen's events of its types."""

    problem: Problem
    series: list[SeriesRow]
    dialogues: list[Dialogue]
    events: ProblemEvents | None


def get_lagesbild(access: PartnershipAccess, version: int) -> Lagesbild:
    lagesbild = get_object_or_404(Lagesbild, partnership=access.partnership, version=version)
    lagesbild.partnership = access.partnership
    return lagesbild


def get_problem(lagesbild: Lagesbild, pk: int) -> Problem:
    problem = get_object_or_404(Problem, lagesbild=lagesbild, pk=pk)
    problem.lagesbild = lagesbild
    return problem


def get_series_link(problem: Problem, pk: int) -> ProblemSeries:
    links = ProblemSeries.objects.select_related("metric", "area").defer("area__geometry")
    link = get_object_or_404(links, problem=problem, pk=pk)
    link.problem = problem
    return link


def get_cited_dialogue(problem: Problem, pk: int) -> Dialogue:
    return get_object_or_404(problem.dialogues.all(), pk=pk)


def versions(partnership: Partnership) -> list[Lagesbild]:
    """Every version of the partnership's lägesbild, newest first."""
    return list(Lagesbild.objects.filter(partnership=partnership).order_by("-version"))


def version_numbers(partnership: Partnership) -> list[int]:
    rows = Lagesbild.objects.filter(partnership=partnership).order_by("-version")
    return list(rows.values_list("version", flat=True))


def problems_with_evidence(lagesbild: Lagesbild, kommun_id: int) -> list[ProblemEvidence]:
    """The version's problems in order, each with its evidence; the figures only once it is adopted."""
    links = ProblemSeries.objects.select_related("metric", "area").defer("area__geometry").order_by("metric__name")
    problems = list(
        lagesbild.problems.prefetch_related(
            Prefetch("series", queryset=links),
            Prefetch("dialogues", queryset=Dialogue.objects.order_by("-date", "-id")),
        )
    )
    figures: dict[tuple[int | None, int, int], list[Figure]] = defaultdict(list)
    if lagesbild.is_adopted:
        for figure in lagesbild.figures.order_by("-period_kind", "period_start"):
            figures[(figure.problem_id, figure.metric_id, figure.area_id)].append(figure)
    events = problem_events(lagesbild, problems, kommun_id)
    rows = []
    for problem in problems:
        problem.lagesbild = lagesbild
        series = [SeriesRow(link, figures[(problem.pk, link.metric_id, link.area_id)]) for link in problem.series.all()]
        rows.append(ProblemEvidence(problem, series, list(problem.dialogues.all()), events.get(problem.pk)))
    return rows


def dialogue_choices(partnership: Partnership) -> list[Dialogue]:
    """The partnership's dialogues, newest first, with what their labels need."""
    dialogues = Dialogue.objects.filter(partnership=partnership).order_by("-date", "-id")
    return list(dialogues.only("partnership", "kind", "date", "place"))


def metrics_with_data() -> list[tuple[str, str]]:
    """(code, name) of every metric with at least one value, by name: what a problem may be linked to."""
    observed = Observation.objects.filter(series__metric=OuterRef("pk"))
    return list(Metric.objects.filter(Exists(observed)).order_by("name").values_list("code", "name"))
