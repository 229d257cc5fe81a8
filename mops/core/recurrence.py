"""Recurrences in local wall time: RFC 5545 rules expanded to DST-correct occurrences.

Pure (no Django): release trains, freezes and enablement's office hours feed it strings,
times and zone names; tests call it directly.

A rule is expanded in *local wall time* from DTSTART and each occurrence is then placed in
the zone, so "Tue/Thu 10:00 America/New_York" stays at 10:00 local on both sides of a DST
change (14:00 UTC in summer, 15:00 UTC in winter). A local time that does not exist (02:30
on the spring-forward night) is read with the offset before the gap, as RFC 5545 §3.3.5
says (02:30 EST → 03:30 EDT); a local time that occurs twice (fall back) is the first of
the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rruleset, rrulestr

ALLOWED_FREQUENCIES = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
MAX_OCCURRENCES = 2000  # per expansion: a horizon of a year of daily occurrences fits
# A rule with no occurrence this many years after a fixed start is refused as never
# occurring (Feb 30, Apr 31). 28 years: the Gregorian calendar's dates and weekdays repeat
# every 28 years from 1901 to 2099, so every month-day-weekday a rule can name (Feb 29 on
# a Monday: 2016) falls inside the window from 2000.
NEVER_HORIZON_YEARS = 28
_CHECK_START = datetime.combine(date(2000, 1, 1), time())
# The same start 19 Gregorian cycles later. The calendar repeats exactly every 400 years
# (146,097 days: whole weeks), so a rule's dates and weekdays from here are those from
# _CHECK_START, and INTERVAL keeps its phase. dateutil looks for UNTIL only on a match, so a
# rule that never matches walks to year 9999: from here that is 400 years, not 8,000.
_PROBE_START = _CHECK_START.replace(year=_CHECK_START.year + 19 * 400)


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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
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
    # BYHOUR/BYMINUTE/BYSECOND would make a DAILY rule secondly (86,400 a day, expanded
    # from DTSTART on): the time of day is its own field.
    if {p.partition("=")[0].strip().upper() for p in value.split(";")} & {
        "BYHOUR", "BYMINUTE", "BYSECOND"
    }:  # fmt: skip
        raise ScheduleError(
            "rrule", "Leave out BYHOUR, BYMINUTE and BYSECOND; the start time is a separate field."
        )
    try:
        rule = rrulestr(value, dtstart=_CHECK_START, forceset=False)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise ScheduleError("rrule", f"'{value}' is not a valid RRULE: {exc}.") from None
    if not isinstance(rule, rrule):
        raise ScheduleError("rrule", "Give a single RRULE.")
    # dateutil keeps the parsed frequency only in this private attribute (not in its stubs).
    if rule._freq not in ALLOWED_FREQUENCIES:  # type: ignore[attr-defined]
        raise ScheduleError(
            "rrule", "Use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (finer rules are refused)."
        )
    if rule._interval < 1:  # type: ignore[attr-defined]  # as _freq: INTERVAL=0 never advances
        raise ScheduleError("rrule", "INTERVAL must be 1 or more.")
    if not _ever_occurs(rule):
        raise ScheduleError(
            "rrule",
            f"This rule never occurs (no date within {NEVER_HORIZON_YEARS} years matches it); "
            "check BYMONTH, BYMONTHDAY and BYDAY together.",
        )
    return value


def _ever_occurs(rule: rrule) -> bool:
    """Whether `rule` has an occurrence within NEVER_HORIZON_YEARS of _CHECK_START.

    Two steps. First whether its BY* parts ever match, read from _PROBE_START (the same
    calendar), so a refusal walks 400 years, not 8,000. Then, for a rule that matches, its
    first occurrence from _CHECK_START against its own UNTIL: that walk ends at the first
    match, inside the horizon. COUNT is dropped (with COUNT≥1 the first occurrence is the same).
    """
    if rule._count is not None and rule._count < 1:  # type: ignore[attr-defined]  # as _freq
        return False
    if not _matches_within_horizon(rule.replace(dtstart=_PROBE_START, count=None, until=None)):
        return False
    horizon = _CHECK_START.replace(year=_CHECK_START.year + NEVER_HORIZON_YEARS)
    until = rule._until  # type: ignore[attr-defined]  # as _freq
    if until is not None and until.tzinfo is None:
        horizon = min(horizon, until)
    return next(iter(rule.replace(count=None, until=horizon)), None) is not None


def _matches_within_horizon(rule: rrule) -> bool:
    """Whether `rule` (COUNT and UNTIL cleared) matches within NEVER_HORIZON_YEARS of its start."""
    start = rule._dtstart  # type: ignore[attr-defined]  # as _freq
    horizon = start.replace(year=start.year + NEVER_HORIZON_YEARS)
    if rule._freq in (DAILY, WEEKLY) and not rule._bysetpos:  # type: ignore[attr-defined]
        # A DAILY/WEEKLY rule walks day by day or week by week to the horizon; its BY* filters
        # select the same days read YEARLY, which walks year by year: no match there, none
        # here. (BYSETPOS means something else per frequency, so it takes the slow path.)
        yearly = rule.replace(freq=YEARLY, interval=1, until=horizon)
        if next(iter(yearly), None) is None:
            return False
    return next(iter(rule.replace(until=horizon)), None) is not None


def _rule(text: str, dtstart_local: datetime) -> rrule | rruleset:
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
