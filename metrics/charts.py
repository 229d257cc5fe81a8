"""Server-rendered SVG charts: no JavaScript, no CDN, accessible (title + table fallback).

Pure functions from numbers to SVG markup. Every value is escaped; coordinates are
computed here so the templates only place the result.
"""

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
    width: int = 640,
    height: int = 220,
) -> str:
    """A line chart with one polyline per series; gaps (None) break the line."""
    left, right, top, bottom = 44, 12, 16, 34
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
    step = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" class="axis">'
                f"{escape(label)}</text>"
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
    if len(series) > 1:
        for index, s in enumerate(series):
            lx = left + index * 130
            parts.append(
                f'<rect x="{lx}" y="2" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>'
                f'<text x="{lx + 14}" y="11" class="legend">{escape(s.name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str = "",
    links: Sequence[str] | None = None,
    width: int = 640,
    height: int = 220,
) -> str:
    """Vertical bars; with `links`, each bar is a link (drill-down)."""
    left, right, top, bottom = 44, 12, 16, 34
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
        parts.append(
            f'<text x="{bx + bar_w / 2:.1f}" y="{height - 12}" text-anchor="middle" class="axis">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
