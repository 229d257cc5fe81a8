"""The kernel's recurrence expansion (pure): local wall time kept across DST, shared by
release trains and office hours."""

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest

from mops.core.calendarfeed import CalendarEvent, ical_calendar
from mops.core.recurrence import ScheduleError, describe_rrule, occurrences, parse_rrule, zone


def test_weekly_wednesday_keeps_local_time_across_the_autumn_change():
    found = occurrences(
        rule="FREQ=WEEKLY;BYDAY=WE",
        first_date=date(2026, 10, 21),
        start_time=time(15, 0),
        duration=timedelta(hours=1),
        time_zone="Europe/Berlin",
        window_start=datetime(2026, 10, 20, tzinfo=UTC),
        window_end=datetime(2026, 11, 5, tzinfo=UTC),
    )
    # 15:00 CEST (13:00 UTC), then 15:00 CET (14:00 UTC) after 25 October.
    assert [o.start.astimezone(UTC).hour for o in found] == [13, 14, 14]
    assert [o.local_date for o in found] == [
        date(2026, 10, 21),
        date(2026, 10, 28),
        date(2026, 11, 4),
    ]
    assert all(o.start.hour == 15 for o in found)


def test_rule_errors_name_the_field():
    with pytest.raises(ScheduleError) as exc:
        occurrences(
            rule="FREQ=MINUTELY",
            first_date=date(2026, 1, 1),
            start_time=time(9),
            duration=timedelta(hours=1),
            time_zone="UTC",
            window_start=datetime(2026, 1, 1, tzinfo=UTC),
            window_end=datetime(2026, 1, 2, tzinfo=UTC),
        )
    assert exc.value.field == "rrule"
    assert describe_rrule("FREQ=WEEKLY;BYDAY=WE") == "weekly on Wed"


def test_feed_carries_the_given_product_id():
    start = datetime(2026, 1, 7, 15, tzinfo=UTC)
    body = ical_calendar(
        name="Office hours",
        events=[
            CalendarEvent(uid="x@mops", start=start, end=start + timedelta(hours=1), summary="S")
        ],
        stamp=start,
        prodid="-//mops//enablement//EN",
    )
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["prodid"]) == "-//mops//enablement//EN"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYHOUR=0,1,2;BYMINUTE=" + ",".join(map(str, range(60))),
        "FREQ=YEARLY;BYSECOND=" + ",".join(map(str, range(60))),
        "FREQ=WEEKLY;byminute=5",
        "FREQ=WEEKLY;INTERVAL=0",
    ],
)
def test_rules_that_never_end_expanding_are_refused(rule):
    """BYHOUR/BYMINUTE/BYSECOND would turn a daily rule secondly (a hang when expanded
    from a first date years back): the start time is its own field. INTERVAL=0 never
    advances (dateutil loops for ever)."""
    with pytest.raises(ScheduleError) as exc:
        parse_rrule(rule)
    assert exc.value.field == "rrule"


def test_a_zone_directory_is_not_a_zone():
    with pytest.raises(ScheduleError) as exc:
        zone("America")
    assert exc.value.field == "time_zone"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=6;BYMONTHDAY=31;BYDAY=MO",
        "FREQ=DAILY;BYYEARDAY=366;BYMONTH=1",
        "FREQ=DAILY;COUNT=0",
        "FREQ=MONTHLY;BYSETPOS=6;BYDAY=MO",
        # matches (2016), but not before its own UNTIL
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;UNTIL=20100101T000000",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=19990101T000000",
    ],
)
def test_rules_that_never_occur_are_refused_naming_the_field(rule: str) -> None:
    with pytest.raises(ScheduleError) as exc:
        parse_rrule(rule)
    assert exc.value.field == "rrule"
    assert "never occurs" in exc.value.message


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=TU,TH",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=WEEKLY;COUNT=3",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;UNTIL=20170101T000000",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
        "FREQ=YEARLY;BYSETPOS=5;BYDAY=MO;BYMONTH=2",
        # every weekday of Feb 29 occurs within 28 years of 2000 (Monday: 2016, the
        # rarest from there): none may be refused as never occurring
        *(
            f"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY={day}"
            for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        ),
    ],
)
def test_rare_but_real_rules_are_kept(rule: str) -> None:
    assert parse_rrule(rule) == rule


def test_the_probe_start_is_the_same_calendar_as_the_check_start() -> None:
    """A never-matching rule is walked from _PROBE_START (dateutil walks it to year 9999);
    its verdicts are those from 2000 only if the calendar there is the same."""
    from datetime import date

    from mops.core.recurrence import _CHECK_START, _PROBE_START

    assert (_PROBE_START.year - _CHECK_START.year) % 400 == 0
    for month in range(1, 13):
        here = date(_CHECK_START.year, month, 1)
        there = date(_PROBE_START.year, month, 1)
        assert here.weekday() == there.weekday()
    assert date(_PROBE_START.year, 2, 29)  # a leap year, as 2000 is
