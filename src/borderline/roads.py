"""Routable road graphs whose edges are split at state borders and tagged with sovereignty.

:func:`roads_from_lines` builds a :class:`RoadGraph` from any line layer with a road-class column;
:func:`roads_from_pbf` reads an OpenStreetMap PBF extract and hands its ways to the same builder. Edges are
cut wherever a road crosses a state boundary, each piece is tagged with the state whose territory it lies in,
and each node on a border is tagged with the pair of states it joins. Lengths are geodesic (WGS84); travel
times come from a speed table by road class. :meth:`RoadGraph.csr` gives the compact numeric form that
:mod:`scipy.sparse.csgraph` routes on.

How the graph is built
----------------------
1. Multi-lines are split into parts; parts drawn against a one-way direction (``oneway=-1``) are reversed.
2. With ``states``, every road segment that meets a state boundary segment (an STRtree query, then
   ``shapely.intersection`` over the candidate pairs, all vectorised) gets the meeting points inserted as
   vertices, each carrying the state whose boundary produced it.
3. Every vertex is keyed on a 1e-7° identity grid (about 1 cm; an identity, not a distance). Nodes are the
   part end points, the inserted border points, and every vertex whose key occurs more than once (a vertex
   shared by two roads, or by a road with itself). Roads that cross without sharing a vertex (bridges,
   tunnels, or layers drawn without noding) are *not* connected: that is how OSM draws grade separation.
4. Nodes closer than ``snap_m`` metres are merged (single linkage): candidate pairs come from a k-d tree over
   Earth-centred (ECEF) coordinates, whose straight-line distance never exceeds the geodesic one, and every
   pair is then checked with the geodesic distance on the WGS84 ellipsoid. Only nodes are snapped; a road end
   near the middle of another road (no shared vertex) stays unconnected.
5. Each part is cut at its nodes into edges, one ``shapely.linestrings`` call for all of them. Lengths are
   sums of WGS84 geodesics between consecutive vertices (:func:`borderline.geodesy.segment_lengths_m`, the
   same measure as ``line_lengths_km``, taken from the flat vertex array); ``minutes = length_m / 1000 /
   speed_kmh * 60``.
6. An edge's state is the state whose interior holds a point inside the edge (its middle interior vertex, or
   the middle of a one-segment edge); a node's state is the state whose interior or boundary holds it. A node
   on the boundaries of two or more states has no state and a ``crossing`` label instead ("KGZ–TJK": codes
   sorted, en dash; three codes at a tripoint). A node on one state's outer edge only (a coast, or land no
   state in the layer claims) is that state's, with no crossing label; the edge beyond it has no state.
   Where polygons overlap (an enclave drawn without a hole in its host), the smallest state holding the
   point wins, with a warning. Edges that run along a border (both ends and midpoint on it, within 1e-9°
   round-off) have no state and carry the pair in ``on_border``.

Why pyrosm for PBF
------------------
:func:`roads_from_pbf` reads PBF with `pyrosm <https://pyrosm.readthedocs.io/>`_ (Cython over the PBF
protobuf blocks, straight into GeoDataFrames). It was chosen over pyosmium (``osmium``) because it returns
whole ways as LineStrings with their tags already filtered by network type (``driving``, ``walking``,
``cycling``, ``driving+service``, ``all``, filters modelled on OSMnx's) and a bounding box, without a Python
callback per OSM object; its wheels cover CPython 3.11–3.15 with shapely 2.1; and it ships two real OSM
extracts (``test.osm.pbf`` and ``Helsinki.osm.pbf``) inside the package, so the reader is tested on real
data offline. The Helsinki driving network (725 ways) builds in well under a second. pyrosm reads the whole
file into memory (also with ``bbox``, which filters after reading): for country extracts of Central Asia
(tens of MB) that is fine; cut continent-sized files to a region first (e.g. ``osmium extract``). pyosmium
streams and scales further, and is the fallback if memory ever becomes the limit. pyrosm only opens files
named ``*.pbf``; other names are read through a temporary symlink.

pyrosm's own graph output (``nodes=True``) is not used: it cuts ways at every vertex (Helsinki: 1,500
two-point edges and 1,437 nodes, against 772 edges and 709 nodes cut at junctions here), which inflates the
graph without adding routes. OSM ways that meet share a node, hence identical coordinates, so step 3 above
nodes them exactly as OSM's topology says.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import tempfile
import warnings
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse

from borderline.datasets import Provenance, States
from borderline.errors import BorderlineWarning, DataError, InputFileError, first_line
from borderline.geodesy import areas_km2, check_bbox, segment_lengths_m
from borderline.io import file_version

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Travel speeds in km/h by OSM ``highway`` class. These are assumptions, not measurements. The motor-road
#: classes are the defaults of OSRM's car profile (osrm-backend ``profiles/car.lua``, ``speeds.highway``:
#: free-flow speeds for a car where no ``maxspeed`` is tagged). ``track`` is our assumption for an unpaved
#: rural track (OSRM's car profile does not route on tracks); the foot classes use OSRM's foot-profile walking
#: speed (5 km/h). ``default`` is the fallback for any class not in the table (the speed of an unclassified
#: road); classes that fall back to it are counted in a warning. Real speeds in mountain valleys are often
#: lower: pass your own table (``speeds=``), which overrides these entries class by class.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "road": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 15.0,
    "path": 5.0,
    "footway": 5.0,
    "pedestrian": 5.0,
    "steps": 5.0,
    "bridleway": 5.0,
    "cycleway": 5.0,
    "corridor": 5.0,
    "default": 25.0,
}

#: Speeds for :func:`roads_from_pbf`'s ``walking`` and ``cycling`` networks, on every class: OSRM's foot
#: profile walking speed (5 km/h) and bicycle profile default speed (15 km/h). Assumptions, as above.
WALKING_SPEED_KMH = 5.0
CYCLING_SPEED_KMH = 15.0

#: Key of :data:`DEFAULT_SPEEDS_KMH` (and of a user table) holding the fallback speed.
FALLBACK_CLASS = "default"

#: Vertex identity grid in degrees (about 1 cm): vertices that round to the same grid point are one vertex.
GRID_DEG = 1e-7

#: Numerical tolerance in degrees (about 0.1 mm) for "this computed point lies on a boundary"; an identity
#: tolerance for floating-point round-off, never used as a distance.
ON_LINE_DEG = 1e-9

#: Network types that :func:`roads_from_pbf` accepts (pyrosm's filters).
NETWORKS = ("driving", "driving+service", "walking", "cycling", "all")

NODE_COLUMNS = ["node_id", "state", "crossing", "name", "source", "geometry"]
EDGE_COLUMNS = ["edge_id", "u", "v", "road_class", "state", "on_border", "length_m", "speed_kmh", "minutes",
                "oneway", "name", "source_id", "source", "geometry"]

_ONEWAY_FORWARD = {"yes", "true", "1", "forward", "y", "t"}
_ONEWAY_REVERSE = {"-1", "reverse", "backward"}
_ONEWAY_TWOWAY = {"no", "false", "0", "n", "f", "", "nan", "none", "reversible", "alternating"}


@dataclass(frozen=True, eq=False, repr=False)
class RoadGraph:
    """A road network as nodes and directed-or-two-way edges, split at state borders.

    Attributes
    ----------
    nodes : GeoDataFrame
        Index 0..n-1. ``node_id`` (int, equal to the index), ``state`` (str or None: the state whose
        territory holds the node; None outside every state and on a border between states), ``crossing``
        (str or None: on a border, the states it joins, e.g. ``"KGZ–TJK"``, codes sorted, en dash; three codes
        at a tripoint), ``name`` (str or None), ``source`` (provenance label), Point ``geometry`` (EPSG:4326).
    edges : GeoDataFrame
        Index 0..m-1. ``edge_id`` (int), ``u``, ``v`` (node positions; the geometry runs from ``u`` to ``v``),
        ``road_class`` (str), ``state`` (str or None: the state whose territory holds the edge), ``on_border``
        (str or None: the pair of states when the edge runs along their border), ``length_m`` (geodesic,
        WGS84), ``speed_kmh``, ``minutes`` (travel time), ``oneway`` (bool: only ``u`` → ``v`` is allowed),
        ``name`` (str or None), ``source_id`` (id of the road feature the edge came from: the line layer's
        index label or the OSM way id), ``source`` (provenance label), LineString ``geometry`` (EPSG:4326).
    provenance : Provenance
        Where the roads came from; notes record the states used, snapping and dropped features.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    provenance: Provenance

    def __repr__(self) -> str:
        n_cross = int(self.nodes["crossing"].notna().sum()) if "crossing" in self.nodes else 0
        return (f"RoadGraph({self.n_nodes:,} nodes, {self.n_edges:,} edges, {n_cross:,} border nodes; "
                f"{self.provenance.label()})")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edges)

    def csr(self, weight: str = "minutes") -> sparse.csr_matrix:
        """The graph as a directed sparse adjacency matrix for :mod:`scipy.sparse.csgraph`.

        Parameters
        ----------
        weight : str
            Numeric edge column to use as the weight (``minutes`` or ``length_m``; any positive column).

        Returns
        -------
        scipy.sparse.csr_matrix
            ``n_nodes × n_nodes``, float64. Entry ``[i, j]`` is the weight of the cheapest edge from node
            ``i`` to node ``j``: one-way edges appear as ``u → v`` only, two-way edges in both directions,
            parallel edges keep the minimum weight. Self-loops are left out (they never shorten a path).

        Raises
        ------
        DataError
            If ``weight`` is not a numeric edge column, or has negative or missing values.
        """
        if weight not in self.edges.columns or weight == self.edges.geometry.name:
            numeric = [c for c in self.edges.columns if pd.api.types.is_numeric_dtype(self.edges[c])]
            raise DataError(f"unknown weight column {weight!r}; use one of {', '.join(numeric)}")
        if not pd.api.types.is_numeric_dtype(self.edges[weight]) or pd.api.types.is_bool_dtype(self.edges[weight]):
            raise DataError(f"weight column {weight!r} is not numeric; use minutes or length_m")
        w = self.edges[weight].to_numpy(dtype=np.float64)
        if np.isnan(w).any() or (w < 0).any():
            raise DataError(f"weight column {weight!r} has missing or negative values; shortest paths need "
                            "weights ≥ 0")
        u = self.edges["u"].to_numpy(dtype=np.int64)
        v = self.edges["v"].to_numpy(dtype=np.int64)
        two = ~self.edges["oneway"].to_numpy(dtype=bool)
        rows = np.concatenate([u, v[two]])
        cols = np.concatenate([v, u[two]])
        ws = np.concatenate([w, w[two]])
        keep = rows != cols
        rows, cols, ws = rows[keep], cols[keep], ws[keep]
        n = self.n_nodes
        # parallel edges: the cheapest of each (row, col) pair, by one lexsort
        order = np.lexsort((ws, cols, rows))
        rows, cols, ws = rows[order], cols[order], ws[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, ws = rows[first], cols[first], ws[first]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        idx_type = np.int32 if max(n, len(cols)) < 2**31 - 1 else np.int64
        return sparse.csr_matrix((ws, cols.astype(idx_type), indptr.astype(idx_type)), shape=(n, n))


# --------------------------------------------------------------------------------------------- line layers


def roads_from_lines(
    lines: gpd.GeoDataFrame,
    *,
    class_column: str = "highway",
    name_column: str | None = None,
    oneway_column: str | None = None,
    speeds: Mapping[str, float] | None = None,
    states: States | gpd.GeoDataFrame | None = None,
    snap_m: float = 1.0,
    provenance: Provenance | None = None,
) -> RoadGraph:
    """Build a routable road graph from a line layer with a road-class column.

    Parameters
    ----------
    lines : GeoDataFrame
        LineString / MultiLineString roads in any CRS (a projected layer is reprojected to EPSG:4326 with a
        warning; a layer without CRS is taken as EPSG:4326 with a warning). Rows without geometry are dropped
        with a warning.
    class_column : str
        Column with the road class (OSM ``highway`` values such as ``primary``, ``track``, or any classes your
        ``speeds`` table names). Classes are matched case-insensitively.
    name_column : str, optional
        Column with road names.
    oneway_column : str, optional
        Column saying whether a road is one-way: booleans, or OSM values (``yes``/``true``/``1`` one-way along
        the drawing direction, ``-1``/``reverse`` against it, ``no``/empty two-way). Without it every road is
        two-way.
    speeds : mapping of str to float, optional
        Speeds in km/h by class; they override :data:`DEFAULT_SPEEDS_KMH` class by class. The ``default``
        entry is the fallback for classes in neither table (counted in a warning).
    states : States or GeoDataFrame, optional
        State polygons (``state_id``, EPSG:4326). With them, edges are split where roads cross a state
        boundary and tagged with their state; nodes on borders are tagged with the pair.
    snap_m : float
        Nodes closer than this, in metres (geodesic), are merged. ``0`` merges only vertices on the same
        1e-7° identity grid point.
    provenance : Provenance, optional
        Where the roads came from; defaults to the layer's ``attrs["provenance"]``, else an in-memory marker.
        Mark authored networks ``schematic=True``.

    Returns
    -------
    RoadGraph

    Raises
    ------
    DataError
        If the class column is missing, geometries are not lines, a speed is not positive, ``snap_m`` is
        negative, or no edge is left.
    """
    if not isinstance(lines, gpd.GeoDataFrame) or lines.geometry.name not in lines.columns:
        raise DataError("roads must be a GeoDataFrame of LineString/MultiLineString roads with a geometry column")
    prov = provenance or _frame_provenance(lines)
    where = prov.source or prov.dataset_id
    cols = [str(c) for c in lines.columns if c != lines.geometry.name]
    if class_column not in lines.columns:
        raise DataError(f"{where}: no road-class column {class_column!r}; columns are "
                        f"{', '.join(cols) or '(none)'}; pass class_column=")
    for label, col in (("name_column", name_column), ("oneway_column", oneway_column)):
        if col is not None and col not in lines.columns:
            raise DataError(f"{where}: {label} {col!r} not found; columns are {', '.join(cols)}")
    table = _speed_table(speeds)
    _check_snap(snap_m)
    notes = list(prov.notes)
    lines = _to_lonlat(lines, where, notes)

    geoms = lines.geometry.values
    missing = np.asarray(geoms.isna() | geoms.is_empty)
    if missing.any():
        warnings.warn(f"{where}: {int(missing.sum())} road features have no geometry and were dropped",
                      BorderlineWarning, stacklevel=2)
        notes.append(f"dropped {int(missing.sum())} features without geometry")
        lines = lines.loc[~missing]
    arr = np.asarray(lines.geometry.values)
    types = shapely.get_type_id(arr)
    bad = ~np.isin(types, [1, 5])  # LineString, MultiLineString
    if bad.any():
        kinds = sorted({str(t) for t in lines.geometry.values[bad].geom_type})
        first = ", ".join(str(x) for x in lines.index[np.flatnonzero(bad)[:3]])
        raise DataError(f"{where}: {int(bad.sum())} road features are {'/'.join(kinds)}, not lines (e.g. rows "
                        f"{first}); roads must be LineString or MultiLineString")
    if len(arr) == 0:
        raise DataError(f"{where}: the road layer has no features")

    classes = _class_values(lines[class_column])
    names = _optional_str(lines[name_column]) if name_column else np.full(len(arr), None, dtype=object)
    oneway = _oneway_codes(lines[oneway_column], where) if oneway_column else np.zeros(len(arr), dtype=np.int8)
    source_ids = np.asarray(lines.index.to_numpy())
    return _build(arr, classes, names, oneway, source_ids, table, states, snap_m, replace(prov, notes=tuple(notes)),
                  where)


# --------------------------------------------------------------------------------------------- OSM PBF


def roads_from_pbf(
    path: str | os.PathLike[str],
    *,
    bbox: Sequence[float] | None = None,
    states: States | gpd.GeoDataFrame | None = None,
    speeds: Mapping[str, float] | None = None,
    network: str = "driving",
    snap_m: float = 0.0,
) -> RoadGraph:
    """Build a routable road graph from an OpenStreetMap PBF extract.

    Ways are read with pyrosm, filtered by ``network`` and ``bbox``, and built with the same rules as
    :func:`roads_from_lines` (class column ``highway``, names from ``name``, one-way from ``oneway``;
    ``highway=motorway`` and ``junction=roundabout``/``circular`` are one-way unless tagged otherwise, as OSM
    implies). ``source_id`` is the OSM way id.

    Parameters
    ----------
    path : path-like
        An ``.osm.pbf`` file.
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Keep only ways in this box, degrees.
    states : States or GeoDataFrame, optional
        State polygons to split and tag edges by (see :func:`roads_from_lines`).
    speeds : mapping of str to float, optional
        Speeds in km/h by ``highway`` class, overriding the network's table: :data:`DEFAULT_SPEEDS_KMH` for
        ``driving``, ``driving+service`` and ``all``; :data:`WALKING_SPEED_KMH` or :data:`CYCLING_SPEED_KMH`
        on every class for ``walking`` and ``cycling``.
    network : str
        pyrosm network filter: ``driving`` (default), ``driving+service``, ``walking``, ``cycling`` or ``all``.
    snap_m : float
        Merge nodes closer than this, metres. Default 0: in OSM, ways are connected exactly where they share
        a node, and two ways ending a metre apart are deliberately not connected.

    Returns
    -------
    RoadGraph

    Raises
    ------
    InputFileError
        If the file is missing, not an OSM PBF, or truncated.
    DataError
        If ``bbox`` or ``network`` is invalid, or no road of that network is in the file (or box).
    """
    p = Path(path).expanduser()
    if network not in NETWORKS:
        raise DataError(f"unknown network {network!r}; use one of {', '.join(NETWORKS)}")
    box = _check_bbox(bbox)
    table = _speed_table(speeds, _network_speeds(network))
    _check_snap(snap_m)
    header = check_pbf(p)
    try:
        import pyrosm
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputFileError("reading OSM PBF needs pyrosm; install it with `pip install pyrosm`") from None
    try:
        with warnings.catch_warnings(), _pbf_named(p) as named:
            warnings.simplefilter("ignore")  # pyrosm's own deprecation chatter is not about the data
            osm = pyrosm.OSM(str(named), bounding_box=list(box) if box else None)
            ways = osm.get_network(network_type=network)
    except InputFileError:
        raise
    except Exception as exc:  # pyrosm raises protobuf, zlib and its own errors
        raise InputFileError(f"cannot read {p} as OSM PBF ({first_line(exc)}); the file may be corrupt: "
                             "download it again") from None
    where_box = f" within bbox {list(box)}" if box else ""
    if ways is None or len(ways) == 0:
        raise DataError(f"{p}: no {network} roads{where_box}; try network='all' or a larger bbox")
    ways = ways[ways.geometry.notna()]
    if "highway" not in ways.columns:
        raise DataError(f"{p}: the {network} ways carry no highway tag; is this an OSM road extract?")
    ways = ways.set_index(ways["id"].to_numpy(dtype=np.int64))
    lines = gpd.GeoDataFrame({
        "highway": ways["highway"].to_numpy(dtype=object),
        "name": ways["name"].to_numpy(dtype=object) if "name" in ways else None,
        "oneway": _osm_oneway(ways),
    }, geometry=ways.geometry.values, index=ways.index, crs=4326)
    version = header.get("replication_timestamp") or file_version(p)
    notes = [f"network {network}" + (f", bbox {list(box)}" if box else ""), f"{len(lines)} OSM ways"]
    if header.get("writingprogram"):
        notes.append(f"written by {header['writingprogram']}")
    prov = Provenance("osm-pbf", str(version), "ODbL 1.0 (© OpenStreetMap contributors)",
                      f"OSM PBF read with pyrosm {getattr(pyrosm, '__version__', '')}".rstrip(), str(p.resolve()),
                      notes=tuple(notes))
    return roads_from_lines(lines, class_column="highway", name_column="name", oneway_column="oneway",
                            speeds=table, states=states, snap_m=snap_m, provenance=prov)


def check_pbf(path: str | os.PathLike[str]) -> dict[str, str]:
    """Check that a file is a complete OSM PBF by walking its block headers, and read its header block.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    dict
        ``writingprogram``, ``source`` and ``replication_timestamp`` (ISO date) where the file states them.

    Raises
    ------
    InputFileError
        If the file is missing, empty, not an OSM PBF, or ends inside a block (truncated download).
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"file not found: {p} (give the path of an .osm.pbf extract)")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder, not an .osm.pbf file")
    size = p.stat().st_size
    if size == 0:
        raise InputFileError(f"{p} is empty; download the .osm.pbf extract again")
    not_pbf = (f"{p} is not an OSM PBF file (no OSMHeader block at its start); give an .osm.pbf extract, "
               "e.g. from Geofabrik")
    header: dict[str, str] = {}
    with p.open("rb") as fh:
        pos, block = 0, 0
        while pos < size:
            raw = fh.read(4)
            if len(raw) < 4:
                raise InputFileError(f"{p} is truncated: it ends inside block {block} (byte {size:,}); download "
                                     "it again")
            (hlen,) = struct.unpack(">I", raw)
            if hlen == 0 or hlen > 64 * 1024:
                if block == 0:
                    raise InputFileError(not_pbf)
                raise InputFileError(f"{p} is corrupt: block {block} at byte {pos:,} has an impossible header "
                                     f"size {hlen:,}; download it again")
            hbytes = fh.read(hlen)
            if len(hbytes) < hlen:
                raise InputFileError(f"{p} is truncated: it ends inside block {block} (byte {size:,}); download "
                                     "it again")
            try:
                fields = _protobuf_fields(hbytes)
            except ValueError:
                raise InputFileError(not_pbf if block == 0 else
                                     f"{p} is corrupt: block {block} at byte {pos:,} has an unreadable header; "
                                     "download it again") from None
            kind = fields.get(1, b"")
            datasize = fields.get(3, -1)
            if not isinstance(kind, bytes) or not isinstance(datasize, int) or datasize < 0:
                raise InputFileError(not_pbf if block == 0 else
                                     f"{p} is corrupt: block {block} at byte {pos:,} is malformed")
            if block == 0 and kind != b"OSMHeader":
                raise InputFileError(not_pbf)
            end = pos + 4 + hlen + datasize
            if end > size:
                raise InputFileError(f"{p} is truncated: block {block} needs {end:,} bytes but the file has "
                                     f"{size:,}; download it again")
            if block == 0:
                header = _read_header_block(fh.read(datasize))
            else:
                fh.seek(end)
            pos, block = end, block + 1
    return header


# --------------------------------------------------------------------------------------------- the builder


def _build(
    geoms: npt.NDArray[np.object_],
    classes: npt.NDArray[np.object_],
    names: npt.NDArray[np.object_],
    oneway: npt.NDArray[np.int8],
    source_ids: npt.NDArray[Any],
    table: dict[str, float],
    states: States | gpd.GeoDataFrame | None,
    snap_m: float,
    prov: Provenance,
    where: str,
) -> RoadGraph:
    notes = list(prov.notes)
    # 1. parts, drawn in travel direction
    parts, feat = shapely.get_parts(geoms, return_index=True)
    rev = oneway[feat] < 0
    if rev.any():
        parts = parts.copy()
        parts[rev] = shapely.reverse(parts[rev])
    coords, cpart = shapely.get_coordinates(parts, return_index=True)
    n0 = len(coords)

    # 2. border points inserted as vertices
    if states is not None:
        sframe, sprov = _states_frame(states)
        notes.append(f"split at the borders of {sprov.label()}")
        sgeoms = np.asarray(sframe.geometry.values)
        codes = sframe["state_id"].astype(str).to_numpy()
        border = _Borders(sgeoms, shapely.total_bounds(parts))
        hit_k, hit_t, hit_xy, hit_state = border.hits(parts, coords, cpart)
    else:
        sgeoms, codes, border = np.zeros(0, dtype=object), np.zeros(0, dtype=object), None
        hit_k, hit_t = np.zeros(0, dtype=np.int64), np.zeros(0)
        hit_xy, hit_state = np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    at_end = hit_t >= 1.0
    hit_k = np.where(at_end, hit_k + 1, hit_k)
    hit_t = np.where(at_end, 0.0, hit_t)
    sk = np.concatenate([np.arange(n0, dtype=np.int64), hit_k])
    st = np.concatenate([np.zeros(n0), hit_t])
    sins = np.concatenate([np.zeros(n0, dtype=bool), np.ones(len(hit_k), dtype=bool)])
    order = np.lexsort((sins, st, sk))
    xy = np.concatenate([coords, hit_xy])[order]
    vpart = cpart[sk[order]]
    ins = sins[order]
    sstate = np.concatenate([np.full(n0, -1, dtype=np.int64), hit_state])[order]

    # 3. identity keys; consecutive repeats collapse into one vertex (a border point on a vertex, duplicates)
    key = _grid_keys(xy)
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = (vpart[1:] != vpart[:-1]) | (key[1:] != key[:-1])
    run = np.cumsum(keep) - 1
    is_border = np.bincount(run, weights=ins, minlength=int(keep.sum())) > 0
    tag_vertex, tag_state = run[ins], sstate[ins]
    xy, vpart, key = xy[keep], vpart[keep], key[keep]
    # parts with a single distinct vertex have no length
    nvert = np.bincount(vpart, minlength=len(parts))
    short = nvert < 2
    if short.any():
        n_short = int(short.sum())
        warnings.warn(f"{where}: {n_short} road parts have zero length (all vertices within 1 cm) and were "
                      "dropped", BorderlineWarning, stacklevel=3)
        notes.append(f"dropped {n_short} zero-length road parts")
        ok = ~short[vpart]
        newpos = np.cumsum(ok) - 1
        tag_keep = ok[tag_vertex]
        tag_vertex, tag_state = newpos[tag_vertex[tag_keep]], tag_state[tag_keep]
        xy, vpart, key, is_border = xy[ok], vpart[ok], key[ok], is_border[ok]
    if len(xy) == 0:
        raise DataError(f"{where}: no road edges left (every feature has zero length)")
    first = np.ones(len(xy), dtype=bool)
    first[1:] = vpart[1:] != vpart[:-1]
    last = np.ones(len(xy), dtype=bool)
    last[:-1] = vpart[1:] != vpart[:-1]
    _, kinv, kcount = np.unique(key, return_inverse=True, return_counts=True)
    is_node = first | last | is_border | (kcount[kinv] > 1)

    # 4. candidate nodes (one per identity key), then snapping within snap_m
    nkeys, cand_first, cand_of = np.unique(key[is_node], return_index=True, return_inverse=True)
    node_vertices = np.flatnonzero(is_node)
    cand_xy = xy[node_vertices[cand_first]]
    cand_border = np.zeros(len(nkeys), dtype=bool)
    vertex_cand = np.full(len(xy), -1, dtype=np.int64)
    vertex_cand[node_vertices] = cand_of
    cand_border[vertex_cand[tag_vertex]] = True
    cluster, rep = _snap(cand_xy, snap_m, cand_border)
    node_xy = cand_xy[rep]
    n_merged = len(cand_xy) - len(rep)
    if snap_m > 0:
        notes.append(f"nodes within {snap_m:g} m merged ({n_merged} merges)")
    node_of_vertex = np.full(len(xy), -1, dtype=np.int64)
    node_of_vertex[node_vertices] = cluster[cand_of]

    # 5. edges: cut each part at its nodes (interior nodes end one edge and start the next)
    vxy = xy.copy()
    vxy[node_vertices] = node_xy[node_of_vertex[node_vertices]]
    starts = is_node & ~last
    ends = is_node & ~first
    edge_of = np.cumsum(starts) - 1
    dup = is_node & ~first & ~last
    cdup = np.cumsum(dup)
    total = len(vxy) + int(cdup[-1])
    out_xy = np.empty((total, 2))
    out_edge = np.empty(total, dtype=np.int64)
    pos = np.arange(len(vxy)) + cdup
    out_xy[pos] = vxy
    out_edge[pos] = edge_of
    dpos = np.flatnonzero(dup)
    out_xy[dpos + cdup[dup] - 1] = vxy[dup]
    out_edge[dpos + cdup[dup] - 1] = edge_of[dup] - 1
    edge_geoms = shapely.linestrings(out_xy, indices=out_edge)
    u = node_of_vertex[starts]
    v = node_of_vertex[ends]
    epart = vpart[starts]
    length_m = _edge_lengths_m(out_xy, out_edge, len(edge_geoms))
    mid = _representative_points(out_xy, out_edge, len(edge_geoms))
    collapsed = (u == v) & (length_m <= 2 * snap_m)
    if collapsed.any():
        notes.append(f"dropped {int(collapsed.sum())} edges collapsed to a point by snapping")
        ok_e = ~collapsed
        edge_geoms, u, v, epart, length_m = edge_geoms[ok_e], u[ok_e], v[ok_e], epart[ok_e], length_m[ok_e]
        mid = mid[ok_e]
    if len(edge_geoms) == 0:
        raise DataError(f"{where}: no road edges left after snapping nodes within {snap_m:g} m")
    # nodes that no edge uses any more (merged away with a collapsed edge) are dropped and renumbered
    used = np.zeros(len(node_xy), dtype=bool)
    used[u] = True
    used[v] = True
    renum = np.cumsum(used) - 1
    u, v = renum[u], renum[v]
    tag_node = cluster[vertex_cand[tag_vertex]]
    node_tags = np.column_stack([renum[tag_node], tag_state])[used[tag_node]]
    node_xy = node_xy[used]

    # 6. sovereignty
    n_nodes, n_edges = len(node_xy), len(edge_geoms)
    node_state = np.full(n_nodes, None, dtype=object)
    node_crossing = np.full(n_nodes, None, dtype=object)
    edge_state = np.full(n_edges, None, dtype=object)
    edge_border = np.full(n_edges, None, dtype=object)
    if border is not None:
        locator = _Locator(sgeoms, shapely.total_bounds(edge_geoms))
        e_in, e_overlap = locator.inside(mid)
        n_in, n_overlap = locator.inside(node_xy)
        # border tags: boundary states (from the split) plus states whose interior holds the node (overlaps)
        inside_tags = np.column_stack([np.flatnonzero(n_in >= 0), n_in[n_in >= 0]])
        tagged = np.unique(node_tags, axis=0) if len(node_tags) else np.zeros((0, 2), dtype=np.int64)
        on_boundary = np.zeros(n_nodes, dtype=bool)
        on_boundary[tagged[:, 0]] = True
        allt = np.unique(np.concatenate([tagged, inside_tags[on_boundary[inside_tags[:, 0]]]]), axis=0)
        counts = np.bincount(allt[:, 0], minlength=n_nodes)
        one = np.flatnonzero(on_boundary & (counts == 1))
        node_state[allt[np.isin(allt[:, 0], one), 0]] = codes[allt[np.isin(allt[:, 0], one), 1]]
        inner = ~on_boundary & (n_in >= 0)
        node_state[inner] = codes[n_in[inner]]
        multi = on_boundary & (counts >= 2)
        if multi.any():
            node_crossing[:] = _labels(allt, codes, multi)
        edge_state[e_in >= 0] = codes[e_in[e_in >= 0]]
        # edges along a boundary: both ends on one, and the midpoint too. Along a border between states
        # they belong to neither; along a state's outer edge (a coast road) to that state, as nodes do.
        cand = np.flatnonzero(on_boundary[u] & on_boundary[v])
        if len(cand):
            pi, si = border.near(mid[cand])
            if len(pi):
                near = np.unique(np.column_stack([cand[pi], si]), axis=0)
                nb = np.bincount(near[:, 0], minlength=n_edges)
                along = nb >= 2
                if along.any():
                    edge_border[:] = _labels(near, codes, along)
                    edge_state[along] = None
                edge_one = (nb == 1) & (e_in < 0)
                one_rows = near[edge_one[near[:, 0]]]
                edge_state[one_rows[:, 0]] = codes[one_rows[:, 1]]
        overlap = int(e_overlap.sum() + n_overlap.sum())
        if overlap:
            msg = (f"{int(e_overlap.sum())} edges and {int(n_overlap.sum())} nodes lie where state polygons "
                   "overlap; each was given the smallest state holding it (an enclave drawn without a hole in "
                   "its host)")
            warnings.warn(f"{where}: {msg}", BorderlineWarning, stacklevel=3)
            notes.append(msg)

    # 7. attributes, speeds, times
    efeat = feat[epart]
    speed_by_feature, unknown = _speeds_for(classes, table)
    if unknown:
        n_unknown = sum(unknown.values())
        shown = ", ".join(f"{c!r} ({n})" for c, n in sorted(unknown.items(), key=lambda kv: -kv[1])[:5])
        msg = (f"{n_unknown} road features have classes not in the speed table ({shown}); they use the "
               f"fallback speed {table[FALLBACK_CLASS]:g} km/h")
        warnings.warn(f"{where}: {msg}", BorderlineWarning, stacklevel=3)
        notes.append(msg)
    speed = speed_by_feature[efeat]
    prov = replace(prov, notes=tuple(notes))
    label = prov.label()
    edges = gpd.GeoDataFrame({
        "edge_id": np.arange(n_edges, dtype=np.int64),
        "u": u.astype(np.int64),
        "v": v.astype(np.int64),
        "road_class": pd.Series(classes[efeat], dtype=object),
        "state": pd.Series(edge_state, dtype=object),
        "on_border": pd.Series(edge_border, dtype=object),
        "length_m": length_m,
        "speed_kmh": speed,
        "minutes": length_m / 1000.0 / speed * 60.0,
        "oneway": oneway[efeat] != 0,
        "name": pd.Series(names[efeat], dtype=object),
        "source_id": source_ids[efeat],
        "source": pd.Series(np.full(n_edges, label, dtype=object), dtype=object),
    }, geometry=gpd.GeoSeries(edge_geoms, crs=4326).values, crs=4326)
    nodes = gpd.GeoDataFrame({
        "node_id": np.arange(n_nodes, dtype=np.int64),
        "state": pd.Series(node_state, dtype=object),
        "crossing": pd.Series(node_crossing, dtype=object),
        "name": pd.Series(np.full(n_nodes, None, dtype=object), dtype=object),
        "source": pd.Series(np.full(n_nodes, label, dtype=object), dtype=object),
    }, geometry=gpd.points_from_xy(node_xy[:, 0], node_xy[:, 1], crs=4326), crs=4326)
    edges.attrs["provenance"] = prov.as_dict()
    nodes.attrs["provenance"] = prov.as_dict()
    return RoadGraph(nodes, edges, prov)


def _edge_lengths_m(xy: FloatArray, edge: IntArray, n_edges: int) -> FloatArray:
    """Geodesic length of each edge in metres, from the flat vertex array the edges were built from.

    The same sum of per-segment WGS84 geodesics as :func:`borderline.geodesy.line_lengths_km`, without
    exploding a million new geometries back into coordinates.
    """
    same = edge[1:] == edge[:-1]
    seg = segment_lengths_m(xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same])
    return np.asarray(np.bincount(edge[:-1][same], weights=seg, minlength=n_edges), dtype=np.float64)


def _representative_points(xy: FloatArray, edge: IntArray, n_edges: int) -> FloatArray:
    """A point of each edge other than its end nodes, to tell which state holds the edge.

    The middle interior vertex, or for a two-vertex edge the middle of its segment. Every point where a road
    meets a boundary is a node, so this point lies on a boundary only where the whole edge runs along it.
    """
    start = np.searchsorted(edge, np.arange(n_edges))
    count = np.bincount(edge, minlength=n_edges)
    pick = start + count // 2
    out = xy[pick].copy()
    two = count == 2
    out[two] = (xy[start[two]] + xy[start[two] + 1]) / 2.0
    return out


class _Borders:
    """State boundaries near the roads, as an STRtree of single segments with their state."""

    def __init__(self, sgeoms: npt.NDArray[np.object_], road_bounds: FloatArray) -> None:
        pad = 1e-6
        minx, miny, maxx, maxy = road_bounds[0] - pad, road_bounds[1] - pad, road_bounds[2] + pad, road_bounds[3] + pad
        sb = shapely.bounds(sgeoms)
        near = np.flatnonzero((sb[:, 0] <= maxx) & (sb[:, 2] >= minx) & (sb[:, 1] <= maxy) & (sb[:, 3] >= miny))
        rings, ring_state = shapely.get_parts(shapely.boundary(sgeoms[near]), return_index=True)
        bc, bidx = shapely.get_coordinates(rings, return_index=True)
        same = bidx[1:] == bidx[:-1]
        a, b = bc[:-1][same], bc[1:][same]
        seg_state = near[ring_state[bidx[:-1][same]]]
        box = ((np.minimum(a[:, 0], b[:, 0]) <= maxx) & (np.maximum(a[:, 0], b[:, 0]) >= minx)
               & (np.minimum(a[:, 1], b[:, 1]) <= maxy) & (np.maximum(a[:, 1], b[:, 1]) >= miny))
        self.state: IntArray = seg_state[box].astype(np.int64)
        self.segments = shapely.linestrings(np.stack([a[box], b[box]], axis=1)) if box.any() else np.zeros(
            0, dtype=object)
        self.tree = shapely.STRtree(self.segments)

    def hits(self, parts: npt.NDArray[np.object_], coords: FloatArray,
             cpart: IntArray) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """Points where road segments meet boundary segments.

        Returns the road segment (index of its first vertex in ``coords``), the position along it (0..1), the
        point, and the state whose boundary it is; one row per (point, boundary segment).
        """
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
        if len(self.segments) == 0:
            return empty
        cand_parts = np.unique(self.tree.query(parts)[0])
        if len(cand_parts) == 0:
            return empty
        in_cand = np.zeros(len(parts), dtype=bool)
        in_cand[cand_parts] = True
        k = np.flatnonzero((cpart[:-1] == cpart[1:]) & in_cand[cpart[:-1]])
        rsegs = shapely.linestrings(np.stack([coords[k], coords[k + 1]], axis=1))
        ri, bi = self.tree.query(rsegs, predicate="intersects")
        if len(ri) == 0:
            return empty
        meet = shapely.intersection(rsegs[ri], self.segments[bi])
        pts, pidx = shapely.get_coordinates(meet, return_index=True)
        seg = k[ri[pidx]]
        a, b = coords[seg], coords[seg + 1]
        d = b - a
        t = ((pts - a) * d).sum(axis=1) / (d * d).sum(axis=1)
        t = np.clip(t, 0.0, 1.0)
        t[(pts == a).all(axis=1)] = 0.0
        t[(pts == b).all(axis=1)] = 1.0
        return seg.astype(np.int64), t, pts, self.state[bi[pidx]]

    def near(self, xy: FloatArray) -> tuple[IntArray, IntArray]:
        """Pairs (point, state) for points on a state's boundary (within round-off)."""
        if len(self.segments) == 0 or len(xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pi, si = self.tree.query(shapely.points(xy), predicate="dwithin", distance=ON_LINE_DEG)
        return pi.astype(np.int64), self.state[si]


class _Locator:
    """Which state's interior holds each point; the smallest state where polygons overlap."""

    def __init__(self, sgeoms: npt.NDArray[np.object_], bounds: FloatArray) -> None:
        self.geoms = sgeoms
        self.bounds = shapely.bounds(sgeoms)
        minx, miny, maxx, maxy = bounds
        sb = self.bounds
        self.near = np.flatnonzero((sb[:, 0] <= maxx) & (sb[:, 2] >= minx) & (sb[:, 1] <= maxy) & (sb[:, 3] >= miny))
        self._areas: FloatArray | None = None

    def inside(self, xy: FloatArray) -> tuple[IntArray, BoolArray]:
        """State index holding each point (-1 for none), and whether more than one state held it."""
        out = np.full(len(xy), -1, dtype=np.int64)
        hits_p: list[IntArray] = []
        hits_s: list[IntArray] = []
        x, y = xy[:, 0], xy[:, 1]
        for s in self.near:  # a loop over the few states near the roads, vectorised over points
            b = self.bounds[s]
            cand = np.flatnonzero((x >= b[0]) & (x <= b[2]) & (y >= b[1]) & (y <= b[3]))
            if len(cand) == 0:
                continue
            shapely.prepare(self.geoms[s])
            hit = cand[shapely.contains_xy(self.geoms[s], x[cand], y[cand])]
            hits_p.append(hit)
            hits_s.append(np.full(len(hit), s, dtype=np.int64))
        if not hits_p:
            return out, np.zeros(len(xy), dtype=bool)
        p = np.concatenate(hits_p)
        s_ = np.concatenate(hits_s)
        count = np.bincount(p, minlength=len(xy))
        multi = count > 1
        if multi.any():
            if self._areas is None:
                self._areas = areas_km2(self.geoms)
            order = np.lexsort((self._areas[s_], p))
            p, s_ = p[order], s_[order]
            firsts = np.ones(len(p), dtype=bool)
            firsts[1:] = p[1:] != p[:-1]
            p, s_ = p[firsts], s_[firsts]
        out[p] = s_
        return out, multi


def _labels(pairs: IntArray, codes: npt.NDArray[np.object_], which: BoolArray) -> npt.NDArray[np.object_]:
    """Per row index, the sorted codes of its states joined by an en dash, where ``which``; None elsewhere."""
    out = np.full(len(which), None, dtype=object)
    sel = pairs[which[pairs[:, 0]]]
    frame = pd.DataFrame({"i": sel[:, 0], "code": codes[sel[:, 1]].astype(object)}).drop_duplicates()
    joined = frame.sort_values(["i", "code"]).groupby("i", sort=True)["code"].agg("–".join)
    out[joined.index.to_numpy(dtype=np.int64)] = joined.to_numpy(dtype=object)
    return out


def _snap(xy: FloatArray, snap_m: float, prefer: BoolArray) -> tuple[IntArray, IntArray]:
    """Cluster points closer than ``snap_m`` metres (geodesic, single linkage).

    Returns the cluster of each point (0..k-1) and, per cluster, the index of its representative point: a
    preferred point (on a border) if the cluster has one, else its first point.
    """
    n = len(xy)
    if snap_m <= 0 or n < 2:
        return np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    ecef = _ecef(xy[:, 0], xy[:, 1])
    # the chord between two points never exceeds the geodesic between them: every pair within snap_m is found
    pairs = cKDTree(ecef).query_pairs(r=snap_m, output_type="ndarray")
    if len(pairs):
        d = segment_lengths_m(xy[pairs[:, 0], 0], xy[pairs[:, 0], 1], xy[pairs[:, 1], 0], xy[pairs[:, 1], 1])
        pairs = pairs[d <= snap_m]
    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    k, labels = connected_components(graph, directed=False)
    order = np.lexsort((np.arange(n), ~prefer, labels))
    firsts = np.ones(n, dtype=bool)
    firsts[1:] = labels[order][1:] != labels[order][:-1]
    rep = np.empty(k, dtype=np.int64)
    rep[labels[order][firsts]] = order[firsts]
    return labels.astype(np.int64), rep


def _ecef(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Earth-centred Cartesian coordinates in metres on the WGS84 ellipsoid (height 0)."""
    a = 6378137.0
    e2 = 6.69437999014e-3
    lo, la = np.radians(lon), np.radians(lat)
    sl = np.sin(la)
    n = a / np.sqrt(1.0 - e2 * sl * sl)
    return np.column_stack([n * np.cos(la) * np.cos(lo), n * np.cos(la) * np.sin(lo), n * (1.0 - e2) * sl])


def _grid_keys(xy: FloatArray) -> npt.NDArray[np.uint64]:
    """Exact 64-bit key per vertex on the 1e-7° identity grid: 32 bits of column, 32 bits of row."""
    inv = 1.0 / GRID_DEG
    kx = np.rint((xy[:, 0] + 180.0) * inv).astype(np.int64).astype(np.uint64)
    ky = np.rint((xy[:, 1] + 90.0) * inv).astype(np.int64).astype(np.uint64)
    return (kx << np.uint64(32)) | ky


# --------------------------------------------------------------------------------------------- helpers


def _speed_table(speeds: Mapping[str, float] | None, base: Mapping[str, float] = DEFAULT_SPEEDS_KMH) -> dict[
        str, float]:
    table = dict(base)
    for cls, value in (speeds or {}).items():
        try:
            kmh = float(value)
        except (TypeError, ValueError):
            raise DataError(f"speed for class {cls!r} is {value!r}, not a number of km/h") from None
        if not math.isfinite(kmh) or kmh <= 0:
            raise DataError(f"speed for class {cls!r} is {value!r} km/h; speeds must be positive")
        table[str(cls).strip().lower()] = kmh
    return table


def _speeds_for(classes: npt.NDArray[np.object_], table: dict[str, float]) -> tuple[FloatArray, dict[str, int]]:
    """Speed per feature by class (case-insensitive), and the count of features per unknown class."""
    codes, uniq = _distinct(pd.Series(classes, dtype=object).str.lower())
    per = np.array([table.get(str(c), np.nan) for c in uniq], dtype=np.float64)
    missing = np.isnan(per)
    per[missing] = table[FALLBACK_CLASS]
    unknown: dict[str, int] = {}
    if missing.any():
        counts = np.bincount(codes, minlength=len(uniq))
        unknown = {str(uniq[i]): int(counts[i]) for i in np.flatnonzero(missing)}
    return per[codes], unknown


def _distinct(col: pd.Series) -> tuple[IntArray, list[Any]]:
    """Codes into the distinct values of a column (-1 for missing), so work is per value, not per feature."""
    codes, uniq = pd.factorize(col.astype(object), use_na_sentinel=True)
    return codes.astype(np.int64), list(uniq)


def _class_values(col: pd.Series) -> npt.NDArray[np.object_]:
    codes, uniq = _distinct(col)
    text = np.array([str(v).strip() or "unknown" for v in uniq] + ["unknown"], dtype=object)
    return text[codes]  # code -1 picks the trailing "unknown"


def _optional_str(col: pd.Series) -> npt.NDArray[np.object_]:
    codes, uniq = _distinct(col)
    text = np.array([str(v) for v in uniq] + [None], dtype=object)
    return text[codes]


def _oneway_codes(col: pd.Series, where: str) -> npt.NDArray[np.int8]:
    """1 one-way along the drawing, -1 one-way against it, 0 two-way, per feature."""
    codes, uniq = _distinct(col)
    per = np.zeros(len(uniq) + 1, dtype=np.int8)
    unknown: list[int] = []
    for i, value in enumerate(uniq):  # distinct values, not features
        if isinstance(value, bool | np.bool_):
            per[i] = 1 if value else 0
            continue
        s = str(value).strip().lower()
        s = s[:-2] if s.endswith(".0") else s
        if s in _ONEWAY_FORWARD:
            per[i] = 1
        elif s in _ONEWAY_REVERSE:
            per[i] = -1
        elif s not in _ONEWAY_TWOWAY:
            unknown.append(i)
    if unknown:
        n = int(np.isin(codes, unknown).sum())
        shown = ", ".join(repr(str(uniq[i])) for i in unknown[:5])
        warnings.warn(f"{where}: {n} roads have oneway values borderline does not know ({shown}); taken as "
                      "two-way", BorderlineWarning, stacklevel=3)
    return per[codes]


def _osm_oneway(ways: pd.DataFrame) -> npt.NDArray[np.object_]:
    """OSM ``oneway`` with the implied one-way of motorways and roundabouts where the tag is absent."""
    n = len(ways)
    tag = ways["oneway"].astype(object).to_numpy() if "oneway" in ways else np.full(n, None, dtype=object)
    absent = pd.isna(pd.Series(tag, dtype=object)).to_numpy()
    implied = ways["highway"].astype(object).to_numpy() == "motorway"
    junction = ways["junction"].astype(object).to_numpy() if "junction" in ways else np.full(n, None, dtype=object)
    if "tags" in ways:
        tags = ways["tags"].astype(object)
        has = tags.astype(str).str.contains('"junction"', regex=False).to_numpy(dtype=bool)
        for i in np.flatnonzero(has):  # the few ways whose extra tags mention a junction
            try:
                junction[i] = json.loads(tags.iloc[i]).get("junction", junction[i])
            except (ValueError, AttributeError):
                continue
    implied |= np.isin(junction.astype(str), ["roundabout", "circular"])
    out = tag.copy()
    out[absent & implied] = "yes"
    return out


def _network_speeds(network: str) -> dict[str, float]:
    if network == "walking":
        return dict.fromkeys(DEFAULT_SPEEDS_KMH, WALKING_SPEED_KMH)
    if network == "cycling":
        return dict.fromkeys(DEFAULT_SPEEDS_KMH, CYCLING_SPEED_KMH)
    return dict(DEFAULT_SPEEDS_KMH)


@contextlib.contextmanager
def _pbf_named(p: Path) -> Iterator[Path]:
    """The file under a name ending in ``.pbf``, which pyrosm insists on (a symlink in a temporary folder)."""
    if p.name.lower().endswith(".pbf"):
        yield p
        return
    with tempfile.TemporaryDirectory(prefix="borderline-pbf-") as tmp:
        link = Path(tmp) / f"{p.stem}.osm.pbf"
        try:
            link.symlink_to(p.resolve())
        except OSError:
            raise InputFileError(f"{p} is an OSM PBF but its name does not end in .pbf, which the reader needs; "
                                 "rename it to .osm.pbf") from None
        yield link


def _check_snap(snap_m: float) -> None:
    if not isinstance(snap_m, int | float) or not math.isfinite(snap_m) or snap_m < 0:
        raise DataError(f"snap_m={snap_m!r}: give a distance in metres ≥ 0")


def _check_bbox(bbox: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    return None if bbox is None else check_bbox(bbox)


def _to_lonlat(lines: gpd.GeoDataFrame, where: str, notes: list[str]) -> gpd.GeoDataFrame:
    if lines.crs is None:
        warnings.warn(f"{where}: road layer has no CRS; assuming longitude/latitude (EPSG:4326)",
                      BorderlineWarning, stacklevel=3)
        notes.append("no CRS; assumed EPSG:4326")
        return lines.set_crs(4326)
    if lines.crs.equals("EPSG:4326", ignore_axis_order=True):
        return lines
    original = lines.crs.to_string()
    if lines.crs.is_projected:
        warnings.warn(f"{where}: road layer is in projected CRS {original}; reprojected to EPSG:4326 so that "
                      "lengths are measured geodesically", BorderlineWarning, stacklevel=3)
    notes.append(f"reprojected from {original} to EPSG:4326")
    return lines.to_crs(4326)


def _states_frame(states: States | gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Provenance]:
    if isinstance(states, States):
        return states.frame, states.provenance
    if not isinstance(states, gpd.GeoDataFrame) or "state_id" not in states.columns:
        raise DataError("states must be States or a GeoDataFrame with a state_id column; load them with "
                        "borderline.load_states")
    frame = states
    if frame.crs is not None and not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        warnings.warn(f"states are in {frame.crs.to_string()}; reprojected to EPSG:4326", BorderlineWarning,
                      stacklevel=4)
        frame = frame.to_crs(4326)
    types = np.asarray(frame.geometry.values.geom_type)
    if not np.isin(types, ["Polygon", "MultiPolygon"]).all():
        raise DataError("states must be polygons; load them with borderline.load_states")
    return frame, _frame_provenance(frame, "states")


def _frame_provenance(frame: pd.DataFrame, what: str = "roads") -> Provenance:
    prov_d = frame.attrs.get("provenance")
    if prov_d:
        return Provenance(**{**prov_d, "notes": tuple(prov_d.get("notes", ()))})
    return Provenance("frame", "unknown", "unknown", f"in-memory GeoDataFrame ({what})", "")






def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift, value = 0, 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _protobuf_fields(buf: bytes) -> dict[int, int | bytes]:
    """Top-level fields of a protobuf message (last value wins): varints as int, length-delimited as bytes."""
    out: dict[int, int | bytes] = {}
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field], i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            if i + size > len(buf):
                raise ValueError("field overruns message")
            out[field] = buf[i:i + size]
            i += size
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if i > len(buf):
            raise ValueError("field overruns message")
    return out


def _read_header_block(blob: bytes) -> dict[str, str]:
    """Decode the OSMHeader block's writing program, source and replication timestamp (best effort)."""
    try:
        fields = _protobuf_fields(blob)
        raw = fields.get(1)
        zdata = fields.get(3)
        if isinstance(raw, bytes):
            data = raw
        elif isinstance(zdata, bytes):
            data = zlib.decompress(zdata)
        else:
            return {}
        head = _protobuf_fields(data)
    except (ValueError, zlib.error):
        return {}
    out: dict[str, str] = {}
    for name, field in (("writingprogram", 16), ("source", 17)):
        val = head.get(field)
        if isinstance(val, bytes):
            out[name] = val.decode("utf-8", "replace")
    ts = head.get(32)
    if isinstance(ts, int) and ts > 0:
        out["replication_timestamp"] = f"{pd.Timestamp(ts, unit='s'):%Y-%m-%dT%H:%M:%SZ}"
    return out
