"""The main intake journey in Chromium: a requester fills a conditional form and submits;
the PM finds it in the backlog and asks for info; the requester answers; the PM accepts;
the SLA state and the events show on the request page."""

import pytest

from intake.models import Request
from tests.browser.conftest import CONDITIONAL_FIELDS

pytestmark = pytest.mark.django_db(transaction=True)

DEFINITION = CONDITIONAL_FIELDS


@pytest.fixture
def service(publish_service):
    return publish_service(
        "Launch a campaign",
        "launch-a-campaign",
        change_type="new_campaign",
        default_complexity="standard",
        input_definition=DEFINITION,
    )


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_request_journey_submit_needs_info_answer_accept(
    page, login, users, service, console_errors
):
    # requester: the conditional form
    login("requester")
    page.goto("/requests/new/")
    page.get_by_role("link", name="Launch a campaign").click()
    page.wait_for_url("**/requests/new/launch-a-campaign/")
    page.wait_for_load_state("load")  # conditions.js (deferred) has run
    size = page.locator('[name="a-audience_size"]')
    assert not size.is_visible()
    page.locator('[name="a-channel"]').select_option("E-mail")
    size.wait_for(state="visible")
    page.locator('[name="a-channel"]').select_option("Paid social")
    size.wait_for(state="hidden")
    page.locator('[name="a-channel"]').select_option("E-mail")
    size.fill("5000")
    page.get_by_label("Title").fill("Spring launch")
    page.get_by_label("Brief").fill("Launch the spring offer.")
    page.get_by_label("Audience", exact=True).fill("Trial users in the US")
    page.get_by_label("Desired live date").fill("2030-01-01")
    page.get_by_label("utm_source").select_option("newsletter")
    page.get_by_label("utm_medium").select_option("email")
    page.get_by_label("utm_campaign").fill("fy30q1_na_email_promo_spring")
    page.get_by_label("Business impact").select_option("4")
    page.get_by_label("Effort").select_option("2")
    page.get_by_label("Risk").select_option("3")
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url("**/requests/*/")
    assert page.locator("#request-status").inner_text() == "Submitted"
    request = Request.objects.get()
    assert request.answers == {"channel": "E-mail", "audience_size": 5000}

    # PM: backlog → ask for info
    login("pm")
    page.goto("/requests/")
    row = page.locator("tr", has_text="Spring launch")
    assert "On track" in row.inner_text()
    row.get_by_role("link").click()
    page.locator("#transition-note").fill("Which trial list exactly?")
    page.get_by_role("button", name="Ask for info").click()
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "Needs info"
    assert "paused since" in page.locator("#sla").inner_text()

    # requester: answers
    login("requester")
    page.goto(request.get_absolute_url())
    page.get_by_role("link", name="Answer").click()
    assert "Which trial list exactly?" in page.content()
    page.get_by_label("Answer to MOPS").fill("The 30-day trial list.")
    page.get_by_role("button", name="Answer and resubmit").click()
    page.wait_for_url(f"**{request.get_absolute_url()}")
    assert page.locator("#request-status").inner_text() == "Submitted"

    # PM: accepts; the SLA and events show
    login("pm")
    page.goto(request.get_absolute_url())
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "Accepted"
    sla = page.locator("#sla").inner_text()
    # Human labels, never raw codes (issue #19 item 11).
    assert "Delivery (time to campaign)" in sla and "On track" in sla and "on_track" not in sla
    assert page.locator('[data-clock="triage"]').inner_text() in ("Met", "Missed")
    events = page.locator("#events").inner_text()
    for text in ("Needs info", "The 30-day trial list.", "Accepted", "Which trial list exactly?"):
        assert text in events
    assert "needs_info" not in events
    assert "Business impact 4" in page.locator("#score").inner_text()
    assert console_errors == []
