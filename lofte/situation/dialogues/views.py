"""The partnership's dialogues and safety walks, under /samverkan/<slug>/dialoger/ (namespace dialoger).

Members read them; those who may edit the lägesbild record, change and delete them. Every change goes through
lofte.situation.dialogues.actions; these views parse, check access, call one action and redirect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, Field, Q, QuerySet, Value, When
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.areas.models import Area
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.situation.dialogues.actions import (
    DialogueRefused,
    do_add_statement,
    do_create_dialogue,
    do_delete_dialogue,
    do_remove_statement,
    do_update_dialogue,
)
from lofte.situation.forms import DIALOGUE_FORM_FIELDS, DialogueFilterForm, DialogueForm, StatementForm
from lofte.situation.models import PARTICIPANT_AGES, PARTICIPANT_GENDERS, Dialogue, DialogueStatement, Problem

STATEMENT_ID = "id_statement_%s"


@dataclass(frozen=True)
class Tally:
    label: str
    count: int


def _labels(names: tuple[str, ...]) -> list[tuple[str, str]]:
    fields = [Dialogue._meta.get_field(name) for name in names]
    return [(field.name, str(capfirst(field.verbose_name))) for field in fields if isinstance(field, Field)]


def _areas(access: PartnershipAccess) -> QuerySet[Area]:
    """What a dialogue may be about: the partnership's kommun and its parts."""
    kommun = access.partnership.area_id
    first = Case(When(pk=kommun, then=Value(0)), default=Value(1))
    areas = Area.objects.filter(Q(pk=kommun) | Q(parent_id=kommun))
    return areas.order_by(first, "kind", "name").only("code", "name", "kind", "parent")


def _get_dialogue(access: PartnershipAccess, pk: int) -> Dialogue:
    dialogue = get_object_or_404(
        Dialogue.objects.select_related("area").defer("area__geometry"), partnership=access.partnership, pk=pk
    )
    dialogue.partnership = access.partnership
    return dialogue


def _editing(request: HttpRequest, slug: str, pk: int) -> tuple[PartnershipAccess, Dialogue]:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    return access, _get_dialogue(access, pk)


def _act(request: HttpRequest, dialogue: Dialogue, action: Callable[[], object], success: str) -> HttpResponse:
    """Run one action; its refusal, or the success, is shown on the dialogue's page."""
    try:
        action()
    except DialogueRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, success)
    return redirect("partnerships:dialoger:detail", dialogue.partnership.slug, dialogue.pk)


# The list with its totals


@login_required
def dialogue_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    partnership = access.partnership
    everything = Dialogue.objects.filter(partnership=partnership)
    years = [day.year for day in everything.dates("date", "year", order="DESC")]
    form = DialogueFilterForm(request.GET or None, years=years)
    kind, year = form.chosen()
    chosen = everything.filter(kind=kind) if kind else everything
    chosen = chosen.filter(date__year=year) if year else chosen
    dialogues = list(
        chosen.select_related("area")
        .defer("area__geometry")
        .annotate(statement_count=Count("statements"))
        .order_by("-date", "-id")
    )
    context = {
        "access": access,
        "partnership": partnership,
        "form": form,
        "filtered": bool(kind or year),
        "dialogues": dialogues,
        **_totals(dialogues),
    }
    return render(request, "situation/dialogue_list.html", context)


