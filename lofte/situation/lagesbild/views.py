"""The lägesbild document (Lag 2023:196): its versions, their contents and adoption, under /samverkan/<slug>/lagesbild/.

Every change goes through `actions.py`; these views parse, check access, call one action and redirect (`lib.views.act`).
The PDF and DOCX exports of a version are rendered by `documents.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.lib.http import attachment
from lofte.lib.views import act
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.situation.lagesbild import documents, queries
from lofte.situation.lagesbild.actions import (
    LagesbildRefused,
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_dialogue,
    do_link_series,
    do_remove_problem,
    do_remove_source,
    do_unlink_dialogue,
    do_unlink_series,
    do_update_lagesbild,
    do_update_problem,
)
from lofte.situation.lagesbild.forms import (
    AdoptForm,
    DialogueLinkForm,
    LagesbildCreateForm,
    LagesbildForm,
    ProblemForm,
    SeriesForm,
    SourceForm,
)
from lofte.situation.lagesbild.queries import ProblemEvidence
from lofte.situation.models import Lagesbild, Problem, is_outdated, latest_adopted, visible_sources

CREATE_ID = "id_create_%s"
EDIT_ID = "id_edit_%s"
SOURCE_ID = "id_source_%s"
PROBLEM_ID = "id_problem_%s"
ADOPT_ID = "id_adopt_%s"
DRAFT_YEARS = 5
PROBLEM_LABELS = {name: capfirst(field.label) for name, field in ProblemForm.base_fields.items()}


@dataclass
class ProblemRow(ProblemEvidence):
    """A problem on the version's page: its evidence and, on a draft, the forms that change it."""

    form: forms.BaseForm | None = None
    series_form: forms.BaseForm | None = None
    dialogue_form: forms.BaseForm | None = None
    form_open: bool = False  # a submitted form with errors is shown unfolded

    def facts(self) -> list[tuple[str, Any]]:
        """Every SARA field after the title, labelled as in the forms."""
        return [(str(PROBLEM_LABELS[name]), _fact(getattr(self.problem, name))) for name in Problem.FACTS]


def _fact(value: Any) -> Any:
    return ", ".join(value) if isinstance(value, list) else value


def _problem_id(problem_pk: int) -> str:
    return f"id_problem{problem_pk}_%s"


def _series_id(problem_pk: int) -> str:
    return f"id_series{problem_pk}_%s"


def _dialogue_id(problem_pk: int) -> str:
    return f"id_dialogue{problem_pk}_%s"


def _editing(request: HttpRequest, slug: str, version: int) -> tuple[PartnershipAccess, Lagesbild]:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    return access, queries.get_lagesbild(access, version)


def _page(lagesbild: Lagesbild) -> str:
    """The version's page, where every change reports how it went."""
    return reverse("lagesbild:detail", args=[lagesbild.partnership.slug, lagesbild.version])


@login_required
def lagesbild_list(request: HttpRequest, slug: str) -> HttpResponse:
    return _list(request, get_partnership_for_user(request.user, slug))


def _list(
    request: HttpRequest, access: PartnershipAccess, form: LagesbildCreateForm | None = None, status: int = 200
) -> HttpResponse:
    partnership = access.partnership
    versions = queries.versions(partnership)
    current = latest_adopted(partnership)
    today = timezone.localdate()
    if access.can_edit and form is None:
        title = _("Lägesbild %(name)s %(year)s") % {"name": partnership.area.name, "year": today.year}
        initial = {"title": title, "year_from": today.year - DRAFT_YEARS, "year_to": today.year - 1}
        form = LagesbildCreateForm(initial=initial, versions=[v.version for v in versions], auto_id=CREATE_ID)
    context = {
        "access": access,
        "partnership": partnership,
        "versions": versions,
        "current": current,
        "outdated": current is not None and is_outdated(current, today),
        "form": form if access.can_edit else None,
    }
    return render(request, "situation/document_list.html", context, status=status)


