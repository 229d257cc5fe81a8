from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.models import Calendar, ChangeType, Channel
from mops.accounts.models import Team, User
from mops.accounts.roles import user_roles

from .. import schedule, work
from ..models import (
    MAX_SAMPLE,
    AutomatedCheck,
    Boarding,
    BoardingStatus,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Departure,
    Evidence,
    Experiment,
    ExperimentEvent,
    ExperimentResult,
    ExperimentStatus,
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
    evidence_file = serializers.SerializerMethodField(
        help_text="The authorised download route of the evidence file (null when none)."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_evidence_file(self, obj: ItemResult) -> str | None:
        if not obj.evidence_file:
            return None
        path = reverse("checklist-result-evidence", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    class Meta:
        model = ItemResult
        fields = [
            "id",
            "run",
            "item",
            "state",
            "evidence_link",
            "evidence_file",
            "evidence_filename",
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


# --- experiments ------------------------------------------------------------------------------


def _decimal(max_digits: int, decimal_places: int, **kwargs: Any) -> serializers.DecimalField:
    """A decimal sent and returned as a JSON number (rates are read by BI tools)."""
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, coerce_to_string=False, **kwargs
    )


class ExperimentEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)
    from_status = serializers.ChoiceField(
        choices=ExperimentStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty on the creation event.",
    )

    class Meta:
        model = ExperimentEvent
        fields = ["id", "at", "actor", "transition", "from_status", "to_status", "note"]
        read_only_fields = fields


class ExperimentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    request = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    departure = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    result = serializers.ChoiceField(
        choices=ExperimentResult.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty until concluded.",
    )
    baseline_rate = _decimal(7, 6, read_only=True)
    minimum_detectable_effect = _decimal(8, 4, read_only=True)
    alpha = _decimal(4, 3, read_only=True)
    power = _decimal(4, 3, read_only=True)
    cost = _decimal(12, 2, read_only=True, allow_null=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "name",
            "hypothesis",
            "owner",
            "team",
            "team_name",
            "request",
            "departure",
            "channel",
            "primary_metric",
            "baseline_rate",
            "minimum_detectable_effect",
            "alpha",
            "power",
            "variants",
            "required_sample_per_variant",
            "observed_sample_per_variant",
            "cost",
            "status",
            "started_at",
            "concluded_at",
            "result",
            "learnings",
            "met_power",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ExperimentDetailSerializer(ExperimentSerializer):
    events = ExperimentEventSerializer(many=True, read_only=True)
    transitions = serializers.SerializerMethodField(
        help_text="Transitions you may take now (start, conclude, stop, cancel)."
    )

    class Meta(ExperimentSerializer.Meta):
        fields = [*ExperimentSerializer.Meta.fields, "transitions", "events"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_transitions(self, obj: Experiment) -> list[str]:
        request = self.context.get("request")
        roles = user_roles(getattr(request, "user", None))
        return [t.name for t in Experiment.lifecycle.available(state=obj.status, roles=roles)]


class ExperimentWriteSerializer(serializers.Serializer):
    """Register (POST) or edit (PATCH, `If-Match`) an experiment. `owner` defaults to you
    and `team` to the owner's team; `required_sample_per_variant` is computed."""

    name = CleanCharField(max_length=200)
    hypothesis = CleanCharField(max_length=10000)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    request = serializers.PrimaryKeyRelatedField(
        queryset=work.request_model().objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        allow_null=True,
        help_text="The intake request that built it.",
    )
    departure = serializers.PrimaryKeyRelatedField(
        queryset=Departure.objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        allow_null=True,
        help_text="The release-train departure it launched on.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    primary_metric = CleanCharField(max_length=200)
    baseline_rate = _decimal(7, 6, help_text="Control conversion rate, strictly between 0 and 1.")
    minimum_detectable_effect = _decimal(
        8, 4, help_text="Relative lift to detect, above 0 (0.10 = +10%)."
    )
    alpha = _decimal(4, 3, required=False, help_text="0.001–0.2, default 0.05 (two-sided).")
    power = _decimal(4, 3, required=False, help_text="0.5–0.99, default 0.8.")
    variants = serializers.IntegerField(min_value=2, max_value=20, required=False)
    cost = _decimal(12, 2, required=False, allow_null=True, min_value=0)
    learnings = CleanCharField(required=False, allow_blank=True, max_length=10000)


class ExperimentTransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(Experiment.lifecycle.transitions))
    note = CleanCharField(required=False, allow_blank=True, default="", max_length=2000)
    result = serializers.ChoiceField(
        choices=ExperimentResult.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="conclude: win, loss or inconclusive.",
    )
    learnings = CleanCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10000,
        help_text="conclude (required) or stop.",
    )
    observed_sample_per_variant = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_SAMPLE,
        help_text="conclude: the sample the smallest variant reached.",
    )
