from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests

from lofte.analysis.hotspots import bh_over_grid, find_hotspots, gi_star, randomisation_p

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


GRID = np.array([[5, 1, 0, 0], [1, 0, 0, 2], [0, 0, 1, 0], [0, 3, 0, 0]])  # 13 events on 16 cells


def test_its_p_value_is_the_exact_randomisation_of_the_points_over_the_cells() -> None:
    p = randomisation_p(GRID)
    # Corner (0, 0): W = 4 cells hold 5 + 1 + 1 + 0 = 7 of 13 events; under the null each event is there with
    # chance 4/16, so p = P(Binomial(13, 1/4) ≥ 7), scipy's one-sided exact binomial test.
    assert p[0, 0] == pytest.approx(binomtest(7, 13, 4 / 16, alternative="greater").pvalue, rel=1e-12)
    # Inner cell (2, 2): W = 9 cells hold 0 + 0 + 2 + 0 + 1 + 0 + 3 + 0 + 0 = 6 events.
    assert p[2, 2] == pytest.approx(binomtest(6, 13, 9 / 16, alternative="greater").pvalue, rel=1e-12)
    # The same by brute force: 20 000 random placements of the 13 events over the 16 cells (fixed seed).
    rng = np.random.default_rng(13)
    placed = rng.integers(0, 16, size=(20_000, 13))
    grids = np.stack([np.bincount(row, minlength=16).reshape(4, 4) for row in placed])
    corner = grids[:, :2, :2].sum(axis=(1, 2))
    inner = grids[:, 1:4, 1:4].sum(axis=(1, 2))
    assert (corner >= 7).mean() == pytest.approx(p[0, 0], abs=0.005)
    assert (inner >= 6).mean() == pytest.approx(p[2, 2], abs=0.01)


def test_it_adjusts_over_every_cell_of_the_grid() -> None:
    # A large, mostly empty grid: only the cells with events near them are passed to `adjust`, scaled to the grid.
    grid = np.zeros((30, 40), dtype=np.int64)
    grid[10, 10], grid[11, 10], grid[20, 30], grid[5, 35] = 9, 4, 1, 2
    p = randomisation_p(grid)
    reference = multipletests(p.ravel(), method="fdr_bh")[1].reshape(p.shape)
    np.testing.assert_allclose(bh_over_grid(p), reference, rtol=1e-12)
    assert (p < 1).sum() < 50 and (bh_over_grid(p) < 0.05).sum() > 0


def test_a_cell_is_hot_only_when_its_adjusted_p_is_below_5_percent_and_z_positive() -> None:
    result = find_hotspots(_clustered_sample(np.random.default_rng(11), 40, 40))
    assert result.assessed and result.hot_count > 0
    for cell in result.cells:
        assert cell.p_adjusted >= cell.p
        assert cell.hot == (cell.p_adjusted < 0.05 and cell.z > 0)
    # In a sparse grid of 40 scattered events, a single one has z near 3 (hot under the old rule z > 1.96); it is
    # not a hot spot now.
    sparse = find_hotspots(_clustered_sample(np.random.default_rng(11), 40, 0))
    assert sparse.assessed and sparse.hot_count == 0
    assert [cell for cell in sparse.cells if cell.count == 1 and cell.z > 1.96]


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
    assert (result.distinct_locations, result.precise, result.reason, result.hot_count) == (3, False, "imprecise", 0)
    assert find_hotspots([MJOLBY, (58.30, 15.10)]).precise is False


def test_it_returns_an_empty_result_without_points() -> None:
    result = find_hotspots([])
    assert (result.points, result.cells, result.precise, result.reason) == (0, (), False, "no_points")


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
