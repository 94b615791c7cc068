"""Geodesic measures against pyproj's Geod used directly, and against textbook figures."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box

from borderline import geodesy
from borderline.geodesy import (
    _aeqd_pipeline,
    _aeqd_transformer,
    areas_km2,
    distance_km,
    distances_km,
    line_lengths_km,
    local_crs,
    segment_lengths_m,
)
from tests.helpers import MERIDIAN_DEGREE_KM, WGS84, geod_km


def test_segment_lengths_match_geod_inverse():
    lon1 = np.array([0.0, 10.0, -75.0, 179.5])
    lat1 = np.array([0.0, 0.0, 40.0, -10.0])
    lon2 = np.array([1.0, 10.0, -74.0, -179.5])
    lat2 = np.array([0.0, 1.0, 41.0, -10.0])
    _, _, expected = WGS84.inv(lon1, lat1, lon2, lat2)
    got = segment_lengths_m(lon1, lat1, lon2, lat2)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # one degree of meridian from the equator, and one degree of the equator
    assert got[1] / 1000 == pytest.approx(MERIDIAN_DEGREE_KM, abs=1e-3)
    assert got[0] / 1000 == pytest.approx(111.319, abs=1e-3)
    # across the antimeridian the short way round: about one degree, not 359
    assert got[3] / 1000 < 120


def test_segment_lengths_empty():
    assert segment_lengths_m(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)).shape == (0,)


def test_line_lengths_of_lines_multilines_and_polygons():
    line = LineString([(10, 0), (10, 0.5), (10, 1)])
    multi = MultiLineString([[(0, 0), (1, 0)], [(10, 0), (10, 1)]])
    square = box(0, 0, 1, 1)
    holed = Polygon(box(0, 0, 3, 3).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    got = line_lengths_km(np.array([line, multi, square, holed], dtype=object))
    assert got[0] == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-12)
    assert got[1] == pytest.approx(geod_km((0, 0), (1, 0)) + geod_km((10, 0), (10, 1)), rel=1e-12)
    assert got[2] == pytest.approx(geod_km((0, 0), (1, 0), (1, 1), (0, 1), (0, 0)), rel=1e-12)
    outer = geod_km((0, 0), (3, 0), (3, 3), (0, 3), (0, 0))
    inner = geod_km((1, 1), (2, 1), (2, 2), (1, 2), (1, 1))
    assert got[3] == pytest.approx(outer + inner, rel=1e-12)


def test_line_lengths_do_not_join_consecutive_parts():
    # two parts 10 degrees apart: the jump between them must not be measured
    multi = MultiLineString([[(0, 0), (0, 1)], [(10, 1), (10, 2)]])
    assert line_lengths_km([multi])[0] == pytest.approx(geod_km((0, 0), (0, 1)) + geod_km((10, 1), (10, 2)),
                                                        rel=1e-12)


def test_line_lengths_of_missing_and_empty_are_zero():
    got = line_lengths_km(np.array([None, LineString(), LineString([(0, 0), (0, 1)]), Point(1, 1)],
                                   dtype=object))
    assert got[0] == 0
    assert got[1] == 0
    assert got[2] == pytest.approx(geod_km((0, 0), (0, 1)), rel=1e-12)
    assert got[3] == 0
    assert line_lengths_km([]).shape == (0,)


def test_area_of_one_degree_cell_at_the_equator():
    cell = box(0, 0, 1, 1)
    area = areas_km2([cell])[0]
    expected, _ = WGS84.polygon_area_perimeter([0, 1, 1, 0], [0, 0, 1, 1])
    assert area == pytest.approx(abs(expected) / 1e6, rel=1e-9)
    assert area == pytest.approx(12_308.8, rel=1e-3)  # textbook area of a 1°×1° cell at the equator


def test_area_ignores_orientation_and_subtracts_holes():
    ccw = box(0, 0, 1, 1)
    cw = shapely.reverse(ccw)
    # the hole is drawn in the same direction as the shell (valid; orientation is not part of validity)
    holed = Polygon(box(0, 0, 3, 3).exterior.coords, [box(1, 1, 2, 2).exterior.coords])
    got = areas_km2(np.array([ccw, cw, holed, LineString([(0, 0), (1, 1)]), None], dtype=object))
    assert got[0] == pytest.approx(got[1], rel=1e-12)
    assert got[0] > 0
    full = areas_km2([box(0, 0, 3, 3)])[0]
    hole = areas_km2([box(1, 1, 2, 2)])[0]
    assert got[2] == pytest.approx(full - hole, rel=1e-9)
    assert got[3] == 0
    assert got[4] == 0


def test_area_of_multipolygon_with_parts_drawn_both_ways():
    a = box(0, 0, 1, 1)  # counter-clockwise
    b = shapely.reverse(box(5, 0, 6, 1))  # clockwise
    single = areas_km2([a, b])
    assert single[0] == pytest.approx(single[1], rel=1e-9)
    assert areas_km2([MultiPolygon([a, b])])[0] == pytest.approx(single.sum(), rel=1e-9)


def test_distance_between_points_and_polygons():
    assert distance_km(Point(0, 0), Point(1, 0)) == pytest.approx(geod_km((0, 0), (1, 0)), rel=1e-9)
    a, b = box(0, 0, 1, 1), box(2, 0, 3, 1)
    # nearest points sit on the edges facing each other; the gap is one degree of longitude
    d = distance_km(a, b)
    assert geod_km((1, 1), (2, 1)) * 0.999 <= d <= geod_km((1, 0), (2, 0)) * 1.001
    far = distance_km(Point(-0.1278, 51.5074), Point(2.3522, 48.8566))  # London – Paris
    assert far == pytest.approx(343.9, abs=2.0)


def test_distance_zero_where_touching_or_overlapping():
    assert distance_km(box(0, 0, 1, 1), box(1, 0, 2, 1)) == 0.0
    assert distance_km(box(0, 0, 1, 1), box(0.5, 0.5, 2, 2)) == 0.0


def test_local_crs_is_metric_and_centred():
    crs = local_crs(73.5, 39.5)
    assert isinstance(crs, CRS)
    assert crs.is_projected
    assert crs.axis_info[0].unit_name == "metre"
    assert crs.coordinate_operation.method_name == "Azimuthal Equidistant"
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    assert to_m.transform(73.5, 39.5) == pytest.approx((0.0, 0.0), abs=1e-6)
    # distances from the centre are true: 1 km due north is 1,000 m from the origin
    lon, lat, _ = WGS84.fwd(73.5, 39.5, 0.0, 1000.0)
    x, y = to_m.transform(lon, lat)
    assert np.hypot(x, y) == pytest.approx(1000.0, abs=1e-3)


def _nearest_on_meridian_km(point: tuple[float, float], lon: float, lat0: float, lat1: float) -> float:
    """Brute-force reference: least pyproj geodesic from ``point`` to a meridian segment sampled every ~0.5 m."""
    lats = np.linspace(lat0, lat1, int((lat1 - lat0) * 200_000) + 1)
    _, _, d = WGS84.inv(np.full_like(lats, point[0]), np.full_like(lats, point[1]), np.full_like(lats, lon), lats)
    return float(np.min(d)) / 1000.0


def test_distance_point_to_line_across_the_antimeridian():
    # half a degree either side of 180°: the line is one degree of equator away, not most of the way round
    line = LineString([(-179.5, -1), (-179.5, 1)])
    got = distance_km(Point(179.5, 0), line)
    expected = _nearest_on_meridian_km((179.5, 0), -179.5, -1, 1)  # by symmetry at the equator
    assert expected == pytest.approx(WGS84.inv(179.5, 0, -179.5, 0)[2] / 1000, rel=1e-12)
    assert expected == pytest.approx(111.3195, abs=1e-3)  # one degree of longitude at the equator
    # the refinement's segments are straight in a local azimuthal projection, not geodesics: metres off over a
    # two-degree segment, the same as anywhere else on the globe (next assertion)
    assert got == pytest.approx(expected, abs=0.02)
    # the ellipsoid is symmetric about its axis: the same figure half a turn round, far from the antimeridian,
    # and mirrored, measure the same
    assert got == pytest.approx(distance_km(Point(-0.5, 0), LineString([(0.5, -1), (0.5, 1)])), rel=1e-9)
    assert got == pytest.approx(distance_km(Point(-179.5, 0), LineString([(179.5, -1), (179.5, 1)])), rel=1e-9)


def test_distance_point_to_polygon_across_the_antimeridian():
    # the polygon spans 179–180° E; the point is 0.1° east of 180°, i.e. at 179.9° W: about 11 km away
    poly = box(179, 9, 180, 11)
    got = distance_km(Point(-179.9, 10), poly)
    expected = _nearest_on_meridian_km((-179.9, 10), 180.0, 9, 11)  # the polygon's edge on 180° faces it
    assert got == pytest.approx(expected, abs=1e-3)
    assert got == pytest.approx(distance_km(Point(0.1, 10), box(-1, 9, 0, 11)), rel=1e-9)


def test_distance_finds_the_nearer_part_across_the_antimeridian():
    # the part drawn this side of 180° is nearer in degrees (20° north) but the part across it is nearer
    # geodesically; its nearest point is its end vertex on 180°, so the answer is one geodesic exactly
    line = MultiLineString([[(175, 25), (180, 25)], [(-180, 5), (-170, 5)]])
    expected = WGS84.inv(166.9, 5, 180, 5)[2] / 1000
    assert distance_km(Point(166.9, 5), line) == pytest.approx(expected, rel=1e-9)
    assert distance_km(line, Point(166.9, 5)) == pytest.approx(expected, rel=1e-9)


def test_distance_between_polygons_across_the_antimeridian():
    a, b = box(179, 0, 179.5, 1), box(-179.5, 0, -179, 1)
    # facing meridian edges, which draw together away from the equator: nearest at their vertices at 1° N
    expected = WGS84.inv(179.5, 1, -179.5, 1)[2] / 1000
    assert distance_km(a, b) == pytest.approx(expected, rel=1e-9)
    assert distance_km(b, a) == pytest.approx(expected, rel=1e-9)
    assert distance_km(a, b) == pytest.approx(distance_km(box(-1, 0, -0.5, 1), box(0.5, 0, 1, 1)), rel=1e-9)
    # touching on the antimeridian
    assert distance_km(box(179, 0, 180, 1), box(-180, 0.5, -179, 2)) == 0.0


def test_distance_between_multipolygons_prefers_the_pair_across_the_antimeridian():
    # in degrees the parts at 30° N are the closest pair (one degree apart); across 180° the parts at the
    # equator are 0.6° apart, nearer on the ellipsoid (nearest at their vertices at 1° N, where the facing
    # meridian edges are closest). Starting from the degree-nearest pair and refining
    # locally would stop at the wrong pair.
    a = MultiPolygon([box(170, 30, 171, 31), box(179, 0, 179.5, 1)])
    b = MultiPolygon([box(172, 30, 173, 31), box(-179.9, 0, -179, 1)])
    expected = WGS84.inv(179.5, 1, -179.9, 1)[2] / 1000
    assert expected < geod_km((171, 31), (172, 31))
    assert distance_km(a, b) == pytest.approx(expected, rel=1e-9)
    assert distance_km(b, a) == pytest.approx(expected, rel=1e-9)


def test_distance_across_the_antimeridian_near_a_pole():
    got = distance_km(Point(179, 89.5), Point(-179, 89.5))
    assert got == pytest.approx(WGS84.inv(179, 89.5, -179, 89.5)[2] / 1000, rel=1e-9)
    assert got < 2.0


def test_local_projection_of_the_distance_search_matches_local_crs():
    lon = np.array([73.5, 74.0, 72.9, -179.9])
    lat = np.array([39.5, 40.2, 38.8, 39.0])
    ref = Transformer.from_crs(4326, local_crs(73.5, 39.5), always_xy=True)
    fast = _aeqd_transformer(_aeqd_pipeline(73.5, 39.5))
    np.testing.assert_allclose(np.column_stack(fast.transform(lon, lat)),
                               np.column_stack(ref.transform(lon, lat)), atol=1e-6)
    assert _aeqd_transformer(_aeqd_pipeline(73.5, 39.5)) is fast  # cached


# ----------------------------------------------------------------------------- many pairs, large geometries


def _ring(lon: float, lat: float, radius_deg: float, n: int, clockwise: bool = False) -> list[tuple[float, float]]:
    """A closed ring of ``n`` vertices round (lon, lat), drawn in degrees (a test shape, not a measure)."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False) * (-1 if clockwise else 1)
    return [(lon + radius_deg * np.cos(a), lat + radius_deg * 0.6 * np.sin(a)) for a in t]


