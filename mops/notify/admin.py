from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Channel, Notification, OutboxMessage


@admin.register(Channel)
class ChannelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "target", "enabled"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
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
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "secret"]
    exclude = ["secret"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "text", "read_at"]
