"""Flashpoints: hand-made worlds in the empty South Pacific (no GeoNames place within 10 km), and the case.

World: state A is the box 141–140° W, B the box 140–139° W, both 51–49° S; their border is the meridian 140° W.
Distances in metres are laid off with ``pyproj.Geod`` (``WGS84.fwd``), lengths checked with ``geod_km``.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, box

from borderline.access import route
from borderline.cases import load_case_roads
from borderline.datasets import States
from borderline.errors import DataError
from borderline.flashpoints import COLUMNS, flashpoints
from borderline.roads import RoadGraph, roads_from_lines
from tests.helpers import WGS84, geod_km, make_states

BORDER_LON = -140.0
LAT = -50.0
SCORE_PARTS = ["score_road_class", "score_population", "score_dependency", "score_incidents", "score_status"]


def east_of(lon: float, lat: float, metres: float) -> float:
    """Longitude ``metres`` due east (negative: west) of (lon, lat), geodesic."""
    az = 90.0 if metres >= 0 else 270.0
    return float(WGS84.fwd(lon, lat, az, abs(metres))[0])


def two_states() -> States:
    return make_states([("A", box(-141.0, -51.0, -140.0, -49.0)), ("B", box(-140.0, -51.0, -139.0, -49.0))])


def graph_of(lines: list[LineString], classes: list[str], states: States, names: list[str] | None = None) -> RoadGraph:
    frame = gpd.GeoDataFrame({"highway": classes, "name": names or [f"road {i}" for i in range(len(lines))]},
                             geometry=lines, crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return roads_from_lines(frame, name_column="name", states=states)


def test_road_across_the_border_is_one_crossing() -> None:
    states = two_states()
    g = graph_of([LineString([(-140.1, LAT), (-139.9, LAT)])], ["primary"], states)
    fp = flashpoints(g, states)
    assert len(fp) == 1
    row = fp.iloc[0]
    assert row["kind"] == "crossing" and row["pair"] == "A–B" and row["states"] == "A;B"
    assert row.geometry.x == pytest.approx(BORDER_LON, abs=1e-9)
    assert row.geometry.y == pytest.approx(LAT, abs=1e-9)
    assert row["road_class"] == "primary" and row["score_road_class"] == 1.0
    assert row["population"] == 0 and row["score_population"] == 0.0
    assert row["score"] == pytest.approx(1.0)
    assert row["road_names"] == "road 0" and np.isnan(row["km"])
    assert not row["schematic"]
    assert row["source"] == g.provenance.label()
    assert fp.crs is not None and fp.crs.to_epsg() == 4326


def meeting_world() -> tuple[RoadGraph, States]:
    states = two_states()
    a_end = east_of(BORDER_LON, LAT, -150.0)
    b_end = east_of(BORDER_LON, LAT, 150.0)
    lines = [LineString([(-140.05, LAT), (a_end, LAT)]), LineString([(b_end, LAT), (-139.95, LAT)])]
    return graph_of(lines, ["secondary", "tertiary"], states, ["west road", "east road"]), states


def test_roads_ending_300_m_apart_meet_within_500_m_only() -> None:
    g, states = meeting_world()
    ends = [(east_of(BORDER_LON, LAT, -150.0), LAT), (east_of(BORDER_LON, LAT, 150.0), LAT)]
    assert geod_km(*ends) == pytest.approx(0.3, rel=1e-6)
    fp = flashpoints(g, states, near_m=500.0)
    meet = fp[fp["kind"] == "meeting"]
    assert len(meet) == 1 and len(fp) == 1
    row = meet.iloc[0]
    assert row["pair"] == "A–B"
    assert row.geometry.x == pytest.approx(BORDER_LON, abs=1e-6)
    assert row.geometry.y == pytest.approx(LAT, abs=1e-6)
    assert row["road_names"] == "east road; west road"
    assert row["road_class"] == "secondary" and row["score_road_class"] == 0.8
    assert len(row["edge_ids"]) == 2
    empty = flashpoints(g, states, near_m=100.0)
    assert len(empty) == 0 and list(empty.columns) == COLUMNS


def test_road_joined_through_a_crossing_is_not_a_meeting() -> None:
    states = two_states()
    lines = [LineString([(east_of(BORDER_LON, LAT, -150.0), LAT), (east_of(BORDER_LON, LAT, 150.0), LAT)])]
    fp = flashpoints(graph_of(lines, ["primary"], states), states, near_m=500.0)
    assert fp["kind"].tolist() == ["crossing"]


def test_road_100_m_from_the_border_is_a_parallel_stretch() -> None:
    states = two_states()
    x = east_of(BORDER_LON, -50.02, -100.0)
    road = LineString([(x, -50.02), (x, -50.06)])
    g = graph_of([road], ["tertiary"], states)
    fp = flashpoints(g, states, along_m=200.0)
    assert fp["kind"].tolist() == ["parallel"]
    row = fp.iloc[0]
    assert row["pair"] == "A–B"
    assert row["km"] == pytest.approx(geod_km((x, -50.02), (x, -50.06)), rel=0.02)
    assert row.geometry.geom_type == "LineString"
    assert row["score_road_class"] == 0.6 and row["population"] == 0
    # 50 m is too narrow a band for a road 100 m away
    assert len(flashpoints(g, states, along_m=50.0)) == 0


def test_road_across_the_border_is_not_parallel() -> None:
    states = two_states()
    g = graph_of([LineString([(-140.05, LAT), (-139.95, LAT)])], ["primary"], states)
    assert "parallel" not in set(flashpoints(g, states, along_m=200.0)["kind"])


# enclave world, as in tests/test_access.py but in the South Pacific: A's enclave lies 2 km inside B
X0 = east_of(BORDER_LON, LAT, 2000.0)
ENCLAVE = box(X0, LAT - 0.05, X0 + 0.1, LAT + 0.05)
HOME = (-140.5, LAT)
VILLAGE = (X0 + 0.05, LAT)


def enclave_world() -> tuple[RoadGraph, States]:
    host = box(-140.0, -50.5, -139.0, -49.5).difference(ENCLAVE)
    states = make_states([("A", MultiPolygon([box(-141.0, -50.5, -140.0, -49.5), ENCLAVE])), ("B", host)])
    return graph_of([LineString([HOME, (-140.2, LAT), VILLAGE])], ["secondary"], states, ["main"]), states


def node_at(graph: RoadGraph, xy: tuple[float, float]) -> int:
    pts = shapely.get_coordinates(graph.nodes.geometry.values)
    hit = np.flatnonzero(np.abs(pts - xy).max(axis=1) < 1e-9)
    assert len(hit) == 1
    return int(hit[0])


def test_dependency_on_the_foreign_stretch_scores_one() -> None:
    g, states = enclave_world()
    r = route(g, node_at(g, VILLAGE), node_at(g, HOME), state="A")
    assert r.found and r.foreign_km["B"] == pytest.approx(2.0, rel=0.005)
    deps = pd.DataFrame([{"state": r.state, "path_edge_ids": r.path_edge_ids}])
    fp = flashpoints(g, states, dependencies=deps)
    dep = fp[fp["kind"] == "dependency"]
    assert len(dep) == 1
    row = dep.iloc[0]
    assert row["pair"] == "A–B" and row["score_dependency"] == 1.0
    assert row["km"] == pytest.approx(r.foreign_km["B"], rel=1e-9)
    b_edges = set(g.edges.loc[g.edges["state"] == "B", "edge_id"])
    assert set(row["edge_ids"]) == b_edges
    # the two crossings the route passes depend on it too; without dependencies nothing scores it
    cross = fp[fp["kind"] == "crossing"]
    assert len(cross) == 2 and (cross["score_dependency"] == 1.0).all()
    plain = flashpoints(g, states)
    assert (plain["score_dependency"] == 0.0).all() and "dependency" not in set(plain["kind"])


def test_scores_are_sums_sorted_descending() -> None:
    g, states = enclave_world()
    r = route(g, node_at(g, VILLAGE), node_at(g, HOME), state="A")
    fp = flashpoints(g, states, dependencies=pd.DataFrame([{"state": "A", "path_edge_ids": r.path_edge_ids}]))
    assert len(fp) >= 3
    assert np.all(np.diff(fp["score"].to_numpy()) <= 0)
    assert np.allclose(fp[SCORE_PARTS].sum(axis=1), fp["score"])
    assert (fp["score_incidents"] == 0.0).all() and (fp["score_status"] == 0.0).all()
    assert fp["flashpoint_id"].is_unique


def test_bad_input_is_one_line_data_error() -> None:
    states = two_states()
    g = graph_of([LineString([(-140.1, LAT), (-139.9, LAT)])], ["primary"], states)
    no_cross = RoadGraph(g.nodes.drop(columns="crossing"), g.edges, g.provenance)
    cases = [
        lambda: flashpoints(no_cross, states),
        lambda: flashpoints(g, states, near_m=-1.0),
        lambda: flashpoints(g, states, along_m=-5.0),
        lambda: flashpoints(g, states, population_radius_km=float("nan")),
        lambda: flashpoints(g, states, dependencies=pd.DataFrame({"state": ["A"]})),
        lambda: flashpoints(g, states, dependencies=pd.DataFrame({"state": ["A"], "path_edge_ids": [(999,)]})),
    ]
    for call in cases:
        with pytest.raises(DataError) as err:
            call()
        assert "\n" not in str(err.value)


def test_case_has_schematic_kgz_tjk_crossings(naturalearth: States) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = load_case_roads("kgz-tjk", naturalearth)
    fp = flashpoints(g, naturalearth)
    cross = fp[(fp["kind"] == "crossing") & (fp["pair"] == "KGZ–TJK")]
    assert len(cross) >= 1
    assert fp["schematic"].all() and fp["source"].str.contains("schematic").all()
    assert (fp["population"] > 0).any()
    assert np.all(np.diff(fp["score"].to_numpy()) <= 0)
