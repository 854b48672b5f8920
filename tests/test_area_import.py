from __future__ import annotations

import json
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte.areas import geometry
from lofte.areas.actions import AreaRefused, do_delete_subdivision
from lofte.areas.geometry import AreaFileError, parse_area_file
from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.lib.refusals import ActionRefused
from tests.base import BaseTestCase

FIXTURE = Path(__file__).parent / "fixtures" / "mjolby_kommundelar.geojson"


def square(x0: float, y0: float, d: float = 0.02) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}


def collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(name: object, geometry: dict, **props: object) -> dict:
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


# A FeatureCollection whose one geometry nests a hundred thousand arrays deep (some 200 kB).
DEEP = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": ' \
    b'{"type": "Polygon", "coordinates": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}]}"  # fmt: skip


def many_points(count: int) -> bytes:
    """One ring of `count` positions inside Mjölby, built as bytes (json.dumps would be the slow part)."""
    ring = b"[15.1,58.3]," * (count - 1) + b"[15.1,58.3]"
    return (
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, '
        b'"geometry": {"type": "Polygon", "coordinates": [[' + ring + b"]]}}]}"
    )


class ParseAreaFileTest(SimpleTestCase):
    def assertRefused(self, raw: str, *fragments: str) -> None:
        with self.assertRaises(AreaFileError) as caught:
            parse_area_file(raw, "delar.geojson")
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_it_reads_names_and_polygons(self) -> None:
        parsed = parse_area_file(FIXTURE.read_bytes(), FIXTURE.name)
        self.assertEqual([a.name for a in parsed], ["Mjölby centrum", "Skänninge"])
        self.assertAlmostEqual(parsed[0].centroid[0], 58.325, places=3)

    def test_it_refuses_a_file_that_is_not_json(self) -> None:
        self.assertRefused("{nej", "delar.geojson", "inte giltig GeoJSON")

    def test_it_names_the_feature_and_field_when_a_name_is_missing(self) -> None:
        raw = collection(feature("A", square(15.1, 58.3)), feature("", square(15.2, 58.3)))
        self.assertRefused(raw, "delar.geojson, område 2", 'fält "name"', "namn saknas")

    def test_it_recognises_sweref_coordinates(self) -> None:
        raw = collection(feature("A", square(520000, 6460000, 1000)))
        self.assertRefused(raw, "område 1", "SWEREF 99 TM")

    def test_it_refuses_areas_outside_sweden(self) -> None:
        self.assertRefused(collection(feature("Paris", square(2.3, 48.8))), "utanför Sverige")

    def test_it_refuses_a_self_intersecting_polygon(self) -> None:
        bowtie = {
            "type": "Polygon",
            "coordinates": [[[15.1, 58.3], [15.2, 58.4], [15.2, 58.3], [15.1, 58.4], [15.1, 58.3]]],
        }
        self.assertRefused(collection(feature("Fluga", bowtie)), "ogiltig polygon")

    def test_it_refuses_points(self) -> None:
        point = {"type": "Point", "coordinates": [15.1, 58.3]}
        self.assertRefused(collection(feature("P", point)), 'fält "geometry"', "Polygon")

    def test_it_refuses_the_same_area_twice(self) -> None:
        raw = collection(feature("Centrum", square(15.1, 58.3)), feature("centrum", square(15.2, 58.3)))
        self.assertRefused(raw, "område 2", "samma värde som område 1")

    @settings(max_examples=150, deadline=None)
    @given(
        st.recursive(
            st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=5),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
            ),
            max_leaves=20,
        )
    )
    def test_it_only_ever_fails_with_a_readable_error(self, value: object) -> None:
        candidates = [
            json.dumps(value),
            json.dumps({"type": "FeatureCollection", "features": [value]}),
            json.dumps(
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": value, "geometry": value}]}
            ),
        ]
        for raw in candidates:
            try:
                parse_area_file(raw, "x.geojson")
            except AreaFileError as exc:
                self.assertTrue(str(exc).startswith("x.geojson"))


