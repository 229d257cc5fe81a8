"""Serializers of boarding actions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from releases.api.fields import CleanCharField
from releases.boarding.models import BoardingStatus


class BoardSerializer(serializers.Serializer):
    request = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    rfc = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    override_reason = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("request")) == bool(attrs.get("rfc")):
            raise serializers.ValidationError({"request": "Give exactly one of request or rfc."})
        return attrs


class MoveSerializer(serializers.Serializer):
    to = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Default: next open departure."
    )
    override_reason = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)


class MarkSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK])
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=5000)


class NoteSerializer(serializers.Serializer):
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=5000)
