"""The command line as a user runs it: exit codes, one-line errors, no tracebacks, whole outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from borderline.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_pair_prints_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "borders", "--pair", "kgz", "Tajikistan")
    assert code == 0
    assert "KGZ–TJK" in out
    assert "naturalearth-10m 5.1.1" in out
    assert "Traceback" not in err


def test_state_filter_and_gpkg_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kgz.gpkg"
    code, _, _ = run(capsys, "borders", "--state", "KGZ", "--out", str(target))
    assert code == 0
    frame = gpd.read_file(target)
    assert set(frame["pair"]) == {"CHN–KGZ", "KAZ–KGZ", "KGZ–TJK", "KGZ–UZB"}
    assert (frame["length_km"] > 0).all()
    assert frame["source"].str.contains("naturalearth-10m 5.1.1").all()
    # nothing else left in the folder: no temporary files
    assert [p.name for p in tmp_path.iterdir()] == ["kgz.gpkg"]


@pytest.mark.parametrize("suffix", [".geojson", ".parquet", ".csv", ".fgb"])
def test_output_formats(tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / f"b{suffix}"
    assert run(capsys, "borders", "--pair", "KGZ", "UZB", "--out", str(target))[0] == 0
    if suffix == ".csv":
        frame = pd.read_csv(target)
        assert shapely.from_wkt(frame["geometry"].iloc[0]).geom_type in ("LineString", "MultiLineString")
    elif suffix == ".parquet":
        frame = gpd.read_parquet(target)
    else:
        frame = gpd.read_file(target)
    assert list(frame["pair"]) == ["KGZ–UZB"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["borders", "--pair", "KGZ", "KYR"], "closest: KGZ (Kyrgyzstan)"),
        (["borders", "--pair", "KGZ", "FRA"], "shortest distance between them is"),
        (["borders", "--source", "/no/such/file.gpkg"], "file not found: /no/such/file.gpkg"),
        (["borders", "--source", "natural-earth"], "did you mean naturalearth-10m"),
        (["borders", "--out", "borders.txt"], "unknown suffix '.txt'"),
        (["borders", "--out", "/no/such/dir/b.gpkg"], "does not exist"),
        (["report", "kgz-tj"], "did you mean kgz-tjk"),
        (["datasets", "fetch", "naturalearth-10m"], "built in"),
    ],
)
def test_bad_input_one_line(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "states.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    code, _, err = run(capsys, "borders", "--source", str(bad))
    assert code == 2
    assert "cannot read" in err and str(bad) in err


def test_missing_id_column_lists_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.geojson"
    gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                     crs=4326).to_file(path)
    code, _, err = run(capsys, "borders", "--source", str(path), "--id-column", "iso3")
    assert code == 2
    assert "id column 'iso3' not found" in err and "code" in err
    code, out, _ = run(capsys, "borders", "--source", str(path), "--id-column", "code")
    assert code == 0 and "A–B" in out


def test_points_layer_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"state_id": ["A"]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(path)
    code, _, err = run(capsys, "borders", "--source", str(path))
    assert code == 2 and "Point, not polygons" in err


def test_invalid_polygons_raise_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bow.geojson"
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    gpd.GeoDataFrame({"state_id": ["A", "B"]}, geometry=[bowtie, shapely.box(1, 0, 2, 1)], crs=4326).to_file(path)
    code, _, err = run(capsys, "borders", "--source", str(path), "--on-invalid", "raise")
    assert code == 2 and "1 invalid polygons" in err
    code, _, err = run(capsys, "borders", "--source", str(path))
    assert code == 0 and "warning:" in err and "repaired 1 invalid polygon" in err


def test_rejects_file_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.geojson"
    gpd.GeoDataFrame({"state_id": ["A", "B", None]},
                     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)],
                     crs=4326).to_file(path)
    out = tmp_path / "b.csv"
    code, _, _ = run(capsys, "borders", "--source", str(path), "--out", str(out))
    assert code == 0
    rejects = pd.read_csv(tmp_path / "b.rejects.csv")
    assert len(rejects) == 1 and "no value in id column" in rejects["reason"].iloc[0]


def test_tolerance_mode_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # two squares 0.0003 degrees (~33 m) apart along a meridian: exact finds nothing, tolerance finds them
    path = tmp_path / "gap.geojson"
    gpd.GeoDataFrame({"state_id": ["A", "B"]},
                     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1.0003, 0, 2, 1)], crs=4326).to_file(path)
    code, _, err = run(capsys, "borders", "--source", str(path), "--pair", "A", "B")
    assert code == 2 and "tolerance" in err
    code, out, _ = run(capsys, "borders", "--source", str(path), "--pair", "A", "B", "--tolerance", "100")
    assert code == 0 and "A–B" in out and "gap_km2" in out


def test_datasets_lists_licences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    assert "naturalearth-10m" in out and "public domain" in out
    assert "osm-land-10m" in out and "ODbL" in out


def test_fetch_without_npm_or_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BORDERLINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm
    code, _, err = run(capsys, "borders", "--source", "osm-land-10m")
    assert code == 2
    assert "not cached" in err and "--from" in err


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "borderline.cli", "borders", "--pair", "KGZ", "ZZZ"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: unknown state code 'ZZZ'")


def test_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code, _, err = run(capsys, "report", "--out", str(out))
    assert code == 0, err
    html = (out / "index.html").read_text()
    assert "Kyrgyzstan–Tajikistan border" in html
    geo = json.loads((out / "borders.geojson").read_text())
    assert {f["properties"]["pair"] for f in geo["features"]} >= {"KGZ–TJK", "KGZ–UZB", "TJK–UZB"}


def test_tripoints_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.geojson"
    code, text, _ = run(capsys, "tripoints", "--state", "TJK", "--out", str(out))
    assert code == 0
    assert "KGZ–TJK–UZB" in text and "CHN–KGZ–TJK" in text
    frame = gpd.read_file(out)
    assert all("TJK" in s.split("–") for s in frame["states"])


def test_enclaves_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "e.gpkg"
    code, text, _ = run(capsys, "enclaves", "--state", "KGZ", "--out", str(out))
    assert code == 0
    assert "Vorukh" in text and "GeoNames" in text
    frame = gpd.read_file(out)
    assert set(frame["state_id"]) == {"TJK", "UZB"}
    assert (frame["hosts"] == "KGZ").all()
    code, text, _ = run(capsys, "enclaves", "--state", "KGZ", "--all-parts")
    assert code == 0 and "mainland" in text


def test_access_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "access", "--from", "vorukh", "--to", "isfara", "--state", "TJK", "--by", "length_m")
    assert code == 0
    assert "before 2025" in text and "after 2025" in text and "KGZ" in text
    assert "SCHEMATIC" in text
    code, _, err = run(capsys, "access", "--from", "vorukh", "--to", "nowhere", "--state", "TJK")
    assert code == 2 and "'nowhere'" in err


def test_access_command_on_terrain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "access", "--terrain", "--from", "vorukh", "--to", "isfara", "--state", "TJK")
    assert code == 0
    assert "TERRAIN-BASED" in text and "Tobler 1993" in text and "gebco-2023-kgz" in text and "KGZ" in text
    bad = tmp_path / "dem.nc"
    bad.write_text("not a grid")
    code, _, err = run(capsys, "access", "--terrain", "--dem", str(bad))
    assert code == 2 and "not a netCDF file" in err and "Traceback" not in err


def test_flashpoints_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.geojson"
    code, text, _ = run(capsys, "flashpoints", "--out", str(out))
    assert code == 0 and "crossing" in text and "SCHEMATIC" in text
    frame = gpd.read_file(out)
    assert len(frame) > 0 and frame["schematic"].all()
    assert list(frame["score"]) == sorted(frame["score"], reverse=True)
    code, _, err = run(capsys, "flashpoints", "--near-m", "-5")
    assert code == 2 and "error:" in err


def test_register_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "register", "validate")
    assert code == 0 and "no problems" in text
    code, text, _ = run(capsys, "register", "show", "--date", "2022-04-30")
    assert code == 0 and "664.00 km" in text and "970.00–1,006.84 km" in text
    out = tmp_path / "progress.csv"
    code, text, _ = run(capsys, "register", "progress", "--out", str(out))
    assert code == 0 and "31.5%–34.1%" in text
    import pandas as pd

    assert len(pd.read_csv(out)) == 10
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: borderline-register/1\nstate_left: KGZ\nstate_right: TJK\nsegments:\n"
                   "  - {id: a, status: agreed, date: '2031-01-01', from_km: 0, to_km: 5000}\n")
    code, text, err = run(capsys, "register", "validate", str(bad))
    assert code == 2 and "unknown status 'agreed'" in text and "past the end" in text and "in the future" in text
    assert "3 problem(s)" in err and "Traceback" not in err
    code, _, err = run(capsys, "register", "show", "nowhere")
    assert code == 2 and "'nowhere' is neither a register file" in err


def test_claims_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shapely.geometry import box

    path = tmp_path / "claims.gpkg"
    gpd.GeoDataFrame({"claimant": ["KGZ", "TJK"]}, geometry=[box(70.4, 39.8, 70.7, 40.0), box(70.6, 39.9, 70.9, 40.1)],
                     crs=4326).to_file(path)
    out = tmp_path / "disputed.geojson"
    code, text, _ = run(capsys, "claims", str(path), "--pair", "KGZ", "TJK", "--out", str(out))
    assert code == 0 and "KGZ;TJK" in text and "1 disputed pieces" in text
    assert len(gpd.read_file(out)) == 1
    code, _, err = run(capsys, "claims", str(path), "--claimant-column", "who")
    assert code == 2 and "no claimant column 'who'" in err and "--claimant-column" in err
    code, _, err = run(capsys, "claims")
    assert code == 2 and "give a claim file" in err


def test_incidents_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "inc.gpkg"
    code, text, err = run(capsys, "incidents", "load", "--out", str(out))
    assert code == 0 and "5 accepted, 3 rejected: no coordinates (3)" in text
    rejects = tmp_path / "inc.gpkg.rejects.csv"
    assert rejects.exists() and "no coordinates" in rejects.read_text()
    code, text, _ = run(capsys, "incidents", "link")
    assert code == 0 and "KGZ–TJK" in text and "Vorukh" in text
    linked = tmp_path / "linked.csv"
    code, text, _ = run(capsys, "incidents", "link", "--out", str(linked))
    frame = pd.read_csv(linked)
    assert code == 0 and frame["flashpoint_id"].notna().all() and (frame["flashpoint_km"] >= 0).all()
    code, text, _ = run(capsys, "incidents", "summary", "--by", "year", "--hotspots", "10")
    assert code == 0 and "113" in text and "50" in text and "stretches of 10 km" in text
    code, _, err = run(capsys, "incidents", "summary", "--by", "province")
    assert code == 2 and "no such column" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "incidents", "load", str(bad))
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_proposal_apply_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "swap.gpkg"
    code, text, _ = run(capsys, "proposal", "apply", "kgz-tjk", "--id", "vorukh-swap-2021", "--out", str(out))
    assert code == 0 and "enclaves abolished: Vorukh" in text and "SCHEMATIC" in text
    assert "border KGZ–TJK" in text and "AFG–TJK" not in text
    assert out.exists() and (tmp_path / "swap.transfers.gpkg").exists() and (tmp_path / "swap.borders.gpkg").exists()
    code, _, err = run(capsys, "proposal", "apply", "--id", "nope")
    assert code == 2 and "unknown proposal 'nope'" in err


def test_proposal_score_and_compare_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "treaty.csv"
    code, text, _ = run(capsys, "proposal", "score", "--id", "treaty-2025", "--out", str(out))
    assert code == 0 and "SCHEMATIC" in text
    figures = pd.read_csv(out)
    assert {"group", "figure", "before", "after", "change", "source"} <= set(figures.columns)
    assert figures["source"].notna().all()
    out = tmp_path / "cmp.csv"
    code, text, _ = run(capsys, "proposal", "compare", "--value", "change", "--out", str(out))
    assert code == 0 and "vorukh-swap-2021" in text
    table = pd.read_csv(out)
    assert {"status-quo", "vorukh-swap-2021", "treaty-2025"} <= set(table.columns)
    abolished = table[table["figure"] == "enclaves abolished"]
    assert abolished["vorukh-swap-2021"].iloc[0] == 1 and abolished["treaty-2025"].iloc[0] == 0
    code, _, err = run(capsys, "proposal", "compare", "--value", "sideways")
    assert code == 2 and "--value 'sideways'" in err


def test_optimize_command_writes_a_proposal_that_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "opt.yaml"
    code, text, err = run(capsys, "optimize", "--time-limit", "60", "--out", str(out))
    assert code == 0, err
    assert text.startswith(("optimal", "feasible")) and "population_moved 0.00" in text
    assert "max_population_moved" in text and "access:Vorukh" in text
    code, text, _ = run(capsys, "proposal", "apply", str(out), "--id", "optimized-vorukh-neutral-road")
    assert code == 0 and "border KGZ–TJK" in text
    code, _, err = run(capsys, "optimize", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "give a .yaml path" in err
