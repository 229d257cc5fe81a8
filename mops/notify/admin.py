"""Channels have no page: this admin (and the API) edits them through `channel_create` /
`channel_update` / `channel_delete`; outbox messages and notifications are written by
`mops.notify.services` only, so read-only here."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from mops.core.actors import actor_of
from mops.core.admin import HistoryAdmin, ReadOnlyAdmin

from .models import Channel, Notification, OutboxMessage
from .services import CHANNEL_FIELDS, channel_create, channel_delete, channel_update


@admin.register(Channel)
class ChannelAdmin(HistoryAdmin):
    list_display = ["name", "kind", "target", "enabled"]

    def save_model(self, request: HttpRequest, obj: Channel, form: ModelForm, change: bool) -> None:
        data: dict[str, Any] = {
            f: form.cleaned_data[f] for f in CHANNEL_FIELDS if f in form.cleaned_data
        }
        if change:
            saved = channel_update(actor=actor_of(request), channel=obj, data=data)
        else:
            saved = channel_create(actor=actor_of(request), data=data)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        channel_delete(actor=actor_of(request), channel=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            channel_delete(actor=actor_of(request), channel=channel)


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
