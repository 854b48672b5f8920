"""The operator's page of scheduled jobs, /drift/jobb/: for förvaltare (superusers) only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lofte.lib.views import act, operator_only
from lofte.operations.schedule.actions import do_request_job_run
from lofte.operations.schedule.queries import job_rows, recent_runs


@require_safe
@operator_only
def job_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "operations/schedule/jobs.html",
        {"rows": job_rows(timezone.now()), "runs": recent_runs()},
    )


@require_POST
@operator_only
def run_job_now(request: HttpRequest, name: str) -> HttpResponse:
    return act(
        request,
        lambda: do_request_job_run(name, actor=request.user),
        success=_("Jobbet ”%(name)s” är köat och körs så snart arbetaren hinner.") % {"name": name[:40]},
        back=reverse("schedule:jobs"),
    )
