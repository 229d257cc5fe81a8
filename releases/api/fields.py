"""Serializer fields releases' API shares."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from releases.trains import schedule


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError("NUL characters are not allowed.")
    return value


class CleanCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return _no_nul(super().to_internal_value(data))


class TimeZoneField(CleanCharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            schedule.zone(value)
        except schedule.ScheduleError as exc:
            raise serializers.ValidationError(exc.message) from None
        return value


class RruleField(CleanCharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return schedule.parse_rrule(value)
        except schedule.ScheduleError as exc:
            raise serializers.ValidationError(exc.message) from None
