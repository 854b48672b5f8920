"""The three ways every feature's views meet an action: run it from a button and say how it went (`act`), show
its refusal beside the form's fields (`refuse_on`), and draw a form page (`form_page`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lofte.lib.refusals import ActionRefused


def act(request: HttpRequest, action: Callable[[], object], *, success: str, back: str) -> HttpResponse:
    """Run one action; its refusal, or `success`, is shown on the page at `back`."""
    try:
        action()
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, success)
    return redirect(back)


def refuse_on(form: forms.BaseForm, refusal: ActionRefused) -> None:
    """Show a refusal beside the fields it concerns, or above the form when it names none of them."""
    placed = False
    for name, errors in refusal.errors.items():
        if name and name in form.fields and errors:
            form.add_error(name, errors)
            placed = True
    if not placed:
        form.add_error(None, str(refusal))


def form_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    form: forms.BaseForm,
    status: int | None = None,
) -> HttpResponse:
    """A page with one form: 200 when it is first shown, 400 when it comes back with errors."""
    if status is None:
        status = 400 if form.is_bound else 200
    page = {**context, "form": form, "multipart": form.is_multipart()}
    return render(request, template, page, status=status)


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The operator's (förvaltarens, a superuser's) pages: anyone not signed in to sign-in, everyone else 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded
