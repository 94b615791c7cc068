"""Static SVG charts for the HTML report: time series drawn as inline SVG, no script, no network.

Drawing only; every number comes in from the library.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class TimeChart:
    """A chart with dates along x and one quantity along y.

    Add steps (cumulative series), bands (a y range, e.g. conflicting totals), points (published figures)
    and bars (events), then :meth:`render`.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    y_max: float
    y_label: str
    width_px: int = 900
    height_px: int = 340
    parts: list[str] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)

    _left: int = 64
    _right: int = 20
    _top: int = 16
    _bottom: int = 40

    def x(self, when: pd.Timestamp | Sequence[pd.Timestamp]) -> np.ndarray:
        """Pixel x of dates."""
        t = pd.to_datetime(pd.Series(np.atleast_1d(np.asarray(when, dtype="datetime64[ns]"))))
        span = (self.end - self.start).total_seconds()
        f = (t - self.start).dt.total_seconds().to_numpy() / span
        return self._left + f * (self.width_px - self._left - self._right)

    def y(self, value: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Pixel y of values."""
        v = np.atleast_1d(np.asarray(value, dtype=float))
        return self.height_px - self._bottom - v / self.y_max * (self.height_px - self._top - self._bottom)

    def band(self, lo: float, hi: float, title: str, css: str = "band") -> None:
        """A horizontal band from ``lo`` to ``hi`` across the whole chart."""
        y0, y1 = float(self.y(hi)[0]), float(self.y(lo)[0])
        width = self.width_px - self._left - self._right
        self.parts.append(f'<rect class="{css}" x="{self._left}" y="{y0:.1f}" width="{width}" '
                          f'height="{max(y1 - y0, 1.5):.1f}"><title>{html.escape(title)}</title></rect>')

    def step(self, dates: Sequence[pd.Timestamp], values: Sequence[float], title: str, css: str,
             until: pd.Timestamp | None = None) -> None:
        """A step line: each value holds from its date to the next (the last until ``until`` or the end)."""
        xs = self.x(list(dates))
        ys = self.y(list(values))
        x_end = float(self.x(until if until is not None else self.end)[0])
        pts = []
        for i in range(len(xs)):
            if i:
                pts.append(f"{xs[i]:.1f},{ys[i - 1]:.1f}")
            pts.append(f"{xs[i]:.1f},{ys[i]:.1f}")
        if len(xs):
            pts.append(f"{x_end:.1f},{ys[-1]:.1f}")
        self.parts.append(f'<polyline class="{css}" points="{" ".join(pts)}"><title>{html.escape(title)}</title>'
                          "</polyline>")

    def gap(self, dates: Sequence[pd.Timestamp], values: Sequence[float], top: float, title: str, css: str) -> None:
        """Shade between a step series and a level above it (e.g. what is still undefined)."""
        xs = [*self.x(list(dates)), float(self.x(self.end)[0])]
        ys = self.y(list(values))
        y_top = float(self.y(top)[0])
        pts = [f"{xs[0]:.1f},{y_top:.1f}"]
        for i in range(len(ys)):
            pts += [f"{xs[i]:.1f},{ys[i]:.1f}", f"{xs[i + 1]:.1f},{ys[i]:.1f}"]
        pts.append(f"{xs[-1]:.1f},{y_top:.1f}")
        self.parts.append(f'<polygon class="{css}" points="{" ".join(pts)}"><title>{html.escape(title)}</title>'
                          "</polygon>")

    def points(self, dates: Sequence[pd.Timestamp], values: Sequence[float], titles: Sequence[str], css: str,
               labels: Sequence[str] | None = None) -> None:
        """Markers with a tooltip each (and an optional short label)."""
        for i, (px, py, t) in enumerate(zip(self.x(list(dates)), self.y(list(values)), titles, strict=True)):
            lab = (f'<text x="{px + 7:.1f}" y="{py - 6:.1f}">{html.escape(labels[i])}</text>'
                   if labels is not None and labels[i] else "")
            self.parts.append(f'<g class="{css}"><circle cx="{px:.1f}" cy="{py:.1f}" r="5"/>{lab}'
                              f"<title>{html.escape(t)}</title></g>")

    def bars(self, dates: Sequence[pd.Timestamp], values: Sequence[float], titles: Sequence[str], css: str,
             width_px: float = 9.0) -> None:
        """Vertical bars from zero (events such as casualties on a date)."""
        base = float(self.y(0.0)[0])
        for px, py, t in zip(self.x(list(dates)), self.y(list(values)), titles, strict=True):
            self.parts.append(f'<rect class="{css}" x="{px - width_px / 2:.1f}" y="{py:.1f}" width="{width_px}" '
                              f'height="{max(base - py, 1.0):.1f}"><title>{html.escape(t)}</title></rect>')

    def marker(self, when: pd.Timestamp, label: str, css: str = "marker", *, left: bool = False,
               line: int = 0) -> None:
        """A vertical line at a date, labelled near the top (to its left with ``left``; ``line`` rows down)."""
        px = float(self.x(when)[0])
        tx, anchor = (px - 4, "end") if left else (px + 4, "start")
        self.parts.append(f'<g class="{css}"><line x1="{px:.1f}" x2="{px:.1f}" y1="{self._top}" '
                          f'y2="{self.height_px - self._bottom}"/><text x="{tx:.1f}" y="{self._top + 12 + 15 * line}" '
                          f'text-anchor="{anchor}">{html.escape(label)}</text></g>')

    def render(self, chart_id: str) -> str:
        """The ``<svg>`` element: axes, year ticks, y ticks and every part added."""
        w, h, left, bottom = self.width_px, self.height_px, self._left, self._bottom
        axis = [f'<line class="axis" x1="{left}" y1="{h - bottom}" x2="{w - self._right}" y2="{h - bottom}"/>',
                f'<line class="axis" x1="{left}" y1="{self._top}" x2="{left}" y2="{h - bottom}"/>']
        years = range(self.start.year + (self.start.month > 1), self.end.year + 1)
        step = max(1, len(years) // 12)
        for yr in years:
            if (yr - years.start) % step:
                continue
            px = float(self.x(pd.Timestamp(year=yr, month=1, day=1))[0])
            axis.append(f'<line class="tick" x1="{px:.1f}" y1="{h - bottom}" x2="{px:.1f}" y2="{h - bottom + 5}"/>'
                        f'<text class="xt" x="{px:.1f}" y="{h - bottom + 18}">{yr}</text>')
        for v in _nice_ticks(self.y_max):
            py = float(self.y(v)[0])
            axis.append(f'<line class="grid" x1="{left}" y1="{py:.1f}" x2="{w - self._right}" y2="{py:.1f}"/>'
                        f'<text class="yt" x="{left - 6}" y="{py + 4:.1f}">{v:,.0f}</text>')
        axis.append(f'<text class="ylab" x="14" y="{(h - bottom + self._top) / 2:.0f}" '
                    f'transform="rotate(-90 14 {(h - bottom + self._top) / 2:.0f})">{html.escape(self.y_label)}</text>')
        return (f'<svg id="{chart_id}" class="chart" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" '
                f'role="img">{"".join(axis)}{"".join(self.parts)}</svg>')


def _nice_ticks(y_max: float) -> list[float]:
    raw = y_max / 5
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [float(v) for v in np.arange(0, y_max + 1e-9, step)]


CHART_CSS = """
svg.chart { width:100%; height:auto; display:block; background:#fff; }
svg.chart .axis { stroke:#333; stroke-width:1; } svg.chart .tick { stroke:#333; }
svg.chart .grid { stroke:#e6e6e6; stroke-width:1; }
svg.chart text { font-size:12px; fill:#333; } svg.chart .xt { text-anchor:middle; } svg.chart .yt { text-anchor:end; }
svg.chart .ylab { text-anchor:middle; font-size:12.5px; fill:#555; }
svg.chart .band { fill:#9e9e9e; fill-opacity:0.25; }
svg.chart .agreed { fill:none; stroke:#1b7837; stroke-width:3; }
svg.chart .delimited { fill:none; stroke:#2166ac; stroke-width:3; }
svg.chart .figure circle { fill:#fff; stroke:#b35806; stroke-width:2; }
svg.chart .figure text { font-size:11px; fill:#b35806; }
svg.chart .marker line { stroke:#7a1f5c; stroke-dasharray:3 3; }
svg.chart .marker text { font-size:11px; fill:#7a1f5c; }
svg.chart .deaths { fill:#b2182b; } svg.chart .deaths-tj { fill:#2166ac; }
svg.chart .undefined { fill:#d6604d; fill-opacity:0.18; }
"""
