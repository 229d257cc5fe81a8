"""Trains, their departures, freezes and calendar-feed tokens.

A `Train` is a recurring launch window (an RFC 5545 rule in a time zone); its concrete
occurrences are `Departure` rows materialised over a rolling horizon and then edited one by
one. Time arithmetic lives in the pure `releases.trains.schedule`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Channel, validate_time_zone
from mops.accounts.roles import Role
from mops.core.audit import owner_or_admins
from mops.core.crypto import EncryptedTextField
from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel
from releases.trains import schedule

RELEASE_MANAGERS = frozenset({Role.PM, Role.ADMIN})
RELEASE_STAFF = frozenset({Role.PM, Role.ENGINEER, Role.ADMIN})
SYSTEM = "system"  # the role a beat task acts with


def _validate_channels(value: list[str], field: str = "channels") -> None:
    bad = [c for c in value if c not in Channel.values]
    if bad:
        raise ValidationError({field: f"Unknown channels: {', '.join(bad)}."})


EARLIEST_YEAR, LATEST_YEAR = 2000, 2199


def validate_plausible_when(value: date | datetime) -> None:
    """Dates and instants a launch calendar can mean: years 2000–2199 (outside that range
    zone offsets turn into local mean time and recurrences expand for centuries)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", code="out_of_range"
        )


def validate_rrule(value: str) -> None:
    try:
        schedule.parse_rrule(value)
    except schedule.ScheduleError as exc:
        raise ValidationError(exc.message) from None


# --- trains and departures --------------------------------------------------------------------


class Train(TimeStampedModel):
    """A recurring launch window, e.g. the e-mail train, Tue/Thu 10:00–12:00 America/New_York."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    channels = ArrayField(models.CharField(max_length=20, choices=Channel.choices), default=list)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    rrule = models.CharField(
        max_length=300,
        validators=[validate_rrule],
        help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU,TH",
    )
    first_date = models.DateField(
        validators=[validate_plausible_when],
        help_text="DTSTART date: the first day the rule counts from.",
    )
    start_time = models.TimeField(help_text="Local departure time, e.g. 10:00.")
    duration_minutes = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    capacity = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    cutoff_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(24),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(2000))],
        help_text="Pre-flight must pass this many business hours before departure.",
    )
    calendar = models.ForeignKey(
        "catalog.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Business calendar for the cutoff; without one the cutoff is in clock hours.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(7), MaxValueValidator(366)]
    )
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _validate_channels(self.channels)
        if not self.channels:
            raise ValidationError({"channels": "A train carries at least one channel."})

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def describe(self) -> str:
        """'weekly on Tue, Thu · 10:00–12:00 America/New_York'."""
        try:
            rule = schedule.describe_rrule(self.rrule)
        except schedule.ScheduleError:
            rule = self.rrule
        end = datetime.combine(date(2000, 1, 3), self.start_time) + self.duration
        return f"{rule} · {self.start_time:%H:%M}–{end:%H:%M} {self.time_zone}"

    def channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.channels if c in Channel.values]

    def occurrences(self, start: datetime, end: datetime) -> list[schedule.Occurrence]:
        return schedule.occurrences(
            rule=self.rrule,
            first_date=self.first_date,
            start_time=self.start_time,
            duration=self.duration,
            time_zone=self.time_zone,
            window_start=start,
            window_end=end,
        )

    def cutoff_for(self, starts_at: datetime) -> datetime:
        """`cutoff_hours` business hours before `starts_at` on the train's calendar."""
        hours = float(self.cutoff_hours)
        calendar = self.calendar  # no query without one
        if calendar is None:
            return starts_at - timedelta(hours=hours)
        years = range(starts_at.year - 1, starts_at.year + 1)
        return schedule.business_cutoff(calendar.engine(years), starts_at, hours)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:train_detail", args=[self.slug])


class DepartureStatus(models.TextChoices):
    OPEN = "open", "Open"
    BOARDING_CLOSED = "boarding_closed", "Boarding closed"
    DEPARTED = "departed", "Departed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


S = DepartureStatus
DEPARTURE_LIFECYCLE = Lifecycle(
    states=S.values,
    transitions=[
        Transition(
            "close_boarding", frozenset({S.OPEN}), S.BOARDING_CLOSED, RELEASE_MANAGERS | {SYSTEM}
        ),
        Transition(
            "reopen", frozenset({S.BOARDING_CLOSED}), S.OPEN, RELEASE_MANAGERS, "Reopen boarding"
        ),
        Transition(
            "depart",
            frozenset({S.OPEN, S.BOARDING_CLOSED}),
            S.DEPARTED,
            RELEASE_STAFF | {SYSTEM},
            "Mark departed",
        ),
        Transition("close", frozenset({S.DEPARTED}), S.CLOSED, RELEASE_STAFF | {SYSTEM}),
        Transition(
            "cancel",
            frozenset({S.OPEN, S.BOARDING_CLOSED}),
            S.CANCELLED,
            RELEASE_MANAGERS,
            needs_note=True,
        ),
    ],
)


