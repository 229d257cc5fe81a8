from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from metrics import periods


def test_week_starts_on_monday_and_quarters_on_their_first_month():
    assert periods.period_floor(date(2025, 1, 1), "week") == date(2024, 12, 30)
    assert periods.period_floor(date(2025, 5, 31), "month") == date(2025, 5, 1)
    assert periods.period_floor(date(2025, 12, 31), "quarter") == date(2025, 10, 1)


def test_period_next_and_previous_cross_year_ends():
    assert periods.period_next(date(2025, 10, 1), "quarter") == date(2026, 1, 1)
    assert periods.period_previous(date(2025, 1, 1), "quarter") == date(2024, 10, 1)
    assert periods.period_next(date(2025, 12, 1), "month") == date(2026, 1, 1)
    assert periods.period_previous(date(2025, 1, 1), "month") == date(2024, 12, 1)


def test_period_starts_cover_the_range_inclusive():
    starts = periods.period_starts(date(2025, 1, 15), date(2025, 3, 2), "month")
    assert starts == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


def test_labels_are_iso_weeks_months_and_quarters():
    assert periods.period_label(date(2024, 12, 30), "week") == "2025-W01"
    assert periods.period_label(date(2025, 2, 1), "month") == "Feb 2025"
    assert periods.period_label(date(2025, 4, 1), "quarter") == "2025-Q2"


def test_local_midnight_is_aware_across_dst():
    ny = ZoneInfo("America/New_York")
    assert periods.local_midnight(date(2025, 3, 9), ny).utcoffset().total_seconds() == -5 * 3600
    assert periods.local_midnight(date(2025, 3, 10), ny) == datetime(
        2025, 3, 10, 4, tzinfo=ZoneInfo("UTC")
    )


def test_quarter_bounds_validates_its_input():
    assert periods.quarter_bounds("2025-Q4") == (date(2025, 10, 1), date(2026, 1, 1))
    for bad in ("2025-Q5", "2025Q1", "x", "1999-Q1"):
        with pytest.raises(ValueError):
            periods.quarter_bounds(bad)


def test_default_range_spans_twelve_weeks():
    start, end = periods.default_range(date(2025, 3, 20), "week")
    assert end == date(2025, 3, 20)
    assert len(periods.period_starts(start, end, "week")) == 12
