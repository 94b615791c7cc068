"""Incidents linked to borders: placed at known chainages on hand-made borders, summed, binned and scored."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from borderline.chainage import border_line
from borderline.datasets import States
from borderline.errors import DataError
from borderline.flashpoints import flashpoints
from borderline.incidents import (
    LINK_COLUMNS,
    deaths_by_party,
    hotspots,
    link_incidents,
    load_case_incidents,
    read_incidents,
    summarise,
)
from borderline.register import read_register
from tests.helpers import WGS84, geod_km, make_states

# A (west) and B (east) share the meridian 10.5° E from 45.0° to 45.5° N.
BORDER_KM = geod_km((10.5, 45.0), (10.5, 45.5))


def north_of(lat_km: float) -> float:
    """Latitude ``lat_km`` north of 45° N along the border meridian (geodesic)."""
    return float(WGS84.fwd(10.5, 45.0, 0.0, lat_km * 1000.0)[1])


@pytest.fixture(scope="module")
def ab() -> States:
    return make_states([("A", box(10.0, 45.0, 10.5, 45.5)), ("B", box(10.5, 45.0, 11.0, 45.5))])


def incidents_at(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    mapping = {k: k for k in ("incident_id", "date_start", "lat", "lon", "deaths_best", "deaths_a", "deaths_b",
                              "side_a", "side_b") if k in frame.columns}
    inc = read_incidents(frame, format="generic", mapping=mapping)
    assert inc.rejects.empty
    return inc.frame


def test_incidents_at_known_chainages(ab: States) -> None:
    bl = border_line(ab, "A", "B", origin="south")
    lat10, lat30 = north_of(10.0), north_of(30.0)
    lon_west = float(WGS84.fwd(10.5, lat10, 270.0, 2000.0)[0])  # 2 km west of the border at chainage 10 km
    inc = incidents_at([
        {"incident_id": "w", "date_start": "2020-05-01", "lat": lat10, "lon": lon_west, "deaths_best": 3},
        {"incident_id": "e", "date_start": "2021-06-01", "lat": lat30, "lon": 10.51, "deaths_best": 1},
    ])
    linked = link_incidents(inc, [bl])
    assert set(LINK_COLUMNS) <= set(linked.columns)
    w, e = linked.set_index("incident_id").loc["generic:w"], linked.set_index("incident_id").loc["generic:e"]
    assert w["pair"] == "A–B" and w["side"] == "A" and e["side"] == "B"
    assert w["chainage_km"] == pytest.approx(10.0, abs=0.01)
    assert w["border_distance_km"] == pytest.approx(2.0, abs=0.005)
    assert e["chainage_km"] == pytest.approx(30.0, abs=0.01)
    assert e["border_distance_km"] == pytest.approx(geod_km((10.51, lat30), (10.5, lat30)), rel=1e-3)


def test_register_segment_in_force_on_the_incident_date(ab: States) -> None:
    reg = read_register({"state_left": "A", "state_right": "B", "origin": "south", "segments": [
        {"id": "s1", "status": "disputed", "date": "2000-01-01", "from_km": 0, "to_km": 20},
        {"id": "s1", "status": "delimited", "date": "2021-01-01", "from_km": 0, "to_km": 20}]})
    bl = border_line(ab, "A", "B", origin="south")
    reg = reg.locate(bl)
    inc = incidents_at([
        {"incident_id": "old", "date_start": "2020-05-01", "lat": north_of(10.0), "lon": 10.49},
        {"incident_id": "new", "date_start": "2022-05-01", "lat": north_of(10.0), "lon": 10.49},
        {"incident_id": "off", "date_start": "2022-05-01", "lat": north_of(40.0), "lon": 10.49},
    ])
    linked = link_incidents(inc, [bl], register=reg).set_index("incident_id")
    assert linked.loc["generic:old", "segment_status"] == "disputed"
    assert linked.loc["generic:new", "segment_status"] == "delimited"
    assert linked.loc["generic:new", "segment_id"] == "s1"
    assert pd.isna(linked.loc["generic:off", "segment_id"])


def test_summaries_hotspots_and_parties(ab: States) -> None:
    bl = border_line(ab, "A", "B", origin="south")
    rows = [{"incident_id": str(i), "date_start": f"{2019 + i % 2}-03-01", "lat": north_of(km), "lon": lon,
             "deaths_best": d, "deaths_a": da, "deaths_b": db, "side_a": "A", "side_b": "B"}
            for i, (km, lon, d, da, db) in enumerate([(5.0, 10.49, 4, 1, 3), (7.0, 10.49, 2, 2, 0),
                                                      (33.0, 10.52, np.nan, np.nan, np.nan), (35.0, 10.52, 10, 4, 6)])]
    linked = link_incidents(incidents_at(rows), [bl])
    by = summarise(linked, ("year", "side")).set_index(["year", "side"])
    assert by.loc[(2019, "A"), "n_incidents"] == 1 and by.loc[(2019, "A"), "deaths_best"] == 4
    assert by.loc[(2020, "B"), "deaths_best"] == 10 and by.loc[(2020, "B"), "n_with_deaths"] == 1
    assert math.isnan(summarise(linked[linked["incident_id"] == "generic:2"], ("year",))["deaths_best"].iloc[0])
    hot = hotspots(linked, "A–B", bin_km=10.0, border=bl)
    assert list(hot["from_km"]) == [30.0, 0.0]  # 10 deaths beat 6
    assert list(hot["n_incidents"]) == [2, 2] and list(hot["weight"]) == [10.0, 6.0]
    assert hot.geometry.iloc[0] is not None
    parties = deaths_by_party(linked).set_index(["year", "party"])["deaths"]
    assert parties[(2019, "A")] == 1 and parties[(2019, "B")] == 3 and parties[(2020, "B")] == 6
    with pytest.raises(DataError, match="no such column"):
        summarise(linked, ("province",))
    with pytest.raises(DataError, match="bin_km"):
        hotspots(linked, "A–B", bin_km=0)


def test_enclave_membership() -> None:
    from borderline.enclaves import polygon_parts

    host = box(0, 0, 1, 1).difference(box(0.4, 0.4, 0.6, 0.6))
    states = make_states([("H", host), ("E", box(0.4, 0.4, 0.6, 0.6).union(box(1, 0, 2, 1)))])
    parts = polygon_parts(states)
    inc = incidents_at([{"incident_id": "in", "date_start": "2020-01-01", "lat": 0.5, "lon": 0.5},
                        {"incident_id": "out", "date_start": "2020-01-01", "lat": 0.2, "lon": 0.2}])
    linked = link_incidents(inc, [border_line(states, "H", "E")], enclaves=parts).set_index("incident_id")
    label = str(linked.loc["generic:in", "enclave"])
    assert "(E part" in label or label.startswith("E part")
    assert pd.isna(linked.loc["generic:out", "enclave"])


# --------------------------------------------------------------------------------------------- flashpoint score


def test_flashpoint_score_takes_incidents_and_status() -> None:
    from borderline.roads import roads_from_lines

    states = make_states([("A", box(-141.0, -51.0, -140.0, -49.0)), ("B", box(-140.0, -51.0, -139.0, -49.0))])
    roads = gpd.GeoDataFrame({"highway": ["primary", "primary"], "name": ["north", "south"]},
                             geometry=[LineString([(-140.1, -49.5), (-139.9, -49.5)]),
                                       LineString([(-140.1, -50.5), (-139.9, -50.5)])], crs=4326)
    g = roads_from_lines(roads, name_column="name", states=states)
    inc = incidents_at([{"incident_id": "x", "date_start": "2020-01-01", "lat": -49.5, "lon": -140.01,
                         "deaths_best": 99}])
    bl = border_line(states, "A", "B", origin="south")
    reg = read_register({"state_left": "A", "state_right": "B", "origin": "south", "segments": [
        {"id": "south", "status": "delimited", "date": "2000-01-01", "from_km": 0, "to_km": 100},
        {"id": "north", "status": "disputed", "date": "2000-01-01", "from_km": 100, "to_km": "end"}]}).locate(bl)
    fp = flashpoints(g, states, incidents=inc, register=reg, status_date="2024-01-01").set_index("road_names")
    north, south = fp.loc["north"], fp.loc["south"]
    assert north["incidents_n"] == 1 and north["incidents_deaths"] == 99 and north["incident_ids"] == "generic:x"
    assert north["score_incidents"] == pytest.approx(1.0)  # log10(1 + 99 + 1) / 2
    assert south["incidents_n"] == 0 and south["score_incidents"] == 0.0
    assert north["segment_status"] == "disputed" and north["score_status"] == 1.0
    assert south["segment_status"] == "delimited" and south["score_status"] == 0.0
    assert north["score"] == pytest.approx(south["score"] + 2.0)
    assert list(fp["score"]) == sorted(fp["score"], reverse=True)


# --------------------------------------------------------------------------------------------- the case


def test_case_incidents_link_to_the_kgz_tjk_border(naturalearth: States) -> None:
    bl = border_line(naturalearth, "KGZ", "TJK", origin="UZB")
    linked = link_incidents(load_case_incidents(), [bl])
    assert len(linked) == 5 and (linked["pair"] == "KGZ–TJK").all()
    assert (linked["border_distance_km"] < 15).all()  # every located incident is at the border
    by_year = summarise(linked, ("year",)).set_index("year")
    assert by_year.loc[2021, "deaths_best"] == 50  # 34 Kyrgyz + 16 Tajik, as the case file gives them
    assert by_year.loc[2022, "deaths_best"] == 113  # 62 + 41, and the 10 of Ovchi-Kalacha listed apart
