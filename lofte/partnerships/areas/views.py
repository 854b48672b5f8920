"""The area pages: the list of län and kommuner, one area with its parents and parts, and on a kommun's page the
upload of its subdivisions (GeoJSON, checked by `areas.geometry`, written by `areas.actions`) and the removal of one,
for a member who may manage a partnership in that kommun (`partnerships.access.can_manage_kommun`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.areas import queries
from lofte.areas.actions import AreaRefused, do_delete_subdivision, do_import_subdivisions
from lofte.areas.geometry import UPLOAD_MAX_POSITIONS, AreaFileError, parse_area_file
from lofte.areas.models import Area
from lofte.partnerships.access import can_manage_kommun
from lofte.partnerships.areas.forms import SubdivisionUploadForm


def _get_area(code: str) -> Area:
    area = queries.get_area(code)
    if area is None:
        raise Http404("No such area")
    return area


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "areas/index.html", {"lans": queries.lan_with_kommuner()})


def _can_remove(user: object, area: Area) -> bool:
    return area.is_subdivision and area.parent is not None and can_manage_kommun(user, area.parent.code)


def _detail(
    request: HttpRequest, area: Area, form: SubdivisionUploadForm | None = None, status: int = 200
) -> HttpResponse:
    can_upload = area.kind == Area.Kind.KOMMUN and can_manage_kommun(request.user, area.code)
    context = {
        "area": area,
        "can_remove": _can_remove(request.user, area),
        "ancestors": queries.ancestors(area),
        "children": queries.children_of(area),
        "can_upload": can_upload,
        "form": (form or SubdivisionUploadForm()) if can_upload else None,
    }
    return render(request, "areas/detail.html", context, status=status)


def detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _get_area(code))


@login_required
@require_POST
def upload(request: HttpRequest, code: str) -> HttpResponse:
    area = _get_area(code)
    if area.kind != Area.Kind.KOMMUN or not can_manage_kommun(request.user, area.code):
        raise PermissionDenied
    form = SubdivisionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            parsed = parse_area_file(
                upload_file.read(),
                upload_file.name,
                name_property=form.cleaned_data["name_property"],
                code_property=form.cleaned_data["code_property"] or None,
                max_positions=UPLOAD_MAX_POSITIONS,
            )
            result = do_import_subdivisions(
                parsed, kind=form.cleaned_data["kind"], filename=upload_file.name, kommun=area, actor=request.user
            )
        except AreaFileError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request,
                _("%(created)s nya, %(updated)s ändrade och %(unchanged)s oförändrade områden.")
                % {"created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged)},
            )
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect(area)
    return _detail(request, area, form, status=400)


@login_required
@require_POST
def remove(request: HttpRequest, code: str) -> HttpResponse:
    area = _get_area(code)
    if not _can_remove(request.user, area):
        raise PermissionDenied
    parent = area.parent
    try:
        do_delete_subdivision(area, actor=request.user)
    except AreaRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(area)
    messages.success(request, _("%(name)s är borttaget.") % {"name": area.name})
    return redirect(parent or "areas:index")
