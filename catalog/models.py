"""The service catalog: services and their versions, SLA policies, business calendars, templates.

Choices other apps reuse live here: `Channel` (release trains, QA checklists), `ChangeType`
and `Complexity`.

SLA targets are stored in *business hours*. "2 business days" is displayed by dividing by
the policy calendar's standard day length (`Calendar.hours_per_day`, the most common
length of an open weekday: 8 for Mon–Fri 9–17), so the Standard policy stores 16 / 40 /
120 hours for 2 / 5 / 15 days. The business-time engine (`catalog/businesstime.py`)
adds those hours on the calendar; it never converts days.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel

from . import inputdef
from .businesstime import (
    CalendarError,
    SlaBudget,
    SlaTarget,
    TargetKind,
    nominal_budget,
)
from .closeddays import ClosedSpan

if TYPE_CHECKING:  # pragma: no cover
    from .businesstime import BusinessCalendar


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LANDING_PAGE = "landing_page", "Landing page"
    PAID_SOCIAL = "paid_social", "Paid social"
    PAID_SEARCH = "paid_search", "Paid search"
    WEBINAR = "webinar", "Webinar"
    SMS = "sms", "SMS"
    WEB = "web", "Web"
    CRM = "crm", "CRM"
    DATA = "data", "Data"


class ChangeType(models.TextChoices):
    NEW_CAMPAIGN = "new_campaign", "New campaign"
    TEMPLATE_CHANGE = "template_change", "Template change"
    SCHEMA_CHANGE = "schema_change", "Schema change"
    ROUTING_SCORING_CHANGE = "routing_scoring_change", "Routing / scoring change"


class Complexity(models.TextChoices):
    SIMPLE = "simple", "Simple"
    STANDARD = "standard", "Standard"
    COMPLEX = "complex", "Complex"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- business calendars -------------------------------------------------------------------


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
        models.CharField(max_length=40, validators=[validate_holiday_region]),
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
        week = validate_working_hours(self.working_hours)
        if not any(week.values()):
            raise ValidationError({"working_hours": "Open at least one interval in the week."})
        from .businesstime import BusinessCalendar, CalendarError

        try:
            BusinessCalendar.create(tz=self.time_zone, week=week)
        except CalendarError as exc:  # the engine's own checks, in its words
            if exc.field == "tz":
                return  # the time_zone field's validator already says so
            raise ValidationError({"working_hours": exc.message}) from None

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
        from .businesstime import BusinessCalendar

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


# --- SLA policies -------------------------------------------------------------------------


def _hours_field(default: int, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(10000))],
        help_text=help_text,
    )


TARGET_CHOICES: list[tuple[str, str]] = [
    ("", "Business hours (the hours field)"),
    ("eod:0", "End of this business day"),
    ("eod:1", "End of next business day"),
    *[(f"days:{n}", f"{n} business day{'s' if n != 1 else ''}") for n in (1, 2, 3, 5, 10, 15, 20)],
]


def parse_target_token(token: str) -> SlaTarget:
    """'eod:0' → end of this business day, 'days:2' → 2 business days."""
    kind, _, amount = str(token).partition(":")
    kinds = {"eod": TargetKind.END_OF_DAY, "days": TargetKind.BUSINESS_DAYS}
    if kind not in kinds or not amount.isdigit():
        raise ValidationError(
            f"{token!r} is not a target; use eod:0 (end of this business day), eod:1 (end of "
            "next business day) or days:N (N business days)."
        )
    try:
        return SlaTarget(kinds[kind], int(amount))
    except CalendarError as exc:
        raise ValidationError(f"{token!r}: {exc.message}") from None


def validate_target_kinds(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Target kinds map '<clock>_<complexity>' to a target.")
    valid = {f"{clock}_{c.value}" for clock in ("triage", "delivery") for c in Complexity}
    for key, token in value.items():
        if key not in valid:
            raise ValidationError(
                f"{key!r} is not a target; use one of {', '.join(sorted(valid))}."
            )
        if token:
            parse_target_token(token)


class SlaPolicy(TimeStampedModel):
    """Targets per complexity class, in business hours on `calendar`, and the at-risk point."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="sla_policies")
    triage_hours_simple = _hours_field(4, "Business hours to triage a simple request.")
    triage_hours_standard = _hours_field(4, "Business hours to triage a standard request.")
    triage_hours_complex = _hours_field(4, "Business hours to triage a complex request.")
    delivery_hours_simple = _hours_field(16, "Business hours to deliver a simple request.")
    delivery_hours_standard = _hours_field(40, "Business hours to deliver a standard request.")
    delivery_hours_complex = _hours_field(120, "Business hours to deliver a complex request.")
    at_risk_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A clock is at risk once this share of its target has elapsed.",
    )
    # "<clock>_<complexity>" → "eod:0" (end of this business day), "eod:1" (end of next),
    # "days:N" (N business days); a target not listed is in the hours field.
    target_kinds = models.JSONField(default=dict, blank=True, validators=[validate_target_kinds])
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def triage_hours(self, complexity: str) -> Decimal:
        return Decimal(getattr(self, f"triage_hours_{Complexity(complexity).value}"))

    def delivery_hours(self, complexity: str) -> Decimal:
        return Decimal(getattr(self, f"delivery_hours_{Complexity(complexity).value}"))

    def target_spec(self, clock: str, complexity: str) -> SlaTarget:
        """The target of `clock` for `complexity`: hours, business days or end of day."""
        if clock not in ("triage", "delivery"):
            raise ValueError(f"Unknown clock {clock!r}; use triage or delivery.")
        complexity = Complexity(complexity).value
        token = (self.target_kinds or {}).get(f"{clock}_{complexity}")
        if token:
            return parse_target_token(token)
        hours = getattr(self, f"{clock}_hours_{complexity}")
        return SlaTarget(TargetKind.HOURS, Decimal(hours))

    def triage_target(self, complexity: str) -> timedelta:
        """Business duration to triage a request of `complexity` (see `target`)."""
        return self.target("triage", complexity)

    def delivery_target(self, complexity: str) -> timedelta:
        """Business duration to deliver a request of `complexity` (see `target`)."""
        return self.target("delivery", complexity)

    def target(self, clock: str, complexity: str) -> timedelta:
        """The clock's business-time budget. Targets in business days or "end of this/next
        business day" depend on when the clock starts: they come as an `SlaBudget`, which
        the SLA clock resolves exactly on the calendar once it knows its start."""
        spec = self.target_spec(clock, complexity)
        if spec.kind == TargetKind.HOURS:
            return timedelta(seconds=int(Decimal(spec.amount) * 3600))
        return SlaBudget(nominal_budget(spec, self.calendar.day_length), spec)

    @property
    def at_risk_ratio(self) -> float:
        return self.at_risk_percent / 100

    def due(self, *, clock: str, complexity: str, start: datetime) -> datetime:
        """When a `clock` (triage / delivery) started at `start` is due."""
        return self.calendar.engine_for(start).due(start, self.target_spec(clock, complexity))

    def describe_target(self, clock: str, complexity: str) -> str:
        """'end of this business day', '2 business days (15 h at 7 h 30 min a day)', or the
        hours as `describe_hours` says them."""
        spec = self.target_spec(clock, complexity)
        if spec.kind == TargetKind.HOURS:
            return self.describe_hours(Decimal(spec.amount))
        return spec.describe(self.calendar.day_length)

    def describe_hours(self, hours: Decimal) -> str:
        """'2 business days' when a whole number of standard days, else 'N business hours'."""
        per_day = self.calendar.hours_per_day
        days = Decimal(hours) / per_day if per_day else Decimal(0)
        if days >= 1 and days == days.to_integral_value():
            n = int(days)
            return f"{n} business day{'s' if n != 1 else ''}"
        text = format_hours(hours)
        return f"{text} business hour{'s' if Decimal(hours) != 1 else ''}"

    def delivery_summary(self) -> list[tuple[str, str, str]]:
        """[(complexity value, label, "2 business days"), ...] for display."""
        return [(c.value, c.label, self.describe_target("delivery", c.value)) for c in Complexity]

    def triage_summary(self) -> list[tuple[str, str, str]]:
        return [(c.value, c.label, self.describe_target("triage", c.value)) for c in Complexity]


