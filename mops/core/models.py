from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.audit import owner_or_admins


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class FeedKey(models.Model):
    """Which generation of a person's address to one calendar feed is valid; rotating
    bumps it (`mops.core.feedtokens`). No row: generation 0, never rotated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_keys"
    )
    feed = models.CharField(max_length=100)
    generation = models.PositiveIntegerField(default=0)
    rotated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "feed"], name="feed_key_once_per_feed")
        ]

    def __str__(self) -> str:
        return f"{self.feed} feed address of {self.user}"

    @classmethod
    def audit_visible_to(cls, user: Any) -> models.QuerySet[FeedKey] | None:
        return owner_or_admins(cls, user)
