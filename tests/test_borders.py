"""Borders between hand-made states whose answer is known by construction, and on Natural Earth.

Every expected length is computed independently with ``pyproj.Geod.inv`` between the known vertices
(see ``conftest.geod_km``), never with borderline's own geodesy.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from borderline.borders import BORDER_COLUMNS, border_between, borders, tripoints
from borderline.datasets import BorderlineWarning, States
from borderline.errors import BorderlineError, NoSharedBorderError, UnknownStateError
from tests.helpers import MERIDIAN_DEGREE_KM, WGS84, geod_km, make_states, naive_borders, ring_km


def row(frame, pair):
    """The one row of ``frame`` for ``pair`` ("A–B")."""
    hit = frame[frame["pair"] == pair]
    assert len(hit) == 1, f"expected one row for {pair}, got {list(frame['pair'])}"
    return hit.iloc[0]


def endpoints(line) -> set[tuple[float, float]]:
    """Rounded end points of a LineString."""
    coords = list(line.coords)
    return {tuple(np.round(coords[0], 9)), tuple(np.round(coords[-1], 9))}


def lon_offset_deg(metres: float, lat: float = 0.5, lon: float = 10.0) -> float:
    """Longitude offset that puts a point ``metres`` due east of (lon, lat)."""
    lon2, _, _ = WGS84.fwd(lon, lat, 90.0, metres)
    return lon2 - lon


# --------------------------------------------------------------------------- hand-made worlds

A_SQ = [(9.0, 0.0), (10.0, 0.0), (10.0, 1.0), (9.0, 1.0)]
B_SQ = [(10.0, 0.0), (11.0, 0.0), (11.0, 1.0), (10.0, 1.0)]


def two_squares(a=A_SQ, b=B_SQ) -> States:
    return make_states([("A", Polygon(a)), ("B", Polygon(b))])


def test_two_squares_sharing_a_meridian_edge():
    result = borders(two_squares())
    assert list(result.columns) == BORDER_COLUMNS
    assert len(result) == 1
    r = row(result, "A–B")
    expected = geod_km((10.0, 0.0), (10.0, 1.0))
    assert expected == pytest.approx(MERIDIAN_DEGREE_KM, abs=1e-3)
    assert r["length_km"] == pytest.approx(expected, rel=1e-9)
    assert r["state_a"] == "A"
    assert r["state_b"] == "B"
    assert r["name_a"] == "State A"
    assert r["n_parts"] == 1
    assert r["n_tripoints"] == 0
    assert list(r["parts_a"]) == [0]
    assert list(r["parts_b"]) == [0]
    assert r["method"] == "exact"
    assert r["gap_area_km2"] == 0.0
    assert r["overlap_area_km2"] == 0.0
    assert r["source"] == "test 1 (CC0)"
    assert r.geometry.geom_type == "LineString"
    assert endpoints(r.geometry) == {(10.0, 0.0), (10.0, 1.0)}
    assert result.crs.to_epsg() == 4326
    assert result.attrs["provenance"]["dataset_id"] == "test"


def test_pair_label_uses_en_dash_and_sorted_codes():
    states = make_states([("ZZZ", Polygon(A_SQ)), ("AAA", Polygon(B_SQ))])
    r = borders(states).iloc[0]
    assert r["pair"] == "AAA–ZZZ"
    assert "\u2013" in r["pair"]
    assert (r["state_a"], r["state_b"]) == ("AAA", "ZZZ")
    assert r["name_a"] == "State AAA"


def test_border_between_returns_one_row_and_accepts_names_case_insensitively():
    states = two_squares()
    one = border_between(states, "b", "State A")
    assert len(one) == 1
    assert one.iloc[0]["pair"] == "A–B"
    assert one.iloc[0]["length_km"] == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-9)


def test_square_inside_square_hole_and_island():
    inner = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0)]
    # the hole starts at a different corner and runs the other way round, as real data do
    hole = [(2.0, 2.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0)]
    outer = Polygon([(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (0.0, 3.0)], [hole])
    states = make_states([("OUT", outer), ("IN", Polygon(inner))])
    result = borders(states)
    assert len(result) == 1
    r = row(result, "IN–OUT")
    assert r["length_km"] == pytest.approx(ring_km(inner), rel=1e-9)
    assert r["n_parts"] == 1
    assert r.geometry.geom_type == "LineString"
    assert r.geometry.is_closed
    assert shapely.equals(shapely.Polygon(r.geometry), Polygon(inner))


def enclave_world() -> tuple[States, list[tuple[float, float]]]:
    """O surrounds the enclave E completely; N borders O only."""
    enclave = [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (3.0, 2.0), (3.0, 3.0), (2.0, 3.0), (1.0, 3.0), (1.0, 2.0)]
    hole = enclave[3:] + enclave[:3]
    outer = Polygon([(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)], [hole[::-1]])
    neighbour = Polygon([(4.0, 0.0), (5.0, 0.0), (5.0, 4.0), (4.0, 4.0)])
    return make_states([("O", outer), ("E", Polygon(enclave)), ("N", neighbour)]), enclave


def test_enclave_borders_only_its_surrounding_state():
    states, enclave = enclave_world()
    result = borders(states)
    assert sorted(result["pair"]) == ["E–O", "N–O"]
    e = row(result, "E–O")
    assert e["length_km"] == pytest.approx(ring_km(enclave), rel=1e-9)
    assert e["n_parts"] == 1
    assert e["n_tripoints"] == 0
    assert e.geometry.is_closed
    n = row(result, "N–O")
    assert n["length_km"] == pytest.approx(geod_km((4, 0), (4, 4)), rel=1e-9)
    assert len(tripoints(states)) == 0


def test_enclave_and_outside_neighbour_share_no_border_distance_in_message():
    states, _ = enclave_world()
    with pytest.raises(NoSharedBorderError, match=r"\bE\b.*\bN\b|\bN\b.*\bE\b") as info:
        border_between(states, "E", "N")
    # nearest points lie one degree of longitude apart at the enclave's top corner (3°N)
    expected = geod_km((3.0, 3.0), (4.0, 3.0))
    found = float(re.search(r"([\d,]+\.\d+) km", str(info.value)).group(1).replace(",", ""))
    assert found == pytest.approx(expected, rel=0.01)


def tripoint_world() -> States:
    a = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    b = Polygon([(1, 0), (2, 0), (2, 1), (1, 1)])
    c = Polygon([(0, 1), (1, 1), (2, 1), (2, 2), (0, 2)])
    return make_states([("A", a), ("B", b), ("C", c)])


def test_three_states_meet_at_one_tripoint():
    states = tripoint_world()
    tri = tripoints(states)
    assert len(tri) == 1
    assert tri.iloc[0]["states"] == "A–B–C"
    assert tri.iloc[0]["n_states"] == 3
    assert (tri.iloc[0].geometry.x, tri.iloc[0].geometry.y) == pytest.approx((1.0, 1.0), abs=1e-9)
    result = borders(states)
    assert sorted(result["pair"]) == ["A–B", "A–C", "B–C"]
    assert (result["n_tripoints"] == 1).all()
    assert (result["n_parts"] == 1).all()
    assert row(result, "A–B")["length_km"] == pytest.approx(geod_km((1, 0), (1, 1)), rel=1e-9)
    assert row(result, "A–C")["length_km"] == pytest.approx(geod_km((0, 1), (1, 1)), rel=1e-9)
    assert row(result, "B–C")["length_km"] == pytest.approx(geod_km((1, 1), (2, 1)), rel=1e-9)


def test_border_between_counts_tripoints_with_the_neighbours():
    one = border_between(tripoint_world(), "A", "B")
    assert one.iloc[0]["n_tripoints"] == 1


def test_four_states_at_a_point_diagonal_pair_has_no_border():
    a = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    b = Polygon([(1, 0), (2, 0), (2, 1), (1, 1)])
    c = Polygon([(0, 1), (1, 1), (1, 2), (0, 2)])
    d = Polygon([(1, 1), (2, 1), (2, 2), (1, 2)])
    states = make_states([("A", a), ("B", b), ("C", c), ("D", d)])
    result = borders(states)
    assert sorted(result["pair"]) == ["A–B", "A–C", "B–D", "C–D"]
    tri = tripoints(states)
    assert len(tri) == 1
    assert tri.iloc[0]["n_states"] == 4
    assert tri.iloc[0]["states"] == "A–B–C–D"
    with pytest.raises(NoSharedBorderError):
        border_between(states, "A", "D")


def two_part_world(part0, part1, *, neighbour_first=False) -> States:
    """A has a mainland and an exclave, both touching B's straight southern edge (y = 1)."""
    b = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    items = [("A", MultiPolygon([Polygon(part0), Polygon(part1)])), ("B", b)]
    return make_states(items[::-1] if neighbour_first else items)


