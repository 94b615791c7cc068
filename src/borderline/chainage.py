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
    from borderline.borders import border_between, tripoints

    row = border_between(states, a, b).iloc[0]
    sa, sb = str(row["state_a"]), str(row["state_b"])
    parts = [p for p in shapely.get_parts(shapely.line_merge(row.geometry)) if p.length > 0]
    lengths = np.array([_length_km(p) for p in parts])
    order = np.argsort(-lengths, kind="stable")
    parts = [parts[i] for i in order]
    start = _origin_point(parts[0], origin, states, tripoints, (sa, sb))
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
    left = tuple(_left_state(p, frame, sa, sb) for p in laid)
    label = states.provenance.label() if isinstance(states, States) else str(row.get("source", ""))
    return BorderLine((sa, sb), tuple(laid), offsets, lens, left,
                      origin if isinstance(origin, str) else f"({origin[0]:g}, {origin[1]:g})", label)


def locate(points: npt.ArrayLike, lines: BorderLine | Sequence[BorderLine]) -> pd.DataFrame:
    """Locate points on one or many border lines: the nearest line, chainage, distance and side.

    Parameters
    ----------
    points : array of Point, or (n, 2) array of lon, lat
        EPSG:4326.
    lines : BorderLine or sequence of BorderLine
        Candidate borders (e.g. every pair of a dataset).

    Returns
    -------
    DataFrame
        One row per point: ``line`` (index into ``lines``), ``pair``, ``part``, ``chainage_km``,
        ``distance_km`` (geodesic, WGS84, to the nearest point of the line), ``side`` (the state on the point's
        side of the line), ``near_lon``, ``near_lat`` (that nearest point). Points without coordinates get
        NaN and ``line = -1``.

    Notes
    -----
    Candidates come from an STRtree over the line segments in degrees, used as a search window only: the
    nearest segment in degrees gives an upper bound on the geodesic distance, every segment within that
    bound (a window sized with the cosine of the highest latitude in it) is compared in a local equirectangular
    frame centred on the point, and the winner's distance is measured geodesically.
    """
    many = [lines] if isinstance(lines, BorderLine) else list(lines)
    if not many:
        raise DataError("no border lines to locate points on")
    xy = _points_xy(points)
    n = len(xy)
    segs = _Segments.of(many)
    out = pd.DataFrame({"line": np.full(n, -1, np.int64), "pair": None, "part": -1, "chainage_km": np.nan,
                        "distance_km": np.nan, "side": None, "near_lon": np.nan, "near_lat": np.nan})
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return out
    pts = shapely.points(xy[ok])
    idx = np.flatnonzero(ok)
    # 1. nearest segment in degrees: an upper bound on the geodesic distance
    first = segs.tree.query_nearest(pts, all_matches=False)
    fp, fs = first
    _, _, _, near0 = segs.project(xy[idx[fp]], fs)
    bound_m = segment_lengths_m(xy[idx[fp], 0], xy[idx[fp], 1], near0[:, 0], near0[:, 1])
    # 2. every segment within that bound, ranked in a local frame; the winner measured geodesically
    dlat = bound_m / _M_PER_DEG * 1.01 + 1e-9
    coslat = np.cos(np.radians(np.minimum(np.abs(xy[idx, 1]) + dlat, 89.9)))
    dlon = np.minimum(dlat / np.maximum(coslat, 1e-3), 360.0)
    boxes = shapely.box(xy[idx, 0] - dlon, xy[idx, 1] - dlat, xy[idx, 0] + dlon, xy[idx, 1] + dlat)
    qp, qs = segs.tree.query(boxes)
    d2, t, side_sign, near = segs.project(xy[idx[qp]], qs)
    order = np.lexsort((d2, qp))
    qp, qs, t, side_sign, near = qp[order], qs[order], t[order], side_sign[order], near[order]
    first_of = np.ones(len(qp), dtype=bool)
    first_of[1:] = qp[1:] != qp[:-1]
    bp, bs, bt, bside, bnear = qp[first_of], qs[first_of], t[first_of], side_sign[first_of], near[first_of]
    rows = idx[bp]
    line_of = segs.line[bs]
    part_of = segs.part[bs]
    seg_km = segs.length_km[bs]
    out.loc[rows, "line"] = line_of
    out.loc[rows, "part"] = part_of
    out.loc[rows, "pair"] = ["–".join(many[i].pair) for i in line_of]
    out.loc[rows, "chainage_km"] = segs.start_km[bs] + bt * seg_km
    out.loc[rows, "distance_km"] = segment_lengths_m(xy[rows, 0], xy[rows, 1], bnear[:, 0], bnear[:, 1]) / 1000.0
    out.loc[rows, "near_lon"] = bnear[:, 0]
    out.loc[rows, "near_lat"] = bnear[:, 1]
    lefts = np.array([many[i].left_states[k] for i, k in zip(line_of, part_of, strict=True)], dtype=object)
    others = np.array([many[i].pair[1] if many[i].left_states[k] == many[i].pair[0] else many[i].pair[0]
                       for i, k in zip(line_of, part_of, strict=True)], dtype=object)
    out.loc[rows, "side"] = np.where(bside > 0, lefts, others)
    return out


