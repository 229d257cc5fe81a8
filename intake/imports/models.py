"""Import runs (#21): a Jira / Asana CSV export becoming requests with their history.

`ImportRun` is one uploaded file and what was done with it (who, when, the mapping, the
counts, the line-numbered errors); `ImportedRequest` links a request to its source id, so
importing the same file again updates instead of duplicating. Registered by
`intake/models/__init__.py` (app label `intake`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded, waiting for the mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    CHECKED = "checked", "Dry run done"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed: nothing imported"


class ImportSystem(models.TextChoices):
    JIRA = "jira", "Jira Service Management"
    ASANA = "asana", "Asana"


class ImportRun(models.Model):
    """One uploaded export and its runs (a dry run, then the import)."""

    system = models.CharField(max_length=10, choices=ImportSystem.choices)
    filename = models.CharField(max_length=200)
    text = models.TextField(help_text="The file as uploaded (UTF-8).")
    size = models.PositiveIntegerField(default=0)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True, help_text="mops field → CSV column.")
    statuses = models.JSONField(default=dict, blank=True, help_text="source status → state.")
    services = models.JSONField(default=dict, blank=True, help_text="source value → service slug.")
    options = models.JSONField(
        default=dict, blank=True, help_text="default_service, default_team, time_zone, dayfirst."
    )
    dry_run = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="Rows whose request was changed in mops since it was imported."
    )
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{line, field, message}], the first 1,000."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["text", "rows_done"])

    class Meta:
        app_label = "intake"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.filename})"

    def get_absolute_url(self) -> str:
        return reverse("intake:import_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.CHECKED) else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class ImportedRequest(models.Model):
    """Which request a source id became (the key of idempotent re-import)."""

    system = models.CharField(max_length=10, choices=ImportSystem.choices)
    source_id = models.CharField(max_length=100)
    request = models.OneToOneField(
        "intake.Request", on_delete=models.CASCADE, related_name="imported_from"
    )
    run = models.ForeignKey(
        ImportRun, on_delete=models.PROTECT, related_name="imported", db_index=False
    )
    row_hash = models.CharField(max_length=64, help_text="Of the row's mapped values.")
    request_version = models.PositiveIntegerField(
        help_text="The request's version after the import wrote it (later edits in mops show)."
    )
    extra = models.JSONField(default=dict, blank=True, help_text="Unmapped columns, as text.")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "intake"
        constraints = [
            models.UniqueConstraint(fields=["system", "source_id"], name="intake_import_source")
        ]
        indexes = [models.Index(fields=["run"], name="intake_imported_run")]

    def __str__(self) -> str:
        return f"{self.system}:{self.source_id} → REQ-{self.request_id}"
