"""The partnership's dialogues and safety walks, under /samverkan/<slug>/dialoger/ (namespace dialoger).

Members read them; those who may edit the lägesbild record, change and delete them. Every change goes through
`actions.py`; these views parse, check access, read through `queries.py`, call one action and redirect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Field
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lofte.lib.views import act, form_page, refuse_on
from lofte.partnerships.access import Can, PartnershipAccess, get_partnership_for_user
from lofte.situation.dialogues import queries
from lofte.situation.dialogues.actions import (
    DialogueRefused,
    do_add_statement,
    do_create_dialogue,
    do_delete_dialogue,
    do_remove_statement,
    do_update_dialogue,
)
from lofte.situation.dialogues.forms import DialogueFilterForm, DialogueForm, StatementForm
from lofte.situation.models import PARTICIPANT_AGES, PARTICIPANT_GENDERS, Dialogue

STATEMENT_ID = "id_statement_%s"


@dataclass(frozen=True)
class Tally:
    label: str
    count: int


def _labels(names: tuple[str, ...]) -> list[tuple[str, str]]:
    fields = [Dialogue._meta.get_field(name) for name in names]
    return [(field.name, str(capfirst(field.verbose_name))) for field in fields if isinstance(field, Field)]


def _editing(request: HttpRequest, slug: str, pk: int) -> tuple[PartnershipAccess, Dialogue]:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    return access, queries.get_dialogue(access, pk)


def _page(dialogue: Dialogue) -> str:
    """The dialogue's page, where every change to it reports how it went."""
    return reverse("dialogues:detail", args=[dialogue.partnership.slug, dialogue.pk])


# The list with its totals


@login_required
def dialogue_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    partnership = access.partnership
    form = DialogueFilterForm(request.GET or None, years=queries.years(partnership))
    kind, year = form.chosen()
    dialogues = queries.dialogues(partnership, kind=kind, year=year)
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


FORM_TEMPLATE = "situation/dialogue_form.html"


def _form_context(access: PartnershipAccess, dialogue: Dialogue | None) -> dict[str, Any]:
    return {"access": access, "partnership": access.partnership, "dialogue": dialogue}


@login_required
def dialogue_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, need=Can.EDIT)
    areas = queries.areas(access.partnership)
    form = DialogueForm(request.POST if request.method == "POST" else None, areas=areas)
    if not form.is_valid():
        return form_page(request, FORM_TEMPLATE, _form_context(access, None), form=form)
    try:
        dialogue = do_create_dialogue(access, actor=request.user, **form.cleaned_data)
    except DialogueRefused as refusal:
        refuse_on(form, refusal)
        return form_page(request, FORM_TEMPLATE, _form_context(access, None), form=form)
    messages.success(request, _("Dialogen är registrerad."))
    return redirect("dialogues:detail", slug, dialogue.pk)


@login_required
def dialogue_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    areas = queries.areas(access.partnership)
    if request.method != "POST":
        initial = model_to_dict(dialogue, fields=Dialogue.EDITABLE_FIELDS)
        form = DialogueForm(initial=initial, areas=areas)
        return form_page(request, FORM_TEMPLATE, _form_context(access, dialogue), form=form)
    form = DialogueForm(request.POST, areas=areas)
    if not form.is_valid():
        return form_page(request, FORM_TEMPLATE, _form_context(access, dialogue), form=form)

    def update() -> None:
        do_update_dialogue(access, dialogue, actor=request.user, **form.cleaned_data)

    return act(request, update, success=_("Dialogen är sparad."), back=_page(dialogue))


@login_required
@require_POST
def dialogue_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    try:
        do_delete_dialogue(access, dialogue, actor=request.user)
    except DialogueRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("dialogues:detail", slug, pk)
    messages.success(request, _("Dialogen är borttagen."))
    return redirect("dialogues:index", slug)


# One dialogue and what was said


@login_required
def dialogue_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    return _detail(request, access, queries.get_dialogue(access, pk))


def _detail(
    request: HttpRequest,
    access: PartnershipAccess,
    dialogue: Dialogue,
    statement_form: forms.BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    citations = queries.citations(dialogue)
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


@login_required
@require_POST
def statement_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    form = StatementForm(request.POST, auto_id=STATEMENT_ID)
    if not form.is_valid():
        return _detail(request, access, dialogue, form, status=400)

    def add() -> None:
        do_add_statement(access, dialogue, actor=request.user, **form.cleaned_data)

    return act(request, add, success=_("Synpunkten är tillagd."), back=_page(dialogue))


@login_required
@require_POST
def statement_remove(request: HttpRequest, slug: str, pk: int, statement: int) -> HttpResponse:
    access, dialogue = _editing(request, slug, pk)
    found = queries.get_statement(dialogue, statement)
    return act(
        request,
        lambda: do_remove_statement(access, found, actor=request.user),
        success=_("Synpunkten är borttagen."),
        back=_page(dialogue),
    )
