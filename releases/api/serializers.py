from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.models import Calendar, ChangeType, Channel

from .. import schedule
from ..models import (
    AutomatedCheck,
    Boarding,
    BoardingStatus,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Departure,
    Evidence,
    Freeze,
    ItemResult,
    ItemState,
    Phase,
    PreflightRun,
    Train,
)


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


class TrainSerializer(serializers.ModelSerializer):
    name = CleanCharField(max_length=120)
    description = CleanCharField(required=False, allow_blank=True, max_length=5000)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), allow_empty=False, max_length=20
    )
    time_zone = TimeZoneField(max_length=64)
    rrule = RruleField(max_length=300)
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=Calendar.objects.all(), required=False, allow_null=True
    )
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    describe = serializers.CharField(read_only=True)

    class Meta:
        model = Train
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "channels",
            "time_zone",
            "rrule",
            "first_date",
            "start_time",
            "duration_minutes",
            "capacity",
            "cutoff_hours",
            "calendar",
            "owner",
            "horizon_days",
            "active",
            "version",
            "describe",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class ManifestEntrySerializer(serializers.ModelSerializer):
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    rfc = serializers.PrimaryKeyRelatedField(read_only=True)
    boarded_by = serializers.CharField(source="boarded_by.username", read_only=True, default=None)

    class Meta:
        model = Boarding
        fields = [
            "id",
            "departure",
            "request",
            "rfc",
            "status",
            "boarded_by",
            "boarded_at",
            "freeze_override_reason",
            "emergency_rfc",
            "outcome_at",
            "outcome_note",
        ]
        read_only_fields = fields


class DepartureSerializer(serializers.ModelSerializer):
    train_name = serializers.CharField(source="train.name", read_only=True)
    seats_taken = serializers.IntegerField(read_only=True)
    frozen = serializers.SerializerMethodField()

    class Meta:
        model = Departure
        fields = [
            "id",
            "train",
            "train_name",
            "scheduled_start",
            "starts_at",
            "ends_at",
            "cutoff_at",
            "capacity",
            "seats_taken",
            "status",
            "moved",
            "note",
            "frozen",
            "version",
        ]
        read_only_fields = [
            "train",
            "scheduled_start",
            "ends_at",
            "cutoff_at",
            "status",
            "moved",
            "version",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_frozen(self, obj: Departure) -> list[str]:
        return self.context.get("frozen", {}).get(obj.pk, [])


class DepartureDetailSerializer(DepartureSerializer):
    manifest = ManifestEntrySerializer(many=True, read_only=True)

    class Meta(DepartureSerializer.Meta):
        fields = [*DepartureSerializer.Meta.fields, "manifest"]


class DepartureUpdateSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(required=False, min_value=0, max_value=500)
    note = CleanCharField(required=False, allow_blank=True, max_length=5000)


class TransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(Departure.lifecycle.transitions))
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)


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


class FreezeSerializer(serializers.ModelSerializer):
    name = CleanCharField(max_length=120)
    reason = CleanCharField(required=False, allow_blank=True, max_length=5000)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=20
    )
    time_zone = TimeZoneField(max_length=64, required=False)
    rrule = RruleField(max_length=300, required=False, allow_blank=True)
    describe = serializers.CharField(read_only=True)

    class Meta:
        model = Freeze
        fields = [
            "id",
            "name",
            "reason",
            "kind",
            "channels",
            "starts_at",
            "ends_at",
            "rrule",
            "first_date",
            "start_time",
            "duration_minutes",
            "time_zone",
            "active",
            "version",
            "describe",
        ]
        read_only_fields = ["version"]


# metrics has a "ChecklistItem" of its own (the high-performing checklist): one name each.
@extend_schema_serializer(component_name="ChecklistTemplateItem")
class ChecklistItemSerializer(serializers.ModelSerializer):
    text = CleanCharField(max_length=300)
    evidence = serializers.ChoiceField(choices=Evidence.choices, default=Evidence.NONE)
    automated_check = serializers.ChoiceField(
        choices=AutomatedCheck.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "required", "evidence", "automated_check"]
        read_only_fields = ["id", "position"]


class ChecklistVersionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = ChecklistTemplateVersion
        fields = ["id", "number", "changelog", "created_by", "created_at", "items"]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    name = CleanCharField(max_length=120)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    change_type = serializers.ChoiceField(
        choices=ChangeType.choices, required=False, allow_blank=True
    )
    phase = serializers.ChoiceField(choices=Phase.choices, default=Phase.PREFLIGHT)
    current_version = ChecklistVersionSerializer(read_only=True)
    items = ChecklistItemSerializer(many=True, write_only=True, allow_empty=False, max_length=200)
    changelog = CleanCharField(write_only=True, required=False, default="First version.")

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "name",
            "slug",
            "channel",
            "change_type",
            "phase",
            "active",
            "current_version",
            "items",
            "changelog",
        ]
        read_only_fields = ["active"]


class ChecklistPublishSerializer(serializers.Serializer):
    items = ChecklistItemSerializer(many=True, allow_empty=False, max_length=200)
    changelog = CleanCharField(max_length=5000)


class ItemResultSerializer(serializers.ModelSerializer):
    item = ChecklistItemSerializer(read_only=True)
    checked_by = serializers.CharField(source="checked_by.username", read_only=True, default=None)

    class Meta:
        model = ItemResult
        fields = [
            "id",
            "run",
            "item",
            "state",
            "evidence_link",
            "evidence_file",
            "evidence_note",
            "checked_by",
            "checked_at",
            "version",
        ]
        read_only_fields = fields


class ItemResultRecordSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ItemState.choices)
    evidence_link = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    evidence_file = serializers.FileField(required=False, allow_null=True, max_length=200)
    evidence_note = CleanCharField(required=False, allow_blank=True, max_length=5000)


class ChecklistRunSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="template_version.template.name", read_only=True)
    template_version = serializers.IntegerField(source="template_version.number", read_only=True)
    results = ItemResultSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistRun
        fields = [
            "id",
            "request",
            "template",
            "template_version",
            "phase",
            "status",
            "created_at",
            "completed_at",
            "results",
        ]
        read_only_fields = fields


class PreflightRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PreflightRun
        fields = [
            "id",
            "request",
            "item_result",
            "check_name",
            "status",
            "urls",
            "findings",
            "details",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PreflightStartSerializer(serializers.Serializer):
    request = serializers.IntegerField(min_value=1, max_value=2**62)
    check_name = serializers.ChoiceField(choices=AutomatedCheck.choices)
    html = CleanCharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    urls = serializers.ListField(
        child=CleanCharField(max_length=2000), required=False, default=list, max_length=500
    )
    item_result = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
