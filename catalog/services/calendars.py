"""Business calendars and their closed days."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.timezones import default_time_zone

from ..closeddays import DEFAULT_NAME, ClosedSpan
from ..models import Calendar, ClosedDay, validate_working_hours
from .roles import CALENDAR_EDITORS

CALENDAR_FIELDS = ("name", "slug", "time_zone", "working_hours", "holiday_regions")


def _closed_day_rows(
    days: Iterable[tuple[date, str] | ClosedSpan] | None,
) -> list[ClosedSpan] | None:
    """Closed days as spans: (date, name) pairs are one-day spans; a day listed twice is refused."""
    if days is None:
        return None
    seen: dict[date, ClosedSpan] = {}
    for item in days:
        span = item if isinstance(item, ClosedSpan) else ClosedSpan(item[0], item[0], item[1])
        if span.start in seen:
            raise ValidationError({"closed_days": f"{span.start.isoformat()} is listed twice."})
        name = (span.name or DEFAULT_NAME).strip()[:120]
        seen[span.start] = ClosedSpan(span.start, span.end, name, span.yearly)
    return [seen[d] for d in sorted(seen)]


def calendar_create(
    *,
    actor: User,
    name: str,
    slug: str,
    working_hours: Mapping[str, Any],
    time_zone: str = "",
    holiday_regions: Iterable[str] = (),
    closed_days: Iterable[tuple[date, str] | ClosedSpan] = (),
) -> Calendar:
    """A business calendar; its time zone defaults to the deployment's (MOPS_TIME_ZONE)."""
    require_role(actor, CALENDAR_EDITORS, "edit business calendars")
    calendar = Calendar(
        name=name,
        slug=slug,
        time_zone=time_zone or default_time_zone(),
        working_hours=dict(working_hours),
        holiday_regions=list(holiday_regions),
    )
    rows = _closed_day_rows(closed_days) or []
    with transaction.atomic():
        model_save(calendar, reason=f"created by {actor.username}")
        _write_closed_days(calendar, rows)
    return calendar


def calendar_update(
    *,
    calendar: Calendar,
    actor: User,
    closed_days: Iterable[tuple[date, str] | ClosedSpan] | None = None,
    **changes: Any,
) -> Calendar:
    require_role(actor, CALENDAR_EDITORS, "edit business calendars")
    fields_check(changes, fields=CALENDAR_FIELDS, message="Not an editable calendar field.")
    rows = _closed_day_rows(closed_days)
    with transaction.atomic():
        model_update(calendar, fields=CALENDAR_FIELDS, data=changes)
        model_save(calendar, reason=f"edited by {actor.username}")
        if rows is not None:
            _write_closed_days(calendar, rows)
    return calendar


def _write_closed_days(calendar: Calendar, rows: list[ClosedSpan]) -> None:
    existing = {c.date: c for c in calendar.closed_days.all()}
    wanted = {span.start: span for span in rows}
    for day, closed in existing.items():
        if day not in wanted:
            closed.delete()
    for day, span in wanted.items():
        closed = existing.get(day) or ClosedDay(calendar=calendar, date=day)
        end = span.end if span.end != span.start else None
        if closed.pk is None or (closed.name, closed.end_date, closed.yearly) != (
            span.name,
            end,
            span.yearly,
        ):
            closed.name, closed.end_date, closed.yearly = span.name, end, span.yearly
            closed.save()
    calendar.touch()


def parse_week_text(rows: Mapping[int, str]) -> dict[str, list[list[str]]]:
    """{0: "09:00-12:00, 13:00-17:00", 5: ""} → working_hours JSON; ValidationError per day."""
    week: dict[str, list[list[str]]] = {}
    problems: dict[str, list[str]] = {}
    for day, text in rows.items():
        intervals = []
        for chunk in (text or "").replace(";", ",").split(","):
            chunk = chunk.strip().replace("–", "-").replace("—", "-")
            if not chunk:
                continue
            start, sep, end = chunk.partition("-")
            if not sep:
                problems.setdefault(f"day_{day}", []).append(
                    f"'{chunk}' is not an interval like 09:00-17:00."
                )
                continue
            intervals.append([start.strip(), end.strip()])
        if intervals:
            week[str(day)] = intervals
    if problems:
        raise ValidationError(problems)
    try:
        validate_working_hours(week)
    except ValidationError as exc:
        per_day: dict[str, list[str]] = {}
        from ..models import WEEKDAYS

        for message in exc.message_dict.get("working_hours", []):
            day_name = message.split(":", 1)[0]
            index = WEEKDAYS.index(day_name) if day_name in WEEKDAYS else None
            per_day.setdefault(f"day_{index}" if index is not None else "__all__", []).append(
                message
            )
        raise ValidationError(per_day) from None
    return week
