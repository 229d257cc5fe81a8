"""Reporting periods (week from Monday, month, quarter) in a time zone. Pure module.

The database buckets rows with `Trunc(..., tzinfo=zone)`; these functions give the same
bucket starts in Python so empty periods still appear (with no value) and labels line up.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("week", "month", "quarter")


def period_floor(day: date, period: str) -> date:
    """The first day of the period containing `day`."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown period {period!r}; use week, month or quarter")


def period_next(start: date, period: str) -> date:
    """The first day of the period after the one starting at `start`."""
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_previous(start: date, period: str) -> date:
    if period == "week":
        return start - timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 - months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_starts(first: date, last: date, period: str) -> list[date]:
    """Starts of every period from the one containing `first` to the one containing `last`."""
    start, end = period_floor(first, period), period_floor(last, period)
    starts = []
    while start <= end:
        starts.append(start)
        start = period_next(start, period)
    return starts


def period_label(start: date, period: str) -> str:
    """'2025-W02', 'Jan 2025', '2025-Q1'."""
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return start.strftime("%b %Y")
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The aware instant a local day starts (DST-safe: zoneinfo resolves the wall time)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def default_range(today: date, period: str) -> tuple[date, date]:
    """The last 12 weeks, 12 months or 8 quarters up to today."""
    count = {"week": 12, "month": 12, "quarter": 8}[period]
    start = period_floor(today, period)
    for _ in range(count - 1):
        start = period_previous(start, period)
    return start, today


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """'2025-Q1' → (2025-01-01, 2025-04-01); ValueError on anything else."""
    try:
        year_text, q_text = quarter.upper().split("-Q")
        year, q = int(year_text), int(q_text)
    except (ValueError, AttributeError):
        raise ValueError(f"'{quarter}' is not a quarter (YYYY-Qn).") from None
    if not 1 <= q <= 4 or not 2000 <= year <= 2100:
        raise ValueError(f"'{quarter}' is not a quarter (YYYY-Qn).")
    start = date(year, 3 * (q - 1) + 1, 1)
    return start, period_next(start, "quarter")
