"""Business calendars: working hours, holidays, closed days, and the engine built from them."""

from __future__ import annotations

import threading
import zoneinfo
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel

from ..businesstime import CalendarError
from ..closeddays import ClosedSpan

if TYPE_CHECKING:  # pragma: no cover
    from ..businesstime import BusinessCalendar


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_hhmm(value: str, *, allow_24: bool = False) -> time | None:
    """'09:30' → time(9, 30); '24:00' → None (end of day) when allowed. ValueError otherwise."""
    text = str(value).strip()
    if allow_24 and text in ("24:00", "24:00:00"):
        return None
    try:
        hh, mm = text.split(":")[:2]
        if len(hh) not in (1, 2) or len(mm) != 2:
            raise ValueError
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise ValueError(f"'{text}' is not a time of day (HH:MM, 00:00–24:00).") from None


def validate_working_hours(value: Any) -> dict[int, list[tuple[time, time | None]]]:
    """Parse and check `{"0": [["09:00", "12:00"], ["13:00", "17:00"]], ...}` (0 = Monday).

    Raises ValidationError naming the weekday and the problem; returns the parsed week.
    """
    if not isinstance(value, dict):
        raise ValidationError(
            {"working_hours": "Working hours must map weekdays (0–6) to intervals."}
        )
    week: dict[int, list[tuple[time, time | None]]] = {}
    problems: list[str] = []
    for raw_day, intervals in value.items():
        try:
            day = int(raw_day)
            if not 0 <= day <= 6:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"'{raw_day}' is not a weekday (0 = Monday … 6 = Sunday).")
            continue
        name = WEEKDAYS[day]
        if not isinstance(intervals, list):
            problems.append(f"{name}: intervals must be a list of [start, end].")
            continue
        parsed: list[tuple[time, time | None]] = []
        for interval in intervals:
            if not isinstance(interval, list | tuple) or len(interval) != 2:
                problems.append(f"{name}: {interval!r} is not a [start, end] pair.")
                continue
            try:
                start = parse_hhmm(interval[0])
                end = parse_hhmm(interval[1], allow_24=True)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
                continue
            assert start is not None
            if end is not None and end <= start:
                problems.append(
                    f"{name}: {interval[0]}–{interval[1]} ends before it starts (impossible hours)."
                )
                continue
            parsed.append((start, end))
        parsed.sort(key=lambda iv: iv[0])
        for (s1, e1), (s2, e2) in zip(parsed, parsed[1:], strict=False):
            if e1 is None or s2 < e1:
                problems.append(
                    f"{name}: {s1:%H:%M}–{_fmt_end(e1)} overlaps {s2:%H:%M}–{_fmt_end(e2)}."
                )
        week[day] = parsed
    if problems:
        raise ValidationError({"working_hours": problems})
    return week


def _fmt_end(end: time | None) -> str:
    return "24:00" if end is None else f"{end:%H:%M}"


def _interval_hours(start: time, end: time | None) -> Decimal:
    end_min = 24 * 60 if end is None else end.hour * 60 + end.minute
    return Decimal(end_min - (start.hour * 60 + start.minute)) / 60


def format_hours(value: Decimal | float | int) -> str:
    """16 → '16', 7.5 → '7.5'."""
    d = Decimal(str(value)).normalize()
    return f"{d:f}"


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(f"'{value}' is not a known time zone (e.g. America/New_York).")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_holiday_region(value: str) -> None:
    import holidays

    country, _, subdiv = value.partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValidationError(f"'{country}' is not a country the holidays package knows.")
    if subdiv and subdiv not in supported[country]:
        raise ValidationError(
            f"'{subdiv}' is not a subdivision of {country} "
            f"(known: {', '.join(supported[country][:12])}…)."
        )


DEFAULT_WORKING_HOURS = {str(d): [["09:00", "17:00"]] for d in range(5)}


