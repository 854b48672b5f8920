"""The shared advice pages (no partnership) are the operators' to change, here; a partnership's own pages are
written by its members through `citizens.advice` with the personal-data check. Every change is audited, which
makes every kommun's public pages stale (`lofte.audit.log.record`)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lofte.audit.admin import AuditedModelAdmin
from lofte.citizens.models import AdvicePage


@admin.register(AdvicePage)
class SharedAdviceAdmin(AuditedModelAdmin):
    list_display = ["title", "slug", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    exclude = ["partnership"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AdvicePage]:
        return super().get_queryset(request).filter(partnership__isnull=True)