def _totals(dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """Participants by gender and by age group, and how many dialogues raised each theme."""

    def total(names: tuple[str, ...]) -> list[Tally]:
        return [Tally(label, sum(getattr(d, name) for d in dialogues)) for name, label in _labels(names)]

    themes = Counter(theme for dialogue in dialogues for theme in dialogue.themes)
    return {
        "by_gender": total(PARTICIPANT_GENDERS),
        "by_age": total(PARTICIPANT_AGES),
        "participants": sum(d.participants for d in dialogues),
        "by_theme": [Tally(theme, count) for theme, count in sorted(themes.items(), key=lambda t: (-t[1], t[0]))],
    }


# Creating and changing a dialogue


def _form_page(
    request: HttpRequest, access: PartnershipAccess, form: DialogueForm, dialogue: Dialogue | None, status: int = 200
) -> HttpResponse:
    context = {"access": access, "partnership": access.partnership, "form": form, "dialogue": dialogue}
    return render(request, "situation/dialogue_form.html", context, status=status)


@login_required
def dialogue_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    if request.method != "POST":
        return _form_page(request, access, DialogueForm(areas=_areas(access)), None)
    form = DialogueForm(request.POST, areas=_areas(access))
    if not form.is_valid():
        return _form_page(request, access, form, None, status=400)
    try:
        dialogue = do_create_dialogue(access, actor=request.user, **form.cleaned_data)
    except DialogueRefused as refusal:
        form.add_error(None, str(refusal))
        return _form_page(request, access, form, None, status=400)
    messages.success(request, _("Dialogen är registrerad."))
    return redirect("partnerships:dialoger:detail", slug, dialogue.pk)


@login_required
def dialogue_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    if request.method != "POST":
        initial = model_to_dict(dialogue, fields=DIALOGUE_FORM_FIELDS)
        return _form_page(request, access, DialogueForm(initial=initial, areas=_areas(access)), dialogue)
    form = DialogueForm(request.POST, areas=_areas(access))
    if not form.is_valid():
        return _form_page(request, access, form, dialogue, status=400)

    def update() -> None:
        do_update_dialogue(access, dialogue, actor=request.user, **form.cleaned_data)

    return _act(request, dialogue, update, _("Dialogen är sparad."))


@login_required
@require_POST
def dialogue_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    try:
        do_delete_dialogue(access, dialogue, actor=request.user)
    except DialogueRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("partnerships:dialoger:detail", slug, pk)
    messages.success(request, _("Dialogen är borttagen."))
    return redirect("partnerships:dialoger:index", slug)


# One dialogue and what was said


@login_required
def dialogue_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _detail(request, access, _get_dialogue(access, pk))


def _detail(
    request: HttpRequest,
    access: PartnershipAccess,
    dialogue: Dialogue,
    statement_form: forms.BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    citations = _citations(dialogue)
    context = {
        "access": access,
        "partnership": access.partnership,
        "dialogue": dialogue,
        "statements": list(dialogue.statements.all()),
        "citations": citations,
        "cited_by_adopted": any(problem.lagesbild.is_adopted for problem in citations),
        "by_gender": [Tally(label, getattr(dialogue, name)) for name, label in _labels(PARTICIPANT_GENDERS)],
        "by_age": [Tally(label, getattr(dialogue, name)) for name, label in _labels(PARTICIPANT_AGES)],
        "editable": access.can_edit,
        "statement_form": (statement_form or StatementForm(auto_id=STATEMENT_ID)) if access.can_edit else None,
        "form_open": statement_form is not None,
    }
    return render(request, "situation/dialogue_detail.html", context, status=status)


def _citations(dialogue: Dialogue) -> list[Problem]:
    """The lägesbild problems that cite the dialogue as evidence, newest version first."""
    problems = (
        Problem.objects.filter(dialogues=dialogue)
        .select_related("lagesbild")
        .only("title", "lagesbild__version", "lagesbild__title", "lagesbild__status", "lagesbild__partnership")
    )
    return list(problems.order_by("-lagesbild__version", "position", "id"))


@login_required
@require_POST
def statement_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    form = StatementForm(request.POST, auto_id=STATEMENT_ID)
    if not form.is_valid():
        return _detail(request, access, dialogue, form, status=400)

    def add() -> None:
        do_add_statement(access, dialogue, actor=request.user, **form.cleaned_data)

    return _act(request, dialogue, add, _("Synpunkten är tillagd."))


@login_required
@require_POST
def statement_remove(request: HttpRequest, slug: str, pk: int, statement: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    found = get_object_or_404(DialogueStatement, dialogue=dialogue, pk=statement)
    found.dialogue = dialogue
    return _act(
        request,
        dialogue,
        lambda: do_remove_statement(access, found, actor=request.user),
        _("Synpunkten är borttagen."),
    )
