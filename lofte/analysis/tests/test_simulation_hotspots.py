"""Hot spots on maps where nothing is going on, and on maps with a real cluster (issue 16).

Before: Gi* with z > 1.96 and no correction marked about 3.7 cells of a random 10 × 10 map, and a hot spot on 83 %
of EST-like maps of 60 random reports. Now the cells' exact randomisation p-values are adjusted with
Benjamini–Hochberg over the grid, so a map of random points shows a hot spot on at most about 5 % of maps.
"""

from __future__ import annotations

import numpy as np

from lofte.analysis.hotspots import find_hotspots

MAPS = 300
# 10 × 10 cells of 500 m at latitude 58.3: 0.0449° of latitude and 0.0853° of longitude are just under 5 km.
SOUTH, WEST, HEIGHT, WIDTH = 58.3, 15.1, 0.0449, 0.0853


def _uniform(rng: np.random.Generator, n: int, height: float = HEIGHT, width: float = WIDTH) -> np.ndarray:
    return np.column_stack([SOUTH + rng.random(n) * height, WEST + rng.random(n) * width])


def test_random_10_by_10_maps_show_almost_no_hot_spots() -> None:
    rng = np.random.default_rng(16)
    maps = [find_hotspots(_uniform(rng, 100)) for _ in range(MAPS)]
    assert {m.rows for m in maps} | {m.cols for m in maps} <= {9, 10}  # the grid covers the points' bounding box
    assert all(m.assessed for m in maps)
    hot = np.array([m.hot_count for m in maps])
    assert hot.mean() <= 0.1  # 3.7 with z > 1.96
    assert (hot > 0).mean() <= 0.05


def test_est_like_maps_of_60_random_reports_rarely_show_a_hot_spot() -> None:
    # 60 reports over a box of about 33 × 35 km, in cells of 500 m (EST's smallest hot-spot cell).
    rng = np.random.default_rng(60)
    maps = [find_hotspots(_uniform(rng, 60, 0.3, 0.6), cell_size_m=500) for _ in range(MAPS)]
    assert min(m.rows * m.cols for m in maps) > 3_500
    assert (np.array([m.hot_count for m in maps]) > 0).mean() <= 0.05  # 83 % with z > 1.96


def test_a_real_cluster_is_found_where_it_is() -> None:
    # 20 extra points in one cell-sized square in the middle of the map, among 100 uniform ones.
    rng = np.random.default_rng(20)
    found, near, far = 0, 0, 0
    for _ in range(100):
        cluster = np.column_stack(
            [SOUTH + 0.0225 + rng.random(20) * 0.004, WEST + 0.0427 + rng.random(20) * 0.008]
        )  # fmt: skip
        spots = find_hotspots(np.vstack([_uniform(rng, 100), cluster]))
        # The cluster may straddle two cells, so a hot cell that it explains lies within 2 cells of its centre
        # (1 000 m: 0.009° of latitude, 0.017° of longitude).
        hot = [abs(c.lat - 58.3245) < 0.009 and abs(c.lng - 15.1467) < 0.017 for c in spots.cells if c.hot]
        found += any(hot)
        near, far = near + sum(hot), far + len(hot) - sum(hot)
    assert found >= 95
    # Benjamini–Hochberg controls the share of false hot cells among those marked (5 %), not their absence: with a
    # real cluster on the map, a random excess elsewhere may pass too, but rarely.
    assert far / (near + far) <= 0.05


def test_fewer_than_30_points_never_make_a_claim() -> None:
    rng = np.random.default_rng(29)
    spots = find_hotspots(np.vstack([_uniform(rng, 9), np.full((20, 2), (58.32, 15.14))]))
    assert (spots.points, spots.reason, spots.assessed, spots.hot_count) == (29, "too_few_points", False, 0)
