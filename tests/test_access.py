"""Access routing: hand-made worlds whose answers are known by construction, and the Vorukh case.

World: state A has a mainland (0..1° E) and an enclave inside state B (1..2° E) whose west edge lies 2 km
(geodesic, due east along 0.5° N) from the A–B border. The main road runs along 0.5° N from A's mainland into
the enclave, so it crosses exactly 2 km of B; expected lengths come from ``pyproj.Geod`` (``geod_km``).
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, box

from borderline.access import (
    Arrangement,
    RouteResult,
    Scenario,
    access_table,
    route,
    scenario_from_edges,
)
from borderline.cases import load_case_roads
from borderline.datasets import States
from borderline.errors import BorderlineWarning, DataError
from borderline.roads import RoadGraph, roads_from_lines
from tests.helpers import WGS84, geod_km, make_states

LAT = 0.5
X0 = float(WGS84.fwd(1.0, LAT, 90.0, 2000.0)[0])  # enclave west edge: 2 km east of the border
ENCLAVE = box(X0, 0.45, X0 + 0.1, 0.55)
HOME = (0.5, LAT)
MID = (0.8, LAT)
VILLAGE = (X0 + 0.05, LAT)
INNER = (X0 + 0.03, LAT)
B_KM = geod_km((1.0, LAT), (X0, LAT))


def world_states() -> States:
    host = box(1.0, 0.0, 2.0, 1.0).difference(ENCLAVE)
    return make_states([("A", MultiPolygon([box(0.0, 0.0, 1.0, 1.0), ENCLAVE])), ("B", host)])


def world(with_bypass: bool = True) -> RoadGraph:
    geoms = [LineString([HOME, MID, INNER, VILLAGE])]
    names = ["main"]
    if with_bypass:
        geoms.append(LineString([MID, (0.8, 0.52), (INNER[0], 0.52), INNER]))
        names.append("bypass")
    lines = gpd.GeoDataFrame({"highway": ["primary"] * len(geoms), "name": names}, geometry=geoms, crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return roads_from_lines(lines, name_column="name", states=world_states())


def node_at(graph: RoadGraph, xy: tuple[float, float]) -> int:
    pts = shapely.get_coordinates(graph.nodes.geometry.values)
    hit = np.flatnonzero(np.abs(pts - xy).max(axis=1) < 1e-9)
    assert len(hit) == 1
    return int(hit[0])


def main_b_edge(graph: RoadGraph) -> int:
    e = graph.edges
    sel = e[(e["name"] == "main") & (e["state"] == "B")]
    assert len(sel) == 1
    return int(sel["edge_id"].iloc[0])


@pytest.fixture(scope="module")
def g() -> RoadGraph:
    return world()


def go(graph: RoadGraph, scenario: Scenario | None = None, **kw: str) -> RouteResult:
    return route(graph, node_at(graph, VILLAGE), node_at(graph, HOME), state="A", scenario=scenario, **kw)


# --------------------------------------------------------------------------------------------- hand-made world


def test_enclave_road_through_host_counts_two_km_and_two_crossings() -> None:
    graph = world(with_bypass=False)
    r = go(graph)
    assert r.found and r.reason == ""
    assert set(r.foreign_km) == {"B"}
    assert r.foreign_km["B"] == pytest.approx(2.0, rel=0.005)
    assert r.foreign_km["B"] == pytest.approx(B_KM, rel=1e-6)
    assert r.n_crossings == 2 and r.n_border_nodes == 2
    assert not r.sovereign_only and math.isnan(r.sovereign_only_km)
    assert r.km == pytest.approx(geod_km(VILLAGE, INNER, MID, HOME), rel=1e-6)
    assert r.minutes == pytest.approx(r.km / 65.0 * 60.0, rel=1e-6)  # primary: 65 km/h
    assert r.territory_km["A"] == pytest.approx(r.km - B_KM, rel=1e-6)
    assert len(r.path_edge_ids) == 3
    assert r.geometry is not None and r.geometry.geom_type in ("LineString", "MultiLineString")
    assert shapely.length(r.geometry) == pytest.approx(VILLAGE[0] - HOME[0], rel=1e-9)
    assert r.schematic is False and r.source == graph.provenance.label() and r.scenario == "as is"


def test_by_length_the_same_route(g: RoadGraph) -> None:
    r = go(g, weight="length_m")
    assert r.found and r.foreign_km["B"] == pytest.approx(B_KM, rel=1e-6)


def test_neutral_stretch_is_not_foreign_for_its_users(g: RoadGraph) -> None:
    neutral = Scenario("neutral", (Arrangement((main_b_edge(g),), "neutral", ("A",)),))
    r = go(g, neutral)
    assert r.found and r.foreign_km == {} and r.n_crossings == 0
    assert r.territory_km["neutral"] == pytest.approx(B_KM, rel=1e-6)
    assert r.n_border_nodes == 2  # the physical border points are still passed
    assert r.sovereign_only and r.sovereign_only_km == pytest.approx(r.km, rel=1e-9)
    # for a state that is not a user, the stretch stays B's
    other = route(g, node_at(g, VILLAGE), node_at(g, HOME), state="C", scenario=neutral)
    assert other.foreign_km["B"] == pytest.approx(B_KM, rel=1e-6)


def test_shared_stretch_is_not_foreign_for_its_users(g: RoadGraph) -> None:
    r = go(g, Scenario("shared", (Arrangement((main_b_edge(g),), "shared", ("A", "B")),)))
    assert r.foreign_km == {} and r.territory_km["shared"] == pytest.approx(B_KM, rel=1e-6)


def test_closed_crossing_leaves_the_enclave_without_a_route() -> None:
    graph = world(with_bypass=False)
    r = go(graph, Scenario("closed", (Arrangement((main_b_edge(graph),), "closed"),)))
    assert not r.found and r.reason == "no route"
    assert math.isnan(r.km) and r.geometry is None and r.path_edge_ids == () and not r.sovereign_only
    # closed for another state only: still open for A
    r2 = go(graph, Scenario("closed for C", (Arrangement((main_b_edge(graph),), "closed", ("C",)),)))
    assert r2.found


def test_new_corridor_bypass_gives_a_sovereign_route_only_when_built(g: RoadGraph) -> None:
    arrangements = (Arrangement(("bypass",), "new"), Arrangement(("bypass",), "corridor", ("A",)))
    without = go(g, Scenario("not built", arrangements, include_new=False))
    built = go(g, Scenario("built", arrangements, include_new=True))
    bypass_km = geod_km(VILLAGE, INNER, (INNER[0], 0.52), (0.8, 0.52), MID, HOME)
    assert without.found and not without.sovereign_only
    assert built.found and built.sovereign_only
    assert built.sovereign_only_km == pytest.approx(bypass_km, rel=1e-6)
    assert built.sovereign_only_minutes > built.minutes
    assert built.least_foreign_km == 0 and built.least_foreign_route_km == pytest.approx(bypass_km, rel=1e-6)
    assert without.least_foreign_km == pytest.approx(B_KM, rel=1e-6)
    # the fastest route is still the main road through B
    assert built.foreign_km["B"] == pytest.approx(B_KM, rel=1e-6)
    # without arrangements the bypass is an ordinary road through B
    plain = go(g)
    assert not plain.sovereign_only


def test_corridor_counts_as_its_sovereigns_territory(g: RoadGraph) -> None:
    a_edge = int(g.edges[(g.edges["name"] == "main") & (g.edges["state"] == "A")]["edge_id"].iloc[0])
    own = go(g, Scenario("A corridor", (Arrangement((main_b_edge(g),), "corridor", ("A",)),)))
    assert own.foreign_km == {} and own.n_crossings == 0 and own.sovereign_only
    theirs = go(g, Scenario("B corridor", (Arrangement((a_edge,), "corridor", ("B",)),)))
    a_len = float(g.edges.loc[g.edges["edge_id"] == a_edge, "length_m"].iloc[0]) / 1000.0
    assert a_edge in theirs.path_edge_ids
    assert theirs.foreign_km["B"] == pytest.approx(B_KM + a_len, rel=1e-6)
    with pytest.raises(DataError, match="exactly one user"):
        go(g, Scenario("bad", (Arrangement((a_edge,), "corridor", ("A", "B")),)))


def test_point_origin_is_snapped_geodesically_and_destination_sets_take_the_nearest(g: RoadGraph) -> None:
    p = (VILLAGE[0], VILLAGE[1] + 1e-4)
    r = route(g, Point(p), [node_at(g, HOME), node_at(g, MID)], state="A")
    assert route(g, p, node_at(g, HOME), state="A").origin_node == node_at(g, VILLAGE)
    assert r.origin_node == node_at(g, VILLAGE)
    assert r.snap_m == pytest.approx(geod_km(p, VILLAGE) * 1000.0, rel=1e-6)
    assert r.destination_node == node_at(g, MID)
    assert r.km == pytest.approx(geod_km(VILLAGE, INNER, MID), rel=1e-6)
    same = route(g, node_at(g, HOME), node_at(g, HOME), state="A")
    assert same.found and same.km == 0 and same.path_edge_ids == () and same.sovereign_only


def test_unknown_values_raise_one_line_data_errors(g: RoadGraph) -> None:
    home = node_at(g, HOME)
    for bad, pattern in ((9999, "node 9999"), ("Atlantis", "'Atlantis'")):
        with pytest.raises(DataError, match=pattern) as info:
            route(g, bad, home, state="A")
        assert "\n" not in str(info.value)
    for key in (9999, "no-such-road"):
        with pytest.raises(DataError, match=repr(key)) as info:
            go(g, Scenario("bad", (Arrangement((key,), "closed"),)))
        assert "\n" not in str(info.value)
    with pytest.raises(DataError, match="weight"):
        go(g, weight="hours")


def test_access_table_one_row_per_origin_and_scenario(g: RoadGraph) -> None:
    scen = [Scenario("as built", ()), Scenario("closed", (Arrangement((main_b_edge(g),), "closed"),))]
    origins = {"village": node_at(g, VILLAGE), "mid": node_at(g, MID)}
    t = access_table(g, origins, node_at(g, HOME), "A", scen)
    assert list(zip(t["origin"], t["scenario"], strict=True)) == [
        ("village", "as built"), ("village", "closed"), ("mid", "as built"), ("mid", "closed")]
    assert t.crs.to_epsg() == 4326
    assert t["foreign_km"].tolist()[0] == pytest.approx(B_KM, rel=1e-6)
    assert t["found"].tolist() == [True, True, True, True]  # the bypass (through B) still links the enclave
    assert t["foreign_km"].iloc[1] > 0 and t["foreign_km"].iloc[2] == 0
    assert t.attrs["provenance"] == g.provenance.as_dict()
    per_origin = access_table(g, origins, {"village": node_at(g, HOME), "mid": node_at(g, HOME)},
                              {"village": "A", "mid": "A"}, scen)
    assert per_origin["km"].tolist() == pytest.approx(t["km"].tolist())


# --------------------------------------------------------------------------------------------- the case


@pytest.fixture(scope="module")
def case_graph(naturalearth: States) -> RoadGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        return load_case_roads("kgz-tjk", states=naturalearth)


def test_vorukh_to_isfara_before_and_after_2025(case_graph: RoadGraph) -> None:
    before = scenario_from_edges(case_graph, "before 2025", include_new=False, arrangements=False)
    after = scenario_from_edges(case_graph, "after 2025", include_new=True)
    assert {a.kind for a in before.arrangements} == {"new"}
    assert {"new", "neutral"} <= {a.kind for a in after.arrangements}
    r0 = route(case_graph, "vorukh", "isfara", state="TJK", scenario=before)
    r1 = route(case_graph, "vorukh", "isfara", state="TJK", scenario=after)
    print(f"\nVorukh → Isfara before 2025: {r0.km:.2f} km, {r0.minutes:.1f} min, foreign {r0.foreign_km}, "
          f"{r0.n_crossings} crossings, sovereign-only {r0.sovereign_only}, least foreign {r0.least_foreign_km:.2f} km "
          f"({r0.least_foreign_route_km:.2f} km, {r0.least_foreign_minutes:.1f} min)")
    print(f"Vorukh → Isfara after 2025: {r1.km:.2f} km, {r1.minutes:.1f} min, foreign {r1.foreign_km}, "
          f"{r1.n_crossings} crossings, sovereign-only {r1.sovereign_only}, least foreign {r1.least_foreign_km:.2f} km "
          f"({r1.least_foreign_route_km:.2f} km, {r1.least_foreign_minutes:.1f} min)")
    assert r0.found and r1.found
    assert r0.foreign_km["KGZ"] > 0
    # the fastest route is unchanged (the new neutral Dacha–Kapchygai road is slower than the Ak-Sai stretch);
    # what drops is the least foreign exposure a Tajik traveller can choose
    assert r1.foreign_km.get("KGZ", 0.0) <= r0.foreign_km["KGZ"]
    assert r0.least_foreign_km == pytest.approx(r0.foreign_km["KGZ"])
    assert r1.least_foreign_km < r0.least_foreign_km
    assert r0.schematic and r1.schematic
    # minimising kilometres, the after-2025 route takes the neutral Dacha–Kapchygai road
    k0 = route(case_graph, "vorukh", "isfara", state="TJK", scenario=before, weight="length_m")
    k1 = route(case_graph, "vorukh", "isfara", state="TJK", scenario=after, weight="length_m")
    print(f"by km: before {k0.km:.2f} km, foreign {k0.foreign_km}; after {k1.km:.2f} km, foreign {k1.foreign_km}")
    assert k1.foreign_km.get("KGZ", 0.0) < k0.foreign_km["KGZ"]
    assert k1.territory_km["neutral"] > 0
    table = access_table(case_graph, {"Vorukh": "vorukh"}, "isfara", "TJK", [before, after])
    assert table["foreign_km"].tolist() == pytest.approx([r0.foreign_km_total, r1.foreign_km_total])
