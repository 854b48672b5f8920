"""Every single-line text field, in every form of the site and of the admin, refuses line breaks and other
control characters (a title with a line break once stopped a warning's e-mail for good)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django import forms
from django.contrib import admin
from django.test import RequestFactory

import lofte
from lofte.lib.forms import SingleLine, is_single_line, validate_single_line
from tests.base import BaseTestCase


def form_classes() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for module in pkgutil.walk_packages(lofte.__path__, "lofte."):
        if module.name.rsplit(".", 1)[-1] not in ("forms", "views", "admin"):
            continue
        for name, cls in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(cls) and issubclass(cls, forms.BaseForm) and cls.__module__ == module.name:
                found[f"{module.name}.{name}"] = cls
    return list(found.values())


def test_every_form_with_a_one_line_field_refuses_line_breaks() -> None:
    classes = form_classes()
    assert len(classes) > 30
    missing = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if any(is_single_line(field) for field in cls.base_fields.values()) and not issubclass(cls, SingleLine)
    ]
    assert not missing, f"forms without lofte.lib.forms.SingleLine: {missing}"


def test_the_check_refuses_breaks_and_control_characters_and_nothing_else() -> None:
    class TitleForm(SingleLine, forms.Form):
        title = forms.CharField()
        text = forms.CharField(widget=forms.Textarea)

    for title in ("Rad ett\nrad två", "Ett\rtvå", "Ett\u2028två", "Ett\u0085två", "Tab\there", "Noll\x00", "Esc\x1b"):
        form = TitleForm({"title": title, "text": "ok"})
        assert not form.is_valid(), repr(title)
        assert any(e.startswith(("Skriv texten på en rad", "Texten innehåller")) for e in form.errors["title"])
    for title in ("Falska bankmän ringer – igen", "Åsa & Östen: “citat” 100 %", "  mellanslag  "):
        assert TitleForm({"title": title, "text": "Stycke ett.\n\nStycke två."}).is_valid(), repr(title)


class AdminSingleLineTest(BaseTestCase):
    def test_the_admins_forms_refuse_line_breaks(self) -> None:
        request = RequestFactory().get("/admin/")
        request.user = self.staff
        for model, model_admin in admin.site._registry.items():
            if not model.__module__.startswith("lofte."):
                continue  # Django's own (groups): no text of theirs reaches a mail or a page
            if not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request):
                continue
            form = model_admin.get_form(request)
            single = [name for name, field in form.base_fields.items() if is_single_line(field)]
            if single:
                instance = form()
                for name in single:
                    assert validate_single_line in instance.fields[name].validators, (model.__name__, name)

    def test_an_operator_cannot_name_an_organisation_on_two_lines(self) -> None:
        client = self.client_for(self.staff)
        response = client.post(
            "/admin/partnerships/organisation/add/",
            {"name": "Mjölby\nkommun", "slug": "mjolby-2", "kind": "kommun", "area": self.kommun_a.pk},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Skriv texten på en rad")
