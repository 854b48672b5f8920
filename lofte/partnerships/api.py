"""Partnerships, their parties and people in the JSON API: for their members only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lofte.lib.api import Text, errors
from lofte.partnerships import queries
from lofte.partnerships.access import get_partnership_for_user, partnerships_for

router = Router(tags=["partnerships"])


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    area: str | None = None

    @staticmethod
    def resolve_area(obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None


class PartnershipOut(Schema):
    slug: str
    name: str
    area: str
    area_name: str
    starts_on: date | None
    ends_on: date | None
    is_published: bool
    organisations: list[OrganisationOut]

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return str(obj.area.code)

    @staticmethod
    def resolve_area_name(obj: Any) -> str:
        return str(obj.area.name)

    @staticmethod
    def resolve_organisations(obj: Any) -> list[Any]:
        return list(obj.organisations.all())


class MemberOut(Schema):
    name: str
    email: str
    organisation: str
    role: str
    title: str


class MeOut(Schema):
    email: str
    name: str
    partnerships: list[str]


@router.get("/me", response={200: MeOut, **errors(401)}, summary="The signed-in user")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    slugs = list(partnerships_for(user).order_by("slug").values_list("slug", flat=True))
    return {"email": user.email, "name": user.get_full_name(), "partnerships": slugs}


@router.get(
    "/partnerships", response={200: list[PartnershipOut], **errors(401)}, summary="The partnerships you belong to"
)
def list_partnerships(request: HttpRequest) -> Any:
    return list(queries.with_parties(partnerships_for(request.user)))


@router.get("/partnerships/{slug}", response={200: PartnershipOut, **errors(400, 401, 404)}, summary="One partnership")
def get_partnership(request: HttpRequest, slug: Text) -> Any:
    access = get_partnership_for_user(request.user, slug)
    return queries.load_parties(access.partnership)


@router.get(
    "/partnerships/{slug}/members",
    response={200: list[MemberOut], **errors(400, 401, 404)},
    summary="The people in the partnership",
)
def list_members(request: HttpRequest, slug: Text) -> list[dict[str, str]]:
    access = get_partnership_for_user(request.user, slug)
    return [
        {
            "name": m.user.get_full_name(),
            "email": m.user.email,
            "organisation": party.organisation.name,
            "role": m.role,
            "title": m.title,
        }
        for party in queries.organisations_with_members(access.partnership)
        for m in party.members
    ]
