"""Access: the best road route from a community to a destination, and whose territory it crosses.

:func:`route` finds the cheapest route (by ``minutes`` or ``length_m``) on a :class:`~borderline.roads.RoadGraph`
from one origin (a node, a named node, or a point snapped to the nearest node) to a destination (a node or any
of a set of nodes), and reports its length, time, the kilometres it runs through each foreign state, how many
times it changes jurisdiction, and whether a route exists that never leaves the origin state's territory.
:func:`access_table` does the same for many origins under several scenarios, one row per (origin, scenario).

Road arrangements are data, not code: a :class:`Scenario` is a list of :class:`Arrangement` rows naming edges
(by ``edge_id``, or by ``name`` / ``source_id`` / ``road_id``). :func:`scenario_from_edges` reads the
``status`` / ``arrangement`` / ``arrangement_users`` columns a case graph carries
(:func:`borderline.cases.load_case_roads`), so a case's "before" and "after" are two scenarios over one graph.

How an edge counts for a traveller from state ``S``
---------------------------------------------------
Each edge gets a *jurisdiction* for ``S`` after the scenario's arrangements are applied (later arrangements
override earlier ones on the same edge; ``new`` combines with any other kind):

- no arrangement: the edge's ``state`` (``None`` for edges on a border or outside every state);
- ``neutral`` or ``shared`` with ``S`` among the users (or with no users: everyone): ``"neutral"`` /
  ``"shared"``, never foreign to ``S``; for non-users the edge keeps its ``state``;
- ``corridor``: the territory of its single user, for every traveller (own for that user, foreign to others);
- ``closed``: unusable (for its users only, if it names any; else for everyone);
- ``new``: unusable unless ``Scenario.include_new``.

An edge is *foreign* to ``S`` when its jurisdiction is a state code other than ``S``. ``foreign_km`` sums the
geodesic length (``length_m``) of foreign edges by state. ``n_crossings`` counts the changes of jurisdiction
along the route, with ``S``, ``"neutral"`` and ``"shared"`` counted as one (home) and edges without
jurisdiction skipped: an enclave whose road runs through its host to the mainland has 2. ``n_border_nodes``
counts the border nodes (``crossing`` label) the route passes, whatever the arrangements. The sovereign-only
route uses every usable edge that is not foreign to ``S``. The *least-foreign* route minimises kilometres through
foreign states (ties broken by the weight): an arrangement can lower it without changing the fastest route.

Routing is :func:`scipy.sparse.csgraph.dijkstra` on a CSR built from the usable edges (cheapest of parallel
edges kept, one-way edges one way). Origins of one state that share a destination set (an enclave's mainland)
are answered by one bounded multi-source search from the destinations on the reversed graph, raised fourfold
until every origin is reached; origins with their own destinations get one search each.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias, cast, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from borderline.errors import DataError
from borderline.geodesy import segment_lengths_m
from borderline.roads import RoadGraph

ArrangementKind = Literal["neutral", "shared", "corridor", "closed", "new"]
KINDS: tuple[str, ...] = get_args(ArrangementKind)
#: Weights :func:`route` accepts.
WEIGHTS = ("minutes", "length_m")
#: Jurisdiction labels of arranged edges that are never foreign to their users.
HOME_LIKE = ("neutral", "shared")

#: A node position, a node ``name`` / ``place_id``, or a point (shapely Point or ``(lon, lat)``) to snap.
NodeLike: TypeAlias = "int | str | shapely.Point | tuple[float, float]"


@dataclass(frozen=True)
class Arrangement:
    """A special regime on one or more edges.

    Attributes
    ----------
    edges : tuple of str or int
        ``edge_id`` values (int), or strings matched against ``edge_id``, ``name``, ``source_id`` and (case
        graphs) ``road_id``; every edge matching any of them is affected.
    kind : {"neutral", "shared", "corridor", "closed", "new"}
        See the module docstring.
    users : tuple of str
        State codes the regime applies to (``corridor``: exactly one, the sovereign).
    note : str
        Free text (source, date of the agreement).
    """

    edges: tuple[str | int, ...]
    kind: ArrangementKind
    users: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """A named set of arrangements, and whether roads that do not exist yet (``new``) are built."""

    name: str
    arrangements: tuple[Arrangement, ...] = ()
    include_new: bool = False


@dataclass(frozen=True)
class RouteResult:
    """The best route from an origin to a destination under a scenario.

    Attributes
    ----------
    found : bool
        Whether any route exists.
    origin_node, destination_node : int
        Node positions (``destination_node`` is -1 when no route exists).
    snap_m : float
        Geodesic distance from the given origin point to the node it was snapped to (0 for a node).
    km, minutes : float
        Length (geodesic) and travel time of the route (NaN when not found).
    foreign_km : dict of str to float
        Kilometres through each foreign state (jurisdiction after arrangements).
    territory_km : dict of str to float
        Kilometres by jurisdiction, own state, ``neutral``, ``shared`` and ``none`` included.
    n_crossings : int
        Changes of jurisdiction along the route (home = own, neutral, shared).
    n_border_nodes : int
        Border nodes passed (physical crossings, whatever the arrangements).
    path_edge_ids : tuple of int
        ``edge_id`` of each edge, origin to destination.
    geometry : LineString or MultiLineString or None
        The route, EPSG:4326.
    sovereign_only : bool
        Whether a route exists that uses no edge foreign to ``state``.
    sovereign_only_km, sovereign_only_minutes : float
        That route's length and time (NaN when none exists).
    least_foreign_km : float
        The fewest kilometres through foreign states of any route (ties broken by ``weight``); it can be lower
        than the best route's when a slower route avoids foreign land (NaN when not found).
    least_foreign_route_km, least_foreign_minutes : float
        Length and time of that least-foreign route.
    reason : str
        ``""`` when found, else ``"no route"``.
    state, scenario, weight : str
        The origin state, scenario name and the weight minimised.
    source : str
        The graph's provenance label.
    schematic : bool
        Whether the graph is schematic.
    """

    found: bool
    origin_node: int
    destination_node: int
    snap_m: float
    km: float
    minutes: float
    foreign_km: dict[str, float]
    territory_km: dict[str, float]
    n_crossings: int
    n_border_nodes: int
    path_edge_ids: tuple[int, ...]
    geometry: shapely.Geometry | None
    sovereign_only: bool
    sovereign_only_km: float
    sovereign_only_minutes: float
    least_foreign_km: float
    least_foreign_route_km: float
    least_foreign_minutes: float
    reason: str
    state: str
    scenario: str
    weight: str
    source: str
    schematic: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def foreign_km_total(self) -> float:
        """Kilometres through foreign states, all together."""
        return float(sum(self.foreign_km.values()))


# --------------------------------------------------------------------------------------------- scenarios


def scenario_from_edges(graph: RoadGraph, name: str, include_new: bool, *, arrangements: bool = True) -> Scenario:
    """The scenario a case graph's own columns describe.

    Parameters
    ----------
    graph : RoadGraph
        A graph whose edges may carry ``status`` (``existing`` / ``new``), ``arrangement`` (``none`` or a kind)
        and ``arrangement_users`` (codes joined by ``;``), as :func:`borderline.cases.load_case_roads` builds.
        Without these columns the scenario has no arrangements.
    name : str
        Scenario name, e.g. ``"after 2025"``.
    include_new : bool
        Whether roads with ``status="new"`` are built.
    arrangements : bool
        With False, the ``arrangement`` column is ignored (only ``new`` roads are marked): the "before" state.

    Returns
    -------
    Scenario
    """
    edges = graph.edges
    out: list[Arrangement] = []
    ids = edges["edge_id"].to_numpy(dtype=np.int64)
    if "status" in edges.columns:
        new = edges["status"].astype(str).str.lower().to_numpy() == "new"
        if new.any():
            out.append(Arrangement(tuple(int(i) for i in ids[new]), "new", note="status=new"))
    if arrangements and "arrangement" in edges.columns:
        kind = edges["arrangement"].fillna("none").astype(str).str.lower()
        users = (edges["arrangement_users"].fillna("").astype(str) if "arrangement_users" in edges.columns
                 else pd.Series("", index=edges.index))
        frame = pd.DataFrame({"kind": kind.to_numpy(), "users": users.to_numpy(), "edge_id": ids})
        frame = frame[frame["kind"] != "none"]
        for (k, u), grp in frame.groupby(["kind", "users"], sort=True):
            if k not in KINDS:
                raise DataError(f"edge arrangement {k!r} is unknown; use one of none, {', '.join(KINDS)}")
            out.append(Arrangement(tuple(int(i) for i in grp["edge_id"]), cast(ArrangementKind, k),
                                   tuple(x.strip() for x in str(u).split(";") if x.strip()),
                                   note="from the graph's arrangement columns"))
    return Scenario(name, tuple(out), include_new)


# --------------------------------------------------------------------------------------------- routing


def before_after(graph: RoadGraph, label: str = "2025") -> tuple[Scenario, Scenario]:
    """The two scenarios a case network encodes: existing roads only, and with its new roads and arrangements.

    Parameters
    ----------
    graph : RoadGraph
        A graph carrying ``status`` / ``arrangement`` / ``arrangement_users`` edge columns.
    label : str
        What divides them, used in the scenario names ("before 2025", "after 2025").

    Returns
    -------
    before, after : Scenario
    """
    return (scenario_from_edges(graph, f"before {label}", False, arrangements=False),
            scenario_from_edges(graph, f"after {label}", True))


def route(
    graph: RoadGraph,
    origin: NodeLike,
    destination: NodeLike | Iterable[NodeLike],
    *,
    state: str,
    scenario: Scenario | None = None,
    weight: str = "minutes",
) -> RouteResult:
    """The best route from ``origin`` to the nearest of ``destination``, and whose territory it uses.

    Parameters
    ----------
    graph : RoadGraph
        Edges need ``length_m``, ``minutes``, ``state``, ``oneway``; nodes may carry ``crossing``.
    origin : int, str, Point or (lon, lat)
        A node position, a node ``name`` / ``place_id``, or a point snapped to the nearest node (the geodesic
        snapping distance is reported as ``snap_m``).
    destination : node-like or iterable of node-like
        One target, or a set (the cheapest is taken), e.g. every node of the origin state's mainland. A tuple
        of two numbers with a float among them is a (lon, lat) point; pass node sets as lists or arrays.
    state : str
        The origin community's state code: territory foreign to it is counted.
    scenario : Scenario, optional
        Arrangements and new roads; None means the graph as it is (every edge usable, no arrangement).
    weight : {"minutes", "length_m"}
        What the route minimises.

    Returns
    -------
    RouteResult
        ``found=False`` with ``reason="no route"`` when the destination cannot be reached.

    Raises
    ------
    DataError
        If a node, point or arrangement edge is not in the graph, or an arrangement is malformed.
    """
    return _run(graph, {"origin": origin}, destination, state, [scenario], weight)[0][0]


def access_table(
    graph: RoadGraph,
    origins: Mapping[str, NodeLike],
    destinations: NodeLike | Iterable[NodeLike] | Mapping[str, NodeLike | Iterable[NodeLike]],
    state_of: str | Mapping[str, str],
    scenarios: Sequence[Scenario | None],
    *,
    weight: str = "minutes",
) -> gpd.GeoDataFrame:
    """Access of many communities under several scenarios, one row per (origin, scenario).

    Parameters
    ----------
    graph : RoadGraph
    origins : mapping of str to node-like
        Community name → node position, node name, or point (snapped).
    destinations : node-like, iterable of node-like, or mapping of str to those
        One destination (or set) for every origin, or one per origin name.
    state_of : str or mapping of str to str
        The origins' state, or each origin's state by name.
    scenarios : sequence of Scenario
        Scenarios to compare (None: the graph as it is).
    weight : {"minutes", "length_m"}

    Returns
    -------
    GeoDataFrame
        Columns ``origin``, ``scenario``, ``state``, ``found``, ``reason``, ``km``, ``minutes``,
        ``foreign_km`` (total), ``foreign_km_by_state`` (``"KGZ 5.30; UZB 1.20"``), ``n_crossings``,
        ``n_border_nodes``, ``sovereign_only``, ``sovereign_only_km``, ``sovereign_only_minutes``,
        ``least_foreign_km``, ``least_foreign_route_km``, ``least_foreign_minutes``, ``snap_m``,
        ``origin_node``, ``destination_node``, ``source``, ``schematic``, route ``geometry`` (EPSG:4326);
        ``attrs["provenance"]`` is the graph's.

    Raises
    ------
    DataError
        As :func:`route`.
    """
    results, names = _run(graph, origins, destinations, state_of, scenarios, weight)
    by_key = {(r.extra["origin"], r.extra["scenario_index"]): r for r in results}
    rows = []
    for i, name in enumerate(names):
        for si in range(len(scenarios)):
            r = by_key[(i, si)]
            rows.append({
                "origin": name, "scenario": r.scenario, "state": r.state, "found": r.found, "reason": r.reason,
                "km": r.km, "minutes": r.minutes, "foreign_km": r.foreign_km_total,
                "foreign_km_by_state": "; ".join(f"{k_} {v:.2f}" for k_, v in sorted(r.foreign_km.items())),
                "n_crossings": r.n_crossings, "n_border_nodes": r.n_border_nodes,
                "sovereign_only": r.sovereign_only, "sovereign_only_km": r.sovereign_only_km,
                "sovereign_only_minutes": r.sovereign_only_minutes, "least_foreign_km": r.least_foreign_km,
                "least_foreign_route_km": r.least_foreign_route_km,
                "least_foreign_minutes": r.least_foreign_minutes, "snap_m": r.snap_m,
                "origin_node": r.origin_node, "destination_node": r.destination_node, "source": r.source,
                "schematic": r.schematic, "geometry": r.geometry,
            })
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else gpd.GeoDataFrame(
        columns=["origin", "scenario", "geometry"], geometry="geometry", crs=4326)
    out.attrs["provenance"] = graph.provenance.as_dict()
    return out


def node_point(graph: RoadGraph, node: NodeLike) -> shapely.Point:
    """Where a node-like value lies: the node's point (a point given is snapped to its nearest node).

    Parameters
    ----------
    graph : RoadGraph
    node : int, str, Point or (lon, lat)
        As :func:`route` takes for its origin.

    Returns
    -------
    shapely.Point
        EPSG:4326.

    Raises
    ------
    DataError
        If the node or name is not in the graph.
    """
    pos, _ = _resolve(graph, node)
    return cast(shapely.Point, graph.nodes.geometry.iloc[pos])


# --------------------------------------------------------------------------------------------- internals


def _run(
    graph: RoadGraph,
    origins: Mapping[str, NodeLike],
    destinations: Any,
    state_of: str | Mapping[str, str],
    scenarios: Sequence[Scenario | None],
    weight: str,
) -> tuple[list[RouteResult], list[str]]:
    """Results for every (origin, scenario), one Dijkstra pair per (scenario, state); ``extra`` keys them."""
    if weight not in WEIGHTS:
        raise DataError(f"unknown weight {weight!r}; use one of {', '.join(WEIGHTS)}")
    names = list(origins)
    snapped = [_resolve(graph, origins[n]) for n in names]
    if isinstance(destinations, Mapping):
        missing = [n for n in names if n not in destinations]
        if missing:
            raise DataError(f"no destination given for origin {missing[0]!r}")
        targets = [_resolve_many(graph, destinations[n]) for n in names]
    else:
        one = _resolve_many(graph, destinations)
        targets = [one] * len(names)
    if isinstance(state_of, str):
        states = [state_of] * len(names)
    else:
        missing = [n for n in names if n not in state_of]
        if missing:
            raise DataError(f"no state given for origin {missing[0]!r}")
        states = [str(state_of[n]) for n in names]

    results: list[RouteResult] = []
    for si, scen in enumerate(scenarios):
        for st in dict.fromkeys(states):
            idx = [i for i, s in enumerate(states) if s == st]
            group = _route_group(graph, [snapped[i] for i in idx], [targets[i] for i in idx], st, scen, weight)
            results.extend(replace(r, extra={"origin": i, "scenario_index": si}) for i, r in zip(idx, group,
                                                                                                 strict=True))
    return results, names


# ------------------------------------------------------------------------------------- per-graph caches


@dataclass(frozen=True, eq=False)
class _Base:
    """What every search over one graph shares, built once per graph.

    ``rows`` / ``cols`` / ``which`` are the directed entries of the adjacency (one-way edges once, two-way edges
    both ways, self-loops left out), sorted by (row, col); ``which`` is each entry's edge position. Entries with
    the same (row, col) are *parallel*: ``gkeys`` holds ``row * n + col`` of each group, ``gstart`` its first
    entry; ``multi`` lists the entries of groups with more than one member (rare; only they need a per-search
    minimum). ``rrows`` / ``rcols`` / ``rwhich`` are the entries of the reversed graph sorted by its (row, col),
    and ``rmulti`` the reversed position of each ``multi`` entry. ``codes`` labels the edges'
    states with small integers (-1: none), ``labels`` maps them back.
    """

    n: int
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    which: npt.NDArray[np.int64]
    gkeys: npt.NDArray[np.int64]
    gstart: npt.NDArray[np.int64]
    group: npt.NDArray[np.int64]
    multi: npt.NDArray[np.int64]
    rrows: npt.NDArray[np.int64]
    rcols: npt.NDArray[np.int64]
    rwhich: npt.NDArray[np.int64]
    rmulti: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]
    labels: tuple[str, ...]
    edge_ids: npt.NDArray[np.int64]
    id_is_position: bool
    _text: dict[str, npt.NDArray[np.str_]] = field(default_factory=dict)

    def text_columns(self, graph: RoadGraph) -> list[npt.NDArray[np.str_]]:
        """``edge_id``, ``name``, ``source_id`` and ``road_id`` as strings (built on first use)."""
        if not self._text:
            e = graph.edges
            self._text["edge_id"] = self.edge_ids.astype(str)
            for c in ("name", "source_id", "road_id"):
                if c in e.columns:
                    self._text[c] = e[c].astype(str).to_numpy(dtype=str)
        return list(self._text.values())


_BASES: weakref.WeakKeyDictionary[RoadGraph, _Base] = weakref.WeakKeyDictionary()


def _base(graph: RoadGraph) -> _Base:
    cached = _BASES.get(graph)
    if cached is not None:
        return cached
    e = graph.edges
    n = graph.n_nodes
    pos = np.arange(len(e), dtype=np.int64)
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
    two = ~e["oneway"].to_numpy(dtype=bool)
    rows = np.concatenate([u, v[two]])
    cols = np.concatenate([v, u[two]])
    which = np.concatenate([pos, pos[two]])
    loop = rows == cols
    rows, cols, which = rows[~loop], cols[~loop], which[~loop]
    keys = rows * n + cols
    order = np.argsort(keys, kind="stable")
    rows, cols, which, keys = rows[order], cols[order], which[order], keys[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    gstart = np.flatnonzero(first).astype(np.int64)
    group = np.cumsum(first) - 1
    sizes = np.diff(np.append(gstart, len(rows)))
    multi = np.flatnonzero(np.repeat(sizes > 1, sizes)).astype(np.int64)
    rorder = np.argsort(cols * n + rows, kind="stable")
    rpos = np.empty(len(rorder), dtype=np.int64)
    rpos[rorder] = np.arange(len(rorder))
    codes, labels = pd.factorize(e["state"].astype(object).where(e["state"].notna(), None), use_na_sentinel=True)
    edge_ids = e["edge_id"].to_numpy(dtype=np.int64)
    base = _Base(n, rows, cols, which, keys[first], gstart, group.astype(np.int64), multi,
                 cols[rorder], rows[rorder], which[rorder], rpos[multi],
                 codes.astype(np.int64), tuple(str(x) for x in labels), edge_ids,
                 bool(np.array_equal(edge_ids, pos)))
    _BASES[graph] = base
    return base


# --------------------------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class _Applied:
    """Per-edge usability and jurisdiction for one traveller's state under one scenario.

    ``jur`` holds integer labels: -1 none, ``0..k-1`` the graph's states (``_Base.labels``), ``k`` neutral,
    ``k + 1`` shared, ``k + 2 ...`` states named only by corridors (``extra`` labels them).
    """

    usable: npt.NDArray[np.bool_]
    jur: npt.NDArray[np.int64]
    labels: tuple[str, ...]
    foreign: npt.NDArray[np.bool_]

    def label(self, code: int) -> str:
        """Jurisdiction label of an integer code (``"none"`` for -1)."""
        return "none" if code < 0 else self.labels[code]


def _apply(graph: RoadGraph, scenario: Scenario | None, state: str) -> _Applied:
    """Per-edge usability and jurisdiction for a traveller from ``state`` under ``scenario``."""
    base = _base(graph)
    m = graph.n_edges
    labels = [*base.labels, *HOME_LIKE]
    jur = base.codes.copy()
    usable = np.ones(m, dtype=bool)
    if scenario is not None:
        new = np.zeros(m, dtype=bool)
        for arr in scenario.arrangements:
            if arr.kind not in KINDS:
                raise DataError(f"scenario {scenario.name!r}: unknown arrangement kind {arr.kind!r}; use one of "
                                f"{', '.join(KINDS)}")
            hit = _match_edges(graph, arr.edges, scenario.name)
            applies = not arr.users or state in arr.users
            if arr.kind == "new":
                new[hit] = True
            elif arr.kind == "closed":
                if applies:
                    usable[hit] = False
            elif arr.kind == "corridor":
                if len(arr.users) != 1:
                    raise DataError(f"scenario {scenario.name!r}: corridor on edges {list(arr.edges)[:3]} needs "
                                    f"exactly one user (its sovereign), got {list(arr.users)}")
                if arr.users[0] not in labels:
                    labels.append(arr.users[0])
                jur[hit] = labels.index(arr.users[0])
            else:  # neutral, shared
                jur[hit] = labels.index(arr.kind) if applies else base.codes[hit]
        if not scenario.include_new:
            usable &= ~new
    home = [i for i, lab in enumerate(labels) if lab == state or lab in HOME_LIKE]
    foreign = (jur >= 0) & ~np.isin(jur, home)
    return _Applied(usable, jur, tuple(labels), foreign)


def _match_edges(graph: RoadGraph, keys: Iterable[str | int], scenario: str) -> npt.NDArray[np.bool_]:
    """Edges an arrangement names.

    Integers match ``edge_id``; strings match ``edge_id``, ``name``, ``source_id`` or ``road_id``.
    """
    base = _base(graph)
    m = graph.n_edges
    hit = np.zeros(m, dtype=bool)
    keys = list(keys)
    ints = np.array([int(k) for k in keys if isinstance(k, int | np.integer) and not isinstance(k, bool)],
                    dtype=np.int64)
    strs = [str(k) for k in keys if not (isinstance(k, int | np.integer) and not isinstance(k, bool))]
    if len(ints):
        if base.id_is_position:
            ok = (ints >= 0) & (ints < m)
            hit[ints[ok]] = True
        else:
            ok = np.isin(ints, base.edge_ids)
            hit |= np.isin(base.edge_ids, ints)
        if not ok.all():
            raise DataError(f"scenario {scenario!r}: arrangement names edge {int(ints[~ok][0])!r}, which is not in "
                            "the graph (match by edge_id, name, source_id or road_id)")
    if strs:
        wanted = np.array(strs, dtype=str)
        found = np.zeros(len(wanted), dtype=bool)
        for col in base.text_columns(graph):
            hit |= np.isin(col, wanted)
            found |= np.isin(wanted, col)
        if not found.all():
            raise DataError(f"scenario {scenario!r}: arrangement names edge {strs[int(np.argmin(found))]!r}, which "
                            "is not in the graph (match by edge_id, name, source_id or road_id)")
    return hit


# --------------------------------------------------------------------------------------------- nodes


def _resolve(graph: RoadGraph, node: NodeLike) -> tuple[int, float]:
    """Node position and geodesic snapping distance in metres for a node-like value."""
    n = graph.n_nodes
    if isinstance(node, bool):
        raise DataError(f"origin/destination {node!r} is not a node")
    if isinstance(node, int | np.integer):
        if not 0 <= int(node) < n:
            raise DataError(f"node {int(node)} is not in the graph (nodes are 0..{n - 1})")
        return int(node), 0.0
    if isinstance(node, str):
        for col in ("place_id", "name"):
            if col in graph.nodes.columns:
                hit = np.flatnonzero(graph.nodes[col].astype(str).to_numpy() == node)
                if len(hit):
                    return int(hit[0]), 0.0
        raise DataError(f"community {node!r} is not a node name or place_id in the graph")
    if isinstance(node, shapely.Point):
        lon, lat = node.x, node.y
    elif isinstance(node, tuple) and len(node) == 2:
        lon, lat = float(node[0]), float(node[1])
    else:
        raise DataError(f"origin/destination {node!r} is not a node, a name, a Point or (lon, lat)")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise DataError(f"point ({lon}, {lat}) is not a longitude/latitude in degrees")
    xy = shapely.get_coordinates(np.asarray(graph.nodes.geometry.values))
    d = segment_lengths_m(np.full(n, lon), np.full(n, lat), xy[:, 0], xy[:, 1])
    best = int(np.argmin(d))
    return best, float(d[best])




def _resolve_many(graph: RoadGraph, dest: Any) -> npt.NDArray[np.int64]:
    if isinstance(dest, int | np.integer | str | shapely.Point) or (
            isinstance(dest, tuple) and len(dest) == 2 and any(isinstance(v, float) for v in dest)):
        return np.array([_resolve(graph, dest)[0]], dtype=np.int64)
    if isinstance(dest, np.ndarray) and dest.dtype.kind in "iu":
        nodes = dest.astype(np.int64).ravel()
        bad = (nodes < 0) | (nodes >= graph.n_nodes)
        if bad.any():
            raise DataError(f"node {int(nodes[bad][0])} is not in the graph (nodes are 0..{graph.n_nodes - 1})")
    else:
        nodes = np.array([_resolve(graph, d)[0] for d in dest], dtype=np.int64)
    if not len(nodes):
        raise DataError("the destination set is empty")
    return np.unique(nodes)


# --------------------------------------------------------------------------------------------- searches


@dataclass(frozen=True)
class _Adjacency:
    """The usable part of a graph for one weight: chosen entries (cheapest of parallel edges).

    Adjacencies made by :meth:`reweighted` share their CSR structure (the expensive part of :meth:`matrix`).
    """

    base: _Base
    keep: npt.NDArray[np.bool_]  # per edge
    chosen: npt.NDArray[np.bool_]  # per entry of _Base
    gbest: npt.NDArray[np.int64]  # per group: the chosen entry (meaningful for groups with a usable entry)
    w: npt.NDArray[np.float64]  # per edge weight
    memo: dict[tuple[bool, int], tuple[Any, ...]] = field(default_factory=dict)

    def reweighted(self, w: npt.NDArray[np.float64], graph: RoadGraph) -> _Adjacency:
        """The same usable edges under another weight (structure shared unless edges are parallel)."""
        if len(self.base.multi):
            return _adjacency(graph, self.keep, w)
        return replace(self, w=w)

    def matrix(self, *, reverse: bool = False, drop_from: npt.NDArray[np.bool_] | None = None) -> sparse.csr_matrix:
        """CSR of the chosen entries, or of the reversed graph; ``drop_from`` removes entries leaving those nodes."""
        b = self.base
        key = (reverse, id(drop_from))
        if key not in self.memo:
            if reverse:
                rows, cols, which = b.rrows, b.rcols, b.rwhich
                ok = self.keep[which]
                if len(b.multi):
                    ok[b.rmulti] = self.chosen[b.multi]
            else:
                rows, cols, which = b.rows, b.cols, b.which
                ok = self.chosen
            if drop_from is not None:
                # entries leaving those nodes in the original direction: the row there, the column when reversed
                ok = ok & ~drop_from[cols if reverse else rows]
            sel = np.flatnonzero(ok)
            indptr = np.zeros(b.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows[sel], minlength=b.n), out=indptr[1:])
            itype = np.int32 if max(b.n, len(sel)) < 2**31 - 1 else np.int64
            self.memo[key] = (which[sel], cols[sel].astype(itype), indptr.astype(itype), drop_from)
        esel, indices, indptr, _ = self.memo[key]
        # a tiny floor keeps zero-weight edges as edges (scipy drops explicit zeros in some paths)
        data = np.maximum(self.w[esel], 1e-12)
        return sparse.csr_matrix((data, indices, indptr), shape=(b.n, b.n))

    def edges_along(self, nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Edge positions of the cheapest usable edge between consecutive nodes of a path."""
        if len(nodes) < 2:
            return np.zeros(0, dtype=np.int64)
        g = np.searchsorted(self.base.gkeys, nodes[:-1] * self.base.n + nodes[1:])
        return self.base.which[self.gbest[g]]


