"""Hot spots with Getis-Ord Gi* on a square grid.

Projection: latitude and longitude are turned into metres with a local equirectangular
projection around the centre of the points' bounding box: x = R × Δlongitude × cos(centre
latitude), y = R × Δlatitude (radians, R = 6 371 008.8 m, the mean Earth radius). Over a kommun
(tens of kilometres) the distortion is well below one per cent, far less than a cell; it is not
meant for areas the size of a country.

Grid: square cells of ``cell_size_m`` (500 m by default) cover the bounding box, row 0 in the
south and column 0 in the west; each point is counted in its cell.

Gi*: each cell's neighbourhood is the cell itself and its up to eight neighbours (queen
contiguity, binary weights). With x̄ and S the mean and standard deviation (dividing by n) of
the counts over all n cells of the grid, empty cells included, and W the number of cells in the
neighbourhood:

    z = (Σ neighbourhood counts − x̄ × W) / (S × √((n × W − W²) / (n − 1)))

This is Getis and Ord's Gi* (*Geographical Analysis* 27, 1995), and equals PySAL's
``esda.G_Local(star=True)`` with binary weights. Where the formula is undefined (all cells equal, or
a neighbourhood covering the whole grid) z is 0. z orders the cells and is shown; it is not the test.

The test: randomisation of the points over the grid's cells. The null hypothesis is that the N
events (weighted points count as that many) fell on the n cells of the grid at random, each event in
any cell with the same chance, independently: the "equivalent permutation of the points over the
grid's cells" of Besag and Diggle's Monte Carlo tests for spatial pattern (*Applied Statistics* 26,
1977). Under it a neighbourhood of W cells holds Binomial(N, W / n) events, exactly, so the
one-sided p-value of a cell, P(at least the observed neighbourhood count), is computed exactly
(``scipy.stats.binom.sf``) instead of estimated from, say, 999 shuffles: no Monte Carlo error, no
seed, the same page for the same data, and p-values small enough for a correction over thousands of
cells (999 shuffles cannot give p below 0.001: over 100 cells, one cell at p = 0.001 adjusts to 0.1).
Why not esda's conditional randomisation (hold the cell's own count, shuffle the other cells' counts):
the crowded cell's count stays in the shuffled pool, so a neighbourhood holding it is only as unusual
as drawing that one cell among the others (8 in 99 on a 10 × 10 grid). On a 10 × 10 Poisson(1) grid
with 20 extra events in one cell, esda 2.9.0's ``G_Local(star=True, permutations=9999)`` gives the
cluster's cell p = 0.017 and its neighbours p ≈ 0.05, none of which survives a correction over 100
cells; the exact test here gives 0.00014 and 6e-7, and all nine cells are hot after it. (Its z equals
``gi_star`` to 3e-15.) The normal p-value of z, used before, is far off for sparse grids: one event in
a nearly empty grid has z above 3.

Many cells at once: the cells' p-values are adjusted with Benjamini and Hochberg's procedure
(``lofte.analysis.multiple.adjust``, statsmodels' ``multipletests``) over every cell of the grid,
empty ones included, and a cell is a hot spot when its adjusted p is below 0.05 and z > 0. On a map
of points placed at random, a hot spot then appears on at most about 5 % of maps
(lofte/analysis/tests/test_simulation_hotspots.py), and a cluster of 20 extra events in one cell among 100
is found on every one of 100 simulated maps. ArcGIS's Optimized Hot Spot Analysis corrects its Gi* the
same way (False Discovery Rate).
A cell whose neighbourhood is empty has p = 1; only the others are passed to ``adjust`` and their
adjusted p is scaled by (cells in the grid) / (cells passed), capped at 1, which is exactly the
Benjamini–Hochberg value over the whole grid (the cells with p = 1 rank last and never lower another).

Too few points: below MIN_POINTS (30) events no hot spot is claimed (``reason`` says so, z and p are
still given). Thirty is the least ESRI's Gi* tool (Hot Spot Analysis) advises for reliable results;
with fewer, the
correction over a grid of hundreds of cells cannot call anything short of nearly all points in one
place, and a map of so few points says more about chance than about places.

Cost: one convolution, one binomial tail per cell with events near it, and a sort of those p-values:
O(n + m log m) for n cells and m cells with events near them; a grid of MAX_CELLS (4 million) takes
about a second and a few hundred MB (measured: 1.2 s for 4 million cells and 100 000 points), a kommun's
map of 500 m cells a few tens of milliseconds.

Precision: Polisen's public events carry the kommun's or a town's centre as coordinates, not the
scene. When fewer than 3 distinct locations exist, or they are fewer than 10 % of the points, the
result is flagged ``precise=False``: a "hot spot" there is the centroid, not a place.

Only cells with points or a hot spot are returned, so the result stays small on large, empty grids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy.stats import binom

from lofte.analysis.multiple import BH, adjust
from lofte.analysis.verdicts import DEFAULT_ALPHA

EARTH_RADIUS_M: Final = 6_371_008.8
MIN_POINTS: Final = 30
MIN_DISTINCT_LOCATIONS: Final = 3
MIN_DISTINCT_SHARE: Final = 0.10
MAX_CELLS: Final = 4_000_000
_QUEEN: Final = np.ones((3, 3))

# Why a map makes no hot-spot claim; "" when it makes one (which may be that no cell is hot).
NO_POINTS: Final = "no_points"
TOO_FEW_POINTS: Final = "too_few_points"
IMPRECISE: Final = "imprecise"

Floats = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class HotspotCell:
    row: int
    col: int
    count: int
    lat: float
    lng: float
    z: float
    p: float  # one-sided, exact under the points' randomisation over the cells
    p_adjusted: float  # Benjamini–Hochberg over every cell of the grid
    hot: bool


@dataclass(frozen=True)
class Hotspots:
    cell_size_m: float
    rows: int
    cols: int
    points: int
    skipped: int
    distinct_locations: int
    precise: bool
    cells: tuple[HotspotCell, ...]
    reason: str = NO_POINTS  # NO_POINTS, TOO_FEW_POINTS, IMPRECISE, or "" when the map is assessed

    @property
    def tested(self) -> int:
        """The number of cells the correction was made over (every cell of the grid)."""
        return self.rows * self.cols

    @property
    def assessed(self) -> bool:
        """Whether the map makes a hot-spot claim at all: enough points, precise enough places."""
        return not self.reason

    @property
    def min_points(self) -> int:
        return MIN_POINTS

    @property
    def hot_count(self) -> int:
        return sum(cell.hot for cell in self.cells)


@dataclass(frozen=True)
class _Projection:
    lat0: float
    lng0: float

    def to_metres(self, lat: Floats, lng: Floats) -> tuple[Floats, ...]:
        x = np.radians(lng - self.lng0) * EARTH_RADIUS_M * np.cos(np.radians(self.lat0))
        return x, np.radians(lat - self.lat0) * EARTH_RADIUS_M

    def to_degrees(self, x: Floats, y: Floats) -> tuple[Floats, ...]:
        lng = self.lng0 + np.degrees(x / (EARTH_RADIUS_M * np.cos(np.radians(self.lat0))))
        return self.lat0 + np.degrees(y / EARTH_RADIUS_M), lng


def gi_star(counts: ArrayLike) -> Floats:
    """Gi* z-scores for a 2-D grid of counts, queen neighbourhood including the cell itself."""
    x = np.asarray(counts, dtype=float)
    n = x.size
    # Checked on the range, not on S, so rounding in S cannot turn a uniform grid into hot spots.
    if n < 2 or np.ptp(x) == 0:
        return np.zeros_like(x)
    local = ndimage.convolve(x, _QUEEN, mode="constant", cval=0.0)
    weights = _neighbourhood_sizes(x.shape)
    spread = x.std() * np.sqrt((n * weights - weights**2) / (n - 1))
    return np.divide(local - x.mean() * weights, spread, out=np.zeros_like(x), where=spread > 0)


def randomisation_p(counts: ArrayLike) -> Floats:
    """Each cell's one-sided p-value: the chance that its neighbourhood holds at least the events it holds when the
    grid's events fall on its cells at random, Binomial(N, W / n) exactly."""
    x = np.asarray(counts, dtype=np.int64)
    total, n = int(x.sum()), x.size
    local = ndimage.convolve(x, _QUEEN.astype(np.int64), mode="constant", cval=0)
    return np.asarray(binom.sf(local - 1, total, _neighbourhood_sizes(x.shape) / n), dtype=float)


