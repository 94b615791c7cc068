"""Compiled early-exit searches (:mod:`borderline.shortest_paths`): exact against an independent reference.

The reference is :func:`scipy.sparse.csgraph.dijkstra` on CSRs built here from the graph's edge table (one-way
edges one way, self-loops left out, the cheapest of parallel edges), with the weights of each search worked out
here from the edges' ``state`` and the scenario's arrangements: fastest (the weight on usable edges), sovereign
only (usable edges not foreign to the traveller) and least foreign (``length_m`` on foreign edges, 0 elsewhere,
plus a tiny tie-break on the weight). Random worlds (seeded) are jittered grids of roads of random classes, some
one-way, over 2-4 rectangular states, one of which has an enclave inside its neighbour, and an isolated road far
away; hand-made graphs pin down the edge cases (zero-minute edges, parallel edges, one-way edges, self-loops).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiPolygon, Point, box

from borderline import shortest_paths
from borderline.access import Arrangement, Scenario, access_table, route
from borderline.datasets import Provenance
from borderline.roads import EDGE_COLUMNS, NODE_COLUMNS, RoadGraph, roads_from_lines
from tests.helpers import WGS84, make_states

CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "track")
ISOLATED = ((3.0, 3.0), (3.05, 3.0))  # a road far from everything else: nothing links it to the grid
HOME_LIKE = ("neutral", "shared")
REL = 1e-9  # relative tolerance on minutes and route lengths
LF_ABS_KM = 1e-6  # absolute tolerance on least-foreign kilometres


# --------------------------------------------------------------------------------------------- worlds


@dataclass(frozen=True)
class World:
    graph: RoadGraph
    codes: tuple[str, ...]  # state codes; "S0" has a mainland strip and an enclave inside "S1"
    mainland: list[int]  # nodes of S0's mainland
    enclave: list[int]  # nodes of S0 inside its enclave
    isolated: list[int]  # the two nodes of the isolated road
    seed: int


def random_world(seed: int, n: int = 10, at: tuple[float, float] = (0.0, 0.0)) -> World:
    """A jittered n × n grid of roads (random classes, some one-way, some diagonals, some gaps) over states.

    The grid spans 1° × 1° from ``at`` (lon, lat). States are rectangles over the band 0.08..0.92° north of
    ``at`` (roads north and south of it lie in no state): S0 the west strip, S1 the next strip with an enclave
    of S0 in its middle, and S2, S3 (when there are 3 or 4 states) stacked north to south in the east.
    """
    rng = np.random.default_rng(seed)
    step = 1.0 / (n - 1)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n), indexing="ij"), axis=-1)
    pts = np.round(grid + rng.uniform(-0.3, 0.3, grid.shape) * step, 6)
    geoms: list[LineString] = []
    oneway: list[str] = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1), (1, 1)):
                a, b = i + di, j + dj
                if a >= n or b >= n or ((di, dj) == (1, 1) and rng.random() > 0.15) or rng.random() < 0.08:
                    continue
                geoms.append(LineString([pts[i, j], pts[a, b]]))
                r = rng.random()
                oneway.append("yes" if r < 0.08 else "-1" if r < 0.12 else "no")
    geoms.append(LineString(ISOLATED))
    oneway.append("no")
    classes = [str(c) for c in rng.choice(CLASSES, len(geoms))]
    n_states = int(rng.integers(2, 5))
    c1 = float(rng.uniform(0.2, 0.3))
    c2 = c1 + float(rng.uniform(0.4, 0.5)) if n_states > 2 else 0.95
    lo, hi = 0.08, 0.92
    mid = (c1 + c2) / 2
    half = min(0.13, (c2 - c1) / 3)
    enclave = box(mid - half, 0.35, mid + half, 0.65)
    codes = tuple(f"S{k}" for k in range(n_states))
    items: list[tuple[str, shapely.Geometry]] = [
        ("S0", MultiPolygon([box(-0.05, lo, c1, hi), enclave])),
        ("S1", box(c1, lo, c2, hi).difference(enclave)),
    ]
    cuts = np.linspace(lo, hi, n_states - 1)
    items += [(codes[k + 2], box(c2, cuts[k], 0.95, cuts[k + 1])) for k in range(n_states - 2)]
    shift = np.array(at)
    geoms = [shapely.transform(x, lambda c: c + shift) for x in geoms]
    items = [(c, shapely.transform(x, lambda c: c + shift)) for c, x in items]
    lines = gpd.GeoDataFrame({"highway": classes, "ow": oneway}, geometry=geoms, crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = roads_from_lines(lines, oneway_column="ow", states=make_states(items))
    xy = shapely.get_coordinates(graph.nodes.geometry.values) - shift
    s0 = (graph.nodes["state"] == "S0").to_numpy()
    inside = shapely.contains_xy(enclave, xy[:, 0], xy[:, 1])
    mainland = np.flatnonzero(s0 & (xy[:, 0] < c1)).tolist()
    enclave_nodes = np.flatnonzero(s0 & inside).tolist()
    isolated = np.flatnonzero(xy[:, 0] > 2.0).tolist()
    assert len(mainland) >= 5 and len(enclave_nodes) >= 1 and len(isolated) == 2, seed
    return World(graph, codes, mainland, enclave_nodes, isolated, seed)


PROVENANCE = Provenance("test", "1", "CC0", "hand-made", "tests")


def hand_graph(points: list[tuple[float, float]], edges: list[dict[str, Any]]) -> RoadGraph:
    """A RoadGraph straight from node points and edge rows (``u``, ``v``, ``minutes``; optional ``state``,
    ``oneway``, ``length_m`` (default: the geodesic between the ends)), for cases roads_from_lines never builds
    (zero-minute edges, self-loops)."""
    label = PROVENANCE.label()
    rows = []
    for i, e in enumerate(edges):
        (x1, y1), (x2, y2) = points[e["u"]], points[e["v"]]
        length = e.get("length_m", WGS84.inv(x1, y1, x2, y2)[2])
        rows.append({"edge_id": i, "u": e["u"], "v": e["v"], "road_class": "primary", "state": e.get("state"),
                     "on_border": None, "length_m": float(length),
                     "speed_kmh": 60.0, "minutes": float(e["minutes"]), "oneway": bool(e.get("oneway", False)),
                     "name": e.get("name"), "source_id": i, "source": label,
                     "geometry": LineString([points[e["u"]], points[e["v"]]])})
    edge_frame = gpd.GeoDataFrame(pd.DataFrame(rows)[EDGE_COLUMNS], geometry="geometry", crs=4326)
    node_frame = gpd.GeoDataFrame({
        "node_id": np.arange(len(points)), "state": [None] * len(points), "crossing": [None] * len(points),
        "name": [None] * len(points), "source": [label] * len(points),
        "geometry": [Point(p) for p in points]}, geometry="geometry", crs=4326)[NODE_COLUMNS]
    return RoadGraph(node_frame, edge_frame, PROVENANCE)


# --------------------------------------------------------------------------------------------- the reference


@dataclass(frozen=True)
class Best:
    cost: float
    dest: int
    edges: tuple[int, ...]


def arcs(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed arcs (from, to, edge position): one-way edges u → v, the others both ways, no self-loops."""
    e = graph.edges
    u, v = e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)
    two = ~e["oneway"].to_numpy(dtype=bool)
    pos = np.arange(len(e))
    a, b, ed = np.r_[u, v[two]], np.r_[v, u[two]], np.r_[pos, pos[two]]
    keep = a != b
    return a[keep], b[keep], ed[keep]


