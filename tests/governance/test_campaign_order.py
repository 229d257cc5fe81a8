"""The campaign list (page and API) counts each campaign's links with GROUP BY, which drops
Meta.ordering; the selector states the order, so pages never reshuffle between requests."""

from datetime import date

from governance.taxonomy.models import Campaign
from governance.taxonomy.selectors import campaigns_visible_to


def test_campaigns_come_newest_first_then_by_name(users, client_for):
    for name, start in [("b-spring", date(2026, 3, 1)), ("a-spring", date(2026, 3, 1)),
                        ("winter", date(2026, 1, 5)), ("summer", date(2026, 6, 1))]:  # fmt: skip
        Campaign.objects.create(name=name, owner=users["pm"], start_date=start)
    visible = campaigns_visible_to(users["pm"])
    assert visible.ordered
    assert [c.name for c in visible] == ["summer", "a-spring", "b-spring", "winter"]
    page = client_for("pm").get("/governance/campaigns/").content.decode()
    assert (
        page.index("summer")
        < page.index("a-spring")
        < page.index("b-spring")
        < page.index("winter")
    )
