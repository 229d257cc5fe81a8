from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from simple_history.models import HistoricalRecords

from mops.core.audit import admins_only
from mops.core.crypto import EncryptedTextField


class Kind(models.TextChoices):
    EMAIL = "email", "E-mail"
    SLACK = "slack", "Slack-compatible webhook"
    WEBHOOK = "webhook", "Signed webhook"


class Channel(models.Model):
    """A configured destination for alerts and digests (an address list or a URL)."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(
        max_length=500, help_text="E-mail addresses (comma-separated) or the webhook URL."
    )
    secret = EncryptedTextField(blank=True, help_text="Signing secret for signed webhooks.")
    enabled = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["secret"])
    # A Slack incoming-webhook URL is a bearer secret: masked in the audit, for everyone.
    audit_secret_fields = frozenset({"target", "secret"})

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A webhook target is an https URL; an e-mail target holds addresses."""
        if self.kind == Kind.EMAIL:
            if "@" not in self.target:
                raise ValidationError({"target": "Comma-separated e-mail addresses."})
            return
        try:
            parts = urlsplit(self.target)
            https = parts.scheme == "https" and bool(parts.hostname)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            https = False
        if not https:
            raise ValidationError({"target": "A webhook target is an https URL."})

    @classmethod
    def audit_visible_to(cls, user: Any) -> QuerySet[Channel] | None:
        return admins_only(cls, user)


class OutboxMessage(models.Model):
    """One thing that must leave the system, written in the transaction that caused it.

    Workers claim a row by a conditional UPDATE (so two workers never send it twice),
    retry with exponential backoff and jitter, and park it as `dead` after
    OUTBOX_MAX_ATTEMPTS; admins replay dead rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead letter"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=1000)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    secret = EncryptedTextField(blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    source = models.CharField(
        max_length=100, blank=True, help_text="What produced it, e.g. intake.sla"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.target_shown} ({self.status})"

    @property
    def target_shown(self) -> str:
        """The target as pages and the API show it: a webhook URL's path and query are its
        bearer secret (Slack incoming webhooks), so only its scheme and host are shown."""
        if self.kind == Kind.EMAIL:
            return self.target
        try:
            parts = urlsplit(self.target)
            host = parts.hostname
        except ValueError:
            host = None
        if not host or not parts.scheme:
            return "(invalid URL)"
        return f"{parts.scheme}://{host}/…"


class Notification(models.Model):
    """An in-app notification for one user (the inbox)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text