class HostileFileTest(SimpleTestCase):
    """Deeply nested or huge GeoJSON is refused with a message before it can exhaust memory or time."""

    def test_it_refuses_deep_nesting_with_a_message(self) -> None:
        started = time.monotonic()
        with self.assertRaises(AreaFileError) as caught:
            parse_area_file(DEEP, "djup.geojson")
        self.assertEqual(
            str(caught.exception),
            "djup.geojson: filen är nästlad 100\u00a0004 nivåer djupt, men GeoJSON med områden behöver högst 32. "
            "Kontrollera att det är en GeoJSON-fil.",
        )
        self.assertLess(time.monotonic() - started, 2)

    def test_it_refuses_too_many_points_before_parsing_them(self) -> None:
        raw = many_points(geometry.MAX_POSITIONS + 1)
        started = time.monotonic()
        with self.assertRaises(AreaFileError) as caught:
            parse_area_file(raw, "fin.geojson")
        self.assertIn(
            "fin.geojson: gränserna har 2\u00a0000\u00a0001 punkter; högst 2\u00a0000\u00a0000", str(caught.exception)
        )
        self.assertLess(time.monotonic() - started, 2)  # parsing and checking them takes several times longer

    def test_it_refuses_a_file_larger_than_the_limit(self) -> None:
        with self.assertRaisesMessage(AreaFileError, "stor.geojson: filen är 101 MB; högst 100 MB går att läsa."):
            geometry.check_size(100 * 1024 * 1024 + 1, "stor.geojson")

    def test_it_does_not_count_brackets_inside_names(self) -> None:
        name = "[" * 1000 + "Centrum" + "]" * 1000
        [area] = parse_area_file(collection(feature(name[:200], square(15.1, 58.3))), "delar.geojson")
        self.assertEqual(area.name, name[:200])


