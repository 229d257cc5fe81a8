"""Reads on in-app notifications."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

from .models import Notification

UNREAD_TTL_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"notify:unread:{user_id}"


def unread_count(user: Any) -> int:
    """How many of `user`'s in-app notifications are unread. Shown in the menu of every
    page, so it is cached (Redis) and forgotten whenever a notification is added or read
    (`unread_changed`); the page itself costs no query for it."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_TTL_SECONDS)
    return int(count)


def unread_changed(user_id: int) -> None:
    """Forget the cached unread count once the change is committed (before that, a
    concurrent page could cache the old count again)."""
    transaction.on_commit(lambda: cache.delete(_unread_key(user_id)))


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