PART0 = [(0, 0), (1, 0), (1, 1), (0, 1)]
PART1 = [(2, 0), (3, 0), (3, 1), (2, 1)]
# The same parts with rings starting where the first ends and the second begins: the jump from the end of
# one ring to the start of the next, (1, 1) → (2, 1), then lies exactly on an edge of B.
PART0_JOIN = [(1, 1), (0, 1), (0, 0), (1, 0)]
PART1_JOIN = [(2, 1), (2, 0), (3, 0), (3, 1)]


@pytest.mark.parametrize("neighbour_first", [False, True])
@pytest.mark.parametrize("parts", [(PART0, PART1), (PART0_JOIN, PART1_JOIN)], ids=["plain", "ring-join"])
def test_state_of_two_parts_each_touching_the_neighbour(parts, neighbour_first):
    result = borders(two_part_world(*parts, neighbour_first=neighbour_first))
    assert len(result) == 1
    r = row(result, "A–B")
    expected = geod_km((0, 1), (1, 1)) + geod_km((2, 1), (3, 1))
    assert r["length_km"] == pytest.approx(expected, rel=1e-9)
    assert r["n_parts"] == 2
    assert list(r["parts_a"]) == [0, 1]
    assert list(r["parts_b"]) == [0]
    assert r.geometry.geom_type == "MultiLineString"
    # nothing of the border lies in the gap between the two parts
    gap = box(1.0 + 1e-6, 0.5, 2.0 - 1e-6, 1.5)
    assert not r.geometry.intersects(gap)