def reference_routes(graph: RoadGraph, cost: np.ndarray, origins: list[int],
                     targets: list[list[int]]) -> list[Best | None]:
    """Cheapest route from each origin to the nearest of its targets by scipy's dijkstra (edge cost inf: unusable)."""
    n = graph.n_nodes
    a, b, ed = arcs(graph)
    c = cost[ed]
    ok = np.isfinite(c)
    a, b, ed, c = a[ok], b[ok], ed[ok], c[ok]
    order = np.lexsort((c, b, a))
    a, b, ed, c = a[order], b[order], ed[order], c[order]
    first = np.ones(len(a), dtype=bool)  # the cheapest of parallel arcs
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, ed, c = a[first], b[first], ed[first], c[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    m = sparse.csr_matrix((c, b, indptr), shape=(n, n))  # explicit zeros are edges for csgraph
    lookup = dict(zip(zip(a.tolist(), b.tolist(), strict=True), ed.tolist(), strict=True))
    uniq = sorted(set(origins))
    dist, pred = dijkstra(m, directed=True, indices=uniq, return_predecessors=True)
    row = {o: i for i, o in enumerate(uniq)}
    out: list[Best | None] = []
    for o, t in zip(origins, targets, strict=True):
        d = dist[row[o], t]
        if not np.isfinite(d.min()):
            out.append(None)
            continue
        dest = int(np.asarray(t)[np.argmin(d)])
        path: list[int] = []
        x = dest
        while x != o:
            p = int(pred[row[o], x])
            path.append(lookup[(p, x)])
            x = p
        out.append(Best(float(d.min()), dest, tuple(reversed(path))))
    return out


def jurisdiction(graph: RoadGraph, state: str, scenario: Scenario | None) -> tuple[np.ndarray, np.ndarray]:
    """Per edge: usable, and foreign to a traveller from ``state`` (the access module's rules, re-derived)."""
    e = graph.edges
    label = np.array([None if s is None or (isinstance(s, float) and math.isnan(s)) else s for s in e["state"]],
                     dtype=object)
    usable = np.ones(len(e), dtype=bool)
    new = np.zeros(len(e), dtype=bool)
    if scenario is not None:
        ids = e["edge_id"].to_numpy()
        for arr in scenario.arrangements:
            hit = np.isin(ids, np.array(arr.edges, dtype=np.int64))
            applies = not arr.users or state in arr.users
            if arr.kind == "new":
                new |= hit
            elif arr.kind == "closed":
                if applies:
                    usable &= ~hit
            elif arr.kind == "corridor":
                label[hit] = arr.users[0]
            elif applies:  # neutral, shared
                label[hit] = arr.kind
        if not scenario.include_new:
            usable &= ~new
    foreign = np.array([lab is not None and lab != state and lab not in HOME_LIKE for lab in label], dtype=bool)
    return usable, foreign


def expected(graph: RoadGraph, origins: list[int], targets: list[list[int]], states: list[str],
             scenario: Scenario | None, weight: str = "minutes") -> list[dict[str, Any]]:
    """What access_table / route must report for each origin, from the reference."""
    e = graph.edges
    w = e[weight].to_numpy(dtype=float)
    length = e["length_m"].to_numpy(dtype=float)
    minutes = e["minutes"].to_numpy(dtype=float)
    tie = 1e-6 / max(float(w.max()), 1e-12)  # only breaks ties between routes of equal foreign metres
    out: list[dict[str, Any]] = [{} for _ in origins]
    for st in sorted(set(states)):
        idx = [i for i, s in enumerate(states) if s == st]
        usable, foreign = jurisdiction(graph, st, scenario)
        o, t = [origins[i] for i in idx], [targets[i] for i in idx]
        fast = reference_routes(graph, np.where(usable, w, np.inf), o, t)
        sov = reference_routes(graph, np.where(usable & ~foreign, w, np.inf), o, t)
        lf = reference_routes(graph, np.where(usable, np.where(foreign, length, 0.0) + tie * w, np.inf), o, t)

        def stats(r: Best | None, foreign: np.ndarray = foreign) -> tuple[float, float, float]:
            if r is None:
                return math.nan, math.nan, math.nan
            p = np.array(r.edges, dtype=np.int64)
            return (float(length[p].sum()) / 1000, float(minutes[p].sum()),
                    float(length[p][foreign[p]].sum()) / 1000)

        for i, f, s, lfr in zip(idx, fast, sov, lf, strict=True):
            km, mins, fkm = stats(f)
            skm, smin, _ = stats(s)
            lkm, lmin, lfkm = stats(lfr)
            out[i] = dict(found=f is not None, destination_node=f.dest if f else -1, km=km, minutes=mins,
                          foreign_km=fkm if f else 0.0, path=f.edges if f else (), sovereign_only=s is not None,
                          sovereign_only_km=skm, sovereign_only_minutes=smin, least_foreign_km=lfkm,
                          least_foreign_route_km=lkm, least_foreign_minutes=lmin)
    return out


COMPARED = ("found", "destination_node", "km", "minutes", "foreign_km", "sovereign_only", "sovereign_only_km",
            "sovereign_only_minutes", "least_foreign_km", "least_foreign_route_km", "least_foreign_minutes")


def differences(got: dict[str, Any], exp: dict[str, Any], ctx: str,
                keys: tuple[str, ...] = COMPARED) -> list[str]:
    """Fields of one result that disagree with the reference (empty: all agree); the path too with every key."""
    bad = []
    for key in keys:
        g, x = got[key], exp[key]
        if key in ("found", "sovereign_only", "destination_node"):
            ok = bool(g == x)
        elif math.isnan(x):
            ok = math.isnan(g)
        elif key in ("foreign_km", "least_foreign_km"):
            ok = abs(g - x) <= LF_ABS_KM
        else:
            ok = math.isclose(g, x, rel_tol=REL, abs_tol=1e-12)
        if not ok:
            bad.append(f"{ctx}: {key} expected {x!r}, got {g!r}")
    if not got["found"]:
        if got.get("reason", "no route") != "no route":
            bad.append(f"{ctx}: reason {got['reason']!r} for a missing route")
    elif keys == COMPARED and "path_edge_ids" in got and tuple(got["path_edge_ids"]) != tuple(exp["path"]):
        bad.append(f"{ctx}: path expected {exp['path']}, got {got['path_edge_ids']}")
    return bad


def table_rows(table: gpd.GeoDataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["origin"], r["scenario"]): r for r in table.drop(columns="geometry").to_dict("records")}


