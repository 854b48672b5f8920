from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lofte.accounts.models import SignInProvider, User
from lofte.audit.admin import AuditedModelAdmin
from lofte.audit.log import record
from lofte.partnerships.admin import MembershipInline, record_grant


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name",)}),
        (_("Behörighet"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Datum"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The user's memberships: each change audited, a granted restricted role in a row of its own."""
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record("admin.create", actor=request.user, obj=obj, changes={"role": obj.role}, shown_everywhere=True)
        for obj, fields in formset.changed_objects:
            changes = {name: str(getattr(obj, name, "")) for name in fields}
            record("admin.change", actor=request.user, obj=obj, changes=changes, shown_everywhere=True)
        for obj in formset.deleted_objects:
            record("admin.delete", actor=request.user, obj=obj, shown_everywhere=True)
        for inline_form in formset.forms:
            record_grant(inline_form, request.user)


@admin.register(SignInProvider)
class SignInProviderAdmin(AuditedModelAdmin):
    """What Löfte trusts a single sign-on provider for; the provider itself is under "Social applications"."""

    list_display = ["provider_id", "email_domains", "trust_email", "trust_mfa"]
    filter_horizontal = ["organisations"]
