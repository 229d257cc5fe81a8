"""Shapes of the metrics API (responses are built by selectors; these document them)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..definitions import METRICS


class DefinitionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=sorted(METRICS))
    title = serializers.CharField()
    unit = serializers.CharField()
    definition = serializers.CharField()
    group = serializers.CharField()
    better = serializers.ChoiceField(choices=["up", "down"])
    url = serializers.CharField()


class PointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    # DRF's metaclass takes declared fields off the class: this `label` is a field, not the
    # serializer's own Field.label the stubs see.
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField(help_text="Rows counted (denominator) in the period.")
    previous = serializers.FloatField(allow_null=True, help_text="The previous period's value.")
    change = serializers.FloatField(allow_null=True)
    values = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        required=False,
        help_text="Secondary figures (e.g. p90, calendar days, breached count).",
    )


class SeriesSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="'all', or the group's value (class, service slug…).")
    # DRF's metaclass takes declared fields off the class: this `label` is a field, not the
    # serializer's own Field.label the stubs see.
    label = serializers.CharField()  # type: ignore[assignment]
    points = PointSerializer(many=True)


class MetricSerializer(DefinitionSerializer):
    url = None  # type: ignore[assignment]
    tracked = serializers.BooleanField(help_text="False: the records behind it don't exist yet.")
    note = serializers.CharField(allow_blank=True)
    period = serializers.ChoiceField(choices=["week", "month", "quarter"])
    to = serializers.DateField(allow_null=True)
    group_by = serializers.CharField(allow_null=True)
    current = PointSerializer(allow_null=True)
    trend = serializers.ChoiceField(choices=["up", "down", "flat", ""])
    series = SeriesSerializer(many=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(allow_null=True, help_text="First period's start.")
        return fields


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "partial", "missing"])
    evidence = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())


class ChecklistSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    items = ChecklistItemSerializer(many=True)


class DrillRequestSerializer(serializers.Serializer):
    """One request behind a number, with the facts the figure used."""

    request = serializers.IntegerField(source="request_id")
    title = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    service = serializers.CharField(source="service.slug")
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    complexity = serializers.CharField()
    channel = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    triaged_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    live_at = serializers.DateTimeField(allow_null=True)
    ttc_business_days = serializers.SerializerMethodField()
    ttc_calendar_days = serializers.SerializerMethodField()
    triage_met = serializers.BooleanField(allow_null=True)
    delivery_met = serializers.BooleanField(allow_null=True)
    with_template = serializers.BooleanField()
    self_serve = serializers.BooleanField()

    def get_title(self, fact: Any) -> str:
        return str(getattr(fact.request, "title", "") or fact.request)

    def get_status(self, fact: Any) -> str:
        return str(getattr(fact.request, "status", ""))

    def get_ttc_business_days(self, fact: Any) -> float | None:
        if fact.ttc_business_seconds is None or not fact.day_seconds:
            return None
        return round(fact.ttc_business_seconds / fact.day_seconds, 3)

    def get_ttc_calendar_days(self, fact: Any) -> float | None:
        if fact.ttc_calendar_seconds is None:
            return None
        return round(fact.ttc_calendar_seconds / 86400, 3)


class NpsAnswerSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NpsResponseSerializer(serializers.Serializer):
    survey = serializers.CharField(source="survey.quarter")
    group = serializers.CharField()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    responded_at = serializers.DateTimeField()
