"""A layered layout of the integration map, computed without Django (pure, testable).

Columns are the stack layers in data-flow order; within a column, nodes are ordered by the
barycentre of their neighbours in the previous columns (one sweep of the Sugiyama
heuristic), which keeps most edges short without any JavaScript graph library.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COLUMN_WIDTH = 210
ROW_HEIGHT = 46
NODE_WIDTH = 160
NODE_HEIGHT = 30
MARGIN = 24
HEADER = 40


@dataclass(frozen=True)
class Placed:
    key: int
    x: int
    y: int


def layered_layout(
    nodes: Iterable[tuple[int, int]], edges: Iterable[tuple[int, int]], columns: int
) -> tuple[dict[int, Placed], int, int]:
    """Place `nodes` ((key, column)) in `columns` columns; return positions and the
    drawing's width and height. Work is O(nodes + edges) plus a sort per column."""
    by_column: dict[int, list[int]] = defaultdict(list)
    column_of: dict[int, int] = {}
    for key, column in nodes:
        by_column[column].append(key)
        column_of[key] = column
    neighbours: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        if a in column_of and b in column_of:
            neighbours[a].append(b)
            neighbours[b].append(a)
    row_of: dict[int, float] = {}
    for column in range(columns):
        keys = sorted(by_column.get(column, []))

        def barycentre(key: int) -> float:
            placed = [row_of[n] for n in neighbours[key] if n in row_of]
            return sum(placed) / len(placed) if placed else float("inf")

        ordered = sorted(keys, key=lambda k: (barycentre(k), k))
        for row, key in enumerate(ordered):
            row_of[key] = row
    placed = {
        key: Placed(
            key,
            MARGIN + column_of[key] * COLUMN_WIDTH,
            HEADER + MARGIN + int(row_of[key]) * ROW_HEIGHT,
        )
        for key in column_of
    }
    tallest = max((len(v) for v in by_column.values()), default=0)
    width = MARGIN * 2 + max(columns, 1) * COLUMN_WIDTH
    height = HEADER + MARGIN * 2 + max(tallest, 1) * ROW_HEIGHT
    return placed, width, height


def edge_path(a: Placed, b: Placed) -> str:
    """An SVG cubic path from the right side of `a` to the left side of `b` (or between
    the facing sides when both sit in one column)."""
    if a.x == b.x:
        x1, x2 = a.x + NODE_WIDTH, b.x + NODE_WIDTH
        y1, y2 = a.y + NODE_HEIGHT // 2, b.y + NODE_HEIGHT // 2
        bend = x1 + 40
        return f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
    if a.x > b.x:
        a, b = b, a
    x1, y1 = a.x + NODE_WIDTH, a.y + NODE_HEIGHT // 2
    x2, y2 = b.x, b.y + NODE_HEIGHT // 2
    mid = (x1 + x2) // 2
    return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"


def column_labels(labels: Sequence[str]) -> list[tuple[int, str]]:
    """(x, label) of each column header."""
    return [(MARGIN + i * COLUMN_WIDTH, label) for i, label in enumerate(labels)]


def render_svg(
    *,
    width: int,
    height: int,
    columns: Sequence[tuple[int, str]],
    nodes: Iterable[tuple[str, int, int, str, str]],
    edges: Iterable[tuple[int, str, str, str, str]],
) -> str:
    """The map as one SVG string. Built here rather than in a template loop because a map
    of 10,000 flows must draw in well under a second; every text that can hold user input
    (titles, names) and every node class goes through `html.escape(quote=True)`, so user
    text stays data. An edge's url, path and class are made by the selector from ids,
    numbers and fixed class names, and are written as they are (one escape per edge, not
    four: a third of the drawing's time at 10,000 flows).

    nodes: (url, x, y, css, name); edges: (flow id, url, path, css, title).
    """
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Integration map: tools by stack layer and the flows between them">'
    ]
    out.extend(f'<text class="col" x="{x}" y="30">{esc(label)}</text>' for x, label in columns)
    out.extend(
        f'<a href="{url}" data-flow="{pk}"><title>{esc(title)}</title>'
        f'<path class="edge {css}" d="{path}"/></a>'
        for pk, url, path, css, title in edges
    )
    out.extend(
        f'<a href="{esc(url)}" class="node {esc(css)}"><rect x="{x}" y="{y}" '
        f'width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="5"/>'
        f'<text x="{x + 8}" y="{y + 19}">{esc(_short(name))}</text></a>'
        for url, x, y, css, name in nodes
    )
    out.append("</svg>")
    return "\n".join(out)


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
