"""Land-swap optimiser: hand-made grids whose optimal swap is known by construction, and the Vorukh case."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from borderline.datasets import States
from borderline.errors import DataError
from borderline.geodesy import areas_km2
from borderline.optimize import (
    CASE_ZONE,
    PARCEL_COLUMNS,
    RESULT_TRANSFER_COLUMNS,
    Community,
    greedy_swap,
    optimize,
    optimize_case_vorukh,
    parcel_adjacency,
    parcel_grid,
)
from borderline.proposals import apply, read_proposals, write_proposals
from tests.helpers import geod_km, make_states

D = 0.01  # cell side, degrees (about 1.11 km at the equator)

# Eight columns, five rows (row 0 is the north). A holds the west half and an exclave X at row 2, column 6; its land
# continues west of column 0, B's east of column 7 (those edge parcels are rooted). North and south: nothing beyond.
LAYOUT = ["AAAABBBB",
          "AAAABBBB",
          "AAAABBAB",
          "AAAABBBB",
          "AAAABBBB"]
EXCLAVE = (2, 6)


def pid(r: int, c: int) -> str:
    return f"r{r}c{c}"


def grid_parcels(pop: dict[tuple[int, int], int], default: int = 100, layout: list[str] = LAYOUT) -> gpd.GeoDataFrame:
    """Parcels of the layout: ``D``-degree squares on the equator, populated ``default`` unless ``pop`` says."""
    rows = []
    n_rows, n_cols = len(layout), len(layout[0])
    for r, line in enumerate(layout):
        for c, s in enumerate(line):
            y1 = (n_rows - r) * D
            g = shapely.box(c * D, y1 - D, (c + 1) * D, y1)
            west = c == 0 and s == "A"
            east = c == n_cols - 1 and s == "B"
            rows.append({"parcel_id": pid(r, c), "state": s, "population": pop.get((r, c), default),
                         "root": f"{s}#0" if west or east else "", "mainland": west or east,
                         "edge_km": 1.1057 if west or east else 0.0, "geometry": g})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def layout_states(layout: list[str] = LAYOUT) -> States:
    """States holding the layout's cells, with land beyond the west (A) and east (B) edges."""
    n_rows, n_cols = len(layout), len(layout[0])
    a_cells = [shapely.box(c * D, (n_rows - r - 1) * D, (c + 1) * D, (n_rows - r) * D)
               for r, line in enumerate(layout) for c, s in enumerate(line) if s == "A"]
    b_cells = [shapely.box(c * D, (n_rows - r - 1) * D, (c + 1) * D, (n_rows - r) * D)
               for r, line in enumerate(layout) for c, s in enumerate(line) if s == "B"]
    a = shapely.union_all([*a_cells, shapely.box(-0.5, 0, 0, n_rows * D)])
    b = shapely.union_all([*b_cells, shapely.box(n_cols * D, 0, 0.5, n_rows * D)])
    return make_states([("A", a), ("B", b)])


def exclave_comm(mode: str = "sovereign", road: shapely.Geometry | None = None) -> dict[str, object]:
    r, c = EXCLAVE
    return {"name": "X", "state": "A", "parcel_id": pid(r, c), "mode": mode, "road": road}


def moved_ids(res) -> set[str]:
    return set(res.parcels.loc[res.parcels["moved"], "parcel_id"])


def detached(res) -> dict[str, int]:
    """Per state: groups of its parcels (after the swap) with no rooted parcel, by a plain graph search."""
    frame = res.parcels
    adj = parcel_adjacency(frame)
    n = len(frame)
    new = frame["new_state"].to_numpy()
    out = {}
    for s in sorted(set(frame["state"])):
        mine = new == s
        keep = mine[adj["i"].to_numpy()] & mine[adj["j"].to_numpy()]
        g = sparse.coo_matrix((np.ones(int(keep.sum())), (adj["i"].to_numpy()[keep], adj["j"].to_numpy()[keep])),
                              shape=(n, n))
        _, lab = connected_components(g, directed=False)
        rooted = mine & (frame["root"].to_numpy() != "") & (frame["state"].to_numpy() == s)
        out[s] = len(set(lab[mine]) - set(lab[rooted]))
    return out


