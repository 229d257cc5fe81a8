"""Robust z-score anomaly detection: hand-computed values, seasonality, minimum history."""

import math
import statistics
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.health.anomaly import (
    detect,
    robust_z,
)

MONDAY = date(2025, 3, 3)


def daily(values, start=MONDAY):
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def test_robust_z_matches_hand_computation():
    # median 10, absolute deviations 0,1,1,2,2 -> MAD 1; z = 0.6745 * (20 - 10) / 1
    z, median, mad = robust_z(20, [8, 9, 10, 11, 12])
    assert (median, mad) == (10, 1)
    assert z == pytest.approx(6.745)


def test_one_outlier_in_history_does_not_mask_the_next_anomaly():
    dirty = [10, 10, 11, 9, 10, 11, 9, 10_000]
    z, *_ = robust_z(16, dirty)
    assert z > 3.5  # robust: still flagged
    mean, sd = statistics.fmean(dirty), statistics.pstdev(dirty)
    assert abs(16 - mean) / sd < 1  # a plain z-score would call 16 perfectly normal


def test_flat_history_uses_a_spread_floor_of_one_percent_of_the_median():
    z, _, mad = robust_z(14, [10, 10, 10, 10, 10, 10, 18])  # MAD 0 -> spread 0.1
    assert mad == 0
    assert z == pytest.approx(0.6745 * 4 / 0.1)
    assert robust_z(1001, [1000] * 8)[0] == pytest.approx(0.06745)  # not an anomaly
    assert robust_z(1, [0] * 8)[0] == math.inf  # nothing ever happened, now something did
    assert robust_z(0, [0] * 8)[0] == 0


def test_no_alert_before_minimum_history():
    result = detect(daily([100] * 7), (MONDAY + timedelta(days=7), 1_000_000))
    assert not result.is_anomaly
    assert result.basis == "insufficient"
    assert result.points == 7


def test_volume_drop_alerts_once_history_is_long_enough():
    history = daily([100, 104, 98, 101, 99, 102, 97, 103])
    result = detect(history, (MONDAY + timedelta(days=8), 20), seasonal=False)
    assert result.is_anomaly
    assert result.direction == "low"
    assert result.basis == "all"


def test_weekend_dip_is_normal_when_compared_with_the_same_weekday():
    # Five weeks: weekdays ~1000 rows, weekends ~100 rows.
    weeks = [[1000 + 7 * w, 1010, 990 - w, 1005, 995, 100 + 3 * w, 110 - 2 * w] for w in range(5)]
    history = daily([v for week in weeks for v in week])
    saturday = MONDAY + timedelta(days=35 + 5)
    assert detect(history, (saturday, 105)).is_anomaly is False
    assert detect(history, (saturday, 105)).basis == "weekday"
    # Without seasonality the same Saturday looks like a collapse.
    assert detect(history, (saturday, 105), seasonal=False).is_anomaly is True
    # And a weekday that looks like a weekend is caught.
    assert detect(history, (MONDAY + timedelta(days=35), 105)).is_anomaly is True


def test_direction_high_ignores_drops():
    history = daily([2, 3, 2, 3, 2, 3, 2, 3, 2])  # freshness lag in hours
    assert detect(history, (MONDAY + timedelta(days=9), 30), direction="high").is_anomaly
    assert not detect(history, (MONDAY + timedelta(days=9), -30), direction="high").is_anomaly


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=50))
def test_value_at_the_median_is_never_anomalous(history):
    if len(history) % 2 == 0:
        history = history[1:]  # odd length: the median is one of the values
    value = sorted(history)[len(history) // 2]
    z, *_ = robust_z(value, history)
    assert z == 0


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=8, max_size=60),
    st.floats(min_value=0, max_value=1e6),
    st.floats(min_value=0.5, max_value=1e3),
    st.floats(min_value=-1e3, max_value=1e3),
)
def test_z_is_invariant_to_scale_and_shift(history, value, scale, shift):
    z1, _, mad = robust_z(value, history, min_relative_spread=0)
    z2, *_ = robust_z(
        value * scale + shift, [h * scale + shift for h in history], min_relative_spread=0
    )
    if math.isinf(z1) or mad < 1e-3:
        return
    assert z2 == pytest.approx(z1, rel=1e-6, abs=1e-6)
