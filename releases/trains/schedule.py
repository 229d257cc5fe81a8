"""Release-train time arithmetic: freezes and cutoffs, on the kernel's recurrences.

Pure (no Django): the models feed it strings, times and zone names; tests call it directly.
Recurrence expansion (local-time RRULEs, DST-correct occurrences) lives in
`mops.core.recurrence` and iCalendar output in `mops.core.calendarfeed`, shared with
enablement's office hours; both are re-exported here so release code keeps one import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mops.core.calendarfeed import CalendarEvent, ical_calendar
from mops.core.recurrence import (
    MAX_OCCURRENCES,
    Occurrence,
    ScheduleError,
    describe_rrule,
    localize,
    occurrences,
    parse_rrule,
    zone,
)

__all__ = [
    "MAX_OCCURRENCES",
    "BusinessClock",
    "CalendarEvent",
    "FreezeHit",
    "FreezeRule",
    "Occurrence",
    "ScheduleError",
    "business_cutoff",
    "describe_rrule",
    "freezes_hitting",
    "ical_calendar",
    "localize",
    "occurrences",
    "parse_rrule",
    "zone",
]


# --- freezes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreezeRule:
    """A period when nothing may launch, global (no channels) or for some channels.

    One-off: `starts_at`/`ends_at`. Recurring: `rule` expanded from `first_date` at
    `start_time` for `duration` in `time_zone` (every Friday from 15:00 for 9 h).
    """

    key: object
    name: str
    channels: frozenset[str] = frozenset()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    rule: str = ""
    first_date: date | None = None
    start_time: time | None = None
    duration: timedelta | None = None
    time_zone: str = "UTC"

    @property
    def is_global(self) -> bool:
        return not self.channels

    def applies_to(self, channels: Iterable[str]) -> bool:
        """A global freeze applies to everything; a channel freeze to work in its channels."""
        return self.is_global or bool(self.channels & frozenset(channels))

    def intervals(self, window_start: datetime, window_end: datetime) -> list[Occurrence]:
        """The frozen periods of this rule overlapping [window_start, window_end)."""
        if not self.rule:
            if self.starts_at is None or self.ends_at is None:
                return []
            period = Occurrence(self.starts_at, self.ends_at, self.starts_at.date())
            return [period] if period.overlaps(window_start, window_end) else []
        assert self.first_date and self.start_time is not None and self.duration
        return occurrences(
            rule=self.rule,
            first_date=self.first_date,
            start_time=self.start_time,
            duration=self.duration,
            time_zone=self.time_zone,
            window_start=window_start,
            window_end=window_end,
        )


@dataclass(frozen=True)
class FreezeHit:
    """A freeze that touches a launch window, with the frozen period found."""

    freeze: FreezeRule
    start: datetime
    end: datetime


def freezes_hitting(
    freezes: Iterable[FreezeRule],
    start: datetime,
    end: datetime,
    channels: Iterable[str] | None = None,
) -> list[FreezeHit]:
    """Freezes whose frozen periods overlap [start, end), restricted to `channels` if given.

    `channels=None` means "any channel" (a departure shown on the calendar is frozen when
    any freeze touches it); a boarding check passes the channel of the work boarding.
    """
    wanted = None if channels is None else frozenset(channels)
    hits: list[FreezeHit] = []
    for freeze in freezes:
        if wanted is not None and not freeze.applies_to(wanted):
            continue
        for period in freeze.intervals(start, end):
            hits.append(FreezeHit(freeze, period.start, period.end))
            break
    return hits


# --- cutoffs in business time ---------------------------------------------------------------


class BusinessClock(Protocol):
    """What a cutoff needs from `catalog.businesstime.BusinessCalendar`."""

    def elapsed(self, start: datetime, end: datetime) -> object: ...


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) * 3600  # type: ignore[arg-type]  # Decimal/float hours


def business_cutoff(
    calendar: BusinessClock,
    departure: datetime,
    hours: float,
    *,
    elapsed: Callable[[datetime, datetime], object] | None = None,
    max_days_back: int = 366,
) -> datetime:
    """The latest instant that is `hours` business hours before `departure`.

    The business time between t and the departure only grows as t moves back, so the
    cutoff is found by bisection on the calendar's own `elapsed` (exact to the second,
    then snapped to the minute when the calendar's boundaries are whole minutes).
    Zero hours → the departure itself.
    """
    if departure.tzinfo is None:
        raise ValueError("departure must be aware")
    if hours <= 0:
        return departure
    measure = elapsed or calendar.elapsed
    target = hours * 3600

    def worked(t: datetime) -> float:
        return _seconds(measure(t, departure))

    hi = departure  # worked(hi) == 0 < target
    step = timedelta(days=7)
    lo = departure - step
    while worked(lo) < target:
        step *= 2
        lo = departure - step
        if step > timedelta(days=max_days_back):
            raise ScheduleError(
                "cutoff_hours",
                f"{hours:g} business hours do not fit in the {max_days_back} days before "
                f"{departure:%Y-%m-%d %H:%M}.",
            )
    # Invariant: worked(lo) >= target > worked(hi); the answer T satisfies lo <= T < hi.
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if worked(mid) >= target:
            lo = mid
        else:
            hi = mid
    lo = lo.replace(microsecond=0)
    snapped = lo.replace(second=0) + (timedelta(minutes=1) if lo.second else timedelta(0))
    if snapped < hi and worked(snapped) >= target:
        return snapped
    return lo
