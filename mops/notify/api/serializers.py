from rest_framework import serializers

from ..models import Channel, Notification, OutboxMessage


class OutboxMessageSerializer(serializers.ModelSerializer):
    target = serializers.CharField(
        source="target_shown",
        read_only=True,
        help_text="E-mail addresses, or a webhook's scheme and host (its path is a secret).",
    )

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "kind",
            "target",
            "subject",
            "source",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "idempotency_key",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "text", "url", "created_at", "read_at"]
        read_only_fields = fields


class ChannelSerializer(serializers.ModelSerializer):
    """A notification channel. `target` (a webhook URL is a bearer secret) and `secret` are
    write-only; reads show `target_shown` (scheme and host only for webhooks). Saved by
    `channel_create` / `channel_update`, which check the target against the kind."""

    target = serializers.CharField(max_length=500, write_only=True)
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True)
    target_shown = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["id", "name", "kind", "target", "target_shown", "secret", "enabled"]

    def get_target_shown(self, obj: Channel) -> str:
        return OutboxMessage(kind=obj.kind, target=obj.target).target_shown
