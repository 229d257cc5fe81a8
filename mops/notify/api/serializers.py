from rest_framework import serializers

from ..models import Notification, OutboxMessage


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
