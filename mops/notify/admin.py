"""Channels have no page: this admin (and the API) edits them through `channel_create` /
`channel_update` / `channel_delete`; outbox messages and notifications are written by
`mops.notify.services` only, so read-only here."""

from typing import Any

from django.contrib import admin

from mops.accounts.models import User
from mops.core.admin import ReadOnlyAdmin, ServiceAdmin

from .models import Channel, Notification, OutboxMessage
from .services import CHANNEL_FIELDS, channel_create, channel_delete, channel_update


@admin.register(Channel)
class ChannelAdmin(ServiceAdmin):
    list_display = ["name", "kind", "target", "enabled"]
    service_fields = CHANNEL_FIELDS

    def service_save(
        self, *, actor: User, obj: Channel, data: dict[str, Any], change: bool
    ) -> Channel:
        if change:
            return channel_update(actor=actor, channel=obj, data=data)
        return channel_create(actor=actor, data=data)

    def service_delete(self, *, actor: User, obj: Channel) -> None:
        channel_delete(actor=actor, channel=obj)


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