def result_dict(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in (*COMPARED, "reason", "path_edge_ids")} | {"foreign_km": r.foreign_km_total}


# --------------------------------------------------------------------------------------------- scenarios


def world_scenarios(w: World, weight: str) -> tuple[list[Scenario | None], int]:
    """As is; every kind of arrangement (without and with new roads); neutral only. Also the enclave origin whose
    as-is fastest route the neutral arrangement covers."""
    g = w.graph
    rng = np.random.default_rng(1000 + w.seed)
    m = g.n_edges
    origin = w.enclave[0]
    base = expected(g, [origin], [w.mainland], ["S0"], None, weight)[0]
    assert base["found"] and not base["sovereign_only"], "the enclave is reached only through S1 (by construction)"
    _, foreign = jurisdiction(g, "S0", None)
    neutral_ids = [int(i) for i in base["path"] if foreign[i]]
    assert neutral_ids
    neutral = Arrangement(tuple(neutral_ids), "neutral", ("S0",))
    rest = rng.permutation(np.setdiff1d(np.arange(m), neutral_ids))
    k = max(2, m // 25)
    closed_all, closed_s0, closed_s1, new, shared, corridor_s1 = (rest[i * k:(i + 1) * k].tolist() for i in range(6))
    corridor_new = new[: k // 2]
    arrangements = (
        neutral,
        Arrangement(tuple(closed_all), "closed"),
        Arrangement(tuple(closed_s0), "closed", ("S0",)),
        Arrangement(tuple(closed_s1), "closed", ("S1",)),
        Arrangement(tuple(new), "new"),
        Arrangement(tuple(corridor_new), "corridor", ("S0",)),  # a new road that would be S0's own
        Arrangement(tuple(shared), "shared", ("S0", "S1")),
        Arrangement(tuple(corridor_s1), "corridor", ("S1",)),
    )
    return [None, Scenario("arranged", arrangements, include_new=False),
            Scenario("arranged and built", arrangements, include_new=True),
            Scenario("neutral only", (neutral,))], origin


def scenario_name(s: Scenario | None) -> str:
    return "as is" if s is None else s.name


# --------------------------------------------------------------------------------------------- random worlds


#: (seed, weight, south-west corner): one world where the project's cases lie (the Fergana valley).
WORLDS = [(0, "minutes", (0.0, 0.0)), (1, "minutes", (0.0, 0.0)), (2, "length_m", (0.0, 0.0)),
          (3, "minutes", (0.0, 0.0)), (4, "minutes", (70.0, 40.0))]


@pytest.fixture(scope="module", params=WORLDS, ids=[f"seed{s}-{w}-{a[0]:g}E" for s, w, a in WORLDS])
def world_weight(request: pytest.FixtureRequest) -> tuple[World, str]:
    seed, weight, at = request.param
    return random_world(seed, at=at), weight


def test_shared_destination_set_matches_the_reference(world_weight: tuple[World, str]) -> None:
    w, weight = world_weight
    g = w.graph
    rng = np.random.default_rng(w.seed)
    others = [int(x) for x in rng.choice(g.n_nodes, 6, replace=False)]
    origin_nodes = list(dict.fromkeys([*w.enclave[:4], *w.mainland[:2], *others, w.isolated[0]]))
    origins = {f"o{node}": node for node in origin_nodes}
    scenarios, _ = world_scenarios(w, weight)
    table = access_table(g, origins, w.mainland, "S0", scenarios, weight=weight)
    assert len(table) == len(origins) * len(scenarios)
    rows = table_rows(table)
    problems: list[str] = []
    for scen in scenarios:
        exp = expected(g, origin_nodes, [w.mainland] * len(origin_nodes), ["S0"] * len(origin_nodes), scen, weight)
        # also one scenario per call: a single group, whose origins are split over the worker threads
        alone = table_rows(access_table(g, origins, w.mainland, "S0", [scen], weight=weight))
        for node, x in zip(origin_nodes, exp, strict=True):
            key = (f"o{node}", scenario_name(scen))
            problems += differences(rows[key], x, f"seed {w.seed} {weight} {scenario_name(scen)!r} origin {node}")
            problems += differences(alone[key], x, f"seed {w.seed} {weight} {scenario_name(scen)!r} origin {node} "
                                                   "(one scenario)")
    assert not problems, "\n".join(problems)
    # by construction: mainland origins are destinations (0 minutes), the isolated road has no route
    for node in w.mainland[:2]:
        r = rows[(f"o{node}", "as is")]
        assert r["found"] and r["destination_node"] == node and r["minutes"] == 0 and r["km"] == 0
        assert r["sovereign_only"] and r["sovereign_only_km"] == 0 and r["least_foreign_km"] == 0
    lost = rows[(f"o{w.isolated[0]}", "as is")]
    assert not lost["found"] and lost["reason"] == "no route" and math.isnan(lost["minutes"])
    assert not lost["sovereign_only"] and math.isnan(lost["least_foreign_km"])
    # the enclave needs S1's roads as is
    for node in w.enclave[:4]:
        r = rows[(f"o{node}", "as is")]
        assert not r["sovereign_only"] and (not r["found"] or r["least_foreign_km"] > 0)


def test_per_origin_destinations_and_states_match_the_reference(world_weight: tuple[World, str]) -> None:
    w, weight = world_weight
    g = w.graph
    rng = np.random.default_rng(100 + w.seed)
    nodes = rng.choice(g.n_nodes, 12, replace=False).tolist()
    some = np.sort(rng.choice(g.n_nodes, 8, replace=False)).astype(np.int64)
    origins = {"enclave": w.enclave[0], "single": nodes[0], "array": nodes[1], "itself": nodes[2],
               "to-isolated": nodes[3], "from-isolated": w.isolated[1], "mainland": nodes[4], "s1": nodes[5]}
    dests: dict[str, Any] = {"enclave": w.mainland, "single": int(nodes[6]), "array": some, "itself": nodes[2],
                             "to-isolated": w.isolated[0], "from-isolated": w.mainland, "mainland": w.mainland,
                             "s1": [int(x) for x in np.flatnonzero((g.nodes["state"] == "S1").to_numpy())]}
    states = {"enclave": "S0", "single": str(rng.choice(w.codes)), "array": str(rng.choice(w.codes)),
              "itself": "S1", "to-isolated": "S0", "from-isolated": "S1", "mainland": "S0",
              "s1": str(rng.choice(w.codes))}
    scenarios, _ = world_scenarios(w, weight)
    table = access_table(g, origins, dests, states, scenarios, weight=weight)
    rows = table_rows(table)
    names = list(origins)
    targets = [np.atleast_1d(np.asarray(dests[k], dtype=np.int64)).tolist() for k in names]
    problems: list[str] = []
    for scen in scenarios:
        exp = expected(g, [origins[k] for k in names], targets, [states[k] for k in names], scen, weight)
        for name, x in zip(names, exp, strict=True):
            got = rows[(name, scenario_name(scen))]
            problems += differences(got, x, f"seed {w.seed} {weight} {scenario_name(scen)!r} origin {name!r} "
                                            f"(node {origins[name]}, state {states[name]})")
    assert not problems, "\n".join(problems)
    itself = rows[("itself", "as is")]
    assert itself["found"] and itself["minutes"] == 0 and itself["destination_node"] == nodes[2]
    for name in ("to-isolated", "from-isolated"):
        assert not rows[(name, "as is")]["found"] and rows[(name, "as is")]["reason"] == "no route"


def test_route_paths_match_the_reference(world_weight: tuple[World, str]) -> None:
    w, weight = world_weight
    g = w.graph
    scenarios, _ = world_scenarios(w, weight)
    rng = np.random.default_rng(200 + w.seed)
    problems: list[str] = []
    for scen in scenarios:
        for state in w.codes[:3]:
            origin, single = (int(x) for x in rng.choice(g.n_nodes, 2, replace=False))
            for dest in (single, w.mainland):
                r = route(g, origin, dest, state=state, scenario=scen, weight=weight)
                x = expected(g, [origin], [np.atleast_1d(dest).tolist()], [state], scen, weight)[0]
                problems += differences(result_dict(r), x, f"seed {w.seed} {weight} {scenario_name(scen)!r} "
                                                           f"state {state} origin {origin} → {dest}")
    assert not problems, "\n".join(problems)


def test_arrangements_change_the_answers_as_built(world_weight: tuple[World, str]) -> None:
    """Known by construction, on top of the reference: neutral makes the enclave's way home sovereign; closing
    every edge at the origin cuts it off; a closure for another state changes nothing; a new road counts only
    when built."""
    w, weight = world_weight
    g = w.graph
    col = "minutes" if weight == "minutes" else "km"
    scenarios, origin = world_scenarios(w, weight)
    neutral_only = scenarios[-1]
    as_is = route(g, origin, w.mainland, state="S0", weight=weight)
    assert as_is.found and not as_is.sovereign_only and as_is.foreign_km_total > 0
    neutral = route(g, origin, w.mainland, state="S0", scenario=neutral_only, weight=weight)
    assert neutral.sovereign_only and neutral.foreign_km == {}
    assert neutral.sovereign_only_km == pytest.approx(as_is.km, rel=REL)
    assert getattr(neutral, col) == pytest.approx(getattr(as_is, col), rel=REL)
    assert neutral.least_foreign_km == 0 and neutral.least_foreign_route_km == pytest.approx(as_is.km, rel=REL)
    # for a traveller of another state the neutral stretch is still S1's
    other = route(g, origin, w.mainland, state="S2", scenario=neutral_only, weight=weight)
    assert other.foreign_km.get("S1", 0.0) > 0
    e = g.edges
    incident = e.loc[(e["u"] == origin) | (e["v"] == origin), "edge_id"].astype(int).tolist()
    cut = route(g, origin, w.mainland, state="S0", scenario=Scenario("cut", (Arrangement(tuple(incident), "closed"),)),
                weight=weight)
    assert not cut.found and cut.reason == "no route" and not cut.sovereign_only
    others = route(g, origin, w.mainland, state="S0", weight=weight,
                   scenario=Scenario("cut for S1", (Arrangement(tuple(incident), "closed", ("S1",)),)))
    assert others.path_edge_ids == as_is.path_edge_ids and others.minutes == pytest.approx(as_is.minutes, rel=REL)
    path = tuple(int(i) for i in as_is.path_edge_ids)
    planned = (Arrangement(path, "new"),)
    built = route(g, origin, w.mainland, state="S0", weight=weight, scenario=Scenario("built", planned, True))
    unbuilt = route(g, origin, w.mainland, state="S0", weight=weight, scenario=Scenario("planned", planned, False))
    assert built.path_edge_ids == as_is.path_edge_ids
    assert not unbuilt.found or (getattr(unbuilt, col) > getattr(as_is, col)
                                 and not set(unbuilt.path_edge_ids) & set(path))


def test_least_foreign_shortcut_when_a_sovereign_route_exists(world_weight: tuple[World, str]) -> None:
    w, weight = world_weight
    g = w.graph
    scenarios, _ = world_scenarios(w, weight)
    origins = {f"n{i}": i for i in range(0, g.n_nodes, 3)}
    table = access_table(g, origins, w.mainland, "S0", scenarios, weight=weight)
    sov = table[table["sovereign_only"]]
    assert len(sov) > 0 and (~table["sovereign_only"] & table["found"]).any()
    assert (sov["least_foreign_km"] == 0).all()
    assert (sov["least_foreign_route_km"] == sov["sovereign_only_km"]).all()
    assert (sov["least_foreign_minutes"] == sov["sovereign_only_minutes"]).all()
    without = table[~table["sovereign_only"] & table["found"]]
    assert (without["least_foreign_km"] > 0).all()
    assert (without["least_foreign_km"] <= without["foreign_km"] + LF_ABS_KM).all()


@pytest.mark.parametrize("seed", [7, 8])
def test_degenerate_weights_parallel_edges_and_more_one_ways(seed: int) -> None:
    """A random world with two zero-minute and two zero-length edges (both A* factors 0), 15 parallel copies of
    edges with other weights and states, and 10 % more one-way edges. Routes can tie here (a zero-minute edge adds
    kilometres for free), so only what is minimised is compared: found, the weight, sovereign-only and its weight,
    least-foreign kilometres."""
    w0 = random_world(seed)
    rng = np.random.default_rng(seed)
    e = w0.graph.edges.copy()
    z = rng.choice(len(e), 4, replace=False)
    e.loc[z[:2], "minutes"] = 0.0
    e.loc[z[2:], "length_m"] = 0.0
    dup = e.iloc[rng.choice(len(e), 15, replace=False)].copy()
    dup["minutes"] *= rng.uniform(0.3, 2.0, len(dup))
    dup["length_m"] *= rng.uniform(0.5, 1.5, len(dup))
    dup["state"] = rng.choice(np.array([None, "S0", "S1"], dtype=object), len(dup))
    e = pd.concat([e, dup], ignore_index=True)
    e["edge_id"] = np.arange(len(e))
    e.loc[rng.random(len(e)) < 0.1, "oneway"] = True
    g = RoadGraph(w0.graph.nodes, gpd.GeoDataFrame(e, geometry="geometry", crs=4326), w0.graph.provenance)
    adj = base_arrays(g)[0]
    nodes = list(range(g.n_nodes))
    origins = {f"n{i}": i for i in nodes}
    problems: list[str] = []
    for weight, cost in (("minutes", ("minutes", "sovereign_only_minutes")), ("length_m", ("km", "sovereign_only_km"))):
        assert shortest_paths.heuristic_scale(adj, e[weight].to_numpy(dtype=float)) == 0.0
        keys = ("found", "sovereign_only", "least_foreign_km", *cost)
        for state in ("S0", "S1"):
            for dest in (w0.mainland, [int(rng.integers(g.n_nodes))]):
                rows = table_rows(access_table(g, origins, dest, state, [None], weight=weight))
                exp = expected(g, nodes, [dest] * len(nodes), [state] * len(nodes), None, weight)
                for i, x in zip(nodes, exp, strict=True):
                    problems += differences(rows[(f"n{i}", "as is")], x, f"seed {seed} {weight} {state} {i} → "
                                                                         f"{dest[:3]}", keys)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------- hand-made graphs


def test_zero_minute_edge_turns_the_heuristic_off_and_routes_stay_exact() -> None:
    # O (0,0) – Z (0.9,0) takes no time (a ferry booked at 0 min), Z – D (1,0) 30 min; O – D straight 50 min; the
    # home detour O – Y – D 49 min. The A* bound w >= k × chord must hold on the zero edge too: only k = 0 does.
    pts = [(0.0, 0.0), (0.9, 0.0), (1.0, 0.0), (0.5, 0.4)]
    graph = hand_graph(pts, [dict(u=0, v=1, minutes=0.0, state="B"), dict(u=1, v=2, minutes=30.0),
                             dict(u=0, v=2, minutes=50.0), dict(u=0, v=3, minutes=45.0), dict(u=3, v=2, minutes=4.0)])
    xy = np.array(pts)
    e = graph.edges
    adj = shortest_paths.adjacency(xy[:, 0], xy[:, 1], e["u"].to_numpy(), e["v"].to_numpy(), e["oneway"].to_numpy())
    assert shortest_paths.heuristic_scale(adj, e["minutes"].to_numpy(dtype=float)) == 0.0
    r = route(graph, 0, 2, state="A")
    assert r.found and r.minutes == 30.0 and r.path_edge_ids == (0, 1) and r.foreign_km == {"B": pytest.approx(
        e.loc[0, "length_m"] / 1000, rel=REL)}
    assert r.sovereign_only and r.sovereign_only_minutes == 49.0 and r.least_foreign_km == 0
    problems: list[str] = []
    for o in range(4):
        for t in range(4):
            x = expected(graph, [o], [[t]], ["A"], None)[0]
            problems += differences(result_dict(route(graph, o, t, state="A")), x, f"zero edge {o} → {t}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("far_border", [True, False])
def test_destination_deep_in_foreign_land(far_border: bool) -> None:
    # Every road around O and T is B's; the nearest place where B's roads meet another state's (W) is 60 km away,
    # or there is none. The least-foreign route O → X → T (2 km of B) must not be priced by the way to W.
    pts = [(0.0, 0.0), (0.01, 0.01), (0.02, 0.0), (0.5, 0.0), (0.6, 0.0)]
    edges = [dict(u=0, v=1, minutes=1.0, length_m=1000.0, state="B"),
             dict(u=1, v=2, minutes=1.5, length_m=1000.0, state="B"),
             dict(u=0, v=2, minutes=5.0, length_m=3000.0, state="B"),
             dict(u=2, v=3, minutes=30.0, length_m=60000.0, state="B")]
    if far_border:
        edges.append(dict(u=3, v=4, minutes=5.0, length_m=10000.0, state="A"))
    graph = hand_graph(pts, edges)
    r = route(graph, 0, 2, state="A")
    assert r.found and not r.sovereign_only and r.path_edge_ids == (0, 1) and r.foreign_km == {"B": 2.0}
    assert r.least_foreign_km == 2.0 and r.least_foreign_route_km == 2.0 and r.least_foreign_minutes == 2.5
    problems: list[str] = []
    for state in ("A", "B", "C"):
        for o in range(len(pts) - (not far_border)):
            for t in ([2], [1, 3], [0, 2]):
                x = expected(graph, [o], [t], [state], None)[0]
                problems += differences(result_dict(route(graph, o, t, state=state)), x, f"{state} {o} → {t}")
    assert not problems, "\n".join(problems)


def test_parallel_edges_use_the_cheaper_one() -> None:
    pts = [(0.0, 0.0), (0.1, 0.0), (0.2, 0.0)]
    # 0–1: dear first, then cheap; 1–2: cheap (foreign) first, then dear (home)
    graph = hand_graph(pts, [dict(u=0, v=1, minutes=10.0), dict(u=1, v=0, minutes=3.0),
                             dict(u=1, v=2, minutes=2.0, state="B", length_m=5000.0),
                             dict(u=1, v=2, minutes=7.0, state="A", length_m=9000.0)])
    r = route(graph, 0, 2, state="A")
    assert r.minutes == 5.0 and r.path_edge_ids == (1, 2) and r.foreign_km == {"B": 5.0}
    assert r.sovereign_only and r.sovereign_only_minutes == 10.0
    assert r.least_foreign_km == 0 and r.least_foreign_minutes == 10.0
    assert r.least_foreign_route_km == pytest.approx(r.sovereign_only_km, rel=REL)
    back = route(graph, 2, 0, state="B")
    assert back.minutes == 5.0 and back.path_edge_ids == (2, 1) and back.foreign_km == {}
    assert back.sovereign_only and back.least_foreign_km == 0


def test_one_way_edges_are_honoured() -> None:
    pts = [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.3, 0.3)]
    graph = hand_graph(pts, [dict(u=0, v=1, minutes=1.0, oneway=True), dict(u=1, v=2, minutes=1.0),
                             dict(u=2, v=0, minutes=9.0, oneway=True), dict(u=3, v=2, minutes=1.0, oneway=True)])
    assert route(graph, 0, 1, state="A").minutes == 1.0
    assert route(graph, 1, 0, state="A").minutes == 10.0  # 1 → 2 → 0, the only way back
    assert route(graph, 3, 0, state="A").minutes == 10.0
    back = route(graph, 0, 3, state="A")
    assert not back.found and back.reason == "no route" and not back.sovereign_only
    assert math.isnan(back.least_foreign_km)
    closed = Scenario("closed", (Arrangement((2,), "closed"),))
    assert not route(graph, 1, 0, state="A", scenario=closed).found
    problems: list[str] = []
    for o in range(4):
        x = expected(graph, [o] * 4, [[t] for t in range(4)], ["A"] * 4, None)
        t = access_table(graph, {f"{o}-{k}": o for k in range(4)}, {f"{o}-{k}": k for k in range(4)}, "A", [None])
        for k in range(4):
            problems += differences(table_rows(t)[(f"{o}-{k}", "as is")], x[k], f"one-way {o} → {k}")
    assert not problems, "\n".join(problems)


def test_self_loops_are_ignored() -> None:
    pts = [(0.0, 0.0), (0.1, 0.0), (0.2, 0.0)]
    plain = [dict(u=0, v=1, minutes=2.0, state="A"), dict(u=1, v=2, minutes=2.0, state="A")]
    loops = [dict(u=1, v=1, minutes=0.0, state="B", length_m=0.0), dict(u=0, v=0, minutes=0.5, state="C",
                                                                          length_m=100.0)]
    without, graph = hand_graph(pts, plain), hand_graph(pts, plain + loops)
    for o, t in ((0, 2), (2, 0), (1, 1)):
        a, b = route(without, o, t, state="A"), route(graph, o, t, state="A")
        assert (a.minutes, a.path_edge_ids, a.foreign_km) == (b.minutes, b.path_edge_ids, b.foreign_km)
        assert b.sovereign_only and b.least_foreign_km == 0
    xy = np.array(pts)
    e = graph.edges
    adj = shortest_paths.adjacency(xy[:, 0], xy[:, 1], e["u"].to_numpy(), e["v"].to_numpy(), e["oneway"].to_numpy())
    assert len(adj.nbr) == 4 and not set(adj.edge.tolist()) & {2, 3}  # the loops are left out
    # a zero-minute loop joins no distinct points: the heuristic stays on
    assert shortest_paths.heuristic_scale(adj, e["minutes"].to_numpy(dtype=float)) > 0
    codes = pd.factorize(e["state"].astype(object))[0].astype(np.int64)
    assert shortest_paths.mixed(adj.indptr, adj.edge, adj.rindptr, adj.redge, codes).tolist() == []


# --------------------------------------------------------------------------------------------- helpers


def base_arrays(g: RoadGraph) -> tuple[shortest_paths.Adjacency, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xy = shapely.get_coordinates(g.nodes.geometry.values)
    e = g.edges
    u, v = e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)
    adj = shortest_paths.adjacency(xy[:, 0], xy[:, 1], u, v, e["oneway"].to_numpy(dtype=bool))
    return adj, xy, u, v, e["oneway"].to_numpy(dtype=bool)


def state_codes(g: RoadGraph) -> tuple[np.ndarray, list[str]]:
    codes, labels = pd.factorize(g.edges["state"].astype(object))
    return codes.astype(np.int64), [str(x) for x in labels]


@pytest.fixture(scope="module")
def world0() -> World:
    return random_world(0)


def test_adjacency_is_the_graph_renumbered(world0: World) -> None:
    g = world0.graph
    adj, xy, _, _, _ = base_arrays(g)
    n = g.n_nodes
    assert sorted(adj.order.tolist()) == list(range(n)) and (adj.rank[adj.order] == np.arange(n)).all()
    a, b, ed = arcs(g)
    src = np.repeat(np.arange(n), np.diff(adj.indptr))
    got = sorted(zip(adj.order[src].tolist(), adj.order[adj.nbr].tolist(), adj.edge.tolist(), strict=True))
    assert got == sorted(zip(a.tolist(), b.tolist(), ed.tolist(), strict=True))
    rsrc = np.repeat(np.arange(n), np.diff(adj.rindptr))  # reversed: entry (b, a) for every arc a → b
    rgot = sorted(zip(adj.order[adj.rnbr].tolist(), adj.order[rsrc].tolist(), adj.redge.tolist(), strict=True))
    assert rgot == got
    lon, lat = np.radians(xy[adj.order, 0]), np.radians(xy[adj.order, 1])
    np.testing.assert_allclose(adj.xyz, np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon),
                                                         np.sin(lat)]), atol=1e-15)


