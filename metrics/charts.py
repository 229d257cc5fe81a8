"""Server-rendered SVG charts: no JavaScript, no CDN, accessible (title + table fallback).

Pure functions from numbers to SVG markup. Every value is escaped; coordinates are
computed here so the templates only place the result.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2457c5", "#17794a", "#a15c00", "#b3261e", "#6b4bb8", "#0f7c8c")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


CHAR_WIDTH = 6.6  # px per character of an 11 px axis label, a safe overestimate


def label_positions(labels: Sequence[str], plot_width: float) -> list[int]:
    """Indexes of the axis labels to print so that none overlaps the next: every step-th
    label, always the first and the last. The first and last hang inward (see
    `_axis_label`), so their neighbours keep one and a half label widths away."""
    n = len(labels)
    if n == 0:
        return []
    if n == 1:
        return [0]
    widest = max(len(label) for label in labels) * CHAR_WIDTH + 10
    unit = plot_width / (n - 1)  # distance between neighbouring points
    step = max(1, math.ceil(widest / unit))
    shown = list(range(0, n, step))
    if len(shown) > 1 and (shown[1] - shown[0]) * unit < 1.5 * widest:
        shown.pop(1)
    if shown[-1] != n - 1:
        shown.append(n - 1)
    while len(shown) > 2 and (shown[-1] - shown[-2]) * unit < 1.5 * widest:
        shown.pop(-2)
    return shown


def _axis_label(x: float, y: float, label: str, *, first: bool, last: bool) -> str:
    # The first and last labels hang inward so neither is cut at the chart's edge.
    anchor = "start" if first and not last else "end" if last and not first else "middle"
    return f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" class="axis">{escape(label)}</text>'


def _legend(series_names: Sequence[str], left: float) -> list[str]:
    parts = []
    x = left
    for index, name in enumerate(series_names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.0f}" y="2" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="11" class="legend">{escape(name)}</text>'
        )
        x += 24 + len(name) * CHAR_WIDTH
    return parts


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 2.5, 5, 10):
        magnitude = 10 ** (len(str(int(value))) - 1)
        candidate = step * magnitude
        if candidate >= value:
            return float(candidate)
    return float(value)


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    y_max: float | None = None,
    width: int = 960,
    height: int = 260,
) -> str:
    """A line chart with one polyline per series; gaps (None) break the line. Every
    series is named in a legend (a lone point is otherwise a dot nobody can read)."""
    left, right, top, bottom = 48, 16, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    top_value = y_max if y_max is not None else _nice_max(max(values, default=0.0))
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - (plot_h * min(v, top_value) / top_value if top_value else 0)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        gy = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" class="axis">'
            f"{escape(_fmt(top_value * fraction))}{escape(unit)}</text>"
        )
    shown = label_positions(labels, plot_w)
    for i in shown:
        parts.append(
            _axis_label(x(i), height - 10, labels[i], first=i == 0 and n > 1, last=i == n - 1)
        )
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(s.name)} {escape(labels[i] if i < len(labels) else '')}: "
                f"{escape(_fmt(v))}{escape(unit)}</title></circle>"
            )
        if segment:
            segments.append(segment)
        for points in segments:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
    parts.extend(_legend([s.name for s in series], left))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str = "",
    links: Sequence[str] | None = None,
    width: int = 960,
    height: int = 260,
) -> str:
    """Vertical bars; with `links`, each bar is a link (drill-down)."""
    left, right, top, bottom = 48, 16, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(values, default=0.0))
    n = max(len(values), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1)
    # An image's content is presentational, so bars that are links make it a group (axe:
    # nested-interactive); the title still names it.
    role = "group" if links and any(links) else "img"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">'
        f"{escape(_fmt(top_value))}{escape(unit)}</text>",
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" class="grid"/>',
    ]
    shown = set(label_positions(labels, plot_w))
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        h = plot_h * (value / top_value) if top_value else 0
        bx = left + slot * i + (slot - bar_w) / 2
        bar = (
            f'<rect x="{bx:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(_fmt(value))}{escape(unit)}</title></rect>'
        )
        if links and i < len(links) and links[i]:
            bar = f'<a href="{escape(links[i])}">{bar}</a>'
        parts.append(bar)
        if i in shown:
            wide = len(label) * CHAR_WIDTH > slot  # wider than its bar: hang it inward
            first, last = wide and i == 0 and n > 1, wide and i == n - 1 and n > 1
            parts.append(_axis_label(bx + bar_w / 2, height - 10, label, first=first, last=last))
    parts.append("</svg>")
    return "".join(parts)
