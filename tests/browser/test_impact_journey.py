"""Leadership opens Business impact from the dashboard, sees its certification, drills into
the within-SLA cohort and acknowledges the monthly review — by clicking only."""

import pytest

from metrics.impact.services import snapshot_compute
from tests.metrics.conftest import catalog, history  # noqa: F401  (fixtures reused here)
from tests.metrics.impact.conftest import impact_warehouse, launched, mapped  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_leadership_reviews_business_impact(page, login, mapped, launched):  # noqa: F811
    from datetime import date

    snapshot_compute(period="month", start=date(2025, 7, 1))
    login("leader")
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Insights").click()
    nav.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/metrics/")
    panel = page.locator("#business-impact")
    assert "Certified" in panel.inner_text()
    panel.get_by_role("link", name="Open business impact").click()
    page.wait_for_url("**/metrics/impact/")
    assert page.locator("#impact-certification").inner_text() == "Certified"
    page.get_by_role("link", name="Launched within SLA").click()
    page.wait_for_url("**/impact/cohorts/within_sla/yes/**")
    assert "c-met-1" in page.locator("table").first.inner_text()
    assert page.locator("#impact-sample tbody tr").count() == 3
    page.get_by_role("link", name="← Business impact").click()
    page.get_by_role("link", name="Monthly review").click()
    page.wait_for_url("**/impact/reviews/2025-07/")
    page.get_by_role("button", name="Acknowledge this review").click()
    assert "Acknowledged by" in page.locator("#review-acknowledged").inner_text()
