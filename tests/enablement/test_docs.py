"""Live docs: process maps drawn from the lifecycle declarations themselves (every declared
state and transition appears, system ones dashed, text escaped), readable by every role."""

import re

import pytest

from catalog.models import Service
from governance.enablement.docs import process_maps
from governance.enablement.statediagram import Edge, columns, merge_edges, render_svg


def test_columns_follow_distance_from_the_first_state():
    edges = [Edge("a", "b", "go"), Edge("b", "c", "go"), Edge("c", "a", "back")]
    assert columns(["a", "b", "c", "lonely"], edges) == {"a": 0, "b": 1, "c": 2, "lonely": 3}


def test_parallel_transitions_share_one_labelled_arrow():
    edges = merge_edges([("Cancel", {"a", "b"}, "x", False), ("Abort", {"a"}, "x", True)])
    assert Edge("a", "x", "Cancel, Abort", False) in edges and len(edges) == 2


def test_svg_escapes_text():
    svg = render_svg(["a<b", "c"], [Edge("a<b", "c", "x & y")], title='"t"')
    assert "a&lt;b" in svg and "x &amp; y" in svg and "<b" not in svg.replace("<svg", "")


@pytest.mark.django_db
def test_every_declared_lifecycle_is_drawn_in_full():
    maps = {m.key: m for m in process_maps()}
    assert {"catalog.service", "intake.request"} <= set(maps)
    request_map = maps["intake.request"]
    svg = request_map.svg()
    drawn = set(re.findall(r'class="state" data-state="([^"]+)"', svg))
    assert drawn == set(request_map.lifecycle.states)
    arrows = set(re.findall(r'data-from="([^"]+)" data-to="([^"]+)"', svg))
    declared = {
        (s, t.target) for t in request_map.lifecycle.transitions.values() for s in t.sources
    }
    assert arrows == declared
    system = [t for t in request_map.lifecycle.transitions.values() if t.driven_by]
    assert system and "stroke-dasharray" in svg
    assert Service.lifecycle is maps["catalog.service"].lifecycle


@pytest.mark.django_db
def test_live_docs_are_read_only_pages_for_every_role(client_for, users):
    for role in ("requester", "leadership", "approver"):
        client = client_for(role)
        index = client.get("/enablement/docs/")
        assert (
            index.status_code == 200
            and b"/enablement/docs/processes/intake.request/" in index.content
        )
        page = client.get("/enablement/docs/processes/intake.request/")
        assert page.status_code == 200 and b"<svg" in page.content
    assert client_for("requester").get("/enablement/docs/processes/nope.nope/").status_code == 404
    assert client_for("requester").get("/enablement/docs/taxonomy/").status_code == 200
