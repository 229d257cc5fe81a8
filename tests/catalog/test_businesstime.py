"""The business-time engine: hand-checked due dates and clocks, DST nights, and properties.

Expected instants are written as ISO strings with their offset, so a test states both the
wall time and which side of a DST switch it is on. Property tests work in UTC: Python
compares and subtracts two datetimes of the *same* zone by wall time, ignoring `fold`,
which is wrong inside a repeated hour.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.businesstime import BusinessCalendar, CalendarError, SlaTarget, TargetKind

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
US = timedelta(microseconds=1)

NINE_TO_FIVE = {day: [(time(9), time(17))] for day in range(5)}
LUNCH_BREAK = {day: [(time(9), time(12)), (time(13), time(17))] for day in range(5)}
EVERY_DAY_NINE_TO_FIVE = {day: [(time(9), time(17))] for day in range(7)}
# Saturday 22:00 → Sunday 06:00: crosses midnight, and the 02:00/03:00 switch on DST Sundays.
NIGHT_SHIFT = {5: [(time(22), None)], 6: [(time(0), time(6))]}
ALWAYS = {day: [(time(0), None)] for day in range(7)}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def calendar(week: dict, tz: str = "America/New_York", closed: tuple = ()) -> BusinessCalendar:
    return BusinessCalendar.create(tz=tz, week=week, closed_dates=closed)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- due dates, New York Mon–Fri 9–17 ------------------------------------------------------


def test_friday_1630_plus_4h_is_monday_1230_new_york():
    due = calendar(NINE_TO_FIVE).add(ny(2026, 10, 16, 16, 30), hours(4))
    assert due.isoformat() == "2026-10-19T12:30:00-04:00"
    assert due.tzinfo is NY


def test_thanksgiving_is_skipped():
    wednesday_1600 = ny(2026, 11, 25, 16)
    with_holiday = calendar(NINE_TO_FIVE, closed=(date(2026, 11, 26),))
    assert with_holiday.add(wednesday_1600, hours(2)).isoformat() == "2026-11-27T10:00:00-05:00"
    assert calendar(NINE_TO_FIVE).add(wednesday_1600, hours(2)).isoformat() == (
        "2026-11-26T10:00:00-05:00"
    )


def test_observed_independence_day_friday_pushes_due_date_to_monday():
    engine = calendar(NINE_TO_FIVE, closed=(date(2026, 7, 3),))
    assert engine.add(ny(2026, 7, 2, 16), hours(2)).isoformat() == "2026-07-06T10:00:00-04:00"
    assert not engine.is_open(ny(2026, 7, 3, 10))


def test_closed_dates_may_come_as_a_mapping_of_names():
    engine = BusinessCalendar.create(
        tz="America/New_York", week=NINE_TO_FIVE, closed_dates={date(2026, 11, 26): "Thanksgiving"}
    )
    assert engine.closed_dates == frozenset({date(2026, 11, 26)})


def test_start_on_saturday_counts_from_monday_opening():
    engine = calendar(NINE_TO_FIVE)
    assert engine.add(ny(2026, 10, 17, 10), hours(1)).isoformat() == "2026-10-19T10:00:00-04:00"
    assert engine.add(ny(2026, 10, 17, 10), timedelta(0)).isoformat() == (
        "2026-10-19T09:00:00-04:00"
    )


def test_start_exactly_at_1700_is_after_hours():
    engine = calendar(NINE_TO_FIVE)
    friday_1700 = ny(2026, 10, 16, 17)
    assert not engine.is_open(friday_1700)
    assert engine.is_open(friday_1700 - US)
    assert engine.add(friday_1700, hours(1)).isoformat() == "2026-10-19T10:00:00-04:00"
    assert engine.next_open(friday_1700).isoformat() == "2026-10-19T09:00:00-04:00"


def test_zero_duration_is_the_start_when_open_else_the_next_opening():
    engine = calendar(NINE_TO_FIVE)
    assert engine.add(ny(2026, 10, 16, 9), timedelta(0)) == ny(2026, 10, 16, 9)
    assert engine.add(ny(2026, 10, 16, 8, 59), timedelta(0)) == ny(2026, 10, 16, 9)
    assert engine.add(ny(2026, 10, 16, 17), timedelta(0)) == ny(2026, 10, 19, 9)


def test_due_date_may_land_exactly_at_closing_time():
    engine = calendar(NINE_TO_FIVE)
    assert engine.add(ny(2026, 10, 19, 16), hours(1)).isoformat() == "2026-10-19T17:00:00-04:00"
    assert engine.add(ny(2026, 10, 16, 9), hours(8)).isoformat() == "2026-10-16T17:00:00-04:00"


def test_a_week_of_business_hours_is_forty():
    engine = calendar(NINE_TO_FIVE)
    assert engine.elapsed(ny(2026, 10, 19), ny(2026, 10, 26)) == hours(40)
    assert engine.add(ny(2026, 10, 19, 9), hours(40)).isoformat() == "2026-10-23T17:00:00-04:00"


def test_thirty_business_days_across_the_new_year_and_holidays():
    closed = (date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 18))
    engine = calendar(NINE_TO_FIVE, closed=closed)
    start = ny(2026, 12, 14, 9)
    # Open weekdays: Dec 14–18 (5), 21–24 (4), 28–31 (4), Jan 4–8 (5), 11–15 (5),
    # 19–22 (4, after MLK day), 25–27 (3) = 30, so the 30th ends Wednesday 27 January.
    assert engine.add(start, hours(30 * 8)).isoformat() == "2027-01-27T17:00:00-05:00"
    assert engine.elapsed(start, ny(2027, 1, 27, 17)) == hours(240)


def test_inputs_in_any_zone_give_results_in_the_calendar_zone():
    engine = calendar(NINE_TO_FIVE)
    due = engine.add(utc(2026, 10, 16, 20, 30), hours(4))  # = Friday 16:30 New York
    assert due.isoformat() == "2026-10-19T12:30:00-04:00"


def test_microseconds_are_exact():
    engine = calendar(NINE_TO_FIVE)
    start = ny(2026, 10, 16, 16, 59, 59, 999_999)
    assert engine.add(start, 2 * US).isoformat() == "2026-10-19T09:00:00.000001-04:00"
    assert engine.elapsed(start, ny(2026, 10, 19, 9, 0, 0, 1)) == 2 * US
    at_risk = hours(16) * 0.8  # what the due-date API asks: 80 % of 2 business days
    assert engine.add(ny(2026, 10, 19, 9), at_risk).isoformat() == "2026-10-20T13:48:00-04:00"


def test_naive_datetimes_and_negative_durations_are_refused():
    engine = calendar(NINE_TO_FIVE)
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        engine.add(datetime(2026, 10, 16, 9), hours(1))  # noqa: DTZ001  (the point of the test)
    with pytest.raises(CalendarError, match="negative"):
        engine.add(ny(2026, 10, 16, 9), -hours(1))


# --- lunch breaks, 24/7, night shifts ------------------------------------------------------


def test_lunch_break_is_not_business_time():
    engine = calendar(LUNCH_BREAK)
    monday_1100 = ny(2026, 10, 19, 11)
    assert engine.add(monday_1100, hours(2)).isoformat() == "2026-10-19T14:00:00-04:00"
    assert engine.add(monday_1100, hours(1)).isoformat() == "2026-10-19T12:00:00-04:00"
    assert engine.elapsed(monday_1100, ny(2026, 10, 19, 14)) == hours(2)
    assert not engine.is_open(ny(2026, 10, 19, 12, 30))
    assert engine.next_open(ny(2026, 10, 19, 12, 30)) == ny(2026, 10, 19, 13)
    assert engine.elapsed(ny(2026, 10, 19), ny(2026, 10, 20)) == hours(7)


def test_touching_intervals_are_one_stretch():
    split = calendar({0: [(time(9), time(12)), (time(12), time(17))]})
    assert split.is_open(ny(2026, 10, 19, 12))
    assert split.elapsed(ny(2026, 10, 19), ny(2026, 10, 20)) == hours(8)


def test_always_open_counts_real_time():
    engine = BusinessCalendar.always_open()
    start = utc(2026, 1, 3, 23)  # a Saturday
    assert engine.add(start, hours(5)) == start + hours(5)
    assert engine.is_open(utc(2026, 1, 4))
    assert engine.elapsed(start, utc(2027, 1, 3, 23)) == timedelta(days=365)


def test_always_open_new_york_counts_real_hours_on_dst_days():
    engine = BusinessCalendar.always_open("America/New_York")
    assert engine.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == hours(23)
    assert engine.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == hours(25)
    due = engine.add(ny(2026, 3, 7, 23), hours(5))
    assert due.isoformat() == "2026-03-08T05:00:00-04:00"


def test_24_7_with_a_holiday_stops_at_its_midnight():
    engine = calendar(ALWAYS, tz="UTC", closed=(date(2026, 12, 25),))
    assert engine.add(utc(2026, 12, 24, 23), hours(2)) == utc(2026, 12, 26, 1)
    # The end-of-interval rule: one hour is used up exactly when the 24th ends.
    assert engine.add(utc(2026, 12, 24, 23), hours(1)) == utc(2026, 12, 25)
    assert not engine.is_open(utc(2026, 12, 25))


def test_night_shift_runs_through_midnight():
    engine = calendar(NIGHT_SHIFT)
    assert engine.is_open(ny(2026, 10, 18))
    assert engine.add(ny(2026, 10, 17, 23), hours(2)).isoformat() == "2026-10-18T01:00:00-04:00"
    assert engine.elapsed(ny(2026, 10, 17), ny(2026, 10, 19)) == hours(8)


def test_local_month_boundaries_differ_from_utc_ones():
    # 22:00 on 31 October in New York is already November in UTC; 00:30 on 1 December in
    # Berlin is still November in UTC. Both must read the local month's hours.
    new_york = BusinessCalendar.always_open("America/New_York")
    assert new_york.add(ny(2026, 10, 31, 22), hours(4)).isoformat() == "2026-11-01T01:00:00-05:00"
    late_berlin = calendar({0: [(time(0), time(1))], 6: [(time(23), None)]}, tz="Europe/Berlin")
    assert late_berlin.is_open(berlin(2026, 11, 30, 0, 30))  # Monday 30 Nov, 23:30 UTC on 29th
    assert late_berlin.elapsed(berlin(2026, 11, 29), berlin(2026, 12, 1)) == hours(2)
    assert late_berlin.add(berlin(2026, 11, 29, 23, 30), hours(1)).isoformat() == (
        "2026-11-30T00:30:00+01:00"
    )


# --- pauses --------------------------------------------------------------------------------


def test_needs_info_pause_over_a_weekend_stops_the_clock():
    engine = calendar(NINE_TO_FIVE)
    start, end = ny(2026, 10, 15, 10), ny(2026, 10, 20, 12)  # Thursday → Tuesday
    assert engine.elapsed(start, end) == hours(26)  # 7 + 8 + 8 + 3
    needs_info = (ny(2026, 10, 16, 15), ny(2026, 10, 19, 11))  # Fri 15:00 → Mon 11:00
    assert engine.elapsed(start, end, paused=[needs_info]) == hours(22)  # minus 2 + 2


def test_overlapping_pauses_count_once_and_are_clipped_to_the_range():
    engine = calendar(NINE_TO_FIVE)
    start, end = ny(2026, 10, 15, 10), ny(2026, 10, 20, 12)
    paused = [
        (ny(2026, 10, 16, 16), ny(2026, 10, 19, 11)),
        (ny(2026, 10, 16, 15), ny(2026, 10, 17, 12)),  # overlaps the first
        (ny(2026, 10, 16, 15), ny(2026, 10, 17, 12)),  # and again
        (ny(2026, 10, 14), ny(2026, 10, 15, 11)),  # starts before the range: 10:00–11:00
        (ny(2026, 10, 20, 11), ny(2026, 10, 30)),  # ends after it: 11:00–12:00
        (ny(2026, 10, 19, 14), ny(2026, 10, 19, 13)),  # backwards: nothing
    ]
    assert engine.elapsed(start, end, paused=paused) == hours(26 - 4 - 1 - 1)


def test_end_before_start_is_no_time():
    engine = calendar(NINE_TO_FIVE)
    assert engine.elapsed(ny(2026, 10, 20), ny(2026, 10, 19)) == timedelta(0)


# --- DST: New York 2026-03-08 / 2026-11-01, Berlin 2026-03-29 / 2026-10-25 -----------------


def test_day_hours_stay_local_on_new_york_dst_sundays():
    engine = calendar(EVERY_DAY_NINE_TO_FIVE)
    assert engine.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == hours(8)
    assert engine.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == hours(8)
    assert engine.add(ny(2026, 3, 7, 16), hours(2)).isoformat() == "2026-03-08T10:00:00-04:00"
    assert engine.add(ny(2026, 10, 31, 16), hours(2)).isoformat() == "2026-11-01T10:00:00-05:00"


def test_night_shift_over_new_york_spring_forward_is_an_hour_short():
    engine = calendar(NIGHT_SHIFT)
    # Sat 22:00–24:00 (2 h) + Sun 00:00 EST–06:00 EDT (5 h)
    assert engine.elapsed(ny(2026, 3, 7), ny(2026, 3, 9)) == hours(7)
    assert engine.add(ny(2026, 3, 7, 22), hours(4)).isoformat() == "2026-03-08T03:00:00-04:00"
    assert engine.add(ny(2026, 3, 7, 22), hours(7)).isoformat() == "2026-03-08T06:00:00-04:00"


def test_night_shift_over_new_york_fall_back_is_an_hour_long():
    engine = calendar(NIGHT_SHIFT)
    # Sat 22:00–24:00 (2 h) + Sun 00:00 EDT–06:00 EST (7 h)
    assert engine.elapsed(ny(2026, 10, 31), ny(2026, 11, 2)) == hours(9)
    first_one_am = engine.add(ny(2026, 10, 31, 22), hours(3))
    second_one_am = engine.add(ny(2026, 10, 31, 22), hours(4))
    assert first_one_am.isoformat() == "2026-11-01T01:00:00-04:00"
    assert second_one_am.isoformat() == "2026-11-01T01:00:00-05:00"
    assert second_one_am.astimezone(UTC) - first_one_am.astimezone(UTC) == hours(1)


def test_one_to_three_am_is_one_real_hour_on_spring_forward_night():
    engine = calendar({6: [(time(1), time(3))]})
    assert engine.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == hours(1)
    assert engine.elapsed(ny(2026, 3, 15), ny(2026, 3, 16)) == hours(2)
    # Fall back: from the first 01:00 (EDT) to 03:00 EST, through both 01:xx hours.
    assert engine.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == hours(3)


# (week, [(from, to, elapsed hours)], [(from, hours added, the instant reached)]) in Berlin.
BERLIN_DST_SUNDAYS = [
    # Sat 22:00 CET → Sun 06:00 CEST is 7 real hours; in October CEST → CET it is 9.
    pytest.param(
        NIGHT_SHIFT,
        [((3, 28), (3, 30), 7), ((10, 24), (10, 26), 9)],
        [
            ((3, 28, 22), 4, "2026-03-29T03:00:00+02:00"),
            ((10, 24, 22), 4, "2026-10-25T02:00:00+02:00"),
            ((10, 24, 22), 5, "2026-10-25T02:00:00+01:00"),
        ],
        id="night-shift",
    ),
    # Day hours stay local.
    pytest.param(
        EVERY_DAY_NINE_TO_FIVE,
        [((3, 29), (3, 30), 8), ((10, 25), (10, 26), 8)],
        [
            ((3, 28, 16), 2, "2026-03-29T10:00:00+02:00"),
            ((10, 24, 16), 2, "2026-10-25T10:00:00+01:00"),
        ],
        id="day-hours",
    ),
]


@pytest.mark.parametrize(("week", "spans", "additions"), BERLIN_DST_SUNDAYS)
def test_shifts_over_berlin_dst_sundays(week, spans, additions):
    engine = calendar(week, tz="Europe/Berlin")
    for start, end, elapsed in spans:
        assert engine.elapsed(berlin(2026, *start), berlin(2026, *end)) == hours(elapsed)
    for start, added, reached in additions:
        assert engine.add(berlin(2026, *start), hours(added)).isoformat() == reached


def test_skipped_wall_time_means_the_instant_the_clock_jumps():
    engine = calendar({6: [(time(2, 30), time(4))]}, tz="Europe/Berlin")
    # 02:30 does not exist on 29 March: the shift opens when the clock jumps to 03:00.
    assert engine.next_open(berlin(2026, 3, 29)).isoformat() == "2026-03-29T03:00:00+02:00"
    assert engine.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(1)


def test_interval_wholly_inside_the_gap_is_empty_that_night():
    engine = calendar({6: [(time(2, 15), time(2, 45))]}, tz="Europe/Berlin")
    assert engine.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(0)
    assert engine.next_open(berlin(2026, 3, 29)).isoformat() == "2026-04-05T02:15:00+02:00"


def test_repeated_wall_time_means_its_first_occurrence():
    late = calendar({6: [(time(2, 30), time(5))]}, tz="Europe/Berlin")
    # 02:30 CEST (the first) → 05:00 CET
    assert late.next_open(berlin(2026, 10, 25)).isoformat() == "2026-10-25T02:30:00+02:00"
    assert late.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == hours(3.5)
    early = calendar({6: [(time(1), time(2, 30))]}, tz="Europe/Berlin")
    # 01:00 CEST → the first 02:30 (CEST): the repeated half hour after it is not counted.
    assert early.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == hours(1.5)
    assert not early.is_open(utc(2026, 10, 25, 1, 15))  # 02:15 CET, the second time round


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "message"),
    [
        pytest.param(
            {0: [(time(9), time(13)), (time(12), time(17))]},
            "Monday: 09:00–13:00 overlaps 12:00–17:00",
            id="overlapping",
        ),
        pytest.param(
            {4: [(time(20), None), (time(22), time(23))]},
            "Friday: 20:00–24:00 overlaps 22:00–23:00",
            id="overlapping-24:00",
        ),
        pytest.param(
            {1: [(time(17), time(9))]},
            "Tuesday: 17:00–09:00 ends at or before it starts",
            id="start-after-end",
        ),
        pytest.param(
            {1: [(time(9), time(9))]}, "Tuesday: 09:00–09:00 ends at or before", id="empty"
        ),
        pytest.param(
            {3: [(time(22), time(0))]},
            "Thursday: 22:00–00:00 ends at or before it starts (use None as the end for 24:00)",
            id="midnight-end",
        ),
        pytest.param(
            {2: [(time(13), time(17)), (time(9), time(12))]},
            "Wednesday: 09:00–12:00 comes after 13:00–17:00",
            id="unsorted",
        ),
        pytest.param({}, "Monday … Sunday are all closed", id="empty-week"),
        pytest.param(
            {day: [] for day in range(7)}, "Monday … Sunday are all closed", id="all-days-closed"
        ),
        pytest.param({7: [(time(9), time(17))]}, "7 is not a weekday", id="unknown-weekday"),
        pytest.param(
            {5: [("09:00", "17:00")]}, "Saturday: ('09:00', '17:00') needs datetime.time", id="text"
        ),
        pytest.param(
            {6: [(time(9, tzinfo=UTC), time(17))]},
            "Sunday: 09:00+00:00–17:00 must be local wall times",
            id="aware-time",
        ),
    ],
)
def test_impossible_weeks_are_refused_naming_the_weekday(week: dict, message: str):
    with pytest.raises(CalendarError) as exc:
        BusinessCalendar.create(tz="America/New_York", week=week)
    assert exc.value.field == "week"
    assert message in exc.value.message
    assert isinstance(exc.value, ValueError)


def test_unknown_time_zone_is_refused():
    with pytest.raises(CalendarError) as exc:
        BusinessCalendar.create(tz="Mars/Olympus", week=NINE_TO_FIVE)
    assert (exc.value.field, exc.value.message) == (
        "tz",
        "'Mars/Olympus' is not a known time zone.",
    )
    assert str(exc.value) == "tz: 'Mars/Olympus' is not a known time zone."


def test_calendar_error_survives_pickling_for_workers():
    error = pickle.loads(pickle.dumps(CalendarError("week", "Monday: overlaps")))
    assert (error.field, error.message, str(error)) == (
        "week",
        "Monday: overlaps",
        "week: Monday: overlaps",
    )


def test_closed_dates_must_be_dates_not_datetimes():
    with pytest.raises(CalendarError) as exc:
        calendar(NINE_TO_FIVE, closed=(ny(2026, 11, 26),))
    assert exc.value.field == "closed_dates"


def test_calendar_closed_for_fifty_years_fails_instead_of_looping():
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(52 * 60)]
    engine = calendar({0: [(time(9), time(10))]}, closed=tuple(mondays))
    with pytest.raises(CalendarError, match="does not fit in the 50 years") as exc:
        engine.add(ny(2026, 1, 1), hours(1))
    assert exc.value.field == "duration"
    with pytest.raises(CalendarError, match="does not open in the 50 years"):
        engine.next_open(ny(2026, 1, 1))


def test_calendars_are_values():
    first = calendar(NINE_TO_FIVE, closed=(date(2026, 11, 26),))
    first.add(ny(2026, 10, 16, 9), hours(100))  # fills its cache
    second = calendar(NINE_TO_FIVE, closed=(date(2026, 11, 26),))
    assert first == second
    assert hash(first) == hash(second)
    assert first.week[0] == ((time(9), time(17)),)
    assert first.week[5] == ()


# --- properties ----------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin"]
# 2026's clock changes in both zones, where the bugs live.
TRANSITIONS = [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]
QUARTER = timedelta(minutes=15)
FIXED_WEEKS = [NINE_TO_FIVE, LUNCH_BREAK, EVERY_DAY_NINE_TO_FIVE, NIGHT_SHIFT, ALWAYS]


def _clock(quarter: int) -> time | None:
    return None if quarter == 96 else time(quarter // 4, quarter % 4 * 15)


def _intervals(points: set[int]) -> list[tuple[time, time | None]]:
    """Sorted quarter hours, paired up: {8, 36, 52, 96} → 02:00–09:00, 13:00–24:00."""
    ordered = sorted(points)
    return [(_clock(a), _clock(b)) for a, b in zip(ordered[::2], ordered[1::2], strict=False)]  # type: ignore[misc]


def _week_length(week: dict) -> timedelta:
    """Nominal business time in a week (ignores DST and holidays); sizes the durations."""
    total = timedelta(0)
    for intervals in week.values():
        for start, end in intervals:
            close = (
                timedelta(hours=24)
                if end is None
                else timedelta(hours=end.hour, minutes=end.minute)
            )
            total += close - timedelta(hours=start.hour, minutes=start.minute)
    return total


class Scenario(NamedTuple):
    engine: BusinessCalendar
    week: dict
    start: datetime
    duration: timedelta
    other_duration: timedelta


random_weeks = (
    st.lists(st.sets(st.integers(0, 96), max_size=6).map(_intervals), min_size=7, max_size=7)
    .filter(any)
    .map(lambda days: dict(enumerate(days)))
)
weeks = st.sampled_from(FIXED_WEEKS) | random_weeks
anchors = st.sampled_from(TRANSITIONS) | st.integers(0, 364 * 96).map(
    lambda q: utc(2026, 1, 1) + q * QUARTER
)
offsets = st.integers(-4 * 1440, 4 * 1440).map(lambda m: timedelta(minutes=m))
jitters = st.just(0) | st.integers(0, 59_999_999)
fractions = st.integers(0, 10**6)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A calendar (fixed or random, New York or Berlin, a few closed dates) and a start near
    a 2026 DST switch or anywhere in 2026, on a quarter hour or not, given in UTC or local
    time; two durations of up to three weeks of business time, snapped to quarter hours
    (to hit interval boundaries) or to the microsecond."""
    zone = draw(st.sampled_from(ZONES))
    week = draw(weeks)
    moment = draw(anchors) + draw(offsets) + timedelta(microseconds=draw(jitters))
    start = moment.astimezone(draw(st.sampled_from([UTC, ZoneInfo(zone)])))
    first_day = start.astimezone(ZoneInfo(zone)).date()
    closed = {first_day + timedelta(days=k) for k in draw(st.sets(st.integers(-1, 30), max_size=6))}
    engine = BusinessCalendar.create(tz=zone, week=week, closed_dates=closed)
    span = 3 * _week_length(week) // US

    def duration() -> timedelta:
        micros = span * draw(fractions) // 10**6
        if draw(st.booleans()):
            micros -= micros % (QUARTER // US)
        return micros * US

    return Scenario(engine, week, start, duration(), duration())


fast = settings(max_examples=200, deadline=None)


@fast
@given(scenarios())
def test_add_then_elapsed_gives_back_the_duration(case: Scenario):
    due = case.engine.add(case.start, case.duration)
    assert due.tzinfo is case.engine.tz
    assert case.engine.elapsed(case.start, due) == case.duration


@fast
@given(scenarios())
def test_add_lands_in_working_hours_or_exactly_at_an_interval_end(case: Scenario):
    """The documented rule: a due date is the earliest instant the duration is used up, so
    the microsecond before it is business time (it may itself be a closing time); a zero
    duration gives the next open instant."""
    engine, start, duration = case.engine, case.start, case.duration
    due = engine.add(start, duration).astimezone(UTC)
    assert due >= start
    if duration:
        assert engine.is_open(due - US)
        assert (due - US).astimezone(engine.tz).date() not in engine.closed_dates
        assert engine.elapsed(start, due - US) == duration - US
    else:
        assert engine.is_open(due)
        assert due.astimezone(engine.tz).date() not in engine.closed_dates
        assert engine.elapsed(start, due) == timedelta(0)


@fast
@given(scenarios())
def test_longer_durations_never_finish_earlier(case: Scenario):
    shorter, longer = sorted([case.duration, case.other_duration])
    earlier = case.engine.add(case.start, shorter).astimezone(UTC)
    assert earlier <= case.engine.add(case.start, longer).astimezone(UTC)


@fast
@given(scenarios(), st.integers(0, 6 * 1440), st.integers(0, 6 * 86_400 * 10**6))
def test_elapsed_is_additive_over_split_points(case: Scenario, minutes: int, micros: int):
    a = case.start
    b = a.astimezone(UTC) + timedelta(minutes=minutes)
    c = b + micros * US
    assert case.engine.elapsed(a, c) == case.engine.elapsed(a, b) + case.engine.elapsed(b, c)


@fast
@given(scenarios(), st.integers(-60, 8 * 1440))
def test_elapsed_matches_a_day_by_day_reference(case: Scenario, minutes: int):
    end = case.start.astimezone(UTC) + timedelta(minutes=minutes)
    expected = _reference_elapsed(case.engine, case.week, case.start, end)
    assert case.engine.elapsed(case.start, end) == expected


@fast
@given(scenarios(), st.lists(st.integers(-1440, 8 * 1440), min_size=5, max_size=5))
def test_pauses_subtract_their_business_time_once(case: Scenario, minutes: list[int]):
    engine, a = case.engine, case.start.astimezone(UTC)
    p, q, r, s, end = sorted(a + timedelta(minutes=m) for m in minutes)
    whole = engine.elapsed(a, end)
    # One pause: exactly its business time inside the range goes.
    clipped = engine.elapsed(max(a, p), min(end, r))
    assert engine.elapsed(a, end, paused=[(p, r)]) == whole - clipped
    # Overlapping, repeated and adjoining pauses count as their union.
    union = engine.elapsed(a, end, paused=[(p, s)])
    assert engine.elapsed(a, end, paused=[(q, s), (p, r), (p, r)]) == union
    assert engine.elapsed(a, end, paused=[(p, q), (q, s)]) == union


@fast
@given(scenarios())
def test_is_open_and_next_open_agree_with_elapsed(case: Scenario):
    engine, at = case.engine, case.start.astimezone(UTC)
    assert engine.is_open(at) == (engine.elapsed(at, at + US) == US)
    opening = engine.next_open(at).astimezone(UTC)
    assert opening >= at
    assert engine.is_open(opening)
    assert engine.elapsed(at, opening) == timedelta(0)
    assert (opening == at) == engine.is_open(at)


def _reference_elapsed(
    engine: BusinessCalendar, week: dict, start: datetime, end: datetime
) -> timedelta:
    """Business time by brute force: every local day, every interval, clipped to the range."""
    tz = engine.tz
    total = timedelta(0)
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        if day not in engine.closed_dates:
            for open_at, close_at in week.get(day.weekday(), []):
                lo = _reference_instant(tz, datetime.combine(day, open_at))
                hi = _reference_instant(
                    tz,
                    datetime.combine(day + timedelta(days=1), time(0))
                    if close_at is None
                    else datetime.combine(day, close_at),
                )
                total += max(min(hi, end) - max(lo, start), timedelta(0))
        day += timedelta(days=1)
    return total


def _reference_instant(tz: ZoneInfo, wall: datetime) -> datetime:
    """The first instant the local clock shows `wall` or later, found by scanning minutes."""
    aware = wall.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return aware.astimezone(UTC)  # fold=0 is the first occurrence
    moment = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # before the jump
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


# --- business-day targets (issue #20, item 5) --------------------------------------------------

LONDON = ZoneInfo("Europe/London")
# London hours with lunch: 09:00–12:30, 13:00–17:00 = 7 h 30 min a day.
LONDON_LUNCH = {day: [(time(9), time(12, 30)), (time(13), time(17))] for day in range(5)}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def london_calendar(closed: tuple = ()) -> BusinessCalendar:
    return calendar(LONDON_LUNCH, tz="Europe/London", closed=closed)


def test_end_of_this_business_day_from_friday_noon_is_friday_close():
    cal = london_calendar()
    friday = london(2026, 12, 4, 12, 6)
    target = SlaTarget(TargetKind.END_OF_DAY, 0)
    assert cal.due(friday, target).isoformat() == "2026-12-04T17:00:00+00:00"
    # 7.5 business hours ("a day" typed in hours) spills into Monday: the old way.
    assert cal.add(friday, hours(7.5)).isoformat() == "2026-12-07T12:06:00+00:00"
    # The clock counts down exactly the business time left today (lunch excluded).
    assert cal.budget(friday, target) == timedelta(hours=4, minutes=24)


def test_end_of_next_business_day_skips_the_weekend_and_closed_days():
    cal = london_calendar(closed=(date(2026, 12, 7),))
    target = SlaTarget(TargetKind.END_OF_DAY, 1)
    assert cal.due(london(2026, 12, 4, 12, 6), target).isoformat() == "2026-12-08T17:00:00+00:00"


def test_after_hours_this_business_day_is_the_next_one():
    cal = london_calendar()
    target = SlaTarget(TargetKind.END_OF_DAY, 0)
    assert cal.due(london(2026, 12, 4, 17, 0), target).isoformat() == "2026-12-07T17:00:00+00:00"
    assert cal.due(london(2026, 12, 5, 10, 0), target).isoformat() == "2026-12-07T17:00:00+00:00"
    assert cal.due(london(2026, 12, 4, 12, 45), target).isoformat() == "2026-12-04T17:00:00+00:00"


def test_business_days_keep_the_position_in_the_day():
    cal = london_calendar()
    two_days = SlaTarget(TargetKind.BUSINESS_DAYS, 2)
    assert cal.due(london(2026, 12, 3, 14, 0), two_days).isoformat() == "2026-12-07T14:00:00+00:00"
    # From an opening: the earliest instant, the close two business days on (Tue 17:00).
    assert cal.due(london(2026, 12, 7, 9, 0), two_days).isoformat() == "2026-12-08T17:00:00+00:00"
    assert cal.budget(london(2026, 12, 3, 14, 0), two_days) == timedelta(hours=15)


def test_a_shorter_target_day_caps_at_its_close():
    week = {**LONDON_LUNCH, 4: [(time(9), time(13))]}  # Friday: 09:00–13:00
    cal = calendar(week, tz="Europe/London")
    due = cal.due(london(2026, 12, 3, 16, 0), SlaTarget(TargetKind.BUSINESS_DAYS, 1))
    assert due.isoformat() == "2026-12-04T13:00:00+00:00"


def test_day_length_is_the_calendars_own():
    assert london_calendar().day_length() == timedelta(hours=7, minutes=30)
    assert calendar(NINE_TO_FIVE).day_length() == timedelta(hours=8)
    week = {**NINE_TO_FIVE, 4: [(time(9), time(13))]}
    assert calendar(week).day_length() == timedelta(hours=8)


def test_targets_describe_themselves_in_the_calendars_day_length():
    day = london_calendar().day_length()
    assert SlaTarget(TargetKind.BUSINESS_DAYS, 2).describe(day) == (
        "2 business days (15 h at 7 h 30 min a day)"
    )
    assert SlaTarget(TargetKind.END_OF_DAY, 0).describe(day) == "end of this business day"
    assert SlaTarget(TargetKind.END_OF_DAY, 1).describe(day) == "end of next business day"
    assert SlaTarget(TargetKind.HOURS, Decimal("4.5")).describe(day) == (
        "4 h 30 min of business time"
    )


@pytest.mark.parametrize(
    ("kind", "amount", "field"),
    [
        ("weeks", 1, "kind"),
        (TargetKind.HOURS, 0, "amount"),
        (TargetKind.BUSINESS_DAYS, Decimal("1.5"), "amount"),
        (TargetKind.BUSINESS_DAYS, 0, "amount"),
        (TargetKind.END_OF_DAY, -1, "amount"),
    ],
)
def test_impossible_targets_are_refused_naming_the_field(kind, amount, field):
    with pytest.raises(CalendarError) as exc:
        SlaTarget(kind, amount)
    assert exc.value.field == field


def test_a_closed_day_has_no_opening_or_close():
    cal = london_calendar()
    with pytest.raises(CalendarError, match="not a business day"):
        cal.day_close(date(2026, 12, 5))


_STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(LONDON),
)
_CLOSED = st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 3, 1)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(start=_STARTS, days=st.integers(min_value=1, max_value=30), closed=_CLOSED)
def test_business_days_equal_whole_days_of_business_time_on_alike_days(start, days, closed):
    cal = london_calendar(closed=tuple(closed))
    due = cal.add_business_days(start, days)
    expected = cal.add(start, cal.day_length() * days)
    assert due.astimezone(UTC) == expected.astimezone(UTC)


@settings(max_examples=150, deadline=None)
@given(start=_STARTS, after=st.integers(min_value=0, max_value=3), closed=_CLOSED)
def test_end_of_business_day_is_a_close_within_reach(start, after, closed):
    cal = london_calendar(closed=tuple(closed))
    target = SlaTarget(TargetKind.END_OF_DAY, after)
    due = cal.due(start, target)
    assert due.astimezone(UTC) > start.astimezone(UTC)
    assert not cal.is_open(due) and cal.is_open(due - US)  # exactly a closing time
    budget = cal.budget(start, target)
    assert budget <= cal.day_length() * (after + 1)
    assert cal.add(start, budget).astimezone(UTC) == due.astimezone(UTC)
    assert due.date() == (
        cal.business_day_of(start)
        if after == 0
        else cal.next_business_day(cal.end_of_business_day(start, days_after=after - 1).date())
    )


@pytest.mark.parametrize("tz", ["America", "Europe/" + "x" * 300])
def test_a_zone_database_folder_or_an_overlong_name_is_refused_not_an_oserror(tz):
    with pytest.raises(CalendarError) as exc:
        BusinessCalendar.create(tz=tz, week=NINE_TO_FIVE)
    assert exc.value.field == "tz"
