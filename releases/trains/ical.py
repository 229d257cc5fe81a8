"""The iCalendar feeds: a train's departures (with their manifests) and the freezes."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from releases.trains import schedule, selectors
from releases.trains.models import DepartureStatus, Freeze, Train

PAST = timedelta(days=60)
FREEZE_AHEAD = timedelta(days=400)


def train_feed(train: Train, *, base_url: str = "") -> bytes:
    """Departures from 60 days ago to the horizon; cancelled ones as CANCELLED events so
    subscribed calendars remove them; the manifest and freezes in the description."""
    now = timezone.now()
    departures = list(
        selectors.departures(with_manifest=True)
        .filter(train=train, starts_at__gte=now - PAST)
        .order_by("starts_at")[:1000]
    )
    frozen = selectors.frozen_map(departures)
    events = []
    for departure in departures:
        rows = selectors.manifest_rows(departure)
        lines = [
            f"Status: {departure.get_status_display()}",
            f"Seats: {departure.seats_taken}/{departure.capacity}",  # type: ignore[attr-defined]  # annotated by the selector
            f"Cutoff: {departure.cutoff_at.astimezone(schedule.zone(train.time_zone)):%a %d %b %H:%M %Z}",
        ]
        if departure.pk in frozen:
            lines.append("FROZEN: " + ", ".join(frozen[departure.pk]))
        lines += [f"- {r['label']} ({r['boarding'].get_status_display()})" for r in rows]
        summary = f"{train.name} departure"
        if departure.pk in frozen:
            summary += " (frozen)"
        events.append(
            schedule.CalendarEvent(
                uid=f"departure-{departure.pk}@mops",
                start=departure.starts_at.astimezone(schedule.zone(train.time_zone)),
                end=departure.ends_at.astimezone(schedule.zone(train.time_zone)),
                summary=summary,
                description="\n".join(lines),
                url=base_url + reverse("releases:departure_detail", args=[departure.pk])
                if base_url
                else "",
                status="CANCELLED"
                if departure.status == DepartureStatus.CANCELLED
                else "CONFIRMED",
                sequence=departure.version,
            )
        )
    return schedule.ical_calendar(
        name=f"{train.name} departures", description=train.describe(), events=events, stamp=now
    )


def freezes_feed() -> bytes:
    """Active freezes: one-off ones as one event, recurring ones expanded for 400 days."""
    now = timezone.now()
    events = []
    for freeze in Freeze.objects.filter(active=True).order_by("name"):
        tz = schedule.zone(freeze.time_zone)
        scope = ", ".join(freeze.channels) or "all channels"
        for period in freeze.rule().intervals(now - PAST, now + FREEZE_AHEAD):
            events.append(
                schedule.CalendarEvent(
                    uid=f"freeze-{freeze.pk}-{period.start.astimezone(tz):%Y%m%dT%H%M}@mops",
                    start=period.start.astimezone(tz),
                    end=period.end.astimezone(tz),
                    summary=f"Freeze: {freeze.name}",
                    description=f"{freeze.reason}\nApplies to: {scope}".strip(),
                    categories=("freeze",),
                    sequence=freeze.version,
                )
            )
    return schedule.ical_calendar(name="Change freezes", events=events, stamp=now)
