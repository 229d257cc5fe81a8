"""Heartbeat uptime and MTTA/MTTR on hand-made timelines."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.health.uptime import (
    IncidentTimes,
    mean_time_to_acknowledge,
    mean_time_to_resolve,
    merge_intervals,
    outages_from_pings,
    uptime_percent,
)

T0 = datetime(2025, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_hourly_monitor_with_one_missed_ping():
    # Pings every hour except 05:00; grace 10 min -> down from 05:10 to the 06:00 ping.
    pings = [at(h) for h in range(0, 24) if h != 5]
    outages = outages_from_pings(pings, period=H, grace=10 * M, window_start=T0, window_end=at(24))
    assert outages == [(at(5) + 10 * M, at(6))]
    assert uptime_percent(T0, at(24), outages) == pytest.approx(100 * (1 - (50 / 60) / 24))


def test_monitor_that_never_pings_is_down_after_period_and_grace():
    outages = outages_from_pings([], period=H, grace=5 * M, window_start=T0, window_end=at(10))
    assert outages == [(at(1) + 5 * M, at(10))]


def test_ping_before_the_window_decides_whether_it_starts_down():
    outages = outages_from_pings(
        [at(-3), at(2)], period=H, grace=0 * M, window_start=T0, window_end=at(3)
    )
    assert outages == [(T0, at(2))]  # due at -2h, so down from the window start


def test_overlapping_outages_are_counted_once_and_clipped_to_the_window():
    outages = [(at(-1), at(1)), (at(0.5), at(2)), (at(5), at(6)), (at(23), at(30))]
    assert uptime_percent(T0, at(24), outages) == pytest.approx(100 * (1 - 4 / 24))


def test_mtta_and_mttr_skip_open_incidents():
    incidents = [
        IncidentTimes(at(0), at(0) + 5 * M, at(1)),
        IncidentTimes(at(2), at(2) + 15 * M, at(5)),
        IncidentTimes(at(6), None, None),  # still open: counts for neither
        IncidentTimes(at(7), at(7) + 10 * M, None),  # acknowledged, not resolved
    ]
    assert mean_time_to_acknowledge(incidents) == 10 * M
    assert mean_time_to_resolve(incidents) == 2 * H
    assert mean_time_to_resolve([]) is None


@given(st.lists(st.tuples(st.floats(-48, 72), st.floats(0, 24)), max_size=20))
def test_uptime_is_between_0_and_100_and_merge_is_idempotent(raw):
    intervals = [(at(s), at(s + d)) for s, d in raw]
    merged = merge_intervals(intervals)
    assert merge_intervals(merged) == merged
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:], strict=False))
    assert 0 <= uptime_percent(T0, at(24), intervals) <= 100
