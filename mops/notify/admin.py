"""Channels have no service (this admin and the API's channel endpoint edit them); outbox
messages and notifications are written by `mops.notify.services` only, so read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mops.core.admin import ReadOnlyAdmin

from .models import Channel, Notification, OutboxMessage


@admin.register(Channel)
class ChannelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "target", "enabled"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Replays go through the dead-letters page (`outbox_replay`)."""

    list_display = [
        "created_at",
        "kind",
        "target",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["status", "kind"]
    exclude = ["secret"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "text", "read_at"]
