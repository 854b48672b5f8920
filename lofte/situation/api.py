from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from lofte.situation import queries

router = Router(tags=["situation"])
Verdict = Literal["okning", "minskning", "ingen_saker_forandring"]


class SummaryItem(Schema):
    metric: str
    name: str
    unit: str
    attribution: str
    value: float | None
    per_100k: float | None
    previous: float | None
    change: float | None
    change_pct: float | None = Field(None, description="Percent of the base year's value")
    p_value: float | None = Field(
        None, description="Exact test of two Poisson counts (conditional binomial), population-adjusted; counts only"
    )
    verdict: Verdict | None = Field(None, description="Only counts get a verdict; p < 0.05 for a change")


class SummaryOut(Schema):
    area: str
    year: int
    base: int
    items: list[SummaryItem]


class SummaryFilter(Schema):
    year: int = Field(..., ge=1900, le=2100)
    base: int | None = Field(None, ge=1900, le=2100, description="The year to compare with; the year before by default")


@router.get(
    "/areas/{code}/summary",
    response=SummaryOut,
    summary="An area's figures for a year, with change and verdict",
    auth=None,
)
def area_summary(request: HttpRequest, code: str, filters: Query[SummaryFilter]) -> dict[str, Any]:
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
