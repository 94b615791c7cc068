"""The shared-arc engine itself: arcs, merging, ring joins, vertex grid, tripoints, tolerance matching."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from borderline import topology
from borderline.topology import Arcs, Vertices, merge_arcs, shared_arcs, tolerance_pairs
from tests.helpers import geod_km, ring_km

SQ_A = Polygon([(9, 0), (10, 0), (10, 1), (9, 1)])
SQ_B = Polygon([(10, 0), (11, 0), (11, 1), (10, 1)])


def arcs_of(*geoms):
    return shared_arcs(np.array(geoms, dtype=object))


def test_one_shared_edge_gives_one_arc():
    arcs, tri = arcs_of(SQ_A, SQ_B)
    assert isinstance(arcs, Arcs)
    assert isinstance(tri, Vertices)
    assert list(arcs.a) == [0]
    assert list(arcs.b) == [1]
    assert list(arcs.part_a) == [0]
    assert list(arcs.part_b) == [0]
    assert arcs.length_m[0] / 1000 == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-12)
    assert arcs.n_edges_ambiguous == 0
    assert len(tri.states) == 0
    # drawn as state a draws it
    assert list(arcs.geometry[0].coords) == [(10.0, 0.0), (10.0, 1.0)]


def test_owner_is_always_the_lower_index():
    arcs, _ = arcs_of(SQ_B, SQ_A)
    assert list(arcs.a) == [0]
    assert list(arcs.b) == [1]
    assert list(arcs.geometry[0].coords) == [(10.0, 1.0), (10.0, 0.0)]


def test_no_shared_edges_gives_empty_results():
    arcs, tri = arcs_of(box(0, 0, 1, 1), box(5, 5, 6, 6))
    assert len(arcs.a) == 0
    assert len(tri.states) == 0
    merged = merge_arcs(arcs, 2)
    assert list(merged.columns) == ["a", "b", "geometry", "length_m", "n_parts", "parts_a", "parts_b"]
    assert len(merged) == 0


def test_single_state_and_empty_layer():
    arcs, _ = arcs_of(SQ_A)
    assert len(arcs.a) == 0
    arcs, _ = shared_arcs(np.array([], dtype=object))
    assert len(arcs.a) == 0


def test_wrap_around_gives_two_arcs_merged_into_one_line():
    a = Polygon([(1, 0.5), (1, 1), (0, 1), (0, 0), (1, 0)])
    b = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])
    arcs, _ = arcs_of(a, b)
    assert len(arcs.a) == 2  # A's ring starts mid-border: the run is cut at the ring start
    merged = merge_arcs(arcs, 2)
    assert len(merged) == 1
    r = merged.iloc[0]
    assert r["n_parts"] == 1
    assert r["geometry"].geom_type == "LineString"
    assert r["length_m"] / 1000 == pytest.approx(geod_km((1, 0), (1, 1)), rel=1e-12)


def test_merge_arcs_groups_pairs_and_lists_parts():
    a = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    b = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    c = Polygon([(3, 0), (4, 0), (4, 1), (3, 1)])
    merged = merge_arcs(arcs_of(a, b, c)[0], 3)
    pairs = {(int(r.a), int(r.b)): r for r in merged.itertuples()}
    assert set(pairs) == {(0, 1), (0, 2)}
    assert pairs[(0, 1)].n_parts == 2
    assert list(pairs[(0, 1)].parts_a) == [0, 1]
    assert list(pairs[(0, 1)].parts_b) == [0]
    assert list(pairs[(0, 2)].parts_a) == [1]
    assert pairs[(0, 2)].length_m / 1000 == pytest.approx(geod_km((3, 0), (3, 1)), rel=1e-12)


# --------------------------------------------------------------------------- ring joins


def test_join_between_parts_is_not_an_edge():
    """A's rings end and start where the jump (1,1)→(2,1) equals an edge of B: that jump is no border."""
    a = MultiPolygon([Polygon([(1, 1), (0, 1), (0, 0), (1, 0)]), Polygon([(2, 1), (2, 0), (3, 0), (3, 1)])])
    b = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    for geoms in ((a, b), (b, a)):
        arcs, _ = arcs_of(*geoms)
        total_km = arcs.length_m.sum() / 1000
        assert total_km == pytest.approx(geod_km((0, 1), (1, 1)) + geod_km((2, 1), (3, 1)), rel=1e-12)
        for line in arcs.geometry:
            assert not line.intersects(box(1 + 1e-6, 0.9, 2 - 1e-6, 1.1))


