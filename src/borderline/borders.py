"""Pairwise land borders between states, their lengths and tripoints.

:func:`borders` extracts every border of a layer at once from shared-arc topology; :func:`border_between`
gives one pair; :func:`tripoints` gives the points where three or more states meet. In ``tolerance`` mode
neighbours whose boundaries do not coincide are matched within a distance and the gap and overlap areas
between them are reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.datasets import Provenance, States, resolve_state
from borderline.errors import BorderlineWarning, DataError, NoSharedBorderError
from borderline.geodesy import areas_km2, distance_km
from borderline.settings import get_settings
from borderline.topology import bbox_overlap, merge_arcs, shared_arcs, tolerance_pairs

Mode = Literal["exact", "tolerance"]

BORDER_COLUMNS = ["pair", "state_a", "state_b", "name_a", "name_b", "length_km", "n_parts", "n_tripoints",
                  "parts_a", "parts_b", "method", "gap_area_km2", "overlap_area_km2", "source", "geometry"]


def borders(
    states: States | gpd.GeoDataFrame,
    *,
    mode: Mode = "exact",
    tolerance_m: float | None = None,
    grid_deg: float | None = None,
    step: Callable[[str], None] | None = None,
) -> gpd.GeoDataFrame:
    """Every land border between two states of a layer.

    Parameters
    ----------
    states : States or GeoDataFrame
        States with ``state_id``, ``name`` and polygon ``geometry`` in EPSG:4326.
    mode : {"exact", "tolerance"}
        ``exact`` matches identical boundary edges (sources whose neighbours share vertices, as Natural
        Earth and OSM do). ``tolerance`` matches boundaries lying within ``tolerance_m`` of each other and
        reports the gap and overlap areas between them.
    tolerance_m : float, optional
        Matching distance for tolerance mode, metres (default from settings: 100 m).
    grid_deg : float, optional
        Vertex identity grid for exact mode, degrees (default 1e-7, about 1 cm).
    step : callable, optional
        Called with the name of each stage.

    Returns
    -------
    GeoDataFrame
        One row per pair, sorted by pair: ``pair`` ("A–B"), ``state_a``, ``state_b``, ``name_a``,
        ``name_b``, ``length_km`` (geodesic, WGS84), ``n_parts`` (separate stretches), ``n_tripoints``,
        ``parts_a``/``parts_b`` (polygon parts of each state the border touches), ``method``,
        ``gap_area_km2`` and ``overlap_area_km2`` (tolerance mode; 0 in exact mode), ``source``, and the
        merged line ``geometry``. ``attrs["provenance"]`` holds the layer's provenance.
    """
    frame, prov = _frame_and_provenance(states)
    settings = get_settings()
    geoms = np.asarray(frame.geometry.values)
    ids = frame["state_id"].astype(str).to_numpy()
    names = frame["name"].astype(str).to_numpy() if "name" in frame else ids
    if mode == "exact":
        layout = states.layout if isinstance(states, States) else None
        arcs, tri = shared_arcs(geoms, grid_deg=grid_deg or settings.grid_deg, ellipsoid=settings.ellipsoid,
                                step=step or _noop, layout=layout)
        if arcs.n_edges_ambiguous:
            warnings.warn(f"{arcs.n_edges_ambiguous} boundary edges are drawn by three or more states "
                          "(overlapping polygons); each counts for every pair of those states", BorderlineWarning,
                          stacklevel=2)
        pairs = merge_arcs(arcs, len(geoms))
        pairs["gap_area_km2"] = 0.0
        pairs["overlap_area_km2"] = 0.0
        pairs["method"] = "exact"
        tri_states = tri.states
    elif mode == "tolerance":
        tol = settings.tolerance_m if tolerance_m is None else tolerance_m
        pairs = tolerance_pairs(geoms, tolerance_m=tol, ellipsoid=settings.ellipsoid, step=step or _noop)
        pairs["method"] = f"tolerance {tol:g} m"
        tri_states = _tolerance_tripoints(pairs)
    else:
        raise DataError(f"unknown mode {mode!r}; use exact or tolerance")

    tri_count: dict[tuple[int, int], int] = {}
    for sts in tri_states:
        for i in sts:
            for j in sts:
                if i < j:
                    tri_count[(i, j)] = tri_count.get((i, j), 0) + 1
    a = pairs["a"].to_numpy(dtype=np.int64)
    b = pairs["b"].to_numpy(dtype=np.int64)
    # present each pair in code order
    swap = ids[a] > ids[b]
    a2, b2 = np.where(swap, b, a), np.where(swap, a, b)
    out = pd.DataFrame({
        "pair": [f"{x}–{y}" for x, y in zip(ids[a2], ids[b2], strict=True)],
        "state_a": ids[a2], "state_b": ids[b2], "name_a": names[a2], "name_b": names[b2],
        "length_km": pairs["length_m"].to_numpy() / 1000.0,
        "n_parts": pairs["n_parts"].to_numpy(dtype=np.int64),
        "n_tripoints": [tri_count.get((int(x), int(y)), 0) for x, y in zip(a, b, strict=True)],
        "parts_a": np.where(swap, pairs["parts_b"], pairs["parts_a"]),
        "parts_b": np.where(swap, pairs["parts_a"], pairs["parts_b"]),
        "method": pairs["method"].to_numpy(),
        "gap_area_km2": pairs["gap_area_km2"].to_numpy(dtype=float),
        "overlap_area_km2": pairs["overlap_area_km2"].to_numpy(dtype=float),
        "source": prov.label(),
    })
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(pairs["geometry"].to_numpy(), crs=4326).values,
                           crs=4326)
    gdf = gdf.sort_values("pair", kind="stable").reset_index(drop=True)
    gdf.attrs["provenance"] = prov.as_dict()
    return gdf


def tripoints(states: States | gpd.GeoDataFrame, *, grid_deg: float | None = None) -> gpd.GeoDataFrame:
    """Points where the borders of three or more states meet.

    Parameters
    ----------
    states : States or GeoDataFrame
        As for :func:`borders`.
    grid_deg : float, optional
        Vertex identity grid, degrees.

    Returns
    -------
    GeoDataFrame
        ``states`` (codes joined by "–", sorted), ``n_states`` and Point ``geometry``.
    """
    frame, prov = _frame_and_provenance(states)
    settings = get_settings()
    ids = frame["state_id"].astype(str).to_numpy()
    _, tri = shared_arcs(np.asarray(frame.geometry.values), grid_deg=grid_deg or settings.grid_deg,
                         ellipsoid=settings.ellipsoid, layout=states.layout if isinstance(states, States) else None)
    labels = ["–".join(sorted(ids[list(s)])) for s in tri.states]
    gdf = gpd.GeoDataFrame({"states": labels, "n_states": [len(s) for s in tri.states],
                            "source": prov.label()},
                           geometry=gpd.points_from_xy(tri.lon, tri.lat), crs=4326)
    gdf = gdf.sort_values("states", kind="stable").reset_index(drop=True)
    gdf.attrs["provenance"] = prov.as_dict()
    return gdf


def border_between(
    states: States | gpd.GeoDataFrame,
    a: str,
    b: str,
    *,
    mode: Mode = "exact",
    tolerance_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The border between two states, as a one-row frame like :func:`borders` gives.

    Parameters
    ----------
    states : States or GeoDataFrame
        The layer.
    a, b : str
        State codes or names (case-insensitive), e.g. ``"KGZ"``, ``"Tajikistan"``.
    mode, tolerance_m
        As for :func:`borders`.

    Returns
    -------
    GeoDataFrame
        One row.

    Raises
    ------
    UnknownStateError
        If a code is not in the layer (the closest codes are suggested).
    NoSharedBorderError
        If the two states share no border; the message gives the shortest distance between them, and says
        whether tolerance mode would match them.
    """
    frame, prov = _frame_and_provenance(states)
    sa, sb = resolve_state(frame, a), resolve_state(frame, b)
    if sa == sb:
        raise NoSharedBorderError(f"{sa} and {sb} are the same state; name two different states")
    sub = frame[frame["state_id"].isin([sa, sb])].reset_index(drop=True)
    sub_states = States(sub, prov)
    result = borders(sub_states, mode=mode, tolerance_m=tolerance_m)
    ga = sub.loc[sub["state_id"] == sa].geometry.iloc[0]
    gb = sub.loc[sub["state_id"] == sb].geometry.iloc[0]
    if len(result) and result["length_km"].iloc[0] > 0:
        # tripoints need the neighbours too: count them on the states touching either of the pair
        if mode == "exact":
            _warn_if_overlapping(ga, gb, sa, sb)
            near = _neighbourhood(frame, sa, sb)
            full = borders(States(near, prov), mode="exact")
            row = full[full["pair"] == result["pair"].iloc[0]]
            if len(row):
                return row.reset_index(drop=True)
        return result
    dist = distance_km(ga, gb)
    if dist == 0.0:
        raise NoSharedBorderError(
            f"{sa} and {sb} touch or overlap but share no identical boundary edges (the sources' lines do "
            "not coincide); rerun in tolerance mode (--tolerance 100) to match them and measure the gaps")
    # below 1 km one decimal would print a 50 m gap as "0.1 km" or "0.0 km"
    shown = f"{dist:,.1f} km" if dist >= 1 else f"{dist:.3f} km"
    tol = get_settings().tolerance_m
    hint = (f"; they lie within {tol:g} m of each other: rerun in tolerance mode (--tolerance {tol:g}) to "
            "match them and measure the gap") if mode == "exact" and dist * 1000 <= tol else ""
    raise NoSharedBorderError(f"{sa} and {sb} share no border: the shortest distance between them is "
                              f"{shown}{hint}")


