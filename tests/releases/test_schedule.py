"""Recurrences across DST, freezes, business-hour cutoffs and iCalendar output (pure)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from catalog.businesstime import BusinessCalendar
from releases.trains.schedule import (
    CalendarEvent,
    FreezeRule,
    ScheduleError,
    business_cutoff,
    freezes_hitting,
    ical_calendar,
    occurrences,
    parse_rrule,
)

NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_new_york(
    rule: str, first: date, start: time, minutes: int, window: tuple[datetime, datetime]
) -> list:
    """`occurrences` of a New York rule, each `minutes` long, between window's two instants."""
    return occurrences(
        rule=rule,
        first_date=first,
        start_time=start,
        duration=timedelta(minutes=minutes),
        time_zone="America/New_York",
        window_start=window[0],
        window_end=window[1],
    )


def tue_thu(window_start: datetime, window_end: datetime) -> list:
    window = (window_start, window_end)
    return in_new_york("FREQ=WEEKLY;BYDAY=TU,TH", date(2026, 1, 1), time(10, 0), 120, window)


def test_tue_thu_10am_new_york_stays_10am_local_across_the_november_dst_change():
    found = tue_thu(utc(2026, 10, 26), utc(2026, 11, 8))
    starts = [o.start.astimezone(UTC) for o in found]
    assert starts == [
        utc(2026, 10, 27, 14),  # Tue, EDT (UTC-4)
        utc(2026, 10, 29, 14),  # Thu, EDT
        utc(2026, 11, 3, 15),  # Tue, EST (UTC-5) after 2026-11-01
        utc(2026, 11, 5, 15),
    ]
    assert {o.start.astimezone(NY).time() for o in found} == {time(10, 0)}
    assert all(o.end - o.start == timedelta(hours=2) for o in found)


def test_spring_forward_keeps_local_time_too():
    found = tue_thu(utc(2026, 3, 3), utc(2026, 3, 13))
    assert [o.start.astimezone(UTC).hour for o in found] == [15, 15, 14, 14]


def test_nonexistent_local_time_moves_forward_by_the_gap():
    window = (utc(2026, 3, 7), utc(2026, 3, 10))
    found = in_new_york("FREQ=DAILY", date(2026, 3, 7), time(2, 30), 30, window)
    by_date = {o.local_date: o.start for o in found}
    # 2026-03-08 02:30 does not exist in New York: RFC 5545 reads it with the EST offset.
    assert by_date[date(2026, 3, 8)] == datetime(2026, 3, 8, 3, 30, tzinfo=NY)
    assert by_date[date(2026, 3, 8)].astimezone(UTC) == utc(2026, 3, 8, 7, 30)
    assert by_date[date(2026, 3, 9)].astimezone(NY).time() == time(2, 30)


def test_ambiguous_local_time_is_the_first_occurrence():
    window = (utc(2026, 10, 30), utc(2026, 11, 5))
    found = in_new_york("FREQ=DAILY;COUNT=3", date(2026, 10, 31), time(1, 30), 15, window)
    assert found[1].start.astimezone(UTC) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT


