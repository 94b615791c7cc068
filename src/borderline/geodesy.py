"""Geodesic measures on the WGS84 ellipsoid.

All lengths, areas and distances in borderline come from here; nothing measures in degrees.
Functions take longitude/latitude in degrees (EPSG:4326) and return metres, kilometres or km².
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.enums import TransformDirection

FloatArray = npt.NDArray[np.float64]

#: Vertex or segment counts from which pyproj's work is split over two threads (pyproj releases the GIL).
_THREADED_MIN = 200_000


@lru_cache(maxsize=4)
def geod(ellipsoid: str = "WGS84") -> Geod:
    """Return a cached :class:`pyproj.Geod` for ``ellipsoid``."""
    return Geod(ellps=ellipsoid)


def segment_lengths_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray, ellipsoid: str = "WGS84"
) -> FloatArray:
    """Geodesic length of each segment, vectorised.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : ndarray
        Segment end points in degrees.
    ellipsoid : str
        Ellipsoid name.

    Returns
    -------
    ndarray
        Length of each segment in metres (on two threads from 200,000 segments).
    """
    if len(lon1) == 0:
        return np.zeros(0)
    g = geod(ellipsoid)
    if len(lon1) < _THREADED_MIN:
        return np.asarray(g.inv(lon1, lat1, lon2, lat2)[2], dtype=np.float64)
    from concurrent.futures import ThreadPoolExecutor

    # two threads: pyproj releases the GIL
    h = len(lon1) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        tail = pool.submit(g.inv, lon1[h:], lat1[h:], lon2[h:], lat2[h:])
        head = g.inv(lon1[:h], lat1[:h], lon2[:h], lat2[:h])[2]
        return np.concatenate([np.asarray(head, dtype=np.float64), np.asarray(tail.result()[2], dtype=np.float64)])


def line_lengths_km(geoms: npt.ArrayLike, ellipsoid: str = "WGS84") -> FloatArray:
    """Geodesic length of (multi)line geometries in km, vectorised over the array.

    Parameters
    ----------
    geoms : array of shapely geometries
        Lines, multilines or polygons (their boundary length is measured) in lon/lat degrees.
    ellipsoid : str
        Ellipsoid name.

    Returns
    -------
    ndarray
        Length in kilometres; 0 for empty or missing geometries.
    """
    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return np.zeros(0)
    lines = arr.copy()
    poly = np.isin(shapely.get_type_id(lines), [3, 6])  # Polygon, MultiPolygon
    if poly.any():
        lines[poly] = shapely.boundary(lines[poly])
    parts, part_idx = shapely.get_parts(lines, return_index=True)
    coords, coord_idx = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return np.zeros(arr.size)
    same = coord_idx[1:] == coord_idx[:-1]
    seg = segment_lengths_m(
        coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same], ellipsoid
    )
    per_part = np.bincount(coord_idx[:-1][same], weights=seg, minlength=len(parts))
    per_geom = np.bincount(part_idx, weights=per_part, minlength=arr.size)
    return per_geom / 1000.0


def areas_km2(geoms: npt.ArrayLike, ellipsoid: str = "WGS84") -> FloatArray:
    """Geodesic area of polygon geometries in km².

    Polygons are oriented first (exterior counter-clockwise, holes clockwise), so that holes subtract and the
    parts of a multipolygon add up whatever orientation they were drawn in. Each geometry's rings are then
    walked as one closed path by pyproj (``Geod.polygon_area_perimeter``, GeographicLib's exact geodesic polygon
    area): after its first ring, every ring is reached by a spur from the geometry's first vertex and left by
    the same spur back, which encloses no area (its edges cancel, as do its crossings of the meridian that
    GeographicLib counts for rings round a pole). One call per geometry instead of one per ring (layers with
    lakes have hundreds of thousands of holes), on two threads (pyproj releases the GIL); the sum agrees with
    ring-by-ring measurement to about 1e-14.

    Parameters
    ----------
    geoms : array of shapely geometries
        Polygons or multipolygons in lon/lat degrees. Other types measure 0.
    ellipsoid : str
        Ellipsoid name.

    Returns
    -------
    ndarray
        Absolute geodesic area in square kilometres.
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    out = np.zeros(arr.size)
    ok = np.flatnonzero(np.isin(shapely.get_type_id(arr), [3, 6]) & ~shapely.is_empty(arr))  # None → type -1
    if not len(ok):
        return out
    polys, poly_geom = shapely.get_parts(shapely.orient_polygons(arr[ok]), return_index=True)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy = shapely.get_coordinates(rings)
    n = shapely.get_num_coordinates(rings).astype(np.int64)
    ring_geom = poly_geom[ring_poly]
    # the walk: every ring's vertices in drawing order, and after each ring but its geometry's first, the
    # geometry's first vertex (the spur back; the spur out is the edge from the previous vertex to the ring)
    first = np.ones(len(rings), dtype=bool)
    first[1:] = ring_geom[1:] != ring_geom[:-1]
    ring_start = np.cumsum(n) - n
    home = ring_start[first][np.cumsum(first) - 1]
    count = n + ~first
    walk_start = np.cumsum(count) - count
    idx = np.empty(int(count.sum()), dtype=np.int64)
    idx[np.repeat(walk_start - ring_start, n) + np.arange(len(xy))] = np.arange(len(xy))
    idx[(walk_start + n)[~first]] = home[~first]
    walk_end = np.cumsum(np.bincount(ring_geom, weights=count, minlength=len(ok)).astype(np.int64))
    signed_m2 = _walk_areas_m2(xy[idx, 0], xy[idx, 1], walk_end, ellipsoid)
    out[ok] = np.abs(signed_m2) / 1e6
    return out


