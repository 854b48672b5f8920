"""Make the cached public pages stale when what they show changes (see `lofte.lib.cache`).

Each watched model names the path from its rows to the code of their kommun; a change bumps that kommun's version.
Models every kommun's pages show (organisations, areas, advice shared by all) bump the global version. Bulk
operations (`QuerySet.update`, `bulk_update`) send no signals; the actions that use them (reordering promises,
storing a round's evaluations) write an audit row for the partnership, and every audit row of a partnership bumps
its kommun too. Other code that changes public content in bulk calls `cache.bump` itself.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_save, pre_delete

from lofte.lib import cache

# "app_label.Model" → the lookup from the model to its kommun's code, or None: every kommun.
WATCHED: dict[str, str | None] = {
    "partnerships.Partnership": "area__code",
    "partnerships.Organisation": None,
    "areas.Area": None,
    "promises.Agreement": "partnership__area__code",
    "promises.Decision": "lofte__agreement__partnership__area__code",
    "promises.Medborgarlofte": "agreement__partnership__area__code",
    "promises.FocusArea": "lofte__agreement__partnership__area__code",
    "promises.Goal": "lofte__agreement__partnership__area__code",
    "promises.Promise": "lofte__agreement__partnership__area__code",
    "promises.Activity": "promise__lofte__agreement__partnership__area__code",
    "promises.FollowUpRound": "lofte__agreement__partnership__area__code",
    "promises.GoalEvaluation": "round__lofte__agreement__partnership__area__code",
    "citizens.Warning": "partnership__area__code",
    "citizens.AdvicePage": "partnership__area__code",  # None for shared advice: every kommun
    "est.Incident": "partnership__area__code",
}
# Many-to-many fields whose changes show on the public pages: "app_label.Model.field".
WATCHED_M2M = [
    "partnerships.Partnership.organisations",
    "promises.Promise.responsible",
    "citizens.Warning.areas",
    "citizens.Warning.advice",
]


def codes_of(instance: models.Model) -> list[str]:
    """The kommun codes whose pages show the instance; ALL for what every kommun shows."""
    lookup = WATCHED.get(instance._meta.label)
    if lookup is None or instance.pk is None:
        return [cache.ALL]
    codes = set(type(instance)._default_manager.filter(pk=instance.pk).values_list(lookup, flat=True))
    return [code or cache.ALL for code in codes] or [cache.ALL]


def changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    cache.bump(*codes_of(instance))


def m2m_touched(sender: type[models.Model], instance: models.Model, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        cache.bump(*codes_of(instance))


def audited(sender: type[models.Model], instance: Any, created: bool = False, **kwargs: Any) -> None:
    """Every action writes one audit row: a partnership's marks a change to what its kommun's pages may show."""
    if created and instance.partnership_id and not kwargs.get("raw"):
        cache.bump(*codes_of_partnership(instance.partnership_id))


def codes_of_partnership(partnership_id: int) -> list[str]:
    partnership = apps.get_model("partnerships.Partnership")
    return list(partnership.objects.filter(pk=partnership_id).values_list("area__code", flat=True))


def connect() -> None:
    post_save.connect(audited, sender=apps.get_model("audit.AuditEvent"), dispatch_uid="lofte.public.cache.audit")
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(changed, sender=model, dispatch_uid=f"lofte.public.cache.save.{label}")
        pre_delete.connect(changed, sender=model, dispatch_uid=f"lofte.public.cache.delete.{label}")
    for dotted in WATCHED_M2M:
        label, field = dotted.rsplit(".", 1)
        through = getattr(apps.get_model(label), field).through
        m2m_changed.connect(m2m_touched, sender=through, dispatch_uid=f"lofte.public.cache.m2m.{dotted}")
