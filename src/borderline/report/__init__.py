"""The self-contained HTML report: ``borderline report``.

The report is one HTML file with inline CSS, SVG maps and a few lines of script; it opens offline. Beside
it the builder writes the tables behind it (GeoJSON, CSV) for download. Each section is a function from a
:class:`ReportContext` to a :class:`Section`; later capabilities add their sections to :data:`SECTIONS`.
The report computes nothing itself: it calls the library and draws the results.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from borderline.borders import borders, tripoints
from borderline.cases import Case, case_road_ids, load_case, load_case_roads
from borderline.datasets import States, load_states
from borderline.enclaves import enclaves
from borderline.errors import BorderlineWarning
from borderline.io import atomic_path, write_frame
from borderline.report.page import render_page
from borderline.report.sections import SECTIONS, Section
from borderline.roads import RoadGraph

Step = Callable[[str], None]


@dataclass
class ReportContext:
    """Everything a section may draw on: the case, the states layer and the computed borders."""

    case: Case
    states: States
    borders: gpd.GeoDataFrame
    tripoints: gpd.GeoDataFrame
    enclaves: gpd.GeoDataFrame
    roads: RoadGraph | None
    out_dir: Path
    warnings: list[str] = field(default_factory=list)


def build_report(
    case_id: str = "kgz-tjk",
    out_dir: str | os.PathLike[str] = "borderline-report",
    *,
    source: str | None = None,
    source_path: str | os.PathLike[str] | None = None,
    step: Step | None = None,
) -> Path:
    """Build the HTML report for a built-in case.

    Parameters
    ----------
    case_id : str
        Built-in case id (``kgz-tjk``).
    out_dir : path-like
        Folder to write; replaced whole, or left untouched if anything fails.
    source : str, optional
        Dataset id or file for the states layer; the case's default (``naturalearth-10m``) if omitted.
    source_path : path-like, optional
        Local copy of a catalogued dataset (for ``osm-land-10m``).
    step : callable, optional
        Called with the name of each stage.

    Returns
    -------
    Path
        The report's ``index.html``.
    """
    say = step or (lambda _: None)
    case = load_case(case_id)
    say(f"loading {source or case.default_source}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BorderlineWarning)
        states = load_states(source or case.default_source, path=source_path)
        for code in case.states:
            states.resolve(code)
        say("extracting borders")
        table = borders(states)
        points = tripoints(states)
        say("classifying enclaves")
        parts = enclaves(states)
        roads = load_case_roads(case.case_id, states) if case.case_id in case_road_ids() else None
    notes = [str(w.message) for w in caught if issubclass(w.category, BorderlineWarning)]
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        from borderline.errors import OutputError

        raise OutputError(f"cannot write the report to {out}: it is a file, not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        tmp.mkdir()
        ctx = ReportContext(case, states, table, points, parts, roads, tmp, notes)
        sections: list[Section] = []
        from borderline.shortest_paths import COMPILING_NOTE, compiled

        note = "" if compiled() else f" ({COMPILING_NOTE})"
        for make in SECTIONS:
            say(f"drawing section: {make.__name__.removeprefix('section_').replace('_', ' ')}{note}")
            sections.append(make(ctx))
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        page = render_page(case, sections, states.provenance, generated, notes)
        (tmp / "index.html").write_text(page, encoding="utf-8")
        _write_downloads(ctx)
    return out / "index.html"


def _write_downloads(ctx: ReportContext) -> None:
    mine = ctx.borders[ctx.borders["state_a"].isin(ctx.case.states) | ctx.borders["state_b"].isin(ctx.case.states)]
    write_frame(mine, ctx.out_dir / "borders.geojson")
    write_frame(mine, ctx.out_dir / "borders.csv")


__all__ = ["ReportContext", "Section", "build_report", "html"]
