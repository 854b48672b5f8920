from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lofte.audit.log import record
from lofte.audit.models import AuditEvent
from lofte.lib.forms import SingleLine


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_repr", "partnership", "ip_address"]
    list_filter = ["action", "partnership"]
    search_fields = ["actor_label", "object_repr", "action"]
    date_hierarchy = "at"
    list_select_related = ["partnership"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes are written to the audit log. What an operator changes here (areas,
    organisations, partnerships, the shared advice pages) may show on any kommun's public pages: each row makes
    them all stale."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # The admin's one-line fields refuse line breaks like every form of the site (lofte.lib.forms.SingleLine).
        form = super().get_form(request, obj, change=change, **kwargs)
        return form if issubclass(form, SingleLine) else type(form.__name__, (SingleLine, form), {})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        changes.pop("password", None)
        verb = "change" if change else "create"
        record(f"admin.{verb}", actor=request.user, obj=obj, changes=changes, shown_everywhere=True)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record("admin.delete", actor=request.user, obj=obj, shown_everywhere=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record("admin.delete", actor=request.user, obj=obj, shown_everywhere=True)
        super().delete_queryset(request, queryset)
