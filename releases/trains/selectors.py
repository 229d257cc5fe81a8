"""Reads in releases: trains, departures with their manifests, freezes, checklists, calendar,
experiments."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from . import carriage, schedule, work
from .models import (
    Boarding,
    BoardingStatus,
    ChecklistRun,
    ChecklistTemplate,
    Departure,
    DepartureStatus,
    Experiment,
    ExperimentEvent,
    FeedToken,
    Freeze,
    ItemResult,
    PreflightRun,
    Train,
)


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


def requests_waiting_to_board(*, train: Train | None = None, limit: int = 10) -> list[Any]:
    """Requests in QA (oldest first), those `train` carries when given: what the departure
    page and the calendar offer to board. Reads at most 200 rows."""
    rows = (
        work.request_model()
        .objects.filter(status=work.IN_QA)
        .select_related("service")
        .order_by("updated_at", "pk")[:200]
    )
    found = [
        r
        for r in rows
        if train is None
        or carriage.carries(
            train_channels=train.channels,
            channels=work.request_channels(r),
            change_type=work.request_change_type(r),
        )
    ]
    return found[:limit]


def trains_carrying(channels: Iterable[str], change_type: str = "") -> list[int]:
    """Ids of the active trains that carry the work (`carriage.carries`; trains are few)."""
    wanted = list(channels)
    return [
        pk
        for pk, train_channels in Train.objects.filter(active=True).values_list("pk", "channels")
        if carriage.carries(train_channels=train_channels, channels=wanted, change_type=change_type)
    ]


def bookable_departures(
    channels: Iterable[str], *, now: datetime, change_type: str = ""
) -> QuerySet[Departure]:
    """Open departures before their cutoff on trains that carry the work."""
    return (
        departures()
        .filter(
            status=DepartureStatus.OPEN,
            cutoff_at__gt=now,
            train_id__in=trains_carrying(channels, change_type),
        )
        .order_by("starts_at")
    )


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


def boarding_for_request(request: Any) -> Boarding | None:
    return (
        Boarding.objects.filter(request=request)
        .exclude(status=BoardingStatus.REMOVED)
        .select_related("departure__train")
        .order_by("-boarded_at")
        .first()
    )


def boarding_for_rfc(rfc: Any) -> Boarding | None:
    return (
        Boarding.objects.filter(rfc=rfc)
        .exclude(status=BoardingStatus.REMOVED)
        .select_related("departure__train")
        .order_by("-boarded_at")
        .first()
    )


def checklist_templates() -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.select_related("current_version")
        .annotate(version_count=Count("versions"))
        .order_by("phase", "name")
    )


def checklist_runs_for(request: Any) -> list[ChecklistRun]:
    return list(
        ChecklistRun.objects.filter(request=request)
        .select_related("template_version__template")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=ItemResult.objects.select_related("item", "checked_by")
                .prefetch_related(
                    Prefetch(
                        "preflight_runs",
                        queryset=PreflightRun.objects.order_by("-created_at"),
                    )
                )
                .order_by("item__position"),
            )
        )
        .order_by("phase", "id")
    )


def checklist_runs() -> QuerySet[ChecklistRun]:
    return ChecklistRun.objects.select_related("template_version__template", "request").order_by(
        "-created_at", "-id"
    )


def preflight_runs() -> QuerySet[PreflightRun]:
    return PreflightRun.objects.select_related("created_by").order_by("-created_at", "-id")


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


def calendar_view(*, mode: str, anchor: date, tz_name: str, train_ids: list[int] | None = None):
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


def experiments() -> QuerySet[Experiment]:
    """The experiment register, newest first, with what its rows show (one query)."""
    return Experiment.objects.select_related(
        "owner", "team", "request", "departure__train"
    ).order_by("-created_at", "-id")


def experiment_detail() -> QuerySet[Experiment]:
    """Experiments with their event timeline (actor included): two queries."""
    return experiments().prefetch_related(
        Prefetch(
            "events",
            queryset=ExperimentEvent.objects.select_related("actor").order_by("at", "id"),
        )
    )
