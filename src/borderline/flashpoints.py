"""Flashpoints: places where roads and borders meet, ranked by a transparent score.

:func:`flashpoints` finds four kinds of place on a :class:`~borderline.roads.RoadGraph` split at state borders:

``crossing``
    A road crosses a border: every graph node with a ``crossing`` label (``"KGZ–TJK"``).
``meeting``
    Two states' roads meet at or near the border without a crossing: a node (not a border node) whose
    incident edges lie in two states, or two nodes of different states within ``near_m`` metres of each
    other (geodesic, WGS84) that the graph does not already join by a road of at most ``2 × near_m``.
    Candidate pairs come from an STRtree query in degrees, used as a search window only; every pair is then
    measured with :class:`pyproj.Geod`.
``parallel``
    A road stretch that runs within ``along_m`` metres of another state's territory for at least
    :data:`PARALLEL_MIN_FACTOR` × ``along_m``: the part of an edge inside the ``along_m`` band around a
    neighbouring state, cut in a local azimuthal equidistant projection centred on the edge
    (:func:`borderline.geodesy.local_crs`); lengths are geodesic. Edges drawn along a border (``on_border``)
    are parallel stretches as a whole.
``dependency``
    A stretch in one state's territory that a route of another state's community uses (``dependencies``:
    route edge ids per travelling state, e.g. :attr:`borderline.access.RouteResult.path_edge_ids`).
    Consecutive foreign edges of one route form one stretch; routes using the same stretch share one row.
    Foreign means the edge's ``state`` differs from the traveller's (arrangements such as neutral roads are
    not applied here).

Meetings are reported per node pair; crossings per border node; parallel stretches per (edge, neighbour)
part. The same place can appear as more than one kind (a crossing on a dependency route, say): each kind
answers a different question.

Score
-----
``score = score_road_class + score_population + score_dependency + score_incidents + score_status``, every
part a column so the ranking can be checked and re-weighted:

- ``score_road_class``: the best road class at the place, by :data:`ROAD_CLASS_WEIGHTS` (primary 1.0, secondary
  0.8, tertiary 0.6, anything else 0.4; motorway and trunk count as primary, ``*_link`` as its class). These
  weights are the project's assumptions, not measurements.
- ``score_population``: ``min(1, log10(1 + P) / 6)`` where ``P`` is the population of the GeoNames places
  (≥ 500 inhabitants, :func:`borderline.settlements.settlements`) within ``population_radius_km`` (geodesic)
  of the flashpoint; 6 = log10 of one million, so a million people nearby scores 1 and nobody scores 0.
- ``score_dependency``: 1.0 when a dependency route uses an edge of the flashpoint (for points: an incident
  edge), else 0.
- ``score_incidents``: ``min(1, log10(1 + D + N) / 2)`` where ``N`` incidents (``incidents=``) with ``D`` deaths
  in all lie within ``incident_radius_km`` of the flashpoint plus each incident's own location uncertainty
  (geodesic); 100 deaths and incidents score 1, none 0. ``incidents_n``, ``incidents_deaths`` and
  ``incident_ids`` show the evidence. 0 without ``incidents``.
- ``score_status``: by the status, on ``status_date``, of the located register segment (``register=``) that
  holds the flashpoint's chainage: :data:`STATUS_WEIGHTS` (undefined or disputed 1, described 0.5, delimited,
  demarcated or neutral 0); shown in ``segment_status``. 0 where no located segment applies or without a
  register.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from borderline.datasets import States
from borderline.errors import DataError
from borderline.geodesy import geod, line_lengths_km, local_crs, segment_lengths_m
from borderline.roads import RoadGraph

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Weight of a road class in ``score_road_class``. The project's assumptions: a busier class of road makes a
#: border place matter more. Classes not listed score :data:`OTHER_CLASS_WEIGHT`.
ROAD_CLASS_WEIGHTS: dict[str, float] = {
    "motorway": 1.0,
    "trunk": 1.0,
    "primary": 1.0,
    "secondary": 0.8,
    "tertiary": 0.6,
}
#: Weight of every class not in :data:`ROAD_CLASS_WEIGHTS` (an assumption, as above).
OTHER_CLASS_WEIGHT = 0.4

#: Population at which ``score_population`` reaches 1 (log10 of it is the divisor).
POPULATION_REFERENCE = 1_000_000

#: A ``parallel`` stretch is at least this many times ``along_m`` long, so that a road crossing the border
#: (which is within ``along_m`` of it for about ``along_m`` on each side) is not reported as parallel.
PARALLEL_MIN_FACTOR = 5.0

#: Spacing in degrees (about 280 m) to which stretches are densified when their distance to places is measured:
#: the distance is to the nearest densified vertex, at most about 140 m more than to the line.
POPULATION_DENSIFY_DEG = 0.0025

#: Kinds of flashpoint, in the order rows with equal scores are listed.
KINDS = ("crossing", "meeting", "parallel", "dependency")

COLUMNS = ["flashpoint_id", "kind", "pair", "states", "road_names", "road_class", "km", "population",
           "score_road_class", "score_population", "score_dependency", "score_incidents", "score_status", "score",
           "edge_ids", "source", "schematic", "incidents_n", "incidents_deaths", "incident_ids", "segment_status",
           "geometry"]

_DIJKSTRA_CHUNK = 256  # source nodes per shortest-path call (each returns a dense row per source)
_M_PER_DEG_MIN = 110_000.0  # a little under the shortest degree (of latitude at the equator, 110.57 km)


def flashpoints(
    graph: RoadGraph,
    states: States | gpd.GeoDataFrame,
    *,
    near_m: float = 500.0,
    along_m: float = 200.0,
    population_radius_km: float = 10.0,
    dependencies: pd.DataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    incident_radius_km: float = 5.0,
    register: Any = None,
    status_date: Any = None,
) -> gpd.GeoDataFrame:
    """Crossings, meetings, parallel stretches and dependencies of a road graph, ranked by score.

    Parameters
    ----------
    graph : RoadGraph
        A graph split at state borders (:func:`borderline.roads.roads_from_lines` with ``states``, or
        :func:`borderline.cases.load_case_roads`); nodes need ``crossing`` and ``state``, edges ``u``, ``v``,
        ``state``, ``road_class``, ``length_m`` and ``name``.
    states : States or GeoDataFrame
        The state polygons the graph was split with (``state_id``, EPSG:4326).
    near_m : float
        Distance in metres (geodesic) within which two states' road nodes count as meeting.
    along_m : float
        Distance in metres from a neighbouring state within which a road runs "along" the border.
    population_radius_km : float
        Radius in km (geodesic) within which GeoNames population is counted.
    dependencies : DataFrame, optional
        One row per route: ``state`` (the travelling community's state) and ``path_edge_ids`` (iterable of
        ``edge_id``, e.g. ``RouteResult.path_edge_ids``); an optional ``community`` column names the route.
    incidents : GeoDataFrame, optional
        Conflict incidents (:func:`borderline.incidents.read_incidents`: Point geometry, ``incident_id``,
        ``deaths_best``, ``uncertainty_km``) for ``score_incidents``.
    incident_radius_km : float
        An incident counts for a flashpoint within this distance (geodesic) plus its own uncertainty radius.
    register : Register, optional
        A located segment register (:meth:`borderline.register.Register.locate`) for ``score_status``.
    status_date : date-like, optional
        The date of the status used (default: today).

    Returns
    -------
    GeoDataFrame
        One row per flashpoint, sorted by ``score`` descending: ``flashpoint_id`` (str, stable: kind and node
        or edge ids), ``kind`` (see :data:`KINDS`), ``pair`` (``"A–B"``, codes sorted, en dash), ``states``
        (codes joined by ``;``), ``road_names`` (``; ``-joined), ``road_class`` (the best class),
        ``km`` (stretch length, geodesic; NaN for points), ``population`` (int), the score parts and ``score``
        (see the module docstring), ``edge_ids`` (tuple of the graph's ``edge_id`` involved), ``source`` (the
        graph's provenance label, which says whether it is schematic), ``schematic`` (bool) and ``geometry``
        (Point for crossings and meetings, LineString or MultiLineString for stretches; EPSG:4326).

    Raises
    ------
    DataError
        If the graph lacks a needed column, a distance is negative or not a number, ``states`` has no
        ``state_id``, or ``dependencies`` lacks ``state`` / ``path_edge_ids``.
    """
    _check_graph(graph)
    for name, value in (("near_m", near_m), ("along_m", along_m), ("population_radius_km", population_radius_km)):
        _check_distance(name, value)
    frame = _states_frame(states)
    nodes, edges = graph.nodes, graph.edges
    incident = _incident(graph)

    rows: list[dict[str, object]] = []
    rows += _crossings(nodes, incident)
    rows += _meetings(graph, incident, float(near_m))
    rows += _parallels(edges, frame, float(along_m))
    dep_edges: set[int] = set()
    if dependencies is not None:
        dep_rows, dep_edges = _dependencies(edges, dependencies)
        rows += dep_rows
    _check_distance("incident_radius_km", incident_radius_km)
    result = _finish(graph, rows, dep_edges, float(population_radius_km))
    return _with_history(result, incidents, float(incident_radius_km), register, status_date)


#: ``score_status`` by the status of the border segment at a flashpoint: where the line is not agreed, a road
#: meeting it is likelier to see trouble. The project's assumptions, like the road-class weights.
STATUS_WEIGHTS = {"undefined": 1.0, "disputed": 1.0, "described": 0.5, "delimited": 0.0, "demarcated": 0.0,
                  "neutral": 0.0}
#: Deaths plus incidents at which ``score_incidents`` reaches 1 (``log10(1 + deaths + n) / log10(this)``).
INCIDENT_REFERENCE = 100.0


def _with_history(result: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame | None, radius_km: float,
                  register: Any, status_date: Any) -> gpd.GeoDataFrame:
    """Fill the incident and status parts of the score, add their evidence columns, and re-rank."""
    n = len(result)
    out = result.copy()
    if n == 0:
        return out
    geoms = np.asarray(out.geometry.values, dtype=object)
    if incidents is not None and len(incidents):
        from borderline.geodesy import segment_lengths_m

        pts = np.asarray(incidents.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        pts = pts[ok]
        inc = incidents[ok]
        xy = shapely.get_coordinates(pts)
        unc = pd.to_numeric(inc.get("uncertainty_km", pd.Series(np.nan, index=inc.index)), errors="coerce")
        reach = radius_km + unc.fillna(0.0).to_numpy(dtype=float)
        deaths = pd.to_numeric(inc.get("deaths_best", pd.Series(np.nan, index=inc.index)),
                               errors="coerce").fillna(0.0).to_numpy(dtype=float)
        ids = inc["incident_id"].astype(str).to_numpy() if "incident_id" in inc else np.arange(len(inc)).astype(str)
        n_hit, d_hit, id_hit = [], [], []
        for g in geoms:
            # the nearest point of the flashpoint in degrees is a search aid; the distance is geodesic
            near = shapely.get_coordinates(shapely.shortest_line(pts, g))[1::2]
            km = segment_lengths_m(xy[:, 0], xy[:, 1], near[:, 0], near[:, 1]) / 1000.0
            hit = km <= reach
            n_hit.append(int(hit.sum()))
            d_hit.append(float(deaths[hit].sum()))
            id_hit.append("; ".join(ids[hit]))
        out["incidents_n"] = n_hit
        out["incidents_deaths"] = d_hit
        out["incident_ids"] = id_hit
        out["score_incidents"] = np.minimum(np.log10(1.0 + out["incidents_deaths"] + out["incidents_n"])
                                            / math.log10(INCIDENT_REFERENCE), 1.0)
    if register is not None and register.border is not None:
        from borderline.chainage import locate
        from borderline.register import status_on

        pair = "–".join(sorted(register.border.pair))
        on_pair = out["pair"].astype(str).to_numpy() == pair
        if on_pair.any():
            now = status_on(register, status_date if status_date is not None else pd.Timestamp.today())
            now = now[now["located"]]
            where = _anchor(geoms[on_pair])
            ch = locate(where, register.border)["chainage_km"].to_numpy(dtype=float)
            lo, hi = now["from_km"].to_numpy(dtype=float), now["to_km"].to_numpy(dtype=float)
            status = np.full(len(ch), None, dtype=object)
            for i, c in enumerate(ch):
                hit = np.flatnonzero((lo <= c + 1e-9) & (c <= hi + 1e-9))
                if len(hit):
                    status[i] = now["status"].iloc[hit[-1]]
            col = np.full(n, None, dtype=object)
            col[on_pair] = status
            out["segment_status"] = col
            out["score_status"] = [STATUS_WEIGHTS.get(str(x), 0.0) if x is not None else 0.0 for x in col]
    parts = ["score_road_class", "score_population", "score_dependency", "score_incidents", "score_status"]
    out["score"] = out[parts].sum(axis=1)
    out["_kind_order"] = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = out.sort_values(["score", "_kind_order", "flashpoint_id"], ascending=[False, True, True], kind="stable")
    out = out.drop(columns="_kind_order").reset_index(drop=True)
    final = gpd.GeoDataFrame(out[COLUMNS], geometry="geometry", crs=4326)
    final.attrs = dict(result.attrs)
    return final


def _anchor(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """A point for each flashpoint: itself, or the middle of a stretch."""
    is_line = shapely.get_type_id(geoms) != 0
    out = geoms.copy()
    if is_line.any():
        out[is_line] = shapely.line_interpolate_point(geoms[is_line], 0.5, normalized=True)
    return out


# --------------------------------------------------------------------------------------------- kinds


def _incident(graph: RoadGraph) -> pd.Series:
    """Per node position, the edge positions touching it (a Series of int arrays; missing for none)."""
    e = graph.edges
    m = len(e)
    ends = np.concatenate([e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)])
    pos = np.concatenate([np.arange(m), np.arange(m)])
    frame = pd.DataFrame({"node": ends, "edge": pos}).drop_duplicates()
    return frame.groupby("node")["edge"].agg(lambda s: s.to_numpy(dtype=np.int64))


def _crossings(nodes: gpd.GeoDataFrame, incident: pd.Series) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    labels = nodes["crossing"].to_numpy(dtype=object)
    geoms = nodes.geometry.to_numpy()
    for i in np.flatnonzero(pd.notna(nodes["crossing"]).to_numpy()):  # border nodes only
        pair = str(labels[i])
        out.append({"flashpoint_id": f"crossing:n{int(nodes['node_id'].iloc[i])}", "kind": "crossing",
                    "pair": pair, "states": pair.replace("–", ";"), "_edges": _edges_of(incident, [int(i)]),
                    "km": math.nan, "geometry": geoms[i]})
    return out


def _meetings(graph: RoadGraph, incident: pd.Series, near_m: float) -> list[dict[str, object]]:
    nodes, edges = graph.nodes, graph.edges
    out: list[dict[str, object]] = []
    e_state = edges["state"].to_numpy(dtype=object)
    node_state = nodes["state"].to_numpy(dtype=object)
    crossing = pd.notna(nodes["crossing"]).to_numpy()
    geoms = nodes.geometry.to_numpy()
    # (a) a node that is not a border node but whose edges lie in two or more states
    for node, inc in zip(incident.index.to_numpy(dtype=np.int64), incident.to_numpy(), strict=True):
        i = int(node)
        if crossing[i]:
            continue
        codes = sorted({str(s) for s in e_state[inc] if s is not None and not pd.isna(s)})
        if len(codes) >= 2:
            out.append({"flashpoint_id": f"meeting:n{i}", "kind": "meeting", "pair": "–".join(codes),
                        "states": ";".join(codes), "_edges": _edges_of(incident, [i]), "km": math.nan,
                        "geometry": geoms[i]})
    # (b) nodes of two states within near_m of each other, not already joined by a short road
    has_state = np.array([s is not None and not pd.isna(s) for s in node_state], dtype=bool)
    idx = np.flatnonzero(has_state)
    if near_m <= 0 or len(idx) < 2:
        return out
    xy = shapely.get_coordinates(geoms[idx])
    max_lat = min(float(np.abs(xy[:, 1]).max()) + near_m / _M_PER_DEG_MIN, 89.0)
    window_deg = near_m / (_M_PER_DEG_MIN * math.cos(math.radians(max_lat)))  # search window only
    tree = shapely.STRtree(geoms[idx])
    left, right = tree.query(geoms[idx], predicate="dwithin", distance=window_deg)
    keep = (left < right) & (node_state[idx[left]] != node_state[idx[right]])
    a, b = idx[left[keep]], idx[right[keep]]
    if len(a) == 0:
        return out
    pa, pb = shapely.get_coordinates(geoms[a]), shapely.get_coordinates(geoms[b])
    d_m = segment_lengths_m(pa[:, 0], pa[:, 1], pb[:, 0], pb[:, 1])
    close = d_m <= near_m
    a, b, pa, pb, d_m = a[close], b[close], pa[close], pb[close], d_m[close]
    if len(a) == 0:
        return out
    # road distance between the two nodes, capped at 2 × near_m; sources in chunks to bound the dense result
    csr = graph.csr("length_m")
    joined = np.zeros(len(a), dtype=bool)
    src = np.unique(a)
    for lo in range(0, len(src), _DIJKSTRA_CHUNK):
        chunk = src[lo:lo + _DIJKSTRA_CHUNK]
        net = dijkstra(csr, directed=False, indices=chunk, limit=2.0 * near_m)
        sel = np.flatnonzero(np.isin(a, chunk))
        joined[sel] = np.isfinite(net[np.searchsorted(chunk, a[sel]), b[sel]])
    g = geod()
    for k in np.flatnonzero(~joined):
        az, _, _ = g.inv(pa[k, 0], pa[k, 1], pb[k, 0], pb[k, 1])
        mx, my, _ = g.fwd(pa[k, 0], pa[k, 1], az, d_m[k] / 2.0)
        codes = sorted([str(node_state[a[k]]), str(node_state[b[k]])])
        ids = sorted([int(nodes["node_id"].iloc[a[k]]), int(nodes["node_id"].iloc[b[k]])])
        out.append({"flashpoint_id": f"meeting:n{ids[0]}-n{ids[1]}", "kind": "meeting", "pair": "–".join(codes),
                    "states": ";".join(codes), "_edges": _edges_of(incident, [int(a[k]), int(b[k])]),
                    "km": math.nan, "geometry": shapely.Point(mx, my)})
    return out


def _parallels(edges: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, along_m: float) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    geoms = edges.geometry.to_numpy()
    e_state = edges["state"].to_numpy(dtype=object)
    eid = edges["edge_id"].to_numpy(dtype=np.int64)
    # edges drawn along a border are parallel stretches as they stand
    if "on_border" in edges.columns:
        on = edges["on_border"].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.notna(edges["on_border"]).to_numpy()):
            pair = str(on[i])
            out.append({"flashpoint_id": f"parallel:e{eid[i]}", "kind": "parallel", "pair": pair,
                        "states": pair.replace("–", ";"), "_edges": (int(i),),
                        "km": float(edges["length_m"].iloc[i]) / 1000.0, "geometry": geoms[i]})
    if along_m <= 0 or len(frame) == 0:
        return out
    codes = frame["state_id"].astype(str).to_numpy()
    polys = frame.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    max_lat = min(float(np.nanmax(np.abs(bounds[:, [1, 3]]))) + along_m / _M_PER_DEG_MIN, 89.0)
    window_deg = along_m / (_M_PER_DEG_MIN * math.cos(math.radians(max_lat)))  # search window only
    tree = shapely.STRtree(polys)
    e_idx, s_idx = tree.query(geoms, predicate="dwithin", distance=window_deg)
    min_m = PARALLEL_MIN_FACTOR * along_m
    for i, s in zip(e_idx, s_idx, strict=True):  # the few (edge, neighbour) pairs near each other
        own = e_state[i]
        if own is None or pd.isna(own) or codes[s] == own:
            continue
        line = geoms[i]
        x0, y0, x1, y1 = bounds[i]
        other = shapely.clip_by_rect(polys[s], x0 - 2 * window_deg, y0 - 2 * window_deg,
                                     x1 + 2 * window_deg, y1 + 2 * window_deg)
        if other.is_empty:
            continue
        c = line.centroid
        fwd = Transformer.from_crs(4326, local_crs(c.x, c.y), always_xy=True)
        line_m = shapely.transform(line, lambda p, f=fwd: np.column_stack(f.transform(p[:, 0], p[:, 1])))
        other_m = shapely.transform(other, lambda p, f=fwd: np.column_stack(f.transform(p[:, 0], p[:, 1])))
        near = shapely.line_merge(shapely.intersection(line_m, shapely.buffer(other_m, along_m, quad_segs=16)))
        parts = [p for p in shapely.get_parts(near) if p.geom_type == "LineString" and p.length >= 0.9 * min_m]
        if not parts:
            continue
        back = Transformer.from_crs(local_crs(c.x, c.y), 4326, always_xy=True)
        parts_deg = [shapely.transform(p, lambda q, f=back: np.column_stack(f.transform(q[:, 0], q[:, 1])))
                     for p in parts]
        km = line_lengths_km(parts_deg)
        pair_codes = sorted([str(own), str(codes[s])])
        for k, (part, length_km) in enumerate(zip(parts_deg, km, strict=True)):
            if length_km * 1000.0 < min_m:
                continue
            out.append({"flashpoint_id": f"parallel:e{eid[i]}:{codes[s]}:{k}", "kind": "parallel",
                        "pair": "–".join(pair_codes), "states": ";".join(pair_codes), "_edges": (int(i),),
                        "km": float(length_km), "geometry": part})
    return out


def _dependencies(edges: gpd.GeoDataFrame, deps: pd.DataFrame) -> tuple[list[dict[str, object]], set[int]]:
    """Dependency stretches, and the edge positions used by any dependency route."""
    if not isinstance(deps, pd.DataFrame) or not {"state", "path_edge_ids"} <= set(deps.columns):
        raise DataError("dependencies must be a DataFrame with columns state and path_edge_ids (edge_id values, "
                        "e.g. RouteResult.path_edge_ids)")
    pos_of = pd.Series(np.arange(len(edges)), index=edges["edge_id"].to_numpy(dtype=np.int64))
    e_state = edges["state"].to_numpy(dtype=object)
    used: set[int] = set()
    stretches: dict[tuple[int, ...], dict[str, object]] = {}
    for row in deps.itertuples(index=False):
        ids = [_edge_id(x) for x in _as_ids(row.path_edge_ids)]
        missing = [x for x in ids if x not in pos_of.index]
        if missing:
            raise DataError(f"dependency route edge_id {missing[0]} is not in the graph; pass path_edge_ids of "
                            "routes on this graph")
        pos = pos_of.loc[ids].to_numpy(dtype=np.int64) if ids else np.zeros(0, dtype=np.int64)
        used.update(int(p) for p in pos)
        home = str(row.state)
        run: list[int] = []
        for p in [*pos.tolist(), -1]:  # -1 closes the last run
            st = e_state[p] if p >= 0 else None
            foreign = st is not None and not pd.isna(st) and str(st) != home
            if foreign and (not run or e_state[run[-1]] == st):
                run.append(p)
                continue
            if run:
                key = tuple(sorted(run))
                host = str(e_state[run[0]])
                item = stretches.setdefault(key, {"host": host, "users": set()})
                users = item["users"]
                assert isinstance(users, set)
                users.add(home)
            run = [p] if foreign else []
    out: list[dict[str, object]] = []
    geoms = edges.geometry.to_numpy()
    eid = edges["edge_id"].to_numpy(dtype=np.int64)
    length_m = edges["length_m"].to_numpy(dtype=np.float64)
    for key, item in stretches.items():
        users = item["users"]
        assert isinstance(users, set)
        codes = sorted({str(item["host"]), *users})
        idx = np.asarray(key, dtype=np.int64)
        merged = shapely.line_merge(shapely.union_all(geoms[idx]))
        out.append({"flashpoint_id": "dependency:" + "+".join(f"e{eid[k]}" for k in key), "kind": "dependency",
                    "pair": "–".join(codes), "states": ";".join(codes), "_edges": key,
                    "km": float(length_m[idx].sum()) / 1000.0, "geometry": merged})
    return out, used


# --------------------------------------------------------------------------------------------- scoring


def _finish(graph: RoadGraph, rows: list[dict[str, object]], dep_edges: set[int],
            radius_km: float) -> gpd.GeoDataFrame:
    edges = graph.edges
    prov = graph.provenance
    if not rows:
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in COLUMNS if c != "geometry"},
                                 geometry=gpd.GeoSeries([], crs=4326), crs=4326)
        empty.attrs["provenance"] = prov.as_dict()
        return empty
    classes = edges["road_class"].astype(str).str.lower().to_numpy(dtype=object)
    weights = np.array([_class_weight(c) for c in classes], dtype=np.float64)
    names = edges["name"].to_numpy(dtype=object)
    eid = edges["edge_id"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(rows)
    best_cls: list[str | None] = []
    best_w: list[float] = []
    road_names: list[str] = []
    edge_ids: list[tuple[int, ...]] = []
    dep: list[float] = []
    for e in out["_edges"]:
        idx = np.asarray(e, dtype=np.int64)
        if len(idx):
            k = idx[np.argmax(weights[idx])]
            best_cls.append(str(classes[k]))
            best_w.append(float(weights[k]))
        else:
            best_cls.append(None)
            best_w.append(0.0)
        road_names.append("; ".join(sorted({str(n) for n in names[idx] if n is not None and not pd.isna(n)})))
        edge_ids.append(tuple(int(x) for x in eid[idx]))
        dep.append(1.0 if dep_edges.intersection(int(x) for x in idx) else 0.0)
    geoms = np.asarray(out["geometry"].to_numpy(), dtype=object)
    population = _population(geoms, radius_km)
    out["road_names"] = road_names
    out["road_class"] = best_cls
    out["edge_ids"] = edge_ids
    out["population"] = population
    out["score_road_class"] = best_w
    out["score_population"] = np.minimum(np.log10(1.0 + population) / math.log10(POPULATION_REFERENCE), 1.0)
    out["score_dependency"] = dep
    out["score_incidents"] = 0.0  # placeholder: incident records join in a later issue
    out["score_status"] = 0.0  # placeholder: the border-status register joins in a later issue
    parts = ["score_road_class", "score_population", "score_dependency", "score_incidents", "score_status"]
    out["score"] = out[parts].sum(axis=1)
    out["source"] = prov.label()
    out["schematic"] = bool(prov.schematic)
    out["incidents_n"], out["incidents_deaths"], out["incident_ids"], out["segment_status"] = 0, 0.0, "", None
    out["_kind_order"] = out["kind"].map({k: i for i, k in enumerate(KINDS)})
    out = out.sort_values(["score", "_kind_order", "flashpoint_id"], ascending=[False, True, True], kind="stable")
    result = gpd.GeoDataFrame(out[COLUMNS].reset_index(drop=True), geometry="geometry", crs=4326)
    result.attrs["provenance"] = prov.as_dict()
    return result


def _class_weight(cls: str) -> float:
    base = cls[:-5] if cls.endswith("_link") else cls
    return ROAD_CLASS_WEIGHTS.get(base, OTHER_CLASS_WEIGHT)


def _population(geoms: npt.NDArray[np.object_], radius_km: float) -> npt.NDArray[np.int64]:
    """GeoNames population within ``radius_km`` (geodesic) of each geometry."""
    from borderline.settlements import _tree, settlements

    out = np.zeros(len(geoms), dtype=np.int64)
    if radius_km <= 0 or len(geoms) == 0:
        return out
    places = settlements(500)
    pop = places["population"].to_numpy(dtype=np.int64)
    pxy = shapely.get_coordinates(places.geometry.to_numpy())
    lat = float(np.abs(shapely.bounds(geoms)[:, [1, 3]]).max())
    max_lat = min(lat + radius_km * 1000.0 / _M_PER_DEG_MIN, 89.0)
    window_deg = radius_km * 1000.0 / (_M_PER_DEG_MIN * math.cos(math.radians(max_lat)))  # search window only
    g_idx, p_idx = _tree(500).query(geoms, predicate="dwithin", distance=window_deg)
    if len(g_idx) == 0:
        return out
    dense = shapely.segmentize(geoms, POPULATION_DENSIFY_DEG)
    vxy, v_of = shapely.get_coordinates(dense, return_index=True)
    # pair every (geometry, place) candidate with the geometry's vertices; keep the nearest vertex per pair
    starts = np.searchsorted(v_of, np.arange(len(geoms)))
    counts = np.bincount(v_of, minlength=len(geoms))
    reps = counts[g_idx]
    pair = np.repeat(np.arange(len(g_idx)), reps)
    vert = np.repeat(starts[g_idx] - np.cumsum(reps) + reps, reps) + np.arange(reps.sum())
    d_m = segment_lengths_m(vxy[vert, 0], vxy[vert, 1], pxy[p_idx[pair], 0], pxy[p_idx[pair], 1])
    nearest = np.full(len(g_idx), np.inf)
    np.minimum.at(nearest, pair, d_m)
    hit = nearest <= radius_km * 1000.0
    np.add.at(out, g_idx[hit], pop[p_idx[hit]])
    return out


# --------------------------------------------------------------------------------------------- checks


def _edges_of(incident: pd.Series, node_pos: Iterable[int]) -> tuple[int, ...]:
    found: set[int] = set()
    for n in node_pos:
        if n in incident.index:
            found.update(int(x) for x in incident.loc[n])
    return tuple(sorted(found))


def _as_ids(value: object) -> list[object]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise DataError(f"path_edge_ids value {value!r} is not a sequence of edge ids")
    return list(value)


def _edge_id(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise DataError(f"path_edge_ids holds {value!r}, not an edge id") from None


def _check_graph(graph: RoadGraph) -> None:
    if not isinstance(graph, RoadGraph):
        raise DataError(f"graph is a {type(graph).__name__}, not a RoadGraph; build one with roads_from_lines")
    for what, frame, cols in (("nodes", graph.nodes, ("crossing", "state", "node_id")),
                              ("edges", graph.edges, ("edge_id", "u", "v", "state", "road_class", "length_m",
                                                      "name"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"road graph {what} lack column {missing[0]!r}; build the graph with states= so that "
                            "it is split at borders")


def _check_distance(name: str, value: float) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    if not ok:
        raise DataError(f"{name}={value!r}: give a distance ≥ 0")


def _states_frame(states: States | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = states.frame if isinstance(states, States) else states
    if not isinstance(frame, gpd.GeoDataFrame) or "state_id" not in frame.columns:
        raise DataError("states must be States or a GeoDataFrame with a state_id column; load them with "
                        "borderline.load_states")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        frame = frame.to_crs(4326)
    return frame
