"""Import runs: upload, pick the columns of a spreadsheet, preview what will change, confirm, look back, undo.

Who sees and changes which runs is decided in `statistics.owners`: an operator every run, a member their own
partnerships' runs; the actions refuse again whatever a view lets through."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.partnerships.access import Can, can_anywhere
from lofte.statistics import owners, progress, queries
from lofte.statistics.actions import (
    ImportRefused,
    can_retry,
    do_cancel_upload,
    do_confirm_upload,
    do_map_upload,
    do_retry_upload,
    do_undo_import,
    do_upload_import,
)
from lofte.statistics.forms import ImportUploadForm, MappingForm, SheetForm
from lofte.statistics.models import ImportJob, ImportRun
from lofte.statistics.sources.base import ImportFileError
from lofte.statistics.sources.spreadsheet import parser as spreadsheet

OPEN_UPLOADS = 10
RUN_COLUMNS = (
    "file_name",
    "publisher",
    "actor_label",
    "started_at",
    "created",
    "updated",
    "status",
    "partnership__name",
)


def _require(request: HttpRequest, capability: Can) -> None:
    if not (owners.is_operator(request.user) or can_anywhere(request.user, capability)):
        raise PermissionDenied


def _upload_form(request: HttpRequest) -> ImportUploadForm | None:
    """The upload form with the owners the user may import for; None when there is none."""
    partnerships = list(owners.importable_partnerships(request.user).only("slug", "name"))
    official = owners.is_operator(request.user)
    if not (partnerships or official):
        return None
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    return ImportUploadForm(*data, partnerships=partnerships, official=official)


def _runs_page(request: HttpRequest, form: ImportUploadForm | None, status: int = 200) -> HttpResponse:
    # The list shows actor_label, so the actor itself is not fetched; a member sees only their partnerships' runs.
    runs = owners.visible_runs(request.user).select_related("partnership").only(*RUN_COLUMNS)[:100]
    context: dict[str, Any] = {"runs": runs, "form": form, "uploads": []}
    if form is not None:
        waiting = ImportJob.objects.filter(actor_id=request.user.pk).exclude(
            status__in=[ImportJob.Status.DONE, ImportJob.Status.CANCELLED]
        )
        context["uploads"] = waiting[:OPEN_UPLOADS]
    return render(request, "statistics/runs.html", context, status=status)


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    _require(request, Can.VIEW)
    return _runs_page(request, _upload_form(request))


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    _require(request, Can.MANAGE)
    form = _upload_form(request)
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        return _runs_page(request, form, status=400)
    file = form.cleaned_data["file"]
    try:
        job = do_upload_import(
            file.read(),
            file.name,
            actor=request.user,
            format_name=form.cleaned_data["format"] or None,
            partnership=form.cleaned_data["owner"],
        )
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return _runs_page(request, form, status=400)
    except ImportRefused as exc:
        form.add_error(None, exc.message)
        return _runs_page(request, form, status=400)
    return redirect("statistics:job", pk=job.pk)


def _get_job(request: HttpRequest, pk: int) -> ImportJob:
    """An upload is seen only by the one who made it (and staff): the file is not yet anybody's statistics."""
    _require(request, Can.MANAGE)
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or not (job.actor_id == request.user.pk or request.user.is_superuser):
        raise Http404("No such upload")
    return job


def _job_context(upload: ImportJob) -> dict[str, Any]:
    """The job, its progress, and whether it stopped on the way (its worker died): then it offers a retry and a
    cancel instead of a progress bar that never moves."""
    interrupted = queries.is_interrupted(upload)
    return {
        "job": upload,
        "progress": None if interrupted else progress.read(upload.pk),
        "interrupted": interrupted,
        "can_retry": can_retry(upload),
    }


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _get_job(request, pk)
    context = _job_context(upload)
    if upload.status == ImportJob.Status.MAPPING:
        context.update(_mapping_context(request, upload))
    return render(request, "statistics/job.html", context)


