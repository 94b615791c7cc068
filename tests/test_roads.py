"""Road graphs: hand-made networks whose answers are known by construction, and real OSM PBF extracts.

Expected lengths come from ``pyproj.Geod`` directly (``tests.helpers.geod_km``), never from borderline's own
geodesy; expected travel times are worked out by hand from those lengths and the speed table.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString, MultiLineString, Point, box

from borderline.datasets import Provenance
from borderline.errors import BorderlineWarning, DataError, InputFileError
from borderline.roads import (
    DEFAULT_SPEEDS_KMH,
    EDGE_COLUMNS,
    NODE_COLUMNS,
    RoadGraph,
    check_pbf,
    roads_from_lines,
    roads_from_pbf,
)
from tests.helpers import WGS84, geod_km, make_states

A_BOX = box(0.0, 0.0, 1.0, 1.0)
B_BOX = box(1.0, 0.0, 2.0, 1.0)


def two_states():
    return make_states([("A", A_BOX), ("B", B_BOX)])


def roads(*geoms, classes=None, **cols) -> gpd.GeoDataFrame:
    """A line layer in EPSG:4326 with a ``highway`` column (``primary`` unless given)."""
    data = {"highway": classes or ["primary"] * len(geoms), **cols}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=4326)


def build(frame, **kw) -> RoadGraph:
    """Build a graph, failing the test on any warning (hand-made inputs are clean)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return roads_from_lines(frame, **kw)


def node_at(graph: RoadGraph, lon: float, lat: float) -> int:
    """Position of the node at (lon, lat), to 1e-9°."""
    xy = shapely.get_coordinates(graph.nodes.geometry.values)
    hit = np.flatnonzero(np.abs(xy - [lon, lat]).max(axis=1) < 1e-9)
    assert len(hit) == 1, f"expected one node at ({lon}, {lat}), found {len(hit)}"
    return int(hit[0])


def degrees(graph: RoadGraph) -> np.ndarray:
    return np.bincount(np.r_[graph.edges["u"], graph.edges["v"]], minlength=graph.n_nodes)


def east_of(lon: float, lat: float, metres: float) -> float:
    """Longitude of the point ``metres`` due east of (lon, lat), on WGS84."""
    lon2, _, _ = WGS84.fwd(lon, lat, 90.0, metres)
    return float(lon2)


def assert_consistent(graph: RoadGraph) -> None:
    """Node and edge tables agree with each other and with their geometries."""
    nodes, edges = graph.nodes, graph.edges
    assert list(nodes.columns) == NODE_COLUMNS
    assert list(edges.columns) == EDGE_COLUMNS
    assert list(nodes.index) == list(range(len(nodes)))
    assert list(nodes["node_id"]) == list(range(len(nodes)))
    assert list(edges["edge_id"]) == list(range(len(edges)))
    assert nodes.crs.to_epsg() == 4326 and edges.crs.to_epsg() == 4326
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    assert u.min() >= 0 and v.min() >= 0 and max(u.max(), v.max()) < len(nodes)
    assert (degrees(graph) > 0).all(), "every node is the end of some edge"
    assert (edges["length_m"] > 0).all()
    assert set(edges.geometry.geom_type) == {"LineString"}
    assert set(nodes.geometry.geom_type) == {"Point"}
    start = shapely.get_point(edges.geometry.values, 0)
    end = shapely.get_point(edges.geometry.values, -1)
    assert shapely.equals(start, nodes.geometry.values[u]).all(), "edge geometry starts at u"
    assert shapely.equals(end, nodes.geometry.values[v]).all(), "edge geometry ends at v"
    np.testing.assert_allclose(edges["minutes"], edges["length_m"] / 1000 / edges["speed_kmh"] * 60, rtol=1e-12)
    assert edges.attrs["provenance"] == graph.provenance.as_dict()
    assert (edges["source"] == graph.provenance.label()).all()


# --------------------------------------------------------------------------------------------- borders


