"""Reads on in-app notifications."""

from __future__ import annotations

from typing import Any

from .models import Notification


def unread_count(user: Any) -> int:
    """How many of `user`'s in-app notifications are unread (one indexed COUNT)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_panel(user: Any) -> list[Any]:
    """Home: unread notifications, newest first (nothing when all are read)."""
    from django.urls import reverse

    from mops.core.registry import Panel

    count = unread_count(user)
    if not count:
        return []
    unread = Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")
    return [
        Panel(
            title="Unread in your inbox",
            url=reverse("notify:inbox"),
            count=count,
            rows=[(n.text, reverse("notify:open", args=[n.pk])) for n in unread[:5]],
        )
    ]
