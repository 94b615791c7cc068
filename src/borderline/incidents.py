"""Conflict incidents: UCDP GED, ACLED and generic event files read into one validated table.

The module has two parts. *Reading* (below) turns published event data into one GeoDataFrame of incidents with
the schema documented here; every input row ends up either in :attr:`Incidents.frame` or, with its reasons, in
:attr:`Incidents.rejects`. *Linking* (:func:`link_incidents`) places each incident on the nearest border (chainage,
geodesic distance, side), in a register segment, near a flashpoint and in an enclave; :func:`summarise`,
:func:`deaths_by_party` and :func:`hotspots` add them up.

Formats
-------
``ucdp``
    The UCDP Georeferenced Event Dataset (GED) as published for download, e.g. ``GEDEvent_v24_1.csv``: one row
    per event with ``id``, ``date_start``, ``date_end``, ``latitude``, ``longitude``, ``where_prec``, ``best``,
    ``low``, ``high``, ``deaths_a``, ``deaths_b``, ``deaths_civilians``, ``deaths_unknown``, ``side_a``,
    ``side_b``, ``conflict_name``, ``where_coordinates``, ``source_article`` and more. Licence CC BY 4.0.
``ucdp-json``
    The UCDP API's JSON answer, ``{"TotalCount": n, "Result": [{...the same fields...}], "NextPageUrl": ...}``.
    One page per file; a file holding fewer events than ``TotalCount`` is read with a warning.
``acled``
    An ACLED export (CSV): ``event_id_cnty``, ``event_date`` (``2022-09-14`` or ``14 September 2022``),
    ``event_type``, ``sub_event_type``, ``actor1``, ``actor2``, ``country``, ``location``, ``latitude``,
    ``longitude``, ``geo_precision``, ``source``, ``notes``, ``fatalities``, ``timestamp`` and more. ACLED data
    come under ACLED's own terms of use: attribution is required and the data may not be redistributed.
``generic``
    A CSV, a JSON list of records or a GeoJSON FeatureCollection, read through ``mapping``: a dict from the
    schema's column names (:data:`MAPPING_KEYS`) to the file's, e.g. ``{"incident_id": "event_id",
    "date_start": "start_date", "lat": "lat", "lon": "lon"}``. ``date_start`` is required; ``lat`` and ``lon``
    are required unless the rows have Point geometry (GeoJSON, or a GeoDataFrame), which then supplies them.
``auto``
    Decided by the columns: UCDP GED's signature columns (:data:`UCDP_SIGNATURE`) or ACLED's
    (:data:`ACLED_SIGNATURE`); the UCDP API's ``Result`` wrapper means ``ucdp-json``; a ``mapping`` with neither
    signature means ``generic``. Columns of both, or of neither without a mapping, raise :class:`DataError`.

Column names of UCDP and ACLED files are matched case-insensitively (older ACLED exports use capitals).

Unified schema
--------------
One row per incident, columns in the order of :data:`INCIDENT_COLUMNS`:

=================== =========== ==================================================================================
column              type        meaning
=================== =========== ==================================================================================
``incident_id``     str         ``<dataset>:<id in the source>``, e.g. ``ucdp:412345``, ``acled:KGZ1234``; for
                                generic data without a mapped id, ``<dataset>:<line>``
``dataset``         str         ``ucdp``, ``acled`` or the generic dataset's name
``source_id``       str         the id as the source gives it
``date_start``      datetime64  first day, date only (``datetime64[ns]``, midnight)
``date_end``        datetime64  last day; the start date where the source gives none
``year``            int         year of ``date_start``
``name``            str         UCDP ``conflict_name`` (else ``dyad_name``); ACLED ``sub_event_type``
``event_type``      str         UCDP ``type_of_violence`` as text (state-based conflict, non-state conflict,
                                one-sided violence); ACLED ``event_type``
``location``        str         UCDP ``where_coordinates``; ACLED ``location``
``country``         str         country as the source names it
``lat``, ``lon``    float       degrees, WGS84
``precision_code``  str         the source's own location-precision code, as text (UCDP ``where_prec``, ACLED
                                ``geo_precision``, or a generic label)
``precision``       str         what the code means, in words
``uncertainty_km``  float       radius within which the place is known, implied by the code (below); NaN where no
                                radius fits
``side_a``          str         UCDP ``side_a``; ACLED ``actor1``
``side_b``          str         UCDP ``side_b``; ACLED ``actor2``
``deaths_a``        float       deaths on side A (UCDP ``deaths_a``); NaN where the source has none
``deaths_b``        float       deaths on side B
``deaths_civilians`` float      civilian deaths
``deaths_unknown``  float       deaths of unknown affiliation
``deaths_best``     float       best estimate of all deaths (UCDP ``best``; ACLED ``fatalities``)
``deaths_low``      float       low estimate (UCDP ``low``)
``deaths_high``     float       high estimate (UCDP ``high``)
``injured``         float       number injured; NaN where unknown (UCDP and ACLED give none)
``displaced``       float       number displaced; NaN where unknown
``sources``         str         UCDP ``source_article``; ACLED ``source``
``notes``           str         UCDP ``where_description``; ACLED ``notes``
``line``            int         where the row came from (see :data:`REJECT_COLUMNS`)
``geometry``        Point       (``lon``, ``lat``), EPSG:4326
=================== =========== ==================================================================================

Location precision and ``uncertainty_km``
-----------------------------------------
The radii are borderline's reading of each code's definition, chosen to be generous rather than flattering;
they are indicative, for deciding whether an incident can be tied to a border segment, not error bounds.

UCDP GED ``where_prec`` (UCDP GED codebook; levels 1–7 of decreasing precision):

1. exact location of the event → **1 km**: the coordinates are those of the place named (often a village, from a
   gazetteer); 1 km stands for the extent of such a place, not for a survey error.
2. a limited area around a named place, within about 25 km of it → **25 km**.
3. only the second-order administrative division (district, ADM2) is known; its centroid is coded → **50 km**:
   the radius of a circle of about 8,000 km², a large district; most districts are smaller, so this errs wide.
4. only the first-order division (province, ADM1) is known; its centroid is coded → **150 km**: the radius of a
   circle of about 70,000 km², a large province (Batken region, 17,000 km², has an equivalent radius of ~74 km).
5. a part of a country larger than a province, a point between two named places, a dependent island, or a
   vaguely given place → **NaN**: the code covers cases too different for one radius.
6. the country only; its centroid is coded → **NaN**: no use for locating an incident on a border.
7. international waters or airspace → **NaN**.

ACLED ``geo_precision`` (ACLED codebook; levels 1–3):

1. a particular town is named and its coordinates are coded → **2 km**: the extent of a town.
2. a small part of a region or a place near a town; the nearest town's coordinates are coded → **25 km**, as for
   UCDP code 2.
3. a larger region; the closest natural feature named (``border area``, ``forest``) or the provincial capital is
   coded → **150 km**, as for UCDP code 4.

Generic data carry ``uncertainty_km`` only where the mapping names a column for it. Unknown codes are kept, with
``uncertainty_km`` NaN and a :class:`BorderlineWarning`.

Validation
----------
A row is rejected, with every reason that applies joined by ``"; "``, when:

- its id is empty (``missing id``);
- its start date is empty (``missing date``) or unparseable (``bad date '31 February 2022'``), its end date is
  unparseable (``bad date '...' (end)``), it ends before it starts (``end before start``) or a date lies after
  ``today`` (``future date``). Dates are ISO 8601 (``2022-09-14``, with or without a time, which is dropped), or
  ``14 September 2022``, ``14 Sep 2022``, ``September 14, 2022`` or ``14-09-2022`` (day first: the form the
  ACLED codebook gives; ``/``-separated dates are refused as ambiguous); dates a pandas ``datetime64[ns]`` cannot hold
  (before 1678 or after 2261) are bad dates. In date, number and code fields ``NA``, ``N/A``, ``null``,
  ``NaN`` and ``None`` mean empty; text fields keep them (``NA`` is also Namibia's code);
- latitude or longitude is empty (``no coordinates``), not a number or out of range (``bad coordinates``), or
  both are exactly 0 (``coordinates at 0,0 (null island): probably missing``);
- with ``require_fatalities=True``, a fatality field is empty (``missing fatalities``): UCDP ``best``, ``low`` and
  ``high``; ACLED ``fatalities``; generic ``deaths_best``;
- a number field holds text (``bad number``) or a negative number (``negative number``);
- ``low > best`` or ``best > high`` (where both are given);
- its ``incident_id`` repeats an earlier row's: each later row is rejected as ``duplicate of <id> (line n)``,
  naming the first row with that id, which is kept if it passes the other checks.

Rows of generic data that share dates, coordinates and ``deaths_best`` under *different* ids are kept: only a
:class:`BorderlineWarning` names them, as two incidents may well share a place and a day. A problem with the
file as a whole (missing file, not CSV or JSON, missing columns for the format, bad mapping) raises one
:class:`InputFileError` or :class:`DataError` line instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import importlib.resources
import io
import json
import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from borderline.datasets import Provenance
from borderline.errors import BorderlineError, BorderlineWarning, DataError, InputFileError, first_line
from borderline.io import READ_SUFFIXES, file_version, read_frame

# ================================================================================================ reading

#: Values of ``format`` accepted by :func:`read_incidents`.
FORMATS = ("auto", "ucdp", "ucdp-json", "acled", "generic")

#: Columns of :attr:`Incidents.frame`, in order (see the module docstring for their meaning).
INCIDENT_COLUMNS = [
    "incident_id", "dataset", "source_id", "date_start", "date_end", "year", "name", "event_type", "location",
    "country", "lat", "lon", "precision_code", "precision", "uncertainty_km", "side_a", "side_b", "deaths_a",
    "deaths_b", "deaths_civilians", "deaths_unknown", "deaths_best", "deaths_low", "deaths_high", "injured",
    "displaced", "sources", "notes", "line", "geometry",
]

#: Columns of :attr:`Incidents.rejects`, in order. ``line`` is where the row came from: for a CSV, the file line
#: on which the record starts (the header is line 1, so the first record is line 2); for JSON and GeoJSON, the
#: record's 1-based position in its list; for a DataFrame, its 1-based row position. ``incident_id`` is None
#: where the row has no id. ``reason`` joins every reason with ``"; "``. ``record`` is the original row as
#: compact JSON (field names as in the file; a GeoJSON feature's geometry under ``"geometry"``).
REJECT_COLUMNS = ["line", "incident_id", "reason", "record"]

#: Keys a ``mapping`` for ``format="generic"`` may use: the schema's columns that come from the file.
MAPPING_KEYS = (
    "incident_id", "date_start", "date_end", "name", "event_type", "location", "country", "lat", "lon",
    "precision_code", "precision", "uncertainty_km", "side_a", "side_b", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "deaths_best", "deaths_low", "deaths_high", "injured", "displaced",
    "sources", "notes",
)

#: Any of these columns marks a table as UCDP GED.
UCDP_SIGNATURE = frozenset({"where_prec", "conflict_new_id", "dyad_new_id", "type_of_violence", "deaths_civilians"})
#: Any of these columns marks a table as an ACLED export.
ACLED_SIGNATURE = frozenset({"event_id_cnty", "geo_precision", "sub_event_type", "disorder_type", "inter1"})

#: UCDP GED ``where_prec`` → (meaning, ``uncertainty_km``); see the module docstring for the reasons.
UCDP_PRECISION: dict[int, tuple[str, float]] = {
    1: ("exact location", 1.0),
    2: ("within about 25 km of a named place", 25.0),
    3: ("district (ADM2) known; its centroid coded", 50.0),
    4: ("province (ADM1) known; its centroid coded", 150.0),
    5: ("larger area, between places, or vague; representative point", np.nan),
    6: ("country only; its centroid coded", np.nan),
    7: ("international waters or airspace", np.nan),
}
#: ACLED ``geo_precision`` → (meaning, ``uncertainty_km``); see the module docstring for the reasons.
ACLED_PRECISION: dict[int, tuple[str, float]] = {
    1: ("town named; its coordinates coded", 2.0),
    2: ("near a town or a small part of a region; nearest town coded", 25.0),
    3: ("larger region; provincial capital or natural feature coded", 150.0),
}
#: UCDP ``type_of_violence`` codes in words.
UCDP_VIOLENCE_TYPES = {1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}

#: Reason kinds, as each reason in :attr:`Incidents.rejects` begins; :meth:`Incidents.summary` counts by them.
REASON_KINDS = (
    "missing id", "missing date", "bad date", "end before start", "future date", "no coordinates",
    "bad coordinates", "coordinates at 0,0", "missing fatalities", "bad number", "negative number", "low > best",
    "best > high", "duplicate",
)

_LICENCES = {
    "ucdp": "CC BY 4.0 (cite the UCDP Georeferenced Event Dataset, Uppsala Conflict Data Program)",
    "acled": "ACLED terms of use: attribution required; the data may not be redistributed (acleddata.com)",
    "generic": "as the file's publisher states",
}
#: Words that mean "no value" in number, date and code fields (text fields keep them: "NA" is also Namibia).
_NA_WORDS = ["NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "None"]
_TEXT_COLUMNS = ("name", "event_type", "location", "country", "precision_code", "precision", "side_a", "side_b",
                 "sources", "notes")
_NUMBER_COLUMNS = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "deaths_best", "deaths_low",
                   "deaths_high", "injured", "displaced")


@dataclass(frozen=True)
class IncidentSummary:
    """Counts of a read: rows accepted, rows rejected, and rejected rows by reason kind.

    A row rejected for two kinds of reason counts once under each; ``rejected`` counts rows.
    """

    accepted: int
    rejected: int
    by_reason: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.accepted} accepted, {self.rejected} rejected"
        if self.by_reason:
            text += ": " + ", ".join(f"{kind} ({n})" for kind, n in self.by_reason.items())
        return text

    def as_dict(self) -> dict[str, object]:
        """Plain-dict form for metadata files."""
        return {"accepted": self.accepted, "rejected": self.rejected, "by_reason": dict(self.by_reason)}


@dataclass(frozen=True)
class Incidents:
    """Incidents read from one source.

    Attributes
    ----------
    frame : GeoDataFrame
        Accepted rows, one per incident, columns :data:`INCIDENT_COLUMNS` (a case file adds a few, see
        :func:`load_case_incidents`), Point geometry in EPSG:4326.
    rejects : DataFrame
        Rejected rows, columns :data:`REJECT_COLUMNS`, in input order. ``len(frame) + len(rejects)`` is the
        number of rows in the input.
    provenance : Provenance
        Dataset id, version, licence and where the rows were read from.
    """

    frame: gpd.GeoDataFrame
    rejects: pd.DataFrame
    provenance: Provenance

    def summary(self) -> IncidentSummary:
        """Rows accepted and rejected, and rejected rows by reason kind (:data:`REASON_KINDS`).

        ``str()`` of the result reads e.g. ``5 accepted, 3 rejected: no coordinates (3)``.
        """
        counts: dict[str, int] = {}
        for reason in self.rejects["reason"]:
            kinds = _reason_kinds(str(reason))
            for kind in kinds:
                counts[kind] = counts.get(kind, 0) + 1
        order = {k: i for i, k in enumerate(REASON_KINDS)}
        ranked = dict(sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)))))
        return IncidentSummary(len(self.frame), len(self.rejects), ranked)


def _reason_kinds(reason: str) -> list[str]:
    """The kinds of the reasons joined in ``reason`` (``other`` for a text that starts with none of them)."""
    kinds = []
    for part in reason.split("; "):
        kind = next((k for k in REASON_KINDS if part.startswith(k)), None)
        if kind is not None and kind not in kinds:
            kinds.append(kind)
    return kinds or ["other"]


def read_incidents(source: str | os.PathLike[str] | pd.DataFrame, *, format: str = "auto",
                   mapping: Mapping[str, str] | None = None, require_fatalities: bool = False,
                   today: dt.date | None = None, dataset: str | None = None,
                   allow_missing_coordinates: bool = False) -> Incidents:
    """Read conflict incidents from UCDP GED, ACLED or a mapped generic file into the unified schema.

    Parameters
    ----------
    source : path-like or DataFrame
        A CSV (``.csv``, ``.tsv``, ``.txt``), JSON or GeoJSON file (``.json``, ``.geojson``), another vector
        file GDAL reads (GeoPackage, FlatGeobuf …), or a (Geo)DataFrame.
    format : {"auto", "ucdp", "ucdp-json", "acled", "generic"}
        The source's format (see the module docstring); ``auto`` decides by the columns.
    mapping : dict of str to str, optional
        For ``generic``: schema column (:data:`MAPPING_KEYS`) → the file's column.
    require_fatalities : bool
        Reject rows without fatality figures (UCDP ``best``, ``low``, ``high``; ACLED ``fatalities``; generic
        ``deaths_best``). Off by default: such rows are kept with NaN.
    today : datetime.date, optional
        Dates after this day are rejected as in the future; ``datetime.date.today()`` by default.
    dataset : str, optional
        Name of a generic dataset, used in ``dataset`` and as the ``incident_id`` prefix; ``generic`` by default.
        UCDP and ACLED are named ``ucdp`` and ``acled``.
    allow_missing_coordinates : bool
        Keep rows whose coordinates are empty (with no geometry), e.g. for a timeline; they cannot be mapped or
        linked. Off by default: they are rejected as ``no coordinates``. Coordinates that are present but bad
        are rejected either way.

    Returns
    -------
    Incidents
        Accepted rows, rejected rows with their reasons, and provenance.

    Raises
    ------
    InputFileError
        If the file is missing, empty, or not CSV, JSON or a vector format.
    DataError
        If the format is unknown or cannot be told, columns the format needs are missing, or the mapping is bad.

    Warns
    -----
    BorderlineWarning
        For unknown precision codes, a UCDP API page holding fewer events than ``TotalCount``, and generic rows
        that look like double entries under different ids.

    Examples
    --------
    >>> inc = read_incidents("GEDEvent_v24_1.csv", require_fatalities=True)   # doctest: +SKIP
    >>> print(inc.summary())                                                   # doctest: +SKIP
    412345 accepted, 12 rejected: coordinates at 0,0 (9), duplicate (3)
    """
    if format not in FORMATS:
        raise DataError(f"unknown incident format {format!r}; use one of {', '.join(FORMATS)}")
    if mapping is not None and format not in ("auto", "generic"):
        raise DataError(f"mapping= is only used with format='generic', not {format!r}; drop mapping= or pass "
                        "format='generic'")
    today_ts = _today(today)
    raw = _load(source)
    fmt = _detect(raw, format, mapping)
    if fmt in ("ucdp", "ucdp-json"):
        fields = _fields_ucdp(raw, require_fatalities)
    elif fmt == "acled":
        fields = _fields_acled(raw, require_fatalities)
    else:
        fields = _fields_generic(raw, mapping, require_fatalities, dataset)
    frame, rejects, _ = _build(raw, fields, require_fatalities=require_fatalities, today=today_ts,
                               allow_missing_coordinates=allow_missing_coordinates)
    prov = _provenance(raw, fmt, fields, frame, rejects)
    frame.attrs["provenance"] = prov.as_dict()
    return Incidents(frame, rejects, prov)


def _today(today: dt.date | None) -> pd.Timestamp:
    if today is None:
        today = dt.date.today()
    if not isinstance(today, dt.date):
        raise DataError(f"today must be a datetime.date, got {today!r}")
    return pd.Timestamp(today.year, today.month, today.day)


# ------------------------------------------------------------------------------------------- loading a source

@dataclass
class _Raw:
    """A source's rows as read, before any interpretation."""

    table: pd.DataFrame                 # original columns and values (CSV: text)
    line: npt.NDArray[np.int64]         # where each row came from (see REJECT_COLUMNS)
    label: str                          # the path, or "DataFrame", for messages
    path: Path | None
    shape: str                          # "csv", "ucdp-api", "geojson", "records", "frame"
    lon: npt.NDArray[np.float64] | None = None   # from Point geometry, NaN where none
    lat: npt.NDArray[np.float64] | None = None
    geometry_note: npt.NDArray[Any] | None = None  # why a row has no point (None where it has one)
    geometries: list[Any] | None = None             # GeoJSON geometry per row, for reject records
    notes: tuple[str, ...] = ()


