"""Data health and the watch: warehouses, datasets, data contracts, check runs and results,
heartbeat monitors and pings, incidents (with their lifecycle), on-call rotations, runbooks.

The check semantics live in the pure engine (`governance.health.checks`, docs/data-health.md);
these models only store what it returns. `governance.health.services` is the only writer.

Rules a reader could not guess:
- One open incident per problem: `Incident.source_key` ("check:<dataset>:<key>",
  "monitor:<id>", "run:<dataset>", "anomaly:<dataset>:<metric>") is unique among incidents
  that are not resolved (a partial unique constraint), so repeated failures update the open
  incident instead of opening new ones.
- Two runs of one dataset never overlap: a run starts by claiming the dataset row with a
  conditional UPDATE on `running_since` (see `dataset_run_checks`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from governance.health.contracts.spec import (
    DIMENSIONS,
    ContractError,
    ContractSpec,
    spec_from_dict,
)
from mops.accounts.roles import MOPS_STAFF
from mops.core.audit import admins_only
from mops.core.crypto import EncryptedTextField
from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel

from .warehouse_access import schema_refusal

__all__ = [
    "CheckResult",
    "CheckRun",
    "ContractStatus",
    "DataContract",
    "Dataset",
    "INCIDENT_LIFECYCLE",
    "INCIDENT_RESPONDERS",
    "Incident",
    "IncidentEvent",
    "IncidentStatus",
    "Monitor",
    "MonitorStatus",
    "Ping",
    "Rotation",
    "RotationMember",
    "RotationOverride",
    "RunStatus",
    "Runbook",
    "Warehouse",
]

INCIDENT_RESPONDERS: frozenset[str] = MOPS_STAFF


class Warehouse(TimeStampedModel):
    """Where datasets live: a PostgreSQL database read through its own least-privilege login
    (never the app's database or role; see `governance.health.warehouse_access`)."""

    name = models.CharField(max_length=100, unique=True)
    dsn = EncryptedTextField(
        blank=True,
        help_text="PostgreSQL connection string of a login role with SELECT on the warehouse"
        " schema only (not the app's database or role). Stored encrypted, never shown again.",
    )
    statement_timeout_ms = models.PositiveIntegerField(default=30_000)
    is_demo = models.BooleanField(default=False)
    history = HistoricalRecords(excluded_fields=["dsn"])
    # Connection details are credentials: masked in the audit; warehouses are admins' business.
    audit_secret_fields = frozenset({"dsn"})

    class Meta:
        ordering = ["name"]

    @classmethod
    def audit_visible_to(cls, user: Any) -> models.QuerySet[Warehouse] | None:
        return admins_only(cls, user)

    def __str__(self) -> str:
        return self.name

    @property
    def has_connection(self) -> bool:
        return bool(self.dsn)

    def clean(self) -> None:
        if not 100 <= self.statement_timeout_ms <= 600_000:
            raise ValidationError(
                {"statement_timeout_ms": "Between 100 ms and 600,000 ms (10 minutes)."}
            )


# New datasets get one full run a night (02:00 in CELERY_TIMEZONE): a full run scans the whole
# table, so "every 30 minutes" multiplied warehouse load by 48 for numbers that rarely move.
NIGHTLY_SCHEDULE = "0 2 * * *"


class Dataset(TimeStampedModel):
    """A table or view in a warehouse, watched by the checks its contract implies."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="datasets")
    schema = models.CharField(max_length=63)
    table = models.CharField(max_length=63)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_datasets",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="datasets"
    )
    schedule = models.CharField(
        max_length=100,
        default=NIGHTLY_SCHEDULE,
        help_text="Cron expression (minute hour day month weekday) for scheduled full runs.",
    )
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    watermark = models.DateTimeField(null=True, blank=True)
    last_columns = models.JSONField(default=list, blank=True)
    running_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_run = models.ForeignKey(
        "CheckRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["running_since", "last_run", "watermark"])

    class Meta:
        ordering = ["schema", "table"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "schema", "table"], name="governance_dataset_unique_table"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def name(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        return reverse("governance:dataset_detail", args=[self.pk])

    def clean(self) -> None:
        refusal = schema_refusal(self.schema)
        if refusal:
            raise ValidationError({"schema": refusal})


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def validate_contract_spec(value: Any) -> None:
    """The stored spec must build a ContractSpec (same validation as the engine)."""
    if not isinstance(value, dict):
        raise ValidationError("The contract spec must be an object.")
    try:
        spec_from_dict(value)
    except ContractError as exc:
        raise ValidationError(f"{exc.path}: {exc.message}") from None
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class DataContract(TimeStampedModel):
    """The contract of one dataset: owner, consumers, description and the check spec.

    `spec` is the `contracts.spec.spec_from_dict` shape; every save bumps `version`
    (optimistic concurrency, If-Match) and simple-history keeps every version.
    """

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="contract")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.PUBLISHED
    )
    description = models.TextField(blank=True)
    consumers = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    spec = models.JSONField(validators=[validate_contract_spec], encoder=DjangoJSONEncoder)
    history = HistoricalRecords()

    class Meta:
        ordering = ["dataset__schema", "dataset__table"]

    def __str__(self) -> str:
        return f"Contract of {self.dataset} v{self.version}"

    def build_spec(self) -> ContractSpec:
        return spec_from_dict(self.spec)


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PASS = "pass", "Pass"
    WARN = "warn", "Warn"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"


class CheckRun(models.Model):
    """One run of one dataset's checks. `status = error` means the run itself failed
    (unreachable database, timeout, missing table) — `error` says why."""

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Run now (page)"
        API = "api", "API"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="runs")
    contract_version = models.PositiveIntegerField(null=True, blank=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.FULL)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    statements = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    watermark_in = models.DateTimeField(null=True, blank=True)
    watermark_out = models.DateTimeField(null=True, blank=True)
    rows_in_scope = models.BigIntegerField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score_completeness = models.FloatField(null=True, blank=True)
    score_validity = models.FloatField(null=True, blank=True)
    score_timeliness = models.FloatField(null=True, blank=True)
    score_uniqueness = models.FloatField(null=True, blank=True)
    score_consistency = models.FloatField(null=True, blank=True)
    score_coverage = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["dataset", "-started_at"], name="gov_run_dataset_started")]

    def __str__(self) -> str:
        return f"Run #{self.pk} of {self.dataset_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("governance:run_detail", args=[self.pk])

    @property
    def scores(self) -> dict[str, float | None]:
        return {d: getattr(self, f"score_{d}") for d in DIMENSIONS}


class CheckResult(models.Model):
    """One check's outcome in one run, with its semantics copied so old runs explain
    themselves after the contract changes; `sample` holds masked offending rows (fail only)."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="results")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    dimension = models.CharField(max_length=20)
    status = models.CharField(max_length=10)
    value = models.FloatField(null=True, blank=True)
    count = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    warn = models.FloatField(null=True, blank=True)
    fail = models.FloatField(null=True, blank=True)
    semantics = models.TextField(blank=True)
    error = models.TextField(blank=True, help_text="Safe text: SQLSTATE and a generic reason.")
    error_code = models.CharField(max_length=5, blank=True, help_text="SQLSTATE of the error.")
    error_detail = models.TextField(
        blank=True, help_text="The database's own message, values redacted; admins only."
    )
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    sample = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["run", "key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="governance_result_unique_key")
        ]
        indexes = [models.Index(fields=["key", "run"], name="gov_result_key_run")]

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"


# --- monitors ---------------------------------------------------------------------------------


class MonitorStatus(models.TextChoices):
    NEW = "new", "New (no ping yet)"
    UP = "up", "Up"
    DOWN = "down", "Down"
    PAUSED = "paused", "Paused"


class Monitor(TimeStampedModel):
    """A heartbeat: the automation pings /ping/<uuid> every `period`; down after grace."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    # The ping URL needs no login, so its uuid is a bearer secret: masked in the audit.
    audit_secret_fields = frozenset({"uuid"})
    description = models.TextField(blank=True)
    period = models.DurationField(default=timedelta(hours=1))
    grace = models.DurationField(default=timedelta(minutes=15))
    status = models.CharField(max_length=10, choices=MonitorStatus.choices, default="new")
    started_at = models.DateTimeField(default=timezone.now)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="last ping (or start) + period + grace"
    )
    runbook = models.ForeignKey(
        "Runbook", on_delete=models.SET_NULL, null=True, blank=True, related_name="monitors"
    )
    history = HistoricalRecords(excluded_fields=["last_ping_at", "next_due_at"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:monitor_detail", args=[self.pk])

    @property
    def ping_path(self) -> str:
        return f"/ping/{self.uuid}"

    def clean(self) -> None:
        if self.period is not None and self.period < timedelta(minutes=1):
            raise ValidationError({"period": "At least one minute."})
        if self.grace is not None and self.grace < timedelta(0):
            raise ValidationError({"grace": "Cannot be negative."})


class Ping(models.Model):
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="pings")
    received_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8, default="GET")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["monitor", "-received_at"], name="gov_ping_monitor_time")]

    def __str__(self) -> str:
        return f"{self.monitor_id} @ {self.received_at:%Y-%m-%d %H:%M:%S}"


# --- runbooks -----------------------------------------------------------------------------------


class Runbook(TimeStampedModel):
    """A markdown playbook for a failure mode; `failure_modes` links incidents to it
    (check kinds such as "missing" or "duplicates", "monitor", "run_error", "anomaly")."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown.")
    failure_modes = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(
                SearchVector("title", "summary", "body", config="english"),
                name="gov_runbook_search",
            ),
            GinIndex(fields=["failure_modes"], name="gov_runbook_modes"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:runbook_detail", args=[self.slug])


# --- on-call --------------------------------------------------------------------------------------


class Rotation(TimeStampedModel):
    """Weekly on-call: member i is on call in week (weeks since `starts_at`) mod n,
    unless an override covers the moment. Unacknowledged incidents escalate to the next
    member after `escalate_after_minutes`."""

    name = models.CharField(max_length=100, unique=True)
    starts_at = models.DateTimeField(default=timezone.now, help_text="First handoff.")
    escalate_after_minutes = models.PositiveIntegerField(default=15)
    channels = models.ManyToManyField("notify.Channel", blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.escalate_after_minutes is not None and self.escalate_after_minutes < 1:
            raise ValidationError({"escalate_after_minutes": "At least one minute."})


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="governance_rotation_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rotation_id}#{self.position}: {self.user_id}"


class RotationOverride(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["rotation", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="governance_override_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at:%Y-%m-%d} → {self.ends_at:%Y-%m-%d}"


# --- incidents ----------------------------------------------------------------------------------


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


IS = IncidentStatus
INCIDENT_LIFECYCLE = Lifecycle(
    states=IS.values,
    transitions=[
        Transition("acknowledge", frozenset({IS.OPEN}), IS.ACKNOWLEDGED, INCIDENT_RESPONDERS),
        Transition(
            "resolve", frozenset({IS.OPEN, IS.ACKNOWLEDGED}), IS.RESOLVED, INCIDENT_RESPONDERS
        ),
    ],
)


class Incident(models.Model):
    class Source(models.TextChoices):
        CHECK = "check", "Failed check"
        RUN = "run", "Run error"
        MONITOR = "monitor", "Missed heartbeat"
        ANOMALY = "anomaly", "Anomaly"

    source_key = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=14, choices=IncidentStatus.choices, default="open")
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, null=True, blank=True, related_name="incidents"
    )
    check_key = models.CharField(max_length=200, blank=True)
    monitor = models.ForeignKey(
        Monitor, on_delete=models.CASCADE, null=True, blank=True, related_name="incidents"
    )
    run = models.ForeignKey(
        CheckRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    runbook = models.ForeignKey(
        Runbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    rotation = models.ForeignKey(
        Rotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["occurrences", "last_seen_at"])

    lifecycle = INCIDENT_LIFECYCLE

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~Q(status="resolved"),
                name="governance_one_open_incident_per_source",
            )
        ]
        indexes = [models.Index(fields=["status", "-opened_at"], name="gov_incident_status")]

    def __str__(self) -> str:
        return f"INC-{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("governance:incident_detail", args=[self.pk])


class IncidentEvent(models.Model):
    """Lifecycle events of an incident (opened, seen again, acknowledged, escalated, resolved)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.name}"
