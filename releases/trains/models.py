"""Release trains and their departures, freezes, boarding, QA checklists, pre-flight runs.

A `Train` is a recurring launch window (an RFC 5545 rule in a time zone); its concrete
occurrences are `Departure` rows materialised over a rolling horizon and then edited one by
one. Work boards a departure through a `Boarding` row. QA checklists come from versioned
`ChecklistTemplate`s, instantiated per request as `ChecklistRun`s; automated items are run
as `PreflightRun`s by workers. Time arithmetic lives in the pure `releases.schedule`.
The experiment register (`Experiment`, with its `ExperimentEvent` timeline) records the
tests launched through releases; sample-size arithmetic lives in `releases.experiments`.
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

from catalog.models import ChangeType, Channel, validate_time_zone
from mops.accounts.roles import Role
from mops.core.audit import owner_or_admins
from mops.core.crypto import EncryptedTextField
from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel
from mops.core.uploads import UploadTo

from . import schedule

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
        if self.calendar_id is None:
            return starts_at - timedelta(hours=hours)
        years = range(starts_at.year - 1, starts_at.year + 1)
        return schedule.business_cutoff(self.calendar.engine(years), starts_at, hours)

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


# --- boarding ---------------------------------------------------------------------------------


class BoardingStatus(models.TextChoices):
    BOARDED = "boarded", "Boarded"
    LIVE = "live", "Live"
    ROLLED_BACK = "rolled_back", "Rolled back"
    REMOVED = "removed", "Removed"


class Boarding(models.Model):
    """A request (or an RFC) on a departure's manifest. A subject is boarded at most once
    at a time; moving it to another departure marks this row `removed` and adds a new one."""

    departure = models.ForeignKey(Departure, on_delete=models.PROTECT, related_name="boardings")
    request = models.ForeignKey(
        "intake.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rfc = models.ForeignKey(
        "governance.Rfc", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=BoardingStatus.choices, default=BoardingStatus.BOARDED
    )
    boarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    boarded_at = models.DateTimeField(default=timezone.now)
    freeze_override_reason = models.TextField(blank=True)
    emergency_rfc = models.ForeignKey(
        "governance.Rfc", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["boarded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False, rfc__isnull=True)
                | Q(request__isnull=True, rfc__isnull=False),
                name="releases_boarding_one_subject",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="boarded"),
                name="releases_boarding_request_once",
            ),
            models.UniqueConstraint(
                fields=["rfc"], condition=Q(status="boarded"), name="releases_boarding_rfc_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} on {self.departure_id}"

    @property
    def subject(self) -> Any:
        return self.request if self.request_id else self.rfc

    @property
    def occupies_seat(self) -> bool:
        return self.status != BoardingStatus.REMOVED


# --- QA checklists ----------------------------------------------------------------------------


class Phase(models.TextChoices):
    PREFLIGHT = "preflight", "Pre-flight"
    POSTFLIGHT = "postflight", "Post-flight"


class Evidence(models.TextChoices):
    NONE = "none", "None"
    LINK = "link", "Link"
    FILE = "file", "File"
    NOTE = "note", "Note"


class AutomatedCheck(models.TextChoices):
    EMAIL_HTML = "email_html", "E-mail HTML"
    TRACKING = "tracking", "Tracking parameters"
    LINKS = "links", "Links resolve"


class ChecklistTemplate(TimeStampedModel):
    """A QA checklist that applies to a channel and/or change type (blank = any).
    Its items live in numbered, immutable versions; `current_version` is what new runs use."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    change_type = models.CharField(max_length=30, choices=ChangeType.choices, blank=True)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.PREFLIGHT)
    active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "ChecklistTemplateVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["phase", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.channel and not self.change_type:
            raise ValidationError("A template applies to a channel, a change type or both.")