# --- templates ----------------------------------------------------------------------------


class PatternKind(models.TextChoices):
    WELCOME_SERIES = "welcome_series", "Welcome series"
    NURTURE = "nurture", "Nurture"
    RE_ENGAGEMENT = "re_engagement", "Re-engagement"
    WIN_BACK = "win_back", "Win-back"
    UPSELL = "upsell", "Upsell"
    OTHER = "other", "Other"


class Template(TimeStampedModel):
    """An approved automation pattern; its content lives in numbered versions."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=PatternKind.choices, default=PatternKind.OTHER)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One published version of a template. Never edited: rollback publishes a copy."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.TextField(blank=True, help_text="The pattern, as the builders read it.")
    spec = models.JSONField(default=dict, blank=True, help_text="Structured spec (steps, waits).")
    changelog = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="catalog_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


# --- services -----------------------------------------------------------------------------


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


SERVICE_LIFECYCLE = Lifecycle(
    states=ServiceStatus.values,
    transitions=[
        Transition(
            "publish",
            frozenset({ServiceStatus.DRAFT, ServiceStatus.RETIRED}),
            ServiceStatus.ACTIVE,
            frozenset({"admin", "pm"}),
            label="Publish",
        ),
        Transition(
            "retire",
            frozenset({ServiceStatus.DRAFT, ServiceStatus.ACTIVE}),
            ServiceStatus.RETIRED,
            frozenset({"admin", "pm"}),
            label="Retire",
        ),
    ],
)


RESERVED_SLUGS = frozenset({"services", "sla", "templates", "new", "starters"})


class SelfServeTool(models.TextChoices):
    """How a self-serve service lets a marketer finish without a ticket."""

    GUIDE = "guide", "Follow the instructions, then mark it done"
    UTM_BUILDER = "utm_builder", "UTM builder (registers the campaign)"
    FIELD_RFC = "field_rfc", "Field request form (drafts an RFC for MOPS)"


def validate_input_definition(value: Any) -> None:
    errors = inputdef.validate_definition(value)
    if errors:
        raise ValidationError([str(e) for e in errors])


class Service(TimeStampedModel):
    """Something MOPS provides. The versioned part (definition, complexity, SLA, templates)
    is snapshotted into `ServiceVersion` rows; requests point at the version they used."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices), default=list, blank=True
    )
    change_type = models.CharField(
        max_length=30, choices=ChangeType.choices, default=ChangeType.NEW_CAMPAIGN
    )
    default_complexity = models.CharField(
        max_length=10, choices=Complexity.choices, default=Complexity.STANDARD
    )
    self_serve = models.BooleanField(
        default=False, help_text="Requesters can do it themselves with the linked tool or guide."
    )
    self_serve_tool = models.CharField(
        max_length=20,
        choices=SelfServeTool.choices,
        default=SelfServeTool.GUIDE,
        help_text="What a self-serve user does instead of opening a request.",
    )
    instructions = models.TextField(
        blank=True,
        help_text="Step-by-step instructions shown on a self-serve service (plain text).",
    )
    status = models.CharField(
        max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.DRAFT, db_index=True
    )
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="services")
    templates = models.ManyToManyField(Template, blank=True, related_name="services")
    input_definition = models.JSONField(
        default=list, blank=True, validators=[validate_input_definition]
    )
    current_version = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Bumped on every edit; If-Match / the form's hidden field."
    )
    history = HistoricalRecords(m2m_fields=[templates])

    lifecycle = SERVICE_LIFECYCLE

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"'{self.slug}' is reserved for catalog pages."})
        if (
            self.self_serve
            and self.self_serve_tool == SelfServeTool.GUIDE
            and not (self.instructions or "").strip()
        ):
            raise ValidationError(
                {
                    "instructions": "A self-serve service that is done by following a guide "
                    "needs its instructions: write the steps a marketer follows."
                }
            )
        bad = [c for c in self.channels if c not in Channel.values]
        if bad:
            raise ValidationError({"channels": f"Unknown channels: {', '.join(bad)}."})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:service_detail", args=[self.slug])

    @property
    def calendar(self) -> Calendar:
        return self.sla_policy.calendar

    def channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.channels if c in Channel.values]

    def default_delivery(self) -> str:
        """'simple: 2 business days'."""
        c = self.default_complexity
        return f"{c}: {self.sla_policy.describe_target('delivery', c)}"


class ServiceVersion(models.Model):
    """An immutable snapshot of what a service asked and promised at one point in time."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    input_definition = models.JSONField(default=list, blank=True)
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+")
    templates = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"id", "slug", "name", "version_id", "version"}] of the templates then.',
    )
    changelog = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "number"], name="catalog_service_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service.name} v{self.number}"

    @property
    def calendar(self) -> Calendar:
        return self.sla_policy.calendar

    def template_version_ids(self) -> list[int]:
        return [t["version_id"] for t in self.templates if t.get("version_id")]


class SelfServeCompletion(models.Model):
    """A self-serve task a marketer finished without opening a request: the event that
    self-serve share counts. Immutable once written; the dimensions the metrics group by
    (team, class, channel) are copied from the service and the person at that moment."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    channel = models.CharField(max_length=20, blank=True, help_text="The service's first channel.")
    tool = models.CharField(max_length=20, choices=SelfServeTool.choices)
    outcome = models.CharField(max_length=300, help_text="What was done, in one line.")
    object_ref = models.CharField(
        max_length=60, blank=True, help_text="What the tool produced, e.g. 'campaign:12', 'rfc:5'."
    )
    completed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.service} done by {self.user} at {self.completed_at:%Y-%m-%d %H:%M}"
