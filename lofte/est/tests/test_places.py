"""The geometry of places without a database: distances and the grid that generalises points."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lofte.est.places import LatLng, cell_centre, distance_m, generalise, grid_cell

MJOLBY = LatLng(58.3255, 15.1273)
latitudes = st.floats(min_value=55.0, max_value=69.0)
longitudes = st.floats(min_value=10.0, max_value=24.5)


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert abs(distance_m(LatLng(58.0, 15.0), LatLng(59.0, 15.0)) - 111_195) < 5


def test_a_degree_of_longitude_shrinks_with_the_cosine_of_the_latitude() -> None:
    assert abs(distance_m(LatLng(58.3255, 15.0), LatLng(58.3255, 16.0)) - 58_420) < 50


@given(latitudes, longitudes, st.sampled_from([50, 100, 250, 1000]))
def test_a_generalised_point_lies_within_the_cell_and_snaps_to_itself(lat: float, lng: float, grid_m: int) -> None:
    point = LatLng(lat, lng)
    centre = generalise(point, grid_m)
    # At most half the cell's diagonal away (plus rounding to six decimals, about 0.1 m).
    assert distance_m(point, centre) <= grid_m * 0.7072 + 0.2
    assert generalise(centre, grid_m) == centre


@given(latitudes, longitudes)
def test_points_in_the_same_cell_are_shown_at_the_same_place(lat: float, lng: float) -> None:
    cell = grid_cell(LatLng(lat, lng), 250)
    assert grid_cell(cell_centre(cell, 250), 250) == cell


def test_neighbouring_points_either_side_of_a_cell_edge_part() -> None:
    a = generalise(MJOLBY, 250)
    b = generalise(LatLng(MJOLBY.lat + 0.003, MJOLBY.lng), 250)  # about 330 m north
    assert a != b
    assert 200 < distance_m(a, b) < 510