def _load(source: str | os.PathLike[str] | pd.DataFrame) -> _Raw:
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "DataFrame", None)
    if not isinstance(source, str | os.PathLike):
        raise DataError(f"incident source must be a file path or a DataFrame, got {type(source).__name__}")
    p = Path(source)
    if not p.exists():
        raise InputFileError(f"file not found: {p} (check the path)")
    if p.is_dir():
        raise InputFileError(f"{p} is a folder; pass a CSV, JSON or GeoJSON file of incidents")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _load_csv(p.read_bytes(), str(p), p, sep="\t" if suffix == ".tsv" else ",")
    if suffix in (".json", ".geojson"):
        return _load_json(p)
    if suffix in READ_SUFFIXES:
        return _from_frame(read_frame(p), str(p), p)
    raise InputFileError(f"cannot read {p}: incidents are read from CSV, JSON or GeoJSON files (or a vector file "
                         f"GDAL opens), not {suffix or 'a file without suffix'!s}; export it as CSV")


def _load_csv(data: bytes, label: str, path: Path | None, sep: str = ",") -> _Raw:
    if not data.strip():
        raise InputFileError(f"{label} is empty; expected a CSV with a header row")
    options: dict[str, Any] = {"sep": sep, "dtype": str, "keep_default_na": False, "na_values": [""]}
    try:
        table = pd.read_csv(io.BytesIO(data), engine="pyarrow", **options)
    except Exception:  # pyarrow raises many types; the C parser gives the clearer message
        try:
            table = pd.read_csv(io.BytesIO(data), engine="c", encoding="utf-8", **options)
        except UnicodeDecodeError:
            raise InputFileError(f"cannot read {label}: not UTF-8 text; save it as UTF-8 CSV") from None
        except Exception as exc:
            raise InputFileError(f"cannot read {label} as CSV: {first_line(exc)}") from None
    table.columns = pd.Index([str(c).lstrip("\ufeff").strip() for c in table.columns])
    return _Raw(table, _csv_lines(data, len(table)), label, path, "csv")


