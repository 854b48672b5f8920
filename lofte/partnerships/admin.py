"""The operators' admin of organisations, partnerships and memberships.

A membership whose role opens the police's restricted information (polis) is granted here only with a reason in
a field of its own, never by operators to themselves, and with an audit row of its own (`partnerships.actions`:
`check_role_grant`, `record_restricted_grant`); the users' admin (accounts/admin.py) lists memberships with the
same form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lofte.audit.admin import AuditedModelAdmin
from lofte.lib.actors import Actor
from lofte.lib.forms import SingleLine
from lofte.partnerships.actions import (
    CONFIRM_FIELD,
    MembershipRefused,
    check_role_grant,
    record_restricted_grant,
)
from lofte.partnerships.models import Membership, Organisation, Partnership


class MembershipAdminForm(SingleLine, forms.ModelForm):
    """A membership as operators change it; `operator` is the signed-in operator (set per request)."""

    confirm_restricted = forms.CharField(
        label=_("Skäl till behörigheten"),
        required=False,
        max_length=300,
        help_text=_(
            "Krävs när rollen ger tillgång till polisens begränsade uppgifter (polis): vem beslutade och varför. "
            "Skälet skrivs i granskningsloggen. Ingen kan ge sig själv en sådan roll."
        ),
    )
    operator: Actor | None = None
    grants_restricted = False

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "title"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        if user is None or organisation is None or not role or cleaned.get("DELETE"):
            return cleaned
        before = Membership.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        assert self.operator is not None
        try:
            self.grants_restricted = check_role_grant(
                user,
                organisation.pk,
                role,
                before=before,
                actor=self.operator,
                reason=cleaned.get(CONFIRM_FIELD, ""),
            )
        except MembershipRefused as refusal:
            self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
        return cleaned


def membership_form(form: type[forms.ModelForm], operator: Any) -> type[forms.ModelForm]:
    """The form class for this request, knowing who operates it."""
    return type(form.__name__, (form,), {"operator": operator})


def record_grant(form: forms.ModelForm, operator: Any) -> None:
    """The audit row of a granted restricted role, once the form's membership is saved."""
    if getattr(form, "grants_restricted", False) and form.instance.pk:
        record_restricted_grant(form.instance, actor=operator, reason=form.cleaned_data.get(CONFIRM_FIELD, ""))


class MembershipInline(admin.TabularInline):
    """The user's memberships on the user's page, with the same check as MembershipAdmin."""

    model = Membership
    form = MembershipAdminForm
    extra = 0
    autocomplete_fields = ["organisation"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = membership_form(self.form, request.user)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "area"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area"]


@admin.register(Partnership)
class PartnershipAdmin(AuditedModelAdmin):
    list_display = ["name", "area", "starts_on", "ends_on", "is_published", "require_mfa_for_all"]
    list_filter = ["is_published", "require_mfa_for_all"]
    search_fields = ["name", "area__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area"]
    filter_horizontal = ["organisations"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "organisation", "role", "title"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return membership_form(super().get_form(request, obj, change=change, **kwargs), request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_grant(form, request.user)
