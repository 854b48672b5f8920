from __future__ import annotations

from django.contrib import admin

from lofte.audit.admin import AuditedModelAdmin
from lofte.partnerships.models import Membership, Organisation, Partnership


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "area"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area"]


@admin.register(Partnership)
class PartnershipAdmin(AuditedModelAdmin):
    list_display = ["name", "area", "starts_on", "ends_on", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["name", "area__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["area"]
    filter_horizontal = ["organisations"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "organisation", "role", "title"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
