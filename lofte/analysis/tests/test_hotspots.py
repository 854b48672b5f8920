from __future__ import annotations

import math

import numpy as np
import pytest

from lofte.analysis.hotspots import find_hotspots, gi_star

MJOLBY = (58.3259, 15.1236)


def test_it_matches_a_hand_computed_gi_star() -> None:
    # n = 9 cells, sum 7, mean 7/9, mean of squares 27/9 = 3, so S = √(3 − 49/81) = √194 / 9.
    z = gi_star([[5, 1, 0], [1, 0, 0], [0, 0, 0]])
    # Corner: W = 4, local sum 7 → (7 − 28/9) / (√194/9 × √((36 − 16)/8)) = 35 / √485.
    assert z[0, 0] == pytest.approx(35 / math.sqrt(485))
    # Edge: W = 6, local sum 7 → (7 − 42/9) / (√194/9 × √((54 − 36)/8)) = 14 / √194.
    assert z[0, 1] == pytest.approx(14 / math.sqrt(194))
    # Opposite corner: local sum 0 → −28 / √485.
    assert z[2, 2] == pytest.approx(-28 / math.sqrt(485))
    # The centre's neighbourhood is the whole grid, so Gi* is undefined there.
    assert z[1, 1] == 0.0


def test_it_gives_zero_for_a_uniform_grid() -> None:
    assert not gi_star(np.full((4, 5), 3.0)).any()


def _clustered_sample(rng: np.random.Generator, background: int, cluster: int) -> np.ndarray:
    spread = np.column_stack(
        [MJOLBY[0] - 0.05 + rng.random(background) * 0.1, MJOLBY[1] - 0.1 + rng.random(background) * 0.2]
    )
    centre = np.column_stack([58.34 + rng.normal(0, 0.0005, cluster), 15.15 + rng.normal(0, 0.001, cluster)])
    return np.vstack([spread, centre])


def test_it_finds_a_synthetic_cluster() -> None:
    result = find_hotspots(_clustered_sample(np.random.default_rng(7), 2_000, 300))
    hottest = max(result.cells, key=lambda cell: cell.z)
    assert hottest.hot and hottest.p < 0.001
    assert abs(hottest.lat - 58.34) < 0.005 and abs(hottest.lng - 15.15) < 0.01
    assert result.precise and result.distinct_locations == result.points == 2_300
    assert sum(cell.count for cell in result.cells) == 2_300


def test_it_skips_points_without_coordinates() -> None:
    result = find_hotspots([(58.3, 15.1), (None, None), (58.31, None), (58.32, 15.12)])
    assert (result.points, result.skipped) == (2, 2)


def test_it_flags_coordinates_that_are_only_the_kommun_centroid() -> None:
    result = find_hotspots([MJOLBY] * 98 + [(58.30, 15.10), (58.35, 15.20)])
    assert (result.distinct_locations, result.precise) == (3, False)
    assert find_hotspots([MJOLBY, (58.30, 15.10)]).precise is False


def test_it_returns_an_empty_result_without_points() -> None:
    result = find_hotspots([])
    assert (result.points, result.cells, result.precise) == (0, (), False)


def test_it_sizes_the_grid_from_the_cell_size() -> None:
    # 0.034° of longitude here is 1 986 m (4 cells of 500 m); 0.009° of latitude is 1 001 m, just past 2 cells.
    result = find_hotspots([(58.32, 15.10), (58.329, 15.134)], cell_size_m=500)
    assert (result.rows, result.cols) == (3, 4)
    with pytest.raises(ValueError, match="positive"):
        find_hotspots([(58.32, 15.10)], cell_size_m=0)


def test_it_handles_100_000_points() -> None:
    # How fast is measured by `make bench` (docs/benchmarks.md), not here.
    result = find_hotspots(_clustered_sample(np.random.default_rng(1), 90_000, 10_000))
    assert result.points == 100_000 and any(cell.hot for cell in result.cells)


def test_it_counts_weighted_points_as_that_many_events() -> None:
    points = np.round(_clustered_sample(np.random.default_rng(3), 3_000, 500), 3)
    unique, counts = np.unique(points, axis=0, return_counts=True)
    assert len(unique) < len(points)  # rounding made repeats, so the weights matter
    plain, weighted = find_hotspots(points), find_hotspots(unique, weights=counts)
    assert weighted.cells == plain.cells
    assert (weighted.points, weighted.distinct_locations, weighted.precise) == (3_500, len(unique), plain.precise)
    with_missing = find_hotspots([(58.3, 15.1), (None, None)], weights=[4, 3])
    assert (with_missing.points, with_missing.skipped) == (4, 3)
    with pytest.raises(ValueError, match="weights"):
        find_hotspots([(58.3, 15.1)], weights=[1, 2])