def _warn_if_overlapping(ga: shapely.Geometry, gb: shapely.Geometry, sa: str, sb: str,
                         min_area_km2: float = 0.01) -> None:
    """Warn when two states overlap by more than ``min_area_km2``: exact mode then measures only shared edges."""
    box = bbox_overlap(ga.bounds, gb.bounds)
    if box is None:
        return
    try:
        ca, cb = shapely.clip_by_rect(ga, *box), shapely.clip_by_rect(gb, *box)
        both = shapely.intersection(shapely.make_valid(ca), shapely.make_valid(cb))
    except shapely.errors.GEOSException:
        return
    polys = [p for p in shapely.get_parts(both) if p.geom_type == "Polygon"]
    area = float(areas_km2([shapely.MultiPolygon(polys)])[0]) if polys else 0.0
    if area > min_area_km2:
        warnings.warn(f"{sa} and {sb} overlap by {area:,.2f} km² (as where one state's polygon has no hole for the "
                      "other's enclave): exact mode measures only the edges they share; rerun in tolerance mode "
                      "(--tolerance 100) to measure the overlap", BorderlineWarning, stacklevel=3)


def _neighbourhood(frame: gpd.GeoDataFrame, sa: str, sb: str) -> gpd.GeoDataFrame:
    """The pair plus every state whose bounding box touches either of them."""
    geoms = np.asarray(frame.geometry.values)
    pair = frame["state_id"].isin([sa, sb]).to_numpy()
    tree = shapely.STRtree(geoms)
    hits = tree.query(shapely.box(*shapely.total_bounds(geoms[pair])))
    keep = np.zeros(len(frame), dtype=bool)
    keep[hits] = True
    keep |= pair
    return frame[keep].reset_index(drop=True)