@login_required
@require_POST
def lagesbild_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    form = LagesbildCreateForm(request.POST, versions=queries.version_numbers(access.partnership), auto_id=CREATE_ID)
    if not form.is_valid():
        return _list(request, access, form, status=400)
    data = form.cleaned_data
    copy_from = None if data["copy_from"] is None else queries.get_lagesbild(access, data["copy_from"])
    try:
        lagesbild = do_create_lagesbild(
            access,
            title=data["title"],
            year_from=data["year_from"],
            year_to=data["year_to"],
            copy_from=copy_from,
            actor=request.user,
        )
    except LagesbildRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("lagesbild:index", slug)
    messages.success(request, _("Version %(version)s är skapad.") % {"version": lagesbild.version})
    return redirect("lagesbild:detail", slug, lagesbild.version)


@login_required
def lagesbild_detail(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _detail(request, access, queries.get_lagesbild(access, version))


def _detail(
    request: HttpRequest,
    access: PartnershipAccess,
    lagesbild: Lagesbild,
    bound: dict[str, forms.BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page of one version; `bound` holds a submitted form with its errors, by the key it is shown under."""
    bound = bound or {}
    editable = access.can_edit and not lagesbild.is_adopted
    checklist = lagesbild.checklist()
    evidence = queries.problems_with_evidence(lagesbild, access.partnership.area_id)
    problems = [ProblemRow(row.problem, row.series, row.dialogues, row.events) for row in evidence]
    context: dict[str, Any] = {
        "access": access,
        "partnership": access.partnership,
        "lagesbild": lagesbild,
        "checklist": checklist,
        "missing": [item for item in checklist if not item.done],
        "sources": list(visible_sources(lagesbild, access)),
        "problems": problems,
        "editable": editable,
    }
    if editable:
        context.update(_edit_forms(access, lagesbild, problems, bound))
    return render(request, "situation/document_detail.html", context, status=status)


def _edit_forms(
    access: PartnershipAccess, lagesbild: Lagesbild, problems: list[ProblemRow], bound: dict[str, forms.BaseForm]
) -> dict[str, Any]:
    metrics = queries.metrics_with_data()
    dialogues = queries.dialogue_choices(access.partnership)
    for row in problems:
        pk = row.problem.pk
        initial = model_to_dict(row.problem, fields=Problem.EDITABLE_FIELDS)
        row.form = bound.get(f"problem-{pk}") or ProblemForm(initial=initial, auto_id=_problem_id(pk))
        row.series_form = bound.get(f"series-{pk}") or SeriesForm(
            metrics=metrics, initial={"area": access.partnership.area.code}, auto_id=_series_id(pk)
        )
        cited = {dialogue.pk for dialogue in row.dialogues}
        uncited = [dialogue for dialogue in dialogues if dialogue.pk not in cited]
        row.dialogue_form = bound.get(f"dialogue-{pk}") or (
            DialogueLinkForm(dialogues=uncited, auto_id=_dialogue_id(pk)) if uncited else None
        )
        row.form_open = f"problem-{pk}" in bound
    may_restrict = access.can(Can.VIEW_RESTRICTED)
    return {
        "edit_form": bound.get("edit")
        or LagesbildForm(initial=model_to_dict(lagesbild, fields=Lagesbild.EDITABLE_FIELDS), auto_id=EDIT_ID),
        "source_form": bound.get("source") or SourceForm(may_restrict=may_restrict, auto_id=SOURCE_ID),
        "problem_form": bound.get("problem") or ProblemForm(auto_id=PROBLEM_ID),
        "adopt_form": bound.get("adopt") or AdoptForm(auto_id=ADOPT_ID),
        "open_form": next(iter(bound), ""),
    }


@login_required
@require_POST
def lagesbild_update(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    form = LagesbildForm(request.POST, auto_id=EDIT_ID)
    if not form.is_valid():
        return _detail(request, access, lagesbild, {"edit": form}, status=400)

    def update() -> None:
        do_update_lagesbild(access, lagesbild, actor=request.user, **form.cleaned_data)

    return act(request, update, success=_("Lägesbilden är sparad."), back=_page(lagesbild))


@login_required
@require_POST
def source_add(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    form = SourceForm(request.POST, may_restrict=access.can(Can.VIEW_RESTRICTED), auto_id=SOURCE_ID)
    if not form.is_valid():
        return _detail(request, access, lagesbild, {"source": form}, status=400)

    def add() -> None:
        do_add_source(access, lagesbild, actor=request.user, **form.cleaned_data)

    return act(request, add, success=_("Källan är tillagd."), back=_page(lagesbild))


@login_required
@require_POST
def source_remove(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    # A restricted source is as absent to those who may not see it as one that does not exist.
    source = get_object_or_404(visible_sources(lagesbild, access), pk=pk)
    source.lagesbild = lagesbild
    return act(
        request,
        lambda: do_remove_source(access, source, actor=request.user),
        success=_("Källan är borttagen."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def problem_add(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    form = ProblemForm(request.POST, auto_id=PROBLEM_ID)
    if not form.is_valid():
        return _detail(request, access, lagesbild, {"problem": form}, status=400)

    def add() -> None:
        do_add_problem(access, lagesbild, actor=request.user, **form.cleaned_data)

    return act(request, add, success=_("Problemet är tillagt."), back=_page(lagesbild))


@login_required
@require_POST
def problem_update(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    form = ProblemForm(request.POST, auto_id=_problem_id(pk))
    if not form.is_valid():
        return _detail(request, access, lagesbild, {f"problem-{pk}": form}, status=400)

    def update() -> None:
        do_update_problem(access, problem, actor=request.user, **form.cleaned_data)

    return act(request, update, success=_("Problemet är sparat."), back=_page(lagesbild))


@login_required
@require_POST
def problem_remove(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    return act(
        request,
        lambda: do_remove_problem(access, problem, actor=request.user),
        success=_("Problemet är borttaget."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def series_link(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    form = SeriesForm(request.POST, metrics=queries.metrics_with_data(), auto_id=_series_id(pk))
    if not form.is_valid():
        return _detail(request, access, lagesbild, {f"series-{pk}": form}, status=400)
    metric, area = form.cleaned_data["metric"], form.cleaned_data["area"].strip()
    return act(
        request,
        lambda: do_link_series(access, problem, metric, area, actor=request.user),
        success=_("Serien är kopplad till problemet."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def series_unlink(request: HttpRequest, slug: str, version: int, pk: int, link: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    series = queries.get_series_link(problem, link)
    return act(
        request,
        lambda: do_unlink_series(access, series, actor=request.user),
        success=_("Serien är inte längre kopplad till problemet."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def dialogue_link(request: HttpRequest, slug: str, version: int, pk: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    form = DialogueLinkForm(
        request.POST, dialogues=queries.dialogue_choices(access.partnership), auto_id=_dialogue_id(pk)
    )
    if not form.is_valid():
        return _detail(request, access, lagesbild, {f"dialogue-{pk}": form}, status=400)
    dialogue = form.chosen()
    return act(
        request,
        lambda: do_link_dialogue(access, problem, dialogue, actor=request.user),
        success=_("Dialogen är kopplad till problemet."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def dialogue_unlink(request: HttpRequest, slug: str, version: int, pk: int, dialogue: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    problem = queries.get_problem(lagesbild, pk)
    cited = queries.get_cited_dialogue(problem, dialogue)
    return act(
        request,
        lambda: do_unlink_dialogue(access, problem, cited, actor=request.user),
        success=_("Dialogen är inte längre kopplad till problemet."),
        back=_page(lagesbild),
    )


@login_required
@require_POST
def lagesbild_adopt(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    access, lagesbild = _editing(request, slug, version)
    form = AdoptForm(request.POST, auto_id=ADOPT_ID)
    if not form.is_valid():
        return _detail(request, access, lagesbild, {"adopt": form}, status=400)
    decision, decided_on = form.cleaned_data["decision"], form.cleaned_data["decided_on"]
    return act(
        request,
        lambda: do_adopt_lagesbild(access, lagesbild, decision=decision, decided_on=decided_on, actor=request.user),
        success=_("Lägesbilden är fastställd."),
        back=_page(lagesbild),
    )


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
def lagesbild_document(request: HttpRequest, slug: str, version: int, fmt: str) -> HttpResponse:
    """The version as PDF or Word, for the kommunstyrelse; restricted sources only for those who may see them."""
    if fmt not in DOCUMENT_TYPES:
        raise Http404("No such format")
    access = get_partnership_for_user(request.user, slug)
    content = documents.gather(queries.get_lagesbild(access, version), access)
    data = documents.render_pdf(content) if fmt == "pdf" else documents.render_docx(content)
    name = f"lagesbild-{slugify(access.partnership.area.name)}-v{version}.{fmt}"
    return attachment(data, DOCUMENT_TYPES[fmt], name)
