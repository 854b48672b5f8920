"""The operator's pages for a person's data (/drift/personer/): search by e-mail address (or from a user account),
see everything Löfte holds grouped by kind, download the register extract (JSON or PDF) and erase on request after
a confirmation page that says what is deleted, what is anonymised and what must be kept.

Only a superuser (förvaltare) reaches them; everyone else gets 403, and anyone not signed in the sign-in page. The
downloads are POSTs, since handing out an extract is audited and a GET never writes."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lofte.accounts.models import User
from lofte.lib.documents import render_pdf
from lofte.lib.refusals import ActionRefused
from lofte.lib.views import form_page, operator_only, refuse_on
from lofte.operations.subjects import actions
from lofte.operations.subjects.collect import collect
from lofte.operations.subjects.forms import EraseForm, SubjectForm


def _search(request: HttpRequest) -> SubjectForm:
    """The search as typed, or the address of the user account the operator came from (?user=<id>)."""
    if "user" in request.GET and request.GET["user"].isdigit():
        user = get_object_or_404(User, pk=request.GET["user"])
        return SubjectForm({"email": user.email})
    return SubjectForm(request.GET if "email" in request.GET else None)


@operator_only
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    form = _search(request)
    data = collect(form.cleaned_data["email"]) if form.is_valid() else None
    return render(request, "operations/subjects/index.html", {"form": form, "data": data})


@operator_only
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    form = SubjectForm(request.POST)
    kind = request.POST.get("format", "json")
    if not form.is_valid() or kind not in ("json", "pdf"):
        return render(request, "operations/subjects/index.html", {"form": form, "data": None}, status=400)
    data = actions.do_export_subject(form.cleaned_data["email"], actor=request.user, format=kind)
    name = f"registerutdrag-{data.user.pk if data.user else actions.subject_key(data.email)}-{timezone.localdate()}"
    if kind == "pdf":
        pdf = render_pdf("print/subject_extract.html", {"data": data})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    body = json.dumps(data.as_json(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@operator_only
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """GET: what erasure would do, and the confirmation. POST with the box ticked: erase."""
    if request.method == "GET":
        search = SubjectForm(request.GET)
        if not search.is_valid():
            return redirect("subjects:index")
        form = EraseForm(initial={"email": search.cleaned_data["email"]})
        return _confirm_page(request, form, search.cleaned_data["email"])
    form = EraseForm(request.POST)
    email = request.POST.get("email", "")
    if form.is_valid():
        try:
            counts = actions.do_erase_subject(form.cleaned_data["email"], actor=request.user)
        except ActionRefused as refusal:
            refuse_on(form, refusal)
        else:
            messages.success(
                request, _("Uppgifterna är raderade (%(count)s rader ändrade).") % {"count": sum(counts.values())}
            )
            return redirect(reverse("subjects:index"))
    return _confirm_page(request, form, email)


def _confirm_page(request: HttpRequest, form: EraseForm, email: str) -> HttpResponse:
    data = collect(email)
    context = {"data": data, "self": data.user is not None and data.user.pk == request.user.pk}
    return form_page(request, "operations/subjects/erase.html", context, form=form)
