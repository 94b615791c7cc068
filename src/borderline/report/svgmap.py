"""Static SVG maps for the HTML report: no tiles, no network, pan and zoom by a few lines of inline script.

Geometry is drawn in an equirectangular display projection scaled by the cosine of the map's central
latitude, which keeps shapes right over a sector a few hundred kilometres across. The scale bar is
measured geodesically. Drawing only; no measure is taken in this module.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from borderline.geodesy import geod


@dataclass
class Layer:
    """One layer of a map: geometries with a style and a tooltip each."""

    geoms: Sequence[shapely.Geometry]
    titles: Sequence[str]
    css_class: str
    colors: Sequence[str] | None = None
    labels: Sequence[str] | None = None
    classes: Sequence[str] | None = None
    #: Draw points as numbered badges: a larger circle with its label centred on it.
    badge: bool = False


@dataclass
class SvgMap:
    """A map of ``bbox`` (lon_min, lat_min, lon_max, lat_max) drawn ``width_px`` wide."""

    bbox: tuple[float, float, float, float]
    width_px: int = 960
    layers: list[Layer] = field(default_factory=list)

    def __post_init__(self) -> None:
        lon0, lat0, lon1, lat1 = self.bbox
        self._k = float(np.cos(np.radians((lat0 + lat1) / 2)))
        self._scale = self.width_px / ((lon1 - lon0) * self._k)
        self.height_px = round((lat1 - lat0) * self._scale)

    def _xy(self, coords: np.ndarray) -> np.ndarray:
        lon0, _, _, lat1 = self.bbox
        x = (coords[:, 0] - lon0) * self._k * self._scale
        y = (lat1 - coords[:, 1]) * self._scale
        return np.column_stack([x, y])

    def _path(self, geom: shapely.Geometry) -> str:
        out: list[str] = []
        for part in shapely.get_parts(geom):
            rings = ([part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part])
            for ring in rings:
                xy = self._xy(np.asarray(ring.coords))
                if len(xy) < 2:
                    continue
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
                out.append(f"M{pts}" + ("Z" if part.geom_type == "Polygon" else ""))
        return "".join(out)

    def add(self, layer: Layer) -> None:
        """Add a layer (drawn in the order added)."""
        self.layers.append(layer)

    def render(self, map_id: str = "map") -> str:
        """Return the ``<svg>`` element with a scale bar and pan/zoom support."""
        clip = shapely.box(*self.bbox).buffer(0.05)
        parts = [f'<svg id="{map_id}" class="map" viewBox="0 0 {self.width_px} {self.height_px}" '
                 f'xmlns="http://www.w3.org/2000/svg" role="img">', '<g class="viewport">']
        for layer in self.layers:
            parts.append(f'<g class="{layer.css_class}">')
            for i, (g, title) in enumerate(zip(layer.geoms, layer.titles, strict=True)):
                if g is None or g.is_empty:
                    continue
                color = layer.colors[i] if layer.colors is not None else None
                if g.geom_type == "Point":
                    (x, y), = self._xy(np.array([[g.x, g.y]]))
                    label = html.escape(layer.labels[i]) if layer.labels is not None else ""
                    dx, r = (0, 9.5) if layer.badge else (6, 3.5)
                    text = f'<text x="{x + dx:.1f}" y="{y + 4:.1f}">{label}</text>' if label else ""
                    cls = f' class="{layer.classes[i]}"' if layer.classes is not None and layer.classes[i] else ""
                    parts.append(f'<g{cls}><title>{html.escape(title)}</title><circle cx="{x:.1f}" cy="{y:.1f}" '
                                 f'r="{r}"/>{text}</g>')
                    continue
                g = shapely.clip_by_rect(g, *clip.bounds)
                if g.is_empty:
                    continue
                style = (f' style="stroke:{color}"' if g.geom_type in ("LineString", "MultiLineString")
                         else f' style="fill:{color}"') if color else ""
                cls = f' class="{layer.classes[i]}"' if layer.classes is not None and layer.classes[i] else ""
                parts.append(f'<path d="{self._path(g)}"{style}{cls}><title>{html.escape(title)}</title></path>')
            parts.append("</g>")
        parts.append("</g>")
        parts.append(self._scale_bar())
        parts.append("</svg>")
        return "".join(parts)

    def _scale_bar(self) -> str:
        lon0, lat0, lon1, lat1 = self.bbox
        lat = lat0 + (lat1 - lat0) * 0.06
        width_km = geod().inv(lon0, lat, lon1, lat)[2] / 1000
        nice = next(v for v in (1000, 500, 200, 100, 50, 20, 10, 5, 2, 1) if v <= width_km / 4)
        lon_end, _, _ = geod().fwd(lon0, lat, 90, nice * 1000)
        px = (lon_end - lon0) * self._k * self._scale
        x0, y0 = 16, self.height_px - 18
        return (f'<g class="scalebar"><rect x="{x0 - 6}" y="{y0 - 16}" width="{px + 50:.0f}" height="26" '
                f'rx="3"/><line x1="{x0}" y1="{y0}" x2="{x0 + px:.1f}" y2="{y0}"/>'
                f'<text x="{x0 + px + 6:.1f}" y="{y0 + 4}">{nice} km</text></g>')


PAN_ZOOM_JS = """
document.querySelectorAll('svg.map').forEach(function (svg) {
  var vb = svg.viewBox.baseVal, start = null;
  var full = [vb.x, vb.y, vb.width, vb.height];
  function pt(e) { var r = svg.getBoundingClientRect();
    return [vb.x + (e.clientX - r.left) / r.width * vb.width, vb.y + (e.clientY - r.top) / r.height * vb.height]; }
  svg.addEventListener('wheel', function (e) { e.preventDefault();
    var p = pt(e), f = e.deltaY > 0 ? 1.25 : 0.8;
    vb.x = p[0] - (p[0] - vb.x) * f; vb.y = p[1] - (p[1] - vb.y) * f; vb.width *= f; vb.height *= f; });
  svg.addEventListener('pointerdown', function (e) { start = pt(e); svg.setPointerCapture(e.pointerId); });
  svg.addEventListener('pointermove', function (e) { if (!start) return; var p = pt(e);
    vb.x -= p[0] - start[0]; vb.y -= p[1] - start[1]; });
  svg.addEventListener('pointerup', function () { start = null; });
  svg.addEventListener('dblclick', function () {
    vb.x = full[0]; vb.y = full[1]; vb.width = full[2]; vb.height = full[3]; });
});
"""
