"""Import runs: upload, preview what will change, confirm, look back, undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.partnerships.access import Can, can_anywhere
from lofte.statistics.actions import ImportRefused, do_import, do_undo_import
from lofte.statistics.forms import ConfirmImportForm, ImportUploadForm
from lofte.statistics.models import ImportRun
from lofte.statistics.sources.base import ImportFileError


def _pending(sha256: str) -> Path:
    return settings.VAR_DIR / "uploads" / f"{sha256}.pending"


def _require(request: HttpRequest, capability: Can) -> None:
    if not can_anywhere(request.user, capability):
        raise PermissionDenied


def _runs_page(request: HttpRequest, form: ImportUploadForm | None, status: int = 200) -> HttpResponse:
    # The list shows actor_label, so the actor itself is not fetched.
    context = {"runs": ImportRun.objects.all()[:100], "form": form}
    return render(request, "statistics/runs.html", context, status=status)


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    _require(request, Can.VIEW)
    return _runs_page(request, ImportUploadForm() if can_anywhere(request.user, Can.MANAGE) else None)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    _require(request, Can.MANAGE)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _runs_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    raw = upload.read()
    try:
        summary = do_import(
            raw, upload.name, actor=request.user, format_name=form.cleaned_data["format"] or None, dry_run=True
        )
    except ImportFileError as exc:
        form.add_error("file", str(exc))
        return _runs_page(request, form, status=400)
    path = _pending(summary.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    confirm = ConfirmImportForm(initial={"sha256": summary.sha256, "file_name": upload.name, "format": summary.format})
    return render(request, "statistics/preview.html", {"summary": summary, "confirm": confirm})


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    _require(request, Can.MANAGE)
    form = ConfirmImportForm(request.POST)
    if not form.is_valid() or not _pending(form.cleaned_data["sha256"]).exists():
        messages.error(request, _("Förhandsgranskningen har gått ut. Ladda upp filen igen."))
        return redirect("statistics:runs")
    path = _pending(form.cleaned_data["sha256"])
    try:
        summary = do_import(
            path.read_bytes(),
            form.cleaned_data["file_name"],
            actor=request.user,
            format_name=form.cleaned_data["format"],
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("statistics:runs")
    finally:
        path.unlink(missing_ok=True)
    if summary.run is None:
        messages.info(request, _("Inget ändrades: allt i filen fanns redan."))
        return redirect("statistics:runs")
    messages.success(request, _("Importen är klar."))
    return redirect("statistics:run", pk=summary.run)


def _get_run(pk: int) -> ImportRun:
    run = ImportRun.objects.select_related("actor").filter(pk=pk).first()
    if run is None:
        raise Http404("No such import")
    return run


@login_required
def run(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Can.VIEW)
    context: dict[str, Any] = {"run": _get_run(pk), "can_undo": can_anywhere(request.user, Can.MANAGE)}
    return render(request, "statistics/run.html", context)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Can.MANAGE)
    import_run = _get_run(pk)
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
