"""The office-hours iCalendar feed and the secret in its subscription address.

Calendar apps cannot send credentials, so the subscription URL carries a token: the user's
id signed with the deployment's SECRET_KEY (django.core.signing, a salt of its own). It
opens only this feed, only while the account is active, and shows the sessions plus which
of them the person booked. Signed in, the same feed is at an address without a token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone

from mops.core import recurrence
from mops.core.calendarfeed import CalendarEvent, ical_calendar

from . import selectors
from .models import SessionStatus

FEED_SALT = "enablement.office-hours-feed"
PAST = timedelta(days=60)


def feed_token(user: Any) -> str:
    return signing.Signer(salt=FEED_SALT).sign(str(user.pk))


def feed_user(token: str) -> Any | None:
    """The active user a feed token was issued to, or None (bad, forged or inactive)."""
    if not token or len(token) > 200:
        return None
    try:
        pk = int(signing.Signer(salt=FEED_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


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