def test_shared_edge_split_into_several_vertices_on_both_sides():
    ys = [0.0, 0.25, 0.5, 0.75, 1.0]
    a = Polygon([(0, 0)] + [(1, y) for y in ys] + [(0, 1)])
    b = Polygon([(1, y) for y in ys[::-1]] + [(2, 0), (2, 1)])
    result = borders(make_states([("A", a), ("B", b)]))
    r = row(result, "A–B")
    assert r["length_km"] == pytest.approx(geod_km(*[(1, y) for y in ys]), rel=1e-9)
    assert r["n_parts"] == 1
    assert shapely.get_num_coordinates(r.geometry) == len(ys)
    assert endpoints(r.geometry) == {(1.0, 0.0), (1.0, 1.0)}


# Rings of A and B that start in the middle of their common edge, at (1, 0.5).
A_PLAIN = [(0, 0), (1, 0), (1, 0.5), (1, 1), (0, 1)]
A_WRAP = [(1, 0.5), (1, 1), (0, 1), (0, 0), (1, 0)]
B_PLAIN = [(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)]
B_WRAP = [(1, 0.5), (1, 0), (2, 0), (2, 1), (1, 1)]


@pytest.mark.parametrize(("a", "b"), [(A_WRAP, B_PLAIN), (A_PLAIN, B_WRAP), (A_WRAP, B_WRAP)],
                         ids=["wrap-a", "wrap-b", "wrap-both"])
@pytest.mark.parametrize("swap", [False, True])
def test_border_wrapping_round_a_ring_start_is_one_part(a, b, swap):
    items = [("A", Polygon(a)), ("B", Polygon(b))]
    result = borders(make_states(items[::-1] if swap else items))
    r = row(result, "A–B")
    assert r["n_parts"] == 1
    assert r.geometry.geom_type == "LineString"
    assert endpoints(r.geometry) == {(1.0, 0.0), (1.0, 1.0)}
    assert r["length_km"] == pytest.approx(geod_km((1, 0), (1, 0.5), (1, 1)), rel=1e-9)


def test_states_sharing_only_a_point_have_no_border():
    states = make_states([("A", box(0, 0, 1, 1)), ("B", box(1, 1, 2, 2))])
    result = borders(states)
    assert len(result) == 0
    assert list(result.columns) == BORDER_COLUMNS
    assert len(tripoints(states)) == 0
    with pytest.raises(NoSharedBorderError, match=r"\bA\b.*\bB\b"):
        border_between(states, "A", "B")


