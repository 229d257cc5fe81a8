"""SLA clocks on a real business calendar, with hand-checked values (New York, Mon–Fri 9–17)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.businesstime import BusinessCalendar
from intake import slaclock

NY = ZoneInfo("America/New_York")
NINE_TO_FIVE = {d: [(time(9), time(17))] for d in range(5)}
H = timedelta(hours=1)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar.create(tz="America/New_York", week=NINE_TO_FIVE)


def read(calendar, timeline, *, clock="triage", target=4 * H, now, ratio=0.75):
    return slaclock.read_clock(
        calendar=calendar,
        timeline=timeline,
        clock=clock,
        target=target,
        at_risk_ratio=ratio,
        now=now,
    )


def test_friday_1630_plus_four_business_hours_is_monday_1230(calendar):
    # 2025-03-07 is a Friday: 30 min on Friday, 3 h 30 on Monday from 09:00.
    reading = read(calendar, [("submitted", ny(2025, 3, 7, 16, 30))], now=ny(2025, 3, 7, 16, 45))
    assert reading.due_at == ny(2025, 3, 10, 12, 30)
    assert reading.used == timedelta(minutes=15)
    assert reading.state == slaclock.ON_TRACK
    # at risk after 3 h of the 4 h budget: Monday 11:30
    assert reading.at_risk_at == ny(2025, 3, 10, 11, 30)


def test_clock_states_over_the_weekend_and_monday(calendar):
    timeline = [("submitted", ny(2025, 3, 7, 16, 30))]
    assert read(calendar, timeline, now=ny(2025, 3, 9, 12, 0)).used == timedelta(minutes=30)
    assert read(calendar, timeline, now=ny(2025, 3, 10, 11, 45)).state == slaclock.AT_RISK
    breached = read(calendar, timeline, now=ny(2025, 3, 10, 13, 0))
    assert breached.state == slaclock.BREACHED
    assert breached.used == timedelta(hours=4, minutes=30)
    assert breached.remaining == timedelta(minutes=-30)


def test_needs_info_pauses_triage_clock(calendar):
    # Submitted Monday 09:00, PM asks for info at 10:00 (1 h used), requester answers
    # Tuesday 10:00 (a pause of 8 business hours); 3 h left from Tuesday 10:00 → 13:00.
    timeline = [
        ("submitted", ny(2025, 3, 10, 9, 0)),
        ("needs_info", ny(2025, 3, 10, 10, 0)),
        ("submitted", ny(2025, 3, 11, 10, 0)),
    ]
    paused = read(calendar, timeline[:2], now=ny(2025, 3, 11, 9, 30))
    assert paused.used == H
    assert paused.paused_since == ny(2025, 3, 10, 10, 0)
    assert paused.state == slaclock.ON_TRACK  # the budget does not run while waiting
    assert paused.due_at == ny(2025, 3, 11, 12, 30)  # if it resumed now: 09:30 + 3 h

    resumed = read(calendar, timeline, now=ny(2025, 3, 11, 11, 0))
    assert resumed.due_at == ny(2025, 3, 11, 13, 0)
    assert resumed.used == 2 * H
    assert resumed.paused_business == 8 * H
    assert resumed.paused == [(ny(2025, 3, 10, 10, 0), ny(2025, 3, 11, 10, 0))]
    assert resumed.paused_since is None


def test_due_moves_out_by_the_paused_business_time(calendar):
    start = ny(2025, 3, 10, 9, 0)
    unpaused = read(calendar, [("submitted", start)], target=16 * H, now=start)
    paused = read(
        calendar,
        [
            ("submitted", start),
            ("needs_info", ny(2025, 3, 10, 11, 0)),
            ("submitted", ny(2025, 3, 10, 14, 0)),
        ],
        target=16 * H,
        now=ny(2025, 3, 10, 15, 0),
    )
    assert paused.paused_business == 3 * H
    assert paused.due_at == calendar.add(unpaused.due_at, 3 * H)


def test_public_holiday_is_skipped(calendar):
    # Friday 2025-07-04 (Independence Day) closed: Thursday 16:00 + 4 h → Monday 12:00.
    with_holiday = BusinessCalendar.create(
        tz="America/New_York", week=NINE_TO_FIVE, closed_dates=[date(2025, 7, 4)]
    )
    reading = read(with_holiday, [("submitted", ny(2025, 7, 3, 16, 0))], now=ny(2025, 7, 3, 16, 0))
    assert reading.due_at == ny(2025, 7, 7, 12, 0)
    without = read(calendar, [("submitted", ny(2025, 7, 3, 16, 0))], now=ny(2025, 7, 3, 16, 0))
    assert without.due_at == ny(2025, 7, 4, 12, 0)


def test_triage_decision_stops_the_clock_met_or_missed(calendar):
    start = ny(2025, 3, 10, 9, 0)
    met = read(
        calendar,
        [("submitted", start), ("accepted", ny(2025, 3, 10, 12, 0))],
        now=ny(2025, 3, 20, 9, 0),
    )
    assert (met.state, met.used, met.stopped_at) == (slaclock.MET, 3 * H, ny(2025, 3, 10, 12, 0))
    missed = read(
        calendar,
        [("submitted", start), ("rejected", ny(2025, 3, 11, 10, 0))],
        now=ny(2025, 3, 20, 9, 0),
    )
    assert missed.state == slaclock.MISSED
    assert missed.used == 9 * H


def test_delivery_clock_runs_from_acceptance_to_first_live(calendar):
    timeline = [
        ("submitted", ny(2025, 3, 10, 9, 0)),
        ("accepted", ny(2025, 3, 10, 10, 0)),
        ("in_progress", ny(2025, 3, 10, 11, 0)),
        ("live", ny(2025, 3, 12, 10, 0)),
        ("rolled_back", ny(2025, 3, 12, 11, 0)),
    ]
    reading = read(calendar, timeline, clock="delivery", target=40 * H, now=ny(2025, 4, 1, 9, 0))
    assert reading.started_at == ny(2025, 3, 10, 10, 0)
    assert reading.stopped_at == ny(2025, 3, 12, 10, 0)
    assert reading.used == 16 * H
    assert reading.state == slaclock.MET
    assert reading.due_at == ny(2025, 3, 17, 10, 0)  # 40 h = five 8-hour days


def test_clock_not_started_reads_empty(calendar):
    reading = read(calendar, [("draft", ny(2025, 3, 10, 9, 0))], now=ny(2025, 3, 10, 10, 0))
    assert reading.started_at is None and reading.state == "" and reading.due_at is None


def test_pause_after_breach_does_not_move_due(calendar):
    timeline = [
        ("submitted", ny(2025, 3, 10, 9, 0)),
        ("needs_info", ny(2025, 3, 10, 15, 0)),
        ("submitted", ny(2025, 3, 11, 15, 0)),
    ]
    reading = read(calendar, timeline, now=ny(2025, 3, 11, 16, 0))
    assert reading.due_at == ny(2025, 3, 10, 13, 0)
    assert reading.state == slaclock.BREACHED
    assert reading.used == 7 * H


def test_format_business():
    assert slaclock.format_business(timedelta(hours=3, minutes=30)) == "3 h 30 min"
    assert slaclock.format_business(timedelta(minutes=-30)) == "-30 min"
    assert slaclock.format_business(timedelta(hours=2)) == "2 h"
