"""Rival claims and dataset disagreement: hand-made claims whose answers are known by construction, and real data.

The hand-made worlds lie in the Gulf of Guinea between 0° and 2°E, 0° and 1.5°N: open sea, no GeoNames place.
Expected areas come from pyproj's Geod directly (tests.helpers.WGS84), not from borderline.geodesy.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon

from borderline.borders import border_between
from borderline.claims import (
    COMPARISON_COLUMNS,
    DISPUTE_COLUMNS,
    OVERLAP,
    BorderComparison,
    claims_from_lines,
    compare_borders,
    disputed_areas,
    load_claims,
)
from borderline.datasets import States, load_states, osm_land_cache_path
from borderline.errors import BorderlineWarning, DataError, UnknownStateError
from borderline.settlements import settlements
from tests.helpers import OSM_TARBALL, WGS84, geod_km, make_states


def box_km2(x0: float, y0: float, x1: float, y1: float) -> float:
    """Geodesic area of a lon/lat box with straight (geodesic) edges between its four corners."""
    area, _ = WGS84.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
    return abs(area) / 1e6


def geodesic_km2(geom: shapely.Geometry) -> float:
    area, _ = WGS84.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(area) / 1e6


def claims(*rows: tuple[str, shapely.Geometry], crs: int | None = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"claimant": [c for c, _ in rows]}, geometry=[g for _, g in rows], crs=crs)


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        return func(*args, **kwargs)


# --------------------------------------------------------------------------------------------- polygon claims


def test_two_offset_squares_give_one_piece_of_known_area() -> None:
    out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))))
    assert list(out.columns) == DISPUTE_COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert row["dispute_id"] == 1
    assert row["claimants"] == "A;B"
    assert row["n_claimants"] == 2
    assert row["area_km2"] == pytest.approx(box_km2(0.9, 0, 1, 1), rel=1e-6)
    assert row["geometry"].equals(shapely.box(0.9, 0, 1, 1))
    assert row["border_km"] == 0.0  # no reference given
    assert row["population"] == 0 and row["n_settlements"] == 0 and row["settlements"] == []
    # the strip is 0.1° of longitude wide: its widest point is that width, measured on the ellipsoid
    assert row["max_width_km"] == pytest.approx(geod_km((0.9, 0.5), (1.0, 0.5)), rel=5e-3)
    assert out.crs.to_epsg() == 4326


def test_three_claimants_with_a_triple_overlap() -> None:
    out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.5, 0, 1.5, 1)),
                                ("C", shapely.box(0.25, 0.5, 1.25, 1.5))))
    by = {r.claimants: r for r in out.itertuples()}
    assert set(by) == {"A;B", "A;B;C", "A;C", "B;C"}
    assert by["A;B;C"].n_claimants == 3
    assert by["A;B;C"].geometry.equals(shapely.box(0.5, 0.5, 1, 1))
    assert by["A;B;C"].area_km2 == pytest.approx(box_km2(0.5, 0.5, 1, 1), rel=1e-6)
    assert by["A;B"].area_km2 == pytest.approx(box_km2(0.5, 0, 1, 0.5), rel=1e-6)
    assert by["A;C"].area_km2 == pytest.approx(box_km2(0.25, 0.5, 0.5, 1), rel=1e-6)
    assert by["B;C"].area_km2 == pytest.approx(box_km2(1, 0.5, 1.25, 1), rel=1e-6)
    # sorted by area, largest first, and numbered in that order
    assert list(out["area_km2"]) == sorted(out["area_km2"], reverse=True)
    assert list(out["dispute_id"]) == [1, 2, 3, 4]


def test_a_claimants_rows_are_united_and_never_dispute_each_other() -> None:
    out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("A", shapely.box(0.5, 0, 1.5, 1)),
                                ("B", shapely.box(1.2, 0, 2, 1))))
    assert list(out["claimants"]) == ["A;B"]
    assert out["area_km2"].iloc[0] == pytest.approx(box_km2(1.2, 0, 1.5, 1), rel=1e-6)


def test_many_claimants_against_an_independent_overlay() -> None:
    rng = np.random.default_rng(7)
    n = 60
    centres = shapely.points(rng.uniform(0, 2, n), rng.uniform(0, 1.5, n))
    polys = shapely.buffer(centres, rng.uniform(0.05, 0.3, n), quad_segs=6)
    who = np.array([f"C{k}" for k in rng.integers(0, 6, n)])
    out = disputed_areas(gpd.GeoDataFrame({"claimant": who}, geometry=polys, crs=4326))
    # independent answer: union of the pairwise intersections of the claimants' united territories
    united = {c: shapely.union_all(polys[who == c]) for c in sorted(set(who))}
    names = list(united)
    overlaps = [shapely.intersection(united[p], united[q]) for i, p in enumerate(names) for q in names[i + 1:]]
    expected = shapely.union_all(overlaps)
    assert out["area_km2"].sum() == pytest.approx(geodesic_km2(expected), rel=1e-6)
    # every piece is claimed by exactly the claimants it names
    inside = shapely.point_on_surface(np.asarray(out.geometry.values))
    for point, label, n_claim in zip(inside, out["claimants"], out["n_claimants"], strict=True):
        holders = [c for c in names if united[c].contains(point)]
        assert ";".join(holders) == label
        assert len(holders) == n_claim >= 2
    # pieces do not overlap one another
    geoms = np.asarray(out.geometry.values)
    assert shapely.union_all(geoms).area == pytest.approx(shapely.area(geoms).sum())


def test_min_area_drops_small_pieces() -> None:
    frame = claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1)),
                   ("C", shapely.box(1.85, 0, 1.95, 0.01)))
    assert len(disputed_areas(frame)) == 2
    small = box_km2(1.85, 0, 1.9, 0.01)
    out = disputed_areas(frame, min_area_km2=small * 2)
    assert list(out["claimants"]) == ["A;B"]


def test_settlements_and_population_inside_a_piece() -> None:
    # two claims overlapping around Vorukh (Tajik enclave in Kyrgyzstan)
    overlap = shapely.box(70.55, 39.8, 70.65, 39.9)
    out = disputed_areas(claims(("KGZ", shapely.box(70.5, 39.8, 70.65, 39.9)),
                                ("TJK", shapely.box(70.55, 39.75, 70.7, 39.95))))
    row = out.iloc[0]
    places = settlements()
    inside = places[places.within(overlap)]
    assert "Vorukh" in set(inside["name"])
    assert row["n_settlements"] == len(inside)
    assert row["population"] == int(inside["population"].sum())
    assert any(s.startswith("Vorukh (") for s in row["settlements"])


def test_reference_border_length_inside_pieces() -> None:
    reference = gpd.GeoDataFrame(geometry=[LineString([(0.95, -0.5), (0.95, 2.0)])], crs=4326)
    out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))),
                         reference=reference)
    assert out["border_km"].iloc[0] == pytest.approx(geod_km((0.95, 0), (0.95, 1)), rel=1e-9)
    # a line along the piece's edge counts too; one elsewhere does not
    along = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))),
                           reference=[LineString([(1.0, 0.0), (1.0, 0.5)]), LineString([(5, 5), (6, 6)])])
    assert along["border_km"].iloc[0] == pytest.approx(geod_km((1, 0), (1, 0.5)), rel=1e-9)


def test_no_overlap_gives_an_empty_frame() -> None:
    out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(1, 0, 2, 1))))
    assert len(out) == 0
    assert list(out.columns) == DISPUTE_COLUMNS


def test_projected_claims_are_reprojected_with_a_warning() -> None:
    frame = claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))).to_crs(3857)
    with pytest.warns(BorderlineWarning, match="reprojected to EPSG:4326"):
        out = disputed_areas(frame)
    assert out["area_km2"].iloc[0] == pytest.approx(box_km2(0.9, 0, 1, 1), rel=1e-6)


def test_claims_without_crs_are_taken_as_lonlat_with_a_warning() -> None:
    with pytest.warns(BorderlineWarning, match="no CRS; assuming longitude/latitude"):
        out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1)), crs=None))
    assert out["area_km2"].iloc[0] == pytest.approx(box_km2(0.9, 0, 1, 1), rel=1e-6)


def test_provenance_of_claims_from_a_file(tmp_path) -> None:
    path = tmp_path / "claims.geojson"
    claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))).to_file(path, driver="GeoJSON")
    frame = load_claims(path)
    out = disputed_areas(frame)
    prov = out.attrs["provenance"]
    assert prov["dataset_id"] == "file"
    assert prov["licence"] == "as the file's publisher states"
    assert prov["source"] == str(path.resolve())
    assert "as the file's publisher states" in out["source"].iloc[0]
    assert "GeoNames" in out.attrs["settlements_provenance"]
    # an in-memory frame without provenance is marked the same way
    bare = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))))
    assert bare.attrs["provenance"]["licence"] == "as the file's publisher states"


def test_disputed_areas_on_natural_earth_neighbours_is_empty(naturalearth: States) -> None:
    # Kyrgyzstan and Tajikistan touch along their border and do not overlap in Natural Earth
    frame = naturalearth.frame
    both = gpd.GeoDataFrame({"claimant": ["KGZ", "TJK"]},
                            geometry=[frame.loc[frame["state_id"] == c].geometry.iloc[0] for c in ("KGZ", "TJK")],
                            crs=4326)
    out = disputed_areas(both, reference=border_between(naturalearth, "KGZ", "TJK"))
    assert out["area_km2"].sum() < 1.0


# ------------------------------------------------------------------------------------------------ bad input


def test_missing_claimant_column_names_the_columns() -> None:
    frame = gpd.GeoDataFrame({"party": ["A", "B"], "year": [1924, 1989]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.box(0.9, 0, 1.9, 1)], crs=4326)
    with pytest.raises(DataError, match=r"no claimant column 'claimant'; columns are party, year"):
        disputed_areas(frame)
    assert len(disputed_areas(frame, claimant_column="party")) == 1


def test_fewer_than_two_claimants() -> None:
    with pytest.raises(DataError, match=r"only 1 claimant \(A\).*at least two"):
        disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("A", shapely.box(0.5, 0, 1.5, 1))))


def test_blank_claimant() -> None:
    with pytest.raises(DataError, match=r"1 rows have no value in claimant column"):
        disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.5, 0, 1.5, 1)),
                              ("  ", shapely.box(0, 0, 2, 2))))


def test_non_polygon_claims() -> None:
    with pytest.raises(DataError, match=r"1 rows are LineString, not polygons \(claimants B\)"):
        disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", LineString([(0, 0), (1, 1)]))))


def test_not_a_geodataframe() -> None:
    with pytest.raises(DataError, match="expected a GeoDataFrame, got list"):
        disputed_areas([shapely.box(0, 0, 1, 1)])  # type: ignore[arg-type]


def test_polygon_reference_is_refused() -> None:
    with pytest.raises(DataError, match=r"reference: Polygon geometries, not border lines"):
        disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", shapely.box(0.9, 0, 1.9, 1))),
                       reference=shapely.box(0, 0, 1, 1))


def test_invalid_claim_is_repaired_with_a_warning() -> None:
    bowtie = Polygon([(0.9, 0), (1.9, 1), (1.9, 0), (0.9, 1)])  # two triangles meeting at (1.4, 0.5)
    with pytest.warns(BorderlineWarning, match="repaired 1 invalid polygon"):
        out = disputed_areas(claims(("A", shapely.box(0, 0, 1, 1)), ("B", bowtie)))
    assert list(out["claimants"]) == ["A;B"]


# ------------------------------------------------------------------------------------------------ line claims

# two square states sharing the meridian x = 1; each claims a line 0.05° into the other
AAA, BBB = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)


@pytest.fixture(scope="module")
def squares() -> States:
    return make_states([("AAA", AAA), ("BBB", BBB)])


def claim_lines(*rows: tuple[str, list[tuple[float, float]]], **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"claimant": [c for c, _ in rows], **cols},
                            geometry=[LineString(p) for _, p in rows], crs=4326)


def test_line_claims_give_the_strip_between_the_lines(squares: States) -> None:
    lines = claim_lines(("AAA", [(1.05, -0.1), (1.05, 1.1)]), ("BBB", [(0.95, -0.1), (0.95, 1.1)]))
    poly = claims_from_lines(lines, squares, ("AAA", "BBB"))
    assert list(poly["claimant"]) == ["AAA", "BBB"] and list(poly["state"]) == ["AAA", "BBB"]
    # each claim reaches its own line
    assert poly.geometry.iloc[0].bounds[2] == pytest.approx(1.05)
    assert poly.geometry.iloc[1].bounds[0] == pytest.approx(0.95)
    reference = border_between(squares, "AAA", "BBB")
    out = disputed_areas(poly, reference=reference)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["claimants"] == "AAA;BBB"
    # the strip 0.95–1.05°E keeps the vertices where the reference border meets the coast
    assert row["area_km2"] == pytest.approx(box_km2(0.95, 0, 1, 1) + box_km2(1, 0, 1.05, 1), rel=1e-6)
    assert row["border_km"] == pytest.approx(geod_km((1, 0), (1, 1)), rel=1e-9)
    assert row["border_km"] == pytest.approx(reference["length_km"].iloc[0], rel=1e-9)
    assert row["max_width_km"] == pytest.approx(geod_km((0.95, 0.5), (1.05, 0.5)), rel=5e-3)
    assert out.attrs["provenance"]["licence"] == "as the file's publisher states"
    assert any("test 1 (CC0)" in n for n in out.attrs["provenance"]["notes"])


def test_line_claims_by_name_and_state_column(squares: States) -> None:
    lines = claim_lines(("Kyrgyz map", [(1.05, -0.1), (1.05, 1.1)]), ("Tajik map", [(0.95, -0.1), (0.95, 1.1)]),
                        side=["state aaa", "BBB"])
    poly = claims_from_lines(lines, squares, ("State AAA", "bbb"), state_column="side")
    assert list(poly["state"]) == ["AAA", "BBB"]
    assert list(disputed_areas(poly)["claimants"]) == ["Kyrgyz map;Tajik map"]


def test_line_claims_inside_a_bbox(squares: States) -> None:
    # local lines drawn across a box around the stretch 0.4–0.6°N
    lines = claim_lines(("AAA", [(1.02, 0.3), (1.02, 0.7)]), ("BBB", [(1.0, 0.3), (1.0, 0.7)]))
    out = disputed_areas(claims_from_lines(lines, squares, ("AAA", "BBB"), bbox=(0.8, 0.4, 1.2, 0.6)))
    assert len(out) == 1
    assert out["area_km2"].iloc[0] == pytest.approx(box_km2(1.0, 0.4, 1.02, 0.6), rel=1e-6)


def test_line_ending_inside_the_region_is_refused(squares: States) -> None:
    lines = claim_lines(("AAA", [(1.05, 0.2), (1.05, 1.1)]), ("BBB", [(0.95, -0.1), (0.95, 1.1)]))
    with pytest.raises(DataError, match=r"claim line of 'AAA' ends 22.1 km inside the land of AAA/BBB at "
                                        r"\(1.05000, 0.20000\)"):
        claims_from_lines(lines, squares, ("AAA", "BBB"))


def test_line_missing_the_region_is_refused(squares: States) -> None:
    lines = claim_lines(("AAA", [(1.05, -0.1), (1.05, 1.1)]), ("BBB", [(1.5, -0.3), (1.6, -0.2)]))
    with pytest.raises(DataError, match="claim line of 'BBB' does not reach the land of AAA or BBB"):
        claims_from_lines(lines, squares, ("AAA", "BBB"))


def test_line_claims_bad_input(squares: States) -> None:
    good = claim_lines(("AAA", [(1.05, -0.1), (1.05, 1.1)]), ("BBB", [(0.95, -0.1), (0.95, 1.1)]))
    with pytest.raises(UnknownStateError, match=r"test: unknown state code 'ZZZ'"):
        claims_from_lines(good, squares, ("AAA", "ZZZ"))
    with pytest.raises(DataError, match="names AAA twice"):
        claims_from_lines(good, squares, ("AAA", "aaa"))
    with pytest.raises(DataError, match=r"claimant 'CCC' is neither AAA nor BBB"):
        claims_from_lines(claim_lines(("AAA", [(1.05, -0.1), (1.05, 1.1)]), ("CCC", [(0.95, -0.1), (0.95, 1.1)])),
                          squares, ("AAA", "BBB"))
    with pytest.raises(DataError, match=r"only 1 claimant \(AAA\)"):
        claims_from_lines(claim_lines(("AAA", [(1.05, -0.1), (1.05, 1.1)])), squares, ("AAA", "BBB"))
    with pytest.raises(DataError, match=r"2 claimants \(a, b\) speak for AAA"):
        claims_from_lines(claim_lines(("a", [(1.05, -0.1), (1.05, 1.1)]), ("b", [(1.02, -0.1), (1.02, 1.1)]),
                                      ("c", [(0.95, -0.1), (0.95, 1.1)]), side=["AAA", "AAA", "BBB"]),
                          squares, ("AAA", "BBB"), state_column="side")
    polys = gpd.GeoDataFrame({"claimant": ["AAA", "BBB"]}, geometry=[AAA, BBB], crs=4326)
    with pytest.raises(DataError, match=r"2 rows are Polygon, not lines"):
        claims_from_lines(polys, squares, ("AAA", "BBB"))
    with pytest.raises(DataError, match=r"no claimant column 'who'; columns are claimant"):
        claims_from_lines(good, squares, ("AAA", "BBB"), claimant_column="who")


# -------------------------------------------------------------------------------------------- dataset comparison


def shifted(x: float) -> States:
    """The squares with their shared border moved to longitude ``x``."""
    return make_states([("AAA", shapely.box(0, 0, x, 1)), ("BBB", shapely.box(x, 0, 2, 1))])


def test_compare_a_shifted_border(squares: States) -> None:
    out = compare_borders(squares, shifted(1.1), ("AAA", "BBB"), labels=("old", "new"))
    assert list(out.columns) == COMPARISON_COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["given_to_a"], row["given_to_b"], row["direction"]) == ("BBB", "AAA", "BBB→AAA")
    assert row["kind"] == "between the pair"
    assert row["area_km2"] == pytest.approx(box_km2(1, 0, 1.1, 1), rel=1e-6)
    # the lines are meridians 0.1° apart: farthest apart on the equator (geodesic, within 1e-4)
    assert row["max_offset_km"] == pytest.approx(geod_km((1, 0), (1.1, 0)), rel=1e-4)
    summary = BorderComparison.from_frame(out)
    assert summary.labels == ("old", "new")
    assert summary.pair == ("AAA", "BBB")
    assert summary.length_km[0] == pytest.approx(geod_km((1, 0), (1, 1)), rel=1e-9)
    assert summary.length_km[1] == pytest.approx(geod_km((1.1, 0), (1.1, 1)), rel=1e-9)
    assert summary.area_km2 == pytest.approx({"AAA→BBB": 0.0, "BBB→AAA": box_km2(1, 0, 1.1, 1),
                                              "third state or none": 0.0, "overlap": 0.0}, rel=1e-6)
    assert summary.total_area_km2 == pytest.approx(box_km2(1, 0, 1.1, 1), rel=1e-6)
    assert summary.max_offset_km == pytest.approx(geod_km((1, 0), (1.1, 0)), rel=1e-4)
    # mean over the line: the offset shrinks with cos(latitude), by under 0.01 % up to 1°N
    assert summary.mean_offset_km == pytest.approx(geod_km((1, 0.5), (1.1, 0.5)), rel=1e-4)
    assert summary.share_within == 0.0
    assert summary.n_pieces == 1
    assert [p["dataset_id"] for p in out.attrs["provenance"]] == ["test", "test"]


def test_compare_a_small_shift_lies_within_a_kilometre(squares: States) -> None:
    out = compare_borders(shifted(1.005), squares, ("AAA", "BBB"))
    summary = BorderComparison.from_frame(out)
    assert summary.labels == ("test (a)", "test (b)")
    assert list(out["direction"]) == ["AAA→BBB"]
    assert summary.max_offset_km == pytest.approx(geod_km((1, 0), (1.005, 0)), rel=1e-4)
    assert summary.share_within == 1.0


def test_compare_a_gap_and_an_overlap(squares: States) -> None:
    # dataset b leaves a notch of BBB's land (1–1.05°E, 0.4–0.6°N) to no state, and gives AAA a tongue
    # (1–1.05°E, 0.1–0.2°N) that BBB's polygon still covers
    # (vertices repeated on both rings, so that the exact engine still finds the shared stretches)
    notch = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.6), (1.05, 0.6), (1.05, 0.4), (1, 0.4), (1, 0.2),
                     (1, 0.1)])
    tongue = Polygon([(0, 0), (1, 0), (1, 0.1), (1.05, 0.1), (1.05, 0.2), (1, 0.2), (1, 0.4), (1, 0.6), (1, 1),
                      (0, 1)])
    b = make_states([("AAA", tongue), ("BBB", notch)])
    out = quiet(compare_borders, squares, b, ("AAA", "BBB"))
    by = {r.kind: r for r in out.itertuples()}
    assert set(by) == {"third state or none", OVERLAP}
    gap = by["third state or none"]
    assert (gap.given_to_a, gap.given_to_b) == ("BBB", "none")
    assert gap.area_km2 == pytest.approx(box_km2(1, 0.4, 1.05, 0.6), rel=1e-6)
    both = by[OVERLAP]
    assert (both.given_to_a, both.given_to_b) == ("BBB", "AAA;BBB")
    assert both.area_km2 == pytest.approx(box_km2(1, 0.1, 1.05, 0.2), rel=1e-6)
    summary = BorderComparison.from_frame(out)
    assert summary.area_km2["third state or none"] == pytest.approx(gap.area_km2)
    assert summary.area_km2[OVERLAP] == pytest.approx(both.area_km2)


def test_compare_keeps_third_state_land_only_along_the_pair_border() -> None:
    # a third state CCC north of both. Dataset b gives CCC the corner of AAA at the tripoint (0.95–1°E,
    # 0.95–1°N), along the AAA–BBB border, and gives AAA a bit of CCC (0.85–0.92°E, 1–1.05°N) away from it
    ccc = shapely.box(0, 1, 2, 1.5)
    corner, away = shapely.box(0.95, 0.95, 1, 1), shapely.box(0.85, 1, 0.92, 1.05)
    a = make_states([("AAA", AAA), ("BBB", BBB), ("CCC", ccc)])
    b = make_states([("AAA", shapely.union(shapely.difference(AAA, corner), away)),
                     ("BBB", Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.95)])),
                     ("CCC", shapely.difference(shapely.union(ccc, corner), away))])
    out = compare_borders(a, b, ("AAA", "BBB"))
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["given_to_a"], row["given_to_b"], row["kind"]) == ("AAA", "CCC", "third state or none")
    assert row["area_km2"] == pytest.approx(box_km2(0.95, 0.95, 1, 1), rel=1e-6)
    summary = BorderComparison.from_frame(out)
    assert summary.area_km2["third state or none"] == pytest.approx(row["area_km2"])
    assert summary.length_km[1] == pytest.approx(geod_km((1, 0), (1, 0.95)), rel=1e-9)


def test_compare_bad_input(squares: States) -> None:
    with pytest.raises(UnknownStateError, match=r"^new: unknown state code 'BBB'"):
        compare_borders(squares, make_states([("AAA", AAA), ("CCC", BBB)]), ("AAA", "BBB"), labels=("old", "new"))
    with pytest.raises(DataError, match="names AAA twice"):
        compare_borders(squares, squares, ("AAA", "State AAA"))
    with pytest.raises(DataError, match="is not two state codes"):
        compare_borders(squares, squares, "AAA")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"sample_km 0 must be > 0"):
        compare_borders(squares, squares, ("AAA", "BBB"), sample_km=0)
    with pytest.raises(DataError, match=r"margin_km -1 is negative"):
        compare_borders(squares, squares, ("AAA", "BBB"), margin_km=-1)


def test_natural_earth_against_itself(naturalearth: States) -> None:
    out = compare_borders(naturalearth, naturalearth, ("KGZ", "TJK"))
    summary = BorderComparison.from_frame(out)
    assert len(out) == 0
    assert summary.total_area_km2 == 0.0
    assert summary.length_km[0] == summary.length_km[1] > 800
    assert summary.max_offset_km < 1e-6
    assert summary.share_within == 1.0


needs_osm = pytest.mark.skipif(not (osm_land_cache_path().exists() or OSM_TARBALL.exists()),
                               reason=f"osm-land-10m is neither cached nor available at {OSM_TARBALL}")


@pytest.fixture(scope="module")
def osm_states() -> States:
    path = None if osm_land_cache_path().exists() else OSM_TARBALL
    return quiet(load_states, "osm-land-10m", path=path)


@needs_osm
def test_natural_earth_against_osm_for_kgz_tjk(naturalearth: States, osm_states: States) -> None:
    out = compare_borders(naturalearth, osm_states, ("Kyrgyzstan", "TJK"))
    summary = BorderComparison.from_frame(out)
    assert summary.labels == ("naturalearth-10m", "osm-land-10m")
    # both generalised layers give a shorter line than the 970–1,007 km published for the border (facts.md)
    for length in summary.length_km:
        assert 800 < length < 1100
    assert summary.total_area_km2 > 100
    assert summary.area_km2["KGZ→TJK"] > 0 and summary.area_km2["TJK→KGZ"] > 0
    assert 0.5 < summary.mean_offset_km < 10
    assert summary.mean_offset_km < summary.max_offset_km < 50
    assert 0 < summary.share_within < 1
    assert (out["area_km2"] >= 0.01).all()
    # osm-land-10m's Kyrgyzstan has no hole for Vorukh: the enclave is land it gives to both states
    vorukh = out[out["settlements"].map(lambda s: any(x.startswith("Vorukh (") for x in s))]
    assert len(vorukh) == 1
    assert vorukh["kind"].iloc[0] == OVERLAP
    assert vorukh["given_to_b"].iloc[0] == "KGZ;TJK"
    assert "ODbL" in out["source"].iloc[0] and "public domain" in out["source"].iloc[0]


@needs_osm
def test_osm_kgz_and_tjk_as_claims_overlap_at_vorukh(osm_states: States) -> None:
    # osm-land-10m's Kyrgyzstan has no hole for the Tajik enclave of Vorukh, so the two polygons overlap there
    frame = osm_states.frame
    both = gpd.GeoDataFrame({"claimant": ["KGZ", "TJK"]},
                            geometry=[frame.loc[frame["state_id"] == c].geometry.iloc[0] for c in ("KGZ", "TJK")],
                            crs=4326)
    out = quiet(disputed_areas, both, min_area_km2=1.0)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["claimants"] == "KGZ;TJK"
    assert 50 < row["area_km2"] < 200
    assert row["settlements"][0].startswith("Vorukh (")
    assert 1 < row["max_width_km"] < 20
