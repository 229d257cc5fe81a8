"""The office-hours iCalendar feed and the secret in its subscription address.

Calendar apps cannot send credentials, so the subscription URL carries a token: the kernel's
per-person feed token (`mops.core.feedtokens`: the user's id signed with SECRET_KEY under a
salt of this feed's own). It opens only this feed, only while the account is active, and
shows the sessions plus which of them the person booked; the person can rotate it, after
which the old address is unknown. Signed in, the same feed is at an address without a token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mops.accounts.models import User
from mops.core import feedtokens, recurrence
from mops.core.calendarfeed import CalendarEvent, ical_calendar

from . import selectors
from .models import SessionStatus

FEED_SALT = "enablement.office-hours-feed"
PAST = timedelta(days=60)


def feed_token(user: User) -> str:
    return feedtokens.feed_token(user, feed=FEED_SALT)


def feed_user(token: str) -> User | None:
    """The active user a feed token was issued to, or None (bad, forged, rotated away or
    inactive)."""
    return feedtokens.feed_user(token, feed=FEED_SALT)


def office_hours_feed_rotate(*, actor: User) -> str:
    """Give `actor` a new office-hours feed address (their own); the old one answers 404.
    Audited: a history row of the kernel's `FeedKey` names who."""
    return feedtokens.feed_token_rotate(actor=actor, feed=FEED_SALT)


def office_hours_feed(user: Any, *, base_url: str = "") -> bytes:
    """Sessions from 60 days ago on, each at its series' local time; cancelled ones as
    CANCELLED events so subscribed calendars remove them; the user's bookings marked."""
    now = timezone.now()
    sessions = selectors.sessions_with_seats(user).filter(starts_at__gte=now - PAST)[:1000]
    events = []
    for s in sessions:
        tz = recurrence.zone(s.series.time_zone)
        lines = [
            f"Host: {s.series.host.get_full_name() or s.series.host.username}",
            f"Seats: {s.booked}/{s.capacity}",  # type: ignore[attr-defined]  # the selector's annotation
        ]
        if s.series.location:
            lines.append(f"Where: {s.series.location}")
        if s.series.description:
            lines.append(s.series.description)
        events.append(
            CalendarEvent(
                uid=f"office-hours-{s.pk}@mops",
                start=s.starts_at.astimezone(tz),
                end=s.ends_at.astimezone(tz),
                summary=f"Office hours: {s.series.topic}" + (" (booked)" if s.mine else ""),  # type: ignore[attr-defined]  # annotation, as above
                description="\n".join(lines),
                url=base_url + s.get_absolute_url() if base_url else "",
                status="CANCELLED" if s.status == SessionStatus.CANCELLED else "CONFIRMED",
                categories=("office hours",),
                sequence=s.version,
            )
        )
    return ical_calendar(
        name="Office hours", events=events, stamp=now, prodid="-//mops//enablement//EN"
    )
