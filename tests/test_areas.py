from __future__ import annotations

from django.test import TestCase

from lofte.areas.models import Area
from lofte.areas.reference import load_reference_areas


class ReferenceAreasTest(TestCase):
    def test_it_has_riket_the_21_lan_and_the_290_kommuner(self) -> None:
        counts = {kind: Area.objects.filter(kind=kind).count() for kind in ("riket", "lan", "kommun")}
        self.assertEqual(counts, {"riket": 1, "lan": 21, "kommun": 290})

    def test_it_keeps_scb_codes_with_leading_zeros(self) -> None:
        mjolby = Area.objects.select_related("parent__parent").get(code="0586")
        self.assertEqual((mjolby.name, mjolby.parent.code, mjolby.parent.name), ("Mjölby", "05", "Östergötlands län"))
        self.assertEqual(mjolby.parent.parent.code, "00")
        self.assertEqual(Area.objects.get(code="0114").name, "Upplands Väsby")

    def test_it_has_a_boundary_for_every_area(self) -> None:
        self.assertFalse(Area.objects.filter(geometry__isnull=True).exists())
        mjolby = Area.objects.get(code="0586")
        west, south, east, north = mjolby.bbox
        self.assertTrue(west < mjolby.centroid_lng < east and south < mjolby.centroid_lat < north)

    def test_it_places_each_kommun_in_its_lan(self) -> None:
        for kommun in Area.objects.filter(kind="kommun").select_related("parent"):
            self.assertTrue(kommun.code.startswith(kommun.parent.code), kommun.code)

    def test_it_loads_again_without_duplicating(self) -> None:
        before = Area.objects.count()
        load_reference_areas(Area)
        self.assertEqual(Area.objects.count(), before)
