"""Office hours: series scheduled in local time, booking without overbooking (also when
two people take the last seat at once), cancelling, attendance by the host, the feed."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from governance.enablement import feeds
from governance.enablement.models import Booking, OfficeHoursSession, SessionStatus
from governance.enablement.services import (
    booking_cancel,
    office_hours_save,
    office_hours_sync,
    session_attendance,
    session_book,
    session_cancel,
)
from mops.core.concurrency import StaleVersion
from mops.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

WEDNESDAYS = {
    "topic": "Ask MOPS anything",
    "rrule": "FREQ=WEEKLY;BYDAY=WE",
    "first_date": date(2026, 1, 7),
    "start_time": time(15, 0),
    "duration_minutes": 60,
    "time_zone": "Europe/Berlin",
    "capacity": 2,
}


def series_for(users, **changes):
    return office_hours_save(
        actor=users["pm"], data={**WEDNESDAYS, "host": users["engineer"], **changes}
    )


def started(session, ago=timedelta(minutes=5)):
    """Move a session into the past (what the clock does)."""
    OfficeHoursSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - ago, ends_at=timezone.now() - ago + timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


def test_sessions_are_every_wednesday_at_local_time_across_dst(users):
    series = series_for(users)
    now = datetime(2026, 10, 14, 12, tzinfo=UTC)
    OfficeHoursSession.objects.filter(series=series).delete()
    assert office_hours_sync(series=series, now=now) == 8  # eight weeks ahead
    sessions = list(series.sessions.order_by("starts_at"))
    berlin = [s.starts_at.astimezone(feeds.recurrence.zone("Europe/Berlin")) for s in sessions]
    assert {(b.weekday(), b.hour, b.minute) for b in berlin} == {(2, 15, 0)}
    # 15:00 CEST is 13:00 UTC until 25 October, 15:00 CET is 14:00 UTC after.
    assert [s.starts_at.astimezone(UTC).hour for s in sessions[:3]] == [13, 13, 14]
    assert all(s.capacity == 2 and s.ends_at - s.starts_at == timedelta(hours=1) for s in sessions)
    assert office_hours_sync(series=series, now=now) == 0  # idempotent


def test_series_input_errors_name_the_field(users):
    with pytest.raises(ValidationError) as exc:
        series_for(users, rrule="FREQ=SECONDLY")
    assert "rrule" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        series_for(users, host=users["requester"])
    assert "host" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        series_for(users, time_zone="Mars/Olympus")
    assert "time_zone" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        office_hours_save(actor=users["requester"], data={**WEDNESDAYS, "host": users["pm"]})


def test_editing_the_rule_cancels_dropped_sessions_and_keeps_bookings(users):
    series = series_for(users)
    first = series.sessions.order_by("starts_at").first()
    session_book(actor=users["requester"], session=first)
    office_hours_save(
        actor=users["pm"],
        series=series,
        data={"rrule": "FREQ=WEEKLY;BYDAY=TH", "capacity": 3},
        expected_version=1,
    )
    first.refresh_from_db()
    assert first.status == SessionStatus.CANCELLED
    assert Booking.objects.get(session=first).cancelled_at is None  # nobody's booking lost
    thursdays = series.sessions.filter(status=SessionStatus.SCHEDULED)
    assert thursdays.count() == 8
    assert {s.capacity for s in thursdays} == {3}
    with pytest.raises(StaleVersion):
        office_hours_save(actor=users["pm"], series=series, data={}, expected_version=1)


def test_capacity_is_enforced_and_cancelling_frees_the_seat(users):
    session = series_for(users).sessions.order_by("starts_at").first()
    a = session_book(actor=users["requester"], session=session)
    assert session_book(actor=users["requester"], session=session) == a  # idempotent
    session_book(actor=users["other_requester"], session=session)
    with pytest.raises(ValidationError) as exc:
        session_book(actor=users["approver"], session=session)
    assert exc.value.message_dict["session"] == ["Fully booked: all 2 seats are taken."]
    booking_cancel(actor=users["requester"], session=session)
    session_book(actor=users["approver"], session=session)
    with pytest.raises(ValidationError):
        session_book(actor=users["requester"], session=session)  # the seat went to approver
    with pytest.raises(PermissionDenied):
        session_book(actor=users["leadership"], session=session)
    with pytest.raises(PermissionDenied):  # someone else's booking: host, PM or admin only
        booking_cancel(actor=users["requester"], session=session, user=users["approver"])
    booking_cancel(actor=users["engineer"], session=session, user=users["approver"])
    assert session.bookings.filter(cancelled_at__isnull=True).count() == 1
    assert Booking.history.filter(user=users["approver"]).count() == 2  # audited


@pytest.mark.django_db(transaction=True)
def test_two_people_booking_the_last_seat_at_once_get_one_seat(users):
    session = series_for(users, capacity=1).sessions.order_by("starts_at").first()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(person):
        try:
            barrier.wait(timeout=10)
            session_book(actor=person, session=session)
            outcomes.append("booked")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["session"][0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=book, args=(users[role],))
        for role in ("requester", "other_requester")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["Fully booked: all 1 seats are taken.", "booked"]
    assert Booking.objects.filter(session=session, cancelled_at__isnull=True).count() == 1


def test_no_booking_on_a_cancelled_or_started_session(users):
    sessions = list(series_for(users).sessions.order_by("starts_at")[:2])
    session_book(actor=users["requester"], session=sessions[0])
    with pytest.raises(PermissionDenied):
        session_cancel(actor=users["requester"], session=sessions[0])
    session_cancel(actor=users["engineer"], session=sessions[0], reason="Host on leave")
    mail = OutboxMessage.objects.get(source="enablement.office_hours")
    assert mail.target == users["requester"].email and "cancelled" in mail.subject
    with pytest.raises(ValidationError, match="cancelled"):
        session_book(actor=users["other_requester"], session=sessions[0])
    with pytest.raises(ValidationError, match="already started"):
        session_book(actor=users["requester"], session=started(sessions[1]))


def test_the_host_marks_attendance_once_the_session_started(users):
    session = series_for(users).sessions.order_by("starts_at").first()
    for role in ("requester", "other_requester"):
        session_book(actor=users[role], session=session)
    with pytest.raises(ValidationError, match="once the session starts"):
        session_attendance(actor=users["engineer"], session=session, attended=[])
    started(session)
    with pytest.raises(PermissionDenied):  # an engineer who is not the host
        session_attendance(
            actor=users["requester"], session=session, attended=[users["requester"].pk]
        )
    with pytest.raises(ValidationError) as exc:
        session_attendance(actor=users["engineer"], session=session, attended=[users["pm"].pk])
    assert "attended" in exc.value.message_dict
    marked = session_attendance(
        actor=users["engineer"], session=session, attended=[users["requester"].pk]
    )
    marks = dict(session.bookings.values_list("user__username", "attended"))
    assert marks == {"requester": True, "other": False}
    assert marked.attendance_marked_at is not None
    with pytest.raises(StaleVersion):
        session_attendance(
            actor=users["engineer"], session=session, attended=[], expected_version=1
        )


def test_feed_by_token_shows_local_times_and_the_persons_bookings(users, client):
    session = series_for(users).sessions.order_by("starts_at").first()
    session_book(actor=users["requester"], session=session)
    url = f"/enablement/office-hours/feed/{feeds.feed_token(users['requester'])}.ics"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert len(events) == 8
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == session.starts_at
    assert str(first["dtstart"].params["TZID"]) == "Europe/Berlin"
    assert str(first["summary"]) == "Office hours: Ask MOPS anything (booked)"
    assert client.get("/enablement/office-hours/feed/1:forged.ics").status_code == 404
    users["requester"].is_active = False
    users["requester"].save()
    assert client.get(url).status_code == 404
