"""The lägesbild in the JSON API: an area's summary for anyone, a partnership's lägesbilder for its members."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from lofte.analysis.variation import Dispersion
from lofte.lib.api import Text, Year, errors
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.access import get_partnership_for_user
from lofte.situation import queries
from lofte.situation.lagesbild import documents
from lofte.situation.lagesbild import queries as lagesbild_queries

router = Router(tags=["situation"])
Verdict = Literal["okning", "minskning", "ingen_saker_forandring", "inga_data"]


class DispersionOut(Schema):
    phi: float = Field(..., description="The series' variance as a multiple of its mean (1 = Poisson), at least 1")
    df: float | None = Field(None, description="Degrees of freedom of the estimate; null when φ is assumed")
    periods: int = Field(..., description="Years of history it was estimated from (the base year and before)")
    assumed: bool = Field(..., description="Fewer than five years of history: the stated yearly φ = 6.5 is used")

    @staticmethod
    def resolve_df(obj: Dispersion) -> float | None:
        return None if math.isinf(obj.df) else obj.df


class SummaryItem(Schema):
    metric: str
    name: str
    unit: str
    attribution: str
    value: float | None
    preliminary: bool = Field(False, description="The year's value is preliminary")
    per_100k: float | None
    previous: float | None
    previous_preliminary: bool = Field(False, description="The base year's value is preliminary")
    change: float | None
    change_pct: float | None = Field(None, description="Percent of the base year's value")
    p_value: float | None = Field(
        None,
        description="Unadjusted: the test of two counts, population-adjusted and calibrated to the series' own "
        "year-to-year variation (the larger of the exact Poisson p and the quasi-Poisson F test); counts only",
    )
    p_adjusted: float | None = Field(
        None, description="p_value adjusted by Benjamini–Hochberg over the items returned that have a p_value"
    )
    verdict: Verdict | None = Field(
        None,
        description="Only counts get a verdict; p_adjusted < 0.05 for a change (the false discovery rate of the "
        "items is 5 %); inga_data when the base year has no value",
    )
    verdict_alone: Verdict | None = Field(None, description="The verdict from p_value alone, without the adjustment")
    ci_low: float | None = Field(None, description="95 % interval of the rate ratio (year against base), lower")
    ci_high: float | None = Field(None, description="95 % interval of the rate ratio (year against base), upper")
    interval: str = Field("", description="The interval as a change in words, e.g. 'mellan −35 % och +12 %'")
    dispersion: DispersionOut | None = Field(None, description="The dispersion the test allowed for")

    @staticmethod
    def resolve_interval(obj: queries.MetricSummary) -> str:
        return interval_words(obj.ci_low, obj.ci_high)


class SummaryOut(Schema):
    area: str
    year: int
    base: int
    items: list[SummaryItem]


class SummaryFilter(Schema):
    year: Year
    base: Year | None = Field(None, description="The year to compare with; the year before by default")


@router.get(
    "/areas/{code}/summary",
    response={200: SummaryOut, **errors(400, 404)},
    summary="An area's figures for a year, with change and verdict",
    auth=None,
)
def area_summary(request: HttpRequest, code: Text, filters: Query[SummaryFilter]) -> dict[str, Any]:
    area = queries.get_area(code)
    if area is None:
        raise Http404
    base = filters.base if filters.base is not None else filters.year - 1
    return {
        "area": area.code,
        "year": filters.year,
        "base": base,
        "items": queries.area_summary(area, filters.year, base),
    }


class LagesbildListItem(Schema):
    version: int
    title: str
    status: str
    year_from: int
    year_to: int
    adopted_at: datetime | None = Field(None, description="When the adoption was recorded in Löfte")
    decided_on: date | None = Field(None, description="The day of the decision that adopted it")
    decision: str


class PointOut(Schema):
    year: int
    value: float | None
    per_100k: float | None
    preliminary: bool


class SeriesOut(Schema):
    metric_name: str
    unit: str
    area_name: str
    attribution: str
    points: list[PointOut]


class SourceOut(Schema):
    kind: str = Field(..., alias="kind_label")
    title: str
    description: str
    reference: str


class DialogueOut(Schema):
    kind: str = Field(..., alias="kind_label")
    date: date
    participants: int
    themes: list[str]


class EventCountOut(Schema):
    type: str
    count: int


class EventsOut(Schema):
    period_start: date
    period_end: date = Field(..., description="The 12 months before adoption (before today while a draft), inclusive")
    frozen: bool = Field(..., description="Counted at adoption; a draft counts the events as they stand now")
    counts: list[EventCountOut] = Field(..., description="Polisen's events of each of the problem's event types")


class ProblemOut(Schema):
    number: int
    title: str
    description: str
    place: str
    time: str
    affected: str
    consequences: str
    cause_offender: str
    cause_victim: str
    cause_place: str
    priority: int | None
    priority_rationale: str
    event_types: list[str]
    series: list[SeriesOut] = Field(..., description="Frozen at adoption; live values while a draft")
    events: EventsOut | None = Field(None, description="Only for a problem with event types; Källa: Polisen")
    dialogues: list[DialogueOut] = Field(
        ..., description="The dialogues cited as evidence: never their place, summary or statements"
    )


class ChecklistOut(Schema):
    code: str
    label: str
    done: bool

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.label)


class LagesbildOut(Schema):
    title: str
    version: int
    status: str = Field(..., alias="status_label")
    is_adopted: bool
    year_from: int
    year_to: int
    adopted_on: date | None
    decision: str
    summary: str
    checklist: list[ChecklistOut]
    sources: list[SourceOut] = Field(..., description="Restricted sources (police intelligence) are never included")
    problems: list[ProblemOut]


@router.get(
    "/partnerships/{slug}/lagesbilder",
    response={200: list[LagesbildListItem], **errors(400, 401, 404)},
    summary="The partnership's lägesbild versions, newest first",
)
def list_lagesbilder(request: HttpRequest, slug: Text) -> Any:
    access = get_partnership_for_user(request.user, slug)
    return lagesbild_queries.versions(access.partnership)


@router.get(
    "/partnerships/{slug}/lagesbilder/{version}",
    response={200: LagesbildOut, **errors(400, 401, 404)},
    summary="One lägesbild version: its public parts (no restricted sources)",
)
def get_lagesbild(request: HttpRequest, slug: Text, version: int) -> Any:
    access = get_partnership_for_user(request.user, slug)
    content = documents.gather(lagesbild_queries.get_lagesbild(access, version), access)
    return replace(content, sources=tuple(source for source in content.sources if not source.restricted))