def _csv_lines(data: bytes, n_rows: int) -> npt.NDArray[np.int64]:
    """The file line on which each CSV record starts (header = line 1).

    When the file has exactly one line per record this is ``2, 3, …``; otherwise (fields spanning lines, blank
    lines) the records are walked with :mod:`csv` to find where each starts.
    """
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    simple = np.arange(2, n_rows + 2, dtype=np.int64)
    if n_lines == n_rows + 1:
        return simple
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"), newline=""))
    starts: list[int] = []
    previous = 0
    for row in reader:
        if row and any(cell.strip() for cell in row):
            starts.append(previous + 1)
        previous = reader.line_num
    starts = starts[1:]  # the header
    return np.asarray(starts, dtype=np.int64) if len(starts) == n_rows else simple


def _load_json(p: Path) -> _Raw:
    try:
        obj = json.loads(p.read_bytes())
    except UnicodeDecodeError:
        raise InputFileError(f"cannot read {p}: not UTF-8 text; save it as UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"cannot read {p} as JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    notes: tuple[str, ...] = ()
    if isinstance(obj, dict) and obj.get("type") in ("FeatureCollection", "Feature"):
        features = obj.get("features") if obj["type"] == "FeatureCollection" else [obj]
        if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
            raise InputFileError(f"cannot read {p}: its GeoJSON 'features' is not a list of Feature objects")
        return _from_features(features, str(p), p)
    if isinstance(obj, dict) and "Result" in obj:
        records, shape = obj["Result"], "ucdp-api"
        total, next_url = obj.get("TotalCount"), obj.get("NextPageUrl")
        if not isinstance(records, list):
            raise InputFileError(f"cannot read {p}: its 'Result' is not a list of events")
        if next_url or (isinstance(total, int) and total > len(records)):
            note = (f"{p.name} holds {len(records)} of the {total} events the UCDP API matched (NextPageUrl "
                    f"{next_url!r}); the other pages are not read")
            warnings.warn(f"{note}; fetch every page and join their Result lists", BorderlineWarning, stacklevel=4)
            notes = (note,)
    elif isinstance(obj, list):
        records, shape = obj, "records"
    else:
        raise InputFileError(f"cannot read {p}: JSON is neither a GeoJSON FeatureCollection, a UCDP API answer "
                             "({\"Result\": [...]}) nor a list of records")
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        raise InputFileError(f"cannot read {p}: record {bad + 1} is {type(records[bad]).__name__}, not an object "
                             "of fields")
    table = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return _Raw(table, np.arange(1, len(table) + 1, dtype=np.int64), str(p), p, shape, notes=notes)


def _from_features(features: list[dict[str, Any]], label: str, path: Path | None) -> _Raw:
    props = [f.get("properties") or {} for f in features]
    table = pd.DataFrame.from_records(props) if props else pd.DataFrame()
    n = len(features)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    note = np.full(n, None, dtype=object)
    geoms = [f.get("geometry") for f in features]
    for i, g in enumerate(geoms):
        if not isinstance(g, dict):
            note[i] = "feature has no geometry"
        elif g.get("type") != "Point":
            note[i] = f"geometry is {g.get('type')}, not a Point"
        else:
            xy: Any = g.get("coordinates")
            try:
                lon[i], lat[i] = float(xy[0]), float(xy[1])
            except (TypeError, ValueError, IndexError):
                note[i] = f"Point coordinates {xy!r} are not two numbers"
    return _Raw(table, np.arange(1, n + 1, dtype=np.int64), label, path, "geojson", lon, lat, note, geoms)


def _from_frame(frame: pd.DataFrame, label: str, path: Path | None) -> _Raw:
    line = np.arange(1, len(frame) + 1, dtype=np.int64)
    try:
        geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    except AttributeError:  # a GeoDataFrame without an active geometry column
        geometry_name = None
    if geometry_name is None or geometry_name not in frame.columns:
        return _Raw(pd.DataFrame(frame).reset_index(drop=True), line, label, path, "frame")
    assert isinstance(frame, gpd.GeoDataFrame)
    gdf = frame
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    geoms = np.asarray(gdf.geometry.values)
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    lon = np.where(is_point, shapely.get_x(geoms), np.nan)
    lat = np.where(is_point, shapely.get_y(geoms), np.nan)
    note = np.full(len(gdf), None, dtype=object)
    for i in np.flatnonzero(~is_point):
        g = geoms[i]
        note[i] = ("feature has no geometry" if g is None else
                   "geometry is an empty Point" if shapely.is_empty(g) else f"geometry is {g.geom_type}, not a Point")
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    return _Raw(table, line, label, path, "frame", lon.astype(np.float64), lat.astype(np.float64), note)


# ------------------------------------------------------------------------------------------ choosing a format

def _detect(raw: _Raw, format: str, mapping: Mapping[str, str] | None) -> str:
    if format == "ucdp-json" and raw.shape != "ucdp-api":
        raise DataError(f"format 'ucdp-json' expects the UCDP API's JSON ({{\"Result\": [...]}}); {raw.label} is "
                        f"{_SHAPE_WORDS[raw.shape]}; use format='ucdp' or 'auto'")
    if format != "auto":
        return format
    if mapping is not None:
        return "generic"
    if raw.shape == "ucdp-api":
        return "ucdp-json"
    lower = {str(c).strip().lower() for c in raw.table.columns}
    ucdp, acled = sorted(lower & UCDP_SIGNATURE), sorted(lower & ACLED_SIGNATURE)
    if ucdp and acled:
        raise DataError(f"cannot tell the format of {raw.label}: it has UCDP GED columns ({', '.join(ucdp)}) and "
                        f"ACLED columns ({', '.join(acled)}); pass format= one of ucdp, ucdp-json, acled, generic")
    if ucdp:
        return "ucdp"
    if acled:
        return "acled"
    raise DataError(f"cannot tell the format of {raw.label}: its columns ({_preview(raw.table.columns)}) have none "
                    f"of UCDP GED's ({', '.join(sorted(UCDP_SIGNATURE))}) or ACLED's "
                    f"({', '.join(sorted(ACLED_SIGNATURE))}); pass format='ucdp', 'ucdp-json' or 'acled', or "
                    "format='generic' with mapping={'date_start': ..., 'lat': ..., 'lon': ...}")


_SHAPE_WORDS = {"csv": "a CSV file", "ucdp-api": "a UCDP API answer", "geojson": "GeoJSON",
                "records": "a JSON list of records", "frame": "a table"}


def _preview(columns: pd.Index | list[str], n: int = 12) -> str:
    names = [str(c) for c in columns]
    if not names:
        return "none"
    return ", ".join(names[:n]) + (f", … ({len(names)} in all)" if len(names) > n else "")


# ---------------------------------------------------------------------------------- interpreting the columns

@dataclass
class _Fields:
    """A source's columns interpreted into the schema, still as raw values (parsed and checked by _build)."""

    dataset: str
    source_id: pd.Series                               # text; NaN where missing
    date_start: pd.Series
    date_end: pd.Series | None
    lat: pd.Series
    lon: pd.Series
    text: dict[str, pd.Series | None]                  # schema text columns
    numbers: dict[str, tuple[pd.Series, str]]          # schema number column -> (raw values, name in reasons)
    uncertainty_km: npt.NDArray[Any]
    required_fatalities: tuple[str, ...] = ()
    coordinate_note: pd.Series | None = None           # why a row has no coordinates (in its reason)
    warn_same_content: bool = False


def _columns(raw: _Raw, title: str, required: list[str], optional: list[str]) -> dict[str, pd.Series | None]:
    """Pick the named columns, case-insensitively; refuse a table without the required ones."""
    by_lower: dict[str, Any] = {}
    for c in raw.table.columns:
        by_lower.setdefault(str(c).strip().lower(), c)
    missing = [c for c in required if c not in by_lower]
    if missing:
        raise DataError(f"{raw.label}: missing {title} column(s) {', '.join(missing)} (it has: "
                        f"{_preview(raw.table.columns)}); check format=, or pass format='generic' with a mapping")
    return {c: (raw.table[by_lower[c]] if c in by_lower else None) for c in (*required, *optional)}


def _coordinates(raw: _Raw, col: dict[str, pd.Series | None], lat: str, lon: str) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude from the columns, else from Point geometry."""
    lat_s, lon_s = col.get(lat), col.get(lon)
    if lat_s is not None and lon_s is not None:
        return lat_s, lon_s
    assert raw.lat is not None and raw.lon is not None  # _columns required them otherwise
    return pd.Series(raw.lat), pd.Series(raw.lon)


def _geometry_note(raw: _Raw, from_geometry: bool) -> pd.Series | None:
    if not from_geometry or raw.geometry_note is None:
        return None
    return pd.Series(raw.geometry_note, dtype=object)


def _fields_ucdp(raw: _Raw, require_fatalities: bool) -> _Fields:
    xy = ["latitude", "longitude"]
    required = ["id", "date_start", "date_end", "where_prec", "best"] + (xy if raw.lat is None else [])
    if require_fatalities:
        required += ["low", "high"]
    optional = ["low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "side_a", "side_b",
                "conflict_name", "dyad_name", "type_of_violence", "where_coordinates", "where_description",
                "country", "source_article", *(xy if raw.lat is not None else [])]
    col = _columns(raw, "UCDP GED", required, [c for c in optional if c not in required])
    lat, lon = _coordinates(raw, col, "latitude", "longitude")
    code, label, km = _precision(col["where_prec"], UCDP_PRECISION, "UCDP where_prec", raw.label)
    violence = _text(col["type_of_violence"])
    names = {"deaths_a": "deaths_a", "deaths_b": "deaths_b", "deaths_civilians": "deaths_civilians",
             "deaths_unknown": "deaths_unknown", "deaths_best": "best", "deaths_low": "low", "deaths_high": "high"}
    conflict = _text(col["conflict_name"])
    return _Fields(
        dataset="ucdp",
        source_id=_id_text(_req(col["id"])),
        date_start=_req(col["date_start"]), date_end=col["date_end"], lat=lat, lon=lon,
        text={"name": _first_of(conflict, _text(col["dyad_name"])),
              "event_type": _code_map(violence, UCDP_VIOLENCE_TYPES),
              "location": _text(col["where_coordinates"]), "country": _text(col["country"]),
              "precision_code": code, "precision": label, "side_a": _text(col["side_a"]),
              "side_b": _text(col["side_b"]), "sources": _text(col["source_article"]),
              "notes": _text(col["where_description"])},
        numbers={k: (c, v) for k, v in names.items() if (c := col[v]) is not None},
        uncertainty_km=km,
        required_fatalities=("deaths_best", "deaths_low", "deaths_high") if require_fatalities else (),
        coordinate_note=_geometry_note(raw, col["latitude"] is None),
    )


def _fields_acled(raw: _Raw, require_fatalities: bool) -> _Fields:
    xy = ["latitude", "longitude"]
    required = ["event_id_cnty", "event_date", "fatalities"] + (xy if raw.lat is None else [])
    optional = ["geo_precision", "event_type", "sub_event_type", "actor1", "actor2", "country", "location",
                "source", "notes", *(xy if raw.lat is not None else [])]
    col = _columns(raw, "ACLED", required, optional)
    lat, lon = _coordinates(raw, col, "latitude", "longitude")
    code, label, km = _precision(col["geo_precision"], ACLED_PRECISION, "ACLED geo_precision", raw.label)
    return _Fields(
        dataset="acled",
        source_id=_id_text(_req(col["event_id_cnty"])),
        date_start=_req(col["event_date"]), date_end=None, lat=lat, lon=lon,
        text={"name": _text(col["sub_event_type"]), "event_type": _text(col["event_type"]),
              "location": _text(col["location"]), "country": _text(col["country"]), "precision_code": code,
              "precision": label, "side_a": _text(col["actor1"]), "side_b": _text(col["actor2"]),
              "sources": _text(col["source"]), "notes": _text(col["notes"])},
        numbers={"deaths_best": (_req(col["fatalities"]), "fatalities")},
        uncertainty_km=km,
        required_fatalities=("deaths_best",) if require_fatalities else (),
        coordinate_note=_geometry_note(raw, col["latitude"] is None),
    )


def _fields_generic(raw: _Raw, mapping: Mapping[str, str] | None, require_fatalities: bool,
                    dataset: str | None, coordinate_note: pd.Series | None = None) -> _Fields:
    name = "generic" if dataset is None else dataset
    if not isinstance(name, str) or not name.strip() or re.search(r"[\s:]", name):
        raise DataError(f"dataset name {name!r} must be a non-empty word without spaces or ':', e.g. 'mynews'")
    if mapping is None:
        raise DataError(f"format='generic' needs mapping= from column names ({', '.join(MAPPING_KEYS[:4])}, …) to "
                        f"the columns of {raw.label}: {_preview(raw.table.columns)}")
    if not isinstance(mapping, Mapping):
        raise DataError(f"mapping must be a dict from schema column names to the file's, got {type(mapping).__name__}")
    unknown = [k for k in mapping if k not in MAPPING_KEYS]
    if unknown:
        hints = [f"{k!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(str(k), MAPPING_KEYS, 1))
                             else "") for k in unknown]
        raise DataError(f"unknown mapping key(s) {', '.join(hints)}; mapping keys are the schema's columns: "
                        f"{', '.join(MAPPING_KEYS)}")
    not_text = [k for k, v in mapping.items() if not isinstance(v, str)]
    if not_text:
        raise DataError(f"mapping[{not_text[0]!r}] must be a column name (text), got {mapping[not_text[0]]!r}")
    if "date_start" not in mapping:
        raise DataError("mapping needs 'date_start': the file's column holding each incident's (first) date")
    has_xy = [k for k in ("lat", "lon") if k in mapping]
    if len(has_xy) == 1:
        raise DataError(f"mapping has {has_xy[0]!r} but not {'lon' if has_xy[0] == 'lat' else 'lat'!r}; map both "
                        "the latitude and the longitude column")
    if not has_xy and raw.lat is None:
        raise DataError(f"mapping has no 'lat' and 'lon', and {raw.label} has no Point geometry to take them from; "
                        "map the file's latitude and longitude columns")
    if require_fatalities and "deaths_best" not in mapping:
        raise DataError("require_fatalities=True needs mapping['deaths_best']: the file's column of deaths")
    by_name = {str(c): c for c in raw.table.columns}
    by_lower: dict[str, Any] = {}
    for c in raw.table.columns:
        by_lower.setdefault(str(c).strip().lower(), c)
    resolved: dict[str, Any] = {}
    missing = []
    for key, column in mapping.items():
        found = by_name.get(column, by_lower.get(column.strip().lower()))
        if found is None:
            close = difflib.get_close_matches(column, list(by_name), 1)
            missing.append(f"{column!r} (for {key}{f'; did you mean {close[0]!r}?' if close else ''})")
        else:
            resolved[key] = found
    if missing:
        raise DataError(f"{raw.label}: mapping names column(s) not in the file: {', '.join(missing)}; its columns "
                        f"are: {_preview(raw.table.columns)}")

    def get(key: str) -> pd.Series | None:
        return raw.table[resolved[key]] if key in resolved else None

    if has_xy:
        lat, lon = get("lat"), get("lon")
        assert lat is not None and lon is not None
    else:
        assert raw.lat is not None and raw.lon is not None
        lat, lon = pd.Series(raw.lat), pd.Series(raw.lon)
        if coordinate_note is None and raw.geometry_note is not None:
            coordinate_note = pd.Series(raw.geometry_note, dtype=object)
    ids = get("incident_id")
    source_id = _id_text(ids) if ids is not None else pd.Series(raw.line.astype(str), dtype="str")
    km = np.full(len(raw.table), np.nan)
    numbers = {k: (s, str(resolved[k])) for k in (*_NUMBER_COLUMNS, "uncertainty_km") if (s := get(k)) is not None}
    return _Fields(
        dataset=name, source_id=source_id, date_start=_req(get("date_start")), date_end=get("date_end"),
        lat=lat, lon=lon, text={k: _text(get(k)) for k in _TEXT_COLUMNS}, numbers=numbers, uncertainty_km=km,
        required_fatalities=("deaths_best",) if require_fatalities else (), coordinate_note=coordinate_note,
        warn_same_content=True,
    )


def _first_of(a: pd.Series | None, b: pd.Series | None) -> pd.Series | None:
    """``a`` with its gaps filled from ``b`` (either may be absent)."""
    if a is None or b is None:
        return b if a is None else a
    return a.fillna(b)


def _req(s: pd.Series | None) -> pd.Series:
    assert s is not None  # a required column, checked by _columns or the mapping checks
    return s


# ------------------------------------------------------------------------------------------ parsing values

def _text(s: pd.Series | None, na_words: bool = False) -> pd.Series | None:
    """Values as stripped text (a pandas string dtype), missing where blank.

    With ``na_words``, words such as ``NA`` or ``null`` (:data:`_NA_WORDS`) count as missing too, as they do in
    number, date and code fields.
    """
    if s is None:
        return None
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype("string")
    t = s.str.strip()
    empty = (t == "").fillna(False).astype(bool)
    if na_words:
        empty |= t.isin(_NA_WORDS).fillna(False).astype(bool)
    return t.mask(empty)


def _id_text(s: pd.Series) -> pd.Series:
    """Ids as text; whole-number floats (ids read next to missing values) without their ``.0``."""
    if pd.api.types.is_float_dtype(s.dtype):
        return _int_codes(_req(_text(s)))[1]
    out = _text(s)
    assert out is not None
    return out


def _number(s: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], pd.Series | None]:
    """Values as floats; returns (values, bad: present but not a number, the text for messages)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        as_float = np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        return as_float, np.zeros(len(s), dtype=bool), None
    t = _text(s, na_words=True)
    assert t is not None
    try:  # fast path: every value is a number or empty
        values = np.asarray(t.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    except (ValueError, TypeError):
        values = np.asarray(pd.to_numeric(t, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
                            dtype=np.float64)
    bad = t.notna().to_numpy() & np.isnan(values)
    return values, bad, t


def _plain_number(s: pd.Series | None) -> npt.NDArray[np.float64]:
    """Numbers from text only where the whole text is one number (``1,234`` allowed); NaN elsewhere."""
    if s is None:
        return np.array([], dtype=np.float64)
    t = _text(s)
    assert t is not None
    plain = t.str.fullmatch(r"\d{1,3}(,\d{3})+|\d+(\.\d+)?").fillna(False).astype(bool)
    values = pd.to_numeric(t.where(plain).str.replace(",", "", regex=False), errors="coerce")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _int_codes(t: pd.Series) -> tuple[npt.NDArray[np.float64], pd.Series]:
    """Codes as numbers (NaN where not numeric) and as text, with ``1.0`` written ``1``."""
    num, _, _ = _number(t)
    with np.errstate(invalid="ignore"):
        whole = ~np.isnan(num) & (num == np.floor(num))
    dotted = t.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool) & whole
    if not dotted.any():
        return num, t
    code = t.copy()
    code[dotted] = [str(int(v)) for v in num[dotted]]
    return num, code


def _code_map(codes: pd.Series | None, words: dict[int, str]) -> pd.Series | None:
    """Codes replaced by their words where known (``1.0`` reads as ``1``); other values kept."""
    if codes is None:
        return None
    num, text = _int_codes(codes)
    out = text.to_numpy(dtype=object, copy=True)
    out[text.isna().to_numpy()] = None
    for key, word in words.items():
        out[num == key] = word
    return pd.Series(out, dtype=object)


def _precision(s: pd.Series | None, table: dict[int, tuple[str, float]], what: str,
               label: str) -> tuple[pd.Series | None, pd.Series | None, npt.NDArray[Any]]:
    """(code as text, meaning, uncertainty_km) for a precision column; unknown codes warn and give NaN."""
    if s is None:
        return None, None, np.array([], dtype=np.float64)
    t = _text(s, na_words=True)
    assert t is not None
    num, code = _int_codes(t)
    meaning = np.full(len(t), None, dtype=object)
    km = np.full(len(t), np.nan)
    known = np.zeros(len(t), dtype=bool)
    for key, (words, radius) in table.items():
        here = num == key
        meaning[here], km[here], known[here] = words, radius, True
    unknown = t.notna().to_numpy() & ~known
    if unknown.any():
        seen = ", ".join(repr(v) for v in pd.unique(t[unknown])[:5])
        warnings.warn(f"{label}: {int(unknown.sum())} rows have {what} outside {min(table)}–{max(table)} ({seen}); "
                      "kept with uncertainty_km NaN", BorderlineWarning, stacklevel=4)
    return code, pd.Series(meaning, dtype=object), km


_DATE_FALLBACK_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d-%m-%Y")


def _dates(s: pd.Series) -> tuple[pd.Series, pd.Series | None, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Parse dates (date only). Returns (datetime64[ns] values, the text for messages, missing, bad)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        d = pd.Series(s)
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_localize(None)
        missing = d.isna().to_numpy()
        d = d.dt.normalize()
        return _in_ns(d, missing, None)
    t = _text(s, na_words=True)
    assert t is not None
    missing = t.isna().to_numpy()
    iso = (t.str.len().eq(10) | t.str.slice(10, 11).isin(["T", " "])).fillna(False).astype(bool)
    d = pd.to_datetime(t.str.slice(0, 10).where(iso), format="%Y-%m-%d", errors="coerce")
    todo = d.isna() & t.notna()
    for fmt in _DATE_FALLBACK_FORMATS:
        if not todo.any():
            break
        more = pd.to_datetime(t[todo], format=fmt, errors="coerce")
        d[todo] = more
        todo = d.isna() & t.notna()
    return _in_ns(d, missing, t)


def _in_ns(d: pd.Series, missing: npt.NDArray[np.bool_],
           t: pd.Series | None) -> tuple[pd.Series, pd.Series | None, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Dates outside what datetime64[ns] holds (1678–2261) become bad dates; the rest are cast to ns."""
    years = d.dt.year
    fits = d.notna() & years.between(1678, 2261)
    bad = ~missing & ~fits.to_numpy()
    out = d.where(fits).astype("datetime64[ns]")
    return out, t, missing, bad


def _shown(v: object, width: int = 60) -> str:
    """A raw value for a reason: quoted, shortened."""
    text = str(v)
    return repr(text if len(text) <= width else text[:width - 1] + "…")


# --------------------------------------------------------------------------------- validating and building

def _build(raw: _Raw, f: _Fields, *, require_fatalities: bool, today: pd.Timestamp,
           allow_missing_coordinates: bool = False) -> tuple[gpd.GeoDataFrame, pd.DataFrame, npt.NDArray[np.intp]]:
    """Parse and check every row; return (accepted frame, rejects, positions of the accepted rows)."""
    n = len(raw.table)
    parts: dict[int, list[str]] = {}

    def reject(mask: npt.NDArray[np.bool_] | pd.Series, why: Callable[[int], str]) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            parts.setdefault(int(i), []).append(why(int(i)))

    ids = f.source_id.reset_index(drop=True)
    id_missing = ids.isna().to_numpy()
    reject(id_missing, lambda i: "missing id")
    incident_id = (f.dataset + ":" + ids).reset_index(drop=True)

    # dates
    start, start_text, start_missing, start_bad = _dates(f.date_start.reset_index(drop=True))
    reject(start_missing, lambda i: "missing date")
    reject(start_bad, lambda i: f"bad date {_shown(_at(start_text, i))}")
    if f.date_end is not None:
        end, end_text, end_missing, end_bad = _dates(f.date_end.reset_index(drop=True))
        reject(end_bad, lambda i: f"bad date {_shown(_at(end_text, i))} (end)")
        end = end.where(~pd.Series(end_missing), start)
    else:
        end = start.copy()
    s_arr, e_arr = start.to_numpy(), end.to_numpy()
    with np.errstate(invalid="ignore"):
        backwards = (e_arr < s_arr)
    reject(backwards, lambda i: f"end before start ({_day(e_arr[i])} < {_day(s_arr[i])})")
    today64 = np.datetime64(today.date(), "ns")
    latest = np.where(np.isnat(e_arr) | (e_arr < s_arr), s_arr, e_arr)
    future = ~np.isnat(latest) & (latest > today64)
    reject(future, lambda i: f"future date {_day(latest[i])} (today is {today.date().isoformat()})")

    # coordinates
    lat, lat_bad, lat_text = _number(f.lat.reset_index(drop=True))
    lon, lon_bad, lon_text = _number(f.lon.reset_index(drop=True))
    no_xy = (np.isnan(lat) & ~lat_bad) | (np.isnan(lon) & ~lon_bad)
    note = f.coordinate_note.reset_index(drop=True) if f.coordinate_note is not None else None

    def no_coordinates(i: int) -> str:
        detail = None if note is None else note.iloc[i]
        if detail is not None and not pd.isna(detail):
            return f"no coordinates ({detail})"
        empty = [w for w, v, b in (("latitude", lat, lat_bad), ("longitude", lon, lon_bad))
                 if np.isnan(v[i]) and not b[i]]
        return f"no coordinates ({' and '.join(empty)} empty)"

    if not allow_missing_coordinates:
        reject(no_xy, no_coordinates)
    reject(lat_bad, lambda i: f"bad coordinates: latitude {_shown(_at(lat_text, i))} is not a number")
    reject(lon_bad, lambda i: f"bad coordinates: longitude {_shown(_at(lon_text, i))} is not a number")
    with np.errstate(invalid="ignore"):
        lat_out = ~np.isnan(lat) & ~(np.abs(lat) <= 90)
        lon_out = ~np.isnan(lon) & ~(np.abs(lon) <= 180)
    reject(lat_out, lambda i: f"bad coordinates: latitude {lat[i]:g} is outside -90..90")
    reject(lon_out, lambda i: f"bad coordinates: longitude {lon[i]:g} is outside -180..180")
    reject((lat == 0) & (lon == 0), lambda i: "coordinates at 0,0 (null island): probably missing")

    # numbers
    values: dict[str, npt.NDArray[np.float64]] = {}
    labels: dict[str, str] = {}
    bad_numbers: list[tuple[str, npt.NDArray[np.bool_], pd.Series | None]] = []
    for key, (raw_values, name) in f.numbers.items():
        v, bad, text = _number(raw_values.reset_index(drop=True))
        values[key], labels[key] = v, name
        if bad.any():
            bad_numbers.append((name, bad, text))
    if require_fatalities:
        absent = {k: np.isnan(values[k]) for k in f.required_fatalities if k in values}
        any_absent = np.zeros(n, dtype=bool)
        for mask in absent.values():
            any_absent |= mask
        reject(any_absent, lambda i: "missing fatalities: " + ", ".join(labels[k] for k, m in absent.items() if m[i]))
    if bad_numbers:
        any_bad = np.logical_or.reduce([b for _, b, _ in bad_numbers])
        reject(any_bad, lambda i: "bad number: " + ", ".join(f"{name} {_shown(_at(t, i))}"
                                                             for name, b, t in bad_numbers if b[i]))
    negative = {k: v < 0 for k, v in values.items()}
    if negative:
        any_negative = np.logical_or.reduce(list(negative.values()))
        reject(any_negative, lambda i: "negative number: " + ", ".join(f"{labels[k]} {values[k][i]:g}"
                                                                      for k, m in negative.items() if m[i]))
    nan = np.full(n, np.nan)
    low, best, high = (values.get(k, nan) for k in ("deaths_low", "deaths_best", "deaths_high"))
    reject(low > best, lambda i: f"low > best ({low[i]:g} > {best[i]:g})")
    reject(best > high, lambda i: f"best > high ({best[i]:g} > {high[i]:g})")

    # duplicate ids: the first row is kept, later ones rejected
    dup = (incident_id.duplicated(keep="first") & ~pd.Series(id_missing)).to_numpy()
    if dup.any():
        first_line = dict(zip(incident_id[~dup & ~id_missing], raw.line[~dup & ~id_missing], strict=True))
        reject(dup, lambda i: f"duplicate of {incident_id.iloc[i]} (line {first_line[incident_id.iloc[i]]})")

    rejected = np.zeros(n, dtype=bool)
    rejected[list(parts)] = True
    keep = np.flatnonzero(~rejected)
    rejects = _rejects(raw, parts, incident_id, id_missing)

    uncertainty = values.get("uncertainty_km", f.uncertainty_km if len(f.uncertainty_km) == n else nan)
    columns: dict[str, Any] = {
        "incident_id": _objects(incident_id, keep),
        "dataset": pd.Series(np.full(len(keep), f.dataset, dtype=object), dtype=object),
        "source_id": _objects(ids, keep),
        "date_start": start.iloc[keep].to_numpy(),
        "date_end": end.iloc[keep].to_numpy(),
        "year": start.iloc[keep].dt.year.to_numpy(dtype=np.int64),
    }
    for key in ("name", "event_type", "location", "country"):
        columns[key] = _objects(f.text.get(key), keep)
    columns["lat"], columns["lon"] = lat[keep], lon[keep]
    for key in ("precision_code", "precision"):
        columns[key] = _objects(f.text.get(key), keep)
    columns["uncertainty_km"] = uncertainty[keep]
    for key in ("side_a", "side_b"):
        columns[key] = _objects(f.text.get(key), keep)
    for key in _NUMBER_COLUMNS:
        columns[key] = values.get(key, nan)[keep]
    for key in ("sources", "notes"):
        columns[key] = _objects(f.text.get(key), keep)
    columns["line"] = raw.line[keep]
    xy_ok = np.isfinite(lon[keep]) & np.isfinite(lat[keep])
    points = np.full(len(keep), None, dtype=object)
    points[xy_ok] = shapely.points(lon[keep][xy_ok], lat[keep][xy_ok])
    frame = gpd.GeoDataFrame(columns, geometry=list(points), crs="EPSG:4326")
    frame = frame[INCIDENT_COLUMNS]

    if f.warn_same_content and len(frame) > 1:
        _warn_same_content(frame, raw.label)
    return frame, rejects, keep


def _at(t: pd.Series | None, i: int) -> object:
    return "" if t is None else t.iloc[i]


def _day(v: np.datetime64) -> str:
    return str(v)[:10]


def _objects(s: pd.Series | None, keep: npt.NDArray[np.intp]) -> pd.Series:
    """Text as an object column with None for missing (the project's text-column convention)."""
    if s is None:
        return pd.Series(np.full(len(keep), None, dtype=object), dtype=object)
    values = s.to_numpy(dtype=object, copy=True)
    values[s.isna().to_numpy()] = None
    return pd.Series(values if len(keep) == len(values) else values[keep], dtype=object)


def _rejects(raw: _Raw, parts: dict[int, list[str]], incident_id: pd.Series,
             id_missing: npt.NDArray[np.bool_]) -> pd.DataFrame:
    rows = sorted(parts)
    records = raw.table.iloc[rows].astype(object)
    records = records.where(records.notna(), None)
    dicts = records.to_dict("records")
    if raw.geometries is not None:
        for d, i in zip(dicts, rows, strict=True):
            d["geometry"] = raw.geometries[i]
    return pd.DataFrame({
        "line": raw.line[rows].astype(np.int64),
        "incident_id": np.array([None if id_missing[i] else incident_id.iloc[i] for i in rows], dtype=object),
        "reason": np.array(["; ".join(parts[i]) for i in rows], dtype=object),
        "record": np.array([json.dumps(d, ensure_ascii=False, default=_json_value) for d in dicts], dtype=object),
    }, columns=REJECT_COLUMNS)


def _json_value(v: object) -> object:
    item = getattr(v, "item", None)
    if callable(item):
        return item()
    return str(v)


def _warn_same_content(frame: gpd.GeoDataFrame, label: str) -> None:
    """Warn about rows that share dates, coordinates and deaths under different ids (kept)."""
    key = ["date_start", "date_end", "lat", "lon", "deaths_best"]
    same = frame.duplicated(subset=key, keep=False).to_numpy()
    if same.any():
        ids = frame.loc[same, "incident_id"].tolist()
        shown = ", ".join(ids[:6]) + (f", … ({len(ids)} in all)" if len(ids) > 6 else "")
        warnings.warn(f"{label}: {len(ids)} rows share dates, coordinates and deaths_best with another row under a "
                      f"different id ({shown}); kept as separate incidents: check them for double entries",
                      BorderlineWarning, stacklevel=4)


# ----------------------------------------------------------------------------------------------- provenance

_UCDP_VERSION = re.compile(r"(?i)(?:_v|ged)(\d{2})[._]?(\d)(?:[._](\d+))?(?!\d)")


def _provenance(raw: _Raw, fmt: str, fields: _Fields, frame: gpd.GeoDataFrame, rejects: pd.DataFrame) -> Provenance:
    family = "ucdp" if fmt in ("ucdp", "ucdp-json") else fmt
    version = ""
    if family == "ucdp" and raw.path is not None and (m := _UCDP_VERSION.search(raw.path.stem)):
        version = ".".join(g for g in m.groups() if g)
    elif family == "acled":
        stamp = _columns(raw, "ACLED", [], ["timestamp"])["timestamp"]
        if stamp is not None:
            latest = pd.to_numeric(_req(_text(stamp)), errors="coerce").max()
            if pd.notna(latest):
                day = dt.datetime.fromtimestamp(float(latest), tz=dt.UTC).date()
                version = f"export with rows updated up to {day.isoformat()}"
    if not version:
        version = file_version(raw.path) if raw.path is not None else "in-memory table"
    dataset_id = {"ucdp": "ucdp-ged", "acled": "acled"}.get(family, fields.dataset)
    obtained = {"csv": "CSV file", "ucdp-api": "UCDP API answer saved as JSON", "geojson": "GeoJSON file",
                "records": "JSON file", "frame": "table"}[raw.shape]
    notes = (*raw.notes, f"read as {fmt}: {len(frame)} rows accepted, {len(rejects)} rejected "
                         "(see Incidents.rejects)")
    if family in ("ucdp", "acled"):
        table = UCDP_PRECISION if family == "ucdp" else ACLED_PRECISION
        radii = ", ".join(f"{k}→{'NaN' if np.isnan(v[1]) else f'{v[1]:g} km'}" for k, v in table.items())
        notes = (*notes, f"uncertainty_km from the precision code ({radii}): borderline's reading of the codebook")
    return Provenance(dataset_id, version, _LICENCES.get(family, _LICENCES["generic"]), obtained, raw.label,
                      notes=notes)


# ------------------------------------------------------------------------------------------ case incidents

#: Columns of a case incidents file, ``<case id>-incidents.csv`` (one row per incident, each citing its sources).
CASE_INCIDENT_FILE_COLUMNS = (
    "event_id", "start_date", "end_date", "name", "location", "lat", "lon", "coord_quality", "coord_source",
    "killed_kg", "killed_tj", "killed_total_note", "injured_note", "displaced_note", "sources",
)
#: How a case incidents file maps onto the schema (``format="generic"``).
CASE_INCIDENT_MAPPING = {
    "incident_id": "event_id", "date_start": "start_date", "date_end": "end_date", "name": "name",
    "location": "location", "lat": "lat", "lon": "lon", "precision_code": "coord_quality",
    "precision": "coord_quality", "deaths_a": "killed_kg", "deaths_b": "killed_tj", "sources": "sources",
}
#: The sides of a case file's ``killed_kg`` (side A) and ``killed_tj`` (side B) columns.
CASE_SIDES = ("KGZ", "TJK")
#: ``coord_quality`` of a case file → ``uncertainty_km``. A village point stands for a place 1–3 km across. The
#: September 2022 row's point (Batken town) represents fighting along a ~110 km stretch (the row's location), so
#: half that stretch is used. ``none`` rows have no coordinates and are rejected.
CASE_PRECISION_KM = {
    "village (approx)": 3.0,
    "approx (Kok-Tash village)": 3.0,
    "region (representative point = Batken town)": 55.0,
    "none": np.nan,
}
#: Columns a case file adds to :data:`INCIDENT_COLUMNS`, before ``geometry``: the case's text on deaths,
#: injured and displaced people (kept verbatim; ``injured`` and ``displaced`` are numbers only where the text
#: is one plain number) and how each coordinate was found.
CASE_EXTRA_COLUMNS = ["deaths_note", "injured_note", "displaced_note", "coord_source"]


def case_incident_ids() -> list[str]:
    """Ids of the built-in cases that have an incidents file."""
    from borderline.cases import list_cases

    root = importlib.resources.files("borderline.cases")
    names = {p.name for p in root.iterdir()}
    return [c for c in list_cases() if f"{c}-incidents.csv" in names]


def load_case_incidents(case_id: str = "kgz-tjk", today: dt.date | None = None, *,
                        allow_missing_coordinates: bool = False) -> Incidents:
    """Read a built-in case's incidents, compiled by the project from cited public sources.

    The file is read through the generic reader with :data:`CASE_INCIDENT_MAPPING`. ``deaths_a`` and ``deaths_b``
    are the deaths on each side (:data:`CASE_SIDES`: ``side_a="KGZ"``, ``side_b="TJK"``); ``deaths_best`` is
    their sum where either is known. ``uncertainty_km`` comes from ``coord_quality`` (:data:`CASE_PRECISION_KM`).
    Rows without coordinates (``coord_quality`` ``none``) are rejected as ``no coordinates (coord_quality: none;
    <coord_source>)``.

    Parameters
    ----------
    case_id : str
        A built-in case with an incidents file (see :func:`case_incident_ids`).
    today : datetime.date, optional
        As for :func:`read_incidents`.
    allow_missing_coordinates : bool
        As for :func:`read_incidents`: keep the rows without coordinates (for a timeline).

    Returns
    -------
    Incidents
        The frame has :data:`INCIDENT_COLUMNS` plus :data:`CASE_EXTRA_COLUMNS` (before ``geometry``); its
        provenance is ``<case id>-incidents``, not schematic.

    Raises
    ------
    BorderlineError
        If the case is unknown or has no incidents file.
    DataError
        If the file lacks a column of :data:`CASE_INCIDENT_FILE_COLUMNS`.
    """
    from borderline.cases import load_case
    from borderline.settings import VERSION

    load_case(case_id)  # unknown ids raise here, with the known ids
    name = f"{case_id}-incidents.csv"
    res = importlib.resources.files("borderline.cases") / name
    if not res.is_file():
        raise BorderlineError(f"case {case_id!r} has no incidents file ({name}); cases with incidents: "
                              f"{', '.join(case_incident_ids()) or 'none'}")
    label = f"borderline.cases/{name}"
    raw = _load_csv(res.read_bytes(), label, None)
    missing = [c for c in CASE_INCIDENT_FILE_COLUMNS if c not in raw.table.columns]
    if missing:
        raise DataError(f"{label}: missing column(s) {', '.join(missing)}; see "
                        "borderline.incidents.CASE_INCIDENT_FILE_COLUMNS")
    table = raw.table
    quality = _text(table["coord_quality"])
    where = _text(table["coord_source"])
    assert quality is not None and where is not None
    note = ("coord_quality: " + quality.fillna("none") + "; " + where.fillna("no coordinate source given"))
    fields = _fields_generic(raw, CASE_INCIDENT_MAPPING, False, case_id, note.astype(object))
    known = quality.isin(list(CASE_PRECISION_KM))
    unknown = quality.notna() & ~known
    if unknown.any():
        warnings.warn(f"{label}: coord_quality {', '.join(map(repr, pd.unique(quality[unknown])))} not in "
                      "CASE_PRECISION_KM; uncertainty_km left NaN", BorderlineWarning, stacklevel=2)
    fields.uncertainty_km = quality.map(CASE_PRECISION_KM).to_numpy(dtype=np.float64, na_value=np.nan)
    frame, rejects, keep = _build(raw, fields, require_fatalities=False, today=_today(today),
                                  allow_missing_coordinates=allow_missing_coordinates)

    for col, side in zip(("side_a", "side_b"), CASE_SIDES, strict=True):
        frame[col] = pd.Series(np.full(len(frame), side, dtype=object), index=frame.index, dtype=object)
    a, b = frame["deaths_a"].to_numpy(), frame["deaths_b"].to_numpy()
    frame["deaths_best"] = np.where(np.isnan(a) & np.isnan(b), np.nan, np.nansum(np.stack([a, b]), axis=0))
    frame["injured"] = _plain_number(table["injured_note"])[keep]
    frame["displaced"] = _plain_number(table["displaced_note"])[keep]
    for col, src in zip(CASE_EXTRA_COLUMNS, ("killed_total_note", "injured_note", "displaced_note", "coord_source"),
                        strict=True):
        frame[col] = _objects(_text(table[src]), keep)
    frame = frame[[*INCIDENT_COLUMNS[:-1], *CASE_EXTRA_COLUMNS, "geometry"]]

    prov = Provenance(
        f"{case_id}-incidents", f"borderline {VERSION}",
        "compiled from cited public sources; each row cites them",
        "authored by the borderline project from public sources (each row's sources)", label, schematic=False,
        notes=(f"{len(frame)} rows accepted, {len(rejects)} rejected (see Incidents.rejects)",
               "coordinates are approximate points for a village or a region (coord_quality, coord_source); "
               "uncertainty_km from coord_quality: " + ", ".join(
                   f"{k} → {'NaN' if np.isnan(v) else f'{v:g} km'}" for k, v in CASE_PRECISION_KM.items()),
               "deaths_a: Kyrgyz deaths (killed_kg), deaths_b: Tajik deaths (killed_tj), deaths_best: their sum "
               "where either is known; figures as reported by the cited sources"),
    )
    frame.attrs["provenance"] = prov.as_dict()
    return Incidents(frame, rejects, prov)


# ================================================================================================ linking


#: Columns :func:`link_incidents` adds.
LINK_COLUMNS = ["pair", "chainage_km", "border_distance_km", "side", "border_within_uncertainty", "segment_id",
                "segment_status", "flashpoint_id", "flashpoint_km", "enclave"]
#: Numbers :func:`summarise` adds up.
SUM_COLUMNS = ["deaths_best", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "injured", "displaced"]


def link_incidents(
    incidents: Incidents | gpd.GeoDataFrame,
    borders: Any,
    *,
    register: Any = None,
    flashpoints: gpd.GeoDataFrame | None = None,
    enclaves: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Link each incident to the nearest border, its chainage and side, a register segment, flashpoint and enclave.

    Parameters
    ----------
    incidents : Incidents or GeoDataFrame
        Accepted incidents (:data:`INCIDENT_COLUMNS`; ``uncertainty_km`` and ``date_start`` are used).
    borders : LineIndex, BorderLine or sequence of BorderLine
        The borders to link to (:mod:`borderline.chainage`); build a ``LineIndex`` once for many calls.
    register : Register, optional
        A located register (:meth:`borderline.register.Register.locate`) of one of those borders: each incident
        gets the located segment in force on its start date that holds its chainage, and that segment's status.
    flashpoints : GeoDataFrame, optional
        :func:`borderline.flashpoints.flashpoints` output: the nearest one and its distance (km, geodesic).
    enclaves : GeoDataFrame, optional
        :func:`borderline.enclaves.polygon_parts` output: the enclave or exclave (not mainland) an incident lies in.

    Returns
    -------
    GeoDataFrame
        The incidents with :data:`LINK_COLUMNS`: ``pair`` of the nearest border, ``chainage_km`` along it,
        ``border_distance_km`` (geodesic), ``side`` (the state on the incident's side of that border),
        ``border_within_uncertainty`` (the border lies within the location's uncertainty radius, so the side is
        not certain), ``segment_id`` / ``segment_status`` (None where no located segment applies),
        ``flashpoint_id`` / ``flashpoint_km`` and ``enclave`` (``"Vorukh (TJK part 2)"``; None outside).
    """
    from borderline.chainage import BorderLine, LineIndex, locate

    frame = incidents.frame if isinstance(incidents, Incidents) else incidents
    index = borders if isinstance(borders, LineIndex) else LineIndex(
        [borders] if isinstance(borders, BorderLine) else list(borders))
    out = frame.copy()
    geoms = np.asarray(out.geometry.values, dtype=object)
    loc = locate(geoms, index)
    out["pair"] = loc["pair"].to_numpy()
    out["chainage_km"] = loc["chainage_km"].to_numpy()
    out["border_distance_km"] = loc["distance_km"].to_numpy()
    out["side"] = loc["side"].to_numpy()
    unc = pd.to_numeric(out["uncertainty_km"], errors="coerce").to_numpy(dtype=float) if "uncertainty_km" in out \
        else np.full(len(out), np.nan)
    out["border_within_uncertainty"] = np.where(np.isnan(unc), True, out["border_distance_km"].to_numpy() <= unc)
    out["segment_id"], out["segment_status"] = _segments_at(out, register)
    out["flashpoint_id"], out["flashpoint_km"] = _nearest_flashpoint(geoms, flashpoints)
    out["enclave"] = _enclave_of(geoms, enclaves)
    cols = [c for c in out.columns if c not in LINK_COLUMNS and c != out.geometry.name]
    return out[[*cols, *LINK_COLUMNS, out.geometry.name]]


def summarise(linked: pd.DataFrame, by: Sequence[str] = ("pair", "year")) -> pd.DataFrame:
    """Incidents, fatalities, injured and displaced added up by any of the linked columns.

    Parameters
    ----------
    linked : DataFrame
        :func:`link_incidents` output (or any incident frame holding the ``by`` columns).
    by : sequence of str
        Grouping columns, e.g. ``("pair", "year")``, ``("segment_id",)``, ``("side",)``, ``("year", "side")``.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, ``n_incidents``, and the sum of each of :data:`SUM_COLUMNS`
        present (NaN values count as unknown, not zero: a sum is NaN only when every value is unknown), plus
        ``n_with_deaths`` (incidents with a known death count).
    """
    by = list(by)
    missing = [c for c in by if c not in linked.columns]
    if missing:
        raise DataError(f"cannot summarise by {', '.join(missing)}: no such column; use e.g. pair, year, side, "
                        "segment_id, enclave")
    sums = [c for c in SUM_COLUMNS if c in linked.columns]
    g = linked.groupby(by, dropna=False, sort=True)
    out = g.size().rename("n_incidents").to_frame()
    for c in sums:
        out[c] = g[c].sum(min_count=1)
    if "deaths_best" in linked.columns:
        out["n_with_deaths"] = g["deaths_best"].count()
    return out.reset_index()


def deaths_by_party(linked: pd.DataFrame) -> pd.DataFrame:
    """Deaths attributed to each party (``side_a`` / ``side_b`` with ``deaths_a`` / ``deaths_b``), by year.

    Returns
    -------
    DataFrame
        ``year``, ``party``, ``deaths`` (NaN-skipping sums), ``n_incidents`` (with a known figure for the party).
    """
    rows = []
    for side, deaths in (("side_a", "deaths_a"), ("side_b", "deaths_b")):
        if side in linked.columns and deaths in linked.columns:
            part = linked[["year", side, deaths]].rename(columns={side: "party", deaths: "deaths"})
            rows.append(part[part["deaths"].notna()])
    if not rows:
        return pd.DataFrame(columns=["year", "party", "deaths", "n_incidents"])
    allp = pd.concat(rows, ignore_index=True)
    g = allp.groupby(["year", "party"], sort=True)["deaths"]
    return pd.DataFrame({"deaths": g.sum(), "n_incidents": g.size()}).reset_index()


def hotspots(linked: pd.DataFrame, pair: str, *, bin_km: float = 10.0, border: Any = None,
             weight: str = "deaths_best") -> gpd.GeoDataFrame:
    """Stretches of one border where incidents cluster: fixed bins of chainage, ranked.

    Parameters
    ----------
    linked : DataFrame
        :func:`link_incidents` output.
    pair : str
        ``"KGZ–TJK"`` (codes in the order of the border line; either order is accepted).
    bin_km : float
        Bin width along the border (km of chainage).
    border : BorderLine, optional
        The pair's line, to give each bin its stretch of border as geometry.
    weight : str
        Column added up per bin besides the count (``deaths_best`` by default; NaN counts as 0 there).

    Returns
    -------
    GeoDataFrame
        Bins with at least one incident, ranked by ``weight`` then count: ``from_km``, ``to_km``,
        ``n_incidents``, ``weight`` (the sum), ``incident_ids``, and the border stretch as ``geometry`` (None
        without ``border``).
    """
    if not (isinstance(bin_km, int | float) and np.isfinite(bin_km) and bin_km > 0):
        raise DataError(f"bin_km={bin_km!r}: give a positive bin width in km")
    codes = sorted(pair.replace("-", "–").split("–"))
    names = linked["pair"].map(lambda p: "–".join(sorted(p.split("–"))) if isinstance(p, str) else "")
    sub = linked[(names == "–".join(codes)) & linked["chainage_km"].notna()]
    k = np.floor(sub["chainage_km"].to_numpy(dtype=float) / bin_km).astype(np.int64)
    w = pd.to_numeric(sub[weight], errors="coerce").fillna(0.0).to_numpy() if weight in sub else np.zeros(len(sub))
    tab = pd.DataFrame({"bin": k, "w": w, "id": sub["incident_id"].astype(str).to_numpy()})
    g = tab.groupby("bin", sort=True)
    res = pd.DataFrame({"n_incidents": g.size(), "weight": g["w"].sum(), "incident_ids": g["id"].agg("; ".join)})
    res = res.reset_index()
    res["from_km"] = res["bin"] * bin_km
    res["to_km"] = res["from_km"] + bin_km
    geoms: list[Any] = [None] * len(res)
    if border is not None:
        total = border.length_km
        geoms = [border.substring(a, min(b, total)) if a < total else None
                 for a, b in zip(res["from_km"], res["to_km"], strict=True)]
    res = res.sort_values(["weight", "n_incidents", "from_km"], ascending=[False, False, True], kind="stable")
    out = gpd.GeoDataFrame(res[["from_km", "to_km", "n_incidents", "weight", "incident_ids"]].reset_index(drop=True),
                           geometry=[geoms[i] for i in res.index], crs=4326)
    out.attrs["weight"] = weight
    return out


def _segments_at(frame: pd.DataFrame, register: Any) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    n = len(frame)
    seg = np.full(n, None, dtype=object)
    status = np.full(n, None, dtype=object)
    if register is None or register.border is None:
        return seg, status
    from borderline.register import status_on

    pair = "–".join(register.border.pair)
    on_pair = (frame["pair"].to_numpy() == pair) & frame["chainage_km"].notna().to_numpy()
    dates = pd.to_datetime(frame["date_start"]).to_numpy()
    for d in np.unique(dates[on_pair]):
        now = status_on(register, pd.Timestamp(d))
        now = now[now["located"]]
        if now.empty:
            continue
        lo = now["from_km"].to_numpy(dtype=float)
        hi = now["to_km"].to_numpy(dtype=float)
        rows = np.flatnonzero(on_pair & (dates == d))
        ch = frame["chainage_km"].to_numpy(dtype=float)[rows]
        for i, c in zip(rows, ch, strict=True):
            hit = np.flatnonzero((lo <= c + 1e-9) & (c <= hi + 1e-9))
            if len(hit):
                seg[i] = now["segment_id"].iloc[hit[-1]]
                status[i] = now["status"].iloc[hit[-1]]
    return seg, status


def _nearest_flashpoint(geoms: npt.NDArray[np.object_], flashpoints: gpd.GeoDataFrame | None) -> tuple[
        npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    n = len(geoms)
    ids = np.full(n, None, dtype=object)
    km = np.full(n, np.nan)
    if flashpoints is None or flashpoints.empty or n == 0:
        return ids, km
    from borderline.geodesy import segment_lengths_m

    fgeoms = np.asarray(flashpoints.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return ids, km
    located = geoms[ok]
    pts = shapely.get_coordinates(located)
    best = np.full(len(located), np.inf)
    best_id = np.full(len(located), None, dtype=object)
    for j, g in enumerate(fgeoms):
        # the nearest point of the flashpoint in degrees is only a search aid; the distance is geodesic
        near = shapely.get_coordinates(shapely.shortest_line(located, g))[1::2]
        d = segment_lengths_m(pts[:, 0], pts[:, 1], near[:, 0], near[:, 1]) / 1000.0
        better = d < best
        best[better] = d[better]
        best_id[better] = flashpoints["flashpoint_id"].iloc[j]
    ids[ok] = best_id
    km[ok] = best
    return ids, km


def _enclave_of(geoms: npt.NDArray[np.object_], enclaves: gpd.GeoDataFrame | None) -> npt.NDArray[np.object_]:
    out = np.full(len(geoms), None, dtype=object)
    if enclaves is None or enclaves.empty:
        return out
    enc = enclaves[enclaves["kind"] != "mainland"] if "kind" in enclaves else enclaves
    if enc.empty:
        return out
    tree = shapely.STRtree(np.asarray(enc.geometry.values, dtype=object))
    pi, ei = tree.query(geoms, predicate="within")
    labels = [f"{r.name} ({r.state_id} part {r.part})" if isinstance(r.name, str) and r.name else
              f"{r.state_id} part {r.part}" for r in enc.itertuples()]
    for p, e in zip(pi, ei, strict=True):
        out[p] = labels[e]
    return out