def _adjacency(graph: RoadGraph, keep: npt.NDArray[np.bool_], w: npt.NDArray[np.float64]) -> _Adjacency:
    """Entries of usable edges; where edges are parallel, the cheapest usable one of each group."""
    b = _base(graph)
    chosen = keep[b.which]
    gbest = b.gstart.copy()
    if len(b.multi):
        m = b.multi
        mw = np.where(chosen[m], w[b.which[m]], np.inf)
        grp = b.group[m]
        order = np.lexsort((mw, grp))  # per group, cheapest first (stable on ties: first entry)
        first = np.ones(len(order), dtype=bool)
        first[1:] = grp[order][1:] != grp[order][:-1]
        best = m[order[first]]
        chosen[m] = False
        ok = np.isfinite(mw[order[first]])
        chosen[best[ok]] = True
        gbest[b.group[best]] = best
    return _Adjacency(b, keep, chosen, gbest, w)


def _csr(graph: RoadGraph, keep: npt.NDArray[np.bool_], w_all: npt.NDArray[np.float64]) -> sparse.csr_matrix:
    """The CSR of the usable edges (cheapest of parallel edges) under ``w_all``."""
    return _adjacency(graph, keep, w_all).matrix()


_Search = Callable[[int], tuple[float, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]]
_NOTHING = (math.inf, -1, np.zeros(0, np.int64), np.zeros(0, np.int64))


