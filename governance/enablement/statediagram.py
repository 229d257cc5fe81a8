"""Server-side SVG state diagrams drawn from lifecycle declarations (pure: no Django).

Layout: states in columns by their distance (in transitions) from the first declared
state, stacked within a column in declaration order; unreachable states take a last
column. A transition between states is one arrow labelled with its transitions' titles;
arrows going forwards are straight, arrows going back (or within a column) bend. System
transitions (taken only by a service) are dashed. All text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

BOX_W, BOX_H = 132, 36
COL_GAP, ROW_GAP = 88, 34
MARGIN = 24


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    system: bool = False


def columns(states: Sequence[str], edges: Iterable[Edge]) -> dict[str, int]:
    """Each state's column: breadth-first distance from the first state."""
    out: dict[str, list[str]] = {s: [] for s in states}
    for e in edges:
        out[e.source].append(e.target)
    depth = {states[0]: 0} if states else {}
    frontier = list(depth)
    while frontier:
        following = []
        for state in frontier:
            for target in out[state]:
                if target not in depth:
                    depth[target] = depth[state] + 1
                    following.append(target)
        frontier = following
    last = max(depth.values(), default=-1) + 1
    return {s: depth.get(s, last) for s in states}


def merge_edges(transitions: Iterable[tuple[str, Iterable[str], str, bool]]) -> list[Edge]:
    """One edge per (source, target) from (title, sources, target, system) transitions."""
    merged: dict[tuple[str, str], tuple[list[str], bool]] = {}
    for title, sources, target, system in transitions:
        for source in sorted(sources):
            titles, all_system = merged.get((source, target), ([], True))
            merged[(source, target)] = ([*titles, title], all_system and system)
    return [Edge(s, t, ", ".join(titles), system) for (s, t), (titles, system) in merged.items()]


def render_svg(states: Sequence[str], edges: Sequence[Edge], *, title: str) -> str:
    col = columns(states, edges)
    rows: dict[int, int] = {}
    pos: dict[str, tuple[int, int]] = {}
    for state in states:
        c = col[state]
        r = rows.get(c, 0)
        rows[c] = r + 1
        pos[state] = (MARGIN + c * (BOX_W + COL_GAP), MARGIN + 16 + r * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + (max(col.values(), default=0) + 1) * (BOX_W + COL_GAP) - COL_GAP
    height = MARGIN * 2 + 16 + max(rows.values(), default=1) * (BOX_H + ROW_GAP) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label={quoteattr(title)} '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="currentColor"/></marker></defs>',
    ]
    for n, edge in enumerate(edges):
        parts.append(_edge(edge, pos, col, n))
    for state in states:
        x, y = pos[state]
        parts.append(
            f'<g class="state" data-state={quoteattr(state)}><rect x="{x}" y="{y}" '
            f'width="{BOX_W}" height="{BOX_H}" rx="8" fill="white" stroke="currentColor"/>'
            f'<text x="{x + BOX_W // 2}" y="{y + BOX_H // 2 + 4}" text-anchor="middle">'
            f"{escape(state.replace('_', ' '))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _edge(edge: Edge, pos: dict[str, tuple[int, int]], col: dict[str, int], n: int) -> str:
    (sx, sy), (tx, ty) = pos[edge.source], pos[edge.target]
    dash = ' stroke-dasharray="5 4"' if edge.system else ""
    label = escape(edge.label)
    if col[edge.target] > col[edge.source]:
        x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H // 2, tx, ty + BOX_H // 2
        path = f"M{x1},{y1} L{x2},{y2}"
        lx, ly = (x1 + x2) // 2, (y1 + y2) // 2 - 4
    else:  # back or sideways: bend above the boxes
        x1, y1, x2, y2 = sx + BOX_W // 2, sy, tx + BOX_W // 2, ty
        if edge.source == edge.target:
            x2 += 20
        lift = 18 + 6 * (n % 3)
        top = min(y1, y2) - lift
        path = f"M{x1},{y1} C{x1},{top} {x2},{top} {x2},{y2}"
        lx, ly = (x1 + x2) // 2, top + 2
    return (
        f'<g class="transition" data-from={quoteattr(edge.source)} data-to={quoteattr(edge.target)}>'
        f'<path d="{path}" fill="none" stroke="currentColor"{dash} marker-end="url(#arrow)"/>'
        f'<text x="{lx}" y="{ly}" text-anchor="middle" font-size="10">{label}</text></g>'
    )