# --------------------------------------------------------------------------------------------- known optima


def test_two_squares_exchange_equal_strips():
    # the only unpeopled way from the exclave to A: B's strip r2c4–r2c5; the only unpeopled land A can give back
    # along the border: its strip r0c3–r1c3, of equal area
    pop = {(2, 4): 0, (2, 5): 0, (0, 3): 0, (1, 3): 0}
    res = optimize(grid_parcels(pop), communities=[exclave_comm()], objective="population", time_limit_s=60)
    assert res.status == "optimal"
    assert res.objective == 0 and res.gap == 0
    assert moved_ids(res) == {"r2c4", "r2c5", "r0c3", "r1c3"}
    assert res.tie_break == "optimal"
    t = res.transfers
    assert list(t.columns) == RESULT_TRANSFER_COLUMNS
    assert sorted(zip(t["from"], t["to"], t["n_parcels"], strict=True)) == [("A", "B", 2), ("B", "A", 2)]
    a_to_b, b_to_a = (float(t.loc[t["from"] == s, "area_ha"].iloc[0]) for s in ("A", "B"))
    assert a_to_b == pytest.approx(b_to_a, rel=1e-5)
    assert res.terms["population_moved"] == 0
    assert res.terms["balance_ratio"] == pytest.approx(1.0, abs=1e-5)
    assert detached(res) == {"A": 0, "B": 0}


def test_area_objective_and_greedy_agree_on_the_easy_case():
    pop = {(2, 4): 0, (2, 5): 0, (0, 3): 0, (1, 3): 0}
    res = optimize(grid_parcels(pop), communities=[exclave_comm()], objective="area", time_limit_s=60)
    assert res.status == "optimal" and res.tie_break == ""
    assert res.terms["n_moved"] == 4  # a 2-parcel corridor and 2 parcels back: the least land that can move
    g = greedy_swap(grid_parcels(pop), communities=[exclave_comm()], objective="population")
    assert g.status == "feasible" and g.method == "greedy" and math.isnan(g.gap)
    assert g.objective == 0


def test_contiguity_forbids_the_obvious_answer():
    # unpeopled land of A lies only inside A (r0c1, r1c1); the border parcels A could give instead hold people
    pop = {(2, 4): 0, (2, 5): 0, (0, 1): 0, (1, 1): 0, (3, 3): 10, (4, 3): 10}
    loose = optimize(grid_parcels(pop), communities=[exclave_comm()], contiguous=False, time_limit_s=60)
    assert loose.status == "optimal" and loose.objective == 0
    assert {"r0c1", "r1c1"} <= moved_ids(loose)  # an island of B inside A
    assert detached(loose)["B"] >= 1
    tight = optimize(grid_parcels(pop), communities=[exclave_comm()], contiguous=True, max_enclaves=0,
                     time_limit_s=60)
    assert tight.status == "optimal"
    assert tight.objective == 20
    assert moved_ids(tight) == {"r2c4", "r2c5", "r3c3", "r4c3"}
    assert moved_ids(tight) != moved_ids(loose)
    assert detached(tight) == {"A": 0, "B": 0}


def test_flow_model_agrees_with_cuts():
    pop = {(2, 4): 0, (2, 5): 0, (0, 1): 0, (1, 1): 0, (3, 3): 10, (4, 3): 10}
    flow = optimize(grid_parcels(pop), communities=[exclave_comm()], max_enclaves=0, contiguity="flow",
                    time_limit_s=60)
    assert flow.status == "optimal" and flow.objective == 20


def test_infeasible_set_is_reported_with_its_conflict():
    # every way out of the exclave crosses peopled land of B, and no one may move
    res = optimize(grid_parcels({}), communities=[exclave_comm()], max_population_moved=0, time_limit_s=30)
    assert res.status == "infeasible"
    assert set(res.conflict) == {"max_population_moved", "access:X"}
    assert res.proposal is None and len(res.transfers) == 0
    assert math.isnan(res.objective)
    assert any("cannot hold together" in n for n in res.notes)