def holes_and_islands(as_multipolygon: bool):
    """O has two holes; I fills both with two parts. Both start their rings on the same nodes, so O's jump
    from hole 1 to hole 2 equals I's jump from island 1 to island 2 (as in Natural Earth's MOZ and MWI)."""
    isl1 = [(1, 1), (2, 1), (2, 2), (1, 2)]
    isl2 = [(3, 1), (4, 1), (4, 2), (3, 2)]
    shell = [(0, 0), (5, 0), (5, 3), (0, 3)]
    o_poly = Polygon(shell, [isl1[::-1], isl2[::-1]])
    o = MultiPolygon([o_poly]) if as_multipolygon else o_poly
    i = MultiPolygon([Polygon(isl1), Polygon(isl2)])
    return o, i, isl1, isl2


@pytest.mark.parametrize("as_multipolygon", [False, True], ids=["polygon", "one-part-multipolygon"])
@pytest.mark.parametrize("swap", [False, True])
def test_join_between_holes_is_not_an_edge(as_multipolygon, swap):
    o, i, isl1, isl2 = holes_and_islands(as_multipolygon)
    geoms = (i, o) if swap else (o, i)
    merged = merge_arcs(arcs_of(*geoms)[0], 2)
    assert len(merged) == 1
    r = merged.iloc[0]
    assert r["length_m"] / 1000 == pytest.approx(ring_km(isl1) + ring_km(isl2), rel=1e-12)
    assert r["n_parts"] == 2
    parts_i = r["parts_a"] if swap else r["parts_b"]
    assert list(parts_i) == [0, 1]


# --------------------------------------------------------------------------- vertex grid


def test_vertices_within_the_grid_are_one_vertex():
    # B's copy of the shared edge is off by 2e-9 degrees (0.2 mm): still the same vertices
    b = Polygon([(10 + 2e-9, 0), (11, 0), (11, 1), (10 + 2e-9, 1)])
    arcs, _ = arcs_of(SQ_A, b)
    assert len(arcs.a) == 1
    assert arcs.length_m[0] / 1000 == pytest.approx(geod_km((10, 0), (10, 1)), rel=1e-9)


def test_vertices_beyond_the_grid_are_distinct():
    b = Polygon([(10 + 1e-5, 0), (11, 0), (11, 1), (10 + 1e-5, 1)])  # about 1 m off
    arcs, _ = arcs_of(SQ_A, b)
    assert len(arcs.a) == 0
    arcs, _ = shared_arcs(np.array([SQ_A, b]), grid_deg=1e-4)  # a coarser grid joins them
    assert len(arcs.a) == 1


def test_grid_too_fine_for_the_keys_is_refused():
    with pytest.raises(ValueError, match="grid_deg"):
        shared_arcs(np.array([SQ_A, SQ_B]), grid_deg=1e-8)


# --------------------------------------------------------------------------- tripoints, ambiguity


def test_tripoint_vertex_and_states():
    a = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    b = Polygon([(1, 0), (2, 0), (2, 1), (1, 1)])
    c = Polygon([(0, 1), (1, 1), (2, 1), (2, 2), (0, 2)])
    _, tri = arcs_of(a, b, c)
    assert tri.states == [(0, 1, 2)]
    assert (tri.lon[0], tri.lat[0]) == (1.0, 1.0)


def test_edges_in_three_states_count_for_every_pair():
    arcs, _ = arcs_of(SQ_A, SQ_A, SQ_B)
    assert arcs.n_edges_ambiguous == 3  # the edge x = 10 appears in all three states
    # the two copies of A share all their edges; the edge x = 10 borders each copy of A and B
    assert set(zip(arcs.a, arcs.b, strict=True)) == {(0, 1), (0, 2), (1, 2)}


def test_step_reports_stages():
    seen: list[str] = []
    shared_arcs(np.array([SQ_A, SQ_B]), step=seen.append)
    assert seen[0] == "reading coordinates"
    assert "chaining arcs" in seen
    assert seen[-1] == "finding tripoints"


# --------------------------------------------------------------------------- large layers