def _mapping_context(request: HttpRequest, upload: ImportJob) -> dict[str, Any]:
    """The columns to choose from. The sheet and header row are, in this order, those just sent (the mapping
    form carries them along as hidden fields, so a header below a title row holds through the POST), those
    chosen before, or the ones found on upload."""
    raw = upload.path.read_bytes() if upload.path.exists() else b""
    sheets = spreadsheet.sheets(raw, upload.file_name) if raw else []
    stored = upload.options
    choice = SheetForm(
        (request.POST if request.method == "POST" else request.GET) or None,
        sheets=sheets,
        initial={"sheet": stored.get("sheet"), "header_row": stored.get("header_row", 1)},
    )
    sheet, header_row = stored.get("sheet") or (sheets[0] if sheets else None), stored.get("header_row", 1)
    if choice.is_bound and choice.is_valid():
        sheet, header_row = choice.cleaned_data.get("sheet") or sheet, choice.cleaned_data["header_row"]
    try:
        header, samples = spreadsheet.columns(raw, upload.file_name, sheet=sheet, header_row=header_row)
    except ImportFileError as exc:
        header, samples = [], []
        choice.add_error(None, str(exc))
    initial = MappingForm.initial_from(stored) | {"sheet": sheet or "", "header_row": header_row}
    initial.setdefault("area_by_name", _looks_like_names(header, samples, stored.get("area")))
    form = MappingForm(header=header, initial=initial)
    return {"sheet_form": choice, "mapping_form": form, "header": header, "samples": samples}


def _looks_like_names(header: list[str], samples: list[list[str]], column: str | None) -> bool:
    index = header.index(column) if column in header else 0
    cells = [row[index] for row in samples if index < len(row) and row[index]]
    return bool(cells) and not any(cell[:1].isdigit() for cell in cells)


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress part of the upload page, polled while the worker runs; the whole page again when it is done."""
    upload = _get_job(request, pk)
    context = _job_context(upload)
    response = render(request, "statistics/_job_progress.html", context)
    if not upload.is_active or context["interrupted"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _get_job(request, pk)
    if upload.status != ImportJob.Status.MAPPING:
        return redirect("statistics:job", pk=upload.pk)
    context = _mapping_context(request, upload)  # the file is read once, for the check and for the page again
    form = MappingForm(request.POST, header=context["header"])
    if form.is_valid():
        try:
            do_map_upload(upload, form.options(), actor=request.user)
        except ImportFileError as exc:
            form.add_error(form.field_for(exc.field), exc.message)
        except ImportRefused as exc:
            messages.error(request, str(exc))
        else:
            return redirect("statistics:job", pk=upload.pk)
    context |= {"job": upload, "progress": None, "mapping_form": form}
    return render(request, "statistics/job.html", context, status=400)


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _get_job(request, pk)
    try:
        do_confirm_upload(upload, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("statistics:job", pk=upload.pk)


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _get_job(request, pk)
    try:
        do_retry_upload(upload, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("statistics:job", pk=upload.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _get_job(request, pk)
    try:
        do_cancel_upload(upload, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("statistics:job", pk=upload.pk)
    messages.info(request, _("Uppladdningen är avbruten; inget sparades."))
    return redirect("statistics:runs")


def _get_run(request: HttpRequest, pk: int) -> ImportRun:
    """A run the user may see: any for an operator, their own partnerships' for a member; 404 otherwise, so
    another kommun's imports (and who uploaded them) are not revealed."""
    runs = owners.visible_runs(request.user).select_related("partnership__area").defer("partnership__area__geometry")
    run = runs.filter(pk=pk).first()
    if run is None:
        raise Http404("No such import")
    return run


@login_required
def run(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Can.VIEW)
    import_run = _get_run(request, pk)
    context: dict[str, Any] = {"run": import_run, "can_undo": owners.may_undo(request.user, import_run)}
    return render(request, "statistics/run.html", context)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Can.MANAGE)
    import_run = _get_run(request, pk)
    try:
        result = do_undo_import(import_run, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Importen är ångrad: %(removed)s värden borttagna, %(restored)s återställda.")
            % {"removed": result["removed"], "restored": result["restored"]},
        )
    return redirect("statistics:run", pk=pk)