def test_occurrence_running_into_the_window_is_included():
    found = tue_thu(utc(2026, 10, 27, 15), utc(2026, 10, 27, 16))
    assert len(found) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "Enter a recurrence rule"),
        ("FREQ=HOURLY", "finer rules are refused"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("DTSTART:20260101T100000\nRRULE:FREQ=DAILY", "only the RRULE"),
        ("BYDAY=TU", "not a valid RRULE"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(ScheduleError) as error:
        parse_rrule(rule)
    assert message in error.value.message
    assert error.value.field == "rrule"


def test_rrule_prefix_is_accepted():
    assert parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=TU,TH") == "FREQ=WEEKLY;BYDAY=TU,TH"


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    zone_name=st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Sydney", "UTC"]),
)
# Berlin's spring-forward day, a session at 01:00 that ends in the new offset (found by a draw)
@example(day=date(2024, 3, 30), minute=60, zone_name="Europe/Berlin")
def test_every_daily_occurrence_is_at_its_wall_time_unless_that_time_does_not_exist(
    day, minute, zone_name
):
    start_time = time(minute // 60, minute % 60)
    tz = ZoneInfo(zone_name)
    found = occurrences(
        rule="FREQ=DAILY",
        first_date=day,
        start_time=start_time,
        duration=timedelta(hours=1),
        time_zone=zone_name,
        window_start=datetime.combine(day, time(0), tzinfo=tz) - timedelta(days=1),
        window_end=datetime.combine(day, time(0), tzinfo=tz) + timedelta(days=10),
    )
    assert len(found) >= 9
    for occurrence in found:
        wall = datetime.combine(occurrence.local_date, start_time)
        exists = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if exists == wall:
            assert occurrence.start.astimezone(tz).replace(tzinfo=None) == wall
        else:  # in a gap: moved forward, never backward, by less than the gap (≤ 1 h)
            assert timedelta(0) < occurrence.start.astimezone(tz).replace(tzinfo=None) - wall
        # an hour of elapsed time (same-zone aware subtraction would count wall time: across
        # a spring-forward, 01:00 → 03:00 local is one hour)
        assert occurrence.end.astimezone(UTC) - occurrence.start.astimezone(UTC) == timedelta(
            hours=1
        )


# --- freezes ----------------------------------------------------------------------------------

FRIDAY_FREEZE = FreezeRule(
    key=1,
    name="No Friday launches after 15:00",
    rule="FREQ=WEEKLY;BYDAY=FR",
    first_date=date(2026, 1, 2),
    start_time=time(15, 0),
    duration=timedelta(hours=9),
    time_zone="America/New_York",
)
HOLIDAY_FREEZE = FreezeRule(
    key=2,
    name="Holiday freeze",
    starts_at=datetime(2026, 12, 20, tzinfo=NY),
    ends_at=datetime(2027, 1, 4, tzinfo=NY),
)
EMAIL_ONLY = FreezeRule(
    key=3,
    name="ESP migration",
    channels=frozenset({"email"}),
    starts_at=datetime(2026, 6, 1, tzinfo=NY),
    ends_at=datetime(2026, 6, 2, tzinfo=NY),
)


def friday_departures() -> list:
    window = (utc(2026, 5, 1), utc(2026, 6, 1))
    return in_new_york("FREQ=WEEKLY;BYDAY=FR", date(2026, 1, 2), time(16, 0), 60, window)


def test_departures_inside_the_recurring_friday_freeze_are_frozen():
    departures = friday_departures()
    assert len(departures) == 5
    for departure in departures:
        hits = freezes_hitting([FRIDAY_FREEZE], departure.start, departure.end)
        assert [h.freeze.name for h in hits] == ["No Friday launches after 15:00"]
        assert hits[0].start.astimezone(NY).time() == time(15, 0)


def test_friday_morning_and_thursday_departures_are_not_frozen():
    for start in (datetime(2026, 5, 8, 10, tzinfo=NY), datetime(2026, 5, 7, 16, tzinfo=NY)):
        assert freezes_hitting([FRIDAY_FREEZE], start, start + timedelta(hours=2)) == []
    # ending exactly when the freeze starts is not inside it
    start = datetime(2026, 5, 8, 13, tzinfo=NY)
    assert freezes_hitting([FRIDAY_FREEZE], start, start + timedelta(hours=2)) == []


def test_friday_freeze_keeps_15h_local_across_dst():
    winter = datetime(2026, 11, 6, 15, 30, tzinfo=NY)
    assert freezes_hitting([FRIDAY_FREEZE], winter, winter + timedelta(minutes=30))


def test_one_off_holiday_freeze_covers_its_dates_only():
    inside = datetime(2027, 1, 3, 23, tzinfo=NY)
    after = datetime(2027, 1, 4, 0, tzinfo=NY)
    assert freezes_hitting([HOLIDAY_FREEZE], inside, inside + timedelta(minutes=30))
    assert not freezes_hitting([HOLIDAY_FREEZE], after, after + timedelta(hours=2))


def test_channel_freeze_applies_only_to_its_channels():
    start = datetime(2026, 6, 1, 10, tzinfo=NY)
    end = start + timedelta(hours=2)
    assert freezes_hitting([EMAIL_ONLY], start, end, channels=["email"])
    assert not freezes_hitting([EMAIL_ONLY], start, end, channels=["web"])
    assert freezes_hitting([EMAIL_ONLY], start, end)  # any channel: shown as frozen


# --- cutoffs ----------------------------------------------------------------------------------


def _business_calendar(closed: dict[date, str] | None = None):
    week = {d: [(time(9), time(17))] for d in range(5)}
    return BusinessCalendar.create(tz="America/New_York", week=week, closed_dates=closed or {})


def test_cutoff_is_n_business_hours_before_departure():
    calendar = _business_calendar()
    departure = datetime(2026, 11, 19, 10, tzinfo=NY)  # Thursday
    # Thu 9–10 (1 h) + Wed (8) + Tue (8) + Mon 10–17 (7) = 24 h
    assert business_cutoff(calendar, departure, 24) == datetime(2026, 11, 16, 10, tzinfo=NY)


def test_cutoff_skips_a_holiday():
    thanksgiving = date(2026, 11, 26)
    calendar = _business_calendar({thanksgiving: "Thanksgiving"})
    departure = datetime(2026, 11, 27, 10, tzinfo=NY)  # Friday after Thanksgiving
    # Fri 9–10 (1 h), Thursday closed, Wed (8 h): 9 h reaches back to Wed 09:00 …
    assert business_cutoff(calendar, departure, 9) == datetime(2026, 11, 25, 9, tzinfo=NY)
    # … and 16 h to Tue 10:00 rather than Wed 10:00 as it would be without the holiday.
    assert business_cutoff(calendar, departure, 16) == datetime(2026, 11, 24, 10, tzinfo=NY)
    assert business_cutoff(_business_calendar(), departure, 16) == datetime(
        2026, 11, 25, 10, tzinfo=NY
    )


def test_cutoff_lands_on_the_latest_instant_when_the_boundary_is_a_closing_time():
    calendar = _business_calendar()
    departure = datetime(2026, 11, 17, 9, tzinfo=NY)  # Tuesday 09:00, the office opens
    # 8 business hours back from Tue 09:00: all of Monday → Monday 09:00
    assert business_cutoff(calendar, departure, 8) == datetime(2026, 11, 16, 9, tzinfo=NY)


def test_zero_hour_cutoff_is_the_departure():
    departure = datetime(2026, 11, 17, 9, tzinfo=NY)
    assert business_cutoff(_business_calendar(), departure, 0) == departure


# --- iCalendar --------------------------------------------------------------------------------


def test_ical_calendar_round_trips_zoned_times():
    found = tue_thu(utc(2026, 10, 26), utc(2026, 11, 8))
    events = [
        CalendarEvent(
            uid=f"departure-{i}@mops",
            start=o.start,
            end=o.end,
            summary=f"Email train {i}",
            description="manifest: 2 items",
        )
        for i, o in enumerate(found)
    ]
    body = ical_calendar(name="Email train", events=events, stamp=utc(2026, 10, 1))
    parsed = icalendar.Calendar.from_ical(body)
    vevents = parsed.walk("VEVENT")
    assert [e.decoded("dtstart") for e in vevents] == [o.start for o in found]
    assert [e.decoded("dtend") for e in vevents] == [o.end for o in found]
    assert str(vevents[0]["summary"]) == "Email train 0"
    assert parsed.walk("VTIMEZONE")
