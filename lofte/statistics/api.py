"""Statistics and Polisen's events in the JSON API: open to anyone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from lofte.lib.api import Text, Year, errors
from lofte.statistics import queries
from lofte.statistics.models import Metric

router = Router(tags=["statistics"])
STOCKHOLM = ZoneInfo("Europe/Stockholm")


class MetricOut(Schema):
    code: str
    name: str
    unit: str
    publisher: str
    attribution: str
    lower_is_better: bool
    parent: str | None = None

    @staticmethod
    def resolve_parent(obj: Metric) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]


class ObservationOut(Schema):
    period: str
    value: float | None
    per_100k: float | None
    preliminary: bool
    status: str


class ObservationsOut(Schema):
    area: str
    metric: str
    unit: str
    attribution: str
    items: list[ObservationOut]


class ObservationFilter(Schema):
    area: Text = Field(..., description="Area code, e.g. 0586")
    metric: Text = Field(..., description="Metric code, e.g. anmalda.totalt")
    from_year: Year | None = Field(None, alias="from")
    to_year: Year | None = Field(None, alias="to")
    kind: Literal["year", "half", "quarter", "month", "week"] | None = Field(
        None, description="Only this kind of period"
    )


class EventOut(Schema):
    id: str = Field(..., alias="source_id")
    occurred_at: datetime
    type: str
    name: str
    summary: str
    url: str
    location_name: str
    area: str | None = None
    lat: float | None = Field(None, description="The kommun's or län's centroid, not the scene")
    lng: float | None = None

    @staticmethod
    def resolve_area(obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None


class EventFilter(Schema):
    area: Text | None = None
    type: list[Text] = Field(default_factory=list)
    since: datetime | None = Field(None, description="ISO 8601; without an offset, Swedish time")
    until: datetime | None = Field(None, description="ISO 8601; without an offset, Swedish time")
    limit: int = Field(100, ge=1, le=1000)

    @field_validator("since", "until")
    @classmethod
    def storable(cls, value: datetime | None) -> datetime | None:
        """Aware, and a moment the database can hold in UTC: 9999-12-31T23:59:59-01:00 is past the last one."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=STOCKHOLM)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("tidpunkten ligger utanför det som går att lagra") from None


@router.get("/metrics", response=list[MetricOut], summary="The metrics with their codes", auth=None)
def list_metrics(request: HttpRequest) -> Any:
    return list(Metric.objects.select_related("parent").order_by("code"))


@router.get(
    "/observations",
    response={200: ObservationsOut, **errors(400, 404)},
    summary="One metric over time for one area",
    auth=None,
)
def list_observations(request: HttpRequest, filters: Query[ObservationFilter]) -> dict[str, Any]:
    metric = queries.get_metric(filters.metric)
    if metric is None:
        raise Http404
    rows = list(queries.observations(filters.area, metric.code, filters.from_year, filters.to_year, filters.kind))
    # A rate only means something for counts, and never for the population itself.
    derivable = metric.unit == Metric.Unit.ANTAL and metric.code != queries.POPULATION
    population = queries.population_by_year(filters.area) if derivable and any(r.per_100k is None for r in rows) else {}
    items = [
        {
            "period": r.period,
            "value": r.value,
            "per_100k": queries.rate_per_100k(r, population),
            "preliminary": r.preliminary,
            "status": r.status,
        }
        for r in rows
    ]
    return {
        "area": filters.area,
        "metric": metric.code,
        "unit": metric.unit,
        "attribution": metric.attribution,
        "items": items,
    }


@router.get(
    "/events", response={200: list[EventOut], **errors(400)}, summary="Police events (Källa: Polisen)", auth=None
)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    rows = queries.events(area=filters.area, types=filters.type, since=filters.since, until=filters.until)
    return list(rows[: filters.limit])