def bh_over_grid(p: Floats) -> Floats:
    """Benjamini–Hochberg adjusted p-values over every cell of the grid, through `multiple.adjust`.

    Only cells with p < 1 are passed (a large grid is mostly empty); cells with p = 1 rank last under BH, so the
    whole grid's adjusted values are the passed ones scaled by (cells) / (passed), capped at 1."""
    flat = p.ravel()
    below = np.flatnonzero(flat < 1)
    adjusted = np.ones_like(flat)
    if len(below):
        partial = np.asarray(adjust(flat[below].tolist(), BH), dtype=float)
        adjusted[below] = np.minimum(1.0, partial * (flat.size / len(below)))
    return adjusted.reshape(p.shape)


def find_hotspots(
    points: Sequence[tuple[float | None, float | None]] | ArrayLike,
    cell_size_m: float = 500.0,
    weights: Sequence[int] | ArrayLike | None = None,
) -> Hotspots:
    """Bin (lat, lng) points into square cells and mark Gi* hot spots; points without coordinates are skipped.

    `weights` says how many events each point stands for (a database can count events per distinct
    coordinate instead of sending every one); each point counts once without it.
    """
    coords = np.asarray(points, dtype=float).reshape(-1, 2)
    counts = np.ones(len(coords), dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
    if counts.shape != (len(coords),) or (counts < 0).any():
        raise ValueError("weights must be one non-negative count per point")
    finite = np.isfinite(coords).all(axis=1)
    usable, counts = coords[finite], counts[finite]
    skipped = int((~finite).sum()) if weights is None else int(np.asarray(weights, dtype=np.int64)[~finite].sum())
    total = int(counts.sum())
    if not total:
        return Hotspots(cell_size_m, 0, 0, 0, skipped, 0, False, ())
    usable, counts = usable[counts > 0], counts[counts > 0]
    distinct = len(np.unique(usable, axis=0))
    projection = _Projection(*((usable.min(axis=0) + usable.max(axis=0)) / 2))
    x, y = projection.to_metres(usable[:, 0], usable[:, 1])
    rows, cols, row, col = _bin(x - x.min(), y - y.min(), cell_size_m)
    grid = np.bincount(row * cols + col, weights=counts, minlength=rows * cols).astype(np.int64).reshape(rows, cols)
    precise = _is_precise(distinct, total)
    reason = IMPRECISE if not precise else TOO_FEW_POINTS if total < MIN_POINTS else ""
    cells = _cells(grid, projection, (x.min(), y.min()), cell_size_m, claim=not reason)
    return Hotspots(cell_size_m, rows, cols, total, skipped, distinct, precise, cells, reason)


def _neighbourhood_sizes(shape: tuple[int, ...]) -> Floats:
    return np.asarray(ndimage.convolve(np.ones(shape), _QUEEN, mode="constant", cval=0.0), dtype=float)


def _bin(x: Floats, y: Floats, size: float) -> tuple[int, int, NDArray[np.intp], NDArray[np.intp]]:
    if size <= 0:
        raise ValueError("cell size must be positive")
    col, row = (x // size).astype(np.intp), (y // size).astype(np.intp)
    rows, cols = int(row.max()) + 1, int(col.max()) + 1
    if rows * cols > MAX_CELLS:
        # A grid this large means far-flung points or a tiny cell; refuse rather than exhaust memory.
        raise ValueError(f"grid of {rows} × {cols} cells is too large; use larger cells or fewer areas")
    return rows, cols, row, col


def _cells(
    grid: NDArray[np.int64], projection: _Projection, origin: tuple[float, float], size: float, *, claim: bool
) -> tuple[HotspotCell, ...]:
    z = gi_star(grid)
    p = randomisation_p(grid)
    adjusted = bh_over_grid(p)
    hot = (adjusted < DEFAULT_ALPHA) & (z > 0) & claim
    row, col = np.nonzero((grid > 0) | hot)
    lat, lng = projection.to_degrees(origin[0] + (col + 0.5) * size, origin[1] + (row + 0.5) * size)
    # Plain Python lists make building many small records several times faster than numpy scalars.
    columns = zip(
        row.tolist(),
        col.tolist(),
        grid[row, col].tolist(),
        lat.tolist(),
        lng.tolist(),
        z[row, col].tolist(),
        p[row, col].tolist(),
        adjusted[row, col].tolist(),
        hot[row, col].tolist(),
        strict=True,
    )
    return tuple(HotspotCell(*column) for column in columns)


def _is_precise(distinct: int, points: int) -> bool:
    return distinct >= MIN_DISTINCT_LOCATIONS and distinct >= MIN_DISTINCT_SHARE * points
