"""Leadership opens the dashboard, changes the period, drills into breached requests and
exports them as CSV — in Chromium against the live server."""

import csv
import io

import pytest

from tests.metrics.conftest import catalog, history  # noqa: F401  (fixtures reused here)

pytestmark = pytest.mark.django_db(transaction=True)

RANGE = "from=2025-06-30&to=2025-07-13"


def test_leadership_reads_drills_down_and_exports(page, login, history):  # noqa: F811
    login("leader")
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Insights").click()  # the job menus open on a click
    nav.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/metrics/")
    assert page.get_by_role("heading", level=1).inner_text() == "Marketing Ops dashboard"

    page.goto(f"/metrics/?period=week&{RANGE}")
    card = page.locator('[data-metric="delivery_sla"]')
    assert "100" in card.locator(".figure").inner_text()
    assert "▲" in card.inner_text()  # up 50 points on the week before

    page.locator('select[name="period"]').select_option("month")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**period=month**")
    assert "Jul 2025" in page.locator('[data-metric="ttc"]').inner_text()

    page.goto(f"/metrics/?period=week&{RANGE}")
    sla = page.locator("#sla")
    sla.get_by_text("Table view").click()
    breached = sla.locator('a[href*="metric=delivery_breached"]').filter(has_text="1").first
    breached.click()
    page.wait_for_url("**/metrics/requests/**")
    assert "after their SLA target" in page.get_by_role("heading", level=1).inner_text()
    rows = page.locator("table.drill tbody tr")
    assert rows.count() == 1 and "R2" in rows.first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8") as handle:
        exported = list(csv.reader(io.StringIO(handle.read())))
    assert exported[0][:2] == ["Request", "Title"]
    assert [row[1] for row in exported[1:]] == ["R2"]
