from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mops.accounts.models import Team, User

from .. import inputdef
from ..models import (
    Calendar,
    ChangeType,
    Channel,
    Complexity,
    PatternKind,
    SelfServeCompletion,
    Service,
    ServiceVersion,
    SlaPolicy,
    Template,
    TemplateVersion,
)
from ..services import CALENDAR_FIELDS, POLICY_FIELDS, TEMPLATE_FIELDS


def reject_nul(value: Any, path: str = "") -> None:
    """PostgreSQL cannot store NUL characters in text or jsonb: refuse them up front."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(f"NUL characters are not allowed{path}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_nul(key, path)
            reject_nul(item, f"{path} (in {str(key)[:40]!r})" if not path else path)
    elif isinstance(value, list | tuple):
        for item in value:
            reject_nul(item, path)


# Slug and name uniqueness is the services' to check, not the validators a model serializer
# would generate from the model. (DRF deep-copies Meta.extra_kwargs, so sharing it is safe.)
UNIQUE_BY_SERVICE: dict[str, dict[str, Any]] = {
    "slug": {"validators": []},
    "name": {"validators": []},
}


class SafeJSONField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        reject_nul(value)
        return value


class SafeDictField(serializers.DictField):
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        reject_nul(value)
        return value


def definition_errors(value: Any) -> dict[str, list[str]]:
    """inputdef problems keyed by their path inside the definition ("2.condition.field")."""
    errors: dict[str, list[str]] = {}
    for problem in inputdef.validate_definition(value):
        errors.setdefault(problem.path or "non_field_errors", []).append(str(problem))
    return errors


class InputDefinitionField(SafeJSONField):
    """The ordered list of typed fields; see catalog/inputdef.py for the format."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        errors = definition_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return inputdef.normalize_definition(value)


extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "key": {"type": "string"},
                "label": {"type": "string"},
                "type": {"type": "string", "enum": list(inputdef.FIELD_TYPES)},
                "help": {"type": "string"},
                "required": {"type": "boolean"},
                "choices": {"type": "array", "items": {"type": "string"}},
                "min": {},
                "max": {},
                "condition": {"type": "object", "additionalProperties": True},
            },
            "required": ["key", "label", "type"],
        },
    }
)(InputDefinitionField)


# --- calendars and policies ---------------------------------------------------------------


class ClosedDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The (first) closed day.")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="Last day of a range (inclusive)."
    )
    yearly = serializers.BooleanField(
        required=False, default=False, help_text="Closed on these days every year."
    )
    name = serializers.CharField(max_length=120, required=False, default="Company closed day")


@extend_schema_field(
    {
        "type": "object",
        "description": 'Weekday "0" (Monday) … "6" → [["09:00", "17:00"], ...]; "24:00" ends a day.',
        "additionalProperties": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "string"}},
        },
    }
)
class WorkingHoursField(SafeJSONField):
    pass


