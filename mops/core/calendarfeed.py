"""iCalendar (RFC 5545) feeds: events with zone-aware times rendered as one VCALENDAR.

Pure (no Django): release trains, freezes and office hours build `CalendarEvent`s and call
`ical_calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


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
    *,
    name: str,
    events: Iterable[CalendarEvent],
    stamp: datetime,
    description: str = "",
    prodid: str = "-//mops//releases//EN",
) -> bytes:
    """An RFC 5545 VCALENDAR with one VEVENT per event; times carry their zone (VTIMEZONE
    blocks are added for every zone used) so clients show them at the right local time."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", prodid)
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