# --------------------------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Segments:
    """Every segment of the lines, with where it sits in chainage."""

    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    line: IntArray
    part: IntArray
    start_km: FloatArray
    length_km: FloatArray
    tree: shapely.STRtree

    @classmethod
    def of(cls, lines: Sequence[BorderLine]) -> _Segments:
        cols: list[list[npt.NDArray[np.generic]]] = [[] for _ in range(8)]
        for i, bl in enumerate(lines):
            for k, part in enumerate(bl.parts):
                xy = shapely.get_coordinates(part)
                ch = bl.vertex_chainage_km(k)
                m = len(xy) - 1
                for c, arr in zip(cols, (xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1], np.full(m, i),
                                         np.full(m, k), ch[:-1], np.diff(ch)), strict=True):
                    c.append(arr)
        x0, y0, x1, y1, line, part, start, length = (np.concatenate(c) for c in cols)
        geoms = shapely.linestrings(np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1))
        return cls(x0, y0, x1, y1, line.astype(np.int64), part.astype(np.int64), start, length,
                   shapely.STRtree(geoms))

    def project(self, pxy: FloatArray, s: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Squared local distance (m²), position along the segment (0–1), side sign and nearest point."""
        k = np.cos(np.radians(pxy[:, 1])) * _M_PER_DEG
        ax, ay = (self.x0[s] - pxy[:, 0]) * k, (self.y0[s] - pxy[:, 1]) * _M_PER_DEG
        bx, by = (self.x1[s] - pxy[:, 0]) * k, (self.y1[s] - pxy[:, 1]) * _M_PER_DEG
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        t = np.where(len2 > 0, np.clip(-(ax * dx + ay * dy) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0), 0.0)
        nx_, ny_ = ax + t * dx, ay + t * dy
        d2 = nx_ * nx_ + ny_ * ny_
        # the point (origin of the frame) is left of a → b when the cross product (b − a) × (p − a) > 0
        cross = dx * (-ay) - dy * (-ax)
        near = np.column_stack([self.x0[s] + t * (self.x1[s] - self.x0[s]), self.y0[s] + t * (self.y1[s] - self.y0[s])])
        return d2, t, np.sign(cross), near


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
                  tripoints_fn: object, pair: tuple[str, str]) -> tuple[float, float]:
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


def _left_state(part: shapely.LineString, frame: gpd.GeoDataFrame, sa: str, sb: str) -> str:
    """The state on the part's left, tested a little to the left of its longest segment's middle."""
    xy = shapely.get_coordinates(part)
    seg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    i = int(np.argmax(seg))
    mid = (xy[i] + xy[i + 1]) / 2
    d = xy[i + 1] - xy[i]
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-12)
    geoms = {s: frame.loc[frame["state_id"].astype(str) == s].geometry.iloc[0] for s in (sa, sb)}
    for eps in (1e-5, 1e-4, 1e-3):
        p = shapely.Point(mid + normal * eps)
        if geoms[sa].contains(p):
            return sa
        if geoms[sb].contains(p):
            return sb
    return sa
