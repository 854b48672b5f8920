"""The action plan's pages (lofte.promises.bulk.urls, in the follow-up's namespace): the plan out as XLSX or CSV,
and a file read back in two steps, a preview that changes nothing and then the confirmation. The preview waits in
the session between the two.

Members download the plan; those who may edit (samordnare, polis) read one in, through lofte.promises.bulk.actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lofte.lib.http import attachment
from lofte.lib.tables import CONTENT_TYPES
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.promises.bulk import plan
from lofte.promises.bulk.actions import do_import_plan
from lofte.promises.bulk.forms import PlanUploadForm
from lofte.promises.followup.actions import FollowUpRefused
from lofte.promises.followup.queries import lofte_of
from lofte.promises.models import Medborgarlofte

PREVIEW_KEY = "lofte-plan-import-%s"


def _url(name: str, slug: str, lofte: Medborgarlofte) -> str:
    return reverse(name, kwargs={"slug": slug, "lofte": lofte.pk})


@login_required
def plan_export(request: HttpRequest, slug: str, lofte: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("No such format")
    access = get_partnership_for_user(request.user, slug)
    medborgarlofte = lofte_of(access, lofte)
    name = f"atgardsplan-{slugify(access.partnership.area.name)}-{medborgarlofte.pk}.{fmt}"
    return attachment(plan.export_plan(medborgarlofte, fmt), CONTENT_TYPES[fmt], name)


def _import_page(
    request: HttpRequest,
    access: PartnershipAccess,
    lofte: Medborgarlofte,
    *,
    form: PlanUploadForm | None = None,
    errors: list[str] | None = None,
    preview: plan.PlanPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "access": access,
        "partnership": access.partnership,
        "lofte": lofte,
        "form": form or PlanUploadForm(),
        "errors": errors or [],
        "preview": preview,
    }
    return render(request, "promises/followup_plan_import.html", context, status=status)


@login_required
def plan_import(request: HttpRequest, slug: str, lofte: int) -> HttpResponse:
    """GET: the upload form. POST: read the file and show what it would change, without changing anything."""
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    medborgarlofte = lofte_of(access, lofte)
    if request.method != "POST":
        return _import_page(request, access, medborgarlofte)
    form = PlanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, access, medborgarlofte, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        preview = plan.read_plan(access, medborgarlofte, upload.read(), upload.name or "")
    except plan.PlanRefused as refusal:
        return _import_page(request, access, medborgarlofte, form=form, errors=refusal.messages, status=400)
    request.session[PREVIEW_KEY % medborgarlofte.pk] = preview.as_data()
    return _import_page(request, access, medborgarlofte, preview=preview)


@login_required
@require_POST
def plan_confirm(request: HttpRequest, slug: str, lofte: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    medborgarlofte = lofte_of(access, lofte)
    data = request.session.pop(PREVIEW_KEY % medborgarlofte.pk, None)
    if data is None:
        messages.error(request, _("Det finns ingen inläst fil att bekräfta. Läs in filen igen."))
        return redirect(_url("action_plan:plan_import", slug, medborgarlofte))
    try:
        count = do_import_plan(access, medborgarlofte, plan.PlanPreview.from_data(data), actor=request.user)
    except FollowUpRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_url("action_plan:plan_import", slug, medborgarlofte))
    text = ngettext("%(count)s löfte är uppdaterat.", "%(count)s löften är uppdaterade.", count)
    messages.success(request, text % {"count": count})
    return redirect(_url("followup:index", slug, medborgarlofte))
