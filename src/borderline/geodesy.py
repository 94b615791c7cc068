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
        Length of each segment in metres.
    """
    if len(lon1) == 0:
        return np.zeros(0)
    _, _, dist_m = geod(ellipsoid).inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist_m, dtype=np.float64)


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
    arr = np.asarray(geoms, dtype=object)
    g = geod(ellipsoid)
    out = np.zeros(arr.size)
    for i, geom in enumerate(arr):  # polygons are few (pair gaps, overlaps, states)
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        # pyproj sums signed ring areas: orient every part (exterior CCW, holes CW) so that holes subtract
        # and the parts of a multipolygon add up whatever orientation they were drawn in
        area_m2, _ = g.geometry_area_perimeter(shapely.orient_polygons(geom))
        out[i] = abs(area_m2) / 1e6
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
        Distance in kilometres (0 where they touch or overlap).
    """
    if a.intersects(b):
        return 0.0

    def measure(p: tuple[float, float], q: tuple[float, float]) -> float:
        return float(segment_lengths_m(np.array([p[0]]), np.array([p[1]]), np.array([q[0]]), np.array([q[1]]),
                                       ellipsoid)[0])

    (pa, pb) = shapely.shortest_line(a, b).coords
    best = measure(pa, pb)
    if _antimeridian_floor_m(a.bounds) + _antimeridian_floor_m(b.bounds) < best:
        # a shorter way may cross the antimeridian: try b a turn east and a turn west, where that copy comes
        # within 180° of longitude of a (no shortest geodesic spans more)
        ax0, _, ax1, _ = a.bounds
        bx0, _, bx1, _ = b.bounds
        for turn in (_TURN_DEG, -_TURN_DEG):
            if max(bx0 + turn - ax1, ax0 - bx1 - turn) > 180.0:
                continue
            (qa, qb) = shapely.shortest_line(a, _shift_lon(b, turn)).coords
            d = measure(qa, qb)
            if d < best:
                best, pa, pb = d, qa, (_wrap_lon(qb[0]), qb[1])
    if best == 0.0:  # touching across the antimeridian
        return 0.0

    def nearest_from(centre: tuple[float, float], target: shapely.Geometry, reach_m: float) -> tuple[float, float]:
        pieces = _search_window(target, centre, reach_m)
        to_local = _aeqd_transformer(_aeqd_pipeline(*centre))
        t_m = shapely.transform(pieces, lambda xy: np.column_stack(to_local.transform(xy[:, 0], xy[:, 1])))
        lines = shapely.shortest_line(shapely.Point(0.0, 0.0), t_m)
        q = shapely.get_coordinates(lines[int(np.argmin(shapely.length(lines)))])[1]
        lon, lat = to_local.transform(q[0], q[1], direction=TransformDirection.INVERSE)
        return (float(lon), float(lat))

    for _ in range(max_iter):
        pb = nearest_from(pa, b, best * 1.05 + 1000.0)
        pa = nearest_from(pb, a, best * 1.05 + 1000.0)
        d = measure(pa, pb)
        if d >= best - 1e-3:  # stopped improving (1 mm)
            best = min(best, d)
            break
        best = d
    return best / 1000.0


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


def _search_window(target: shapely.Geometry, centre: tuple[float, float],
                   reach_m: float) -> npt.NDArray[np.object_]:
    """The parts of ``target`` in a lon/lat box sure to hold every point within ``reach_m`` of ``centre``.

    Only those parts can hold the target's nearest point to the centre, so huge targets stay cheap to project
    (a search window, not a measure). Where the box runs past ±180° the parts of the target a turn away are
    clipped too and moved beside the centre. Without a box (near a pole, or a reach of a quarter turn of
    longitude and more), or where the box holds nothing, the whole target.
    """
    lat_max = abs(centre[1]) + reach_m / 110_000.0
    dlat = reach_m / 110_000.0 + 0.01
    if lat_max >= 89.0:
        return np.array([target], dtype=object)
    dlon = reach_m / (111_000.0 * np.cos(np.radians(lat_max))) + 0.01
    if dlon >= 90.0:
        return np.array([target], dtype=object)
    x0, x1 = centre[0] - dlon, centre[0] + dlon
    y0, y1 = centre[1] - dlat, centre[1] + dlat
    tx0, _, tx1, _ = target.bounds
    pieces = []
    for turn in (0.0, _TURN_DEG, -_TURN_DEG):
        # the box a turn east (west) holds what lies across the antimeridian from the centre
        if not (tx0 <= x1 + turn and x0 + turn <= tx1):
            continue
        part = shapely.clip_by_rect(target, x0 + turn, y0, x1 + turn, y1)
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
