from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from lofte.audit.admin import AuditedModelAdmin
from lofte.situation.models import EventCount, Figure, Lagesbild, Problem, ProblemSeries, Source


class FrozenWhenAdopted(AuditedModelAdmin):
    """Drafts may be corrected here; an adopted lägesbild and everything in it is read-only."""

    def lagesbild_of(self, obj: Any) -> Lagesbild:
        return obj.lagesbild

    def is_frozen(self, obj: Any) -> bool:
        return obj is not None and self.lagesbild_of(obj).is_adopted

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.is_frozen(obj):
            return [field.name for field in self.model._meta.concrete_fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.is_frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Lagesbild)
class LagesbildAdmin(FrozenWhenAdopted):
    list_display = ["title", "partnership", "version", "status", "year_from", "year_to", "adopted_at"]
    list_filter = ["status", "partnership"]
    search_fields = ["title", "partnership__name", "decision"]
    list_select_related = ["partnership"]
    # Adoption freezes figures, so it happens only through do_adopt_lagesbild.
    readonly_fields = ["partnership", "version", "status", "adopted_at", "adopted_by", "decision", "created_by"]

    def lagesbild_of(self, obj: Any) -> Lagesbild:
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are numbered by do_create_lagesbild

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The confirmation lists everything deleted with the version, restricted sources too: name them by count.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        restricted = list(Source.objects.filter(lagesbild__in=objs, restricted=True).values_list("pk", "title"))
        if restricted:
            label = capfirst(Source._meta.verbose_name)
            hidden = {reverse("admin:situation_source_change", args=[pk]) for pk, _title in restricted}
            plain = {f"{label}: {escape(title)}" for _pk, title in restricted}
            to_delete = _without(to_delete, hidden, plain)
            message = _("%(count)s begränsade källor (polisens uppgifter, visas inte här)") % {"count": len(restricted)}
            to_delete.append(message)
        return to_delete, model_count, perms_needed, protected


def _without(items: list[Any], links: set[str], plain: set[str]) -> list[Any]:
    """The nested list of deleted objects without the entries that link to, or name, a restricted source."""
    kept: list[Any] = []
    for item in items:
        if isinstance(item, list):
            kept.append(_without(item, links, plain))
        elif str(item) not in plain and not any(f'href="{link}"' in str(item) for link in links):
            kept.append(item)
    return kept


@admin.register(Source)
class SourceAdmin(FrozenWhenAdopted):
    list_display = ["title", "kind", "lagesbild"]
    list_filter = ["kind"]
    search_fields = ["title"]
    list_select_related = ["lagesbild"]
    raw_id_fields = ["lagesbild"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        # Police intelligence is for the police; operating the site is no reason to read it.
        return super().get_queryset(request).filter(restricted=False)


@admin.register(Problem)
class ProblemAdmin(FrozenWhenAdopted):
    list_display = ["title", "lagesbild", "position", "priority"]
    search_fields = ["title", "description"]
    list_select_related = ["lagesbild"]
    raw_id_fields = ["lagesbild"]
    # Cited only through do_link_dialogue, which keeps them within the partnership and out of adopted versions.
    exclude = ["dialogues"]


@admin.register(ProblemSeries)
class ProblemSeriesAdmin(FrozenWhenAdopted):
    list_display = ["problem", "metric", "area"]
    list_select_related = ["problem__lagesbild", "metric", "area"]
    raw_id_fields = ["problem", "metric", "area"]

    def lagesbild_of(self, obj: Any) -> Lagesbild:
        return obj.problem.lagesbild


class WrittenByAdoption(admin.ModelAdmin):
    """Written once by adoption; never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Figure)
class FigureAdmin(WrittenByAdoption):
    list_display = ["lagesbild", "problem", "metric", "area", "period", "value", "status"]
    list_filter = ["period_kind", "status"]
    list_select_related = ["lagesbild", "problem", "metric", "area"]


@admin.register(EventCount)
class EventCountAdmin(WrittenByAdoption):
    list_display = ["lagesbild", "problem", "type", "period_start", "period_end", "count"]
    list_select_related = ["lagesbild", "problem"]
