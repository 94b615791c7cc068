"""Shared-arc topology: which stretches of boundary two states have in common.

The method is the one mapshaper and TopoJSON use to build arcs. Every ring edge of every state is hashed
once, as an undirected pair of vertex keys on a fine grid (``grid_deg``, about 1 cm at 1e-7 degrees).
An edge found in two different states is a stretch of their common border; consecutive shared edges of
one ring with the same neighbour form an arc. Sorting the hashed edges replaces any pairwise polygon
intersection, so the whole layer is processed at once in a handful of vectorised passes.

Where neighbours' boundaries do not coincide (two sources mixed, slivers), exact hashing finds nothing;
:func:`tolerance_borders` matches boundaries within a distance in metres instead and reports the gap and
overlap areas between them.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from borderline.errors import DataError
from borderline.geodesy import segment_lengths_m

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Step = Callable[[str], None]

_NO = np.int64(-1)


@dataclass(frozen=True)
class Arcs:
    """Arcs shared by two states, one row per arc (a maximal run of shared ring edges).

    Attributes
    ----------
    geometry : ndarray of LineString
        Arc geometry in lon/lat degrees, vertices as drawn by state ``a``.
    a, b : ndarray of int
        Positional index of the two states, ``a < b``.
    part_a, part_b : ndarray of int
        Index of the polygon part of each state the arc lies on (0 for a single polygon).
    length_m : ndarray of float
        Geodesic length of each arc on the ellipsoid, metres.
    n_edges_ambiguous : int
        Edges drawn by three or more states (overlapping input); each belongs to an arc of every pair of them.
    exterior_a, exterior_b : ndarray of bool
        Whether the arc lies on the outer ring of its part (False: on a hole), on each side.
    """

    geometry: npt.NDArray[np.object_]
    a: IntArray
    b: IntArray
    part_a: IntArray
    part_b: IntArray
    length_m: FloatArray
    n_edges_ambiguous: int = 0
    exterior_a: npt.NDArray[np.bool_] | None = None
    exterior_b: npt.NDArray[np.bool_] | None = None


@dataclass(frozen=True)
class Vertices:
    """Where several states meet at one vertex.

    Attributes
    ----------
    lon, lat : ndarray of float
        Vertex position in degrees.
    states : list of tuple of int
        Positional indices of the states meeting there (three or more at a tripoint).
    """

    lon: FloatArray
    lat: FloatArray
    states: list[tuple[int, ...]]


def _noop(_: str) -> None:
    return None


def shared_arcs(
    geoms: npt.ArrayLike,
    *,
    grid_deg: float = 1e-7,
    ellipsoid: str = "WGS84",
    step: Step = _noop,
    layout: RingLayout | None = None,
) -> tuple[Arcs, Vertices]:
    """Extract every arc shared by two polygons of a layer, and the tripoints, in one pass.

    Parameters
    ----------
    geoms : array of Polygon/MultiPolygon
        One geometry per state, lon/lat degrees.
    grid_deg : float
        Vertex identity grid in degrees; vertices that round to the same grid point are one vertex.
    ellipsoid : str
        Ellipsoid for the geodesic arc lengths.
    step : callable
        Called with the name of each stage (for progress display).
    layout : RingLayout, optional
        Where each part and ring of ``geoms`` starts, if already known (as when the layer was read from
        GeoArrow); computed from the geometries otherwise. Ignored if it does not fit ``geoms``.

    Returns
    -------
    arcs : Arcs
        Shared arcs, unmerged (an arc can stop at a ring's start vertex; see :func:`merge_arcs`).
    tripoints : Vertices
        Vertices on shared edges of three or more states.
    """
    arr = np.asarray(geoms, dtype=object)
    n_states = len(arr)
    step("reading coordinates")
    fits = layout is not None and layout.n_states == n_states and layout.n_coords == int(
        shapely.get_num_coordinates(arr).sum())
    layout_job = layout if fits and layout is not None else _RingLayout(arr)
    coords, coord_state = shapely.get_coordinates(arr, return_index=True)
    n = len(coords)
    if n < 2:
        return _empty_arcs(), Vertices(np.zeros(0), np.zeros(0), [])

    step("hashing vertices")
    vkey = _vertex_keys(coords, grid_deg)
    order = np.argsort(vkey)
    sk = vkey[order]
    del vkey
    same_key = sk[1:] == sk[:-1]
    del sk
    vid_sorted = np.empty(n, dtype=np.int64)
    vid_sorted[0] = 0
    np.cumsum(~same_key, out=vid_sorted[1:])
    vid = np.empty(n, dtype=np.int64)
    vid[order] = vid_sorted
    # A vertex is shared when one of its copies belongs to another state. Within a run of equal keys
    # two distinct states always show up side by side somewhere, so comparing neighbours suffices.
    st_sorted = coord_state[order]
    del order
    mixed = same_key & (st_sorted[1:] != st_sorted[:-1])
    shared_vid = np.zeros(int(vid_sorted[-1]) + 1, dtype=bool)
    shared_vid[vid_sorted[1:][mixed]] = True
    del st_sorted, vid_sorted, mixed, same_key

    step("hashing edges")
    # Edge i runs from coord i to coord i + 1. Joins between consecutive rings or parts are not real
    # edges, but no other state can have an edge between those two vertices, so they never match.
    sv = shared_vid[vid]
    cand = sv[:-1] & sv[1:]
    cand &= coord_state[1:] == coord_state[:-1]
    e_idx = np.flatnonzero(cand).astype(np.int64)
    del sv, cand
    v0, v1 = vid[e_idx], vid[e_idx + 1]
    keep = v0 != v1
    e_idx, v0, v1 = e_idx[keep], v0[keep], v1[keep]
    lo = np.minimum(v0, v1).astype(np.uint64)
    hi = np.maximum(v0, v1).astype(np.uint64)
    ekey = (lo << np.uint64(32)) | hi
    e_state = coord_state[e_idx].astype(np.int64)
    eorder = np.lexsort((e_state, ekey))
    ek, es, ei = ekey[eorder], e_state[eorder], e_idx[eorder]
    m = len(ek)
    if m == 0:
        return _empty_arcs(), Vertices(np.zeros(0), np.zeros(0), [])
    gnew = np.empty(m, dtype=bool)
    gnew[0] = True
    np.not_equal(ek[1:], ek[:-1], out=gnew[1:])
    gstart = np.flatnonzero(gnew)
    gsize = np.diff(np.append(gstart, m))
    gend = gstart + gsize - 1
    chg = np.zeros(m, dtype=np.int64)
    chg[1:] = (es[1:] != es[:-1]) & ~gnew[1:]
    n_distinct = np.add.reduceat(chg, gstart) + 1
    two = n_distinct == 2
    ambiguous = int(gsize[n_distinct > 2].sum())
    # The owner edge is the first copy, in state a (lowest index); the last copy is in state b.
    own_edge = ei[gstart[two]]
    other_edge = ei[gend[two]]
    a_state = es[gstart[two]]
    b_state = es[gend[two]]
    if ambiguous:
        # Overlapping polygons: an edge drawn by three or more states borders every pair of them, as
        # boundary(a) ∩ boundary(b) would say. Such groups are few; expand them pair by pair.
        extra = _expand_groups(es, ei, gstart[n_distinct > 2], gsize[n_distinct > 2])
        own_edge = np.concatenate([own_edge, extra[0]])
        other_edge = np.concatenate([other_edge, extra[1]])
        a_state = np.concatenate([a_state, extra[2]])
        b_state = np.concatenate([b_state, extra[3]])
    # Drop the joins between consecutive rings: where both neighbours start their rings at shared
    # nodes (as topologically built sources do), a join of one can equal a join of the other.
    step("separating rings")
    ring_end, part_starts, ring_is_ext, covered = layout_job.result(np.bincount(coord_state, minlength=n_states))
    is_join = np.zeros(n, dtype=bool)
    is_join[ring_end] = True
    real = ~(is_join[own_edge] | is_join[other_edge])
    own_edge, other_edge, a_state, b_state = own_edge[real], other_edge[real], a_state[real], b_state[real]
    del is_join
    if len(own_edge) == 0:
        return _empty_arcs(), Vertices(np.zeros(0), np.zeros(0), [])

    step("chaining arcs")
    pair_code = a_state * (n_states + 1) + b_state
    srt = np.lexsort((own_edge, pair_code))
    own_edge, other_edge, a_state, b_state = own_edge[srt], other_edge[srt], a_state[srt], b_state[srt]
    pair_code = pair_code[srt]
    # consecutive owner edges with the same neighbour, running on in the neighbour's ring too
    brk = np.ones(len(own_edge), dtype=bool)
    brk[1:] = (own_edge[1:] != own_edge[:-1] + 1) | (pair_code[1:] != pair_code[:-1]) | (
        np.abs(other_edge[1:] - other_edge[:-1]) != 1)
    run_id = np.cumsum(brk) - 1
    run_first = own_edge[brk]
    run_last = own_edge[np.append(np.flatnonzero(brk)[1:] - 1, len(own_edge) - 1)]
    n_runs = len(run_first)
    run_len = run_last - run_first + 2
    within = np.arange(int(run_len.sum())) - np.repeat(np.cumsum(run_len) - run_len, run_len)
    idx = np.repeat(run_first, run_len) + within
    lines = shapely.linestrings(coords[idx], indices=np.repeat(np.arange(n_runs), run_len))

    step("measuring geodesic lengths")
    seg_m = _parallel_lengths(coords, own_edge, ellipsoid)
    length_m = np.bincount(run_id, weights=seg_m, minlength=n_runs)

    codes = pair_code[brk]
    a = codes // (n_states + 1)
    b = codes % (n_states + 1)
    step("locating polygon parts")
    part_of = _part_locator(part_starts, coords_count=np.bincount(coord_state, minlength=n_states))
    arcs = Arcs(
        geometry=lines,
        a=a.astype(np.int64),
        b=b.astype(np.int64),
        part_a=part_of(a, run_first),
        part_b=part_of(b, other_edge[brk]),
        length_m=length_m.astype(np.float64),
        n_edges_ambiguous=ambiguous,
        exterior_a=_on_exterior(a, run_first, ring_end, ring_is_ext, covered),
        exterior_b=_on_exterior(b, other_edge[brk], ring_end, ring_is_ext, covered),
    )

    step("finding tripoints")
    ends = np.concatenate([run_first, run_last + 1])
    tri = _tripoints(vid[ends], np.concatenate([a, a]), np.concatenate([b, b]), coords[ends])
    return arcs, tri


def _on_exterior(state: IntArray, pos: IntArray, ring_end: IntArray, ring_is_ext: npt.NDArray[np.bool_],
                 covered: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Whether each coordinate position lies on the outer ring of its part (states not laid out have one ring)."""
    out = np.ones(len(pos), dtype=bool)
    laid = covered[state]
    if laid.any():
        ring = np.searchsorted(ring_end, pos[laid], side="left")
        out[laid] = ring_is_ext[np.minimum(ring, len(ring_is_ext) - 1)]
    return out


def _expand_groups(es: IntArray, ei: IntArray, starts: IntArray,
                   sizes: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Every pair of distinct states in each group of equal edges: (own edge, other edge, a, b)."""
    out: list[tuple[int, int, int, int]] = []
    for lo, size in zip(starts, sizes, strict=True):
        sts, first = np.unique(es[lo:lo + size], return_index=True)
        eds = ei[lo:lo + size][first]
        for x in range(len(sts)):
            for y in range(x + 1, len(sts)):
                out.append((int(eds[x]), int(eds[y]), int(sts[x]), int(sts[y])))
    arr = np.array(out, dtype=np.int64).reshape(-1, 4)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def _parallel_lengths(coords: FloatArray, edges: IntArray, ellipsoid: str) -> FloatArray:
    """Geodesic length of edges ``coords[i] -> coords[i + 1]`` in metres, on two threads (pyproj frees the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    def part(sel: IntArray) -> FloatArray:
        return segment_lengths_m(coords[sel, 0], coords[sel, 1], coords[sel + 1, 0], coords[sel + 1, 1],
                                 ellipsoid)

    if len(edges) < 100_000:
        return part(edges)
    half = len(edges) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(part, edges[:half])
        tail = part(edges[half:])
        return np.concatenate([fut.result(), tail])


@dataclass(frozen=True)
class RingLayout:
    """Offsets of a polygon layer in GeoArrow's ragged layout: state → parts → rings → coordinates.

    Attributes
    ----------
    geom_offsets : ndarray of int
        ``n_states + 1`` offsets into the parts.
    part_offsets : ndarray of int
        ``n_parts + 1`` offsets into the rings.
    ring_offsets : ndarray of int
        ``n_rings + 1`` offsets into the flat coordinate array.
    """

    geom_offsets: IntArray
    part_offsets: IntArray
    ring_offsets: IntArray

    @property
    def n_states(self) -> int:
        """Number of states."""
        return len(self.geom_offsets) - 1

    @property
    def n_coords(self) -> int:
        """Number of coordinates."""
        return int(self.ring_offsets[-1])

    def result(self, coords_count: IntArray) -> tuple[IntArray, dict[int, IntArray], npt.NDArray[np.bool_],
                                                      npt.NDArray[np.bool_]]:
        """Ring ends, part starts, which rings are outer rings, and which states are laid out (all here)."""
        ring_end = self.ring_offsets[1:] - 1
        ring_is_ext = np.zeros(len(ring_end), dtype=bool)
        ring_is_ext[self.part_offsets[:-1][np.diff(self.part_offsets) > 0]] = True
        geom_first = self.ring_offsets[self.part_offsets[self.geom_offsets[:-1]]]
        part_first = self.ring_offsets[self.part_offsets[:-1]]
        starts: dict[int, IntArray] = {}
        for state in np.flatnonzero(np.diff(self.geom_offsets) > 1):
            lo, hi = self.geom_offsets[state], self.geom_offsets[state + 1]
            starts[int(state)] = (part_first[lo:hi] - geom_first[state]).astype(np.int64)
        return ring_end.astype(np.int64), starts, ring_is_ext, np.ones(self.n_states, dtype=bool)


class _RingLayout:
    """Where each polygon part and ring of a layer starts in the flat coordinate stream.

    Exploding parts and rings clones every coordinate while holding the GIL, so on large layers (and where
    the platform can fork) a forked worker process does it while the parent hashes edges. Only states with
    several parts or with holes need it; a single ring needs no layout.
    """

    _geoms: npt.NDArray[np.object_] | None = None

    def __init__(self, arr: npt.NDArray[np.object_]) -> None:
        nparts = shapely.get_num_geometries(arr)
        # every state with more than one ring: multipolygons (even of one part) and polygons with holes
        multi = shapely.get_type_id(arr) == shapely.GeometryType.MULTIPOLYGON
        self._sel = np.flatnonzero(multi | (nparts > 1) | (shapely.get_num_interior_rings(arr) > 0))
        self._arr = arr
        self._pool: typing.Any = None
        self._async: typing.Any = None
        big = int(shapely.get_num_coordinates(arr[self._sel]).sum()) > 1_000_000
        if big and sys.platform.startswith("linux"):
            import multiprocessing as mp

            _RingLayout._geoms = arr[self._sel]
            self._pool = mp.get_context("fork").Pool(1)
            self._async = self._pool.apply_async(_layout_forked)

    def result(self, coords_count: IntArray) -> tuple[IntArray, dict[int, IntArray], npt.NDArray[np.bool_],
                                                      npt.NDArray[np.bool_]]:
        """Return global positions of ring ends, and per state the start of each part in its own stream.

        Parameters
        ----------
        coords_count : ndarray of int
            Number of coordinates of each state.
        """
        if self._async is not None:
            layout = self._async.get()
            self._pool.close()
            self._pool.join()
            _RingLayout._geoms = None
        else:
            layout = _layout(self._arr[self._sel])
        part_count, part_owner, ring_count, ring_part = layout
        geom_first = np.zeros(len(coords_count), dtype=np.int64)
        geom_first[1:] = np.cumsum(coords_count)[:-1]
        sel = self._sel
        # first coordinate of each selected state within the selection's own concatenated stream
        sel_counts = coords_count[sel]
        sel_first = np.zeros(len(sel), dtype=np.int64)
        sel_first[1:] = np.cumsum(sel_counts)[:-1]
        ring_end_sub = np.cumsum(ring_count) - 1
        ring_state = part_owner[ring_part]
        ring_end = ring_end_sub - sel_first[ring_state] + geom_first[sel[ring_state]]
        part_first_sub = np.cumsum(part_count) - part_count
        starts: dict[int, IntArray] = {}
        bounds = np.searchsorted(part_owner, np.arange(len(sel) + 1))
        for k, state in enumerate(sel):
            if bounds[k + 1] - bounds[k] > 1:
                starts[int(state)] = part_first_sub[bounds[k]:bounds[k + 1]] - sel_first[k]
        ring_is_ext = np.ones(len(ring_part), dtype=bool)
        ring_is_ext[1:] = ring_part[1:] != ring_part[:-1]
        covered = np.zeros(len(coords_count), dtype=bool)
        covered[sel] = True
        return ring_end.astype(np.int64), starts, ring_is_ext, covered


def _layout(geoms: npt.NDArray[np.object_]) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Coordinate counts of every part and ring: ``(part_count, part_owner, ring_count, ring_part)``."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    part_count = shapely.get_num_coordinates(parts).astype(np.int64)
    holed = shapely.get_num_interior_rings(parts) > 0
    plain = np.flatnonzero(~holed)
    with_holes = np.flatnonzero(holed)
    rings, ridx = shapely.get_rings(parts[with_holes], return_index=True)
    ring_part = np.concatenate([plain, with_holes[ridx]])
    ring_count = np.concatenate([part_count[plain], shapely.get_num_coordinates(rings)])
    order = np.argsort(ring_part, kind="stable")
    return part_count, owner.astype(np.int64), ring_count[order].astype(np.int64), ring_part[order]


def _layout_forked() -> tuple[IntArray, IntArray, IntArray, IntArray]:
    geoms = _RingLayout._geoms
    assert geoms is not None
    return _layout(geoms)


def _part_locator(starts: dict[int, IntArray], coords_count: IntArray) -> Callable[[IntArray, IntArray],
                                                                                    IntArray]:
    """Return ``f(state, coord_pos) -> part index`` for positions in the flat coordinate stream."""
    geom_first = np.zeros(len(coords_count), dtype=np.int64)
    geom_first[1:] = np.cumsum(coords_count)[:-1]

    def locate(state: IntArray, pos: IntArray) -> IntArray:
        out = np.zeros(len(state), dtype=np.int64)
        for s in np.intersect1d(np.unique(state), np.fromiter(starts, dtype=np.int64)):
            sel = state == s
            out[sel] = np.searchsorted(starts[int(s)], pos[sel] - geom_first[s], side="right") - 1
        return out

    return locate


def _tripoints(vids: IntArray, a: IntArray, b: IntArray, pts: FloatArray) -> Vertices:
    """Arc end vertices where arcs of three or more states meet."""
    frame = pd.DataFrame({"v": np.concatenate([vids, vids]), "s": np.concatenate([a, b]),
                          "x": np.concatenate([pts[:, 0], pts[:, 0]]), "y": np.concatenate([pts[:, 1], pts[:, 1]])})
    frame = frame.drop_duplicates(["v", "s"])
    counts = frame.groupby("v")["s"].transform("size")
    hit = frame[counts >= 3].sort_values(["v", "s"])
    if hit.empty:
        return Vertices(np.zeros(0), np.zeros(0), [])
    grouped = hit.groupby("v", sort=True)
    states = [tuple(int(x) for x in s) for s in grouped["s"].agg(tuple)]
    return Vertices(grouped["x"].first().to_numpy(), grouped["y"].first().to_numpy(), states)


def merge_arcs(arcs: Arcs, n_states: int) -> pd.DataFrame:
    """Merge the arcs of each pair of states into ordered lines.

    Parameters
    ----------
    arcs : Arcs
        Output of :func:`shared_arcs`.
    n_states : int
        Number of states in the layer.

    Returns
    -------
    DataFrame
        One row per pair: ``a``, ``b`` (positional indices), ``geometry`` (LineString, or MultiLineString
        where the border has several separate parts), ``length_m``, ``n_parts``, ``parts_a``, ``parts_b``
        (sorted polygon-part indices each side touches).
    """
    if len(arcs.a) == 0:
        return pd.DataFrame(columns=["a", "b", "geometry", "length_m", "n_parts", "parts_a", "parts_b"])
    code = arcs.a * (n_states + 1) + arcs.b
    uniq, inv = np.unique(code, return_inverse=True)
    srt = np.argsort(inv, kind="stable")
    multi = shapely.multilinestrings(arcs.geometry[srt], indices=inv[srt])
    merged = shapely.line_merge(multi)
    length_m = np.bincount(inv, weights=arcs.length_m, minlength=len(uniq))
    n_parts = shapely.get_num_geometries(merged)
    fr = pd.DataFrame({"g": inv, "pa": arcs.part_a, "pb": arcs.part_b})
    parts_a = [sorted({int(x) for x in grp}) for _, grp in fr.groupby("g")["pa"]]
    parts_b = [sorted({int(x) for x in grp}) for _, grp in fr.groupby("g")["pb"]]
    return pd.DataFrame({
        "a": uniq // (n_states + 1),
        "b": uniq % (n_states + 1),
        "geometry": merged,
        "length_m": length_m,
        "n_parts": n_parts.astype(np.int64),
        "parts_a": parts_a,
        "parts_b": parts_b,
    })


def _vertex_keys(coords: FloatArray, grid_deg: float) -> npt.NDArray[np.uint64]:
    """Exact 64-bit key per vertex: 32 bits of grid column, 32 bits of grid row."""
    cells_x = 360.0 / grid_deg
    if cells_x >= 2**32:
        raise DataError(f"grid_deg={grid_deg} is too fine for 32-bit vertex keys; use 1e-7 or coarser")
    inv = 1.0 / grid_deg
    x = coords[:, 0] * inv
    x += 180.0 * inv
    np.rint(x, out=x)
    key = x.astype(np.uint64)
    del x
    key <<= np.uint64(32)
    y = coords[:, 1] * inv
    y += 90.0 * inv
    np.rint(y, out=y)
    key |= y.astype(np.uint64)
    return key


def _empty_arcs() -> Arcs:
    e = np.zeros(0, dtype=np.int64)
    return Arcs(np.zeros(0, dtype=object), e, e.copy(), e.copy(), e.copy(), np.zeros(0))


def tolerance_pairs(
    geoms: npt.ArrayLike,
    *,
    tolerance_m: float = 100.0,
    ellipsoid: str = "WGS84",
    step: Step = _noop,
) -> pd.DataFrame:
    """Match borders of neighbours whose boundaries do not coincide, within ``tolerance_m`` metres.

    For each pair of states within the tolerance, both boundaries are projected to a local azimuthal
    equidistant projection centred on the pair's contact zone. The border on each side is the part of
    that state's boundary lying within ``tolerance_m`` of the other's boundary; the border's length is
    the mean of the two sides' geodesic lengths. The gap area is the area within ``tolerance_m`` of both
    states that neither covers; the overlap area is the area both cover.

    Parameters
    ----------
    geoms : array of Polygon/MultiPolygon
        One geometry per state, lon/lat degrees.
    tolerance_m : float
        Matching distance in metres.
    ellipsoid : str
        Ellipsoid for geodesic lengths and areas.
    step : callable
        Called with the name of each pair as it is processed.

    Returns
    -------
    DataFrame
        As :func:`merge_arcs`, plus ``length_a_m``, ``length_b_m``, ``gap_area_km2`` and
        ``overlap_area_km2``.
    """
    from pyproj import Transformer

    from borderline.geodesy import areas_km2, line_lengths_km, local_crs

    if tolerance_m <= 0:
        raise DataError(f"tolerance must be a positive number of metres, got {tolerance_m:g}")
    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr)
    # Candidate search only: a bounding-box margin in degrees that covers tolerance_m at any latitude
    # up to 85°. Every measure below is in metres or geodesic.
    margin_deg = tolerance_m / (111_320.0 * np.cos(np.radians(85.0)))
    left, right = tree.query(arr, predicate="dwithin", distance=margin_deg)
    keep = left < right
    rows: list[dict[str, object]] = []
    for i, j in zip(left[keep], right[keep], strict=True):
        step(f"pair {i}–{j}")
        ga, gb = arr[i], arr[j]
        overlap = bbox_overlap(_expand(ga.bounds, margin_deg), _expand(gb.bounds, margin_deg))
        if overlap is None:
            continue
        box = shapely.box(*overlap)
        ca, cb = shapely.clip_by_rect(ga, *box.bounds), shapely.clip_by_rect(gb, *box.bounds)
        if ca.is_empty or cb.is_empty:
            continue
        centre = box.centroid
        crs = local_crs(centre.x, centre.y)
        fwd = Transformer.from_crs(4326, crs, always_xy=True)
        inv = Transformer.from_crs(crs, 4326, always_xy=True)

        def to_m(g: shapely.Geometry, t: Transformer = fwd) -> shapely.Geometry:
            return shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

        def to_deg(g: shapely.Geometry, t: Transformer = inv) -> shapely.Geometry:
            return shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

        # Set operations run in lon/lat; only the buffers are built in metres (local projection).
        frame_deg = box.boundary.buffer(1e-9)
        ba = shapely.difference(ca.boundary, frame_deg)
        bb = shapely.difference(cb.boundary, frame_deg)
        zone_a = to_deg(to_m(ba).buffer(tolerance_m))
        zone_b = to_deg(to_m(bb).buffer(tolerance_m))
        la = _lines_only(shapely.intersection(ba, zone_b))
        lb = _lines_only(shapely.intersection(bb, zone_a))
        if la.is_empty and lb.is_empty:
            continue
        va, vb = shapely.make_valid(ca), shapely.make_valid(cb)
        near = shapely.intersection(to_deg(to_m(va).buffer(tolerance_m)), to_deg(to_m(vb).buffer(tolerance_m)))
        gap = shapely.difference(shapely.make_valid(near), shapely.union(va, vb))
        overlap = shapely.intersection(va, vb)
        line = shapely.line_merge(la) if not la.is_empty else shapely.line_merge(lb)
        len_a = float(line_lengths_km([la], ellipsoid)[0]) * 1000
        len_b = float(line_lengths_km([lb], ellipsoid)[0]) * 1000
        rows.append({
            "a": int(i), "b": int(j), "geometry": line,
            "length_m": (len_a + len_b) / 2.0, "length_a_m": len_a, "length_b_m": len_b,
            "n_parts": int(shapely.get_num_geometries(line)),
            # each side's own matched stretch: across a gap, A's line does not touch B's parts
            "parts_a": _parts_touched(ga, la if not la.is_empty else line),
            "parts_b": _parts_touched(gb, lb if not lb.is_empty else line),
            "gap_area_km2": float(areas_km2([_polys_only(gap)], ellipsoid)[0]),
            "overlap_area_km2": float(areas_km2([_polys_only(overlap)], ellipsoid)[0]),
        })
    cols = ["a", "b", "geometry", "length_m", "length_a_m", "length_b_m", "n_parts", "parts_a", "parts_b",
            "gap_area_km2", "overlap_area_km2"]
    return pd.DataFrame(rows, columns=cols)


def bbox_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float] | None:
    """The overlap of two bounding boxes ``(minx, miny, maxx, maxy)``, or None where they are disjoint."""
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else None


def _expand(bounds: tuple[float, float, float, float], d: float) -> tuple[float, float, float, float]:
    return (bounds[0] - d, max(bounds[1] - d, -90.0), bounds[2] + d, min(bounds[3] + d, 90.0))


def _lines_only(g: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("LineString", "MultiLineString")]
    flat = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    return shapely.MultiLineString(flat) if flat else shapely.MultiLineString()


def _polys_only(g: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    flat = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    return shapely.MultiPolygon(flat) if flat else shapely.MultiPolygon()


def _parts_touched(state: shapely.Geometry, line: shapely.Geometry) -> list[int]:
    parts = shapely.get_parts(state)
    near = shapely.dwithin(parts, line, 1e-6)
    return [int(k) for k in np.flatnonzero(near)]


def polygonal(geom: shapely.Geometry | None) -> shapely.Geometry:
    """Only the polygonal parts of an overlay result: a Polygon, a MultiPolygon, or an empty Polygon."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    flat = [q for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")
            for q in shapely.get_parts(p)]
    if not flat:
        return shapely.Polygon()
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)
