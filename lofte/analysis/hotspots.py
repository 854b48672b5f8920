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

The p-value is two-sided from the standard normal, and a cell is a hot spot when z > 1.96. Where
the formula is undefined (all cells equal, or a neighbourhood covering the whole grid) z is 0.
The normal approximation is poor for very sparse grids, and with many cells about 2.5 % are
"hot" by chance alone (no correction for multiple testing), so read hot spots as places to look
at, not as proof.

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
from scipy.stats import norm

EARTH_RADIUS_M: Final = 6_371_008.8
HOT_Z: Final = 1.96
MIN_DISTINCT_LOCATIONS: Final = 3
MIN_DISTINCT_SHARE: Final = 0.10
MAX_CELLS: Final = 4_000_000
_QUEEN: Final = np.ones((3, 3))

Floats = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class HotspotCell:
    row: int
    col: int
    count: int
    lat: float
    lng: float
    z: float
    p: float
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
    weights = ndimage.convolve(np.ones_like(x), _QUEEN, mode="constant", cval=0.0)
    spread = x.std() * np.sqrt((n * weights - weights**2) / (n - 1))
    return np.divide(local - x.mean() * weights, spread, out=np.zeros_like(x), where=spread > 0)


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
    z = gi_star(grid)
    cells = _cells(grid, z, projection, (x.min(), y.min()), cell_size_m)
    return Hotspots(cell_size_m, rows, cols, total, skipped, distinct, _is_precise(distinct, total), cells)


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
    grid: NDArray[np.int64], z: Floats, projection: _Projection, origin: tuple[float, float], size: float
) -> tuple[HotspotCell, ...]:
    row, col = np.nonzero((grid > 0) | (z > HOT_Z))
    lat, lng = projection.to_degrees(origin[0] + (col + 0.5) * size, origin[1] + (row + 0.5) * size)
    cell_z = z[row, col]
    p = 2 * norm.sf(np.abs(cell_z))
    # Plain Python lists make building many small records several times faster than numpy scalars.
    columns = zip(
        row.tolist(),
        col.tolist(),
        grid[row, col].tolist(),
        lat.tolist(),
        lng.tolist(),
        cell_z.tolist(),
        p.tolist(),
        strict=True,
    )
    return tuple(HotspotCell(r, c, n, la, lo, zz, pz, hot=zz > HOT_Z) for r, c, n, la, lo, zz, pz in columns)


def _is_precise(distinct: int, points: int) -> bool:
    return distinct >= MIN_DISTINCT_LOCATIONS and distinct >= MIN_DISTINCT_SHARE * points