def _walk_areas_m2(lon: FloatArray, lat: FloatArray, ends: npt.NDArray[np.int64], ellipsoid: str) -> FloatArray:
    """Signed geodesic area (m², counter-clockwise positive) of closed walks laid end to end.

    ``ends`` is one past each walk's last vertex. Two threads share the walks when there are many vertices.
    """
    from concurrent.futures import ThreadPoolExecutor

    area = geod(ellipsoid).polygon_area_perimeter
    stops = ends.tolist()
    starts = [0, *stops[:-1]]
    out = np.zeros(len(stops))

    def span(lo: int, hi: int) -> None:
        for k in range(lo, hi):
            out[k] = area(lon[starts[k]:stops[k]], lat[starts[k]:stops[k]])[0]

    if not stops or stops[-1] < _THREADED_MIN:
        span(0, len(stops))
        return out
    half = int(np.searchsorted(ends, ends[-1] // 2))  # about half the vertices each
    with ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(span, half, len(stops))
        span(0, half)
        fut.result()
    return out


def distance_km(a: shapely.Geometry, b: shapely.Geometry, ellipsoid: str = "WGS84", max_iter: int = 6) -> float:
    """Shortest geodesic distance in km between two geometries in lon/lat degrees.

    A first pair of near points comes from the geometries in lon/lat; it is then refined by alternation: in an
    azimuthal equidistant projection centred on one near point (where distances from the centre are true
    geodesic distances) the nearest point of the other geometry is found, and the roles swap, until the pair
    stops moving. The distance between the final pair is measured on the ellipsoid.

    The antimeridian is no wall: where both geometries come near it, copies of ``b`` a turn (360°) east and
    west are candidates for the first pair, and the search windows of the refinement wrap round ±180°, so the
    nearer part of a geometry lying across it is found. Geometries are read as drawn in lon/lat, split at the
    antimeridian (RFC 7946, as Natural Earth and OSM land polygons are): a segment is never taken to cross it.

    Large geometries (more than 1,000 vertices) are searched through an index of their boundary (see
    :func:`distances_km`, which measures many pairs and indexes a geometry shared by several pairs once).

    Parameters
    ----------
    a, b : shapely geometry
        Geometries in lon/lat degrees.
    ellipsoid : str
        Ellipsoid name.
    max_iter : int
        Most refinement rounds.

    Returns
    -------
    float
        Distance in kilometres (0 where they touch or overlap; NaN where either is missing or empty).
    """
    return float(distances_km(np.array([a], dtype=object), np.array([b], dtype=object), ellipsoid, max_iter)[0])


def distances_km(a: npt.ArrayLike, b: npt.ArrayLike, ellipsoid: str = "WGS84", max_iter: int = 6, *,
                 disjoint: bool = False) -> FloatArray:
    """Shortest geodesic distance in km between ``a[i]`` and ``b[i]`` for every ``i``, as :func:`distance_km`.

    The search is that of :func:`distance_km`, pair by pair; what is shared is prepared once. A geometry with
    more than 1,000 vertices (the same object in several pairs, e.g. one mainland for all its exclaves, is
    prepared once) has its boundary cut into runs of 16 segments, held in an STRtree for the first pair of near
    points and in a k-d tree of directions from the Earth's centre for the refinement (:class:`_Runs`). A
    refinement step then measures only the runs that may hold the nearest point: the vertex nearest by the
    chord among the runs nearest by direction gives an upper bound, and a run that cannot come within it
    (a lower bound from its directions, exact on the ellipsoid, with room for the projection's stretch) is left
    out. The nearest point over the runs kept is the nearest over the whole search window, so the answers are
    those of the search over the whole geometry (to the millimetre: the local projection is computed from the
    geodesics from its centre instead of by PROJ, which can move the point where the refinement stops by a few
    centimetres at most).

    Parameters
    ----------
    a, b : array_like of shapely geometries
        Pairs of geometries in lon/lat degrees, of equal length.
    ellipsoid : str
        Ellipsoid name.
    max_iter : int
        Most refinement rounds per pair.
    disjoint : bool
        The caller knows that no pair touches or overlaps: skip the test (which on polygons with very many holes
        can cost more than the distance).

    Returns
    -------
    ndarray
        Distance in kilometres per pair (0 where they touch or overlap; NaN where either is missing or empty).
    """
    aa = np.asarray(a, dtype=object).reshape(-1)
    bb = np.asarray(b, dtype=object).reshape(-1)
    if aa.shape != bb.shape:
        from borderline.errors import DataError

        raise DataError(f"distances_km needs pairs: {aa.size} geometries in a but {bb.size} in b; give as many of each")
    out = np.full(aa.size, np.nan)
    ok = ~(shapely.is_missing(aa) | shapely.is_missing(bb) | shapely.is_empty(aa) | shapely.is_empty(bb))
    if not disjoint:
        touch = ok.copy()
        touch[ok] = shapely.intersects(aa[ok], bb[ok])
        out[touch] = 0.0
        ok &= ~touch
    todo = np.flatnonzero(ok)
    shapes: dict[int, _Shape] = {}
    for g in np.concatenate([aa[todo], bb[todo]]):
        if id(g) not in shapes:
            shapes[id(g)] = _Shape(g, ellipsoid)
    for i in todo:
        out[i] = _distance_m(shapes[id(aa[i])], shapes[id(bb[i])], ellipsoid, max_iter) / 1000.0
    return out


def _distance_m(a: _Shape, b: _Shape, ellipsoid: str, max_iter: int) -> float:
    """The search of :func:`distance_km` for two disjoint geometries, in metres."""

    def measure(p: tuple[float, float], q: tuple[float, float]) -> float:
        return float(segment_lengths_m(np.array([p[0]]), np.array([p[1]]), np.array([q[0]]), np.array([q[1]]),
                                       ellipsoid)[0])

    pa, pb = _planar_pair(a, b, 0.0)
    best = measure(pa, pb)
    if _antimeridian_floor_m(a.bounds) + _antimeridian_floor_m(b.bounds) < best:
        # a shorter way may cross the antimeridian: try b a turn east and a turn west, where that copy comes
        # within 180° of longitude of a (no shortest geodesic spans more)
        ax0, _, ax1, _ = a.bounds
        bx0, _, bx1, _ = b.bounds
        for turn in (_TURN_DEG, -_TURN_DEG):
            if max(bx0 + turn - ax1, ax0 - bx1 - turn) > 180.0:
                continue
            qa, qb = _planar_pair(a, b, turn)
            d = measure(qa, qb)
            if d < best:
                best, pa, pb = d, qa, (_wrap_lon(qb[0]), qb[1])
    if best == 0.0:  # touching across the antimeridian
        return 0.0
    for _ in range(max_iter):
        pb = _nearest_point(b, pa, best * 1.05 + 1000.0)
        pa = _nearest_point(a, pb, best * 1.05 + 1000.0)
        d = measure(pa, pb)
        if d >= best - 1e-3:  # stopped improving (1 mm)
            best = min(best, d)
            break
        best = d
    return best


#: Geometries with more vertices than this are searched through runs of their boundary (:class:`_Runs`).
_RUNS_MIN_VERTICES = 1_000

#: Segments per run.
_RUN_SEGMENTS = 16

#: A run that cannot come nearer than the best distance so far plus this (metres) is not projected.
_PRUNE_MARGIN_M = 1.0

#: Runs with a larger spread (radians, about 64 km) or a longer segment (metres) are bounded one by one.
_ORDINARY_SPREAD_RAD = 0.01
_ORDINARY_STEP_M = 20_000.0


class _Runs:
    """The boundary of a large geometry cut into runs of segments: a search index, not a measure.

    Each ring (or line) is cut into runs of at most ``_RUN_SEGMENTS`` segments; consecutive runs share a
    vertex. ``xy`` holds the runs' vertices one run after another (run ``r`` from ``start[r]``, ``size[r]``
    vertices), ``lines`` the runs as LineStrings in lon/lat and ``tree`` an STRtree over them. For bounds, each run
    has a cone seen from the Earth's centre round its vertices (``axis``, a unit vector, and ``spread``, the
    largest angle from it to a vertex, radians) and the length of its longest segment as drawn (``step``,
    metres), bounded above by ``a²/b · hypot(Δφ, Δλ)`` since no radius of curvature exceeds a²/b. The axes of the
    ordinary runs (spread and step below ``_ORDINARY_SPREAD_RAD`` and ``_ORDINARY_STEP_M``) are in a k-d tree; the
    few others (long straight segments) are always bounded one by one.
    """

    def __init__(self, rings: npt.NDArray[np.object_], ellipsoid: str) -> None:
        from scipy.spatial import cKDTree

        xy, ring_of = shapely.get_coordinates(rings, return_index=True)
        n = np.bincount(ring_of, minlength=len(rings)).astype(np.int64)
        ring_start = np.cumsum(n) - n
        seg = np.maximum(n - 1, 0)
        per_ring = -(-seg // _RUN_SEGMENTS)
        run_ring = np.repeat(np.arange(len(rings)), per_ring)
        k = np.arange(len(run_ring)) - np.repeat(np.cumsum(per_ring) - per_ring, per_ring)
        first = ring_start[run_ring] + k * _RUN_SEGMENTS
        self.size = np.minimum(_RUN_SEGMENTS, seg[run_ring] - k * _RUN_SEGMENTS) + 1  # vertices per run
        self.start = np.cumsum(self.size) - self.size
        run_of = np.repeat(np.arange(len(first)), self.size)
        self.xy = xy[np.repeat(first - self.start, self.size) + np.arange(int(self.size.sum()))]
        self.lines = shapely.linestrings(self.xy, indices=run_of)
        self.tree = shapely.STRtree(self.lines)
        g = geod(ellipsoid)
        self.ellipsoid = ellipsoid
        self.a, self.b, self.es = g.a, g.b, g.es
        unit = _unit(_ecef_m(self.xy[:, 0], self.xy[:, 1], g.a, g.es))
        self.axis = _unit(np.add.reduceat(unit, self.start, axis=0))
        chord = np.linalg.norm(unit - self.axis[run_of], axis=1)
        self.spread = 2.0 * np.arcsin(np.minimum(np.maximum.reduceat(chord, self.start) / 2.0, 1.0))
        # each vertex but a run's last starts a segment of the run
        rad = np.radians(self.xy)
        step = np.zeros(len(self.xy))
        step[:-1] = np.hypot(np.diff(rad[:, 0]), np.diff(rad[:, 1])) * (g.a * g.a / g.b)
        step[self.start + self.size - 1] = 0.0
        self.step = np.maximum.reduceat(step, self.start)
        ordinary = (self.spread <= _ORDINARY_SPREAD_RAD) & (self.step <= _ORDINARY_STEP_M)
        self.ordinary = np.flatnonzero(ordinary)
        self.others = np.flatnonzero(~ordinary)
        self.kdtree = cKDTree(self.axis[self.ordinary]) if len(self.ordinary) else None
        if len(self.ordinary):
            self.ordinary_spread = float(self.spread[self.ordinary].max())
            self.ordinary_step = float(self.step[self.ordinary].max())

    def unit(self, point: tuple[float, float]) -> FloatArray:
        """The unit vector from the Earth's centre towards a point on the ellipsoid (lon, lat degrees)."""
        return _unit(_ecef_m(np.array([point[0]]), np.array([point[1]]), self.a, self.es))[0]

    def nearest_runs(self, c: FloatArray, k: int) -> npt.NDArray[np.int64]:
        """About the ``k`` runs nearest to the unit vector ``c`` (by their axes), and the others."""
        if self.kdtree is None:
            return self.others
        _, i = self.kdtree.query(c, k=min(k, len(self.ordinary)))
        return np.concatenate([self.ordinary[np.atleast_1d(i)], self.others])

    def runs_within(self, c: FloatArray, limit_m: float) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The runs that may have a point within ``limit_m`` of the unit vector ``c``, and their bounds.

        The ordinary runs come from a ball round ``c`` in the k-d tree, wide enough for the largest spread and
        step; then each run's own bound (:meth:`lower_bounds_m`) decides.
        """
        cand = self.others
        if self.kdtree is not None:
            step = self.ordinary_step
            reach = (limit_m + float(_stretch(limit_m + step)) * step / 2.0) / self.b + self.ordinary_spread
            hit = self.kdtree.query_ball_point(c, 2.0 * np.sin(min(reach, np.pi) / 2.0) * (1 + 1e-9) + 1e-12)
            cand = np.concatenate([self.ordinary[np.asarray(hit, dtype=np.int64)], cand])
        low = self.lower_bounds_m(c, cand, limit_m)
        keep = low <= limit_m
        return cand[keep], low[keep]

    def lower_bounds_m(self, c: FloatArray, runs: npt.NDArray[np.int64], within_m: float) -> FloatArray:
        """For each run, a distance (metres) from the point ``c`` (a unit vector) that none of its points is under.

        The distance is the geodesic one or the one in the azimuthal equidistant projection centred on ``c``,
        for points within ``within_m`` of it (farther points need no bound).

        The ellipsoid holds the ball of radius b, and pushing a path outside that ball onto its sphere does not
        lengthen it: a geodesic between points an angle γ apart (seen from the centre) is at least b·γ long.
        So a vertex's geodesic distance, which is also its projected distance, is at least b times the angle
        from the centre to the run's axis less its spread. A point of a segment as projected lies on the straight
        line between its ends' images, within half that line of one end; the line is no longer than the image of
        the drawn segment, which the projection stretches by at most its largest scale (:func:`_stretch`, at
        ``within_m`` plus the segment).
        """
        step = self.step[runs]
        chord = np.linalg.norm(self.axis[runs] - c, axis=1)
        gap = 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0)) - self.spread[runs]
        return self.b * gap - _stretch(within_m + step) * step / 2.0

    def vertices(self, runs: npt.NDArray[np.int64]) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """The vertices of ``runs`` (lon/lat rows, run after run) and the rows that start a segment."""
        n = self.size[runs]
        ends = np.cumsum(n)
        xy = self.xy[np.repeat(self.start[runs] - (ends - n), n) + np.arange(int(ends[-1]) if len(n) else 0)]
        starts = np.ones(len(xy), dtype=bool)
        starts[ends - 1] = False
        return xy, np.flatnonzero(starts)


def _clip_params(p: FloatArray, q: FloatArray,
                 box: tuple[float, float, float, float]) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Where segments ``p → q`` (lon/lat rows) enter and leave ``box``, and which meet it at all.

    Fractions ``t0 ≤ t1`` of the way along each segment, by Liang–Barsky clipping.
    """
    x0, y0, x1, y1 = box
    d = q - p
    t0 = np.zeros(len(p))
    t1 = np.ones(len(p))
    ok = np.ones(len(p), dtype=bool)
    for dk, room_lo, room_hi in ((d[:, 0], p[:, 0] - x0, x1 - p[:, 0]), (d[:, 1], p[:, 1] - y0, y1 - p[:, 1])):
        flat = dk == 0.0
        ok &= ~flat | ((room_lo >= 0.0) & (room_hi >= 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = -room_lo / dk, room_hi / dk  # where the line meets the low and the high edge
        t0 = np.where(flat, t0, np.maximum(t0, np.where(dk > 0.0, lo, hi)))
        t1 = np.where(flat, t1, np.minimum(t1, np.where(dk > 0.0, hi, lo)))
    return t0, t1, ok & (t0 <= t1)


class _Shape:
    """One geometry of distance searches: its bounds, its vertex count and, when large, its :class:`_Runs`."""

    def __init__(self, geom: shapely.Geometry, ellipsoid: str) -> None:
        self.geom = geom
        self.bounds: tuple[float, float, float, float] = tuple(geom.bounds)
        self.runs: _Runs | None = None
        if shapely.get_num_coordinates(geom) > _RUNS_MIN_VERTICES:
            parts = shapely.get_parts(geom)
            kinds = shapely.get_type_id(parts)
            if np.isin(kinds, [1, 2, 3]).all():  # lines, rings and polygons (not points, not collections)
                rings = np.concatenate([shapely.get_rings(parts[kinds == 3]), parts[kinds != 3]])
                self.runs = _Runs(rings, ellipsoid)

    def pieces(self) -> npt.NDArray[np.object_]:
        """The geometry as pieces for a planar nearest-pair search: its runs, or itself."""
        return self.runs.lines if self.runs is not None else np.array([self.geom], dtype=object)


def _planar_pair(a: _Shape, b: _Shape, turn: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The nearest points, in lon/lat degrees, of ``a`` and of ``b`` moved ``turn`` degrees east.

    As ``shapely.shortest_line(a, b + turn)``; through the runs' STRtree when either is large.
    """
    if a.runs is None and b.runs is None:
        line = shapely.shortest_line(a.geom, b.geom if turn == 0.0 else _shift_lon(b.geom, turn))
        (pa, pb) = line.coords
        return (pa[0], pa[1]), (pb[0], pb[1])
    if b.runs is not None:
        # the nearest run of b to a moved a turn west is the nearest of b moved a turn east to a; the pair is
        # then taken between a and that run moved, as drawn (touching pairs meet exactly)
        qa = a.pieces()
        probe = qa if turn == 0.0 else shapely.transform(qa, lambda xy: xy - [turn, 0.0])
        (ia, ib), dist = b.runs.tree.query_nearest(probe, return_distance=True)
        k = int(np.argmin(dist))
        run = b.runs.lines[ib[k]]
        (pa, pb) = shapely.shortest_line(qa[ia[k]], run if turn == 0.0 else _shift_lon(run, turn)).coords
        return (pa[0], pa[1]), (pb[0], pb[1])
    assert a.runs is not None
    qb = b.geom if turn == 0.0 else _shift_lon(b.geom, turn)
    ib = a.runs.tree.query_nearest(qb)
    lines = shapely.shortest_line(a.runs.lines[ib], qb)
    (pa, pb) = lines[int(np.argmin(shapely.length(lines)))].coords
    return (pa[0], pa[1]), (pb[0], pb[1])


def _nearest_point(target: _Shape, centre: tuple[float, float], reach_m: float) -> tuple[float, float]:
    """The point of ``target`` nearest to ``centre`` among its parts in the search window of ``reach_m``.

    Nearest in an azimuthal equidistant projection centred on ``centre`` (true distances from the centre).
    """
    if target.runs is not None:
        found = _nearest_on_runs(target.runs, target.bounds, centre, reach_m)
        if found is not None:
            return found
    to_local = _aeqd_transformer(_aeqd_pipeline(*centre))
    pieces = _search_window(target.geom, centre, reach_m)
    t_m = shapely.transform(pieces, lambda xy: np.column_stack(to_local.transform(xy[:, 0], xy[:, 1])))
    lines = shapely.shortest_line(shapely.Point(0.0, 0.0), t_m)
    q = shapely.get_coordinates(lines[int(np.argmin(shapely.length(lines)))])[1]
    lon, lat = to_local.transform(q[0], q[1], direction=TransformDirection.INVERSE)
    return (float(lon), float(lat))


def _nearest_on_runs(runs: _Runs, bounds: tuple[float, float, float, float], centre: tuple[float, float],
                     reach_m: float) -> tuple[float, float] | None:
    """:func:`_nearest_point` on a large geometry, measuring only the runs that may hold the answer.

    The vertices of the runs nearest by their axes give an upper bound of the distance (the nearest of them);
    the runs that may come within it (:meth:`_Runs.lower_bounds_m`) are clipped to the search window's boxes, as
    :func:`_search_window` clips a whole geometry, and projected. The azimuthal equidistant projection centred
    on the point is computed as it is defined on the ellipsoid, from the geodesic from the centre (distance s,
    azimuth α: x = s sin α, y = s cos α, and back by the direct problem), so that no PROJ pipeline is built per
    centre. None where the window holds none of those runs (not met in practice; the caller then searches the
    whole window).
    """
    g = geod(runs.ellipsoid)
    c = runs.unit(centre)
    boxes = _window_boxes(bounds, centre, reach_m) or None  # no box meets the target: all of it

    def geodesics(lonlat: FloatArray) -> tuple[FloatArray, FloatArray]:
        az, _, s_m = g.inv(np.full(len(lonlat), centre[0]), np.full(len(lonlat), centre[1]), lonlat[:, 0],
                           lonlat[:, 1])
        return np.radians(az), np.asarray(s_m, dtype=np.float64)

    # an upper bound: the geodesic to the vertex of the runs nearest by their axes that is nearest by the chord
    lonlat, _ = runs.vertices(runs.nearest_runs(c, 4))
    k = int(np.argmin(np.linalg.norm(_unit(_ecef_m(lonlat[:, 0], lonlat[:, 1], runs.a, runs.es)) - c, axis=1)))
    limit = min(float(geodesics(lonlat[k:k + 1])[1][0]), reach_m) + _PRUNE_MARGIN_M
    cand, _ = runs.runs_within(c, limit)
    if not len(cand):
        return None
    lonlat, seg = runs.vertices(cand)
    head, tail = seg, seg + 1
    extra = np.zeros((0, 2))
    if boxes is not None:
        # the window's pieces: segments clipped to each box (a box a turn away holds the target across the
        # antimeridian; a point a turn away is the point itself); ends cut off are replaced by the cuts
        p, q = lonlat[seg], lonlat[seg + 1]
        heads, tails, cuts = [], [], []
        n_cut = 0
        for _, box in boxes:
            t0, t1, ok = _clip_params(p, q, box)
            in_head, in_tail = head[ok], tail[ok]
            for ends, frac, moved in ((in_head, t0[ok], t0[ok] > 0.0), (in_tail, t1[ok], t1[ok] < 1.0)):
                if moved.any():
                    i = np.flatnonzero(moved)
                    j = seg[ok][i]
                    ends[i] = len(lonlat) + n_cut + np.arange(len(i))
                    cuts.append(lonlat[j] + frac[i, None] * (lonlat[j + 1] - lonlat[j]))
                    n_cut += len(i)
            heads.append(in_head)
            tails.append(in_tail)
        head, tail = np.concatenate(heads), np.concatenate(tails)
        extra = np.concatenate(cuts) if cuts else extra
    if not len(head):
        return None
    az, s_m = geodesics(np.concatenate([lonlat, extra]))
    xy = np.column_stack([s_m * np.sin(az), s_m * np.cos(az)])
    a, ab = xy[head], xy[tail] - xy[head]
    len2 = (ab * ab).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(len2 > 0.0, np.clip(-(a * ab).sum(axis=1) / len2, 0.0, 1.0), 0.0)
    foot = a + t[:, None] * ab
    dist = np.hypot(foot[:, 0], foot[:, 1])
    k = int(np.argmin(dist))
    lon, lat, _ = g.fwd(centre[0], centre[1], float(np.degrees(np.arctan2(foot[k, 0], foot[k, 1]))), float(dist[k]))
    return (float(lon), float(lat))


def _stretch(within_m: npt.ArrayLike) -> FloatArray:
    """An upper bound of the scale of the azimuthal equidistant projection within ``within_m`` of its centre.

    On a sphere of radius R the scale across the radius at distance ρ is ``θ / sin θ``, ``θ = ρ / R`` (along the
    radius it is 1); taken here with the least radius of curvature and doubled, and at least 2. From ``θ = 3``,
    near the antipode, infinite.
    """
    theta = np.asarray(within_m, dtype=np.float64) / _MIN_CURVATURE_RADIUS_M
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(theta < 3.0, 2.0 * theta / np.sin(np.maximum(theta, 1e-12)), np.inf)
    return np.maximum(scale, 2.0)


def _unit(v: FloatArray) -> FloatArray:
    """Rows of ``v`` scaled to unit length."""
    return v / np.linalg.norm(v, axis=1)[:, None]


def _ecef_m(lon_deg: FloatArray, lat_deg: FloatArray, a_m: float, es: float) -> FloatArray:
    """Earth-centred, Earth-fixed coordinates (metres) of points on the ellipsoid.

    ``a_m`` is the semi-major axis, ``es`` the eccentricity squared.
    """
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = a_m / np.sqrt(1.0 - es * sin_lat * sin_lat)
    return np.column_stack([n * cos_lat * np.cos(lon), n * cos_lat * np.sin(lon), n * (1.0 - es) * sin_lat])


#: One turn of longitude, degrees.
_TURN_DEG = 360.0

#: Least radius of curvature of WGS84, a(1 - e²), metres (at the equator, along the meridian). A geodesic of
#: length s turns the surface normal by at most s / this, so it times the angle between two normals (geodetic
#: coordinates read as a unit sphere) is a lower bound of the geodesic distance.
_MIN_CURVATURE_RADIUS_M = 6_335_439.0


def _shift_lon(geom: shapely.Geometry, shift_deg: float) -> shapely.Geometry:
    """``geom`` moved ``shift_deg`` degrees east (a copy a turn away lies across the antimeridian)."""
    return shapely.transform(geom, lambda xy: xy + np.array([shift_deg, 0.0]))


def _wrap_lon(lon_deg: float) -> float:
    """Longitude brought into [-180, 180)."""
    return float((lon_deg + 180.0) % _TURN_DEG - 180.0)


def _antimeridian_floor_m(bounds: tuple[float, float, float, float]) -> float:
    """A lower bound, in metres, of the geodesic distance from anything in a lon/lat box to the antimeridian.

    On the unit sphere of normals, a point ``δ`` degrees of longitude from ±180° at latitude ``φ`` lies
    ``asin(cos φ · sin min(δ, 90°))`` from the antimeridian (pole to pole): its distance from the great circle
    of meridians 0/180 while ``δ < 90°``, from the nearer pole beyond. The box's least ``δ`` and greatest
    ``|φ|`` give the least angle; the least radius of curvature turns it into metres.
    """
    x0, y0, x1, y1 = bounds
    if x0 <= -180.0 or x1 >= 180.0:
        return 0.0
    lon_gap = np.radians(min(180.0 - max(abs(x0), abs(x1)), 90.0))
    lat = np.radians(min(max(abs(y0), abs(y1)), 90.0))
    return float(_MIN_CURVATURE_RADIUS_M * np.arcsin(np.cos(lat) * np.sin(lon_gap)))


def _window_boxes(bounds: tuple[float, float, float, float], centre: tuple[float, float],
                  reach_m: float) -> list[tuple[float, tuple[float, float, float, float]]] | None:
    """The lon/lat boxes sure to hold every point within ``reach_m`` of ``centre``, each with its turn.

    The box a turn east (west) of the centre's holds what lies across the antimeridian from it; only boxes
    meeting the target's ``bounds`` in longitude are given. None where there is no such box (near a pole, or a
    reach of a quarter turn of longitude and more): the whole target is the window.
    """
    lat_max = abs(centre[1]) + reach_m / 110_000.0
    dlat = reach_m / 110_000.0 + 0.01
    if lat_max >= 89.0:
        return None
    dlon = reach_m / (111_000.0 * np.cos(np.radians(lat_max))) + 0.01
    if dlon >= 90.0:
        return None
    x0, x1 = centre[0] - dlon, centre[0] + dlon
    y0, y1 = centre[1] - dlat, centre[1] + dlat
    tx0, _, tx1, _ = bounds
    return [(turn, (x0 + turn, y0, x1 + turn, y1)) for turn in (0.0, _TURN_DEG, -_TURN_DEG)
            if tx0 <= x1 + turn and x0 + turn <= tx1]


def _search_window(target: shapely.Geometry, centre: tuple[float, float],
                   reach_m: float) -> npt.NDArray[np.object_]:
    """The parts of ``target`` in a lon/lat box sure to hold every point within ``reach_m`` of ``centre``.

    Only those parts can hold the target's nearest point to the centre, so huge targets stay cheap to project
    (a search window, not a measure). Where the box runs past ±180° the parts of the target a turn away are
    clipped too and moved beside the centre. Without a box (near a pole, or a reach of a quarter turn of
    longitude and more), or where the box holds nothing, the whole target.
    """
    boxes = _window_boxes(target.bounds, centre, reach_m)
    pieces = []
    for turn, (x0, y0, x1, y1) in boxes or []:
        part = shapely.clip_by_rect(target, x0, y0, x1, y1)
        if not part.is_empty:
            pieces.append(part if turn == 0.0 else _shift_lon(part, -turn))
    if not pieces:
        return np.array([target], dtype=object)
    return np.array(pieces, dtype=object)


def _aeqd_pipeline(lon: float, lat: float) -> str:
    """PROJ pipeline from lon/lat degrees to the WGS84 azimuthal equidistant plane of :func:`local_crs`."""
    return ("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +ellps=WGS84")


@lru_cache(maxsize=256)
def _aeqd_transformer(pipeline: str) -> Transformer:
    """Cached transformer for a pipeline (forward: degrees → metres; ``TransformDirection.INVERSE`` back).

    Built from the pipeline string, not from two CRS objects: about 0.05 ms instead of about 5 ms. pyproj
    transformers are thread-safe (pyproj ≥ 3.1), so sharing cached ones is safe.
    """
    return Transformer.from_pipeline(pipeline)


def local_crs(lon: float, lat: float) -> CRS:
    """Azimuthal equidistant CRS centred on ``(lon, lat)``, in metres, for local metric work."""
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """Validate a (min_lon, min_lat, max_lon, max_lat) box in degrees.

    Raises
    ------
    DataError
        If it is not four finite numbers with min < max within the longitude/latitude ranges.
    """
    from borderline.errors import DataError

    try:
        vals = [float(v) for v in bbox]
    except (TypeError, ValueError):
        raise DataError(f"bbox {bbox!r} is not four numbers (min_lon, min_lat, max_lon, max_lat)") from None
    if len(vals) != 4 or not all(np.isfinite(v) for v in vals):
        raise DataError(f"bbox {bbox!r} is not four numbers (min_lon, min_lat, max_lon, max_lat)")
    x0, y0, x1, y1 = vals
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise DataError(f"bbox {bbox!r} is not (min_lon, min_lat, max_lon, max_lat) in degrees with min < max")
    return x0, y0, x1, y1


def geodesic_circles(lon: npt.ArrayLike, lat: npt.ArrayLike, radius_km: npt.ArrayLike, n_points: int = 72,
                     ellipsoid: str = "WGS84") -> npt.NDArray[np.object_]:
    """Polygons of the points within a geodesic radius of each centre (for drawing uncertainty).

    Parameters
    ----------
    lon, lat : array_like
        Centres, degrees.
    radius_km : array_like
        Radii in km; a centre with a radius that is not positive and finite gets None.
    n_points : int
        Vertices per circle.
    ellipsoid : str
        pyproj ellipsoid name.

    Returns
    -------
    ndarray of Polygon or None
    """
    x = np.atleast_1d(np.asarray(lon, dtype=float))
    y = np.atleast_1d(np.asarray(lat, dtype=float))
    r = np.broadcast_to(np.atleast_1d(np.asarray(radius_km, dtype=float)), x.shape)
    out = np.full(len(x), None, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(r) & (r > 0)
    if not ok.any():
        return out
    az = np.linspace(0.0, 360.0, n_points, endpoint=False)
    k = int(ok.sum())
    lons, lats, _ = geod(ellipsoid).fwd(np.repeat(x[ok], n_points), np.repeat(y[ok], n_points),
                                        np.tile(az, k), np.repeat(r[ok] * 1000.0, n_points))
    rings = np.stack([np.asarray(lons).reshape(k, n_points), np.asarray(lats).reshape(k, n_points)], axis=2)
    out[ok] = shapely.polygons(np.concatenate([rings, rings[:, :1]], axis=1))
    return out
