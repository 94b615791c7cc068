"""Chainage: positions along a pair's border, in kilometres from a named end (linear referencing).

A :class:`BorderLine` is the border between two states laid out as one measured path: its parts (a border can
have several, e.g. the main line and the ring around an enclave) are oriented and put in order, and every vertex
gets a geodesic chainage (WGS84) counted from the chosen origin. Segments of a register are chainage ranges on
it (:meth:`BorderLine.substring`), and points such as incidents are located on it (:func:`locate`: chainage,
distance, and the state on whose side they lie).

Ordering
--------
The longest part comes first, oriented so that it starts at the ``origin`` end: ``"west"`` (the end with the
smaller longitude, the default), ``"east"``, ``"north"``, ``"south"``, the tripoint with a third state (its
code, e.g. ``"UZB"``: the end nearest a point where that state's territory touches the line's end), or a
``(lon, lat)`` point (the nearer end). Further parts follow in decreasing length, each starting at its vertex
nearest the end of the previous one, with chainage running on. Closed parts (rings around enclaves) start at
that vertex too.

Every part records which of the two states lies on its left (``left_states``), in the direction of travel, as
Overture's ``division_boundary`` does; a point's side follows from the sign of the cross product with the
nearest segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from borderline.datasets import States
from borderline.errors import DataError
from borderline.geodesy import geod, segment_lengths_m

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Named ends a chainage can start from (besides a third state's code or a point).
ORIGINS = ("west", "east", "north", "south")
#: Mean metres per degree of latitude; used only to size search windows, never as a distance.
_M_PER_DEG = 110_574.0


@dataclass(frozen=True)
class BorderLine:
    """The border between two states as one measured path.

    Attributes
    ----------
    pair : (str, str)
        The two states, as given.
    parts : tuple of LineString
        Oriented parts in chainage order (EPSG:4326).
    offsets_km : ndarray
        Chainage at the start of each part.
    lengths_km : ndarray
        Geodesic length of each part.
    left_states : tuple of str
        For each part, the state on its left in the direction of travel.
    origin : str
        How the start was chosen (``"west"``, ``"UZB"``, ``"(70.1, 40.2)"`` ...).
    source : str
        Provenance label of the states the border came from.
    """

    pair: tuple[str, str]
    parts: tuple[shapely.LineString, ...]
    offsets_km: FloatArray
    lengths_km: FloatArray
    left_states: tuple[str, ...]
    origin: str
    source: str

    @property
    def length_km(self) -> float:
        """Total geodesic length of the border."""
        return float(self.lengths_km.sum())

    def vertex_chainage_km(self, part: int) -> FloatArray:
        """Chainage of every vertex of one part."""
        xy = shapely.get_coordinates(self.parts[part])
        seg = segment_lengths_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]) / 1000.0
        return self.offsets_km[part] + np.concatenate([[0.0], np.cumsum(seg)])

    def substring(self, from_km: float, to_km: float) -> shapely.Geometry:
        """The stretch of border between two chainages.

        Parameters
        ----------
        from_km, to_km : float
            Chainages with ``0 <= from_km < to_km <= length_km`` (a small overshoot of 1 m is clipped).

        Returns
        -------
        LineString or MultiLineString
            The stretch (several lines when it spans parts). Its ends lie on the geodesic of their segment at
            the exact chainage.

        Raises
        ------
        DataError
            If the range is empty, negative or runs past the end.
        """
        total = self.length_km
        if not (np.isfinite(from_km) and np.isfinite(to_km)) or from_km < 0 or to_km <= from_km:
            raise DataError(f"chainage {from_km:g}–{to_km:g} km is not a range 0 ≤ from < to")
        if to_km > total + 1e-3:
            raise DataError(f"chainage {to_km:,.3f} km is past the end of the {'–'.join(self.pair)} border "
                            f"({total:,.3f} km from {self.origin})")
        to_km = min(to_km, total)
        out = []
        for k, part in enumerate(self.parts):
            lo, hi = self.offsets_km[k], self.offsets_km[k] + self.lengths_km[k]
            a, b = max(from_km, lo), min(to_km, hi)
            if b <= a:
                continue
            ch = self.vertex_chainage_km(k)
            xy = shapely.get_coordinates(part)
            inner = xy[(ch > a) & (ch < b)]
            out.append(shapely.linestrings(np.vstack([_interp(xy, ch, a), inner, _interp(xy, ch, b)])))
        return out[0] if len(out) == 1 else shapely.multilinestrings(out)

    def point_at(self, km: float) -> shapely.Point:
        """The point at a chainage."""
        if not 0 <= km <= self.length_km + 1e-3:
            raise DataError(f"chainage {km:g} km is outside the border (0–{self.length_km:,.3f} km)")
        k = int(np.searchsorted(self.offsets_km, km, side="right") - 1)
        return shapely.Point(_interp(shapely.get_coordinates(self.parts[k]), self.vertex_chainage_km(k), km)[0])


def border_line(states: States | gpd.GeoDataFrame, a: str, b: str, *,
                origin: str | tuple[float, float] = "west") -> BorderLine:
    """Lay out the border between two states for chainage.

    Parameters
    ----------
    states : States or GeoDataFrame
        State polygons (``state_id``, EPSG:4326).
    a, b : str
        The two states (codes or names, as :func:`borderline.borders.border_between` takes).
    origin : str or (lon, lat)
        Where chainage 0 is (see the module docstring).

    Returns
    -------
    BorderLine

    Raises
    ------
    DataError
        If ``origin`` is not understood, or names a state that touches neither end.
    NoSharedBorderError, UnknownStateError
        As :func:`borderline.borders.border_between`.
    """
    from borderline.borders import border_between

    row = border_between(states, a, b).iloc[0]
    return _layout(row.geometry, str(row["state_a"]), str(row["state_b"]), states, origin, str(row["source"]))


def border_lines(table: gpd.GeoDataFrame, states: States | gpd.GeoDataFrame, *,
                 origin: str = "west") -> list[BorderLine]:
    """Lay out every border of a :func:`borderline.borders.borders` table at once.

    Parameters
    ----------
    table : GeoDataFrame
        Rows with ``state_a``, ``state_b``, ``source`` and line ``geometry`` (zero-length rows are skipped).
    states : States or GeoDataFrame
        The polygons the table came from (to tell each part's left state).
    origin : {"west", "east", "north", "south"}
        The same named end for every border.

    Returns
    -------
    list of BorderLine
        In the table's order, without the point contacts.
    """
    if origin not in ORIGINS:
        raise DataError(f"border_lines takes a named end ({', '.join(ORIGINS)}) for every border, not {origin!r}")
    keep = table[~shapely.is_empty(np.asarray(table.geometry.values)) & (table["length_km"] > 0)]
    return [_layout(r.geometry, str(r.state_a), str(r.state_b), states, origin, str(r.source))
            for r in keep.itertuples()]


def _layout(geom: shapely.Geometry, sa: str, sb: str, states: States | gpd.GeoDataFrame,
            origin: str | tuple[float, float], source: str) -> BorderLine:
    parts = [p for p in shapely.get_parts(shapely.line_merge(geom)) if p.length > 0]
    lengths = np.array([_length_km(p) for p in parts])
    order = np.argsort(-lengths, kind="stable")
    parts = [parts[i] for i in order]
    start = _origin_point(parts[0], origin, states, (sa, sb))
    first = parts[0]
    if not first.is_ring and _dist2(first.coords[-1], start) < _dist2(first.coords[0], start):
        first = first.reverse()
    elif first.is_ring:
        first = _ring_from(first, start)
    laid = [first]
    rest = parts[1:]
    while rest:
        end = laid[-1].coords[-1]
        nxt = rest.pop(0)
        laid.append(_ring_from(nxt, end) if nxt.is_ring else
                    (nxt.reverse() if _dist2(nxt.coords[-1], end) < _dist2(nxt.coords[0], end) else nxt))
    lens = np.array([_length_km(p) for p in laid])
    offsets = np.concatenate([[0.0], np.cumsum(lens)[:-1]])
    frame = states.frame if isinstance(states, States) else states
    pair_geoms = {s: frame.loc[frame["state_id"].astype(str) == s].geometry.iloc[0] for s in (sa, sb)}
    left = _left_states(laid, pair_geoms, sa, sb)
    return BorderLine((sa, sb), tuple(laid), offsets, lens, left,
                      origin if isinstance(origin, str) else f"({origin[0]:g}, {origin[1]:g})", source)


def locate(points: npt.ArrayLike, lines: BorderLine | Sequence[BorderLine] | LineIndex) -> pd.DataFrame:
    """Locate points on one or many border lines: the nearest line, chainage, distance and side.

    Parameters
    ----------
    points : array of Point, or (n, 2) array of lon, lat
        EPSG:4326.
    lines : BorderLine, sequence of BorderLine, or LineIndex
        Candidate borders (e.g. every pair of a dataset); build a :class:`LineIndex` once to locate many
        batches against the same borders.

    Returns
    -------
    DataFrame
        One row per point: ``line`` (index into ``lines``), ``pair``, ``part``, ``chainage_km``,
        ``distance_km`` (geodesic, WGS84, to the nearest point of the line), ``side`` (the state on the point's
        side of the line), ``near_lon``, ``near_lat`` (that nearest point). Points without coordinates get
        NaN and ``line = -1``.

    Notes
    -----
    See :class:`LineIndex` for how the nearest segment is found. Candidates are ranked in a local
    equirectangular frame centred on each point; the winner's distance is measured geodesically.
    """
    index = lines if isinstance(lines, LineIndex) else LineIndex([lines] if isinstance(lines, BorderLine) else
                                                                 list(lines))
    xy = _points_xy(points)
    n = len(xy)
    out = pd.DataFrame({"line": np.full(n, -1, np.int64), "pair": None, "part": -1, "chainage_km": np.nan,
                        "distance_km": np.nan, "side": None, "near_lon": np.nan, "near_lat": np.nan})
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return out
    rows = np.flatnonzero(ok)
    bs, bt, bside, bnear = index.nearest(xy[rows])
    line_of = index.line[bs]
    out.loc[rows, "line"] = line_of
    out.loc[rows, "part"] = index.part[bs]
    pair_names = np.array(["–".join(bl.pair) for bl in index.lines], dtype=object)
    out.loc[rows, "pair"] = pair_names[line_of]
    out.loc[rows, "chainage_km"] = index.start_km[bs] + bt * index.length_km[bs]
    out.loc[rows, "distance_km"] = segment_lengths_m(xy[rows, 0], xy[rows, 1], bnear[:, 0], bnear[:, 1]) / 1000.0
    out.loc[rows, "near_lon"] = bnear[:, 0]
    out.loc[rows, "near_lat"] = bnear[:, 1]
    out.loc[rows, "side"] = np.where(bside > 0, index.left[bs], index.right[bs])
    return out


class LineIndex:
    """A search index over the segments of many border lines, for nearest-segment queries.

    Every segment is sampled (its vertices, plus points at most ``step_km`` apart along it) and the samples go
    into a k-d tree on the unit sphere (:class:`scipy.spatial.cKDTree` on Earth-centred coordinates), where
    straight-line distance grows with great-circle distance, so the nearest sample is the nearest in
    kilometres, not in degrees. Let ``c`` be the distance to the nearest sample: the nearest place on the
    lines is at most ``c`` away. If it is a vertex, that vertex is a sample; if it lies inside a segment, the
    way to it is perpendicular to the segment, so a sample of that segment lies within
    ``hypot(c, step_km / 2)`` (on the sphere, spherical Pythagoras gives a little less, so the flat bound is
    safe). The ``k`` nearest samples are taken, and where the k-th is not beyond that radius (dense lines) the
    search is repeated with a larger ``k``, so no candidate is missed; a margin of 5 m (plus 1e-6 relative) covers
    samples interpolated in longitude/latitude rather than along the geodesic. For each candidate segment the
    nearest point is found in a local frame centred on the point, and the candidates are ranked by the chord to
    it on the sphere.

    Parameters
    ----------
    lines : sequence of BorderLine
    step_km : float
        Largest gap between samples along a segment.
    """

    def __init__(self, lines: Sequence[BorderLine], step_km: float = 1.0) -> None:
        from scipy.spatial import cKDTree

        if not lines:
            raise DataError("no border lines to locate points on")
        if not step_km > 0:
            raise DataError(f"step_km={step_km!r}: give a positive sample spacing in km")
        self.lines = list(lines)
        self.step_km = float(step_km)
        cols: list[list[npt.NDArray[np.generic]]] = [[] for _ in range(10)]
        for i, bl in enumerate(self.lines):
            for k, part in enumerate(bl.parts):
                xy = shapely.get_coordinates(part)
                ch = bl.vertex_chainage_km(k)
                m = len(xy) - 1
                left = bl.left_states[k]
                right = bl.pair[1] if left == bl.pair[0] else bl.pair[0]
                for c, arr in zip(cols, (xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1], np.full(m, i),
                                         np.full(m, k), ch[:-1], np.diff(ch), np.full(m, left, dtype=object),
                                         np.full(m, right, dtype=object)), strict=True):
                    c.append(arr)
        x0, y0, x1, y1, line, part, start, length, left_s, right_s = (np.concatenate(c) for c in cols)
        self.x0, self.y0 = x0.astype(np.float64), y0.astype(np.float64)
        self.x1, self.y1 = x1.astype(np.float64), y1.astype(np.float64)
        self.line, self.part = line.astype(np.int64), part.astype(np.int64)
        self.start_km, self.length_km = start.astype(np.float64), length.astype(np.float64)
        self.left, self.right = left_s, right_s
        # samples: each segment's start plus extra points so that no gap exceeds step_km, and each part's last
        # vertex; a vertex sample also stands for the segment ending there
        per = np.maximum(np.ceil(self.length_km / self.step_km).astype(np.int64), 1)
        seg_of = np.repeat(np.arange(len(self.x0)), per)
        first = np.concatenate([[0], np.cumsum(per)[:-1]])
        frac = (np.arange(len(seg_of)) - np.repeat(first, per)) / np.repeat(per, per)
        sx = self.x0[seg_of] + frac * (self.x1[seg_of] - self.x0[seg_of])
        sy = self.y0[seg_of] + frac * (self.y1[seg_of] - self.y0[seg_of])
        last = np.ones(len(self.x0), dtype=bool)
        last[:-1] = (self.line[1:] != self.line[:-1]) | (self.part[1:] != self.part[:-1])
        ends = np.flatnonzero(last)
        prev = np.maximum(seg_of - 1, 0)
        same = (seg_of > 0) & (self.line[prev] == self.line[seg_of]) & (self.part[prev] == self.part[seg_of])
        self.sample_seg = np.concatenate([seg_of, ends])
        self.sample_prev = np.concatenate([np.where((frac == 0) & same, prev, seg_of), ends])
        # large leaves: queries are k-nearest among densely sampled lines; 48 beat the default 16 by 2-3x
        self.tree = cKDTree(_unit_xyz(np.concatenate([sx, self.x1[ends]]), np.concatenate([sy, self.y1[ends]])),
                            leafsize=48)

    def nearest(self, xy: FloatArray, k: int = 4) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """For each (lon, lat): the nearest segment, the position along it (0–1), the side sign, the point."""
        n = len(xy)
        best_seg = np.full(n, -1, dtype=np.int64)
        best_t = np.zeros(n)
        best_side = np.zeros(n)
        best_near = np.full((n, 2), np.nan)
        q = _unit_xyz(xy[:, 0], xy[:, 1])
        todo = np.arange(n)
        half = (self.step_km / 2) / _EARTH_KM  # half a sample gap, as a chord on the unit sphere
        while len(todo):
            kk = min(k, self.tree.n)
            d, s = self.tree.query(q[todo], k=kk, workers=-1)
            d, s = d.reshape(len(todo), kk), s.reshape(len(todo), kk)
            # the nearest place lies on a segment at most d[:, 0] away; if it is inside the segment, the segment
            # is perpendicular to the way there, so a sample of it lies within hypot(d[:, 0], half)
            need = np.hypot(d[:, 0], half) * (1 + 1e-6) + 5e-3 / _EARTH_KM  # + 5 m for the flat-frame steps
            enough = (d[:, -1] > need) | (kk == self.tree.n)
            done = todo[enough]
            if len(done):
                # candidate segments: each sample's segment and, at a vertex, the one ending there (duplicates
                # are harmless: a fixed width per point keeps the choice a reshape and an argmin)
                cand = np.concatenate([self.sample_seg[s[enough]], self.sample_prev[s[enough]]], axis=1)
                width = cand.shape[1]
                flat = cand.reshape(-1)
                rows = np.repeat(done, width)
                d2, t = self._local(xy[rows], flat)
                d2 = d2.reshape(len(done), width)
                # far from the lines (beyond ~50 km) a flat frame misjudges feet far apart: rank those by the chord
                # on the unit sphere to each candidate's nearest point, which tracks the geodesic
                far = np.flatnonzero(d2.min(axis=1) > _FLAT_M ** 2)
                if len(far):
                    fr = (far[:, None] * width + np.arange(width)).reshape(-1)
                    nf = self._point(flat[fr], t[fr])
                    d2[far] = ((_unit_xyz(nf[:, 0], nf[:, 1]) - q[rows[fr]]) ** 2).sum(axis=1).reshape(-1, width)
                pick = np.argmin(d2, axis=1) + np.arange(len(done)) * width
                seg, tt = flat[pick], t[pick]
                near = self._point(seg, tt)
                best_seg[done] = seg
                best_t[done] = tt
                best_side[done] = self._side(xy[done], seg)
                best_near[done] = near
            todo = todo[~enough]
            k *= 4
        return best_seg, best_t, best_side, best_near

    def _local(self, pxy: FloatArray, s: IntArray) -> tuple[FloatArray, FloatArray]:
        """Squared distance (m²) in a flat frame centred on each point, and the position along the segment (0–1).

        The frame's scales are the ellipsoid's metres per degree of longitude and of latitude at the point (prime
        vertical and meridian radii of curvature), so directions are right near it.
        """
        kx, ky = _m_per_deg(pxy[:, 1])
        ax, ay = (self.x0[s] - pxy[:, 0]) * kx, (self.y0[s] - pxy[:, 1]) * ky
        dx, dy = (self.x1[s] - self.x0[s]) * kx, (self.y1[s] - self.y0[s]) * ky
        len2 = dx * dx + dy * dy
        t = np.clip(-(ax * dx + ay * dy) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
        nx_, ny_ = ax + t * dx, ay + t * dy
        return nx_ * nx_ + ny_ * ny_, t

    def _point(self, s: IntArray, t: FloatArray) -> FloatArray:
        """The point at position ``t`` (0–1) along each segment, longitude/latitude."""
        return np.column_stack([self.x0[s] + t * (self.x1[s] - self.x0[s]), self.y0[s] + t * (self.y1[s] - self.y0[s])])

    def _side(self, pxy: FloatArray, s: IntArray) -> FloatArray:
        """+1 where the point is left of its segment (a → b), −1 right, 0 on it."""
        kx, ky = _m_per_deg(pxy[:, 1])
        dx, dy = (self.x1[s] - self.x0[s]) * kx, (self.y1[s] - self.y0[s]) * ky
        px, py = (pxy[:, 0] - self.x0[s]) * kx, (pxy[:, 1] - self.y0[s]) * ky
        return np.sign(dx * py - dy * px)


#: Beyond this distance (m) candidates are ranked on the sphere rather than in a flat frame.
_FLAT_M = 50_000.0
_WGS84_A = 6_378_137.0
_WGS84_E2 = 6.69437999014e-3


def _m_per_deg(lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres per degree of longitude and of latitude at each latitude on WGS84 (N cos φ and M, times π/180)."""
    phi = np.radians(lat)
    w2 = 1.0 - _WGS84_E2 * np.sin(phi) ** 2
    n = _WGS84_A / np.sqrt(w2)
    m = _WGS84_A * (1.0 - _WGS84_E2) / w2 ** 1.5
    return n * np.cos(phi) * (np.pi / 180.0), m * (np.pi / 180.0)


#: Mean Earth radius (IUGG), only to turn a search radius into a chord on the unit sphere.
_EARTH_KM = 6371.0088


def _unit_xyz(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lo, la = np.radians(lon), np.radians(lat)
    c = np.cos(la)
    return np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


# --------------------------------------------------------------------------------------------- internals


def _points_xy(points: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(points)
    if arr.dtype == object:
        geoms = arr.ravel()
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        xy = np.full((len(geoms), 2), np.nan)
        if (~empty).any():
            if not (shapely.get_type_id(geoms[~empty]) == 0).all():
                raise DataError("points to locate must be Points (or an (n, 2) array of lon, lat)")
            xy[~empty] = shapely.get_coordinates(geoms[~empty])
        return xy
    xy = np.asarray(arr, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise DataError(f"points to locate must be Points or an (n, 2) array of lon, lat; got shape {xy.shape}")
    return xy


def _length_km(line: shapely.LineString) -> float:
    xy = shapely.get_coordinates(line)
    return float(segment_lengths_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1]).sum() / 1000.0)


def _interp(xy: FloatArray, ch: FloatArray, km: float) -> FloatArray:
    """The point at chainage ``km``: along the geodesic of its segment, so that chainage and length agree."""
    i = int(np.clip(np.searchsorted(ch, km, side="right") - 1, 0, len(ch) - 2))
    along_m = float(np.clip(km - ch[i], 0.0, ch[i + 1] - ch[i])) * 1000.0
    if along_m <= 0:
        return xy[i][None, :].astype(float)
    g = geod()
    az, _, _ = g.inv(xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1])
    lon, lat, _ = g.fwd(xy[i, 0], xy[i, 1], az, along_m)
    return np.array([[lon, lat]], dtype=float)


def _dist2(p: Sequence[float], q: Sequence[float]) -> float:
    """Squared distance in a frame scaled by the cosine of latitude: only to pick the nearer end."""
    k = np.cos(np.radians((p[1] + q[1]) / 2))
    return float(((p[0] - q[0]) * k) ** 2 + (p[1] - q[1]) ** 2)


def _ring_from(ring: shapely.LineString, point: Sequence[float]) -> shapely.LineString:
    xy = shapely.get_coordinates(ring)[:-1]
    k = np.cos(np.radians(point[1]))
    i = int(np.argmin(((xy[:, 0] - point[0]) * k) ** 2 + (xy[:, 1] - point[1]) ** 2))
    rolled = np.vstack([xy[i:], xy[:i], xy[i:i + 1]])
    return shapely.LineString(rolled)


def _origin_point(line: shapely.LineString, origin: str | tuple[float, float], states: States | gpd.GeoDataFrame,
                  pair: tuple[str, str]) -> tuple[float, float]:
    a, b = line.coords[0], line.coords[-1]
    if isinstance(origin, tuple | list) and len(origin) == 2:
        return float(origin[0]), float(origin[1])
    if not isinstance(origin, str):
        raise DataError(f"chainage origin {origin!r} is not {', '.join(ORIGINS)}, a state code or (lon, lat)")
    key = origin.lower()
    if key in ORIGINS:
        pick = {"west": min(a, b, key=lambda p: p[0]), "east": max(a, b, key=lambda p: p[0]),
                "south": min(a, b, key=lambda p: p[1]), "north": max(a, b, key=lambda p: p[1])}[key]
        return float(pick[0]), float(pick[1])
    frame = states.frame if isinstance(states, States) else states
    code = origin.upper()
    third = frame.loc[frame["state_id"].astype(str) == code]
    if third.empty:
        raise DataError(f"chainage origin {origin!r} is not {', '.join(ORIGINS)}, (lon, lat) or a state code "
                        "in the layer (the third state of the tripoint to start from)")
    geom = third.geometry.iloc[0]
    da, db = shapely.distance(geom, shapely.Point(a)), shapely.distance(geom, shapely.Point(b))
    if min(da, db) > 1e-6:
        raise DataError(f"{code} touches neither end of the {'–'.join(pair)} border; give west, east, north, "
                        "south, another state or a (lon, lat) point as the chainage origin")
    return (float(a[0]), float(a[1])) if da <= db else (float(b[0]), float(b[1]))


def _left_states(parts: Sequence[shapely.LineString], geoms: dict[str, shapely.Geometry], sa: str,
                 sb: str) -> tuple[str, ...]:
    """The state on each part's left, tested a little to the left of its longest segment's middle."""
    mids, normals = [], []
    for part in parts:
        xy = shapely.get_coordinates(part)
        i = int(np.argmax(np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))))
        d = xy[i + 1] - xy[i]
        mids.append((xy[i] + xy[i + 1]) / 2)
        normals.append(np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-12))
    mid, normal = np.array(mids), np.array(normals)
    for g in geoms.values():
        shapely.prepare(g)
    out = np.full(len(parts), sa, dtype=object)
    undecided = np.ones(len(parts), dtype=bool)
    for eps in (1e-5, 1e-4, 1e-3):
        p = mid + normal * eps
        in_a = shapely.contains_xy(geoms[sa], p[:, 0], p[:, 1]) & undecided
        in_b = shapely.contains_xy(geoms[sb], p[:, 0], p[:, 1]) & undecided & ~in_a
        out[in_a], out[in_b] = sa, sb
        undecided &= ~(in_a | in_b)
        if not undecided.any():
            break
    return tuple(str(x) for x in out)