@pytest.mark.parametrize("which", ["A", "B"])
def test_reversed_ring_orientation_gives_the_same_border(which):
    base = borders(two_part_world(PART0, PART1)).iloc[0]
    a = MultiPolygon([Polygon(PART0), Polygon(PART1)])
    b = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    if which == "A":
        a = shapely.reverse(a)
    else:
        b = shapely.reverse(b)
    flipped = borders(make_states([("A", a), ("B", b)])).iloc[0]
    assert flipped["length_km"] == pytest.approx(base["length_km"], rel=1e-12)
    assert flipped["n_parts"] == base["n_parts"]
    assert list(flipped["parts_a"]) == list(base["parts_a"])
    assert list(flipped["parts_b"]) == list(base["parts_b"])
    assert shapely.equals(flipped.geometry, base.geometry)


def test_reversed_ring_with_split_and_wrapped_edge():
    base = borders(make_states([("A", Polygon(A_WRAP)), ("B", Polygon(B_PLAIN))])).iloc[0]
    flipped = borders(make_states([("A", Polygon(A_WRAP[::-1])), ("B", Polygon(B_PLAIN))])).iloc[0]
    assert flipped["length_km"] == pytest.approx(base["length_km"], rel=1e-12)
    assert flipped["n_parts"] == base["n_parts"] == 1
    assert shapely.equals(flipped.geometry, base.geometry)


def composite_world() -> list[tuple[str, shapely.Geometry]]:
    """Tripoint, enclave and two-part worlds side by side (shifted apart in longitude)."""
    items = [(c, g) for c, g in zip(["A", "B", "C"], tripoint_world().frame.geometry, strict=True)]
    enc, _ = enclave_world()
    items += [(c, shapely.transform(g, lambda xy: xy + np.array([20.0, 0.0])))
              for c, g in zip(enc.frame["state_id"], enc.frame.geometry, strict=True)]
    two = two_part_world(PART0_JOIN, PART1_JOIN)
    items += [(f"{c}2", shapely.transform(g, lambda xy: xy + np.array([40.0, 0.0])))
              for c, g in zip(two.frame["state_id"], two.frame.geometry, strict=True)]
    return items


def test_rows_are_independent_of_input_order():
    items = composite_world()
    reference = borders(make_states(items))
    assert len(reference) == 3 + 2 + 1
    rng = np.random.default_rng(7)
    orders = [list(range(len(items)))[::-1]] + [list(rng.permutation(len(items))) for _ in range(4)]
    for order in orders:
        other = borders(make_states([items[k] for k in order]))
        assert list(other["pair"]) == list(reference["pair"])
        np.testing.assert_allclose(other["length_km"], reference["length_km"], rtol=1e-12)
        assert list(other["n_parts"]) == list(reference["n_parts"])
        assert list(other["n_tripoints"]) == list(reference["n_tripoints"])
        assert [list(x) for x in other["parts_a"]] == [list(x) for x in reference["parts_a"]]
        assert [list(x) for x in other["parts_b"]] == [list(x) for x in reference["parts_b"]]
        assert all(shapely.equals(other.geometry.values, reference.geometry.values))
        tri = tripoints(make_states([items[k] for k in order]))
        assert list(tri["states"]) == ["A–B–C"]


# --------------------------------------------------------------------------- tolerance mode

GAP_M = 50.0


def gap_world(offset_m: float) -> States:
    """A ends at 10°E; B starts ``offset_m`` metres east of it (negative: B overlaps A)."""
    d = lon_offset_deg(offset_m) if offset_m >= 0 else -lon_offset_deg(-offset_m)
    return make_states([("A", box(9.0, 0.0, 10.0, 1.0)), ("B", box(10.0 + d, 0.0, 11.0, 1.0))])


def test_gap_exact_mode_finds_no_border():
    states = gap_world(GAP_M)
    assert len(borders(states)) == 0
    with pytest.raises(NoSharedBorderError) as info:
        border_between(states, "A", "B")
    msg = str(info.value)
    assert "tolerance" in msg
    found = float(re.search(r"(\d+(?:\.\d+)?) km", msg).group(1))
    assert found == pytest.approx(GAP_M / 1000, rel=0.05)


