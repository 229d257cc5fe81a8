"""Set-up aids: starter services one by one (idempotent) and copying a service."""

import pytest

from catalog.models import Service, ServiceStatus, SlaPolicy
from catalog.services import calendar_create

pytestmark = pytest.mark.django_db

WEEK = {str(d): [["09:00", "12:30"], ["13:30", "17:30"]] for d in range(5)}


def test_starter_needs_a_calendar_first_and_says_so(client_for, users):
    response = client_for("admin").post("/catalog/starters/", {"starter": "add-a-field"})
    assert response.status_code == 400
    assert "calendar: Create a business calendar first" in response.content.decode()


def test_starters_install_one_by_one_and_twice_is_once(client_for, users):
    calendar_create(
        actor=users["admin"],
        name="London",
        slug="london",
        working_hours=WEEK,
        time_zone="Europe/London",
    )
    pm = client_for("pm")
    refused = pm.post("/catalog/starters/", {"starter": "add-a-field"})
    assert (
        refused.status_code == 400
        and "sla_policy: There is no SLA policy" in refused.content.decode()
    )
    assert (
        client_for("admin").post("/catalog/starters/", {"starter": "build-a-nurture"}).status_code
        == 302
    )
    page = pm.get("/catalog/starters/").content.decode()
    for name in (
        "Launch a campaign",
        "Add a field",
        "Create a segment",
        "Build a nurture",
        "Create a UTM set",
    ):
        assert name in page
    assert pm.post("/catalog/starters/", {"starter": "add-a-field"}).status_code == 302
    assert pm.post("/catalog/starters/", {"starter": "add-a-field"}).status_code == 302
    service = Service.objects.get(slug="add-a-field")
    assert Service.objects.count() == 2
    assert service.status == ServiceStatus.ACTIVE
    policy = SlaPolicy.objects.get()
    assert service.sla_policy == policy
    assert policy.delivery_hours("simple") == 2 * policy.calendar.hours_per_day  # 7.5 h days
    assert (
        client_for("requester").post("/catalog/starters/", {"starter": "add-a-field"}).status_code
        == 403
    )
    assert pm.post("/catalog/starters/", {"starter": "nope"}).status_code == 400


def test_copy_a_service_makes_a_draft_with_an_automatic_slug(client_for, users):
    calendar_create(actor=users["admin"], name="London", slug="london", working_hours=WEEK)
    pm = client_for("pm")
    client_for("admin").post("/catalog/starters/", {"starter": "create-a-segment"})
    original = Service.objects.get(slug="create-a-segment")
    response = pm.post("/catalog/create-a-segment/copy/")
    assert response.status_code == 302
    copy = Service.objects.get(name="Copy of Create a segment")
    assert copy.slug == "copy-of-create-a-segment"
    assert copy.status == ServiceStatus.DRAFT
    assert copy.input_definition == original.input_definition
    pm.post("/catalog/create-a-segment/copy/")
    assert Service.objects.filter(name="Copy of Create a segment (2)").exists()


def test_setup_guide_marks_steps_done_from_live_data(client_for, users):
    admin = client_for("admin")
    page = admin.get("/setup/").content.decode()
    assert 'data-done="no"' in page
    assert "/catalog/sla/calendars/new/" in page
    calendar_create(actor=users["admin"], name="London", slug="london", working_hours=WEEK)
    page = admin.get("/setup/").content.decode()
    assert "Business calendar: London" in page