def test_road_across_a_border_is_split_at_the_crossing():
    graph = build(roads(LineString([(0.5, 0.5), (1.5, 0.5)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 2
    assert graph.n_nodes == 3
    west, mid, east = node_at(graph, 0.5, 0.5), node_at(graph, 1.0, 0.5), node_at(graph, 1.5, 0.5)
    nodes = graph.nodes
    assert nodes.loc[mid, "crossing"] == "A–B"
    assert nodes.loc[mid, "state"] is None
    assert nodes.loc[west, "state"] == "A" and nodes.loc[west, "crossing"] is None
    assert nodes.loc[east, "state"] == "B" and nodes.loc[east, "crossing"] is None
    edges = graph.edges.set_index("state")
    assert set(edges.index) == {"A", "B"}
    assert {edges.loc["A", "u"], edges.loc["A", "v"]} == {west, mid}
    assert {edges.loc["B", "u"], edges.loc["B", "v"]} == {mid, east}
    assert edges.loc["A", "length_m"] == pytest.approx(geod_km((0.5, 0.5), (1.0, 0.5)) * 1000, rel=1e-9)
    assert edges.loc["B", "length_m"] == pytest.approx(geod_km((1.0, 0.5), (1.5, 0.5)) * 1000, rel=1e-9)
    assert graph.edges["on_border"].isna().all()
    assert list(graph.edges["source_id"]) == [0, 0]


def test_road_entirely_inside_one_state_is_one_edge():
    graph = build(roads(LineString([(0.2, 0.2), (0.4, 0.3), (0.6, 0.3)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 1 and graph.n_nodes == 2
    assert graph.edges.loc[0, "state"] == "A"
    assert list(graph.nodes["state"]) == ["A", "A"]
    assert graph.nodes["crossing"].isna().all()
    assert graph.edges.loc[0, "length_m"] == pytest.approx(
        geod_km((0.2, 0.2), (0.4, 0.3), (0.6, 0.3)) * 1000, rel=1e-9)


def test_road_crossing_twice_gives_three_pieces():
    graph = build(roads(LineString([(0.5, 0.2), (1.5, 0.2), (1.5, 0.8), (0.5, 0.8)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 3
    assert sorted(graph.edges["state"]) == ["A", "A", "B"]
    crossings = graph.nodes.dropna(subset=["crossing"])
    assert sorted(shapely.get_coordinates(crossings.geometry.values).tolist()) == [[1.0, 0.2], [1.0, 0.8]]
    assert set(crossings["crossing"]) == {"A–B"}
    middle = graph.edges[graph.edges["state"] == "B"].iloc[0]
    expected = geod_km((1.0, 0.2), (1.5, 0.2), (1.5, 0.8), (1.0, 0.8)) * 1000
    assert middle["length_m"] == pytest.approx(expected, rel=1e-9)


def test_vertex_on_the_border_is_a_crossing_too():
    graph = build(roads(LineString([(0.5, 0.5), (1.0, 0.5), (1.5, 0.5)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 2
    assert graph.nodes.loc[node_at(graph, 1.0, 0.5), "crossing"] == "A–B"
    assert sorted(graph.edges["state"]) == ["A", "B"]


def test_road_ending_on_the_border_tags_its_end_node():
    graph = build(roads(LineString([(0.5, 0.5), (1.0, 0.5)])), states=two_states())
    assert graph.n_edges == 1
    assert graph.edges.loc[0, "state"] == "A"
    assert graph.nodes.loc[node_at(graph, 1.0, 0.5), "crossing"] == "A–B"


def test_road_along_the_border_belongs_to_neither_state():
    graph = build(roads(LineString([(0.5, 0.3), (1.0, 0.3), (1.0, 0.7), (1.5, 0.7)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 3
    along = graph.edges[graph.edges["on_border"].notna()]
    assert len(along) == 1
    assert along.iloc[0]["on_border"] == "A–B"
    assert along.iloc[0]["state"] is None
    assert along.iloc[0]["length_m"] == pytest.approx(geod_km((1.0, 0.3), (1.0, 0.7)) * 1000, rel=1e-9)
    assert sorted(graph.edges["state"].dropna()) == ["A", "B"]


def test_road_along_a_states_outer_edge_belongs_to_that_state():
    # B's eastern edge (lon 2) borders no other state: a road along it is B's, like its nodes
    graph = build(roads(LineString([(1.5, 0.3), (2.0, 0.3), (2.0, 0.7), (1.5, 0.7)])), states=two_states())
    assert_consistent(graph)
    assert graph.n_edges == 3
    assert list(graph.edges["state"]) == ["B", "B", "B"]
    assert graph.edges["on_border"].isna().all()
    assert graph.nodes["crossing"].isna().all()


def test_tripoint_crossing_names_all_three_states():
    states = make_states([("A", box(0, 0, 1, 1)), ("B", box(1, 0, 2, 1)), ("C", box(0, 1, 2, 2))])
    graph = build(roads(LineString([(0.5, 0.5), (1.0, 1.0), (1.5, 1.5)])), states=states)
    assert graph.nodes.loc[node_at(graph, 1.0, 1.0), "crossing"] == "A–B–C"
    assert sorted(graph.edges["state"]) == ["A", "C"]


def test_roads_outside_every_state_have_no_state():
    graph = build(roads(LineString([(1.5, 0.5), (2.5, 0.5)])), states=two_states())
    assert sorted(graph.edges["state"], key=str) == ["B", None]
    far = node_at(graph, 2.5, 0.5)
    assert graph.nodes.loc[far, "state"] is None and graph.nodes.loc[far, "crossing"] is None
    # the boundary of B alone (B to nowhere) splits the road but is not a crossing between two states
    edge_node = node_at(graph, 2.0, 0.5)
    assert graph.nodes.loc[edge_node, "crossing"] is None
    assert graph.nodes.loc[edge_node, "state"] == "B"


def test_enclave_drawn_without_a_hole_goes_to_the_smaller_state():
    states = make_states([("H", box(0, 0, 2, 2)), ("E", box(0.5, 0.5, 1.0, 1.0))])
    with pytest.warns(BorderlineWarning, match="overlap"):
        graph = roads_from_lines(roads(LineString([(0.25, 0.75), (0.75, 0.75)])), states=states)
    assert_consistent(graph)
    by_state = graph.edges.set_index("state")
    assert set(by_state.index) == {"H", "E"}
    assert by_state.loc["E", "length_m"] == pytest.approx(geod_km((0.5, 0.75), (0.75, 0.75)) * 1000, rel=1e-9)
    assert graph.nodes.loc[node_at(graph, 0.5, 0.75), "crossing"] == "E–H"
    assert graph.nodes.loc[node_at(graph, 0.75, 0.75), "state"] == "E"


def test_without_states_nothing_is_split_or_tagged():
    graph = build(roads(LineString([(0.5, 0.5), (1.5, 0.5)])))
    assert repr(graph) == "RoadGraph(2 nodes, 1 edges, 0 border nodes; frame unknown (unknown))"
    assert graph.n_edges == 1
    assert graph.edges["state"].isna().all() and graph.nodes["crossing"].isna().all()


def test_states_as_a_plain_frame_and_bad_states():
    frame = gpd.GeoDataFrame({"state_id": ["A", "B"]}, geometry=[A_BOX, B_BOX], crs=4326)
    graph = build(roads(LineString([(0.5, 0.5), (1.5, 0.5)])), states=frame)
    assert sorted(graph.edges["state"]) == ["A", "B"]
    with pytest.raises(DataError, match="state_id"):
        roads_from_lines(roads(LineString([(0.5, 0.5), (1.5, 0.5)])), states=frame.rename(columns={"state_id": "x"}))


# --------------------------------------------------------------------------------------------- topology


def test_t_junction_sharing_a_vertex():
    main = LineString([(0.1, 0.5), (0.5, 0.5), (0.9, 0.5)])
    branch = LineString([(0.5, 0.5), (0.5, 0.9)])
    graph = build(roads(main, branch))
    assert_consistent(graph)
    assert graph.n_edges == 3 and graph.n_nodes == 4
    junction = node_at(graph, 0.5, 0.5)
    assert degrees(graph)[junction] == 3
    assert sorted(graph.edges["source_id"]) == [0, 0, 1]


def test_lines_crossing_without_a_shared_vertex_are_not_connected():
    # a bridge: the two lines cross at (0.5, 0.5) but neither has a vertex there
    graph = build(roads(LineString([(0.1, 0.5), (0.9, 0.5)]), LineString([(0.5, 0.1), (0.5, 0.9)])))
    assert graph.n_edges == 2 and graph.n_nodes == 4
    assert (degrees(graph) == 1).all()
    n_comp, _ = connected_components(graph.csr(), directed=False)
    assert n_comp == 2


def test_multilinestring_parts_and_closed_loops():
    multi = MultiLineString([[(0.1, 0.1), (0.2, 0.1)], [(0.3, 0.1), (0.4, 0.1)]])
    loop = LineString([(0.5, 0.5), (0.6, 0.5), (0.6, 0.6), (0.5, 0.5)])
    graph = build(roads(multi, loop))
    assert_consistent(graph)
    assert graph.n_edges == 3
    assert sorted(graph.edges["source_id"]) == [0, 0, 1]
    ring = graph.edges[graph.edges["source_id"] == 1].iloc[0]
    assert ring["u"] == ring["v"]
    assert ring["length_m"] == pytest.approx(geod_km((0.5, 0.5), (0.6, 0.5), (0.6, 0.6), (0.5, 0.5)) * 1000,
                                             rel=1e-9)


def test_endpoints_within_snap_m_are_merged_in_metres():
    lat = 60.0  # at 60°N a degree of longitude is half as long as at the equator: the snap must be in metres
    a_end = (0.3, lat)
    for gap_m, snap_m, merged in ((0.9, 1.0, True), (1.1, 1.0, False), (0.3, 0.2, False), (0.3, 0.5, True)):
        b_start = (east_of(*a_end, gap_m), lat)
        frame = roads(LineString([(0.2, lat), a_end]), LineString([b_start, (0.4, lat)]))
        graph = build(frame, snap_m=snap_m)
        assert_consistent(graph)
        assert graph.n_nodes == (3 if merged else 4), (gap_m, snap_m)
        n_comp, _ = connected_components(graph.csr(), directed=False)
        assert n_comp == (1 if merged else 2)


def test_snap_zero_keeps_every_endpoint():
    b_start = (east_of(0.3, 0.0, 0.05), 0.0)
    graph = build(roads(LineString([(0.2, 0.0), (0.3, 0.0)]), LineString([b_start, (0.4, 0.0)])), snap_m=0)
    assert graph.n_nodes == 4


def test_edge_collapsed_by_snapping_is_dropped():
    tiny = LineString([(0.3, 0.0), (east_of(0.3, 0.0, 0.4), 0.0)])
    frame = roads(LineString([(0.2, 0.0), (0.3, 0.0)]), tiny)
    graph = build(frame, snap_m=1.0)
    assert graph.n_edges == 1 and graph.n_nodes == 2
    assert any("collapsed" in n for n in graph.provenance.notes)


# --------------------------------------------------------------------------------------------- speeds, times


def test_speeds_and_minutes_from_the_class_table():
    frame = roads(LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.0, 1.0), (0.1, 1.0)]),
                  LineString([(0.0, 2.0), (0.1, 2.0)]), classes=["primary", "Track", "footway"])
    graph = build(frame)
    e = graph.edges.set_index("road_class")
    assert e.loc["primary", "speed_kmh"] == DEFAULT_SPEEDS_KMH["primary"] == 65.0
    assert e.loc["Track", "speed_kmh"] == DEFAULT_SPEEDS_KMH["track"]
    assert e.loc["footway", "speed_kmh"] == 5.0
    for cls, a, b, kmh in (("primary", (0.0, 0.0), (0.1, 0.0), 65.0), ("footway", (0.0, 2.0), (0.1, 2.0), 5.0)):
        metres = geod_km(a, b) * 1000
        assert e.loc[cls, "length_m"] == pytest.approx(metres, rel=1e-9)
        assert e.loc[cls, "minutes"] == pytest.approx(metres / 1000 / kmh * 60, rel=1e-9)


def test_custom_speed_table_overrides_class_by_class():
    frame = roads(LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.0, 1.0), (0.1, 1.0)]),
                  classes=["primary", "gravel"])
    graph = build(frame, speeds={"gravel": 12, "Primary": 50})
    e = graph.edges.set_index("road_class")
    assert e.loc["gravel", "speed_kmh"] == 12.0
    assert e.loc["primary", "speed_kmh"] == 50.0
    assert e.loc["gravel", "minutes"] == pytest.approx(geod_km((0.0, 1.0), (0.1, 1.0)) / 12 * 60, rel=1e-9)


def test_unknown_classes_warn_with_a_count_and_use_the_fallback():
    frame = roads(*[LineString([(0.0, y), (0.1, y)]) for y in (0.0, 0.1, 0.2, 0.3)],
                  classes=["primary", "goat_trail", "goat_trail", None])
    with pytest.warns(BorderlineWarning, match=r"3 road features have classes not in the speed table.*goat_trail"):
        graph = roads_from_lines(frame)
    fallback = DEFAULT_SPEEDS_KMH["default"]
    assert (graph.edges["speed_kmh"] == [65.0, fallback, fallback, fallback]).all()
    assert graph.edges.loc[3, "road_class"] == "unknown"


def test_name_column_and_source_provenance():
    frame = roads(LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.0, 1.0), (0.1, 1.0)]),
                  street=["Main road", None])
    prov = Provenance("kgz-tjk-schematic", "1", "CC BY 4.0", "authored", "case", schematic=True)
    graph = build(frame, name_column="street", provenance=prov)
    assert list(graph.edges["name"]) == ["Main road", None]
    assert graph.provenance.schematic
    assert (graph.edges["source"] == "kgz-tjk-schematic 1 (CC BY 4.0, schematic)").all()
    assert graph.nodes.attrs["provenance"]["schematic"] is True


# --------------------------------------------------------------------------------------------- csr, routing


def test_oneway_values_and_the_csr_directions():
    a, b = (0.0, 0.0), (0.1, 0.0)
    frame = roads(LineString([a, b]), LineString([(0.0, 1.0), (0.1, 1.0)]), LineString([(0.0, 2.0), (0.1, 2.0)]),
                  LineString([(0.0, 3.0), (0.1, 3.0)]), ow=["yes", "-1", "no", None])
    graph = build(frame, oneway_column="ow")
    assert list(graph.edges["oneway"]) == [True, True, False, False]
    m = graph.csr()
    for i, row in graph.edges.iterrows():
        forward, backward = m[row["u"], row["v"]], m[row["v"], row["u"]]
        assert forward == pytest.approx(row["minutes"])
        assert backward == (pytest.approx(row["minutes"]) if not row["oneway"] else 0.0), i
    # "-1": one-way against the drawing, so the edge is stored reversed: from (0.1, 1) to (0, 1)
    rev = graph.edges.iloc[1]
    assert graph.nodes.geometry[rev["u"]].equals(Point(0.1, 1.0))
    assert graph.nodes.geometry[rev["v"]].equals(Point(0.0, 1.0))


def test_boolean_oneway_column():
    frame = roads(LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.0, 1.0), (0.1, 1.0)]), ow=[True, False])
    graph = build(frame, oneway_column="ow")
    assert list(graph.edges["oneway"]) == [True, False]
    assert graph.csr().nnz == 3


def test_shortest_path_equals_hand_computed_minutes():
    # A square of roads with a slow diagonal and a one-way shortcut:
    #   p0 (0,0) -- primary -- p1 (0.1,0) -- primary -- p2 (0.1,0.1)
    #   p0 -- track (diagonal) -- p2 ;   p2 -> p0 one-way motorway
    p0, p1, p2 = (0.0, 0.0), (0.1, 0.0), (0.1, 0.1)
    frame = roads(LineString([p0, p1]), LineString([p1, p2]), LineString([p0, p2]), LineString([p2, p0]),
                  classes=["primary", "primary", "track", "motorway"], ow=["no", "no", "no", "yes"])
    graph = build(frame, oneway_column="ow")
    i0, i1, i2 = node_at(graph, *p0), node_at(graph, *p1), node_at(graph, *p2)
    via_primary = (geod_km(p0, p1) + geod_km(p1, p2)) / 65 * 60
    diagonal_track = geod_km(p0, p2) / DEFAULT_SPEEDS_KMH["track"] * 60
    motorway_back = geod_km(p2, p0) / 90 * 60
    dist = dijkstra(graph.csr(), directed=True, indices=[i0, i2])
    assert dist[0, i2] == pytest.approx(min(via_primary, diagonal_track), rel=1e-9)
    assert dist[0, i1] == pytest.approx(geod_km(p0, p1) / 65 * 60, rel=1e-9)
    assert dist[1, i0] == pytest.approx(motorway_back, rel=1e-9)
    # the parallel p0-p2 edges keep the cheaper one in each direction
    m = graph.csr()
    assert m[i2, i0] == pytest.approx(min(motorway_back, diagonal_track), rel=1e-12)
    assert m[i0, i2] == pytest.approx(diagonal_track, rel=1e-12)
    by_length = dijkstra(graph.csr("length_m"), directed=True, indices=i0)
    assert by_length[i2] == pytest.approx(geod_km(p0, p2) * 1000, rel=1e-9)


def test_csr_shape_and_bad_weight():
    graph = build(roads(LineString([(0.0, 0.0), (0.1, 0.0)])))
    m = graph.csr()
    assert m.shape == (2, 2) and m.nnz == 2
    with pytest.raises(DataError, match=r"unknown weight column 'speed'.*minutes"):
        graph.csr("speed")
    with pytest.raises(DataError, match="not numeric"):
        graph.csr("road_class")


# --------------------------------------------------------------------------------------------- CRS


def test_projected_input_warns_and_gives_the_same_lengths():
    lonlat = roads(LineString([(0.5, 0.5), (0.8, 0.6), (1.5, 0.5)]))
    projected = lonlat.to_crs(32631)  # UTM 31N, metres
    with pytest.warns(BorderlineWarning, match="projected CRS EPSG:32631"):
        graph = roads_from_lines(projected, states=two_states())
    reference = build(lonlat, states=two_states())
    assert graph.n_edges == reference.n_edges == 2
    np.testing.assert_allclose(np.sort(graph.edges["length_m"]), np.sort(reference.edges["length_m"]), rtol=1e-8)
    assert sorted(graph.edges["state"]) == ["A", "B"]
    assert any("reprojected" in n for n in graph.provenance.notes)


def test_missing_crs_warns_and_assumes_lonlat():
    frame = roads(LineString([(0.5, 0.5), (1.5, 0.5)])).set_crs(None, allow_override=True)
    with pytest.warns(BorderlineWarning, match="no CRS"):
        graph = roads_from_lines(frame)
    assert graph.edges.loc[0, "length_m"] == pytest.approx(geod_km((0.5, 0.5), (1.5, 0.5)) * 1000, rel=1e-9)


# --------------------------------------------------------------------------------------------- bad input


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg, msg
    return msg


def test_missing_class_column_lists_the_columns():
    frame = gpd.GeoDataFrame({"fclass": ["primary"], "ref": ["M41"]}, geometry=[LineString([(0, 0), (1, 0)])],
                             crs=4326)
    with pytest.raises(DataError) as exc:
        roads_from_lines(frame)
    msg = one_line(exc)
    assert "'highway'" in msg and "fclass, ref" in msg and "class_column" in msg
    graph = build(frame, class_column="fclass")
    assert graph.n_edges == 1


def test_missing_name_or_oneway_column():
    frame = roads(LineString([(0, 0), (1, 0)]))
    with pytest.raises(DataError, match="name_column 'nom' not found"):
        roads_from_lines(frame, name_column="nom")
    with pytest.raises(DataError, match="oneway_column 'dir' not found"):
        roads_from_lines(frame, oneway_column="dir")


def test_non_line_geometries_are_refused():
    frame = roads(LineString([(0, 0), (1, 0)]), Point(0.5, 0.5), box(0, 0, 1, 1))
    with pytest.raises(DataError) as exc:
        roads_from_lines(frame)
    msg = one_line(exc)
    assert "2 road features are Point/Polygon, not lines" in msg and "rows 1, 2" in msg


def test_not_a_geodataframe():
    with pytest.raises(DataError, match="GeoDataFrame"):
        roads_from_lines([LineString([(0, 0), (1, 0)])])  # type: ignore[arg-type]


def test_rows_without_geometry_are_dropped_with_a_warning():
    frame = roads(LineString([(0, 0), (0.1, 0)]), None, LineString())
    with pytest.warns(BorderlineWarning, match="2 road features have no geometry"):
        graph = roads_from_lines(frame)
    assert graph.n_edges == 1


def test_empty_results_are_errors():
    with pytest.raises(DataError, match="no features"):
        roads_from_lines(roads().iloc[:0])
    with pytest.warns(BorderlineWarning, match="zero length"), pytest.raises(DataError, match="no road edges left"):
        roads_from_lines(roads(LineString([(0.5, 0.5), (0.5, 0.5)])))


def test_bad_speeds_and_snap():
    frame = roads(LineString([(0, 0), (1, 0)]))
    with pytest.raises(DataError, match=r"'track'.*positive"):
        roads_from_lines(frame, speeds={"track": 0})
    with pytest.raises(DataError, match=r"'track'.*'fast'"):
        roads_from_lines(frame, speeds={"track": "fast"})
    with pytest.raises(DataError, match="snap_m=-1"):
        roads_from_lines(frame, snap_m=-1)


def test_unknown_oneway_values_warn():
    frame = roads(LineString([(0, 0), (0.1, 0)]), ow=["reversible-ish"])
    with pytest.warns(BorderlineWarning, match="1 roads have oneway values.*'reversible-ish'"):
        graph = roads_from_lines(frame, oneway_column="ow")
    assert not graph.edges.loc[0, "oneway"]


# --------------------------------------------------------------------------------------------- OSM PBF

try:
    import pyrosm
except ImportError:  # the reader is a declared dependency; without it only the PBF tests are skipped
    pyrosm = None

needs_pyrosm = pytest.mark.skipif(pyrosm is None, reason="pyrosm (the OSM PBF reader) is not importable")


@pytest.fixture(scope="module")
def small_pbf() -> Path:
    """pyrosm's small real OSM extract, shipped inside the package (no download)."""
    return Path(pyrosm.get_data("test_pbf"))


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    """pyrosm's Helsinki extract (685 kB), shipped inside the package."""
    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf: Path) -> RoadGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("error", BorderlineWarning)
        return roads_from_pbf(helsinki_pbf)


def osm_ways(path: Path, network: str = "driving") -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyrosm.OSM(str(path)).get_network(network_type=network)


@needs_pyrosm
def test_real_test_pbf_builds_a_consistent_graph(small_pbf):
    graph = roads_from_pbf(small_pbf)
    assert_consistent(graph)
    assert graph.n_edges > 100
    assert graph.provenance.dataset_id == "osm-pbf"
    assert "ODbL" in graph.provenance.licence
    ways = osm_ways(small_pbf)
    assert set(graph.edges["source_id"]) == set(ways["id"])
    # splitting at junctions keeps every metre of every way
    total_km = sum(geod_km(*g.coords) for g in ways.geometry)
    assert graph.edges["length_m"].sum() / 1000 == pytest.approx(total_km, rel=1e-9)
    assert set(graph.edges["road_class"]) <= set(DEFAULT_SPEEDS_KMH)


@needs_pyrosm
def test_helsinki_graph_matches_osm_topology(helsinki, helsinki_pbf):
    assert_consistent(helsinki)
    # pyrosm's own graph cuts ways at every vertex; its connectivity must equal ours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pnodes, pedges = pyrosm.OSM(str(helsinki_pbf)).get_network(network_type="driving", nodes=True)
    ids = {nid: i for i, nid in enumerate(pnodes["id"])}
    from scipy import sparse

    pu = np.array([ids[x] for x in pedges["u"]])
    pv = np.array([ids[x] for x in pedges["v"]])
    theirs = sparse.coo_matrix((np.ones(len(pu)), (pu, pv)), shape=(len(ids), len(ids)))
    n_theirs, _ = connected_components(theirs, directed=False)
    n_ours, _ = connected_components(helsinki.csr(), directed=False)
    assert n_ours == n_theirs
    # every node of ours is an OSM node: a way end or a junction
    osm_xy = {(round(x, 7), round(y, 7)) for x, y in zip(pnodes["lon"], pnodes["lat"], strict=True)}
    ours = {(round(x, 7), round(y, 7)) for x, y in shapely.get_coordinates(helsinki.nodes.geometry.values)}
    assert ours <= osm_xy
    # motorways and tagged one-ways are one-way
    assert helsinki.edges["oneway"].sum() > 0


@needs_pyrosm
def test_csr_shortest_paths_agree_with_networkx(helsinki):
    nx = pytest.importorskip("networkx", reason="networkx is only a cross-check")
    g = nx.DiGraph()
    g.add_nodes_from(range(helsinki.n_nodes))
    for u, v, w, one in helsinki.edges[["u", "v", "minutes", "oneway"]].itertuples(index=False):
        for a, b in ((u, v),) if one else ((u, v), (v, u)):
            if a != b and (not g.has_edge(a, b) or g[a][b]["w"] > w):
                g.add_edge(a, b, w=w)
    sources = np.random.default_rng(7).choice(helsinki.n_nodes, 10, replace=False)
    dist = dijkstra(helsinki.csr(), directed=True, indices=sources)
    for row, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(g, int(s), weight="w")
        reach = np.flatnonzero(np.isfinite(dist[row]))
        assert set(reach.tolist()) == set(ref)
        np.testing.assert_allclose(dist[row, reach], [ref[t] for t in reach], rtol=1e-12)


@needs_pyrosm
def test_helsinki_split_by_a_made_up_border(helsinki_pbf, helsinki):
    # two hand-made "states" meeting on the meridian through the middle of the extract
    xmin, ymin, xmax, ymax = helsinki.edges.total_bounds
    mid = float(np.median(shapely.get_coordinates(helsinki.nodes.geometry.values)[:, 0]))
    west = box(xmin - 1, ymin - 1, mid, ymax + 1)
    east = box(mid, ymin - 1, xmax + 1, ymax + 1)
    graph = roads_from_pbf(helsinki_pbf, states=make_states([("WST", west), ("EST", east)]))
    assert_consistent(graph)
    crossings = graph.nodes["crossing"].notna()
    assert crossings.sum() > 0
    assert set(graph.nodes.loc[crossings, "crossing"]) == {"EST–WST"}
    np.testing.assert_allclose(shapely.get_coordinates(graph.nodes.geometry.values[crossings])[:, 0], mid,
                               atol=1e-12)
    assert set(graph.edges["state"]) == {"WST", "EST"}
    assert graph.n_edges == helsinki.n_edges + crossings.sum() - _vertices_on(helsinki, mid)
    assert graph.edges["length_m"].sum() == pytest.approx(helsinki.edges["length_m"].sum(), rel=1e-9)
    xs = shapely.get_coordinates(graph.edges.geometry.values)
    west_edges = graph.edges["state"].to_numpy() == "WST"
    idx = shapely.get_coordinates(graph.edges.geometry.values, return_index=True)[1]
    assert (xs[west_edges[idx], 0] <= mid + 1e-12).all()


def _vertices_on(graph: RoadGraph, lon: float) -> int:
    """Nodes already on the meridian ``lon`` (the median node is one): a border through them splits no edge."""
    xy = shapely.get_coordinates(graph.nodes.geometry.values)
    return int((xy[:, 0] == lon).sum())


@needs_pyrosm
def test_pbf_bbox_and_network(helsinki_pbf, helsinki):
    xmin, ymin, xmax, ymax = helsinki.edges.total_bounds
    small = roads_from_pbf(helsinki_pbf, bbox=(xmin, ymin, (xmin + xmax) / 2, (ymin + ymax) / 2))
    assert 0 < small.n_edges < helsinki.n_edges
    # the walking network has classes outside the table (Helsinki tags some paths highway=trail): counted
    with pytest.warns(BorderlineWarning, match=r"road features have classes not in the speed table.*'trail'"):
        walking = roads_from_pbf(helsinki_pbf, network="walking")
    assert walking.n_edges > helsinki.n_edges
    assert {"footway", "primary"} <= set(walking.edges["road_class"])
    assert (walking.edges["speed_kmh"] == 5.0).all(), "walkers walk at 5 km/h on every class"


@needs_pyrosm
def test_check_pbf_reads_the_header(small_pbf):
    header = check_pbf(small_pbf)
    assert isinstance(header, dict)


@needs_pyrosm
def test_corrupt_block_is_one_clear_error(small_pbf, tmp_path):
    data = bytearray(small_pbf.read_bytes())
    data[5000:5064] = bytes(b ^ 0x5A for b in data[5000:5064])  # complete file, garbled compressed block
    bad = tmp_path / "garbled.osm.pbf"
    bad.write_bytes(bytes(data))
    with pytest.raises(InputFileError) as exc:
        roads_from_pbf(bad)
    msg = one_line(exc)
    assert f"cannot read {bad} as OSM PBF" in msg and "download it again" in msg


@needs_pyrosm
def test_truncated_pbf_is_one_clear_error(small_pbf, tmp_path):
    data = small_pbf.read_bytes()
    for cut in (len(data) // 2, 10, len(data) - 1):
        bad = tmp_path / f"cut{cut}.osm.pbf"
        bad.write_bytes(data[:cut])
        with pytest.raises(InputFileError) as exc:
            roads_from_pbf(bad)
        msg = one_line(exc)
        assert "truncated" in msg and str(bad) in msg and "download it again" in msg


def test_text_file_named_pbf_is_refused(tmp_path):
    bad = tmp_path / "roads.osm.pbf"
    bad.write_text("highway,name\nprimary,Main road\n")
    with pytest.raises(InputFileError) as exc:
        roads_from_pbf(bad)
    assert "not an OSM PBF file" in one_line(exc)
    empty = tmp_path / "empty.pbf"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="is empty"):
        roads_from_pbf(empty)


@needs_pyrosm
def test_missing_pbf_and_bad_arguments(tmp_path, small_pbf):
    with pytest.raises(InputFileError, match=r"file not found: .*nowhere\.osm\.pbf"):
        roads_from_pbf(tmp_path / "nowhere.osm.pbf")
    with pytest.raises(DataError, match="unknown network 'flying'"):
        roads_from_pbf(small_pbf, network="flying")
    with pytest.raises(DataError, match=r"bbox \(1, 2, 0, 3\)"):
        roads_from_pbf(small_pbf, bbox=(1, 2, 0, 3))
    with pytest.raises(DataError, match="bbox"):
        roads_from_pbf(small_pbf, bbox=(1, 2, 3))


@needs_pyrosm
def test_pbf_box_without_roads_is_an_error(small_pbf):
    with pytest.raises(DataError) as exc:
        roads_from_pbf(small_pbf, bbox=(-10.0, -10.0, -9.0, -9.0))
    assert "no driving roads within bbox" in one_line(exc)


@needs_pyrosm
def test_pbf_copy_with_other_suffix_still_reads(small_pbf, tmp_path):
    copy = tmp_path / "extract.bin"
    shutil.copy(small_pbf, copy)
    assert roads_from_pbf(copy).n_edges == roads_from_pbf(small_pbf).n_edges
