"""Geodesic measures against pyproj's Geod used directly, and against textbook figures."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box

from borderline.geodesy import (
    _aeqd_pipeline,
    _aeqd_transformer,
    areas_km2,
    distance_km,
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
