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

Routing is :func:`borderline.shortest_paths.search`: compiled (numba) searches that stop at the first
destination they settle, goal-directed (A*) towards the destination set, with edge costs computed on the fly from
each edge's state and the scenario's overrides (nothing of size O(edges) is built per question). Origins are
grouped by (scenario, state, destination set); groups run in parallel threads. The graph is prepared once
(adjacency, where states meet) and cached.
"""

from __future__ import annotations

import math
import os
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast, get_args

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from geopandas.array import from_shapely
from pyproj import CRS

from borderline.errors import DataError
from borderline.geodesy import segment_lengths_m
from borderline.roads import RoadGraph

if TYPE_CHECKING:
    from borderline import shortest_paths

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
    ordered = [by_key[(i, si)] for i in range(len(names)) for si in range(len(scenarios))]
    cols: dict[str, list[Any]] = {c: [] for c in _TABLE_COLUMNS}
    for i, r in ((i, by_key[(i, si)]) for i in range(len(names)) for si in range(len(scenarios))):
        cols["origin"].append(names[i])
        cols["foreign_km"].append(r.foreign_km_total)
        cols["foreign_km_by_state"].append("; ".join(f"{k_} {v:.2f}" for k_, v in sorted(r.foreign_km.items())))
        for c in _TABLE_FIELDS:
            cols[c].append(getattr(r, c))
    frame = pd.DataFrame({c: cols[c] for c in _TABLE_COLUMNS if c != "geometry"})
    frame["geometry"] = from_shapely(np.array([r.geometry for r in ordered], dtype=object), crs=_WGS84)
    out = gpd.GeoDataFrame(frame, geometry="geometry")
    out.attrs["provenance"] = graph.provenance.as_dict()
    return out


_WGS84 = CRS.from_epsg(4326)
#: Columns of :func:`access_table`, in order, and those copied straight from :class:`RouteResult`.
_TABLE_COLUMNS = ("origin", "scenario", "state", "found", "reason", "km", "minutes", "foreign_km",
                  "foreign_km_by_state", "n_crossings", "n_border_nodes", "sovereign_only", "sovereign_only_km",
                  "sovereign_only_minutes", "least_foreign_km", "least_foreign_route_km", "least_foreign_minutes",
                  "snap_m", "origin_node", "destination_node", "source", "schematic", "geometry")
_TABLE_FIELDS = tuple(c for c in _TABLE_COLUMNS if c not in ("origin", "foreign_km", "foreign_km_by_state",
                                                              "geometry"))


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
        seen: dict[int, npt.NDArray[np.int64]] = {}  # one destination object given to many origins: resolved once
        targets = []
        for n in names:
            d = destinations[n]
            if id(d) not in seen or not isinstance(d, np.ndarray | list | tuple | set | frozenset):
                seen[id(d)] = _resolve_many(graph, d)
            targets.append(seen[id(d)])
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

    # one group per (scenario, state, destination set): a group's origins share their searches' set-up
    base = _base(graph)
    w_info = base.weight(graph, weight)
    groups: list[tuple[int, list[int], _Applied]] = []
    for si, scen in enumerate(scenarios):
        for st in dict.fromkeys(states):
            applied = _apply(graph, scen, st)
            members: dict[int, list[int]] = {}
            for i, s_ in enumerate(states):
                if s_ == st:
                    members.setdefault(id(targets[i]), []).append(i)
            groups.extend((si, idx, applied) for idx in members.values())

    def answer(group: tuple[int, list[int], _Applied], threads: int) -> list[RouteResult]:
        si, idx, applied = group
        return _route_group(graph, base, applied, w_info, [snapped[i] for i in idx], targets[idx[0]],
                            states[idx[0]], scenarios[si], weight, threads,
                            [{"origin": i, "scenario_index": si} for i in idx])

    if len(groups) > 1 and _threads() > 1:  # groups in parallel (the searches release the GIL)
        done = list(_pool().map(lambda g_: answer(g_, 1), groups))
    else:
        done = [answer(g_, _threads()) for g_ in groups]
    return [r for part in done for r in part], names


# ------------------------------------------------------------------------------------- per-graph caches


@dataclass(frozen=True, eq=False)
class _Base:
    """What every search over one graph shares, built once per graph.

    ``adj`` is the compiled searches' adjacency (:mod:`borderline.shortest_paths`). ``codes`` labels the edges'
    states with small integers (-1: none), ``labels`` maps them back. ``spare`` keeps the searches'
    workspaces (one per thread) for the next call. ``mixed`` (internal node numbers) are the nodes
    where edges of different states meet, ``dmix`` the length of the shortest way from each node to one, and
    ``lscale`` the least-foreign heuristic's chord factor (:func:`shortest_paths.search`).
    """

    n: int
    adj: shortest_paths.Adjacency
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]
    labels: tuple[str, ...]
    edge_ids: npt.NDArray[np.int64]
    id_is_position: bool
    length_m: npt.NDArray[np.float64]
    minutes: npt.NDArray[np.float64]
    crossing: npt.NDArray[np.bool_]
    geoms: npt.NDArray[np.object_]
    mixed: npt.NDArray[np.int64]
    is_mixed: npt.NDArray[np.bool_]
    lscale: float
    dmix: npt.NDArray[np.float64]
    spare: list[shortest_paths.Workspace] = field(default_factory=list)
    _text: dict[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    _weights: dict[str, tuple[npt.NDArray[np.float64], float, float]] = field(default_factory=dict)

    def text_columns(self, graph: RoadGraph) -> list[npt.NDArray[np.str_]]:
        """``edge_id``, ``name``, ``source_id`` and ``road_id`` as strings (built on first use)."""
        if not self._text:
            e = graph.edges
            self._text["edge_id"] = self.edge_ids.astype(str)
            for c in ("name", "source_id", "road_id"):
                if c in e.columns:
                    self._text[c] = e[c].astype(str).to_numpy(dtype=str)
        return list(self._text.values())

    def weight(self, graph: RoadGraph, name: str) -> tuple[npt.NDArray[np.float64], float, float]:
        """Edge weights ``name`` (checked ≥ 0), their A* factor and their maximum (built on first use)."""
        if name not in self._weights:
            w = np.array(graph.edges[name].to_numpy(dtype=np.float64), copy=True)  # writable: one compiled version
            if np.isnan(w).any() or (w < 0).any():
                raise DataError(f"edge column {name!r} has missing or negative values; routes need weights ≥ 0")
            from borderline.shortest_paths import heuristic_scale

            self._weights[name] = (w, heuristic_scale(self.adj, w), float(w.max(initial=0.0)))
        return self._weights[name]


_BASES: weakref.WeakKeyDictionary[RoadGraph, _Base] = weakref.WeakKeyDictionary()
_BASES_LOCK = threading.Lock()


def _base(graph: RoadGraph) -> _Base:
    from borderline import shortest_paths  # numba is imported on first routing, not with the package

    with _BASES_LOCK:
        cached = _BASES.get(graph)
        if cached is not None:
            return cached
        e = graph.edges
        xy = shapely.get_coordinates(np.asarray(graph.nodes.geometry.values))
        u = e["u"].to_numpy(dtype=np.int64)
        v = e["v"].to_numpy(dtype=np.int64)
        adj = shortest_paths.adjacency(xy[:, 0], xy[:, 1], u, v, e["oneway"].to_numpy(dtype=bool))
        codes, labels = pd.factorize(e["state"].astype(object).where(e["state"].notna(), None),
                                     use_na_sentinel=True)
        mixed = shortest_paths.mixed(adj.indptr, adj.edge, adj.rindptr, adj.redge, codes.astype(np.int64))
        edge_ids = e["edge_id"].to_numpy(dtype=np.int64)
        crossing = (graph.nodes["crossing"].notna().to_numpy(dtype=bool) if "crossing" in graph.nodes.columns
                    else np.zeros(graph.n_nodes, dtype=bool))
        base = _Base(graph.n_nodes, adj, u, v, codes.astype(np.int64), tuple(str(x) for x in labels), edge_ids,
                     bool(np.array_equal(edge_ids, np.arange(len(e)))),
                     np.array(e["length_m"].to_numpy(dtype=np.float64), copy=True),
                     np.array(e["minutes"].to_numpy(dtype=np.float64), copy=True), crossing,
                     np.asarray(e.geometry.values),
                     mixed, np.zeros(graph.n_nodes, dtype=bool), 0.0, np.zeros(0))
        base.is_mixed[mixed] = True
        length_m = base.length_m
        if not (np.isnan(length_m).any() or (length_m < 0).any()):
            base = replace(base, lscale=shortest_paths.heuristic_scale(adj, length_m),
                           dmix=shortest_paths.reverse_distances(adj.rindptr, adj.rnbr, adj.redge, length_m,
                                                                 base.mixed))
        _BASES[graph] = base
        return base


# --------------------------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class _Applied:
    """Usability and jurisdiction for one traveller's state under one scenario, as overrides.

    Edges not in ``edges`` (sorted positions) are usable with their own state's code. Codes: -1 none,
    ``0..k-1`` the graph's states (``_Base.labels``), ``k`` neutral, ``k + 1`` shared, ``k + 2 ...`` states
    named only by corridors. ``home[code]``: whether that jurisdiction is home for the traveller (own state,
    neutral, shared).
    """

    edges: npt.NDArray[np.int64]
    usable: npt.NDArray[np.bool_]
    jur: npt.NDArray[np.int64]
    labels: tuple[str, ...]
    home: npt.NDArray[np.bool_]

    def label(self, code: int) -> str:
        """Jurisdiction label of an integer code (``"none"`` for -1)."""
        return "none" if code < 0 else self.labels[code]

    def jurisdiction(self, codes: npt.NDArray[np.int64], pos: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Jurisdiction codes of the edges at positions ``pos`` (``codes``: the graph's state codes)."""
        out = codes[pos]
        if len(self.edges) and len(pos):
            i = np.searchsorted(self.edges, pos)
            hit = (i < len(self.edges)) & (self.edges[np.minimum(i, len(self.edges) - 1)] == pos)
            out[hit] = self.jur[i[hit]]
        return out

    def foreign(self, jur: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether each jurisdiction code is foreign to the traveller."""
        return (jur >= 0) & ~self.home[np.maximum(jur, 0)]


def _apply(graph: RoadGraph, scenario: Scenario | None, state: str) -> _Applied:
    """Usability and jurisdiction overrides for a traveller from ``state`` under ``scenario``."""
    base = _base(graph)
    labels = [*base.labels, *HOME_LIKE]
    hits: list[tuple[npt.NDArray[np.int64], Arrangement]] = []
    if scenario is not None:
        for arr in scenario.arrangements:
            if arr.kind not in KINDS:
                raise DataError(f"scenario {scenario.name!r}: unknown arrangement kind {arr.kind!r}; use one of "
                                f"{', '.join(KINDS)}")
            if arr.kind == "corridor" and len(arr.users) != 1:
                raise DataError(f"scenario {scenario.name!r}: corridor on edges {list(arr.edges)[:3]} needs "
                                f"exactly one user (its sovereign), got {list(arr.users)}")
            hits.append((_match_edges(graph, arr.edges, scenario.name), arr))
    edges = _unique(np.concatenate([h for h, _ in hits])) if hits else np.zeros(0, dtype=np.int64)
    jur = base.codes[edges].copy()
    usable = np.ones(len(edges), dtype=bool)
    new = np.zeros(len(edges), dtype=bool)
    for pos, arr in hits:
        hit = np.searchsorted(edges, pos)
        applies = not arr.users or state in arr.users
        if arr.kind == "new":
            new[hit] = True
        elif arr.kind == "closed":
            if applies:
                usable[hit] = False
        elif arr.kind == "corridor":
            if arr.users[0] not in labels:
                labels.append(arr.users[0])
            jur[hit] = labels.index(arr.users[0])
        else:  # neutral, shared
            jur[hit] = labels.index(arr.kind) if applies else base.codes[pos]
    if scenario is not None and not scenario.include_new:
        usable &= ~new
    home = np.array([lab == state or lab in HOME_LIKE for lab in labels], dtype=bool)
    return _Applied(edges, usable, jur, tuple(labels), home)


def _match_edges(graph: RoadGraph, keys: Iterable[str | int], scenario: str) -> npt.NDArray[np.int64]:
    """Positions (sorted, unique) of the edges an arrangement names.

    Integers match ``edge_id``; strings match ``edge_id``, ``name``, ``source_id`` or ``road_id``.
    """
    base = _base(graph)
    m = graph.n_edges
    keys = list(keys)
    if set(map(type, keys)) <= {int}:  # all plain integers (the common case)
        ints, strs = np.array(keys, dtype=np.int64), []
    else:
        ints = np.array([int(k) for k in keys if isinstance(k, int | np.integer) and not isinstance(k, bool)],
                        dtype=np.int64)
        strs = [str(k) for k in keys if not (isinstance(k, int | np.integer) and not isinstance(k, bool))]
    parts = [np.zeros(0, dtype=np.int64)]
    if len(ints):
        if base.id_is_position:
            ok = (ints >= 0) & (ints < m)
            parts.append(ints[ok])
        else:
            ok = np.isin(ints, base.edge_ids)
            parts.append(np.flatnonzero(np.isin(base.edge_ids, ints)))
        if not ok.all():
            raise DataError(f"scenario {scenario!r}: arrangement names edge {int(ints[~ok][0])!r}, which is not in "
                            "the graph (match by edge_id, name, source_id or road_id)")
    if strs:
        wanted = np.array(strs, dtype=str)
        found = np.zeros(len(wanted), dtype=bool)
        hit = np.zeros(m, dtype=bool)
        for col in base.text_columns(graph):
            hit |= np.isin(col, wanted)
            found |= np.isin(wanted, col)
        if not found.all():
            raise DataError(f"scenario {scenario!r}: arrangement names edge {strs[int(np.argmin(found))]!r}, which "
                            "is not in the graph (match by edge_id, name, source_id or road_id)")
        parts.append(np.flatnonzero(hit))
    return _unique(np.concatenate(parts).astype(np.int64))


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
    if len(nodes) > 1 and not (nodes[1:] > nodes[:-1]).all():  # sorted and unique already: nothing to do
        nodes = np.sort(nodes)
        nodes = nodes[np.concatenate([[True], nodes[1:] != nodes[:-1]])]
    return nodes


# --------------------------------------------------------------------------------------------- searches


def _unique(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted unique values (a sort and a mask: faster than hashing for the small integer arrays here)."""
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a


def _threads() -> int:
    """Worker threads for the compiled searches: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="borderline-search"))
    return _POOL[0]


@dataclass(frozen=True)
class _Found:
    """The three routes of every origin of a group.

    ``dist`` / ``dest`` (node positions, -1: none) by kind and origin, and the routes' edge positions
    (``path[pstart[i * K + k]:pstart[i * K + k + 1]]``).
    """

    dist: npt.NDArray[np.float64]
    dest: npt.NDArray[np.int64]
    pstart: npt.NDArray[np.int64]
    path: npt.NDArray[np.int64]


def _search(base: _Base, applied: _Applied, w_info: tuple[npt.NDArray[np.float64], float, float],
            src: npt.NDArray[np.int64], targets: npt.NDArray[np.int64], threads: int) -> _Found:
    """Fastest, sovereign-only and least-foreign routes of every origin (:func:`shortest_paths.search`).

    Origins are split over ``threads`` worker threads (the compiled search releases the GIL); each thread has
    its own search state. All origins share the destination set ``targets`` (node positions), which the
    A* heuristics aim at.
    """
    from borderline import shortest_paths

    w, hscale, w_max = w_info
    tie = 1e-6 / max(w_max, 1e-12)
    adj = base.adj
    k_all = len(src)
    tg = adj.rank[targets]
    ent, fent = shortest_paths.entries(adj.rindptr, adj.rnbr, adj.redge, base.codes,
                                       np.ascontiguousarray(applied.home[:len(base.labels)]), tg)
    hpts = adj.xyz[np.sort(ent)]
    ends = adj.rank[np.concatenate([base.u[applied.edges], base.v[applied.edges]])]
    extra = _unique(np.concatenate([ends, fent]))
    lpts = adj.xyz[extra[~base.is_mixed[extra]]]
    lscale = base.lscale if len(base.dmix) else 0.0
    n_chunks = max(1, min(threads, k_all))
    chunks = [np.arange(c, k_all, n_chunks) for c in range(n_chunks)]

    def run(idx: npt.NDArray[np.int64]) -> tuple[Any, ...]:
        ws = base.spare.pop() if base.spare else shortest_paths.workspace(adj, len(base.codes))
        out = cast(tuple[Any, ...], shortest_paths.search(
            adj.indptr, adj.nbr, adj.edge, adj.xyz, w, base.length_m, base.codes, applied.edges, applied.usable,
            applied.jur, applied.home, tie, hscale, adj.rank[src[idx]], tg, np.zeros(0, dtype=np.int64), hpts,
            lscale, lpts, base.dmix if len(base.dmix) else np.zeros(base.n), ws))
        base.spare.append(ws)  # only a search that finished leaves its workspace clean
        return out

    parts = [run(chunks[0])] if n_chunks == 1 else list(_pool().map(run, chunks))
    if n_chunks == 1:  # the kernel's layout is already kind by kind, origin by origin
        d, t, pstart, p = parts[0]
        return _Found(d, np.where(t >= 0, adj.order[np.maximum(t, 0)], -1), pstart, p.astype(np.int64))
    dist = np.full((3, k_all), np.inf)
    dest = np.full((3, k_all), -1, dtype=np.int64)
    pieces: list[tuple[int, npt.NDArray[np.int32]]] = []  # (route id i * K + k, edges)
    for idx, (d, t, ps, p) in zip(chunks, parts, strict=True):
        dist[:, idx] = d
        dest[:, idx] = np.where(t >= 0, adj.order[np.maximum(t, 0)], -1)
        kc = len(idx)
        for i in range(3):
            for j, k in enumerate(idx.tolist()):
                pieces.append((i * k_all + k, p[ps[i * kc + j]:ps[i * kc + j + 1]]))
    pieces.sort(key=lambda x: x[0])
    lens = np.array([len(p) for _, p in pieces], dtype=np.int64)
    pstart = np.zeros(3 * k_all + 1, dtype=np.int64)
    np.cumsum(lens, out=pstart[1:])
    path = (np.concatenate([p for _, p in pieces]).astype(np.int64) if len(pieces)
            else np.zeros(0, dtype=np.int64))
    return _Found(dist, dest, pstart, path)


# --------------------------------------------------------------------------------------------- results


def _route_group(graph: RoadGraph, base: _Base, applied: _Applied,
                 w_info: tuple[npt.NDArray[np.float64], float, float], origins: list[tuple[int, float]],
                 targets: npt.NDArray[np.int64], state: str, scenario: Scenario | None, weight: str,
                 threads: int, extras: list[dict[str, Any]]) -> list[RouteResult]:
    """Route results of one group of origins (one state, one scenario, one destination set), in the order given.

    ``extras`` holds each result's ``extra`` (its keys in the caller's table).
    """
    src = np.array([o for o, _ in origins], dtype=np.int64)
    k_all = len(src)
    found = _search(base, applied, w_info, src, targets, threads)
    # route attributes, vectorised over every route of the group (route id r = kind * K + origin)
    path, pstart = found.path, found.pstart
    rid = np.repeat(np.arange(3 * k_all), np.diff(pstart))
    seg_m = base.length_m[path]
    jur = applied.jurisdiction(base.codes, path)
    is_foreign = applied.foreign(jur)
    km = np.bincount(rid, seg_m, minlength=3 * k_all) / 1000.0
    minutes = np.bincount(rid, base.minutes[path], minlength=3 * k_all)
    foreign_km = np.bincount(rid, np.where(is_foreign, seg_m, 0.0), minlength=3 * k_all) / 1000.0
    # the fastest routes (r < K): km by jurisdiction, jurisdiction changes, border nodes, geometry
    fast = rid < k_all
    r0, j0, m0, f0 = rid[fast], jur[fast], seg_m[fast], is_foreign[fast]
    n_lab = len(applied.labels) + 1  # column 0: none
    territory = np.bincount(r0 * n_lab + (j0 + 1), m0 / 1000.0, minlength=k_all * n_lab).reshape(k_all, n_lab)
    has_j = j0 >= 0
    rs, seq = r0[has_j], np.where(f0[has_j], j0[has_j], -2)  # -2: home (own, neutral, shared)
    change = (rs[1:] == rs[:-1]) & (seq[1:] != seq[:-1])
    n_cross = np.bincount(rs[1:][change], minlength=k_all)
    p0 = path[fast]
    node_keys = _unique(np.concatenate([r0 * base.n + base.u[p0], r0 * base.n + base.v[p0],
                                          np.arange(k_all) * base.n + src]))
    on = base.crossing[node_keys % base.n]
    n_border = np.bincount(node_keys[on] // base.n, minlength=k_all)
    geometry: list[shapely.Geometry | None] = [None] * k_all
    if len(p0):
        starts = np.flatnonzero(np.concatenate([[True], r0[1:] != r0[:-1]]))  # r0 is sorted
        routes = r0[starts]
        inverse = np.cumsum(np.concatenate([[False], r0[1:] != r0[:-1]]))
        merged = shapely.line_merge(shapely.multilinestrings(base.geoms[p0], indices=inverse))
        for r, g in zip(routes.tolist(), merged, strict=True):
            geometry[r] = g
    label = graph.provenance.label()
    schematic = bool(graph.provenance.schematic)
    name = scenario.name if scenario is not None else "as is"
    edge_ids = base.edge_ids
    out: list[RouteResult] = []
    for k, (o, snap) in enumerate(origins):
        sov, lf = k_all + k, 2 * k_all + k
        sov_ok = bool(found.dest[1, k] >= 0)
        lf_ok = bool(found.dest[2, k] >= 0)
        common: dict[str, Any] = dict(
            origin_node=o, snap_m=snap, sovereign_only=sov_ok,
            sovereign_only_km=float(km[sov]) if sov_ok else math.nan,
            sovereign_only_minutes=float(minutes[sov]) if sov_ok else math.nan,
            least_foreign_km=float(foreign_km[lf]) if lf_ok else math.nan,
            least_foreign_route_km=float(km[lf]) if lf_ok else math.nan,
            least_foreign_minutes=float(minutes[lf]) if lf_ok else math.nan,
            state=state, scenario=name, weight=weight, source=label, schematic=schematic, extra=extras[k])
        if found.dest[0, k] < 0:
            out.append(RouteResult(found=False, destination_node=-1, km=math.nan, minutes=math.nan,
                                   foreign_km={}, territory_km={}, n_crossings=0, n_border_nodes=0,
                                   path_edge_ids=(), geometry=None, reason="no route", **common))
            continue
        row = territory[k]
        terr = {("none" if c == 0 else applied.labels[c - 1]): float(row[c]) for c in np.flatnonzero(row).tolist()}
        foreign = {k_: v for k_, v in terr.items() if k_ not in (*HOME_LIKE, "none", state)}
        edges_k = path[pstart[k]:pstart[k + 1]]
        out.append(RouteResult(found=True, destination_node=int(found.dest[0, k]), km=float(km[k]),
                               minutes=float(minutes[k]), foreign_km=foreign, territory_km=terr,
                               n_crossings=int(n_cross[k]), n_border_nodes=int(n_border[k]),
                               path_edge_ids=tuple(edge_ids[edges_k].tolist()), geometry=geometry[k], reason="",
                               **common))
    return out
