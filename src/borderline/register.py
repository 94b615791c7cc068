"""Border segment register: which stretches of a border are agreed, by which instrument, and when.

The register is a list of *records*. Each record says that a segment had a status from a date on, by an
instrument, with its sources. A segment may have several records, one per change of status. "The status of the
border on a date" is, for every segment, its latest record on or before that date. Segments named in a
record's ``supersedes`` drop out from that record's date on (a treaty replacing the sections agreed before it).

A segment is *located* when the record gives a geometry, or a chainage range (``from_km`` / ``to_km``, km along
the pair's border from the register's ``origin``: see :mod:`borderline.chainage`). It is *unlocated* when only
its length is known (``length_km``), as for most published figures ("40 more km agreed"). Both count in the km
per status; only located segments can be drawn and checked for overlaps. A record's km is its stated
``length_km`` when it gives one (the instrument's own figure), else the geodesic length of its geometry on the
map data, which may be simplified and shorter than the surveyed line.

File format ``borderline-register/1``
-------------------------------------
A YAML document a person can edit (``.yaml``/``.yml``); the same records as CSV (``.csv``: one row per record,
geometry as WKT, with the register's header fields repeated in ``register``/``state_left``/``state_right``
columns and no ``totals``/``figures``); or a GeoPackage (``.gpkg``: layer ``segments`` with every record and its
geometry, located by chainage or not, plus non-spatial layers ``totals``, ``figures`` and ``register``). Keys:

``format``
    ``borderline-register/1``.
``register``, ``title``
    Id and title.
``state_left``, ``state_right``
    The pair, as in Overture's ``division_boundary`` (``left``/``right`` of the line in the direction of
    chainage; the register does not depend on which is which).
``origin``
    Where chainage 0 is: ``west``, ``east``, ``north``, ``south``, a third state's code (its tripoint) or
    ``[lon, lat]``.
``totals``
    Published total lengths, each ``{km, who, date, source}``: kept all, shown as a range, never averaged.
``figures``
    Published progress figures, each ``{date, km_agreed, of_km, who, source}``: checkpoints shown beside the
    register's own sums.
``segments``
    The records, each with ``id``, ``status`` (one of :data:`STATUSES`), ``date`` (ISO ``YYYY-MM-DD``),
    ``date_note`` (e.g. "before 2011", how exact the date is), ``instrument``, ``length_km`` or ``from_km`` /
    ``to_km`` (``to_km: end`` for the end of the border) or ``geometry`` (WKT or GeoJSON), ``sources`` (list of
    URLs), ``supersedes`` (list of segment ids), ``derived`` (true when the km are computed from other figures,
    explained in ``notes``), ``notes``.

Statuses
--------
``undefined`` (no agreed line), ``disputed`` (claims differ), ``described`` (the line agreed in words and on maps
by the delegations), ``delimited`` (fixed by a treaty or agreement in force), ``demarcated`` (marked on the
ground), ``neutral`` (a strip belonging to neither side). :data:`AGREED` lists the ones that count as agreed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.chainage import BorderLine
from borderline.datasets import Provenance
from borderline.errors import DataError, InputFileError, first_line
from borderline.geodesy import line_lengths_km
from borderline.io import atomic_path, file_version

FORMAT = "borderline-register/1"
STATUSES = ("undefined", "disputed", "described", "delimited", "demarcated", "neutral")
#: Statuses that count as an agreed line.
AGREED = ("described", "delimited", "demarcated")
#: Columns of :attr:`Register.records`, in order.
RECORD_COLUMNS = ["row", "segment_id", "status", "date", "date_note", "instrument", "length_km", "from_km", "to_km",
                  "located", "km", "sources", "supersedes", "derived", "notes", "geometry"]
TOTAL_COLUMNS = ["km", "who", "date", "source"]
FIGURE_COLUMNS = ["date", "km_agreed", "of_km", "who", "source"]
#: Working columns kept beside the records for validation (the text as written, values that did not parse).
_WORK = ["to_end", "date_raw", "bad_values"]
_END = "end"


@dataclass(frozen=True)
class Register:
    """A border's segment register.

    Attributes
    ----------
    register_id, title : str
    pair : (str, str)
        ``(state_left, state_right)``.
    origin : str
        Chainage origin (see :mod:`borderline.chainage`).
    records : GeoDataFrame
        :data:`RECORD_COLUMNS`; ``row`` is the record's position in the file (1-based), ``km`` the length that
        counts (``length_km`` when stated, else the geodesic length of the geometry), ``to_km`` is NaN with
        ``to_end`` meaning "to the end of the border" until :meth:`locate` resolves it.
    totals, figures : DataFrame
        Published totals (:data:`TOTAL_COLUMNS`) and progress figures (:data:`FIGURE_COLUMNS`).
    provenance : Provenance
    """

    register_id: str
    title: str
    pair: tuple[str, str]
    origin: str
    records: gpd.GeoDataFrame
    totals: pd.DataFrame
    figures: pd.DataFrame
    provenance: Provenance
    border: BorderLine | None = field(default=None, compare=False)

    @property
    def total_range_km(self) -> tuple[float, float]:
        """Lowest and highest published total length (NaN, NaN without totals)."""
        km = pd.to_numeric(self.totals["km"], errors="coerce").dropna()
        return (float(km.min()), float(km.max())) if len(km) else (float("nan"), float("nan"))

    def locate(self, border: BorderLine) -> Register:
        """Give chainage-located records their geometry on ``border`` (and their geodesic km).

        Parameters
        ----------
        border : BorderLine
            The pair's border (:func:`borderline.chainage.border_line`), laid out from this register's origin.

        Returns
        -------
        Register
            A copy whose chainage records carry geometry; ranges that do not fit the border keep none (and
            :func:`validate` reports them).
        """
        rec = self.records.copy()
        geoms = np.asarray(rec.geometry.values, dtype=object).copy()
        to_km = rec["to_km"].to_numpy(dtype=float).copy()
        to_end = rec["to_end"].to_numpy(dtype=bool)
        to_km[to_end] = border.length_km
        has_range = rec["from_km"].notna().to_numpy() & (np.isfinite(to_km))
        for i in np.flatnonzero(has_range & shapely.is_missing(geoms)):
            a, b = float(rec["from_km"].iloc[i]), float(to_km[i])
            if 0 <= a < b <= border.length_km + 1e-3:
                geoms[i] = border.substring(a, b)
        rec["to_km"] = to_km
        rec = gpd.GeoDataFrame(rec.drop(columns="geometry"), geometry=list(geoms), crs=4326)
        rec = _with_km(rec)
        return replace(self, records=rec[[*RECORD_COLUMNS, *_WORK]], border=border)


# --------------------------------------------------------------------------------------------- reading


def read_register(source: str | os.PathLike[str] | Mapping[str, Any]) -> Register:
    """Read a register from YAML, CSV or GeoPackage (or an already-parsed mapping).

    Parameters
    ----------
    source : path or mapping
        A ``.yaml``/``.yml``, ``.csv`` or ``.gpkg`` file in the ``borderline-register/1`` format, or the mapping
        a YAML file parses to.

    Returns
    -------
    Register
        Records are kept as written, problems included: :func:`validate` lists those row by row.

    Raises
    ------
    InputFileError
        If the file is missing or not readable as the format its suffix says.
    DataError
        If required keys or columns are missing, or the format version is not ``borderline-register/1``.
    """
    if isinstance(source, Mapping):
        return _from_mapping(dict(source), "register", _prov("register", "in memory", "", ""))
    p = Path(source)
    if not p.exists():
        raise InputFileError(f"register file not found: {p} (check the path)")
    suffix = p.suffix.lower()
    prov = _prov(p.stem, file_version(p), "as the register's authors state", str(p.resolve()))
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputFileError(f"cannot read {p} as YAML ({first_line(exc)}); fix the line it names") from None
        if not isinstance(raw, Mapping):
            raise DataError(f"{p}: expected a YAML mapping with format, state_left, state_right and segments")
        return _from_mapping(dict(raw), str(p), prov)
    if suffix == ".csv":
        try:
            frame = pd.read_csv(p, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"cannot read {p} as CSV ({first_line(exc)})") from None
        return _from_csv(frame, str(p), prov)
    if suffix == ".gpkg":
        return _from_gpkg(p, prov)
    raise InputFileError(f"{p}: unknown register format {suffix!r}; use .yaml, .csv or .gpkg")


def load_case_register(case_id: str = "kgz-tjk") -> Register:
    """A built-in case's register (``cases/<case_id>-register.yaml``).

    Raises
    ------
    BorderlineError
        If the case is unknown or has no register.
    """
    import importlib.resources

    from borderline.cases import load_case

    load_case(case_id)  # unknown ids raise here, listing the known ones
    res = importlib.resources.files("borderline.cases") / f"{case_id}-register.yaml"
    if not res.is_file():
        raise DataError(f"case {case_id!r} has no segment register yet")
    import yaml

    raw = yaml.safe_load(res.read_text(encoding="utf-8"))
    prov = _prov(f"{case_id}-register", str(raw.get("version", "1")),
                 "compiled from cited public sources (each record cites them)", f"borderline/cases/{res.name}")
    return _from_mapping(raw, f"{case_id}-register.yaml", prov)


def open_register(name: str | os.PathLike[str]) -> Register:
    """A register from a file path, or a built-in case's by its id (``kgz-tjk``).

    Raises
    ------
    BorderlineError
        If ``name`` is neither an existing file nor a case with a register (the message says which).
    """
    p = Path(name)
    if p.suffix.lower() in (".yaml", ".yml", ".csv", ".gpkg") or p.exists():
        return read_register(p)
    from borderline.cases import list_cases

    if str(name) in list_cases():
        return load_case_register(str(name))
    raise InputFileError(f"{name!r} is neither a register file (.yaml, .csv, .gpkg) nor a built-in case "
                         f"({', '.join(list_cases())})")


def _prov(dataset: str, version: str, licence: str, source: str) -> Provenance:
    return Provenance(dataset, version, licence, "register file", source)


def _from_mapping(raw: dict[str, Any], where: str, prov: Provenance) -> Register:
    fmt = raw.get("format", FORMAT)
    if fmt != FORMAT:
        raise DataError(f"{where}: format {fmt!r} is not {FORMAT!r}; this version of borderline reads {FORMAT}")
    for key in ("state_left", "state_right", "segments"):
        if key not in raw:
            raise DataError(f"{where}: missing key {key!r} (a register needs state_left, state_right and segments)")
    segs = raw["segments"] or []
    if not isinstance(segs, list) or not all(isinstance(s, Mapping) for s in segs):
        raise DataError(f"{where}: 'segments' must be a list of mappings (one per record)")
    frame = pd.DataFrame([{**s, "row": i + 1} for i, s in enumerate(segs)])
    if "id" in frame.columns:
        frame = frame.rename(columns={"id": "segment_id"})
    totals = pd.DataFrame(raw.get("totals") or [], columns=TOTAL_COLUMNS)
    figures = pd.DataFrame(raw.get("figures") or [], columns=FIGURE_COLUMNS)
    origin = raw.get("origin", "west")
    origin = f"{origin[0]},{origin[1]}" if isinstance(origin, list | tuple) else str(origin)
    return Register(str(raw.get("register", Path(where).stem)), str(raw.get("title", "")),
                    (str(raw["state_left"]), str(raw["state_right"])), origin, _records(frame, where), totals,
                    figures, replace(prov, version=str(raw.get("version", prov.version))))


def _from_csv(frame: pd.DataFrame, where: str, prov: Provenance) -> Register:
    need = {"segment_id", "status", "date", "state_left", "state_right"}
    missing = sorted(need - set(frame.columns))
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)}; a register CSV needs "
                        f"{', '.join(sorted(need))}")
    left = frame["state_left"].replace("", np.nan).dropna().unique()
    right = frame["state_right"].replace("", np.nan).dropna().unique()
    if len(left) != 1 or len(right) != 1:
        raise DataError(f"{where}: a register holds one pair; found state_left {list(left)} and state_right "
                        f"{list(right)}")
    frame = frame.copy()
    frame["row"] = np.arange(1, len(frame) + 1)
    if "geometry" in frame.columns:
        frame["geometry"] = frame["geometry"].replace("", None)
    reg_id = frame["register"].iloc[0] if "register" in frame.columns and len(frame) else Path(where).stem
    origin = frame["origin"].iloc[0] if "origin" in frame.columns and len(frame) else "west"
    return Register(str(reg_id), "", (str(left[0]), str(right[0])), str(origin or "west"), _records(frame, where),
                    pd.DataFrame(columns=TOTAL_COLUMNS), pd.DataFrame(columns=FIGURE_COLUMNS), prov)


def _from_gpkg(p: Path, prov: Provenance) -> Register:
    import pyogrio

    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(p)}
    except Exception as exc:
        raise InputFileError(f"cannot read {p} as GeoPackage ({first_line(exc)})") from None
    if "segments" not in layers or "register" not in layers:
        raise DataError(f"{p}: a register GeoPackage needs layers 'segments' and 'register'; found "
                        f"{', '.join(sorted(layers))}")
    seg = gpd.read_file(p, layer="segments")
    head = pd.DataFrame(gpd.read_file(p, layer="register")).iloc[0]
    totals = (pd.DataFrame(gpd.read_file(p, layer="totals")).reindex(columns=TOTAL_COLUMNS)
              if "totals" in layers else pd.DataFrame(columns=TOTAL_COLUMNS))
    figures = (pd.DataFrame(gpd.read_file(p, layer="figures")).reindex(columns=FIGURE_COLUMNS)
               if "figures" in layers else pd.DataFrame(columns=FIGURE_COLUMNS))
    frame = pd.DataFrame(seg.drop(columns="geometry"))
    geoms = np.asarray(seg.geometry.values, dtype=object)
    # chainage-located records are stored with the geometry they were given on writing; keep their ranges
    frame["geometry"] = [None if g is None or shapely.is_empty(g) else g for g in geoms]
    frame.loc[frame["from_km"].notna() if "from_km" in frame else [], "geometry"] = None
    frame["row"] = np.arange(1, len(frame) + 1)
    return Register(str(head.get("register", p.stem)), str(head.get("title", "")),
                    (str(head["state_left"]), str(head["state_right"])), str(head.get("origin", "west")),
                    _records(frame, str(p)), totals, figures, replace(prov, version=str(head.get("version", ""))))


def _records(frame: pd.DataFrame, where: str) -> gpd.GeoDataFrame:
    """Normalise raw record rows to :data:`RECORD_COLUMNS`; unparseable values become NaN/None for validate."""
    n = len(frame)
    if n and "segment_id" not in frame.columns:
        raise DataError(f"{where}: records need an 'id' (YAML) or 'segment_id' (CSV) for each segment")

    def col(name: str, default: Any = None) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series([default] * n, index=frame.index, dtype=object)

    out = pd.DataFrame({"row": col("row").astype(int) if n else pd.Series(dtype=int)})
    out["segment_id"] = col("segment_id").map(lambda v: "" if _blank(v) else str(v))
    out["status"] = col("status").map(lambda v: "" if _blank(v) else str(v).strip().lower())
    out["date_raw"] = col("date").map(lambda v: "" if _blank(v) else str(v))
    out["date"] = pd.to_datetime(out["date_raw"], errors="coerce", format="mixed")
    out["date_note"] = col("date_note").map(lambda v: "" if _blank(v) else str(v))
    out["instrument"] = col("instrument").map(lambda v: "" if _blank(v) else str(v))
    out["length_km"] = pd.to_numeric(col("length_km"), errors="coerce")
    out["from_km"] = pd.to_numeric(col("from_km"), errors="coerce")
    to_raw = col("to_km")
    out["to_end"] = to_raw.map(lambda v: isinstance(v, str) and v.strip().lower() == _END)
    out["to_km"] = pd.to_numeric(to_raw.where(~out["to_end"], None), errors="coerce")
    out["sources"] = col("sources").map(_join)
    out["supersedes"] = col("supersedes").map(_join)
    out["derived"] = col("derived").map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))
    out["notes"] = col("notes").map(lambda v: "" if _blank(v) else str(v))
    out["bad_values"] = [_bad_values(r) for r in frame.to_dict("records")] if n else []
    geoms = [_geometry(v) for v in col("geometry")]
    out["bad_values"] = [b + ([] if g is not False else ["geometry is neither WKT nor GeoJSON"])
                         for b, g in zip(out["bad_values"], geoms, strict=True)]
    gdf = gpd.GeoDataFrame(out, geometry=[g if g is not False else None for g in geoms], crs=4326)
    gdf["located"] = False
    gdf["km"] = np.nan
    return _with_km(gdf)[[*RECORD_COLUMNS, *_WORK]]


def _with_km(rec: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geoms = np.asarray(rec.geometry.values, dtype=object)
    located = ~shapely.is_missing(geoms)
    km = rec["length_km"].to_numpy(dtype=float).copy()
    measure = located & np.isnan(km)  # a stated length (the instrument's figure) wins over the map's
    if measure.any():
        km[measure] = line_lengths_km(geoms[measure])
    rec = rec.copy()
    rec["located"] = located
    rec["km"] = km
    return rec


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _join(v: Any) -> str:
    if _blank(v):
        return ""
    if isinstance(v, list | tuple):
        return " ; ".join(str(x).strip() for x in v if str(x).strip())
    return " ; ".join(x.strip() for x in str(v).replace("\n", ";").split(";") if x.strip())


def _bad_values(raw: Mapping[Any, Any]) -> list[str]:
    bad = []
    for key in ("length_km", "from_km", "to_km"):
        v = raw.get(key)
        if _blank(v) or (key == "to_km" and isinstance(v, str) and v.strip().lower() == _END):
            continue
        try:
            float(str(v))
        except ValueError:
            bad.append(f"{key} {v!r} is not a number")
    return bad


def _geometry(v: Any) -> shapely.Geometry | bool | None:
    """Parsed geometry, None when absent, False when unparseable."""
    if isinstance(v, shapely.Geometry):
        return v
    if _blank(v):
        return None
    try:
        if isinstance(v, Mapping):
            return shapely.from_geojson(json.dumps(dict(v)))
        text = str(v).strip()
        return shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return False


# --------------------------------------------------------------------------------------------- validation


def validate(register: Register, *, today: dt.date | None = None, tolerance_km: float = 0.001) -> pd.DataFrame:
    """Row-level problems of a register.

    Parameters
    ----------
    register : Register
        Located (:meth:`Register.locate`) to check chainage ranges against the border and overlaps between
        chainage segments; unlocated, only the ranges themselves and geometry overlaps are checked.
    today : date, optional
        Dates after it are errors (default: today).
    tolerance_km : float
        Overlaps and overshoots shorter than this are ignored (1 m).

    Returns
    -------
    DataFrame
        ``row``, ``segment_id``, ``problem``: one row per problem, empty when the register is valid. Checks:
        missing id, unknown status, missing or unparseable date, date in the future, values that are not
        numbers, geometry that does not parse or is not a line, a record with no length, range or geometry,
        ``from_km ≥ to_km`` or negative, a range past the end of the border, two different segments (neither
        superseding the other) in force at once over the same stretch, a record superseding a segment that
        does not exist, and unlocated km in force on a date exceeding the longest published total.
    """
    today = today or dt.date.today()
    rec = register.records
    probs: list[tuple[int, str, str]] = []

    def add(r: Any, text: str) -> None:
        probs.append((int(r.row), str(r.segment_id), text))

    length = register.border.length_km if register.border is not None else None
    ids = set(rec["segment_id"])
    for r in rec.itertuples():
        if not r.segment_id:
            add(r, "missing segment id")
        if r.status not in STATUSES:
            add(r, f"unknown status {r.status!r}; use one of {', '.join(STATUSES)}" if r.status else
                f"missing status; use one of {', '.join(STATUSES)}")
        if pd.isna(r.date):
            add(r, f"date {r.date_raw!r} is not a date (YYYY-MM-DD)" if r.date_raw else "missing date")
        elif r.date.date() > today:
            add(r, f"date {r.date.date()} is in the future (today is {today})")
        for b in r.bad_values:
            add(r, b)
        g = r.geometry
        if g is not None and not shapely.is_missing(g) and shapely.get_type_id(g) not in (1, 5):
            add(r, f"geometry is a {g.geom_type}; segments are lines")
        has_range = not pd.isna(r.from_km) or not pd.isna(r.to_km) or r.to_end
        if has_range:
            if pd.isna(r.from_km) or (pd.isna(r.to_km) and not r.to_end):
                add(r, "chainage needs both from_km and to_km (to_km may be 'end')")
            else:
                to = length if r.to_end and length is not None else r.to_km
                if r.from_km < 0:
                    add(r, f"from_km {r.from_km:g} is negative")
                if to is not None and not pd.isna(to) and r.from_km >= to:
                    add(r, f"from_km {r.from_km:g} is not before to_km {to:g}")
                if length is not None and not pd.isna(to) and to > length + tolerance_km:
                    add(r, f"to_km {to:,.3f} is past the end of the border ({length:,.3f} km from "
                        f"{register.origin})")
        elif (g is None or shapely.is_missing(g)) and pd.isna(r.length_km):
            add(r, "no length_km, chainage range or geometry: the record cannot be counted")
        if not pd.isna(r.length_km) and r.length_km < 0:
            add(r, f"length_km {r.length_km:g} is negative")
        for s in (x.strip() for x in r.supersedes.split(";") if x.strip()):
            if s not in ids:
                add(r, f"supersedes {s!r}, which is not a segment in the register")
    probs += _overlaps(register, tolerance_km)
    probs += _excess(register)
    out = pd.DataFrame(probs, columns=["row", "segment_id", "problem"])
    return out.sort_values(["row", "problem"], kind="stable").reset_index(drop=True)


def _overlaps(register: Register, tol_km: float) -> list[tuple[int, str, str]]:
    rec = register.records
    ok = rec["date"].notna() & rec["segment_id"].astype(bool)
    loc = rec[ok & ~shapely.is_missing(np.asarray(rec.geometry.values, dtype=object))]
    if len(loc) < 2:
        return []
    sup = _supersedes(rec)
    out = []
    geoms = np.asarray(loc.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    for i, j in zip(a[keep], b[keep], strict=True):
        ri, rj = loc.iloc[i], loc.iloc[j]
        if ri["segment_id"] == rj["segment_id"]:
            continue
        if rj["segment_id"] in sup.get(ri["segment_id"], set()) or ri["segment_id"] in sup.get(rj["segment_id"], set()):
            continue
        shared = shapely.intersection(geoms[i], geoms[j])
        km = float(line_lengths_km(np.array([shared]))[0]) if not shared.is_empty else 0.0
        if km > tol_km:
            out.append((int(rj["row"]), str(rj["segment_id"]),
                        f"overlaps segment {ri['segment_id']!r} (row {int(ri['row'])}) over {km:,.3f} km; split the "
                        "stretch or list the older one in supersedes"))
    return out


def _excess(register: Register) -> list[tuple[int, str, str]]:
    _, hi = register.total_range_km
    if not np.isfinite(hi):
        return []
    out = []
    for date in sorted(register.records["date"].dropna().unique()):
        state = status_on(register, pd.Timestamp(date))
        km = float(state["km"].sum())
        if km > hi + 1e-6:
            last = state.sort_values("date").iloc[-1]
            out.append((int(last["row"]), str(last["segment_id"]),
                        f"on {pd.Timestamp(date).date()} the register counts {km:,.2f} km, more than the longest "
                        f"published total ({hi:,.2f} km): records overlap or a figure is wrong"))
    return out


def _supersedes(rec: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sid, sup in zip(rec["segment_id"], rec["supersedes"], strict=True):
        out.setdefault(sid, set()).update(x.strip() for x in sup.split(";") if x.strip())
    return out


# --------------------------------------------------------------------------------------------- queries


def status_on(register: Register, date: str | dt.date | pd.Timestamp) -> gpd.GeoDataFrame:
    """Every segment's status on a date: its latest record on or before it, superseded segments left out.

    Parameters
    ----------
    register : Register
    date : str, date or Timestamp

    Returns
    -------
    GeoDataFrame
        The records in force (``RECORD_COLUMNS``), one per segment. Records whose status or date is invalid are
        ignored (see :func:`validate`).
    """
    when = _timestamp(date)
    rec = register.records
    rec = rec[rec["date"].notna() & rec["status"].isin(STATUSES) & rec["segment_id"].astype(bool)]
    rec = rec[rec["date"] <= when]
    latest = rec.sort_values(["date", "row"], kind="stable").groupby("segment_id", sort=False).tail(1)
    gone: set[str] = set()
    for sup in latest["supersedes"]:
        gone.update(x.strip() for x in sup.split(";") if x.strip())
    latest = latest[~latest["segment_id"].isin(gone)]
    return latest.sort_values("row").reset_index(drop=True)[RECORD_COLUMNS]


def km_by_status(register: Register, date: str | dt.date | pd.Timestamp) -> pd.Series:
    """Kilometres per status on a date (every status of :data:`STATUSES`, zeros included), plus ``agreed``."""
    state = status_on(register, date)
    km = state.groupby("status")["km"].sum().reindex(list(STATUSES), fill_value=0.0)
    km["agreed"] = float(km[list(AGREED)].sum())
    return km


def progress(register: Register, dates: Iterable[str | dt.date | pd.Timestamp] | None = None) -> pd.DataFrame:
    """Kilometres per status over time, and what is left undefined against every published total.

    Parameters
    ----------
    register : Register
    dates : iterable of dates, optional
        Where to evaluate; default: every record date.

    Returns
    -------
    DataFrame
        One row per date: ``date``, a column per status (km), ``agreed`` (km), ``undefined_min_km`` /
        ``undefined_max_km`` (the lowest and highest published total minus the agreed and neutral km; NaN
        without totals), ``undefined_share_min`` / ``undefined_share_max`` (those as shares of the same
        totals), ``changed_by`` (the records dated that day, ``;``-joined ids).
    """
    rec = register.records
    when = sorted({_timestamp(d) for d in dates} if dates is not None else set(rec["date"].dropna()))
    lo, hi = register.total_range_km
    rows = []
    for d in when:
        km = km_by_status(register, d)
        known = float(km["agreed"] + km["neutral"])
        row: dict[str, Any] = {"date": d, **{s: float(km[s]) for s in STATUSES}, "agreed": float(km["agreed"])}
        # rounded to the metre: sums of published decimals leave float noise
        row["undefined_min_km"] = round(max(lo - known, 0.0), 3) if np.isfinite(lo) else np.nan
        row["undefined_max_km"] = round(max(hi - known, 0.0), 3) if np.isfinite(hi) else np.nan
        row["undefined_share_min"] = row["undefined_min_km"] / lo if np.isfinite(lo) else np.nan
        row["undefined_share_max"] = row["undefined_max_km"] / hi if np.isfinite(hi) else np.nan
        row["changed_by"] = " ; ".join(rec.loc[rec["date"] == d, "segment_id"])
        rows.append(row)
    return pd.DataFrame(rows)


def _timestamp(date: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(date)
    except (ValueError, TypeError):
        raise DataError(f"date {date!r} is not a date; use YYYY-MM-DD") from None
    if pd.isna(ts):
        raise DataError(f"date {date!r} is not a date; use YYYY-MM-DD")
    return ts


# --------------------------------------------------------------------------------------------- writing


def write_register(register: Register, path: str | os.PathLike[str]) -> Path:
    """Write a register as YAML, CSV or GeoPackage (by suffix), whole or not at all.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        If the suffix is not ``.yaml``, ``.yml``, ``.csv`` or ``.gpkg``.
    """
    from borderline.errors import OutputError

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv", ".gpkg"):
        raise OutputError(f"{p}: unknown register format {suffix!r}; use .yaml, .csv or .gpkg")
    rec = register.records
    with atomic_path(p) as tmp:
        if suffix in (".yaml", ".yml"):
            import yaml

            tmp.write_text(yaml.safe_dump(_as_mapping(register), sort_keys=False, allow_unicode=True, width=110),
                           encoding="utf-8")
        elif suffix == ".csv":
            flat = pd.DataFrame(_record_dicts(rec, geometry_as="wkt"))
            flat.insert(0, "register", register.register_id)
            flat.insert(1, "state_left", register.pair[0])
            flat.insert(2, "state_right", register.pair[1])
            flat.insert(3, "origin", register.origin)
            flat.to_csv(tmp, index=False)
        else:
            seg = gpd.GeoDataFrame(pd.DataFrame(_record_dicts(rec, geometry_as=None)),
                                   geometry=list(rec.geometry.values), crs=4326)
            seg.to_file(tmp, layer="segments", driver="GPKG")
            head = pd.DataFrame([{"format": FORMAT, "register": register.register_id, "title": register.title,
                                  "state_left": register.pair[0], "state_right": register.pair[1],
                                  "origin": register.origin, "version": register.provenance.version}])
            for name, table in (("register", head), ("totals", register.totals.astype(str)),
                                ("figures", register.figures.astype(str))):
                gpd.GeoDataFrame(table).to_file(tmp, layer=name, driver="GPKG")
    return p


def _record_dicts(rec: gpd.GeoDataFrame, geometry_as: str | None) -> list[dict[str, Any]]:
    out = []
    for r in rec.itertuples():
        d: dict[str, Any] = {"segment_id": r.segment_id, "status": r.status,
                             "date": r.date.date().isoformat() if not pd.isna(r.date) else r.date_raw,
                             "date_note": r.date_note, "instrument": r.instrument,
                             "length_km": None if pd.isna(r.length_km) else float(r.length_km),
                             "from_km": None if pd.isna(r.from_km) else float(r.from_km),
                             "to_km": _END if r.to_end else (None if pd.isna(r.to_km) else float(r.to_km)),
                             "sources": r.sources, "supersedes": r.supersedes, "derived": bool(r.derived),
                             "notes": r.notes}
        chain = d["from_km"] is not None
        if geometry_as == "wkt":
            d["geometry"] = "" if chain or shapely.is_missing(r.geometry) else shapely.to_wkt(r.geometry, 7)
        out.append(d)
    return out


def _as_mapping(register: Register) -> dict[str, Any]:
    segs = []
    for d, r in zip(_record_dicts(register.records, geometry_as="wkt"), register.records.itertuples(), strict=True):
        item: dict[str, Any] = {"id": d["segment_id"]}
        for k in ("status", "date", "date_note", "instrument", "length_km", "from_km", "to_km", "geometry",
                  "notes"):
            if d.get(k) not in (None, ""):
                item[k] = d[k]
        if d["sources"]:
            item["sources"] = [s.strip() for s in d["sources"].split(";") if s.strip()]
        if d["supersedes"]:
            item["supersedes"] = [s.strip() for s in d["supersedes"].split(";") if s.strip()]
        if r.derived:
            item["derived"] = True
        segs.append(item)

    def plain(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items() if not _blank(v)}
                for row in frame.to_dict("records")]

    return {"format": FORMAT, "register": register.register_id, "title": register.title,
            "state_left": register.pair[0], "state_right": register.pair[1], "origin": register.origin,
            "version": register.provenance.version, "totals": plain(register.totals),
            "figures": plain(register.figures), "segments": segs}


def records_for_output(register: Register) -> gpd.GeoDataFrame:
    """The records with provenance columns, for writing with :func:`borderline.io.write_frame`."""
    rec = register.records[RECORD_COLUMNS].copy()
    rec["pair"] = "–".join(register.pair)
    rec["source"] = register.provenance.label()
    return rec


def summary_lines(register: Register, date: str | dt.date | pd.Timestamp) -> Sequence[str]:
    """Plain-text lines stating the register on a date, with the totals as a range (for the faces)."""
    km = km_by_status(register, date)
    lo, hi = register.total_range_km
    lines = [f"{s}: {km[s]:,.2f} km" for s in STATUSES if km[s] > 0]
    if np.isfinite(lo):
        known = float(km["agreed"] + km["neutral"])
        lines.append(f"published totals {lo:,.2f}–{hi:,.2f} km ({len(register.totals)} figures): undefined "
                     f"{max(lo - known, 0):,.2f}–{max(hi - known, 0):,.2f} km")
    return lines
