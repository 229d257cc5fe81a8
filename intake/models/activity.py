"""What happens around a request besides its lifecycle: comments, watchers, attachments,
the SLA notices the sweep sent, and the backlog views people save."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.uploads import UploadTo

from .requests import Request


class Comment(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="intake_comment_req")]

    def __str__(self) -> str:
        return f"Comment on REQ-{self.request_id} by {self.author_id}"


class Watcher(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="intake_watcher_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches REQ-{self.request_id}"


class RequestAttachment(models.Model):
    """A file given with a request (brief, assets, list exports). Stored under a random name
    and served only through the authorised download (`mops.core.uploads`), as QA evidence."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=UploadTo("intake/attachments"), max_length=300)
    filename = models.CharField(max_length=200, help_text="The name it was uploaded under.")
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("intake:attachment_download", args=[self.request_id, self.pk])


class SlaNotice(models.Model):
    """One SLA state change the sweep announced (at_risk / breached), for the record."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="sla_notices")
    clock = models.CharField(max_length=10)
    state = models.CharField(max_length=10)
    due_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["request", "at"], name="intake_slanotice_req")]

    def __str__(self) -> str:
        return f"REQ-{self.request_id} {self.clock} {self.state}"


class SavedView(models.Model):
    """A named backlog filter (the query string) saved by one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    shared = models.BooleanField(
        default=False, help_text="Shown to everyone in the owner's team (only the owner edits it)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="intake_saved_view_unique")
        ]

    def __str__(self) -> str:
        return self.name
