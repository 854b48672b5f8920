"""The gallring pages: a partnership's (its samordnare sets the periods and sees what goes next) and the
operator's overview of every partnership under /drift/gallring/ (superusers only). A GET writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.lib.views import refuse_on
from lofte.operations.retention import queries
from lofte.operations.retention.actions import RetentionRefused, do_set_retention
from lofte.operations.retention.forms import RetentionForm
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user


@login_required
def partnership_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.MANAGE)
    if request.method == "POST":
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                do_set_retention(access, form.periods(), actor=request.user)
            except RetentionRefused as refusal:
                refuse_on(form, refusal)
            else:
                messages.success(request, _("Gallringen är sparad."))
                return redirect("retention:partnership", slug=slug)
        return _page(request, access, form, status=400)
    return _page(request, access, None)


def _page(
    request: HttpRequest, access: PartnershipAccess, form: RetentionForm | None, status: int = 200
) -> HttpResponse:
    rows = queries.for_partnership(access.partnership, timezone.now())
    if form is None:
        form = RetentionForm(initial_days={row.kind.code: row.days for row in rows if row.chosen})
    context = {
        "partnership": access.partnership,
        "rows": rows,
        "windows": queries.WINDOWS,
        "form": form,
        "last_run": queries.last_run(),
    }
    return render(request, "operations/gallring.html", context, status=status)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    per_partnership, instance = queries.overview(timezone.now())
    context = {
        "per_partnership": per_partnership,
        "instance": instance,
        "windows": queries.WINDOWS,
        "last_run": queries.last_run(),
    }
    return render(request, "operations/gallring_overview.html", context)
