"""bench/hostile_pages.py measures pages, not the error reports its own junk posts lead to."""

from __future__ import annotations

from bench.hostile_pages import is_page


def test_phone_width_check_skips_links_the_walk_made_stale():
    # a feed link whose token a junk post rotated: Django's DEBUG 404 report, 652 px wide
    assert not is_page(404, "text/html; charset=utf-8")
    assert not is_page(500, "text/html")
    assert is_page(200, "text/html; charset=utf-8")
    assert not is_page(200, "text/calendar; charset=utf-8")
