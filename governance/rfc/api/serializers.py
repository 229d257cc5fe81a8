"""RFC API serializers: thin shapes; rules live in services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Channel, Service, Template
from governance.rfc.models import (
    Approval,
    ApprovalPolicy,
    Rfc,
    RfcEvent,
    RfcRevision,
    Risk,
)
from governance.rfc.risk import QUESTION_KEYS

MAX_BATCH = 10_000


class ApprovalSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    void = serializers.BooleanField(source="is_void", read_only=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "reviewer",
            "decision",
            "revision_number",
            "content_hash",
            "groups",
            "comment",
            "created_at",
            "void",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class RfcEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = RfcEvent
        fields = [
            "name",
            "actor",
            "from_status",
            "to_status",
            "revision_number",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class RfcRevisionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = RfcRevision
        fields = ["number", "content_hash", "author", "created_at", "content"]
        read_only_fields = fields


class QuorumSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    counted = serializers.ListField(child=serializers.CharField())
    needed = serializers.IntegerField()
    missing = serializers.CharField()
    policy = serializers.CharField()


class LinkedObjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["data_contract", "dataset", "field", "other"])
    ref = serializers.CharField(max_length=200)
    # a field (DRF's metaclass takes it off the class), not the serializer's Field.label
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)  # type: ignore[assignment]


class RfcListSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    live_approvals = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Rfc
        fields = [
            "id",
            "reference",
            "title",
            "change_type",
            "risk",
            "status",
            "emergency",
            "author",
            "version",
            "content_hash",
            "live_approvals",
            "desired_window_start",
            "desired_window_end",
            "scheduled_start",
            "scheduled_end",
            "scheduled_ref",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RfcSerializer(serializers.ModelSerializer):
    """An RFC. Writable: the governed fields; `status`, `version` and `content_hash`
    change only through the service (edits, transitions, approvals)."""

    reference = serializers.CharField(read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=20
    )
    risk_answers = serializers.DictField(child=serializers.BooleanField(), required=False)
    risk_suggested = serializers.CharField(read_only=True)
    services = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Service.objects.all(), required=False
    )
    templates = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Template.objects.all(), required=False
    )
    linked_objects = LinkedObjectSerializer(many=True, required=False)
    approvals = ApprovalSerializer(many=True, read_only=True)
    quorum = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do with this RFC now (edit, approve, submit, schedule…): "
        "the answer the RFC page's buttons show; the services still enforce every rule."
    )

    class Meta:
        model = Rfc
        fields = [
            "id",
            "reference",
            "title",
            "change_type",
            "summary",
            "motivation",
            "proposal",
            "systems_affected",
            "fields_affected",
            "channels",
            "risk",
            "risk_answers",
            "risk_suggested",
            "test_plan",
            "rollback_plan",
            "services",
            "templates",
            "linked_objects",
            "desired_window_start",
            "desired_window_end",
            "emergency",
            "emergency_reason",
            "status",
            "author",
            "version",
            "content_hash",
            "scheduled_start",
            "scheduled_end",
            "scheduled_ref",
            "approvals",
            "quorum",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "version",
            "content_hash",
            "scheduled_start",
            "scheduled_end",
            "scheduled_ref",
            "created_at",
            "updated_at",
        ]

    def validate_risk_answers(self, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - QUESTION_KEYS)
        if unknown:
            raise serializers.ValidationError(f"Unknown questions: {', '.join(unknown)}.")
        return value

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, rfc: Rfc) -> dict[str, Any]:
        from governance.rfc.selectors import approval_policy_for
        from governance.rfc.services import rfc_quorum

        quorum = rfc_quorum(rfc)
        return {
            "met": quorum.met,
            "counted": list(quorum.counted),
            "needed": quorum.needed,
            "missing": quorum.missing,
            "policy": approval_policy_for(rfc.risk).describe(),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, rfc: Rfc) -> list[str]:
        from governance.rfc.selectors import rfc_allowed_actions

        request = self.context.get("request")
        if request is None or rfc.pk is None:
            return []
        return sorted(rfc_allowed_actions(rfc=rfc, user=request.user))


class RfcCreateSerializer(RfcSerializer):
    submit = serializers.BooleanField(required=False, default=False, write_only=True)

    class Meta(RfcSerializer.Meta):
        fields = [*RfcSerializer.Meta.fields, "submit"]


class TransitionRequestSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        choices=["submit", "resubmit", "unschedule", "implement", "verify", "roll_back"]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewRequestSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    content_hash = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        help_text="The content hash you reviewed; a different current hash answers 412.",
    )


class ScheduleRequestSerializer(serializers.Serializer):
    window_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    window_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    window_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DiffQuerySerializer(serializers.Serializer):
    from_version = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)
    to_version = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)


class DiffLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["add", "remove", "same"])
    text = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, as above
    old = serializers.CharField()
    new = serializers.CharField()
    lines = DiffLineSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    changes = FieldChangeSerializer(many=True)
    approved_version = serializers.IntegerField(allow_null=True)
    changed_since_approval = FieldChangeSerializer(many=True)


class ApprovalPolicySerializer(serializers.ModelSerializer):
    risk = serializers.ChoiceField(choices=Risk.choices, read_only=True)
    description = serializers.CharField(source="describe", read_only=True)
    required_approvals = serializers.IntegerField(min_value=1, max_value=20, required=False)

    class Meta:
        model = ApprovalPolicy
        fields = [
            "risk",
            "required_approvals",
            "eligible_group",
            "must_include_group",
            "requires_change_window",
            "description",
        ]
