"""Reading conflict incidents: UCDP GED (CSV and API JSON), ACLED, generic CSV/GeoJSON, and the case file.

The fixtures under tests/data/incidents are hand-made: realistic headers, Kyrgyz–Tajik flavoured rows with invented
ids, and planted bad rows whose reasons are known by construction. No network is used.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from borderline.errors import BorderlineError, BorderlineWarning, DataError, InputFileError
from borderline.incidents import (
    ACLED_PRECISION,
    CASE_EXTRA_COLUMNS,
    INCIDENT_COLUMNS,
    REJECT_COLUMNS,
    UCDP_PRECISION,
    Incidents,
    load_case_incidents,
    read_incidents,
)
from tests.helpers import REPO_ROOT

DATA = Path(__file__).resolve().parent / "data" / "incidents"
UCDP_CSV = DATA / "GEDEvent_v24_1.csv"
UCDP_JSON = DATA / "ucdp_api_page.json"
ACLED_CSV = DATA / "acled_export.csv"
GENERIC_CSV = DATA / "news_generic.csv"
GEOJSON = DATA / "points.geojson"
SHARED_CASE_FILE = REPO_ROOT.parent / "shared" / "case-kgz-tjk" / "incidents.csv"
TODAY = dt.date(2025, 1, 1)

GENERIC_MAPPING = {"incident_id": "event_id", "date_start": "start_date", "date_end": "end_date", "location": "place",
                   "lat": "lat", "lon": "lon", "deaths_best": "killed", "notes": "summary"}
GEOJSON_MAPPING = {"incident_id": "id", "date_start": "date", "deaths_best": "deaths", "name": "title"}

#: Planted UCDP rows → the reason each must be rejected with (ids are unique except the planted duplicate).
UCDP_REJECTS = {
    "ucdp:900003": "bad date '2022-13-45 00:00:00.000'",
    "ucdp:900004": "bad coordinates: latitude 95 is outside -90..90",
    "ucdp:900005": "coordinates at 0,0 (null island): probably missing",
    "ucdp:900007": "low > best (9 > 5)",
    "ucdp:900009": "end before start (2022-09-14 < 2022-09-16); negative number: deaths_a -1",
}


def n_records(path: Path) -> int:
    """Rows in a fixture, counted independently of the reader."""
    if path.suffix == ".csv":
        return len(pd.read_csv(path, dtype=str))
    obj = json.loads(path.read_text())
    return len(obj["features"] if "features" in obj else obj["Result"])


def assert_invariants(inc: Incidents, n_input: int) -> None:
    """Nothing dropped silently; schema and reject columns in order; one reject row per input row."""
    assert len(inc.frame) + len(inc.rejects) == n_input
    assert list(inc.rejects.columns) == REJECT_COLUMNS
    assert isinstance(inc.frame, gpd.GeoDataFrame)
    assert inc.frame.crs.to_epsg() == 4326
    assert list(inc.frame.columns[: len(INCIDENT_COLUMNS) - 1]) == INCIDENT_COLUMNS[:-1]
    assert inc.frame.columns[-1] == "geometry"
    assert not inc.rejects["line"].duplicated().any()
    assert set(inc.rejects["line"]).isdisjoint(inc.frame["line"])
    assert inc.frame["date_start"].dtype == np.dtype("datetime64[ns]")
    assert (inc.frame["date_start"] == inc.frame["date_start"].dt.normalize()).all()
    assert inc.frame["incident_id"].is_unique
    np.testing.assert_allclose(shapely.get_x(inc.frame.geometry.values), inc.frame["lon"])
    np.testing.assert_allclose(shapely.get_y(inc.frame.geometry.values), inc.frame["lat"])
    summary = inc.summary()
    assert (summary.accepted, summary.rejected) == (len(inc.frame), len(inc.rejects))
    for record in inc.rejects["record"]:
        assert isinstance(json.loads(record), dict)


def reasons(inc: Incidents) -> dict[str, str]:
    return dict(zip(inc.rejects["incident_id"], inc.rejects["reason"], strict=True))


# --------------------------------------------------------------------------------------------------- UCDP GED

def test_ucdp_csv_planted_rows_rejected_with_their_reasons() -> None:
    inc = read_incidents(UCDP_CSV, today=TODAY)
    assert_invariants(inc, n_records(UCDP_CSV))
    assert sorted(inc.frame["incident_id"]) == ["ucdp:900001", "ucdp:900002", "ucdp:900006", "ucdp:900008"]
    got = inc.rejects.set_index("line")
    # the duplicate of the first row (line 2) is the row on line 9; the first one is kept
    assert got.loc[9, "incident_id"] == "ucdp:900001"
    assert got.loc[9, "reason"] == "duplicate of ucdp:900001 (line 2)"
    others = inc.rejects[inc.rejects["line"] != 9]
    assert dict(zip(others["incident_id"], others["reason"], strict=True)) == UCDP_REJECTS
    assert list(inc.rejects["line"]) == [4, 5, 6, 8, 9, 11]
    record = json.loads(got.loc[5, "record"])
    assert record["latitude"] == "95" and record["id"] == "900004" and record["where_coordinates"] == "Kok-Tash village"
    assert str(inc.summary()).startswith("4 accepted, 6 rejected: ")
    assert inc.summary().by_reason["duplicate"] == 1


def test_ucdp_csv_accepted_values_parsed() -> None:
    inc = read_incidents(UCDP_CSV, today=TODAY)
    row = inc.frame.set_index("incident_id").loc["ucdp:900002"]
    assert row["dataset"] == "ucdp" and row["source_id"] == "900002"
    assert row["date_start"] == pd.Timestamp("2022-09-14") and row["date_end"] == pd.Timestamp("2022-09-17")
    assert row["year"] == 2022
    assert (row["lat"], row["lon"]) == (40.0604, 70.8193)
    assert (row["deaths_a"], row["deaths_b"], row["deaths_civilians"], row["deaths_unknown"]) == (4, 3, 3, 0)
    assert (row["deaths_low"], row["deaths_best"], row["deaths_high"]) == (8, 10, 12)
    assert np.isnan(row["injured"]) and np.isnan(row["displaced"])
    assert row["precision_code"] == "4" and row["uncertainty_km"] == 150
    assert row["precision"] == UCDP_PRECISION[4][0]
    assert row["name"] == "Kyrgyzstan - Tajikistan" and row["event_type"] == "state-based conflict"
    assert row["side_a"] == "Government of Kyrgyzstan" and row["side_b"] == "Government of Tajikistan"
    assert row["location"] == "Batken province" and row["country"] == "Kyrgyzstan"
    assert row["sources"] == "Test wire,2021-05-03,Border clash reported"
    assert row["line"] == 3
    first = inc.frame.set_index("incident_id").loc["ucdp:900001"]
    assert first["uncertainty_km"] == 1 and first["date_start"] == first["date_end"] == pd.Timestamp("2021-04-29")
    country_only = inc.frame.set_index("incident_id").loc["ucdp:900008"]
    assert country_only["precision_code"] == "6" and np.isnan(country_only["uncertainty_km"])
    near = inc.frame.set_index("incident_id").loc["ucdp:900006"]
    assert near["uncertainty_km"] == 25 and np.isnan(near["deaths_best"])  # best empty, kept by default


def test_ucdp_require_fatalities_rejects_missing_best() -> None:
    inc = read_incidents(UCDP_CSV, require_fatalities=True, today=TODAY)
    assert_invariants(inc, n_records(UCDP_CSV))
    assert reasons(inc)["ucdp:900006"] == "missing fatalities: best"
    assert "ucdp:900006" not in set(inc.frame["incident_id"])
    assert len(inc.frame) == 3


def test_ucdp_provenance() -> None:
    inc = read_incidents(UCDP_CSV, today=TODAY)
    prov = inc.provenance
    assert prov.dataset_id == "ucdp-ged" and prov.version == "24.1"
    assert "CC BY 4.0" in prov.licence and not prov.schematic
    assert prov.source == str(UCDP_CSV)
    assert inc.frame.attrs["provenance"]["dataset_id"] == "ucdp-ged"


def test_ucdp_api_json_gives_the_same_answers() -> None:
    csv_inc = read_incidents(UCDP_CSV, today=TODAY)
    inc = read_incidents(UCDP_JSON, today=TODAY)
    assert_invariants(inc, n_records(UCDP_JSON))
    assert "read as ucdp-json" in " ".join(inc.provenance.notes)
    cols = [c for c in INCIDENT_COLUMNS if c not in ("line", "geometry")]
    pd.testing.assert_frame_equal(pd.DataFrame(inc.frame[cols]), pd.DataFrame(csv_inc.frame[cols]))
    # JSON lines are positions in Result (1-based); the duplicate points at the first record
    assert reasons(inc)["ucdp:900003"] == "bad date '2022-13-45T00:00:00'"
    assert list(inc.rejects["line"]) == [3, 4, 5, 7, 8, 10]
    assert inc.rejects.set_index("line").loc[8, "reason"] == "duplicate of ucdp:900001 (line 1)"
    assert json.loads(inc.rejects.set_index("line").loc[4, "record"])["latitude"] == 95.0


def test_ucdp_api_page_of_many_warns(tmp_path: Path) -> None:
    obj = json.loads(UCDP_JSON.read_text())
    obj["TotalCount"], obj["NextPageUrl"] = 25, "https://ucdpapi.pcr.uu.se/api/gedevents/24.1?pagesize=10&page=1"
    path = tmp_path / "page0.json"
    path.write_text(json.dumps(obj))
    with pytest.warns(BorderlineWarning, match="holds 10 of the 25 events"):
        inc = read_incidents(path, format="ucdp-json", today=TODAY)
    assert any("other pages are not read" in n for n in inc.provenance.notes)


def test_ucdp_from_a_dataframe_with_parsed_numbers() -> None:
    frame = pd.read_csv(UCDP_CSV)  # numbers and NaN already parsed by pandas
    inc = read_incidents(frame, today=TODAY)
    assert_invariants(inc, len(frame))
    assert sorted(inc.frame["incident_id"]) == ["ucdp:900001", "ucdp:900002", "ucdp:900006", "ucdp:900008"]
    assert list(inc.rejects["line"]) == [3, 4, 5, 7, 8, 10]  # DataFrame rows, 1-based
    assert inc.provenance.version == "in-memory table"


# ------------------------------------------------------------------------------------------------------ ACLED

def test_acled_planted_rows_and_precision() -> None:
    inc = read_incidents(ACLED_CSV, today=TODAY)
    assert_invariants(inc, n_records(ACLED_CSV))
    assert reasons(inc) == {
        "acled:KGZ1002": "future date 2099-09-14 (today is 2025-01-01)",
        "acled:KGZ1003": "bad date '31 February 2022'",
        "acled:KGZ1004": "bad coordinates: latitude 'abc' is not a number",
        "acled:KGZ1005": "negative number: fatalities -1",
        "acled:KGZ1001": "duplicate of acled:KGZ1001 (line 2)",
    }
    frame = inc.frame.set_index("incident_id")
    assert list(frame.index) == ["acled:KGZ1001", "acled:TJK2001", "acled:KGZ1006"]
    batken = frame.loc["acled:KGZ1001"]
    assert batken["date_start"] == batken["date_end"] == pd.Timestamp("2022-09-14")  # "14 September 2022"
    assert batken["deaths_best"] == 10 and np.isnan(batken["deaths_low"]) and np.isnan(batken["deaths_a"])
    assert batken["side_a"] == "Military Forces of Kyrgyzstan (2021-)"
    assert batken["side_b"] == "Military Forces of Tajikistan (1994-)"
    assert batken["event_type"] == "Battles" and batken["name"] == "Armed clash"
    assert batken["sources"] == "24.kg; AKIpress" and batken["notes"].startswith("On 14 September 2022")
    assert [frame.loc[i, "uncertainty_km"] for i in frame.index] == [ACLED_PRECISION[c][1] for c in (2, 1, 3)]
    assert list(frame["precision_code"]) == ["2", "1", "3"]
    assert frame.loc["acled:TJK2001", "date_start"] == pd.Timestamp("2022-09-16")  # ISO form
    assert np.isnan(frame.loc["acled:KGZ1006", "deaths_best"])
    prov = inc.provenance
    assert prov.dataset_id == "acled" and "no" in prov.licence and "redistribut" in prov.licence
    assert prov.version == "export with rows updated up to 2023-11-14"


def test_acled_require_fatalities_and_today() -> None:
    inc = read_incidents(ACLED_CSV, require_fatalities=True, today=dt.date(2022, 9, 15))
    assert_invariants(inc, n_records(ACLED_CSV))
    got = reasons(inc)
    assert got["acled:KGZ1006"] == "future date 2022-09-16 (today is 2022-09-15); missing fatalities: fatalities"
    assert got["acled:TJK2001"] == "future date 2022-09-16 (today is 2022-09-15)"
    assert list(inc.frame["incident_id"]) == ["acled:KGZ1001"]


def test_future_dates_by_default_are_relative_to_the_real_today() -> None:
    inc = read_incidents(ACLED_CSV)
    assert reasons(inc)["acled:KGZ1002"].startswith("future date 2099-09-14 (today is ")


# ---------------------------------------------------------------------------------------------------- generic

def test_generic_csv_with_mapping() -> None:
    with pytest.warns(BorderlineWarning, match=r"2 rows share dates, coordinates and deaths_best .*news:N1, news:N3"):
        inc = read_incidents(GENERIC_CSV, mapping=GENERIC_MAPPING, dataset="news", today=TODAY)
    assert_invariants(inc, n_records(GENERIC_CSV))
    assert reasons(inc) == {
        "news:N4": "end before start (2022-09-10 < 2022-09-14)",
        "news:N5": "no coordinates (latitude and longitude empty)",
        "news:N6": "bad number: killed 'two'",
    }
    frame = inc.frame.set_index("incident_id")
    assert list(frame.index) == ["news:N1", "news:N2", "news:N3"]  # same content, different ids: both kept
    n2 = frame.loc["news:N2"]
    assert n2["date_start"] == n2["date_end"] == pd.Timestamp("2022-09-14")  # long form, empty end
    assert n2["deaths_best"] == 103 and n2["location"] == "Batken" and n2["dataset"] == "news"
    assert np.isnan(n2["uncertainty_km"]) and n2["precision"] is None and n2["side_a"] is None
    assert inc.provenance.dataset_id == "news" and inc.provenance.licence == "as the file's publisher states"


def test_generic_auto_with_mapping_means_generic() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        inc = read_incidents(GENERIC_CSV, mapping=GENERIC_MAPPING, today=TODAY)
    assert set(inc.frame["dataset"]) == {"generic"}
    assert inc.frame["incident_id"].iloc[0] == "generic:N1"


def test_generic_geojson_points_supply_coordinates() -> None:
    inc = read_incidents(GEOJSON, mapping=GEOJSON_MAPPING, today=TODAY)
    assert_invariants(inc, n_records(GEOJSON))
    assert reasons(inc) == {
        "generic:G3": "no coordinates (geometry is LineString, not a Point)",
        "generic:G4": "no coordinates (feature has no geometry)",
        "generic:G5": "bad date 'not a date'",
    }
    g1 = inc.frame.set_index("incident_id").loc["generic:G1"]
    assert (g1["lon"], g1["lat"]) == (70.519, 39.9555) and g1["deaths_best"] == 50
    assert g1["name"] == "Golovnoi water intake clash" and g1["line"] == 1
    record = json.loads(inc.rejects.set_index("incident_id").loc["generic:G3", "record"])
    assert record["geometry"]["type"] == "LineString" and record["id"] == "G3"


def test_generic_geodataframe_source() -> None:
    gdf = gpd.GeoDataFrame({"ref": ["a", "b", "c"], "when": ["2021-04-29", "2022-09-14", "2022-09-14"],
                            "killed": [1.0, np.nan, 2.0]},
                           geometry=[shapely.Point(70.5, 39.9), None, shapely.LineString([(0, 0), (1, 1)])],
                           crs=4326)
    inc = read_incidents(gdf, mapping={"incident_id": "ref", "date_start": "when", "deaths_best": "killed"},
                         dataset="mine", today=TODAY)
    assert_invariants(inc, 3)
    assert list(inc.frame["incident_id"]) == ["mine:a"]
    assert reasons(inc) == {"mine:b": "no coordinates (feature has no geometry)",
                            "mine:c": "no coordinates (geometry is LineString, not a Point)"}


def test_generic_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "points.gpkg"
    gpd.read_file(GEOJSON).to_file(path, driver="GPKG")
    inc = read_incidents(path, mapping=GEOJSON_MAPPING, today=TODAY)
    assert_invariants(inc, 5)
    assert list(inc.frame["incident_id"]) == ["generic:G1", "generic:G2"]
    assert reasons(inc)["generic:G5"] == "bad date 'not a date'"


def test_generic_without_id_numbers_rows_by_line(tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("day,y,x\n2021-04-29,39.9,70.5\n2021-04-30,39.9,70.5\n")
    inc = read_incidents(path, mapping={"date_start": "day", "lat": "y", "lon": "x"}, today=TODAY)
    assert list(inc.frame["incident_id"]) == ["generic:2", "generic:3"]


def test_na_words_are_empty_in_numbers_and_dates_but_kept_in_text(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("id,day,end,y,x,killed,country\nA,2021-04-29,NA,39.9,70.5,NA,NA\nB,null,,39.9,70.5,1,KG\n"
                    "C,14-09-2022,17-09-2022,39.9,70.5,1,KG\nD,09/14/2022,,39.9,70.5,1,KG\n")
    inc = read_incidents(path, mapping={"incident_id": "id", "date_start": "day", "date_end": "end", "lat": "y",
                                        "lon": "x", "deaths_best": "killed", "country": "country"}, today=TODAY)
    row = inc.frame.iloc[0]
    assert np.isnan(row["deaths_best"]) and row["country"] == "NA" and row["date_end"] == row["date_start"]
    assert reasons(inc) == {"generic:B": "missing date", "generic:D": "bad date '09/14/2022'"}
    day_first = inc.frame.set_index("incident_id").loc["generic:C"]
    assert (day_first["date_start"], day_first["date_end"]) == (pd.Timestamp("2022-09-14"), pd.Timestamp("2022-09-17"))


def test_csv_lines_count_fields_that_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text('id,day,y,x,text\nA,2021-04-29,39.9,70.5,"two\nlines"\nB,bad,39.9,70.5,one line\n'
                    'C,2021-04-29,0,0,x\n')
    inc = read_incidents(path, mapping={"incident_id": "id", "date_start": "day", "lat": "y", "lon": "x",
                                        "notes": "text"}, today=TODAY)
    assert dict(zip(inc.rejects["incident_id"], inc.rejects["line"], strict=True)) == {"generic:B": 4,
                                                                                        "generic:C": 5}
    assert inc.frame["notes"].iloc[0] == "two\nlines"


def test_string_dtype_frame() -> None:
    frame = pd.read_csv(GENERIC_CSV, dtype="string")  # pandas nullable strings (pd.NA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        inc = read_incidents(frame, mapping=GENERIC_MAPPING, today=TODAY)
    assert_invariants(inc, len(frame))
    assert list(inc.frame["source_id"]) == ["N1", "N2", "N3"]


# --------------------------------------------------------------------------------------------- auto-detection

@pytest.mark.parametrize(("path", "dataset"), [(UCDP_CSV, "ucdp"), (UCDP_JSON, "ucdp"), (ACLED_CSV, "acled")])
def test_auto_detects_the_format(path: Path, dataset: str) -> None:
    inc = read_incidents(path, today=TODAY)
    assert set(inc.frame["dataset"]) == {dataset}


def test_auto_refuses_a_file_it_cannot_place() -> None:
    with pytest.raises(DataError, match=r"cannot tell the format of .*news_generic\.csv.*event_id, start_date") as e:
        read_incidents(GENERIC_CSV, today=TODAY)
    assert "\n" not in str(e.value) and "format='generic' with mapping=" in str(e.value)


def test_auto_refuses_an_ambiguous_file(tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("id,where_prec,event_id_cnty,date_start\n1,1,KGZ1,2020-01-01\n")
    with pytest.raises(DataError, match=r"UCDP GED columns \(where_prec\) and ACLED columns \(event_id_cnty\); "
                                        r"pass format= one of ucdp, ucdp-json, acled, generic"):
        read_incidents(path)


def test_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    text = ACLED_CSV.read_text().replace("geo_precision", "GEO_PRECISION").replace("event_id_cnty", "EVENT_ID_CNTY")
    path.write_text(text)
    inc = read_incidents(path, format="acled", today=TODAY)  # capitals, as in older ACLED exports
    assert len(inc.frame) == 3


# ---------------------------------------------------------------------------------------- file-level problems

def test_missing_file() -> None:
    with pytest.raises(InputFileError, match=r"file not found: .*nope\.csv"):
        read_incidents(DATA / "nope.csv")


def test_csv_without_required_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("id,date_start,where_prec\n1,2020-01-01,1\n")
    with pytest.raises(DataError) as e:
        read_incidents(path)
    msg = str(e.value)
    assert "\n" not in msg
    assert "short.csv: missing UCDP GED column(s) date_end, best, latitude, longitude" in msg
    assert "format='generic'" in msg


def test_acled_without_fatalities_column(tmp_path: Path) -> None:
    path = tmp_path / "nofat.csv"
    path.write_text("event_id_cnty,event_date,latitude,longitude\nKGZ1,2022-09-14,40,70\n")
    with pytest.raises(DataError, match=r"missing ACLED column\(s\) fatalities"):
        read_incidents(path)


def test_unknown_format() -> None:
    with pytest.raises(DataError, match=r"unknown incident format 'gdelt'; use one of auto, ucdp, ucdp-json"):
        read_incidents(UCDP_CSV, format="gdelt")


def test_unreadable_kinds_of_file(tmp_path: Path) -> None:
    xlsx = tmp_path / "events.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputFileError, match=r"events\.xlsx: incidents are read from CSV, JSON or GeoJSON"):
        read_incidents(xlsx)
    bad = tmp_path / "bad.json"
    bad.write_text('{"Result": [')
    with pytest.raises(InputFileError, match=r"cannot read .*bad\.json as JSON: .* at line 1"):
        read_incidents(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match=r"empty\.csv is empty"):
        read_incidents(empty)
    other = tmp_path / "other.json"
    other.write_text('{"events": []}')
    with pytest.raises(InputFileError, match="neither a GeoJSON FeatureCollection"):
        read_incidents(other)


def test_ucdp_json_format_needs_the_api_shape() -> None:
    with pytest.raises(DataError, match=r"format 'ucdp-json' expects the UCDP API's JSON .* is a CSV file"):
        read_incidents(UCDP_CSV, format="ucdp-json")


def test_mapping_problems() -> None:
    with pytest.raises(DataError, match=r"unknown mapping key\(s\) 'death_best' \(did you mean 'deaths_best'\?\)"):
        read_incidents(GENERIC_CSV, mapping={**GENERIC_MAPPING, "death_best": "killed"})
    with pytest.raises(DataError, match=r"mapping names column\(s\) not in the file: 'start' \(for date_start; "
                                        r"did you mean 'start_date'\?\)"):
        read_incidents(GENERIC_CSV, mapping={**GENERIC_MAPPING, "date_start": "start"})
    with pytest.raises(DataError, match="mapping needs 'date_start'"):
        read_incidents(GENERIC_CSV, mapping={"lat": "lat", "lon": "lon"})
    with pytest.raises(DataError, match="mapping has 'lat' but not 'lon'"):
        read_incidents(GENERIC_CSV, mapping={"date_start": "start_date", "lat": "lat"})
    with pytest.raises(DataError, match="has no Point geometry to take them from"):
        read_incidents(GENERIC_CSV, mapping={"date_start": "start_date"})
    with pytest.raises(DataError, match=r"mapping= is only used with format='generic'"):
        read_incidents(UCDP_CSV, format="ucdp", mapping=GENERIC_MAPPING)
    with pytest.raises(DataError, match=r"require_fatalities=True needs mapping\['deaths_best'\]"):
        read_incidents(GENERIC_CSV, mapping={"date_start": "start_date", "lat": "lat", "lon": "lon"},
                       require_fatalities=True)


def test_unknown_precision_code_warns_and_keeps() -> None:
    frame = pd.read_csv(UCDP_CSV, dtype=str)
    frame.loc[0, "where_prec"] = "9"
    with pytest.warns(BorderlineWarning, match=r"1 rows have UCDP where_prec outside 1–7 \('9'\)"):
        inc = read_incidents(frame, today=TODAY)
    first = inc.frame.set_index("incident_id").loc["ucdp:900001"]
    assert first["precision_code"] == "9" and first["precision"] is None and np.isnan(first["uncertainty_km"])


def test_empty_table_reads_as_no_incidents(tmp_path: Path) -> None:
    path = tmp_path / "header_only.csv"
    path.write_text(UCDP_CSV.read_text().splitlines()[0] + "\n")
    inc = read_incidents(path, today=TODAY)
    assert len(inc.frame) == 0 and len(inc.rejects) == 0
    assert list(inc.rejects.columns) == REJECT_COLUMNS
    assert str(inc.summary()) == "0 accepted, 0 rejected"


# ------------------------------------------------------------------------------------------- case incidents

def test_case_file_is_the_shared_file_unchanged() -> None:
    shipped = (importlib.resources.files("borderline.cases") / "kgz-tjk-incidents.csv").read_bytes()
    if not SHARED_CASE_FILE.exists():
        pytest.skip("shared case facts not present")
    assert shipped == SHARED_CASE_FILE.read_bytes()


def test_case_incidents() -> None:
    inc = load_case_incidents("kgz-tjk", today=TODAY)
    assert_invariants(inc, 8)
    assert str(inc.summary()) == "5 accepted, 3 rejected: no coordinates (3)"
    got = reasons(inc)
    assert sorted(got) == ["kgz-tjk:E2019", "kgz-tjk:E2020", "kgz-tjk:E2022a"]
    assert got["kgz-tjk:E2019"] == "no coordinates (coord_quality: none; no public coordinate found)"
    assert got["kgz-tjk:E2020"].startswith("no coordinates (coord_quality: none; no public coordinate found (")
    assert json.loads(inc.rejects.set_index("incident_id").loc["kgz-tjk:E2022a", "record"])["killed_tj"] == "2"
    frame = inc.frame.set_index("source_id")
    assert list(frame.index) == ["E2013a", "E2013b", "E2021", "E2022b", "E2022c"]
    assert list(inc.frame.columns) == [*INCIDENT_COLUMNS[:-1], *CASE_EXTRA_COLUMNS, "geometry"]
    war = frame.loc["E2022b"]
    assert (war["side_a"], war["deaths_a"], war["side_b"], war["deaths_b"]) == ("KGZ", 62, "TJK", 41)
    assert war["deaths_best"] == 103
    assert war["date_start"] == pd.Timestamp("2022-09-14") and war["date_end"] == pd.Timestamp("2022-09-17")
    assert war["uncertainty_km"] == 55 and war["precision"] == "region (representative point = Batken town)"
    clash = frame.loc["E2021"]
    assert (clash["deaths_a"], clash["deaths_b"], clash["deaths_best"]) == (34, 16, 50)
    assert clash["date_start"] == pd.Timestamp("2021-04-28") and clash["date_end"] == pd.Timestamp("2021-05-01")
    assert clash["year"] == 2021 and clash["uncertainty_km"] == 3
    assert clash["injured_note"].startswith("KG: 183 sought medical help")
    assert np.isnan(clash["injured"]) and np.isnan(clash["displaced"])  # text, not one plain number
    bomb = frame.loc["E2022c"]
    assert np.isnan(bomb["deaths_a"]) and bomb["deaths_b"] == 10 and bomb["deaths_best"] == 10
    shootout = frame.loc["E2013a"]
    assert np.isnan(shootout["deaths_best"]) and shootout["injured_note"].startswith("8 injured")
    assert shootout["sources"] == "https://de.zxc.wiki/wiki/Woruch"
    prov = inc.provenance
    assert prov.dataset_id == "kgz-tjk-incidents" and not prov.schematic
    assert prov.licence == "compiled from cited public sources; each row cites them"


def test_case_without_incidents_or_unknown() -> None:
    with pytest.raises(BorderlineError, match="unknown case"):
        load_case_incidents("kgz-uzb")


def test_case_incidents_without_coordinates_can_be_kept_for_a_timeline() -> None:
    from borderline.incidents import link_incidents, load_case_incidents

    inc = load_case_incidents(allow_missing_coordinates=True)
    assert len(inc.frame) == 8 and inc.rejects.empty
    tort = inc.frame.set_index("incident_id").loc["kgz-tjk:E2022a"]
    assert tort.geometry is None and tort["deaths_b"] == 2
    from borderline.chainage import BorderLine

    line = BorderLine(("A", "B"), (shapely.LineString([(70.0, 39.0), (71.0, 40.0)]),), np.array([0.0]),
                      np.array([140.0]), ("A",), "west", "test")
    linked = link_incidents(inc, [line])
    assert linked["pair"].isna().sum() == 3  # the rows without coordinates are not placed