class ChecklistTemplateVersion(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    changelog = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="releases_checklist_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(
        ChecklistTemplateVersion, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    required = models.BooleanField(default=True)
    evidence = models.CharField(max_length=10, choices=Evidence.choices, default=Evidence.NONE)
    automated_check = models.CharField(max_length=20, choices=AutomatedCheck.choices, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="releases_checklist_item_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class RunStatus(models.TextChoices):
    OPEN = "open", "Open"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class ChecklistRun(models.Model):
    """A template version instantiated for one request."""

    request = models.ForeignKey(
        "intake.Request", on_delete=models.CASCADE, related_name="checklist_runs"
    )
    template_version = models.ForeignKey(
        ChecklistTemplateVersion, on_delete=models.PROTECT, related_name="runs"
    )
    phase = models.CharField(max_length=10, choices=Phase.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["phase", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "template_version"], name="releases_checklist_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_version} for request {self.request_id}"


class ItemState(models.TextChoices):
    PENDING = "pending", "Pending"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    NOT_APPLICABLE = "n_a", "Not applicable"


def evidence_path(instance: ItemResult, filename: str) -> str:
    """Kept for migration 0001; new files are named by `mops.core.uploads.UploadTo`."""
    return f"releases/evidence/{instance.run.request_id}/{secrets.token_hex(6)}-{filename}"


class ItemResult(models.Model):
    run = models.ForeignKey(ChecklistRun, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.PENDING)
    evidence_link = models.URLField(max_length=1000, blank=True)
    # Stored under a random name (type checked on content); served only by the authorised
    # download routes, under the name the user gave (`evidence_filename`).
    evidence_file = models.FileField(
        upload_to=UploadTo("releases/evidence"), blank=True, max_length=300
    )
    evidence_filename = models.CharField(max_length=200, blank=True)
    evidence_note = models.TextField(blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["run", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="releases_item_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.item.text}: {self.state}"


class PreflightStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"


class PreflightRun(models.Model):
    """One automated check of an asset (HTML or a list of URLs) with its findings."""

    request = models.ForeignKey(
        "intake.Request", on_delete=models.CASCADE, related_name="preflight_runs"
    )
    item_result = models.ForeignKey(
        ItemResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="preflight_runs"
    )
    check_name = models.CharField(max_length=20, choices=AutomatedCheck.choices)
    status = models.CharField(
        max_length=10, choices=PreflightStatus.choices, default=PreflightStatus.QUEUED
    )
    html = models.TextField(blank=True)
    urls = models.JSONField(default=list, blank=True)
    findings = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_check_name_display()} on request {self.request_id}: {self.status}"

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "fail"]


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


# --- experiments ------------------------------------------------------------------------------


class ExperimentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    CONCLUDED = "concluded", "Concluded"
    STOPPED = "stopped", "Stopped early"
    CANCELLED = "cancelled", "Cancelled"


class ExperimentResult(models.TextChoices):
    WIN = "win", "Win"
    LOSS = "loss", "Loss"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


X = ExperimentStatus
EXPERIMENT_LIFECYCLE = Lifecycle(
    states=X.values,
    transitions=[
        Transition("start", frozenset({X.PLANNED}), X.RUNNING, RELEASE_STAFF, "Start"),
        Transition("conclude", frozenset({X.RUNNING}), X.CONCLUDED, RELEASE_STAFF, "Conclude"),
        Transition(
            "stop", frozenset({X.RUNNING}), X.STOPPED, RELEASE_STAFF, "Stop early", needs_note=True
        ),
        Transition("cancel", frozenset({X.PLANNED}), X.CANCELLED, RELEASE_STAFF, needs_note=True),
    ],
)
EXPERIMENT_ENDED = frozenset({X.CONCLUDED, X.STOPPED, X.CANCELLED})
MAX_SAMPLE = 10**13  # per variant; a design asking for more is not a test anyone can run


def validate_rate(value: Decimal) -> None:
    if not Decimal(0) < value < Decimal(1):
        raise ValidationError("Give a rate strictly between 0 and 1 (e.g. 0.10 for 10%).")


def validate_relative_lift(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Give a relative lift above 0 (e.g. 0.10 for +10%).")


class Experiment(TimeStampedModel):
    """An A/B (or A/B/n) test in the experiment register: its hypothesis, the design that
    fixes the sample each variant needs (`releases.experiments`), and its outcome.

    `required_sample_per_variant` is computed by the services from baseline, MDE, α and
    power; `met_power` is set at conclusion (observed sample per variant ≥ required)."""

    name = models.CharField(max_length=200)
    hypothesis = models.TextField(help_text="If we change X for audience Y, metric Z moves.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "intake.Request",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The intake request that built it, if any.",
    )
    departure = models.ForeignKey(
        Departure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The release-train departure it launched on, if any.",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    primary_metric = models.CharField(
        max_length=200, help_text="The conversion the test decides on, e.g. demo-form fill rate."
    )
    baseline_rate = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        validators=[validate_rate],
        help_text="Current conversion rate of the control, e.g. 0.10.",
    )
    minimum_detectable_effect = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        validators=[validate_relative_lift],
        help_text="Smallest relative lift worth detecting, e.g. 0.10 = +10%.",
    )
    alpha = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("0.2"))],
        help_text="Significance level, two-sided.",
    )
    power = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.99"))],
        help_text="Chance of detecting the effect when it is there (1 − β).",
    )
    variants = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text="Arms including the control.",
    )
    required_sample_per_variant = models.PositiveBigIntegerField(
        editable=False, validators=[MaxValueValidator(MAX_SAMPLE)]
    )
    observed_sample_per_variant = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_SAMPLE)],
        help_text="Smallest arm's sample, entered at conclusion.",
    )
    cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What the test cost (media, tools, hours), for cost per experiment.",
    )
    status = models.CharField(
        max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.PLANNED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=ExperimentResult.choices, blank=True)
    learnings = models.TextField(blank=True)
    met_power = models.BooleanField(
        null=True, blank=True, help_text="Observed sample per variant ≥ required (at conclusion)."
    )
    version = models.PositiveIntegerField(default=1, help_text="ETag / If-Match.")
    history = HistoricalRecords()

    lifecycle = EXPERIMENT_LIFECYCLE

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "concluded_at"], name="releases_exp_status_concluded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_rate__gt=0, baseline_rate__lt=1),
                name="releases_experiment_baseline_0_1",
            ),
            models.CheckConstraint(
                condition=Q(minimum_detectable_effect__gt=0), name="releases_experiment_mde_pos"
            ),
            models.CheckConstraint(
                condition=Q(variants__gte=2), name="releases_experiment_two_variants"
            ),
            models.CheckConstraint(
                condition=~Q(status="concluded")
                | (
                    ~Q(result="")
                    & Q(
                        concluded_at__isnull=False,
                        observed_sample_per_variant__isnull=False,
                        met_power__isnull=False,
                    )
                ),
                name="releases_experiment_concluded_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:experiment_detail", args=[self.pk])

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def treatment_rate(self) -> Decimal:
        """The rate a variant must reach: baseline × (1 + MDE)."""
        return self.baseline_rate * (1 + self.minimum_detectable_effect)

    @property
    def required_sample_total(self) -> int:
        return (self.required_sample_per_variant or 0) * self.variants

    @property
    def is_ended(self) -> bool:
        return self.status in EXPERIMENT_ENDED

    @property
    def design_summary(self) -> str:
        """'baseline 10%, +10% relative lift (to 11%), α 0.05 two-sided, power 0.8, 2 variants'."""

        def pct(value: Decimal) -> str:
            return f"{float(value) * 100:.4g}%"

        return (
            f"baseline {pct(self.baseline_rate)}, +{pct(self.minimum_detectable_effect)} "
            f"relative lift (to {pct(self.treatment_rate)}), α {float(self.alpha):g} two-sided, "
            f"power {float(self.power):g}, {self.variants} variants"
        )

    @property
    def sample_label(self) -> str:
        """'— / 14,751' or '15,000 / 14,751' (observed / required per variant)."""
        observed = self.observed_sample_per_variant
        seen = "—" if observed is None else f"{observed:,}"
        return f"{seen} / {self.required_sample_per_variant:,}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.status == ExperimentStatus.CONCLUDED:
            if not self.result:
                errors["result"] = "Say whether it was a win, a loss or inconclusive."
            if not self.learnings.strip():
                errors["learnings"] = "Write down what was learned."
            if self.observed_sample_per_variant is None:
                errors["observed_sample_per_variant"] = (
                    "Give the sample each variant reached (the smallest arm)."
                )
        if errors:
            raise ValidationError(errors)


class ExperimentEvent(models.Model):
    """One lifecycle step of an experiment (creation included): who, when, from, to, why."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    transition = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, choices=ExperimentStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ExperimentStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["experiment", "at"], name="releases_exp_event_at")]

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.from_status or '∅'} → {self.to_status}"