def _from_each(adj: _Adjacency, src: npt.NDArray[np.int64], targets: list[npt.NDArray[np.int64]],
               tset: npt.NDArray[np.bool_] | None) -> _Search:
    """One shortest-path tree per origin (origins with different destination sets)."""
    dist, pred = dijkstra(adj.matrix(), directed=True, indices=src, return_predecessors=True)

    def get(k: int) -> tuple[float, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        tgt = targets[k]
        d = dist[k, tgt]
        best = int(np.argmin(d))
        if not np.isfinite(d[best]):
            return _NOTHING
        t = int(tgt[best])
        nodes = _chain(pred[k], t, int(src[k]))[::-1]
        return float(d[best]), t, adj.edges_along(nodes), nodes

    return get


def _to_set(adj: _Adjacency, src: npt.NDArray[np.int64], targets: list[npt.NDArray[np.int64]],
            tset: npt.NDArray[np.bool_] | None) -> _Search:
    """One search for all origins sharing a destination set (``tset`` marks it).

    A multi-source Dijkstra from the destinations on the reversed graph gives every node its distance to the
    nearest destination and the next hop towards it. A route ends at the first destination it meets, so the
    search never needs to step *into* a destination: entries leaving destinations (in the original direction)
    are dropped, and only destinations that can be entered from outside (or are origins) start the search.
    The search is bounded (``limit``) and the bound raised fourfold until every origin is reached, or until
    a round reaches nothing new while the bound exceeds the largest edge weight (then no more nodes are
    reachable at all).
    """
    if tset is None:  # pragma: no cover - _route_group always passes it
        raise ValueError("_to_set needs the destination mask")
    rev = adj.matrix(reverse=True, drop_from=tset)
    entry = np.zeros(len(tset), dtype=bool)
    entry[rev.indptr[:-1] != rev.indptr[1:]] = True  # has a reversed edge out = can be entered from outside
    sources = np.unique(np.concatenate([np.flatnonzero(tset & entry), src[tset[src]]]))
    used = adj.w[adj.keep]
    w_max = float(used.max(initial=0.0))
    positive = used[used > 0]
    limit = 16.0 * float(positive.mean()) if len(positive) else 1.0
    reached_before = -1
    while True:
        dist, pred, nearest = dijkstra(rev, directed=True, indices=sources, min_only=True,
                                       return_predecessors=True, limit=limit)
        if np.isfinite(dist[src]).all():
            break
        reached = int(np.isfinite(dist).sum())
        if reached == reached_before and limit > w_max:
            break
        reached_before = reached
        limit *= 4.0

    def get(k: int) -> tuple[float, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        o = int(src[k])
        if not np.isfinite(dist[o]):
            return _NOTHING
        nodes = _chain(pred, o, -1)
        return float(dist[o]), int(nearest[o]), adj.edges_along(nodes), nodes

    return get


def _chain(pred: npt.NDArray[np.int32], start: int, stop: int) -> npt.NDArray[np.int64]:
    """Follow ``pred`` from ``start`` until ``stop`` (a node) or a node without predecessor (``stop=-1``)."""
    nodes = [start]
    while nodes[-1] != stop:
        p = int(pred[nodes[-1]])
        if p < 0:
            break
        nodes.append(p)
    return np.array(nodes, dtype=np.int64)


# --------------------------------------------------------------------------------------------- results


def _route_group(graph: RoadGraph, origins: list[tuple[int, float]], targets: list[npt.NDArray[np.int64]],
                 state: str, scenario: Scenario | None, weight: str) -> list[RouteResult]:
    applied = _apply(graph, scenario, state)
    jur, is_foreign = applied.jur, applied.foreign
    src = np.array([o for o, _ in origins], dtype=np.int64)
    e = graph.edges
    w_all = e[weight].to_numpy(dtype=np.float64)
    if np.isnan(w_all).any() or (w_all < 0).any():
        raise DataError(f"edge column {weight!r} has missing or negative values; routes need weights ≥ 0")
    length_m = e["length_m"].to_numpy(dtype=np.float64)
    # least foreign exposure: foreign metres first, the weight only breaks ties (scaled far below a millimetre)
    lf_w = np.where(is_foreign, length_m, 0.0) + w_all * (1e-6 / max(float(w_all.max(initial=0.0)), 1e-12))
    same_targets = all(len(t) == len(targets[0]) and np.array_equal(t, targets[0]) for t in targets)
    search = _to_set if same_targets else _from_each
    tset = None
    if same_targets:
        tset = np.zeros(graph.n_nodes, dtype=bool)
        tset[targets[0]] = True
    adj = _adjacency(graph, applied.usable, w_all)
    best_of = search(adj, src, targets, tset)
    lf_of = search(adj.reweighted(lf_w, graph), src, targets, tset)
    sov_of = search(_adjacency(graph, applied.usable & ~is_foreign, w_all), src, targets, tset)
    minutes = e["minutes"].to_numpy(dtype=np.float64)
    edge_ids = _base(graph).edge_ids
    geoms = np.asarray(e.geometry.values)
    crossing = (graph.nodes["crossing"].notna().to_numpy(dtype=bool) if "crossing" in graph.nodes.columns
                else np.zeros(graph.n_nodes, dtype=bool))
    label = graph.provenance.label()
    schematic = bool(graph.provenance.schematic)
    name = scenario.name if scenario is not None else "as is"
    out: list[RouteResult] = []
    for k, (o, snap) in enumerate(origins):
        d_best, t, path, nodes_on = best_of(k)
        sov_d, _, sov_path, _ = sov_of(k)
        sov_ok = bool(np.isfinite(sov_d))
        lf_d, _, lf_path, _ = lf_of(k)
        lf_ok = bool(np.isfinite(lf_d))
        common: dict[str, Any] = dict(origin_node=o, snap_m=snap, sovereign_only=sov_ok,
                      sovereign_only_km=float(length_m[sov_path].sum() / 1000.0) if sov_ok else math.nan,
                      sovereign_only_minutes=float(minutes[sov_path].sum()) if sov_ok else math.nan,
                      least_foreign_km=(float(length_m[lf_path][is_foreign[lf_path]].sum() / 1000.0) if lf_ok
                                        else math.nan),
                      least_foreign_route_km=float(length_m[lf_path].sum() / 1000.0) if lf_ok else math.nan,
                      least_foreign_minutes=float(minutes[lf_path].sum()) if lf_ok else math.nan,
                      state=state, scenario=name, weight=weight, source=label, schematic=schematic)
        if not np.isfinite(d_best):
            out.append(RouteResult(found=False, destination_node=-1, km=math.nan, minutes=math.nan,
                                   foreign_km={}, territory_km={}, n_crossings=0, n_border_nodes=0,
                                   path_edge_ids=(), geometry=None, reason="no route", **common))
            continue
        km = length_m[path] / 1000.0
        jp = jur[path]
        territory: dict[str, float] = {}
        for j, x in zip(jp.tolist(), km.tolist(), strict=True):
            key = applied.label(j)
            territory[key] = territory.get(key, 0.0) + x
        foreign = {k_: v for k_, v in territory.items() if k_ not in (*HOME_LIKE, "none", state)}
        home = ~is_foreign[path]
        seq = ["home" if h else int(j) for j, h in zip(jp.tolist(), home.tolist(), strict=True) if j >= 0]
        n_cross = sum(1 for a, b in itertools.pairwise(seq) if a != b)
        geom = shapely.line_merge(shapely.multilinestrings(geoms[path])) if len(path) else None
        out.append(RouteResult(found=True, destination_node=t, km=float(km.sum()),
                               minutes=float(minutes[path].sum()), foreign_km=foreign, territory_km=territory,
                               n_crossings=n_cross, n_border_nodes=int(crossing[nodes_on].sum()),
                               path_edge_ids=tuple(int(i) for i in edge_ids[path]), geometry=geom, reason="",
                               **common))
    return out
