"""Business time: SLA clocks that run only while a calendar is open.

A `BusinessCalendar` is a time zone, working hours per weekday in *local wall time* and a
set of closed local dates (public and company holidays). Everything the product does with
SLA time goes through three questions: when is a clock started now due (`add`), how much
business time passed between two instants minus pauses (`elapsed`), and is the office open
(`is_open`, `next_open`).

Rules a reader could not guess:

* Arithmetic is exact: instants and durations are integer microseconds, never floats.
* Working hours are wall-clock hours: 09:00–17:00 stays 09:00–17:00 local on DST days, so a
  working day can be 7, 8 or 9 real hours long when a night shift crosses a transition.
* A wall time on a given date means **the first instant the local clock shows it**. On a
  fall-back day the repeated hour counts once, from its first occurrence (01:30 is the
  daylight-time 01:30; an interval 01:00–02:00 therefore runs two real hours, through both
  01:xx hours). On a spring-forward day a skipped wall time means the instant the clock jumps
  past it (02:30 on 2026-03-08 in New York is 03:00 EDT), so 01:00–03:00 that night is one
  real hour and an interval wholly inside the gap is empty. This mapping never runs
  backwards, so intervals stay ordered and never overlap on any day.
* Intervals are half-open, [start, end): 17:00 is closed on a 09:00–17:00 day.
* `add` returns the *earliest* instant at which the requested business time has passed.
  A due date can therefore sit exactly at an interval end (Monday 16:00 + 1 h is Monday
  17:00, not Tuesday 09:00). A zero duration returns the start if open, else the next
  opening.
* An interval ending at 24:00 (`None`) and the next day's interval starting at 00:00 form
  one stretch, so 24/7 calendars and night shifts run through midnight.
* Searches look at most `HORIZON_YEARS` ahead: a week with no hours fails at `create`, a
  calendar whose closed dates swallow every opening fails with `CalendarError` in `add`
  and `next_open` rather than looping.
* Results are aware datetimes in the calendar's zone. Compare or subtract them after
  `.astimezone(UTC)` when they may fall in a repeated hour: Python compares two datetimes
  of the same zone by wall time and ignores `fold`.

Speed: per local calendar month the open intervals become sorted lists of instants with
prefix sums of business time, built on first use and cached on the calendar (a year of
Mon–Fri hours builds in a few milliseconds). `add` and `elapsed` are then a bisection or
two per month crossed, whatever the duration; nothing walks minutes, hours or days.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HORIZON_YEARS = 50
_HORIZON_MONTHS = HORIZON_YEARS * 12
# Years whose every local instant is representable as a datetime in every zone.
MIN_YEAR, MAX_YEAR = 2, 9998

Interval = tuple[time, time | None]
Week = tuple[tuple[Interval, ...], ...]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAY_US = 86_400_000_000
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


class CalendarError(ValueError):
    """A calendar that cannot be built or a question it cannot answer.

    `field` names the input at fault ("tz", "week", "closed_dates", "duration", ...), so a
    form can put the message next to it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)  # both in args, so the error pickles (Celery)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Month:
    """One local calendar month of open intervals, as UTC microseconds since the epoch.

    `before[i]` / `after[i]` are the business microseconds of the month before / after
    interval i, so business time up to any instant is one bisection away. The month itself
    is [begin, end): local 00:00 on the 1st to the next 1st. Intervals of the month's last
    day that end at 24:00 stay in it, ending exactly at `end`.
    """

    begin: int
    end: int
    starts: list[int]
    ends: list[int]
    before: list[int]
    after: list[int]
    total: int


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working hours in one time zone, minus closed dates. Build it with `create`.

    `week[weekday]` (0 = Monday) holds that weekday's sorted, non-overlapping
    (start, end) intervals; end `None` means 24:00. `closed_dates` are local dates with no
    working hours at all.
    """

    tz: zoneinfo.ZoneInfo
    week: Week
    closed_dates: frozenset[date] = frozenset()
    # Months built on first use. Filling a dict keeps the calendar immutable and hashable;
    # two threads racing on one month build equal values, so no lock is needed.
    _months: dict[int, _Month] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        tz: str,
        week: Mapping[int, Sequence[tuple[time, time | None]]],
        closed_dates: Iterable[date] = (),
    ) -> BusinessCalendar:
        """A validated calendar.

        Refuses, with a `CalendarError` naming the weekday and interval: unknown time
        zones, weekdays outside 0–6, intervals that end at or before their start (use
        `None` for 24:00), intervals out of order or overlapping, and a week with no
        working hours at all (the clock could never run). Intervals that touch
        (12:00–13:00, 13:00–17:00) are fine.
        """
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except (
            zoneinfo.ZoneInfoNotFoundError,
            ValueError,
            TypeError,
            OSError,
        ):  # "America": a folder
            raise CalendarError("tz", f"{tz!r} is not a known time zone.") from None
        days: list[tuple[Interval, ...]] = [() for _ in WEEKDAYS]
        for weekday, intervals in week.items():
            if isinstance(weekday, bool) or weekday not in range(7):
                raise CalendarError(
                    "week", f"{weekday!r} is not a weekday (0 = Monday … 6 = Sunday)."
                )
            days[weekday] = _checked_day(WEEKDAYS[weekday], intervals)
        if not any(days):
            raise CalendarError(
                "week",
                "no working hours on any weekday (Monday … Sunday are all closed), "
                "so the clock could never run.",
            )
        closed: set[date] = set()
        for day in closed_dates:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise CalendarError(
                    "closed_dates", f"{day!r} is not a date; closed dates are local dates."
                )
            closed.add(day)
        return cls(tz=zone, week=tuple(days), closed_dates=frozenset(closed))

    @classmethod
    def always_open(cls, tz: str = "UTC") -> BusinessCalendar:
        """Open around the clock: business time equals real time (24/7 support)."""
        return cls.create(tz=tz, week={day: [(_MIDNIGHT, None)] for day in range(7)})

    # --- questions --------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """When `duration` of business time has passed since `start` (the due date).

        The earliest such instant, in the calendar's zone: it may be exactly an interval
        end (Friday 16:00 + 1 h on a 9–17 calendar is Friday 17:00). A start outside hours
        counts from the next opening; a zero duration gives `next_open(start)`.
        """
        at = _micros(start, "start")
        needed = (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds
        if needed <= 0:
            if needed < 0:
                raise CalendarError(
                    "duration", f"{duration} is negative; business time only runs forward."
                )
            return self._local(self._next_open(at))
        chunk = self._chunk_at(at)
        target = _worked(chunk, at) + needed
        for _ in range(_HORIZON_MONTHS):
            if target <= chunk.total:
                i = bisect_left(chunk.after, target)
                return self._local(chunk.starts[i] + target - chunk.before[i])
            target -= chunk.total
            chunk = self._chunk_at(chunk.end)
        raise CalendarError(
            "duration",
            f"{duration} of business time does not fit in the {HORIZON_YEARS} years after "
            f"{start.isoformat()}; the calendar is (almost) never open.",
        )

    def elapsed(
        self,
        start: datetime,
        end: datetime,
        paused: Iterable[tuple[datetime, datetime]] = (),
    ) -> timedelta:
        """Business time in [start, end) outside the `paused` intervals.

        Pauses (a request waiting on its requester) may overlap each other and reach past
        the range; each business microsecond is subtracted once. `end` before `start`
        gives zero rather than a negative clock.
        """
        a = _micros(start, "start")
        b = _micros(end, "end")
        if b <= a:
            return timedelta(0)
        total = self._between(a, b)
        windows: list[tuple[int, int]] = []
        for pause_start, pause_end in paused:
            lo = max(a, _micros(pause_start, "paused start"))
            hi = min(b, _micros(pause_end, "paused end"))
            if lo < hi:
                windows.append((lo, hi))
        windows.sort()
        run_lo = run_hi = a  # the pauses merged so far, [run_lo, run_hi); empty at first
        for lo, hi in windows:
            if lo > run_hi:
                total -= self._between(run_lo, run_hi)
                run_lo = lo
            run_hi = max(run_hi, hi)
        total -= self._between(run_lo, run_hi)
        return timedelta(microseconds=total)

    def is_open(self, at: datetime) -> bool:
        """Whether the business clock runs at `at` (interval ends are closed)."""
        t = _micros(at, "at")
        chunk = self._chunk_at(t)
        i = bisect_right(chunk.starts, t) - 1
        return i >= 0 and t < chunk.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when open, else the next opening, in the calendar's zone."""
        return self._local(self._next_open(_micros(at, "at")))

    # --- business days ----------------------------------------------------------------------

    def business_day_of(self, at: datetime) -> date:
        """The business day a clock started at `at` belongs to: the local date of the next
        opening (after hours on Friday → Monday)."""
        return self._local(self._next_open(_micros(at, "at"))).date()

    def is_business_day(self, day: date) -> bool:
        return day not in self.closed_dates and bool(self.week[day.weekday()])

    def next_business_day(self, day: date) -> date:
        """The first business day after `day`."""
        for offset in range(1, HORIZON_YEARS * 366):
            following = day + timedelta(days=offset)
            if self.is_business_day(following):
                return following
        raise CalendarError(
            "closed_dates", f"no business day in the {HORIZON_YEARS} years after {day}."
        )

    def day_open(self, day: date) -> datetime:
        """The first opening of business day `day`."""
        return self._local(self._wall_instant(day, self._checked_business_day(day)[0][0]))

    def day_close(self, day: date) -> datetime:
        """The last closing of business day `day` (24:00 is the next midnight)."""
        end = self._checked_business_day(day)[-1][1]
        if end is None:
            return self._local(self._wall_instant(day + _DAY, _MIDNIGHT))
        return self._local(self._wall_instant(day, end))

    def end_of_business_day(self, start: datetime, *, days_after: int = 0) -> datetime:
        """Close of the business day of `start` ("end of this business day"), or of the
        `days_after`-th business day after it ("end of next business day" = 1)."""
        if days_after < 0:
            raise CalendarError("days", f"{days_after} is negative; use 0 (this) or more.")
        day = self.business_day_of(start)
        for _ in range(days_after):
            day = self.next_business_day(day)
        return self.day_close(day)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """`days` business days after `start`: the same business position (business time since
        the day's opening) `days` business days later, capped at that day's close when it is
        shorter. The earliest such instant, like `add`: a start at an opening gives the
        previous business day's close (Mon 09:00 + 1 day = Mon 17:00, the same business
        instant as Tue 09:00). On a calendar whose business days are all alike this equals
        `add(start, days × day length)`."""
        if days < 0:
            raise CalendarError("days", f"{days} is negative; business time only runs forward.")
        at = self._next_open(_micros(start, "start"))
        if days == 0:
            return self._local(at)
        day = self._local(at).date()
        position = self._between(_micros(self.day_open(day), "open"), at)
        target = day
        for _ in range(days if position else days - 1):
            target = self.next_business_day(target)
        if not position:
            return self.day_close(target)
        due = self.add(self.day_open(target), timedelta(microseconds=position))
        close = self.day_close(target)
        return due if _micros(due, "due") <= _micros(close, "close") else close

    def day_length(self) -> timedelta:
        """The calendar's standard business day: the most common length of an open weekday
        (the longest among equally common ones), in wall-clock hours."""
        lengths = [
            sum((_wall_length(s, e) for s, e in intervals), timedelta(0))
            for intervals in self.week
            if intervals
        ]
        return max(set(lengths), key=lambda length: (lengths.count(length), length))

    def due(self, start: datetime, target: SlaTarget) -> datetime:
        """When a clock started at `start` with `target` is due."""
        if target.kind == TargetKind.HOURS:
            return self.add(start, timedelta(seconds=float(target.amount) * 3600))
        if target.kind == TargetKind.BUSINESS_DAYS:
            return self.add_business_days(start, int(target.amount))
        return self.end_of_business_day(start, days_after=int(target.amount))

    def budget(self, start: datetime, target: SlaTarget) -> timedelta:
        """The business time `target` grants a clock started at `start` (what an SLA clock
        counts down): `elapsed(start, due(start, target))`."""
        if target.kind == TargetKind.HOURS:
            return timedelta(seconds=float(target.amount) * 3600)
        return self.elapsed(start, self.due(start, target))

    def _checked_business_day(self, day: date) -> tuple[Interval, ...]:
        if not self.is_business_day(day):
            raise CalendarError("day", f"{day} is not a business day on this calendar.")
        return self.week[day.weekday()]

    # --- internals --------------------------------------------------------------------------

    def _next_open(self, t: int) -> int:
        chunk = self._chunk_at(t)
        i = bisect_right(chunk.starts, t) - 1
        if i >= 0 and t < chunk.ends[i]:
            return t
        i += 1
        for _ in range(_HORIZON_MONTHS):
            if i < len(chunk.starts):
                return chunk.starts[i]
            chunk = self._chunk_at(chunk.end)
            i = 0
        raise CalendarError(
            "closed_dates",
            f"the calendar does not open in the {HORIZON_YEARS} years after "
            f"{self._local(t).isoformat()}.",
        )

    def _between(self, a: int, b: int) -> int:
        """Business microseconds in [a, b), a <= b."""
        chunk = self._chunk_at(a)
        if b < chunk.end:
            return _worked(chunk, b) - _worked(chunk, a)
        total = chunk.total - _worked(chunk, a)
        chunk = self._chunk_at(chunk.end)
        while b >= chunk.end:
            total += chunk.total
            chunk = self._chunk_at(chunk.end)
        return total + _worked(chunk, b)

    def _local(self, t: int) -> datetime:
        # Whole seconds through fromtimestamp (exact for ints), then the microseconds:
        # zone transitions fall on whole seconds, so they cannot change the offset.
        seconds, micros = divmod(t, 1_000_000)
        local = datetime.fromtimestamp(seconds, self.tz)
        return local.replace(microsecond=micros) if micros else local

    def _chunk_at(self, t: int) -> _Month:
        """The month of open intervals holding instant `t`, built on first use."""
        try:
            utc_day = date.fromordinal(_EPOCH_ORDINAL + t // _DAY_US)
        except (ValueError, OverflowError):
            raise CalendarError("at", f"only years {MIN_YEAR}–{MAX_YEAR} are supported.") from None
        # The local month is the UTC month or, within a day of a month boundary, a neighbour.
        key = utc_day.year * 12 + utc_day.month - 1
        chunk = self._months.get(key) or self._month(key)
        if t < chunk.begin:
            return self._month(key - 1)
        if t >= chunk.end:
            return self._month(key + 1)
        return chunk

    def _month(self, key: int) -> _Month:
        chunk = self._months.get(key)
        if chunk is None:
            chunk = self._build_month(key)
            self._months[key] = chunk
        return chunk

    def _build_month(self, key: int) -> _Month:
        year, month = divmod(key, 12)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarError(
                "at", f"only years {MIN_YEAR}–{MAX_YEAR} are supported, not {year}."
            )
        first = date(year, month + 1, 1)
        following = date(year + 1, 1, 1) if month == 11 else date(year, month + 2, 1)
        starts: list[int] = []
        ends: list[int] = []
        day = first
        while day < following:
            if day not in self.closed_dates:
                for start, end in self.week[day.weekday()]:
                    lo = self._wall_instant(day, start)
                    hi = (
                        self._wall_instant(day + _DAY, _MIDNIGHT)
                        if end is None
                        else self._wall_instant(day, end)
                    )
                    if lo >= hi:  # wholly inside a spring-forward gap
                        continue
                    if ends and ends[-1] == lo:  # touching: 24:00 → 00:00, 12:00 | 12:00
                        ends[-1] = hi
                    else:
                        starts.append(lo)
                        ends.append(hi)
            day += _DAY
        before: list[int] = []
        after: list[int] = []
        total = 0
        for lo, hi in zip(starts, ends, strict=True):
            before.append(total)
            total += hi - lo
            after.append(total)
        return _Month(
            begin=self._wall_instant(first, _MIDNIGHT),
            end=self._wall_instant(following, _MIDNIGHT),
            starts=starts,
            ends=ends,
            before=before,
            after=after,
            total=total,
        )

    def _wall_instant(self, day: date, wall: time) -> int:
        """The first instant the local clock shows `wall` on `day` (see the module rules)."""
        naive = datetime.combine(day, wall)
        first = _micros_of(self.tz.utcoffset(naive))  # fold=0: first occurrence / pre-jump
        second = _micros_of(self.tz.utcoffset(naive.replace(fold=1)))
        local = (day.toordinal() - _EPOCH_ORDINAL) * _DAY_US + _micros_of_day(wall)
        if first >= second:  # exists: once, or twice on a fall-back night (take the first)
            return local - first
        # Skipped by a spring-forward jump: the jump lies between the wall time read with
        # the later offset (before the jump) and with the earlier offset (after it).
        lo, hi = local - second, local - first
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._wall_at(mid) >= naive:
                hi = mid
            else:
                lo = mid
        return hi

    def _wall_at(self, t: int) -> datetime:
        return self._local(t).replace(tzinfo=None)


class TargetKind:
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"
    END_OF_DAY = "end_of_day"  # amount 0 = this business day, 1 = next, …

    ALL = (HOURS, BUSINESS_DAYS, END_OF_DAY)


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """An SLA target: business hours, whole business days, or the end of this/next business
    day. `amount` is hours, days, or business days after the start's day (0 = this)."""

    kind: str
    amount: Decimal | int

    def __post_init__(self) -> None:
        if self.kind not in TargetKind.ALL:
            raise CalendarError(
                "kind", f"{self.kind!r} is not a target kind; use {', '.join(TargetKind.ALL)}."
            )
        amount = Decimal(self.amount)
        if amount < 0 or (self.kind == TargetKind.HOURS and amount <= 0):
            raise CalendarError("amount", f"{amount} must be more than zero.")
        if self.kind != TargetKind.HOURS and amount != amount.to_integral_value():
            raise CalendarError("amount", f"{amount} must be a whole number of business days.")
        if self.kind == TargetKind.BUSINESS_DAYS and amount < 1:
            raise CalendarError("amount", "At least one business day.")

    def describe(self, day_length: timedelta) -> str:
        """'2 business days (15 h at 7 h 30 min a day)', 'end of this business day', …"""
        amount = Decimal(self.amount)
        if self.kind == TargetKind.END_OF_DAY:
            n = int(amount)
            if n == 0:
                return "end of this business day"
            if n == 1:
                return "end of next business day"
            return f"end of the {n}th business day after"
        if self.kind == TargetKind.BUSINESS_DAYS:
            n = int(amount)
            total = day_length * n
            return (
                f"{n} business day{'s' if n != 1 else ''} "
                f"({_hours_text(total)} at {_hours_text(day_length)} a day)"
            )
        return f"{_hours_text(timedelta(seconds=float(amount) * 3600))} of business time"


class SlaBudget(timedelta):
    """A target's nominal budget (days × day length) that knows its `SlaTarget`: an SLA clock
    replaces it by `BusinessCalendar.budget(started_at, spec)` once it knows its start."""

    spec: SlaTarget

    def __new__(cls, nominal: timedelta, spec: SlaTarget) -> SlaBudget:
        obj = super().__new__(cls, seconds=nominal.total_seconds())
        obj.spec = spec
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (SlaBudget, (timedelta(seconds=self.total_seconds()), self.spec))


def nominal_budget(target: SlaTarget, day_length: timedelta) -> timedelta:
    """A target's budget without a start: hours as given, days × day length, and the end of
    the n-th business day as (n + 1) days (the most it can grant)."""
    amount = Decimal(target.amount)
    if target.kind == TargetKind.HOURS:
        return timedelta(seconds=float(amount) * 3600)
    days = int(amount) if target.kind == TargetKind.BUSINESS_DAYS else int(amount) + 1
    return day_length * days


def _hours_text(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _wall_length(start: time, end: time | None) -> timedelta:
    end_us = _DAY_US if end is None else _micros_of_day(end)
    return timedelta(microseconds=end_us - _micros_of_day(start))


def _checked_day(name: str, intervals: Sequence[tuple[time, time | None]]) -> tuple[Interval, ...]:
    checked: list[Interval] = []
    for interval in intervals:
        try:
            start, end = interval
        except (TypeError, ValueError):
            raise CalendarError(
                "week", f"{name}: {interval!r} is not a (start, end) pair."
            ) from None
        if not isinstance(start, time) or not (end is None or isinstance(end, time)):
            raise CalendarError(
                "week", f"{name}: {interval!r} needs datetime.time values (end None = 24:00)."
            )
        if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
            raise CalendarError(
                "week", f"{name}: {_text(start, end)} must be local wall times without tzinfo."
            )
        start = start.replace(fold=0)
        end = None if end is None else end.replace(fold=0)
        if end is not None and end <= start:
            raise CalendarError(
                "week",
                f"{name}: {_text(start, end)} ends at or before it starts "
                "(use None as the end for 24:00).",
            )
        if checked:
            prev_start, prev_end = checked[-1]
            if start < prev_start:
                raise CalendarError(
                    "week",
                    f"{name}: {_text(start, end)} comes after {_text(prev_start, prev_end)}; "
                    "list intervals in time order.",
                )
            if prev_end is None or start < prev_end:
                raise CalendarError(
                    "week",
                    f"{name}: {_text(prev_start, prev_end)} overlaps {_text(start, end)}.",
                )
        checked.append((start, end))
    return tuple(checked)


def _text(start: time, end: time | None) -> str:
    def clock(value: time) -> str:
        return value.isoformat(timespec="auto" if value.second or value.microsecond else "minutes")

    return f"{clock(start)}–{'24:00' if end is None else clock(end)}"


def _micros(value: datetime, name: str) -> int:
    """Microseconds since the epoch; naive datetimes are refused (whose wall clock?)."""
    try:
        since = value - _EPOCH
    except TypeError:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}.") from None
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def _micros_of(offset: timedelta | None) -> int:
    assert offset is not None  # ZoneInfo always knows its offset
    return (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds


def _micros_of_day(wall: time) -> int:
    return ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000_000 + wall.microsecond


def _worked(chunk: _Month, t: int) -> int:
    """Business microseconds of the chunk's month before instant `t`."""
    i = bisect_right(chunk.starts, t) - 1
    if i < 0:
        return 0
    if t >= chunk.ends[i]:
        return chunk.after[i]
    return chunk.before[i] + t - chunk.starts[i]
