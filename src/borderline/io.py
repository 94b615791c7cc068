"""Reading and writing geodata files.

Reads anything GDAL reads through :mod:`pyogrio` (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, zipped
shapefiles) plus GeoParquet through :mod:`pyarrow`. Writes GeoPackage, GeoJSON, GeoParquet, FlatGeobuf or CSV
chosen by the output file's suffix. Every write is atomic: the file is written beside its target under a
temporary name and moved into place only when complete, so an output appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from borderline.errors import InputFileError, OutputError, first_line

#: Output suffix → (pyogrio driver or special writer name).
WRITERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
}

READ_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".zip", ".parquet", ".geoparquet", ".gml",
                 ".kml", ".gdb", ".tab", ".sqlite")


def read_frame(path: str | os.PathLike[str], layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame.

    Parameters
    ----------
    path : path-like
        A GeoPackage, GeoJSON, Shapefile (or a zip holding one), FlatGeobuf or GeoParquet file.
    layer : str, optional
        Layer name for multi-layer formats such as GeoPackage; the first layer by default.

    Returns
    -------
    GeoDataFrame

    Raises
    ------
    InputFileError
        If the file is missing, unreadable or not a vector format borderline can read.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"file not found: {p} (check the path, or pass a dataset id; "
                             "see `borderline datasets`)")
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(p)
        except Exception as exc:  # pyarrow raises many types
            raise InputFileError(f"cannot read {p} as GeoParquet: {first_line(exc)}") from None
    src = f"/vsizip/{p}" if suffix == ".zip" else str(p)
    env = {"OGR_GEOJSON_MAX_OBJ_SIZE": "0"}
    try:
        with _gdal_env(env):
            return pyogrio.read_dataframe(src, layer=layer, use_arrow=True)
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError(
            f"cannot read {p}: not a vector format GDAL can open ({first_line(exc).split(';')[0].rstrip('.')}); "
            "use GeoPackage, GeoJSON, Shapefile, FlatGeobuf or GeoParquet"
        ) from None
    except pyogrio.errors.DataLayerError as exc:
        raise InputFileError(f"cannot read layer {layer!r} of {p}: {first_line(exc)}") from None
    except Exception as exc:
        raise InputFileError(f"cannot read {p}: {first_line(exc)}") from None


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str], layer: str | None = None) -> Path:
    """Write a (Geo)DataFrame atomically, in the format named by the file's suffix.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The table to write. CSV output writes geometry as WKT in a ``geometry`` column.
    path : path-like
        Output file; its suffix picks the format (.gpkg, .geojson, .json, .fgb, .parquet, .csv).
    layer : str, optional
        Layer name for GeoPackage output.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    OutputError
        If the suffix is not a supported output format or the folder does not exist.
    """
    p = Path(path)
    kind = WRITERS.get(p.suffix.lower())
    if kind is None:
        raise OutputError(f"cannot write {p}: unknown suffix {p.suffix or '(none)'!r}; use one of "
                          + ", ".join(sorted(WRITERS)))
    if not p.parent.exists():
        raise OutputError(f"cannot write {p}: folder {p.parent} does not exist; create it first")
    try:
        _write(frame, p, kind, layer)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {exc.strerror or exc}") from None
    return p


def _write(frame: pd.DataFrame, p: Path, kind: str, layer: str | None) -> None:
    with atomic_path(p) as tmp:
        if kind == "parquet":
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
        elif kind == "csv":
            out = pd.DataFrame(frame).copy()
            if isinstance(frame, gpd.GeoDataFrame):
                out[frame.geometry.name] = frame.geometry.to_wkt()
            for col in out.columns:
                if out[col].map(lambda v: isinstance(v, list | tuple)).any():
                    out[col] = out[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple)
                                            else v)
            out.to_csv(tmp, index=False)
        else:
            gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame)
            gdf = _flatten_lists(gdf)
            if kind == "GPKG":
                layer = layer or p.stem
            pyogrio.write_dataframe(gdf, tmp, driver=kind, layer=layer)


def _flatten_lists(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn list-valued columns into ``;``-joined strings for formats without list types."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = out[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple) else v)
    return out


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only if the block succeeds.

    Works for files and for folders (the caller creates the folder at the yielded path).
    """
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        yield tmp
        if target.is_dir() and tmp.is_dir():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def _gdal_env(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v




def file_version(path: str | os.PathLike[str]) -> str:
    """A version label for a file without one of its own: ``"file modified YYYY-MM-DD"``."""
    mtime = dt.datetime.fromtimestamp(Path(path).stat().st_mtime, tz=dt.UTC)
    return f"file modified {mtime:%Y-%m-%d}"
