"""Self-serve that skips the ticket, in Chromium: a marketer goes from the home page to the
catalog, opens the self-serve UTM service, does it in the UTM builder, and is done — no
request exists, and the work counts in self-serve share."""

from datetime import date

import pytest
from django.utils import timezone

from catalog.models import SelfServeCompletion
from governance.models import Campaign
from intake.models import Request
from metrics import selectors
from metrics.filters import MetricFilters

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def utm_service(publish_service):
    return publish_service(
        "Create a UTM set",
        "create-a-utm-set",
        channels=["paid_social"],
        default_complexity="simple",
        self_serve=True,
        self_serve_tool="utm_builder",
        instructions="1. Open the UTM builder.\n2. Register the campaign.",
        input_definition=[{"key": "what", "label": "What", "type": "text"}],
    )


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_marketer_self_serves_a_utm_set_with_no_ticket(page, login, utm_service, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    login("requester")  # the only address typed: the log-in page, then home
    _open_menu_and_click(page, "Work", "Catalog")
    page.get_by_role("link", name="Create a UTM set").first.click()
    page.get_by_role("link", name="Do it yourself").click()
    assert page.get_by_text("Open the UTM builder.").is_visible()
    page.get_by_role("link", name="Open the UTM builder").click()
    assert page.get_by_text("no ticket needed").first.is_visible()
    page.locator('[name="base_url"]').fill("https://example.com/lp")
    page.locator('[name="source"]').select_option("linkedin")
    page.locator('[name="medium"]').select_option("paid_social")
    for token, value in {
        "fy": "fy26",
        "quarter": "q3",
        "region": "na",
        "channel": "social",
        "offer": "ebook",
        "name": "Launch Guide",
    }.items():
        field = page.locator(f'[name="token_{token}"]')
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Register campaign and get the link").click()
    page.get_by_text("recorded as self-served").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
    )

    assert Campaign.objects.count() == 1 and not Request.objects.exists()
    completion = SelfServeCompletion.objects.get()
    assert completion.service == utm_service and completion.tool == "utm_builder"
    today = timezone.localdate()
    share = selectors.metric_result(
        "self_serve_share", MetricFilters(period="week", start=today, end=today)
    )
    current = share.series[0].points[-1]
    assert (current.value, current.count) == (100.0, 1)
    assert today >= date(2026, 1, 1)


def _open_menu_and_click(page, menu: str, link: str) -> None:  # type: ignore[no-untyped-def]
    """Open the navigation (the phone's Menu toggle first, when shown) and follow a link."""
    toggle = page.locator("label.nav-toggle-label")
    if toggle.is_visible():
        toggle.click()
    page.locator("nav.mainnav summary", has_text=menu).first.click()
    page.locator("nav.mainnav").get_by_role("link", name=link, exact=True).first.click()