class CalendarSerializer(serializers.ModelSerializer):
    working_hours = WorkingHoursField()
    holiday_regions = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="Countries or country-subdivisions for public holidays: US, DE-BE.",
    )
    closed_days = ClosedDaySerializer(many=True, required=False)
    hours_per_day = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, help_text="The standard business day."
    )

    class Meta:
        model = Calendar
        fields = [
            "id",
            *CALENDAR_FIELDS,  # the service's list
            "closed_days",
            "hours_per_day",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = UNIQUE_BY_SERVICE


class SlaPolicySerializer(serializers.ModelSerializer):
    at_risk_ratio = serializers.FloatField(read_only=True)
    delivery = serializers.SerializerMethodField(
        help_text="Delivery targets in words per complexity, e.g. simple: 2 business days."
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            *POLICY_FIELDS,  # the service's list: one place says what a policy is
            "at_risk_ratio",
            "delivery",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = UNIQUE_BY_SERVICE

    def get_delivery(self, policy: SlaPolicy) -> dict[str, str]:
        return {value: text for value, _label, text in policy.delivery_summary()}


DUE_CLOCKS = (("triage", "Triage"), ("delivery", "Delivery"))


class DueDateQuerySerializer(serializers.Serializer):
    complexity = serializers.ChoiceField(choices=Complexity.choices)
    clock = serializers.ChoiceField(choices=DUE_CLOCKS, default="delivery", required=False)
    policy = serializers.CharField(
        required=False, help_text="SLA policy id or slug (default: the first one on this calendar)."
    )
    start = serializers.CharField(required=False, help_text="ISO 8601 instant; default now.")


class DueDateSerializer(serializers.Serializer):
    calendar = serializers.IntegerField()
    policy = serializers.IntegerField()
    clock = serializers.CharField()
    complexity = serializers.CharField()
    start = serializers.DateTimeField()
    business_hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    target = serializers.CharField(help_text="The target in words: 2 business days.")
    at_risk_at = serializers.DateTimeField()
    due = serializers.DateTimeField()


class BusinessTimeQuerySerializer(serializers.Serializer):
    start = serializers.CharField(help_text="ISO 8601 instant.")
    end = serializers.CharField(help_text="ISO 8601 instant, not before start.")


class BusinessTimeSerializer(serializers.Serializer):
    calendar = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    business_seconds = serializers.IntegerField()
    business_hours = serializers.DecimalField(max_digits=12, decimal_places=4)
    business_days = serializers.DecimalField(max_digits=12, decimal_places=4)


# --- templates ----------------------------------------------------------------------------


class TemplateVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True)
    restored_from = serializers.IntegerField(
        source="restored_from.number", read_only=True, allow_null=True
    )

    class Meta:
        model = TemplateVersion
        fields = [
            "id",
            "number",
            "content",
            "spec",
            "changelog",
            "rollback_plan",
            "restored_from",
            "author",
            "created_at",
        ]
        read_only_fields = fields


class TemplateSerializer(serializers.ModelSerializer):
    current_version = TemplateVersionSerializer(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=PatternKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    # Version 1 on create:
    content = serializers.CharField(write_only=True, required=False, allow_blank=True)
    spec = SafeDictField(write_only=True, required=False)
    changelog = serializers.CharField(write_only=True, required=False, max_length=1000)
    rollback_plan = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Template
        fields = [
            "id",
            *TEMPLATE_FIELDS,  # the service's list
            "current_version",
            "content",
            "spec",
            "changelog",
            "rollback_plan",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = UNIQUE_BY_SERVICE


class TemplatePublishSerializer(serializers.Serializer):
    content = serializers.CharField(required=False, allow_blank=True, default="")
    spec = SafeDictField(required=False, default=dict)
    changelog = serializers.CharField(max_length=1000)
    rollback_plan = serializers.CharField(required=False, allow_blank=True, default="")


class TemplateRollbackSerializer(serializers.Serializer):
    to_number = serializers.IntegerField(min_value=1, help_text="The version to restore.")
    changelog = serializers.CharField(required=False, allow_blank=True, default="")


# --- services -----------------------------------------------------------------------------


class ServiceVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True
    )
    input_definition = InputDefinitionField(read_only=True)

    class Meta:
        model = ServiceVersion
        fields = [
            "id",
            "number",
            "input_definition",
            "complexity",
            "sla_policy",
            "templates",
            "changelog",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ServiceVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceVersion
        fields = ["id", "number", "created_at"]
        read_only_fields = fields


class ServiceSerializer(serializers.ModelSerializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    change_type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    default_complexity = serializers.ChoiceField(choices=Complexity.choices, required=False)
    input_definition = InputDefinitionField(required=False)
    templates = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Template.objects.all(), required=False
    )
    current_version = ServiceVersionRefSerializer(read_only=True, allow_null=True)
    delivery = serializers.SerializerMethodField(
        help_text="How long it takes, per complexity: {'simple': '2 business days', ...}."
    )
    changelog = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "owner_team",
            "channels",
            "change_type",
            "default_complexity",
            "self_serve",
            "self_serve_tool",
            "instructions",
            "status",
            "sla_policy",
            "templates",
            "input_definition",
            "current_version",
            "revision",
            "delivery",
            "changelog",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "revision", "created_at", "updated_at"]
        extra_kwargs = UNIQUE_BY_SERVICE

    def get_delivery(self, service: Service) -> dict[str, str]:
        return {value: text for value, _label, text in service.sla_policy.delivery_summary()}


class SelfServeCompletionSerializer(serializers.ModelSerializer):
    """A self-serve task finished without a request (what self-serve share counts)."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = SelfServeCompletion
        fields = [
            "id",
            "service",
            "user",
            "team",
            "tool",
            "outcome",
            "object_ref",
            "complexity",
            "channel",
            "completed_at",
        ]
        read_only_fields = fields


class SelfServeCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=300, help_text="What was done, in one line.")
