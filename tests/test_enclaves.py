"""Enclaves and exclaves: a hand-made world whose answers are known by construction, and Natural Earth."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from borderline.enclaves import enclaves, polygon_parts
from tests.helpers import WGS84, geod_km, make_states, ring_km

# The hand-made world lies in the empty South Pacific (no GeoNames settlement within hundreds of km),
# shifted from a sketch drawn on the unit grid.
X0, Y0 = -140.0, -50.0


def sh(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(X0 + x, Y0 + y) for x, y in points]


def box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return sh([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


# H: host; its outer ring is split at (0,4), (0,6) for a coastal exclave of A on its west side, and notched
# at x = 9..10, y = 4..6 for an exclave of A that G shares. H has a hole (2..3, 2..3) for an enclave of A.
H_RING = sh([(0, 0), (10, 0), (10, 4), (9, 4), (9, 6), (10, 6), (10, 10), (0, 10), (0, 6), (0, 4)])
G_RING = sh([(10, 0), (20, 0), (20, 10), (10, 10), (10, 6), (11, 6), (11, 4), (10, 4)])
ENCLAVE = box(2, 2, 3, 3)
COUNTER = box(2.4, 2.4, 2.6, 2.6)  # a part of H inside A's enclave
EXCLAVE = sh([(9, 4), (10, 4), (11, 4), (11, 6), (10, 6), (9, 6)])  # straddles H and G
COASTAL = box(-1, 4, 0, 6)
MAINLAND = box(30, 0, 40, 10)  # A's largest part: an island, no land border
ISLAND = box(45, 0, 46, 1)
LESOTHO = box(6, 6, 7, 7)  # a one-part state inside a second hole of H


@pytest.fixture(scope="module")
def world() -> gpd.GeoDataFrame:
    h = MultiPolygon([Polygon(H_RING, [ENCLAVE, LESOTHO]), Polygon(COUNTER)])
    a = MultiPolygon([Polygon(MAINLAND), Polygon(ENCLAVE, [COUNTER]), Polygon(EXCLAVE), Polygon(COASTAL),
                      Polygon(ISLAND)])
    states = make_states([("H", h), ("G", Polygon(G_RING)), ("A", a), ("L", Polygon(LESOTHO))])
    return polygon_parts(states).set_index(["state_id", "part"])


def test_every_kind_by_construction(world: gpd.GeoDataFrame) -> None:
    kinds = world["kind"].to_dict()
    assert kinds[("A", 0)] == "mainland"
    assert kinds[("A", 1)] == "enclave"
    assert kinds[("A", 2)] == "exclave"
    assert kinds[("A", 3)] == "coastal exclave"
    assert kinds[("A", 4)] == "island"
    assert kinds[("H", 0)] == "mainland"
    assert kinds[("H", 1)] == "counter-enclave"
    assert kinds[("G", 0)] == "mainland"
    assert kinds[("L", 0)] == "mainland"


def test_hosts_and_coast(world: gpd.GeoDataFrame) -> None:
    assert world.loc[("A", 1), "hosts"] == ["H"]
    assert world.loc[("A", 2), "hosts"] == ["G", "H"]
    assert world.loc[("A", 3), "hosts"] == ["H"]
    assert world.loc[("H", 1), "hosts"] == ["A"]
    assert world.loc[("L", 0), "hosts"] == ["H"]
    assert bool(world.loc[("A", 1), "surrounded"]) and bool(world.loc[("L", 0), "surrounded"])
    # the coastal exclave's coast is its ring less the one edge it shares with H
    coast = ring_km(COASTAL) - geod_km(*sh([(0, 4), (0, 6)]))
    assert world.loc[("A", 3), "coast_km"] == pytest.approx(coast, rel=1e-6)
    assert world.loc[("A", 1), "coast_km"] == pytest.approx(0.0, abs=1e-9)


def test_geodesic_area_perimeter_and_distance(world: gpd.GeoDataFrame) -> None:
    # the enclave has a hole (H's counter-enclave): its area excludes it; its perimeter is the outer ring
    outer_m2, _ = WGS84.geometry_area_perimeter(Polygon(ENCLAVE))
    hole_m2, _ = WGS84.geometry_area_perimeter(Polygon(COUNTER))
    assert world.loc[("A", 1), "area_km2"] == pytest.approx((abs(outer_m2) - abs(hole_m2)) / 1e6, rel=1e-9)
    assert world.loc[("A", 1), "perimeter_km"] == pytest.approx(ring_km(ENCLAVE), rel=1e-9)
    # independent reference: brute force over the facing edges x = 3 (y 2..3) and x = 30 (y 0..10); geodesics
    # bow towards the pole, so the optimum is not between points on one parallel
    ys_a, ys_b = np.meshgrid(np.linspace(2, 3, 41), np.linspace(0, 10, 401))
    _, _, dist_m = WGS84.inv(np.full(ys_a.size, X0 + 3), Y0 + ys_a.ravel(), np.full(ys_b.size, X0 + 30),
                             Y0 + ys_b.ravel())
    d = world.loc[("A", 1), "distance_to_mainland_km"]
    assert d == pytest.approx(dist_m.min() / 1000, rel=1e-4)
    assert d < geod_km(*sh([(3, 2), (30, 2)]))  # shorter than along the parallel
    assert np.isnan(world.loc[("A", 0), "distance_to_mainland_km"])


def test_no_settlements_in_the_empty_ocean(world: gpd.GeoDataFrame) -> None:
    assert world.loc[("A", 1), "n_settlements"] == 0
    assert world.loc[("A", 1), "settlements"] == []


def test_enclaves_filter_keeps_enclaved_states_and_drops_islands() -> None:
    h = Polygon(H_RING, [LESOTHO])
    states = make_states([("H", h), ("L", Polygon(LESOTHO)), ("G", Polygon(G_RING))])
    found = enclaves(states)
    assert list(found["state_id"]) == ["L"]
    assert found["kind"].iloc[0] == "mainland" and found["hosts"].iloc[0] == ["H"]


def test_a_part_touching_its_mainland_is_mainland() -> None:
    # two parts of A meet at a corner: not an exclave
    a = MultiPolygon([Polygon(box(0, 0, 2, 2)), Polygon(box(2, 2, 3, 3))])
    b = Polygon(box(2, 0, 4, 2))
    parts = polygon_parts(make_states([("A", a), ("B", b)])).set_index(["state_id", "part"])
    assert parts.loc[("A", 1), "kind"] == "mainland"


# ----------------------------------------------------------------------------- Natural Earth


@pytest.fixture(scope="module")
def ne_enclaves(naturalearth):  # type: ignore[no-untyped-def]
    return enclaves(naturalearth)


def find(frame: gpd.GeoDataFrame, state: str, lon: float, lat: float) -> gpd.GeoSeries:
    hit = frame[(frame["state_id"] == state) & shapely.contains(np.asarray(frame.geometry.values),
                                                                  shapely.Point(lon, lat))]
    assert len(hit) == 1, f"no part of {state} at {lon}, {lat}"
    return hit.iloc[0]


def test_fergana_valley_enclaves(ne_enclaves: gpd.GeoDataFrame) -> None:
    vorukh = find(ne_enclaves, "TJK", 70.58, 39.85)  # GeoNames 1220164
    assert vorukh["kind"] == "enclave" and vorukh["hosts"] == ["KGZ"]
    assert vorukh["name"] == "Vorukh" and vorukh["population"] >= 3836
    assert 50 < vorukh["area_km2"] < 200  # reported 92–130 km²; Natural Earth's outline is generalised
    assert 0 < vorukh["distance_to_mainland_km"] < 10
    # Sokh (Uzbek, in Kyrgyzstan), the largest of the valley's enclaves
    sokh = ne_enclaves[(ne_enclaves["state_id"] == "UZB") & (ne_enclaves["kind"] == "enclave")].sort_values(
        "area_km2").iloc[-1]
    assert sokh["hosts"] == ["KGZ"] and sokh["area_km2"] > 200
    # Shakhimardan (Uzbek, in Kyrgyzstan), next to Shohimardon
    uzb_small = ne_enclaves[(ne_enclaves["state_id"] == "UZB") & (ne_enclaves["kind"] == "enclave")
                            & (ne_enclaves["area_km2"] < 200)]
    assert len(uzb_small) == 1 and uzb_small["hosts"].iloc[0] == ["KGZ"]
    assert uzb_small["name"].iloc[0] == "near Shohimardon"
    # Sarvak (Tajik, in Uzbekistan)
    sarvak = ne_enclaves[(ne_enclaves["state_id"] == "TJK") & (ne_enclaves["hosts"].map(lambda h: h == ["UZB"]))]
    assert len(sarvak) == 1 and sarvak["kind"].iloc[0] == "enclave"


@pytest.mark.parametrize(
    ("state", "lon", "lat", "kind", "hosts"),
    [
        ("ESP", 1.98, 42.46, "enclave", ["FRA"]),  # Llívia
        ("OMN", 56.30, 25.28, "enclave", ["ARE"]),  # Madha
        ("AZE", 45.40, 39.20, "exclave", ["ARM", "IRN", "TUR"]),  # Nakhchivan
        ("RUS", 20.50, 54.70, "coastal exclave", ["LTU", "POL"]),  # Kaliningrad
        ("AGO", 12.40, -5.20, "coastal exclave", ["COD", "COG"]),  # Cabinda
        ("LSO", 28.20, -29.60, "mainland", ["ZAF"]),  # an enclaved state
        ("SMR", 12.45, 43.94, "mainland", ["ITA"]),
    ],
)
def test_world_enclaves(ne_enclaves: gpd.GeoDataFrame, state: str, lon: float, lat: float, kind: str,
                        hosts: list[str]) -> None:
    part = find(ne_enclaves, state, lon, lat)
    assert part["kind"] == kind
    assert part["hosts"] == hosts


def test_nahwa_is_a_counter_enclave(ne_enclaves: gpd.GeoDataFrame) -> None:
    nahwa = ne_enclaves[ne_enclaves["kind"] == "counter-enclave"]
    assert list(nahwa["state_id"]) == ["ARE"] and nahwa["hosts"].iloc[0] == ["OMN"]
    assert 0 < nahwa["distance_to_mainland_km"].iloc[0] < 10


def test_no_mainland_listed_unless_enclaved(ne_enclaves: gpd.GeoDataFrame) -> None:
    mains = ne_enclaves[ne_enclaves["kind"] == "mainland"]
    assert set(mains["state_id"]) == {"LSO", "SMR", "VAT"}


# ----------------------------------------------------------------------------- touching the mainland, many holes


def test_touching_test_with_many_holes_agrees_with_shapely() -> None:
    from borderline.enclaves import _touch_mainland

    # a mainland with a 20 x 20 grid of lakes; parts: islands inside lakes (free, touching a lake shore at a
    # vertex, crossing a shore), parts outside touching the coast at a point or along an edge, parts far away
    lakes = [shapely.box(0.1 + 0.5 * i, 0.1 + 0.5 * j, 0.3 + 0.5 * i, 0.3 + 0.5 * j).exterior.coords
             for i in range(20) for j in range(20)]
    main = Polygon(shapely.box(0, 0, 10, 10).exterior.coords, lakes)
    parts = np.array([
        main,
        shapely.box(0.15, 0.15, 0.25, 0.25),  # free in a lake
        shapely.box(0.6, 0.6, 0.8, 0.8),  # fills a lake exactly: shares its shore
        Polygon([(1.15, 1.15), (1.3, 1.2), (1.2, 1.25)]),  # touches a lake shore at one vertex
        shapely.box(2.2, 2.2, 2.4, 2.4),  # across a lake shore
        shapely.box(10, 4, 11, 5),  # outside, along the coast
        Polygon([(10, 10), (11, 10), (11, 11)]),  # outside, at the corner only
        shapely.box(12, 0, 13, 1),  # away
        shapely.box(3.12, 3.12, 3.18, 3.18),  # free in another lake
    ], dtype=object)
    which = np.arange(1, len(parts))
    got = _touch_mainland(parts, which, np.zeros(len(which), dtype=np.int64))
    expected = shapely.intersects(main, parts[which])
    np.testing.assert_array_equal(got, expected)
    assert list(expected) == [False, True, True, True, True, True, False, False]