def test_gap_tolerance_mode_matches_and_measures_the_gap():
    result = borders(gap_world(GAP_M), mode="tolerance", tolerance_m=100)
    assert len(result) == 1
    r = row(result, "A–B")
    length = geod_km((10, 0), (10, 1))
    assert r["length_km"] == pytest.approx(length, rel=0.01)
    assert r["gap_area_km2"] == pytest.approx(GAP_M / 1000 * length, rel=0.03)
    assert r["overlap_area_km2"] == pytest.approx(0.0, abs=1e-6)
    assert r["method"] == "tolerance 100 m"
    assert r["n_parts"] == 1
    assert list(r["parts_a"]) == [0]
    assert list(r["parts_b"]) == [0]
    one = border_between(gap_world(GAP_M), "A", "B", mode="tolerance", tolerance_m=100)
    assert one.iloc[0]["length_km"] == pytest.approx(r["length_km"], rel=1e-12)


def test_gap_wider_than_tolerance_is_not_matched():
    assert len(borders(gap_world(GAP_M), mode="tolerance", tolerance_m=30)) == 0


def test_overlap_tolerance_mode_reports_overlap_area():
    states = gap_world(-GAP_M)
    assert len(borders(states)) == 0
    with pytest.raises(NoSharedBorderError, match="tolerance"):
        border_between(states, "A", "B")
    r = row(borders(states, mode="tolerance", tolerance_m=100), "A–B")
    length = geod_km((10, 0), (10, 1))
    assert r["length_km"] == pytest.approx(length, rel=0.01)
    assert r["overlap_area_km2"] == pytest.approx(GAP_M / 1000 * length, rel=0.03)
    # only the small lenses beyond the ends of the border are near both and covered by neither
    assert r["gap_area_km2"] < 0.01 * r["overlap_area_km2"]


def test_tolerance_mode_on_coincident_edges_agrees_with_exact():
    states = two_squares()
    exact = row(borders(states), "A–B")
    tol = row(borders(states, mode="tolerance", tolerance_m=100), "A–B")
    assert tol["length_km"] == pytest.approx(exact["length_km"], rel=0.01)
    # Along the border nothing is uncovered. By its documented definition (within tolerance of both, covered
    # by neither) the gap still takes in a half disc of radius tolerance_m beyond each end of the border:
    # 2 × π r² / 2 with r = 0.1 km. Anything more would be a gap along the border itself.
    assert tol["gap_area_km2"] == pytest.approx(np.pi * 0.1**2, rel=0.05)
    assert tol["overlap_area_km2"] == pytest.approx(0.0, abs=1e-6)


def test_tolerance_mode_matches_edges_split_differently_on_each_side():
    a = Polygon([(9, 0), (10, 0), (10, 0.3), (10, 0.6), (10, 1), (9, 1)])
    b = Polygon([(10, 0), (11, 0), (11, 1), (10, 1), (10, 0.5)])
    states = make_states([("A", a), ("B", b)])
    r = row(borders(states, mode="tolerance", tolerance_m=100), "A–B")
    assert r["length_km"] == pytest.approx(geod_km((10, 0), (10, 1)), rel=0.01)


def test_tolerance_mode_on_a_two_part_state():
    r = row(borders(two_part_world(PART0, PART1), mode="tolerance", tolerance_m=100), "A–B")
    # the matched lines run on round the corners by up to the tolerance: 4 × 0.1 km at most
    expected = geod_km((0, 1), (1, 1)) + geod_km((2, 1), (3, 1))
    assert expected <= r["length_km"] <= expected + 0.4
    assert r["n_parts"] == 2
    assert list(r["parts_a"]) == [0, 1]
    assert list(r["parts_b"]) == [0]


def test_tolerance_tripoints_are_counted():
    result = borders(tripoint_world(), mode="tolerance", tolerance_m=100)
    assert sorted(result["pair"]) == ["A–B", "A–C", "B–C"]
    assert (result["n_tripoints"] == 1).all()


@pytest.mark.parametrize("tol", [0.0, -5.0])
def test_tolerance_must_be_positive(tol):
    with pytest.raises(ValueError, match="tolerance"):
        borders(two_squares(), mode="tolerance", tolerance_m=tol)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        borders(two_squares(), mode="fuzzy")


# --------------------------------------------------------------------------- bad input at the API


def test_unknown_code_suggests_closest_codes():
    states = make_states([("KGZ", box(0, 0, 1, 1)), ("TJK", box(1, 0, 2, 1))])
    with pytest.raises(UnknownStateError, match=r"'KGY'.*KGZ"):
        border_between(states, "KGY", "TJK")


