"""Release-train time arithmetic: recurrences, freezes, cutoffs and iCalendar output.

Pure (no Django): the models feed it strings, times and zone names; tests call it directly.

Recurrences follow RFC 5545: the rule is expanded in *local wall time* from DTSTART and
each occurrence is then placed in the zone, so "Tue/Thu 10:00 America/New_York" stays at
10:00 local on both sides of a DST change (14:00 UTC in summer, 15:00 UTC in winter). A
local time that does not exist (02:30 on the spring-forward night) is read with the offset
before the gap, as RFC 5545 §3.3.5 says (02:30 EST → 03:30 EDT); a local time that occurs
twice (fall back) is the first of the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

ALLOWED_FREQUENCIES = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
MAX_OCCURRENCES = 2000  # per expansion: a horizon of a year of daily departures fits


class ScheduleError(ValueError):
    """A rule, zone or time that cannot be used; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- zones and recurrence rules --------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("time_zone", f"'{name}' is not a time zone.") from None


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time placed in `tz` following RFC 5545, normalised to a real time.

    fold=0 gives the offset before a transition: the first of two ambiguous times, and for
    a time inside a spring-forward gap the offset before the gap (so it moves forward).
    """
    placed = wall.replace(tzinfo=tz, fold=0)
    return placed.astimezone(UTC).astimezone(tz)


def parse_rrule(text: str) -> str:
    """Validate an RFC 5545 RRULE value and return it without an "RRULE:" prefix.

    Only DAILY/WEEKLY/MONTHLY/YEARLY rules: finer ones would create departures by the
    thousand. DTSTART belongs to the train (its own field), not to the rule.
    """
    value = (text or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:].strip()
    if not value:
        raise ScheduleError("rrule", "Enter a recurrence rule, e.g. FREQ=WEEKLY;BYDAY=TU,TH.")
    if "\n" in value or "DTSTART" in value.upper():
        raise ScheduleError("rrule", "Give only the RRULE value; the start is a separate field.")
    try:
        rule = rrulestr(value, dtstart=datetime.combine(date(2000, 1, 1), time()), forceset=False)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise ScheduleError("rrule", f"'{value}' is not a valid RRULE: {exc}.") from None
    if not isinstance(rule, rrule):
        raise ScheduleError("rrule", "Give a single RRULE.")
    if rule._freq not in ALLOWED_FREQUENCIES:  # dateutil keeps the parsed frequency here
        raise ScheduleError(
            "rrule", "Use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (finer rules are refused)."
        )
    return value


def _rule(text: str, dtstart_local: datetime) -> rrule:
    value = parse_rrule(text)
    # An UNTIL in UTC ("...Z") cannot be combined with a naive DTSTART: read it as local.
    parts = []
    for part in value.split(";"):
        key, _, val = part.partition("=")
        if key.upper() == "UNTIL" and val.upper().endswith("Z"):
            part = f"{key}={val[:-1]}"
        parts.append(part)
    try:
        return rrulestr(";".join(parts), dtstart=dtstart_local)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScheduleError("rrule", f"'{value}' cannot be expanded: {exc}.") from None


@dataclass(frozen=True)
class Occurrence:
    """One concrete occurrence: aware start and end, and the local date it belongs to."""

    start: datetime
    end: datetime
    local_date: date

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def occurrences(
    *,
    rule: str,
    first_date: date,
    start_time: time,
    duration: timedelta,
    time_zone: str,
    window_start: datetime,
    window_end: datetime,
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """Occurrences of `rule` whose interval overlaps [window_start, window_end).

    `first_date` + `start_time` is DTSTART in local wall time. The window is aware; an
    occurrence starting before the window but still running is included.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")
    if duration <= timedelta(0):
        raise ScheduleError("duration", "The duration must be positive.")
    tz = zone(time_zone)
    dtstart = datetime.combine(first_date, start_time.replace(tzinfo=None))
    expanded = _rule(rule, dtstart)
    # Expand in wall time with a margin of the duration plus a day either side: offsets
    # differ from UTC by at most a day, so nothing overlapping the window is missed.
    lo = window_start.astimezone(tz).replace(tzinfo=None) - duration - timedelta(days=1)
    hi = window_end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    found: list[Occurrence] = []
    for wall in expanded.xafter(max(lo, dtstart), inc=True):
        if wall >= hi:
            break
        start = localize(wall, tz)
        end = (start.astimezone(UTC) + duration).astimezone(tz)
        occurrence = Occurrence(start=start, end=end, local_date=wall.date())
        if occurrence.overlaps(window_start, window_end):
            found.append(occurrence)
            if len(found) >= limit:
                break
    return found


def describe_rrule(rule: str) -> str:
    """A short human reading of common rules: 'weekly on Tue, Thu'."""
    days = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat"}
    days["SU"] = "Sun"
    parts = dict(p.partition("=")[::2] for p in parse_rrule(rule).upper().split(";"))
    freq = parts.get("FREQ", "").lower()
    interval = parts.get("INTERVAL", "1")
    text = freq if interval == "1" else f"{freq}, every {interval}"
    if "BYDAY" in parts:
        names = [days.get(d[-2:], d) for d in parts["BYDAY"].split(",")]
        text += " on " + ", ".join(names)
    return text


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


# --- iCalendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    url: str = ""
    status: str = "CONFIRMED"  # TENTATIVE / CONFIRMED / CANCELLED
    categories: Sequence[str] = field(default_factory=tuple)
    sequence: int = 0


def ical_calendar(
    *, name: str, events: Iterable[CalendarEvent], stamp: datetime, description: str = ""
) -> bytes:
    """An RFC 5545 VCALENDAR with one VEVENT per event; times carry their zone (VTIMEZONE
    blocks are added for every zone used) so clients show them at the right local time."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//mops//releases//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("status", item.status)
        event.add("sequence", item.sequence)
        if item.categories:
            event.add("categories", list(item.categories))
        cal.add_component(event)
    add_missing = getattr(cal, "add_missing_timezones", None)
    if add_missing is not None:
        add_missing()
    return cal.to_ical()
