from xml.etree import ElementTree

import pytest

from metrics.charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_line_chart_is_valid_svg_with_one_point_per_value():
    svg = line_chart(
        title="SLA adherence",
        labels=["W1", "W2", "W3"],
        series=[Series("simple", [90, 80, None]), Series("complex", [50, 60, 70])],
        unit="%",
        y_max=100,
    )
    root = ElementTree.fromstring(svg)
    assert root.find(f"{SVG}title").text == "SLA adherence"
    assert len(root.findall(f".//{SVG}circle")) == 5  # the None is a gap, not a point
    assert len(root.findall(f".//{SVG}polyline")) == 2


def test_labels_and_titles_are_escaped():
    svg = line_chart(title="<script>", labels=["a&b"], series=[Series("x<y", [1])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    ElementTree.fromstring(svg)


def test_bar_chart_links_each_bar_for_drill_down():
    svg = bar_chart(
        title="Aging", labels=["simple", "complex"], values=[3, 7], links=["/a?x=1&y=2", ""]
    )
    root = ElementTree.fromstring(svg)
    anchors = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in anchors] == ["/a?x=1&y=2"]
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[1] > heights[0]


def test_empty_charts_render():
    ElementTree.fromstring(line_chart(title="t", labels=[], series=[]))
    ElementTree.fromstring(bar_chart(title="t", labels=[], values=[]))


def test_a_chart_whose_bars_are_links_is_a_group_not_an_image():
    """An image's children are presentational: links inside one are nested interactive
    controls that screen readers cannot reach (axe: nested-interactive)."""
    linked = ElementTree.fromstring(bar_chart(title="t", labels=["a"], values=[1], links=["/a"]))
    plain = ElementTree.fromstring(bar_chart(title="t", labels=["a"], values=[1]))
    assert linked.get("role") == "group" and linked.get("aria-label") == "t"
    assert plain.get("role") == "img"


def _axis_texts(svg: str) -> list:
    root = ElementTree.fromstring(svg)
    bottom = float(root.get("viewBox").split()[3]) - 10  # the x axis's labels sit here
    return [
        t
        for t in root.iter(f"{SVG}text")
        if t.get("class") == "axis" and float(t.get("y")) == bottom
    ]


def _extents(texts: list) -> list[tuple[float, float]]:
    spans = []
    for t in texts:
        x, w = float(t.get("x")), len(t.text) * 6.6
        anchor = t.get("text-anchor")
        spans.append(
            (x, x + w)
            if anchor == "start"
            else (x - w, x)
            if anchor == "end"
            else (x - w / 2, x + w / 2)
        )
    return spans


@pytest.mark.parametrize("weeks", [12, 52])
def test_week_labels_are_thinned_so_none_overlaps_and_the_last_is_not_cut(weeks):
    labels = [f"2026-W{w:02d}" for w in range(1, weeks + 1)]
    svg = line_chart(title="t", labels=labels, series=[Series("Median", list(range(weeks)))])
    texts = [t for t in _axis_texts(svg) if t.text and t.text.startswith("2026-W")]
    assert 4 <= len(texts) <= weeks
    spans = _extents(texts)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlap
    assert spans[0][0] >= 0 and spans[-1][1] <= 960  # nothing cut at the edges
    assert texts[-1].text == labels[-1] and texts[-1].get("text-anchor") == "end"
    assert texts[0].text == labels[0] and texts[0].get("text-anchor") == "start"


def test_a_single_series_has_a_legend():
    svg = line_chart(title="t", labels=["W1"], series=[Series("Median", [3])])
    legend = [
        t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "legend"
    ]
    assert legend == ["Median"]


def test_charts_scale_to_their_container():
    for svg in (
        line_chart(title="t", labels=["a"], series=[Series("s", [1])]),
        bar_chart(title="t", labels=["a"], values=[1]),
    ):
        root = ElementTree.fromstring(svg)
        assert root.get("viewBox") and root.get("width") is None and root.get("class") == "chart"


def test_bar_labels_are_thinned_too():
    labels = [f"{i}–{i + 1} d" for i in range(60)]
    svg = bar_chart(title="t", labels=labels, values=[1] * 60)
    assert 4 <= len(_axis_texts(svg)) < 60