def test_same_state_twice_is_refused():
    with pytest.raises(NoSharedBorderError, match="same state"):
        border_between(two_squares(), "A", "a")


def test_ambiguous_edges_warn():
    """Two identical squares plus a neighbour: the shared edge is found in three states."""
    square = Polygon(A_SQ)
    states = make_states([("A", square), ("A2", square), ("B", Polygon(B_SQ))])
    with pytest.warns(BorderlineWarning, match="three or more states"):
        result = borders(states)
    # A and A2 share all four edges; the meridian edge is drawn by B too, so it borders every pair of the
    # three, exactly as boundary(a) ∩ boundary(b) says
    assert set(result["pair"]) == {"A–A2", "A–B", "A2–B"}
    assert row(result, "A–A2")["length_km"] == pytest.approx(ring_km(A_SQ), rel=1e-9)
    meridian = geod_km((10, 0), (10, 1))
    assert row(result, "A–B")["length_km"] == pytest.approx(meridian, rel=1e-9)
    assert row(result, "A2–B")["length_km"] == pytest.approx(meridian, rel=1e-9)
    naive = naive_borders(states.frame)
    for pair, km in naive.items():
        assert row(result, pair)["length_km"] == pytest.approx(km, rel=1e-9)


@pytest.mark.parametrize("epsg", [3857, 32632])
def test_projected_geodataframe_input_is_reprojected(epsg):
    frame = two_squares().frame.to_crs(epsg)
    with pytest.warns(BorderlineWarning, match=f"EPSG:{epsg}.*reprojected"):
        result = borders(frame)
    assert row(result, "A–B")["length_km"] == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-6)


def test_lon_lat_axis_order_variant_is_not_reprojected():
    frame = two_squares().frame.set_crs("OGC:CRS84", allow_override=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = borders(frame)
    assert row(result, "A–B")["length_km"] == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-9)


def test_plain_geodataframe_input_is_accepted():
    frame = two_squares().frame.copy()
    frame.attrs.clear()
    result = borders(frame)
    assert row(result, "A–B")["length_km"] == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-9)
    with pytest.raises(ValueError, match="state_id"):
        borders(frame.rename(columns={"state_id": "code"}))


# --------------------------------------------------------------------------- Natural Earth

CENTRAL_ASIA = ["KGZ–TJK", "KGZ–UZB", "TJK–UZB"]


def test_naturalearth_every_pair_agrees_with_naive_baseline(naturalearth_borders, naturalearth_baseline):
    engine = dict(zip(naturalearth_borders["pair"], naturalearth_borders["length_km"], strict=True))
    assert len(engine) > 250
    assert set(engine) == set(naturalearth_baseline)
    off = {p: (engine[p], naturalearth_baseline[p]) for p in engine
           if abs(engine[p] - naturalearth_baseline[p]) > 1e-3 * naturalearth_baseline[p]}
    assert not off, f"pairs off the baseline by more than 0.1 %: {off}"


def test_naturalearth_rows_are_well_formed(naturalearth_borders):
    b = naturalearth_borders
    assert list(b.columns) == BORDER_COLUMNS
    assert b["pair"].is_unique
    assert (b["state_a"] < b["state_b"]).all()
    assert (b["pair"] == b["state_a"] + "–" + b["state_b"]).all()
    assert (b["length_km"] > 0).all()
    assert (b["n_parts"] >= 1).all()
    assert (b["n_parts"] == shapely.get_num_geometries(b.geometry.values)).all()
    assert (b["method"] == "exact").all()
    assert b["source"].str.startswith("naturalearth-10m 5.1.1").all()


@pytest.mark.parametrize("pair", CENTRAL_ASIA)
def test_naturalearth_central_asia_borders(naturalearth, naturalearth_borders, pair):
    a, b = pair.split("–")
    baseline = naive_borders(naturalearth.frame, only=[a, b])[pair]
    r = row(naturalearth_borders, pair)
    assert r["length_km"] > 0
    assert r["length_km"] == pytest.approx(baseline, rel=1e-3)
    one = border_between(naturalearth, a, b)
    assert one.iloc[0]["length_km"] == pytest.approx(r["length_km"], rel=1e-12)
    assert one.iloc[0]["n_tripoints"] == r["n_tripoints"]


