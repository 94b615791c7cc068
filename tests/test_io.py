"""Reading and writing files: round trips in every output format, refusals, and atomic writes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

from borderline.borders import borders
from borderline.errors import InputFileError, OutputError
from borderline.io import WRITERS, atomic_path, read_frame, write_frame
from tests.helpers import make_states


@pytest.fixture
def border_frame() -> gpd.GeoDataFrame:
    """Borders of a hand-made layer, with list-valued parts columns and a two-part border."""
    a = shapely.MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]), Polygon([(2, 0), (3, 0), (3, 1), (2, 1)])])
    b = Polygon([(0, 1), (1, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    c = Polygon([(3, 0), (4, 0), (4, 2), (3, 2), (3, 1)])
    return borders(make_states([("A", a), ("B", b), ("C", c)]))


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".json", ".fgb"])
def test_vector_round_trip(tmp_path, border_frame, suffix):
    target = tmp_path / f"borders{suffix}"
    assert write_frame(border_frame, target) == target
    assert leftovers(tmp_path, {target.name}) == []
    back = read_frame(target).sort_values("pair").reset_index(drop=True)
    assert list(back["pair"]) == list(border_frame["pair"])
    np.testing.assert_allclose(back["length_km"], border_frame["length_km"], rtol=1e-12)
    assert list(back["n_parts"]) == list(border_frame["n_parts"])
    # list columns become ";"-joined text in formats without list types
    assert list(back["parts_a"]) == [";".join(map(str, v)) for v in border_frame["parts_a"]]
    # GeoPackage and FlatGeobuf layers hold one geometry type: lines may come back as one-part multilines
    assert all(shapely.equals(back.geometry.values, border_frame.geometry.values))
    assert back.crs.to_epsg() == 4326
    # the frame given is not modified
    assert isinstance(border_frame["parts_a"].iloc[0], list)


def test_gpkg_layer_is_named_after_the_file(tmp_path, border_frame):
    target = tmp_path / "kgz-borders.gpkg"
    write_frame(border_frame, target)
    assert [name for name, _ in pyogrio.list_layers(target)] == ["kgz-borders"]
    write_frame(border_frame, tmp_path / "named.gpkg", layer="pairs")
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "named.gpkg")] == ["pairs"]


@pytest.mark.parametrize("suffix", [".parquet", ".geoparquet"])
def test_parquet_round_trip_keeps_lists(tmp_path, border_frame, suffix):
    target = tmp_path / f"borders{suffix}"
    write_frame(border_frame, target)
    back = read_frame(target)
    assert list(back["pair"]) == list(border_frame["pair"])
    np.testing.assert_allclose(back["length_km"], border_frame["length_km"], rtol=0)
    assert [list(v) for v in back["parts_a"]] == [list(v) for v in border_frame["parts_a"]]
    assert all(shapely.equals_exact(back.geometry.values, border_frame.geometry.values, tolerance=0))
    assert back.crs.to_epsg() == 4326


def test_csv_round_trip_writes_wkt(tmp_path, border_frame):
    target = tmp_path / "borders.csv"
    write_frame(border_frame, target)
    back = pd.read_csv(target)
    assert list(back.columns) == list(border_frame.columns)
    assert list(back["pair"]) == list(border_frame["pair"])
    np.testing.assert_allclose(back["length_km"], border_frame["length_km"], rtol=1e-12)
    assert list(back["parts_a"].astype(str)) == [";".join(map(str, v)) for v in border_frame["parts_a"]]
    geoms = shapely.from_wkt(back["geometry"].to_numpy())
    assert all(shapely.equals_exact(geoms, border_frame.geometry.values, tolerance=1e-9))


def test_plain_dataframe_to_csv_and_parquet(tmp_path):
    table = pd.DataFrame({"pair": ["A–B"], "length_km": [1.5], "parts": [[0, 1]]})
    write_frame(table, tmp_path / "t.csv")
    assert pd.read_csv(tmp_path / "t.csv").loc[0, "parts"] == "0;1"
    write_frame(table, tmp_path / "t.parquet")
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert back.loc[0, "pair"] == "A–B"
    assert list(back.loc[0, "parts"]) == [0, 1]


@pytest.mark.parametrize("name", ["borders.txt", "borders.xlsx", "borders"])
def test_unknown_suffix_is_refused(tmp_path, border_frame, name):
    target = tmp_path / name
    with pytest.raises(OutputError, match="unknown suffix") as info:
        write_frame(border_frame, target)
    msg = str(info.value)
    assert (target.suffix or "(none)") in msg
    assert ".gpkg" in msg
    assert not target.exists()
    assert leftovers(tmp_path, set()) == []


def test_missing_folder_is_refused(tmp_path, border_frame):
    target = tmp_path / "no" / "such" / "borders.gpkg"
    with pytest.raises(OutputError, match="does not exist"):
        write_frame(border_frame, target)
    assert not (tmp_path / "no").exists()


def test_every_writer_suffix_is_known():
    assert set(WRITERS) == {".gpkg", ".geojson", ".json", ".fgb", ".parquet", ".geoparquet", ".csv"}


class BoomError(RuntimeError):
    pass


def _half_write(path) -> None:
    Path(path).write_bytes(b"half a file")
    raise BoomError("disk full")


@pytest.mark.parametrize(("suffix", "target_attr"), [
    (".gpkg", "borderline.io.pyogrio.write_dataframe"),
    (".geojson", "borderline.io.pyogrio.write_dataframe"),
    (".parquet", "geopandas.GeoDataFrame.to_parquet"),
    (".csv", "pandas.DataFrame.to_csv"),
])
@pytest.mark.parametrize("existing", [False, True])
def test_failing_write_leaves_no_partial_file(tmp_path, monkeypatch, border_frame, suffix, target_attr, existing):
    target = tmp_path / f"borders{suffix}"
    if existing:
        target.write_bytes(b"previous complete output")

    def failing(*args, **kwargs):
        # the writers take the destination as the first positional argument after the frame/self
        dest = args[1] if len(args) > 1 else kwargs.get("path_or_buf") or kwargs.get("path")
        _half_write(dest)

    monkeypatch.setattr(target_attr, failing)
    with pytest.raises(BoomError):
        write_frame(border_frame, target)
    if existing:
        assert target.read_bytes() == b"previous complete output"
    else:
        assert not target.exists()
    assert leftovers(tmp_path, {target.name}) == []


def test_atomic_path_for_folders(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    (target / "old.html").write_text("old")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "index.html").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert leftovers(tmp_path, {"report"}) == []
    with pytest.raises(BoomError), atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "index.html").write_text("broken")
        raise BoomError("half way")
    assert (target / "index.html").read_text() == "new"
    assert leftovers(tmp_path, {"report"}) == []


def test_read_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_frame(tmp_path / "absent.gpkg")


def test_read_unknown_layer(tmp_path, border_frame):
    target = tmp_path / "b.gpkg"
    write_frame(border_frame, target)
    with pytest.raises(InputFileError, match="'nope'"):
        read_frame(target, layer="nope")


@pytest.mark.filterwarnings("ignore:GPKG:RuntimeWarning")
def test_read_garbage_is_one_line(tmp_path):
    path = tmp_path / "junk.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\xde\xad\xbe\xef" * 64)
    with pytest.raises(InputFileError) as info:
        read_frame(path)
    assert "junk.gpkg" in str(info.value)
    assert "\n" not in str(info.value)


def test_os_error_during_write_is_an_output_error(tmp_path, border_frame, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyogrio, "write_dataframe", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        write_frame(border_frame, tmp_path / "b.gpkg")
    assert list(tmp_path.iterdir()) == []
