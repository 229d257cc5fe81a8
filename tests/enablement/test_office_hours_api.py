"""Office hours over the API and on the pages: the same services, the same refusals."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from governance.enablement.models import OfficeHours, OfficeHoursSession
from governance.enablement.services import office_hours_save

pytestmark = pytest.mark.django_db

SERIES = {
    "topic": "Taxonomy clinic",
    "host": "engineer",
    "rrule": "FREQ=WEEKLY;BYDAY=WE",
    "first_date": "2026-01-07",
    "start_time": "15:00",
    "duration_minutes": 45,
    "time_zone": "America/New_York",
    "capacity": 1,
}


@pytest.fixture
def session(users):
    series = office_hours_save(
        actor=users["pm"],
        data={
            **SERIES,
            "host": users["engineer"],
            "first_date": date(2026, 1, 7),
            "start_time": time(15),
        },
    )
    return series.sessions.order_by("starts_at").first()


def test_api_creates_a_series_and_refuses_bad_input_by_field(api_for):
    pm = api_for("pm")
    created = pm.post("/api/v1/office-hours/", SERIES, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["schedule"] == "weekly on Wed at 15:00 America/New_York, 45 min"
    bad = pm.post("/api/v1/office-hours/", {**SERIES, "rrule": "FREQ=HOURLY"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "rrule"
    bad = pm.post("/api/v1/office-hours/", {**SERIES, "host": "requester"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "host"
    pk = created.json()["id"]
    stale = pm.patch(
        f"/api/v1/office-hours/{pk}/", {"capacity": 4}, format="json", HTTP_IF_MATCH='"9"'
    )
    assert stale.status_code == 412
    ok = pm.patch(
        f"/api/v1/office-hours/{pk}/", {"capacity": 4}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert set(
        OfficeHoursSession.objects.filter(series_id=pk).values_list("capacity", flat=True)
    ) == {4}
    assert (
        api_for("requester").post("/api/v1/office-hours/", SERIES, format="json").status_code == 403
    )


def test_api_booking_full_session_and_attendance(api_for, session, django_assert_max_num_queries):
    url = f"/api/v1/office-hours-sessions/{session.pk}/"
    booked = api_for("requester").post(url + "book/")
    assert booked.status_code == 201 and booked.json()["user"] == "requester"
    full = api_for("approver").post(url + "book/")
    assert full.status_code == 400
    error = full.json()["errors"][0]
    assert (error["field"], error["message"]) == ("session", "Fully booked: all 1 seats are taken.")
    assert api_for("leadership").post(url + "book/").status_code == 403
    mine = api_for("requester").get("/api/v1/office-hours-sessions/").json()["results"]
    assert [(s["booked"], s["seats_left"], s["booked_by_me"]) for s in mine[:1]] == [(1, 0, True)]
    approver = api_for("approver")
    with django_assert_max_num_queries(8):  # constant: eight weeks of sessions, one list query
        listed = approver.get("/api/v1/office-hours-sessions/")
    assert listed.status_code == 200 and listed.json()["count"] == 8
    # The bookings are the host's (or a PM's / admin's) to see.
    assert api_for("pm").get(url + "bookings/").json()[0]["user"] == "requester"
    OfficeHoursSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    unknown = api_for("engineer").post(url + "attendance/", {"attended": ["nobody"]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "attended"
    marked = api_for("engineer").post(
        url + "attendance/", {"attended": ["requester"]}, format="json"
    )
    assert marked.status_code == 200 and marked.json()["attendance_marked_at"]
    assert api_for("pm").get(url + "bookings/").json()[0]["attended"] is True


def test_pages_book_from_the_list_and_the_host_sees_the_bookings(client_for, session, users):
    requester = client_for("requester")
    page = requester.get("/enablement/office-hours/")
    assert page.status_code == 200 and b"Taxonomy clinic" in page.content
    assert f"/enablement/office-hours/sessions/{session.pk}/book/".encode() in page.content
    response = requester.post(f"/enablement/office-hours/sessions/{session.pk}/book/")
    assert response.status_code == 302
    detail = requester.get(f"/enablement/office-hours/sessions/{session.pk}/")
    assert b"You have a seat." in detail.content and b"Host view" not in detail.content
    refused = client_for("approver").post(
        f"/enablement/office-hours/sessions/{session.pk}/book/", follow=True
    )
    assert b"Fully booked" in refused.content
    host = client_for("engineer").get(f"/enablement/office-hours/sessions/{session.pk}/")
    assert b"Host view" in host.content and b"Cancel this session" in host.content
    leader = client_for("leadership").get("/enablement/office-hours/")
    assert leader.status_code == 200 and b"/book/" not in leader.content
    assert client_for("requester").get("/enablement/office-hours/new/").status_code == 403
    form = client_for("pm").post(
        "/enablement/office-hours/new/", {**SERIES, "host": users["pm"].pk, "rrule": "nonsense"}
    )
    assert form.status_code == 400 and b"is not a valid RRULE" in form.content
    assert OfficeHours.objects.count() == 1
    ics = requester.get("/enablement/office-hours/feed.ics")
    assert ics.status_code == 200 and b"(booked)" in ics.content


def test_api_refuses_a_rule_that_never_occurs_by_field(api_for):
    bad = api_for("pm").post(
        "/api/v1/office-hours/",
        {**SERIES, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
        format="json",
    )
    assert bad.status_code == 400
    error = bad.json()["errors"][0]
    assert error["field"] == "rrule" and "never occurs" in error["message"]