class LoadAreasCommandTest(TestCase):
    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("load_areas", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_it_adds_districts_and_never_duplicates_them(self) -> None:
        first = self.run_command(str(FIXTURE), "--kommun", "0586", "--json")
        second = self.run_command(str(FIXTURE), "--kommun", "0586", "--json")
        self.assertEqual(json.loads(first)["created"], 2)
        self.assertEqual(json.loads(second)["unchanged"], 2)
        districts = Area.objects.filter(parent__code="0586", kind="district").order_by("code")
        self.assertEqual(
            [(a.code, a.name) for a in districts],
            [("0586-mjolby-centrum", "Mjölby centrum"), ("0586-skanninge", "Skänninge")],
        )

    def test_it_updates_a_changed_boundary(self) -> None:
        self.run_command(str(FIXTURE), "--kommun", "0586")
        path = Path(self.enterContext(self._tmp())) / "delar.geojson"
        path.write_text(collection(feature("Skänninge", square(15.08, 58.39))))
        summary = json.loads(self.run_command(str(path), "--kommun", "0586", "--json"))
        self.assertEqual((summary["created"], summary["updated"]), (0, 1))
        self.assertEqual(Area.objects.get(code="0586-skanninge").bbox[0], 15.08)

    def test_it_writes_nothing_when_one_area_is_bad(self) -> None:
        path = Path(self.enterContext(self._tmp())) / "delar.geojson"
        path.write_text(
            collection(feature("Bra", square(15.1, 58.3)), feature("Dålig", square(15.1, 58.3)) | {"geometry": None})
        )
        with self.assertRaisesMessage(CommandError, "delar.geojson, område 2"):
            self.run_command(str(path), "--kommun", "0586")
        self.assertFalse(Area.objects.filter(kind="district").exists())

    def test_it_saves_nothing_on_a_dry_run(self) -> None:
        output = self.run_command(str(FIXTURE), "--kommun", "0586", "--dry-run")
        self.assertIn("Provkörning", output)
        self.assertFalse(Area.objects.filter(kind="district").exists())

    def test_it_loads_deso_areas_for_many_kommuner_with_their_own_codes(self) -> None:
        path = Path(self.enterContext(self._tmp())) / "deso.geojson"
        path.write_text(
            collection(
                feature("Mjölby 1", square(15.12, 58.32), deso="0586C1010", kommunkod="0586"),
                feature("Motala 1", square(15.03, 58.53), deso="0583C1020", kommunkod="0583"),
            )
        )
        self.run_command(str(path), "--kind", "deso", "--kommun-property", "kommunkod", "--code-property", "deso")
        self.assertEqual(Area.objects.get(code="0583C1020").parent.code, "0583")

    def test_it_warns_about_an_area_outside_the_kommun(self) -> None:
        path = Path(self.enterContext(self._tmp())) / "delar.geojson"
        path.write_text(collection(feature("Kiruna centrum", square(20.2, 67.85))))
        err = StringIO()
        call_command("load_areas", str(path), "--kommun", "0586", stdout=StringIO(), stderr=err)
        self.assertIn("ligger utanför Mjölby", err.getvalue())

    def test_it_refuses_a_huge_file_before_reading_it(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hela_sverige.geojson"
            with path.open("wb") as handle:
                handle.truncate(geometry.MAX_FILE_BYTES + 1)  # sparse: no disk is used, and it is never read
            with self.assertRaises(CommandError) as caught:
                self.run_command(str(path), "--kommun", "0586")
        self.assertIn("hela_sverige.geojson: filen är 101 MB; högst 100 MB går att läsa.", str(caught.exception))

    def test_it_refuses_deep_nesting_with_a_message(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "djup.geojson"
            path.write_bytes(DEEP)
            with self.assertRaisesMessage(CommandError, "djup.geojson: filen är nästlad"):
                self.run_command(str(path), "--kommun", "0586")

    def test_it_exits_with_a_clear_message_for_an_unknown_kommun(self) -> None:
        with self.assertRaisesMessage(CommandError, "Okänd kommunkod: 9999"):
            self.run_command(str(FIXTURE), "--kommun", "9999")

    def test_it_audits_the_import(self) -> None:
        self.run_command(str(FIXTURE), "--kommun", "0586")
        event = AuditEvent.objects.get(action="areas.import")
        self.assertEqual((event.actor_label, event.changes["created"]), ("lofte load-areas", 2))

    def _tmp(self):  # type: ignore[no-untyped-def]
        import tempfile

        return tempfile.TemporaryDirectory()


class UploadViewTest(BaseTestCase):
    def upload(self, user, content: bytes, **data: str):  # type: ignore[no-untyped-def]
        file = SimpleUploadedFile("kommundelar.geojson", content, content_type="application/geo+json")
        return self.client_for(user).post(
            "/omraden/0586/ladda-upp/", {"file": file, "kind": "district", "name_property": "name", **data}
        )

    def test_it_lets_the_samordnare_upload_districts(self) -> None:
        response = self.upload(self.samordnare, FIXTURE.read_bytes())
        self.assertRedirects(response, "/omraden/0586/")
        self.assertEqual(Area.objects.filter(parent=self.kommun_a, kind="district").count(), 2)
        event = AuditEvent.objects.get(action="areas.import")
        self.assertEqual(event.actor, self.samordnare)

    def test_it_shows_the_error_and_keeps_nothing(self) -> None:
        response = self.upload(self.samordnare, b'{"type": "FeatureCollection", "features": []}')
        self.assertContains(response, "kommundelar.geojson: filen innehåller inga områden.", status_code=400)
        self.assertFalse(Area.objects.filter(kind="district").exists())

    def test_it_refuses_a_deeply_nested_file_with_a_message(self) -> None:
        response = self.upload(self.samordnare, DEEP)
        self.assertContains(response, "kommundelar.geojson: filen är nästlad", status_code=400)
        self.assertFalse(Area.objects.filter(kind="district").exists())

    def test_it_refuses_the_police_and_other_kommuner(self) -> None:
        for user in (self.polis, self.samordnare_b):
            self.assertEqual(self.upload(user, FIXTURE.read_bytes()).status_code, 403)
        self.assertFalse(Area.objects.filter(kind="district").exists())


class DeleteSubdivisionTest(BaseTestCase):
    def test_it_refuses_to_delete_a_district_in_use_and_logs_nothing(self) -> None:
        district = Area.objects.create(code="0586-centrum", name="Centrum", kind="district", parent=self.kommun_a)
        self.housing_a.area = district
        self.housing_a.save(update_fields=["area"])
        with self.assertRaisesMessage(ActionRefused, "Centrum används och kan inte tas bort.") as caught:
            do_delete_subdivision(district, actor=self.samordnare)
        self.assertIsInstance(caught.exception, AreaRefused)
        self.assertTrue(Area.objects.filter(code="0586-centrum").exists())
        self.assertFalse(AuditEvent.objects.filter(action="areas.delete").exists())
