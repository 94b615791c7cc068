"""Chainage along a border and the segment register, on hand-made borders whose answers are known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from borderline.chainage import border_line, locate
from borderline.datasets import States
from borderline.errors import DataError, InputFileError, OutputError
from borderline.register import (
    STATUSES,
    km_by_status,
    load_case_register,
    progress,
    read_register,
    status_on,
    validate,
    write_register,
)
from tests.helpers import geod_km, make_states

# A (west) and B (east) share the meridian 10.5° E from 45.0° to 45.5° N; C touches the north end.
A_BOX, B_BOX = box(10.0, 45.0, 10.5, 45.5), box(10.5, 45.0, 11.0, 45.5)
BORDER_KM = geod_km((10.5, 45.0), (10.5, 45.5))


@pytest.fixture(scope="module")
def ab() -> States:
    return make_states([("A", A_BOX), ("B", B_BOX), ("C", box(10.0, 45.5, 11.0, 46.0))])


def test_border_line_from_each_end(ab: States) -> None:
    south = border_line(ab, "A", "B", origin="south")
    assert south.length_km == pytest.approx(BORDER_KM, rel=1e-9)
    assert south.parts[0].coords[0] == pytest.approx((10.5, 45.0))
    assert south.left_states == ("A",)  # walking north, A (west) is on the left
    north = border_line(ab, "A", "B", origin="C")  # the tripoint with C is the north end
    assert north.parts[0].coords[0] == pytest.approx((10.5, 45.5))
    assert north.left_states == ("B",)
    with pytest.raises(DataError, match="ZZZ"):
        border_line(ab, "A", "B", origin="ZZZ")


def test_substring_and_point_at(ab: States) -> None:
    bl = border_line(ab, "A", "B", origin="south")
    piece = bl.substring(10.0, 25.0)
    ys = shapely.get_coordinates(piece)[:, 1]
    assert geod_km((10.5, ys.min()), (10.5, ys.max())) == pytest.approx(15.0, abs=1e-6)
    assert geod_km((10.5, 45.0), tuple(bl.point_at(20.0).coords[0])) == pytest.approx(20.0, abs=1e-6)
    with pytest.raises(DataError, match="past the end"):
        bl.substring(10.0, BORDER_KM + 1.0)
    with pytest.raises(DataError, match="not a range"):
        bl.substring(20.0, 10.0)


def test_locate_points_chainage_distance_side(ab: States) -> None:
    bl = border_line(ab, "A", "B", origin="south")
    pts = np.array([[10.45, 45.2], [10.6, 45.3], [np.nan, np.nan]])
    out = locate(pts, bl)
    assert list(out["side"][:2]) == ["A", "B"]
    assert out.loc[0, "chainage_km"] == pytest.approx(geod_km((10.5, 45.0), (10.5, 45.2)), abs=0.01)
    assert out.loc[0, "distance_km"] == pytest.approx(geod_km((10.45, 45.2), (10.5, 45.2)), rel=2e-3)
    assert out.loc[1, "distance_km"] == pytest.approx(geod_km((10.6, 45.3), (10.5, 45.3)), rel=2e-3)
    assert out.loc[2, "line"] == -1 and np.isnan(out.loc[2, "chainage_km"])


def test_locate_picks_the_nearest_of_many_borders() -> None:
    d = shapely.Polygon([(10.0, 44.5), (11.0, 44.5), (11.0, 45.0), (10.5, 45.0), (10.0, 45.0)])  # shares A's, B's edges
    states = make_states([("A", A_BOX), ("B", B_BOX), ("D", d)])
    lines = [border_line(states, "A", "B"), border_line(states, "A", "D"), border_line(states, "B", "D")]
    out = locate(np.array([[10.2, 45.02], [10.49, 45.3], [10.9, 44.9]]), lines)
    assert list(out["pair"]) == ["A–D", "A–B", "B–D"]
    assert list(out["side"]) == ["A", "A", "D"]


def test_enclave_ring_continues_the_chainage() -> None:
    host = shapely.Polygon(box(0, 0, 1, 1).exterior.coords, [box(0.4, 0.4, 0.6, 0.6).exterior.coords])
    states = make_states([("H", shapely.MultiPolygon([host])), ("E", shapely.MultiPolygon([
        box(0.4, 0.4, 0.6, 0.6), box(1, 0, 2, 1)]))])
    bl = border_line(states, "H", "E")
    assert len(bl.parts) == 2
    assert bl.offsets_km[1] == pytest.approx(bl.lengths_km[0])  # the ring comes second and runs on
    assert bl.parts[1].is_ring
    ring_km = geod_km((0.4, 0.4), (0.6, 0.4)) + geod_km((0.6, 0.4), (0.6, 0.6)) + geod_km(
        (0.6, 0.6), (0.4, 0.6)) + geod_km((0.4, 0.6), (0.4, 0.4))
    assert bl.lengths_km[1] == pytest.approx(ring_km, rel=1e-9)
    inside = locate(np.array([[0.5, 0.45]]), bl)
    assert inside.loc[0, "side"] == "E" and inside.loc[0, "part"] == 1


# --------------------------------------------------------------------------------------------- register


def reg(segments: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"format": "borderline-register/1", "register": "ab", "state_left": "A", "state_right": "B",
            "origin": "south", "totals": [{"km": 55.0, "who": "x", "date": "2020", "source": "s1"},
                                          {"km": 60.0, "who": "y", "date": "2021", "source": "s2"}],
            "segments": segments, **extra}


SEGMENTS = [
    {"id": "s1", "status": "described", "date": "2001-05-01", "from_km": 0, "to_km": 20, "sources": ["u1"]},
    {"id": "s2", "status": "disputed", "date": "2001-05-01", "from_km": 20, "to_km": 30},
    {"id": "s2", "status": "delimited", "date": "2010-01-01", "from_km": 20, "to_km": 30},
    {"id": "s3", "status": "described", "date": "2005-01-01", "length_km": 7.5},
]


@pytest.fixture(scope="module")
def located(ab: States) -> Any:
    r = read_register(reg(SEGMENTS))
    return r.locate(border_line(ab, "A", "B", origin=r.origin))


def test_km_per_status_on_dates(located: Any) -> None:
    assert validate(located).empty
    k = km_by_status(located, "2003-01-01")
    assert k["described"] == pytest.approx(20.0, abs=1e-6)  # geodesic km of the chainage range
    assert k["disputed"] == pytest.approx(10.0, abs=1e-6)
    k = km_by_status(located, "2012-01-01")
    assert k["described"] == pytest.approx(27.5, abs=1e-6)
    assert k["delimited"] == pytest.approx(10.0, abs=1e-6)
    assert k["agreed"] == pytest.approx(37.5, abs=1e-6)
    assert len(status_on(located, "2000-01-01")) == 0
    assert set(status_on(located, "2012-01-01")["segment_id"]) == {"s1", "s2", "s3"}


def test_progress_with_totals_as_a_range(located: Any) -> None:
    p = progress(located)
    assert list(p["date"].dt.year) == [2001, 2005, 2010]
    last = p.iloc[-1]
    assert last["agreed"] == pytest.approx(37.5, abs=1e-6)
    assert last["undefined_min_km"] == pytest.approx(55.0 - 37.5, abs=1e-3)
    assert last["undefined_max_km"] == pytest.approx(60.0 - 37.5, abs=1e-3)
    assert last["undefined_share_max"] == pytest.approx(22.5 / 60.0, abs=1e-4)
    assert located.total_range_km == (55.0, 60.0)


def test_supersedes_replaces_earlier_sections(ab: States) -> None:
    segs = [*SEGMENTS, {"id": "treaty", "status": "delimited", "date": "2020-01-01", "from_km": 0, "to_km": "end",
                        "supersedes": ["s1", "s2", "s3"]}]
    r = read_register(reg(segs))
    r = r.locate(border_line(ab, "A", "B", origin=r.origin))
    assert validate(r).empty  # overlaps with superseded segments are allowed
    k = km_by_status(r, "2021-01-01")
    assert k["delimited"] == pytest.approx(BORDER_KM, rel=1e-9) and k["described"] == 0


def test_validation_finds_every_planted_problem(ab: States) -> None:
    bad = [
        {"id": "ok", "status": "described", "date": "2001-01-01", "from_km": 0, "to_km": 20},
        {"id": "over", "status": "described", "date": "2002-01-01", "from_km": 15, "to_km": 25},
        {"id": "past", "status": "described", "date": "2002-01-01", "from_km": 40, "to_km": 70},
        {"id": "weird", "status": "agreed-ish", "date": "2002-01-01", "length_km": 1},
        {"id": "future", "status": "described", "date": "2999-01-01", "length_km": 1},
        {"id": "nodate", "status": "described", "date": "sometime", "length_km": 1},
        {"id": "nolen", "status": "described", "date": "2002-01-01"},
        {"id": "badnum", "status": "described", "date": "2002-01-01", "length_km": "ten"},
        {"id": "backwards", "status": "described", "date": "2002-01-01", "from_km": 30, "to_km": 20},
        {"id": "sup", "status": "described", "date": "2002-01-01", "length_km": 1, "supersedes": ["ghost"]},
        {"status": "described", "date": "2002-01-01", "length_km": 1},
    ]
    r = read_register(reg(bad))
    r = r.locate(border_line(ab, "A", "B", origin=r.origin))
    probs = validate(r, today=dt.date(2026, 1, 1))
    by = {sid: " | ".join(g["problem"]) for sid, g in probs.groupby("segment_id")}
    assert "overlaps segment 'ok'" in by["over"] and "5.000 km" in by["over"]
    assert "past the end" in by["past"]
    assert "unknown status 'agreed-ish'" in by["weird"]
    assert "in the future" in by["future"]
    assert "'sometime' is not a date" in by["nodate"]
    assert "cannot be counted" in by["nolen"]
    assert "'ten' is not a number" in by["badnum"]
    assert "not before" in by["backwards"]
    assert "'ghost'" in by["sup"]
    assert "missing segment id" in by[""]
    assert "ok" not in by
    assert set(probs["row"]) >= {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}


def test_unlocated_km_beyond_the_longest_total_are_an_error() -> None:
    r = read_register(reg([{"id": "a", "status": "described", "date": "2001-01-01", "length_km": 50},
                           {"id": "b", "status": "described", "date": "2002-01-01", "length_km": 20}]))
    probs = validate(r)
    assert len(probs) == 1 and "70.00 km, more than the longest published total (60.00 km)" in probs.loc[0, "problem"]


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".gpkg"])
def test_round_trip(tmp_path: Path, located: Any, ab: States, suffix: str) -> None:
    out = write_register(located, tmp_path / f"r{suffix}")
    back = read_register(out)
    assert back.pair == ("A", "B")
    back = back.locate(border_line(ab, "A", "B", origin=back.origin))
    assert validate(back).empty
    pd.testing.assert_series_equal(km_by_status(back, "2012-01-01"), km_by_status(located, "2012-01-01"))
    if suffix != ".csv":  # the CSV form holds the records only
        assert back.total_range_km == (55.0, 60.0)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        read_register(tmp_path / "none.yaml")
    (tmp_path / "bad.yaml").write_text("segments: [unclosed\n")
    with pytest.raises(InputFileError, match=r"cannot read .*bad\.yaml as YAML"):
        read_register(tmp_path / "bad.yaml")
    (tmp_path / "r.csv").write_text("segment_id,status\ns1,described\n")
    with pytest.raises(DataError, match="missing column\\(s\\) date, state_left, state_right"):
        read_register(tmp_path / "r.csv")
    with pytest.raises(DataError, match="format 'other/2'"):
        read_register(reg([], format="other/2"))
    with pytest.raises(DataError, match="'state_right'"):
        read_register({"state_left": "A", "segments": []})
    with pytest.raises(InputFileError, match="unknown register format"):
        (tmp_path / "r.txt").write_text("x")
        read_register(tmp_path / "r.txt")
    with pytest.raises(OutputError, match="unknown register format"):
        write_register(read_register(reg(SEGMENTS)), tmp_path / "r.json")
    with pytest.raises(DataError, match="not a date"):
        km_by_status(read_register(reg(SEGMENTS)), "yesterday-ish")


# --------------------------------------------------------------------------------------------- the case


def test_case_register_timeline() -> None:
    r = load_case_register("kgz-tjk")
    assert validate(r, today=dt.date(2026, 11, 28)).empty
    assert r.total_range_km == (970.0, 1006.84)
    assert len(r.totals) == 12 and r.totals["source"].str.startswith("http").all()
    assert r.records["sources"].str.contains("http").all()  # every record cites its sources
    k = km_by_status(r, "2010-12-31")
    assert k["described"] == pytest.approx(519.9)
    p = progress(r).set_index("date")
    april_2022 = p.loc[pd.Timestamp("2022-04-30")]
    assert april_2022["agreed"] == pytest.approx(664.0)  # Japarov: 664 of 972 km
    # "a third of the border remains undefined" in 2022: 31.5–34.1 % against the published totals
    assert 0.30 < april_2022["undefined_share_min"] < april_2022["undefined_share_max"] < 0.35
    dec_2024 = p.loc[pd.Timestamp("2024-12-04")]
    assert dec_2024["agreed"] == pytest.approx(1006.84)  # 519.9 + 486.94
    treaty = km_by_status(r, "2025-03-19")
    assert treaty["delimited"] == pytest.approx(1006.84) and treaty["described"] == 0
    assert set(STATUSES) <= set(treaty.index)


def test_case_register_locates_the_treaty_on_natural_earth(naturalearth: States) -> None:
    r = load_case_register("kgz-tjk")
    r = r.locate(border_line(naturalearth, *r.pair, origin=r.origin))
    assert validate(r, today=dt.date(2026, 11, 28)).empty
    treaty = r.records.set_index("segment_id").loc["T-treaty-2025"]
    assert treaty["located"] and treaty.geometry is not None
    assert np.isclose(float(shapely.length(treaty.geometry)), sum(p.length for p in r.border.parts), rtol=1e-6)
