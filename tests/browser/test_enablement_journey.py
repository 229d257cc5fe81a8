"""Enablement in Chromium, clicks only after logging in: a marketer finds a playbook from a
service page, passes its 101 course, the self-serve path unlocks and the task is done with
no ticket, then books a seat at office hours from the menu; the PM, hosting, sees the
booking and deflection rise on the enablement figures."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from catalog.models import SelfServeCompletion
from governance.enablement.models import Booking
from governance.enablement.services import (
    course_save,
    module_save,
    office_hours_save,
    playbook_save,
)
from intake.models import Request
from tests.browser.test_selfserve_journey import _open_menu_and_click

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def segment_course(publish_service, users):
    service = publish_service(
        "Create a segment",
        "create-a-segment",
        channels=["email"],
        default_complexity="simple",
        self_serve=True,
        self_serve_tool="guide",
        instructions="1. Open the MAP.\n2. Build the list.",
        input_definition=[{"key": "what", "label": "What", "type": "text"}],
    )
    pm = users["pm"]
    playbook = playbook_save(
        actor=pm,
        slug="build-a-segment",
        title="Build a segment",
        body="Filter contacts by engagement in the MAP, then save the list.",
        review_by=timezone.localdate() + timedelta(days=90),
        services=[service],
    )
    course = course_save(
        actor=pm, slug="segments-101", title="Segments 101", subject="tool", tool="MAP",
        unlocks=[service],
    )  # fmt: skip
    quiz = [{"question": "Where do you build a segment?", "choices": ["In a ticket", "In the MAP"], "answer": 1}]  # fmt: skip
    module_save(actor=pm, course=course, title="Segments", playbook=playbook, quiz=quiz)
    office_hours_save(
        actor=pm,
        data={
            "topic": "Segments clinic", "host": pm, "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "first_date": timezone.localdate(), "start_time": time(15), "capacity": 4,
        },
    )  # fmt: skip
    return service


def test_marketer_learns_unlocks_and_self_serves_pm_sees_deflection(page, login, segment_course):
    login("pm")
    _open_menu_and_click(page, "Insights", "Enablement")
    assert page.locator("[data-figure=deflection]").inner_text() == "—"

    login("requester")
    _open_menu_and_click(page, "Work", "Catalog")
    page.get_by_role("link", name="Create a segment").first.click()
    page.get_by_text("Before you ask, read").wait_for()
    page.get_by_role("link", name="Build a segment").click()
    page.get_by_role("link", name="Segments 101").click()
    page.get_by_role("button", name="Enrol").click()
    page.get_by_role("link", name="Segments", exact=True).click()
    page.get_by_label("In the MAP").check()
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Completed").first.wait_for()
    page.get_by_role("link", name="Create a segment").click()  # "unlocks doing these yourself"
    page.get_by_label("What did you do?").fill("Built the EMEA webinar segment")
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("recorded as self-served").wait_for()
    assert not Request.objects.exists()
    assert SelfServeCompletion.objects.get().service == segment_course
    _open_menu_and_click(page, "Work", "Office hours")
    page.get_by_role("button", name="Book").first.click()
    page.get_by_text("You have a seat.", exact=True).wait_for()
    booking = Booking.objects.get()
    assert booking.user.username == "requester" and booking.cancelled_at is None

    login("pm")
    _open_menu_and_click(page, "Work", "Office hours")
    page.locator(f"a[href='{booking.session.get_absolute_url()}']").first.click()
    page.get_by_text("Host view").wait_for()
    host_view = page.locator("section[aria-labelledby=host-h] tbody tr")
    assert host_view.count() == 1 and "booked" in host_view.first.inner_text()
    _open_menu_and_click(page, "Insights", "Enablement")
    assert page.locator("[data-figure=deflection]").inner_text() == "100.0%"
