"""Reads of trains, departures, freezes, feed tokens and the calendar."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from releases import work
from releases.boarding.models import Boarding, BoardingStatus
from releases.trains import schedule
from releases.trains.models import Departure, FeedToken, Freeze, Train


def trains() -> QuerySet[Train]:
    return Train.objects.select_related("owner", "calendar").order_by("name")


def _boardings_prefetch() -> Prefetch:
    return Prefetch(
        "boardings",
        queryset=Boarding.objects.exclude(status=BoardingStatus.REMOVED)
        .select_related("request", "rfc", "boarded_by", "emergency_rfc")
        .order_by("boarded_at", "id"),
        to_attr="manifest",
    )


def departures(*, with_manifest: bool = False) -> QuerySet[Departure]:
    """Departures with their train and the number of seats taken (`seats_taken`)."""
    qs = Departure.objects.select_related("train").annotate(
        seats_taken=Count("boardings", filter=~Q(boardings__status=BoardingStatus.REMOVED))
    )
    if with_manifest:
        qs = qs.prefetch_related(_boardings_prefetch())
    return qs.order_by("starts_at", "train__name")


def departures_between(
    start: datetime, end: datetime, *, train_ids: Iterable[int] | None = None
) -> QuerySet[Departure]:
    qs = departures(with_manifest=True).filter(starts_at__lt=end, ends_at__gt=start)
    if train_ids is not None:
        qs = qs.filter(train_id__in=list(train_ids))
    return qs


def freezes() -> QuerySet[Freeze]:
    return Freeze.objects.select_related("created_by").order_by("-active", "name")


def frozen_map(departure_list: Iterable[Departure]) -> dict[int, list[str]]:
    """departure id → names of the active freezes touching it (any channel it carries)."""
    rules = [f.rule() for f in Freeze.objects.filter(active=True)]
    found: dict[int, list[str]] = {}
    if not rules:
        return found
    for departure in departure_list:
        hits = schedule.freezes_hitting(
            rules, departure.starts_at, departure.ends_at, departure.train.channels
        )
        if hits:
            found[departure.pk] = [h.freeze.name for h in hits]
    return found


def feed_token_lookup(key: str) -> FeedToken | None:
    if not key or len(key) > 200:
        return None
    return (
        FeedToken.objects.select_related("user")
        .filter(digest=FeedToken.digest_of(key), user__is_active=True)
        .first()
    )


# --- calendar ---------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    departures: list[Departure] = field(default_factory=list)
    freezes: list[str] = field(default_factory=list)


@dataclass
class CalendarView:
    mode: str  # "month" or "week"
    anchor: date
    start: date
    end: date  # exclusive
    weeks: list[list[CalendarDay]]
    previous: date
    next: date
    frozen: dict[int, list[str]]
    title: str


def calendar_view(
    *, mode: str, anchor: date, tz_name: str, train_ids: list[int] | None = None
) -> CalendarView:
    """Days of a month (whole weeks, Monday first) or of one week, with the departures
    starting on each day (in `tz_name`) and the freezes touching each day."""
    tz = schedule.zone(tz_name)
    if mode == "week":
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=7)
        previous, following = start - timedelta(days=7), end
        title = f"Week of {start:%d %b %Y}"
    else:
        mode = "month"
        first = anchor.replace(day=1)
        last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=7 - last.weekday())
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
        title = f"{first:%B %Y}"
    window_start = datetime.combine(start, time(0), tzinfo=tz)
    window_end = datetime.combine(end, time(0), tzinfo=tz)
    found = list(departures_between(window_start, window_end, train_ids=train_ids))
    days: dict[date, CalendarDay] = {}
    cursor = start
    while cursor < end:
        in_month = mode == "week" or cursor.month == anchor.month
        days[cursor] = CalendarDay(cursor, in_month)
        cursor += timedelta(days=1)
    for departure in found:
        local_day = departure.starts_at.astimezone(tz).date()
        if local_day in days:
            days[local_day].departures.append(departure)
    for freeze in Freeze.objects.filter(active=True):
        rule = freeze.rule()
        for period in rule.intervals(window_start, window_end):
            day = max(period.start.astimezone(tz).date(), start)
            last_day = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
            while day <= last_day and day < end:
                if freeze.name not in days[day].freezes:
                    days[day].freezes.append(freeze.name)
                day += timedelta(days=1)
    ordered = [days[d] for d in sorted(days)]
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    return CalendarView(
        mode=mode,
        anchor=anchor,
        start=start,
        end=end,
        weeks=weeks,
        previous=previous,
        next=following,
        frozen=frozen_map(found),
        title=title,
    )


def manifest_rows(departure: Departure) -> list[dict[str, Any]]:
    """The manifest as display rows: what is on it, who boarded it, and its rollback plan."""
    rows = []
    for boarding in getattr(departure, "manifest", None) or departure.boardings.exclude(
        status=BoardingStatus.REMOVED
    ).select_related("request", "rfc", "boarded_by"):
        subject = boarding.subject
        is_request = boarding.request_id is not None
        rows.append(
            {
                "boarding": boarding,
                "label": work.request_label(subject) if is_request else str(subject),
                "url": work.request_url(subject)
                if is_request
                else getattr(subject, "get_absolute_url", lambda: "")(),
                "rollback_plan": work.request_rollback_plan(subject)
                if is_request
                else getattr(subject, "rollback_plan", ""),
            }
        )
    return rows