@pytest.fixture(scope="module")
def big_land() -> Polygon:
    """A polygon of 6,000 outer vertices with 40 lakes of 60 vertices: large enough for the indexed search."""
    holes = [_ring(20.0 + 0.5 * (i % 8) - 1.75, 60.0 + 0.4 * (i // 8) - 0.8, 0.08, 60, clockwise=True)
             for i in range(40)]
    return Polygon(_ring(20.0, 60.0, 3.0, 6000), holes)


def test_distances_km_matches_distance_km_pair_by_pair():
    a = np.array([box(0, 0, 1, 1), Point(5, 5), box(0, 0, 1, 1), None, LineString([(10, 10), (11, 11)])],
                 dtype=object)
    b = np.array([box(2, 0, 3, 1), box(0, 0, 1, 1), box(0.5, 0.5, 2, 2), Point(0, 0), Point(12, 10)],
                 dtype=object)
    got = distances_km(a, b)
    assert got[2] == 0.0  # overlapping
    assert np.isnan(got[3])  # missing
    for i in (0, 1, 4):
        assert got[i] == distance_km(a[i], b[i])
    assert np.isnan(distance_km(Point(0, 0), shapely.Point()))  # empty
    with pytest.raises(ValueError, match="pairs"):
        distances_km([Point(0, 0)], [Point(1, 1), Point(2, 2)])


def test_indexed_search_matches_the_search_over_the_whole_geometry(big_land, monkeypatch):
    # parts near and far, in every direction, inside a lake, across the antimeridian from nothing, and beyond
    # 10,000 km (where the projection stretches most)
    parts = [box(25.5, 59.0, 25.6, 59.1), box(19.0, 62.2, 19.2, 62.4), Point(14.0, 58.0), Point(20.0, 57.95),
             box(20.1, 59.9, 20.15, 59.95), Point(21.0, 60.2), box(-60.0, -30.0, -59.0, -29.0),
             Point(-160.0, -55.0), box(23.03, 60.0, 23.04, 60.01)]
    parts = [p for p in parts if not p.intersects(big_land)]
    a = np.array(parts, dtype=object)
    b = np.array([big_land] * len(parts), dtype=object)
    indexed = distances_km(a, b)
    monkeypatch.setattr(geodesy, "_RUNS_MIN_VERTICES", 10**9)  # every geometry searched whole, through PROJ
    whole = distances_km(a, b)
    np.testing.assert_allclose(indexed, whole, rtol=0, atol=1e-3)  # within a metre
    assert (indexed > 0).all() and indexed.max() > 10_000


def test_indexed_search_against_brute_force(big_land):
    # a point outside the land and one on a lake's island: least geodesic to the boundary, sampled every ~5 m
    # along the 40 segments that start nearest to the point
    xy = np.concatenate([shapely.get_coordinates(r) for r in [big_land.exterior, *big_land.interiors]])
    starts = np.flatnonzero(np.r_[np.linalg.norm(xy[1:] - xy[:-1], axis=1) < 0.01, False])
    for point in (Point(24.0, 58.5), Point(17.1, 61.0)):
        _, _, to_start = WGS84.inv(np.full(len(starts), point.x), np.full(len(starts), point.y), xy[starts, 0],
                                   xy[starts, 1])
        near = starts[np.argsort(to_start)[:40]]
        t = np.linspace(0.0, 1.0, 800)
        pts = (xy[near, None, :] + t[None, :, None] * (xy[near + 1] - xy[near])[:, None, :]).reshape(-1, 2)
        _, _, d = WGS84.inv(np.full(len(pts), point.x), np.full(len(pts), point.y), pts[:, 0], pts[:, 1])
        assert distance_km(point, big_land) == pytest.approx(d.min() / 1000, abs=2e-3)


def test_indexed_search_across_the_antimeridian():
    # a large polygon reaching 180° E and a point 0.3° beyond it: as near as the mirror image far from 180°
    east = Polygon([(179.0 + 1.0 * i / 1500, 10.0) for i in range(1501)] + [(180.0, 12.0), (179.0, 12.0)])
    mirror = shapely.transform(east, lambda xy: xy - [180.0, 0.0])
    assert shapely.get_num_coordinates(east) > 1000
    got = distance_km(Point(-179.7, 11.0), east)
    assert got == pytest.approx(distance_km(Point(0.3, 11.0), mirror), abs=1e-6)
    assert got == pytest.approx(_nearest_on_meridian_km((-179.7, 11.0), 180.0, 10.0, 12.0), abs=1e-3)


def test_run_bounds_never_exceed_true_distances(big_land):
    # the bound of each run holds for its vertices and points along its segments as drawn (geodesic distance)
    # and for points along its segments as projected (straight between the ends' images in the local azimuthal
    # equidistant projection), wherever those lie within the distance the bound is asked for
    runs = geodesy._Shape(big_land, "WGS84").runs
    assert runs is not None
    ids = np.arange(len(runs.size))
    lonlat, seg = runs.vertices(ids)
    run_of = np.repeat(ids, runs.size[ids] - 1)
    rng = np.random.default_rng(7)
    centres = [(21.0, 63.5), (20.0, 60.0), *zip(rng.uniform(-180, 180, 12), rng.uniform(-80, 80, 12), strict=True)]
    for lon, lat in centres:
        c = runs.unit((lon, lat))
        to_local = _aeqd_transformer(_aeqd_pipeline(lon, lat))
        x, y = to_local.transform(lonlat[:, 0], lonlat[:, 1])
        for within_m in (2.0e5, 3.0e6, 1.5e7):
            low = runs.lower_bounds_m(c, ids, within_m)[run_of]
            for frac in (0.0, 0.37, 1.0):
                p = lonlat[seg] + frac * (lonlat[seg + 1] - lonlat[seg])
                _, _, drawn = WGS84.inv(np.full(len(p), lon), np.full(len(p), lat), p[:, 0], p[:, 1])
                projected = np.hypot(x[seg] + frac * (x[seg + 1] - x[seg]), y[seg] + frac * (y[seg + 1] - y[seg]))
                for d in (drawn, projected):
                    assert (d[d <= within_m] >= low[d <= within_m] - 1e-6).all()
    # and the bounds are close where it matters: near the nearest run they are within a run's size
    c = runs.unit((21.0, 63.5))
    low = runs.lower_bounds_m(c, ids, 5.0e5)
    assert low.max() > 0 and np.min(low) > distance_km(Point(21.0, 63.5), big_land) * 1000 - 5_000


def test_areas_walk_matches_ring_by_ring():
    lakes = Polygon(_ring(10.0, 45.0, 1.0, 400), [_ring(10.0 + 0.3 * k - 0.45, 45.0, 0.1, 30, clockwise=k % 2 == 0)
                                                  for k in range(4)])
    multi = MultiPolygon([lakes, shapely.reverse(box(30, -20, 31, -19)), box(-179.9, -85, 179.9, -80)])
    geoms = np.array([lakes, multi, None, Point(0, 0), Polygon(), box(0, 0, 1, 1)], dtype=object)
    got = areas_km2(geoms)
    for i in (0, 1, 5):
        expected = abs(WGS84.geometry_area_perimeter(shapely.orient_polygons(geoms[i]))[0]) / 1e6
        assert got[i] == pytest.approx(expected, rel=1e-12)
    assert list(got[2:5]) == [0.0, 0.0, 0.0]


def test_areas_and_lengths_on_two_threads_are_the_same_numbers():
    big = Polygon(_ring(-60.0, -10.0, 5.0, 250_000), [_ring(-60.0, -10.0, 1.0, 500, clockwise=True)])
    expected = abs(WGS84.geometry_area_perimeter(shapely.orient_polygons(big))[0]) / 1e6
    assert areas_km2([big, box(0, 0, 1, 1)])[0] == pytest.approx(expected, rel=1e-12)
    rng = np.random.default_rng(3)
    lon1, lat1, lon2, lat2 = (rng.uniform(-60, 60, 300_000) for _ in range(4))
    np.testing.assert_array_equal(segment_lengths_m(lon1, lat1, lon2, lat2), WGS84.inv(lon1, lat1, lon2, lat2)[2])
