from __future__ import annotations

from django.contrib import admin

from lofte.areas.models import Area
from lofte.audit.admin import AuditedModelAdmin


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["bbox", "centroid_lat", "centroid_lng", "created_at", "updated_at"]
