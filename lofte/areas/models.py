from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

RIKET_CODE = "00"


class Area(models.Model):
    """A place statistics and work are about: riket, a län, a kommun, or a part of a kommun."""

    class Kind(models.TextChoices):
        RIKET = "riket", _("Riket")
        LAN = "lan", _("Län")
        KOMMUN = "kommun", _("Kommun")
        DISTRICT = "district", _("Kommundel")
        REGSO = "regso", _("RegSO")
        DESO = "deso", _("DeSO")

    code = models.CharField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("ingår i"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # GeoJSON geometry in WGS84 (EPSG:4326), a Polygon or MultiPolygon.
    geometry = models.JSONField(_("gräns"), null=True, blank=True)
    bbox = models.JSONField(_("avgränsande rektangel"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)
    source = models.CharField(_("källa"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("område")
        verbose_name_plural = _("områden")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("areas:detail", args=[self.code])

    @property
    def parent_code(self) -> str | None:
        return self.parent.code if self.parent_id else None  # type: ignore[union-attr]

    @property
    def is_subdivision(self) -> bool:
        return self.kind in SUBDIVISION_KINDS

    def as_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": self.code,
            "properties": {"code": self.code, "name": self.name, "kind": self.kind},
            "geometry": self.geometry,
        }


# The kinds a kommun loads from files; riket, län and kommuner are reference data.
SUBDIVISION_KINDS = frozenset({Area.Kind.DISTRICT, Area.Kind.REGSO, Area.Kind.DESO})