def _tolerance_tripoints(pairs: pd.DataFrame) -> list[tuple[int, ...]]:
    """Triples of states that are pairwise neighbours (tolerance mode)."""
    nbrs: dict[int, set[int]] = {}
    for a, b in zip(pairs["a"].astype(int), pairs["b"].astype(int), strict=True):
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    out = set()
    for a, b in zip(pairs["a"].astype(int), pairs["b"].astype(int), strict=True):
        for c in nbrs[a] & nbrs[b]:
            out.add(tuple(sorted((a, b, c))))
    return sorted(out)


def _frame_and_provenance(states: States | gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Provenance]:
    if isinstance(states, States):
        return states.frame, states.provenance
    frame = states
    if "state_id" not in frame.columns:
        raise DataError("the frame has no state_id column; load it with borderline.load_states, which "
                        "finds or names the id column")
    prov_d = frame.attrs.get("provenance")
    prov = Provenance(**{**prov_d, "notes": tuple(prov_d.get("notes", ()))}) if prov_d else Provenance(
        "frame", "unknown", "unknown", "in-memory GeoDataFrame", "")
    if "name" not in frame.columns:
        frame = frame.assign(name=frame["state_id"])
    if frame.crs is not None and not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        # every measure is geodesic on lon/lat: metres read as degrees would give NaN lengths
        warnings.warn(f"the frame is in {frame.crs.to_string()}; reprojected to EPSG:4326 so that lengths are "
                      "measured geodesically", BorderlineWarning, stacklevel=3)
        frame = frame.to_crs(4326)
    return frame, prov


def _noop(_: str) -> None:
    return None
