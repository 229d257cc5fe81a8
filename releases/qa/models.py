"""QA: versioned checklist templates, their runs per request, and automated pre-flight runs."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import ChangeType, Channel
from mops.core.models import TimeStampedModel
from mops.core.uploads import UploadTo

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