def test_naturalearth_kyrgyz_tajik_length_is_plausible(naturalearth_borders):
    # Published figures for the Kyrgyz–Tajik border are 970–1,007 km, measured on large-scale maps. Natural
    # Earth's 1:10m line is generalised (fewer vertices, cut corners), so it must come out shorter but of
    # the same order: a generous 700–1,100 km catches gross errors (a missing stretch, a doubled ring, a
    # straight jump between exclaves) without pretending the generalised line matches the survey.
    assert 700 <= row(naturalearth_borders, "KGZ–TJK")["length_km"] <= 1100


def test_naturalearth_central_asia_tripoints(naturalearth):
    tri = tripoints(naturalearth)
    labels = set(tri["states"])
    assert "KGZ–TJK–UZB" in labels
    assert "CHN–KGZ–TJK" in labels
    pt = tri[tri["states"] == "CHN–KGZ–TJK"].iloc[0].geometry
    # the Kyrgyz–Tajik–Chinese tripoint is in the Pamir-Alay, about 73.6°E 39.4°N
    assert pt.x == pytest.approx(73.6, abs=0.5)
    assert pt.y == pytest.approx(39.4, abs=0.5)


def test_naturalearth_pairs_independent_of_row_order(naturalearth, naturalearth_borders):
    frame = naturalearth.frame.iloc[::-1].reset_index(drop=True)
    flipped = borders(States(frame, naturalearth.provenance))
    assert list(flipped["pair"]) == list(naturalearth_borders["pair"])
    np.testing.assert_allclose(flipped["length_km"], naturalearth_borders["length_km"], rtol=1e-9)
    assert list(flipped["n_parts"]) == list(naturalearth_borders["n_parts"])
    assert list(flipped["n_tripoints"]) == list(naturalearth_borders["n_tripoints"])


def test_naturalearth_no_shared_border_gives_distance(naturalearth):
    with pytest.raises(NoSharedBorderError, match=r"FRA.*GBR") as info:
        border_between(naturalearth, "France", "GBR")
    found = float(re.search(r"([\d,]+\.\d+) km", str(info.value)).group(1).replace(",", ""))
    # the Strait of Dover, Cap Gris-Nez to Dover: 33.3 km as published; the 1:10m coasts are generalised
    assert found == pytest.approx(33.3, abs=1.5)


@pytest.mark.parametrize("code", ["KYR", "Kyrgystan"])
def test_naturalearth_unknown_code_suggestions(naturalearth, code):
    with pytest.raises(UnknownStateError) as info:
        border_between(naturalearth, code, "TJK")
    msg = str(info.value)
    assert repr(code) in msg
    assert "closest:" in msg
    assert "\n" not in msg
    assert "KGZ (Kyrgyzstan)" in msg


def test_naturalearth_unknown_code_without_close_match(naturalearth):
    with pytest.raises(UnknownStateError, match=r"'QQQQQ'.*no close match"):
        naturalearth.resolve("QQQQQ")


def test_errors_are_borderline_errors():
    for exc in (NoSharedBorderError, UnknownStateError):
        assert issubclass(exc, BorderlineError)


def test_no_warnings_on_clean_hand_made_worlds():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for states in (two_squares(), tripoint_world(), enclave_world()[0]):
            borders(states)
            tripoints(states)


def test_overlapping_states_warn_in_exact_mode() -> None:
    # B sits in A's corner and A has no hole for it: the edges they "share" are both outer edges.
    a = shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (0, 2)])
    b = shapely.box(1, 0, 2, 1)
    states = make_states([("A", a), ("B", b)])
    with pytest.warns(BorderlineWarning, match="A and B overlap"):
        border_between(states, "A", "B")


def test_neighbours_without_overlap_do_not_warn(recwarn: pytest.WarningsRecorder) -> None:
    states = make_states([("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(1, 0, 2, 1))])
    border_between(states, "A", "B")
    assert not [w for w in recwarn if issubclass(w.category, BorderlineWarning)]


@pytest.mark.parametrize("tolerance", [0.0, -5.0])
def test_non_positive_tolerance_is_a_clear_error(tolerance: float) -> None:
    from borderline.errors import DataError

    states = make_states([("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(1, 0, 2, 1))])
    with pytest.raises(DataError, match="positive number of metres"):
        borders(states, mode="tolerance", tolerance_m=tolerance)