def test_fixed_parcels_are_respected():
    pop = {(2, 4): 0, (2, 5): 0, (0, 3): 0, (1, 3): 0, (1, 4): 0, (1, 5): 0}
    free = optimize(grid_parcels(pop), communities=[exclave_comm()], time_limit_s=60)
    assert "r2c4" in moved_ids(free)
    fixed = ["r2c4", "r0c3"]
    res = optimize(grid_parcels(pop), communities=[exclave_comm()], fixed=fixed, time_limit_s=60)
    assert res.status == "optimal"
    assert not set(fixed) & moved_ids(res)
    # the way round r2c4 (r2c5, r1c5, r1c4) is unpeopled but a parcel longer; r1c3 must stay A to hold it and r0c3
    # is fixed, so A gives back three peopled parcels
    assert {"r2c5", "r1c5", "r1c4"} <= moved_ids(res)
    assert res.terms["population_moved"] == 300
    assert detached(res) == {"A": 0, "B": 0}


def test_neutral_road_needs_no_land():
    # a road from the exclave west to A's land: its parcels are usable whoever holds them
    road = shapely.LineString([(6.5 * D, 2.5 * D), (3.5 * D, 2.5 * D)])
    res = optimize(grid_parcels({}), communities=[exclave_comm("neutral-road", road)], time_limit_s=30)
    assert res.status == "optimal" and res.objective == 0 and res.terms["n_moved"] == 0
    assert res.terms["neutral_road_km_foreign"] == pytest.approx(2 * 1.1132, rel=0.01)
    # without the road the exclave needs land, and the people on it move
    sov = optimize(grid_parcels({}), communities=[exclave_comm()], time_limit_s=30)
    assert sov.status == "optimal" and sov.objective > 0


def test_time_out_returns_the_best_answer_with_its_gap():
    pop = {(r, c): (7 * r + 3 * c) % 11 for r in range(5) for c in range(8)}
    res = optimize(grid_parcels(pop), communities=[exclave_comm()], time_limit_s=1e-3)
    assert res.status in ("feasible", "optimal")  # the greedy answer at least
    assert res.proposal is not None
    if res.status == "feasible":
        assert 0 < res.gap <= 1 and res.best_bound <= res.objective


def test_proposal_round_trips_and_applies(tmp_path):
    pop = {(2, 4): 0, (2, 5): 0, (0, 3): 0, (1, 3): 0}
    res = optimize(grid_parcels(pop), communities=[exclave_comm()], time_limit_s=60, proposal_id="swap")
    p = res.proposal
    assert p is not None and p.status == "hypothetical" and p.schematic
    assert "MODEL RESULT" in p.notes and "optimal" in p.notes
    path = write_proposals(p, tmp_path / "swap.yaml")
    (back,) = read_proposals(path)
    assert back == p
    states = layout_states()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        applied = apply(back, states)
    ch = applied.changes.set_index("state_id")
    assert ch.at["A", "n_parts_before"] == 2 and ch.at["A", "n_parts_after"] == 1  # the exclave is joined
    assert abs(ch.at["A", "change_ha"]) < 0.01 * ch.at["A", "received_ha"]
    assert len(applied.enclaves_abolished) == 1


# --------------------------------------------------------------------------------------------- parcel grid