class Calendar(TimeStampedModel):
    """A business calendar: time zone, working hours per weekday, holidays, closed days.

    `engine()` gives the pure `businesstime.BusinessCalendar` for SLA arithmetic.
    """

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    working_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Weekday (0 = Monday) → list of ["HH:MM", "HH:MM"] intervals; "24:00" ends a day.',
    )
    holiday_regions = ArrayField(
        models.CharField(max_length=40),  # each region is checked in clean()
        default=list,
        blank=True,
        help_text="Public holidays from these countries/subdivisions: 'US', 'DE-BE'.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        regions = self._holiday_region_problems()
        try:
            self._clean_week()
        except ValidationError as error:
            if not regions:
                raise
            raise ValidationError({**error.message_dict, "holiday_regions": regions}) from None
        if regions:
            raise ValidationError({"holiday_regions": regions})

    def _clean_week(self) -> None:
        week = validate_working_hours(self.working_hours)
        if not any(week.values()):
            raise ValidationError({"working_hours": "Open at least one interval in the week."})
        from ..businesstime import BusinessCalendar

        try:
            BusinessCalendar.create(tz=self.time_zone, week=week)
        except CalendarError as exc:  # the engine's own checks, in its words
            if exc.field == "tz":
                return  # the time_zone field's validator already says so
            raise ValidationError({"working_hours": exc.message}) from None

    def _holiday_region_problems(self) -> list[str]:
        """Each region's problem. Not an item validator of the ArrayField: Django
        %-formats an item's error twice there, so a region typed as "%" answered 500
        instead of being named."""
        problems: list[str] = []
        for region in self.holiday_regions or []:
            try:
                validate_holiday_region(region)
            except ValidationError as error:
                problems.extend(error.messages)
        return problems

    # --- reading -----------------------------------------------------------------------------

    @property
    def week(self) -> dict[int, list[tuple[time, time | None]]]:
        return validate_working_hours(self.working_hours or {})

    def week_rows(self) -> list[tuple[str, str]]:
        """[("Monday", "09:00–12:00, 13:00–17:00"), ...] for display."""
        week = self.week
        rows = []
        for day, name in enumerate(WEEKDAYS):
            intervals = week.get(day) or []
            text = ", ".join(f"{s:%H:%M}–{_fmt_end(e)}" for s, e in intervals) or "closed"
            rows.append((name, text))
        return rows

    @property
    def hours_per_day(self) -> Decimal:
        """The standard business day: the most common open weekday length (ties: longest)."""
        lengths = [
            sum((_interval_hours(s, e) for s, e in intervals), Decimal(0))
            for intervals in self.week.values()
            if intervals
        ]
        if not lengths:
            return Decimal(8)
        counts = Counter(lengths)
        return max(counts, key=lambda h: (counts[h], h))

    @property
    def hours_per_day_text(self) -> str:
        return format_hours(self.hours_per_day)

    @property
    def day_length(self) -> timedelta:
        """`hours_per_day` as a duration (what one business day of an SLA target is worth)."""
        return timedelta(seconds=int(self.hours_per_day * 3600))

    def holiday_dates(self, years: range | list[int]) -> dict[date, str]:
        import holidays

        found: dict[date, str] = {}
        for region in self.holiday_regions:
            country, _, subdiv = region.partition("-")
            for day, name in holidays.country_holidays(
                country, subdiv=subdiv or None, years=list(years)
            ).items():
                found.setdefault(day, name)
        return found

    def closed_dates(self, years: range | list[int]) -> dict[date, str]:
        """Holidays and company closed days in `years`, date → name."""
        years = list(years)
        found = self.holiday_dates(years)
        for closed in self._closed_days():
            found.update(closed.span.dates_in(years))
        return dict(sorted(found.items()))

    def _closed_days(self) -> list[ClosedDay]:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "closed_days" in cache:
            return list(cache["closed_days"])
        return list(self.closed_days.all())

    def engine(self, years: range | list[int] | None = None) -> BusinessCalendar:
        """The pure business-time calendar, cached per (calendar, updated_at, years).

        Holidays are expanded for `years` (default: two years back to five ahead of now);
        SLA clocks never reach past that.
        """
        if years is None:
            this_year = timezone.now().year
            years = range(this_year - 2, this_year + 6)
        key = (self.pk, self.updated_at, tuple(years))
        cached = _ENGINE_CACHE.get(key)
        if cached is not None:
            return cached
        from ..businesstime import BusinessCalendar

        engine = BusinessCalendar.create(
            tz=self.time_zone, week=self.week, closed_dates=self.closed_dates(years)
        )
        if self.pk is not None:
            with _ENGINE_LOCK:
                while len(_ENGINE_CACHE) >= 64:  # oldest first: dicts keep insertion order
                    _ENGINE_CACHE.pop(next(iter(_ENGINE_CACHE)))
                _ENGINE_CACHE[key] = engine
        return engine

    def engine_for(self, start: datetime, end: datetime | None = None) -> BusinessCalendar:
        """The engine with holidays for every year from `start` to `end` (or the usual
        window), plus three years of headroom for due dates that land later."""
        this_year = timezone.now().year
        first = min(this_year - 2, start.year)
        last = max(this_year + 5, (end or start).year + 3)
        if first == this_year - 2 and last == this_year + 5:
            return self.engine()
        return self.engine(years=range(first, last + 1))

    def touch(self) -> None:
        """Bump updated_at (closed days changed) so cached engines are rebuilt."""
        now = timezone.now()
        Calendar.objects.filter(pk=self.pk).update(updated_at=now)
        self.updated_at = now


_ENGINE_CACHE: dict[tuple[Any, ...], BusinessCalendar] = {}
_ENGINE_LOCK = threading.Lock()


class ClosedDay(models.Model):
    """A company-specific closed day (e.g. Dec 24) on one calendar."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(
        help_text="The (first) closed day; for a yearly one, its year is ignored."
    )
    end_date = models.DateField(
        null=True, blank=True, help_text="Last closed day of a range (inclusive)."
    )
    yearly = models.BooleanField(default=False, help_text="Closed on these days every year.")
    name = models.CharField(max_length=120, default="Company closed day")
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="catalog_closed_day_unique")
        ]

    def __str__(self) -> str:
        return self.span.text()

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.calendar.touch()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        calendar = self.calendar
        result = super().delete(*args, **kwargs)
        calendar.touch()
        return result

    @property
    def span(self) -> ClosedSpan:
        return ClosedSpan(
            start=self.date, end=self.end_date or self.date, name=self.name, yearly=self.yearly
        )
