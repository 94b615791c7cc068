"""Geodesic measures against pyproj's Geod used directly, and against textbook figures."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box

from borderline.geodesy import areas_km2, distance_km, line_lengths_km, local_crs, segment_lengths_m
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
