"""The RFC page's headings go h1 → h2 → h3 with no level skipped (#19 item 14)."""

import re

from governance.rfc.services import (
    rfc_approve,
    rfc_update,
)


def _levels(html: str) -> list[int]:
    main = html.split('<main id="main"', 1)[1]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def test_rfc_page_with_changes_since_approval_skips_no_heading_level(make_rfc, users, client_for):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc = rfc_update(rfc=rfc, actor=users["engineer"], risk="medium", proposal="New plan.")
    html = client_for("engineer").get(f"/governance/rfcs/{rfc.pk}/").content.decode()
    assert "Changed since the last approval" in html
    levels = _levels(html)
    assert levels[0] == 1 and levels.count(1) == 1
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert skips == [], levels