def test_parcel_grid_splits_cells_at_the_border():
    a = shapely.Polygon([(-1, -1), (0.05, -1), (0.03, 1), (-1, 1)])  # a slanted border
    b = shapely.Polygon([(0.05, -1), (1, -1), (1, 1), (0.03, 1)])
    states = make_states([("A", a), ("B", b)])
    zone = (0.0, 0.0, 0.08, 0.06)
    parcels = parcel_grid(zone, states, ("A", "B"), cell_km=1.0)
    assert list(parcels.columns) == PARCEL_COLUMNS
    assert parcels["parcel_id"].is_unique
    geoms = np.asarray(parcels.geometry.values)
    own = {"A": a, "B": b}
    for s in ("A", "B"):
        mine = geoms[parcels["state"].to_numpy() == s]
        inside = shapely.intersection(mine, own[s])
        assert np.allclose(areas_km2(inside), areas_km2(mine), rtol=0, atol=1e-5)  # 10 m²: vertices on the 1e-7° grid
    total = areas_km2([shapely.box(*zone)])[0] * 100
    assert parcels["area_ha"].sum() == pytest.approx(total, rel=1e-6)
    # every parcel on the zone's edge continues into its state's land beyond: all rooted, on the mainland
    on_edge = parcels["edge_km"] > 0
    assert on_edge.sum() > 0
    assert (parcels.loc[on_edge, "root"] != "").all() and parcels.loc[on_edge, "mainland"].all()
    adj = parcel_adjacency(parcels)
    assert (adj["i"] < adj["j"]).all() and (adj["shared_km"] > 0).all()
    cross = parcels["state"].to_numpy()[adj["i"]] != parcels["state"].to_numpy()[adj["j"]]
    # the border's length inside the zone: (0.04, 0) to (0.0394, 0.06) on the line x = 0.05 − 0.01 (y + 1)
    assert adj.loc[cross, "shared_km"].sum() == pytest.approx(geod_km((0.04, 0.0), (0.0394, 0.06)), rel=1e-4)
    assert parcels.attrs["provenance"]["schematic"]


def test_bad_input_is_refused_with_a_message():
    parcels = grid_parcels({})
    with pytest.raises(DataError, match="objective"):
        optimize(parcels, objective="beauty")
    with pytest.raises(DataError, match="lies in no parcel"):
        optimize(parcels, communities=[Community("Far", "A", point=(5.0, 5.0))])
    with pytest.raises(DataError, match="neutral-road needs a road"):
        optimize(parcels, communities=[{"name": "X", "state": "A", "parcel_id": "r2c6", "mode": "neutral-road"}])
    with pytest.raises(DataError, match="not a parcel_id"):
        optimize(parcels, fixed=["nowhere"])
    with pytest.raises(DataError, match="balance_tolerance"):
        optimize(parcels, balance_tolerance=1.5)
    with pytest.raises(DataError, match="H3"):
        parcel_grid((0, 0, 0.1, 0.1), layout_states(), ("A", "B"), kind="h3")


# --------------------------------------------------------------------------------------------- the case


@pytest.fixture(scope="module")
def vorukh_parcels(naturalearth: States) -> gpd.GeoDataFrame:
    return parcel_grid(CASE_ZONE, naturalearth, ("KGZ", "TJK"), cell_km=2.0)


def test_vorukh_is_a_detached_piece_of_tajikistan_in_the_zone(vorukh_parcels):
    p = vorukh_parcels
    row = p[p["places"].str.contains("Vorukh")]
    assert len(row) == 1 and row["state"].iloc[0] == "TJK" and row["population"].iloc[0] > 0
    assert row["root"].iloc[0] == ""  # Vorukh's parcel does not touch the zone's edge
    res = optimize(p, communities=[], balance_tolerance=None, time_limit_s=30)
    assert res.status == "optimal" and res.terms["n_moved"] == 0
    assert any("1 detached piece" in c for c in res.constraints if c.startswith("contiguity:TJK"))


def test_vorukh_case_proposal_applies(naturalearth, vorukh_parcels):
    res = optimize_case_vorukh(naturalearth, variant="sovereign", parcels=vorukh_parcels, time_limit_s=60)
    assert res.solved
    assert res.terms["population_moved"] == 0
    assert res.terms["balance_ratio"] >= 0.95 - 1e-9
    assert not res.parcels.loc[res.parcels["n_places"] > 0, "moved"].any()
    p = res.proposal
    assert p is not None and p.proposal_id == "optimized-vorukh-sovereign" and p.schematic
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        applied = apply(p, naturalearth)
    ch = applied.changes.set_index("state_id")
    assert ch.at["TJK", "n_parts_after"] == ch.at["TJK", "n_parts_before"] - 1  # Vorukh joins the mainland
    assert abs(ch.at["TJK", "change_ha"]) <= 0.05 * ch.at["TJK", "received_ha"] + 1.0