def chords(g: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Edge positions (self-loops left out) and the chord between their ends' unit vectors."""
    xy = np.radians(shapely.get_coordinates(g.nodes.geometry.values))
    vec = np.column_stack([np.cos(xy[:, 1]) * np.cos(xy[:, 0]), np.cos(xy[:, 1]) * np.sin(xy[:, 0]),
                           np.sin(xy[:, 1])])
    e = g.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    pos = np.flatnonzero(u != v)
    return pos, np.linalg.norm(vec[u[pos]] - vec[v[pos]], axis=1)


@pytest.mark.parametrize("weight", ["minutes", "length_m", "random"])
def test_heuristic_scale_is_the_tightest_lower_bound(world0: World, weight: str) -> None:
    g = world0.graph
    adj = base_arrays(g)[0]
    w = (np.random.default_rng(7).uniform(0.1, 10.0, g.n_edges) if weight == "random"
         else g.edges[weight].to_numpy(dtype=float))
    k = shortest_paths.heuristic_scale(adj, w)
    pos, chord = chords(g)
    assert k > 0
    assert (w[pos] >= k * chord).all()
    assert float((w[pos] / chord).min()) == pytest.approx(k, rel=1e-8)  # tight on some edge
    w0 = w.copy()
    w0[pos[3]] = 0.0
    assert shortest_paths.heuristic_scale(adj, w0) == 0.0


@pytest.mark.parametrize("n_sources", [1, 5, 40])
def test_reverse_distances_match_scipy(world0: World, n_sources: int) -> None:
    g = world0.graph
    adj = base_arrays(g)[0]
    rng = np.random.default_rng(n_sources)
    w = rng.uniform(0.0, 5.0, g.n_edges)
    w[rng.random(g.n_edges) < 0.05] = 0.0
    grid = np.setdiff1d(np.arange(g.n_nodes), world0.isolated)
    sources = rng.choice(grid, n_sources, replace=False)
    got = shortest_paths.reverse_distances(adj.rindptr, adj.rnbr, adj.redge, w, adj.rank[sources])
    a, b, ed = arcs(g)
    # the reversed graph (arc a → b stored as b → a), the cheapest of parallel arcs
    order = np.lexsort((w[ed], a, b))
    first = np.r_[True, (b[order][1:] != b[order][:-1]) | (a[order][1:] != a[order][:-1])]
    keep = order[first]
    indptr = np.zeros(g.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(b[keep], minlength=g.n_nodes), out=indptr[1:])
    m = sparse.csr_matrix((w[ed][keep], a[keep], indptr), shape=(g.n_nodes, g.n_nodes))
    ref = dijkstra(m, directed=True, indices=sources, min_only=True)
    np.testing.assert_allclose(got[adj.rank], ref, rtol=1e-12, atol=1e-12)
    assert np.isinf(got[adj.rank[world0.isolated]]).all()  # the isolated road reaches no source
    assert (got[adj.rank[sources]] == 0).all()


@pytest.mark.parametrize("traveller", ["S0", "S1"])
def test_entries_are_targets_with_an_arc_from_outside(world0: World, traveller: str) -> None:
    g = world0.graph
    adj = base_arrays(g)[0]
    codes, labels = state_codes(g)
    home = np.array([lab == traveller for lab in labels], dtype=bool)
    a, b, ed = arcs(g)
    rng = np.random.default_rng(3)
    for targets in (world0.mainland, rng.choice(g.n_nodes, 30, replace=False).tolist(), [world0.enclave[0]],
                    list(range(g.n_nodes))):
        tset = set(targets)
        ent, fent = shortest_paths.entries(adj.rindptr, adj.rnbr, adj.redge, codes, home,
                                           adj.rank[np.array(targets, dtype=np.int64)])
        outside = np.array([x not in tset for x in a.tolist()]) & np.array([y in tset for y in b.tolist()])
        foreign = (codes[ed] >= 0) & ~home[np.maximum(codes[ed], 0)]
        assert sorted(adj.order[ent].tolist()) == sorted(set(b[outside].tolist()))
        assert sorted(adj.order[fent].tolist()) == sorted(set(b[outside & foreign].tolist()))
    assert len(ent) == 0  # every node a target: nothing enters from outside


def test_mixed_nodes_carry_two_codes(world0: World) -> None:
    g = world0.graph
    adj = base_arrays(g)[0]
    codes, _ = state_codes(g)
    a, b, ed = arcs(g)
    seen: dict[int, set[int]] = {}
    for x, y, e in zip(a.tolist(), b.tolist(), ed.tolist(), strict=True):
        seen.setdefault(x, set()).add(int(codes[e]))
        seen.setdefault(y, set()).add(int(codes[e]))
    want = sorted(x for x, c in seen.items() if len(c) >= 2)
    got = sorted(adj.order[shortest_paths.mixed(adj.indptr, adj.edge, adj.rindptr, adj.redge, codes)].tolist())
    assert got == want and len(want) > 0


# --------------------------------------------------------------------------------------------- the kernel itself


def kernel(g: RoadGraph, origins: list[int], targets: list[list[int]] | list[int], state: str, ws: Any = None,
           ovr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, labels_extra: int = 0,
           ) -> tuple[np.ndarray, np.ndarray, Any]:
    """shortest_paths.search called directly (no overrides unless given).

    ``targets`` is one destination set per origin (``tstart``, a mode access never uses: no heuristics), or one
    flat set shared by every origin (both A* heuristics, prepared as access prepares them).
    """
    adj = base_arrays(g)[0]
    codes, labels = state_codes(g)
    e = g.edges
    w = e["minutes"].to_numpy(dtype=float)
    length = e["length_m"].to_numpy(dtype=float)
    home = np.array([lab == state for lab in labels] + [True] * labels_extra, dtype=bool)
    tie = 1e-6 / w.max()
    shared = not targets or not isinstance(targets[0], list)
    if shared:
        flat = adj.rank[np.array(targets, dtype=np.int64)]
        tstart = np.zeros(0, dtype=np.int64)
        mixed = shortest_paths.mixed(adj.indptr, adj.edge, adj.rindptr, adj.redge, codes)
        ent, fent = shortest_paths.entries(adj.rindptr, adj.rnbr, adj.redge, codes, home[:len(labels)], flat)
        hpts, lpts = adj.xyz[np.sort(ent)], adj.xyz[np.setdiff1d(fent, mixed)]
        lscale = shortest_paths.heuristic_scale(adj, length)
        dmix = shortest_paths.reverse_distances(adj.rindptr, adj.rnbr, adj.redge, length, mixed)
    else:
        flat = adj.rank[np.array([x for t in targets for x in t], dtype=np.int64)]
        tstart = np.r_[0, np.cumsum([len(t) for t in targets])].astype(np.int64)
        hpts = lpts = np.zeros((0, 3))
        lscale, dmix = 0.0, np.zeros(g.n_nodes)
    if ws is None:
        ws = shortest_paths.workspace(adj, g.n_edges)
    ovr = ovr or (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    dist, dest, _, _ = shortest_paths.search(
        adj.indptr, adj.nbr, adj.edge, adj.xyz, w, length, codes, *ovr, home, tie,
        shortest_paths.heuristic_scale(adj, w), adj.rank[np.array(origins, dtype=np.int64)], flat, tstart,
        hpts, lscale, lpts, dmix, ws)
    return dist, np.where(dest >= 0, adj.order[np.maximum(dest, 0)], -1), ws


def reference_costs(g: RoadGraph, origins: list[int], targets: list[list[int]], state: str) -> np.ndarray:
    """The kernel's three costs by the reference (no scenario): weight, weight without foreign edges, and foreign
    metres + tie × weight."""
    usable, foreign = jurisdiction(g, state, None)
    w = g.edges["minutes"].to_numpy(dtype=float)
    length = g.edges["length_m"].to_numpy(dtype=float)
    tie = 1e-6 / w.max()
    out = np.full((3, len(origins)), np.inf)
    for kind, cost in enumerate((w, np.where(foreign, np.inf, w), np.where(foreign, length, 0.0) + tie * w)):
        for k, r in enumerate(reference_routes(g, np.where(usable, cost, np.inf), origins, targets)):
            if r is not None:
                out[kind, k] = r.cost
    return out


def test_kernel_with_one_destination_set_shared_by_every_origin(world0: World) -> None:
    g = world0.graph
    origins = list(range(g.n_nodes))
    east = np.argsort(shapely.get_coordinates(g.nodes.geometry.values)[:, 0])[-60:-2].tolist()  # no isolated road
    for state, targets in (("S0", world0.mainland), ("S1", world0.mainland), ("S0", east), ("S2", [east[0]])):
        dist, _, _ = kernel(g, origins, targets, state)
        want = reference_costs(g, origins, [targets] * len(origins), state)
        np.testing.assert_allclose(dist, want, rtol=REL, atol=1e-12, err_msg=f"{state} → {targets[:5]}...")


def test_kernel_with_a_destination_set_per_origin_and_overrides(world0: World) -> None:
    g = world0.graph
    rng = np.random.default_rng(11)
    n = g.n_nodes
    origins = [*world0.enclave[:2], *rng.choice(n, 30).tolist(), world0.isolated[0]]
    targets = [world0.mainland, world0.mainland, *[rng.choice(n, int(rng.integers(0, 6)), replace=False).tolist()
                                                   for _ in range(30)], world0.mainland]
    targets[2] = [origins[2], *targets[2]]  # an origin among its own destinations
    targets[3] = []  # no destination at all
    codes, labels = state_codes(g)
    # overrides: some edges closed, some S1 edges made neutral (an extra home code), some S0 edges given to S1
    s1 = labels.index("S1")
    picks = rng.permutation(g.n_edges)
    closed, neutral = picks[:8], np.flatnonzero(codes == s1)[:6]
    to_s1 = np.setdiff1d(np.flatnonzero(codes == labels.index("S0")), closed)[:6]
    o_edges = np.r_[closed, np.setdiff1d(neutral, closed), to_s1].astype(np.int64)
    o_usable = np.r_[np.zeros(len(closed), bool), np.ones(len(o_edges) - len(closed), bool)]
    o_jur = np.r_[codes[closed], np.full(len(o_edges) - len(closed) - len(to_s1), len(labels)),
                  np.full(len(to_s1), s1)].astype(np.int64)
    dist, dest, _ = kernel(g, origins, targets, "S0", ovr=(o_edges, o_usable, o_jur), labels_extra=1)
    usable = np.ones(g.n_edges, bool)
    usable[closed] = False
    lab = np.array([*labels, "neutral"], dtype=object)
    jur = codes.copy()
    jur[o_edges] = o_jur
    foreign = (jur >= 0) & (lab[np.maximum(jur, 0)] != "S0") & (lab[np.maximum(jur, 0)] != "neutral")
    w = g.edges["minutes"].to_numpy(dtype=float)
    length = g.edges["length_m"].to_numpy(dtype=float)
    tie = 1e-6 / w.max()
    costs = (np.where(usable, w, np.inf), np.where(usable & ~foreign, w, np.inf),
             np.where(usable, np.where(foreign, length, 0.0) + tie * w, np.inf))
    problems: list[str] = []
    for kind, cost in enumerate(costs):
        has = [k for k, t in enumerate(targets) if t]
        ref = dict(zip(has, reference_routes(g, cost, [origins[k] for k in has], [targets[k] for k in has]),
                       strict=True))
        for k in range(len(origins)):
            r = ref.get(k)
            want = (np.inf, -1) if r is None else (r.cost, r.dest)
            ok = (dist[kind, k] == want[0] if math.isinf(want[0])
                  else math.isclose(dist[kind, k], want[0], rel_tol=REL, abs_tol=1e-12))
            if not ok or (kind == 0 and dest[kind, k] != want[1]):
                problems.append(f"kind {kind} origin {origins[k]} targets {targets[k]}: expected {want}, "
                                f"got ({dist[kind, k]}, {dest[kind, k]})")
    assert not problems, "\n".join(problems)
    assert dist[0, 2] == 0 and np.isinf(dist[:, 3]).all() and np.isinf(dist[:, -1]).all()
    # some origins have a sovereign route slower than the fastest: the least-foreign shortcut must take the former
    assert (np.isfinite(dist[1]) & (dist[1] > dist[0] * (1 + 1e-6))).any()


def test_workspace_is_reusable_and_survives_a_stamp_reset(world0: World) -> None:
    g = world0.graph
    rng = np.random.default_rng(5)
    n = g.n_nodes
    origins = rng.choice(n, 12).tolist()
    east = np.argsort(shapely.get_coordinates(g.nodes.geometry.values)[:, 0])[-40:-2].tolist()
    queries: list[Any] = [[world0.mainland] * 12, [rng.choice(n, 3, replace=False).tolist() for _ in range(12)],
                          world0.mainland, east]  # per origin (big, small), shared (west, east)
    fresh = [kernel(g, origins, q, "S0")[0] for q in queries]
    ws = None
    for i in (0, 1, 2, 3, 1, 0, 3, 2, 2):  # one workspace for everything, in any order
        got, _, ws = kernel(g, origins, queries[i], "S0", ws=ws)
        np.testing.assert_array_equal(got, fresh[i], err_msg=f"query {i}")
    assert ws is not None and (ws[0] == 0).all()  # no destination mark is left behind
    # as if a billion searches had run: the stamps start clean. The same searches are run again, so a stale stamp
    # would read as "already settled" (search stamps) or "heuristic known" (heuristic stamps).
    for i, which in ((1, 0), (0, 0), (2, 1), (3, 1)):
        ws = kernel(g, origins, queries[i], "S0")[2]
        counters = ws[11]
        if which == 0:
            counters[0] = 2**30 - 5
        else:
            counters[1] = 2**30
        got, _, ws = kernel(g, origins, queries[i if which == 0 else 5 - i], "S0", ws=ws)
        np.testing.assert_array_equal(got, fresh[i if which == 0 else 5 - i], err_msg=f"reset {which}, query {i}")
        assert 0 <= counters[0] < 100 and counters[1] == 1


def test_access_table_twice_and_across_graphs_gives_identical_answers() -> None:
    """Reused workspaces (same graph, other graphs, other destination sets in between) answer as fresh ones."""
    w1, w2 = random_world(5), random_world(6)
    scen1, _ = world_scenarios(w1, "minutes")

    def call(g: RoadGraph, w: World, dest: Any, scen: list[Scenario | None]) -> gpd.GeoDataFrame:
        origins = {f"n{i}": i for i in range(0, g.n_nodes, 4)}
        return access_table(g, origins, dest, "S0", scen)

    def fresh(w: World) -> RoadGraph:  # the same graph as a new object: its own caches, never searched
        return RoadGraph(w.graph.nodes, w.graph.edges, w.graph.provenance)

    def same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert all((x is None and y is None) or (x is not None and y is not None and x.equals_exact(y, 0))
                   for x, y in zip(a.geometry, b.geometry, strict=True))

    queries = [(w1, w1.mainland, scen1), (w1, w1.enclave[0], [None]), (w2, w2.mainland, [None]),
               (w1, [*w1.mainland[:3], *w1.isolated], scen1[:2]), (w2, w2.enclave[:1], scen1[:1])]
    baseline = [call(fresh(w), w, dest, scen) for w, dest, scen in queries]  # each the first search of its graph
    for _ in range(2):
        for (w, dest, scen), want in zip(queries, baseline, strict=True):
            same(call(w.graph, w, dest, scen), want)