def test_large_multipart_layer_matches_small_layer_result(monkeypatch):
    """Over a million coordinates in multi-part states: the ring layout runs in a forked worker."""
    forked: list[bool] = []

    class Spy(topology._RingLayout):
        def __init__(self, arr):
            super().__init__(arr)
            forked.append(self._async is not None)

    monkeypatch.setattr(topology, "_RingLayout", Spy)
    seg = 7e-6  # about 80 cm between vertices

    part0 = [(1, 1), (0, 1), (0, 0), (1, 0)]
    part1 = [(2, 1), (2, 0), (3, 0), (3, 1)]
    a_small = MultiPolygon([Polygon(part0), Polygon(part1)])
    b_small = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    a_big = shapely.segmentize(a_small, seg)
    b_big = shapely.segmentize(b_small, seg)
    assert shapely.get_num_coordinates(a_big) > 1_000_000
    small = merge_arcs(arcs_of(a_small, b_small)[0], 2).iloc[0]
    big = merge_arcs(arcs_of(a_big, b_big)[0], 2).iloc[0]
    assert forked == [False, True] or not sys.platform.startswith("linux")
    # the dense line follows the parallel y = 1 rather than the geodesic chord: a few parts per billion longer
    assert big["length_m"] == pytest.approx(small["length_m"], rel=1e-7)
    assert big["length_m"] >= small["length_m"]
    assert big["n_parts"] == small["n_parts"] == 2
    assert list(big["parts_a"]) == [0, 1]
    assert list(big["parts_b"]) == [0]


# --------------------------------------------------------------------------- tolerance matching


def test_tolerance_pairs_columns_and_far_pairs():
    far = box(20, 20, 21, 21)
    out = tolerance_pairs(np.array([SQ_A, SQ_B, far]), tolerance_m=100)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b", "geometry", "length_m", "length_a_m", "length_b_m", "n_parts",
                                 "parts_a", "parts_b", "gap_area_km2", "overlap_area_km2"]
    assert [(int(r.a), int(r.b)) for r in out.itertuples()] == [(0, 1)]
    r = out.iloc[0]
    assert r["length_a_m"] == pytest.approx(r["length_b_m"], rel=1e-6)
    assert r["length_m"] / 1000 == pytest.approx(geod_km((10, 0), (10, 1)), rel=0.01)


def test_tolerance_pairs_near_but_beyond_tolerance_are_skipped():
    # 500 m apart: inside the bounding-box candidate margin (about 1 km) but beyond 100 m
    b = Polygon([(10.0045, 0), (11, 0), (11, 1), (10.0045, 1)])
    out = tolerance_pairs(np.array([SQ_A, b]), tolerance_m=100)
    assert len(out) == 0


def test_tolerance_pairs_reports_each_sides_parts():
    a = MultiPolygon([box(0, 0, 1, 1), box(0, 5, 1, 6)])
    b = Polygon([(1.0004, 0), (2, 0), (2, 1), (1.0004, 1)])  # about 45 m east of A's first part
    out = tolerance_pairs(np.array([a, b]), tolerance_m=100)
    assert len(out) == 1
    assert list(out.iloc[0]["parts_a"]) == [0]
    assert list(out.iloc[0]["parts_b"]) == [0]


@pytest.mark.parametrize("tol", [0, -1])
def test_tolerance_pairs_refuses_non_positive_tolerance(tol):
    with pytest.raises(ValueError, match="positive"):
        tolerance_pairs(np.array([SQ_A, SQ_B]), tolerance_m=tol)


def test_geoarrow_layout_gives_the_same_borders(tmp_path) -> None:
    """Ring offsets read from GeoArrow replace the engine's own ring layout without changing any result."""
    import geopandas as gpd

    from borderline.borders import borders
    from borderline.datasets import Provenance, prepare_states, read_geoarrow_polygons

    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)],
                                                               [(2.5, 2.5), (3, 2.5), (3, 3), (2.5, 3)]])
    frame = gpd.GeoDataFrame(
        {"state_id": ["A", "B", "C"]},
        geometry=[outer, shapely.MultiPolygon([shapely.box(1, 1, 2, 2), shapely.box(2.5, 2.5, 3, 3)]),
                  shapely.box(4, 0, 5, 4)], crs=4326)
    path = tmp_path / "s.parquet"
    frame.to_parquet(path, geometry_encoding="geoarrow")
    raw, layout = read_geoarrow_polygons(path)
    assert layout is not None and layout.n_states == 3
    prov = Provenance("test", "1", "CC0", "hand-made", "tests")
    with_layout = prepare_states(raw, prov, layout=layout)
    assert with_layout.layout is layout
    without = prepare_states(raw, prov)
    a, b = borders(with_layout), borders(without)
    assert list(a["pair"]) == ["A–B", "A–C"]
    assert list(a["pair"]) == list(b["pair"])
    assert np.allclose(a["length_km"], b["length_km"])
    assert list(a["n_parts"]) == list(b["n_parts"]) == [2, 1]