class Departure(models.Model):
    """One concrete occurrence of a train. `scheduled_start` is the rule's occurrence (the
    key that keeps materialisation idempotent); `starts_at` may be moved by hand."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="departures")
    scheduled_start = models.DateTimeField()
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MaxValueValidator(500)])
    status = models.CharField(
        max_length=20, choices=DepartureStatus.choices, default=DepartureStatus.OPEN, db_index=True
    )
    note = models.TextField(blank=True)
    moved = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    lifecycle = DEPARTURE_LIFECYCLE

    class Meta:
        ordering = ["starts_at", "train__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "scheduled_start"], name="releases_departure_occurrence_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="releases_departure_ends"
            ),
        ]

    def __str__(self) -> str:
        local = self.local_start
        return f"{self.train.name} {local:%a %Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:departure_detail", args=[self.pk])

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(schedule.zone(self.train.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(schedule.zone(self.train.time_zone))

    @property
    def is_bookable(self) -> bool:
        return self.status == DepartureStatus.OPEN


# --- freezes ----------------------------------------------------------------------------------


class Freeze(TimeStampedModel):
    """A change freeze: one-off (`starts_at`–`ends_at`) or recurring (`rrule` from
    `first_date` at `start_time` for `duration_minutes`); global when `channels` is empty."""

    class Kind(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        RECURRING = "recurring", "Recurring"

    name = models.CharField(max_length=120)
    reason = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONE_OFF)
    channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices),
        default=list,
        blank=True,
        help_text="Empty: every channel.",
    )
    starts_at = models.DateTimeField(null=True, blank=True, validators=[validate_plausible_when])
    ends_at = models.DateTimeField(null=True, blank=True, validators=[validate_plausible_when])
    rrule = models.CharField(max_length=300, blank=True, validators=[validate_rrule])
    first_date = models.DateField(null=True, blank=True, validators=[validate_plausible_when])
    start_time = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _validate_channels(self.channels)
        errors: dict[str, str] = {}
        if self.kind == self.Kind.ONE_OFF:
            if self.starts_at is None:
                errors["starts_at"] = "A one-off freeze needs a start."
            if self.ends_at is None:
                errors["ends_at"] = "A one-off freeze needs an end."
            elif self.starts_at and self.ends_at <= self.starts_at:
                errors["ends_at"] = "The end must be after the start."
        else:
            if not self.rrule:
                errors["rrule"] = "A recurring freeze needs a rule, e.g. FREQ=WEEKLY;BYDAY=FR."
            if self.first_date is None:
                errors["first_date"] = "A recurring freeze needs the date it starts from."
            if self.start_time is None:
                errors["start_time"] = "A recurring freeze needs a local start time."
            if not self.duration_minutes:
                errors["duration_minutes"] = "A recurring freeze needs a duration."
        if errors:
            raise ValidationError(errors)

    def rule(self) -> schedule.FreezeRule:
        """The pure description `releases.schedule` evaluates."""
        if self.kind == self.Kind.RECURRING:
            return schedule.FreezeRule(
                key=self.pk,
                name=self.name,
                channels=frozenset(self.channels),
                rule=self.rrule,
                first_date=self.first_date,
                start_time=self.start_time,
                duration=timedelta(minutes=self.duration_minutes or 0),
                time_zone=self.time_zone,
            )
        return schedule.FreezeRule(
            key=self.pk,
            name=self.name,
            channels=frozenset(self.channels),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )

    def describe(self) -> str:
        scope = ", ".join(Channel(c).label for c in self.channels) or "all channels"
        if self.kind == self.Kind.RECURRING and self.start_time is not None:
            try:
                rule = schedule.describe_rrule(self.rrule)
            except schedule.ScheduleError:
                rule = self.rrule
            hours = (self.duration_minutes or 0) / 60
            return (
                f"{rule} from {self.start_time:%H:%M} for {hours:g} h ({self.time_zone}) · {scope}"
            )
        if self.starts_at and self.ends_at:
            tz = schedule.zone(self.time_zone)
            return (
                f"{self.starts_at.astimezone(tz):%Y-%m-%d %H:%M} – "
                f"{self.ends_at.astimezone(tz):%Y-%m-%d %H:%M} · {scope}"
            )
        return scope


# --- calendar feeds ---------------------------------------------------------------------------


class FeedToken(models.Model):
    """A per-user secret in calendar feed URLs (calendar apps cannot send credentials).

    Looked up by its SHA-256 digest; the key itself is kept encrypted only so the calendar
    page can show the subscription URL again. Rotating replaces it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="release_feed_token"
    )
    digest = models.CharField(max_length=64, unique=True)
    key = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["key", "last_used_at"])
    # The digest identifies the feed URL's key: masked in the audit, owner and admins only.
    audit_secret_fields = frozenset({"digest", "key"})

    def __str__(self) -> str:
        return f"feed token of {self.user}"

    @classmethod
    def audit_visible_to(cls, user: Any) -> models.QuerySet[FeedToken] | None:
        return owner_or_admins(cls, user)

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(24)

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
