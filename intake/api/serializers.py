"""Request API shapes: read (list/detail with events and clocks), write (create, patch,
transition, comment) and scoring models."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework import serializers

from catalog.api.serializers import SafeDictField
from catalog.models import Complexity, Service, ServiceStatus, TemplateVersion
from mops.accounts.models import Team, User

from ..models import (
    REQUEST_LIFECYCLE,
    Comment,
    Request,
    RequestAttachment,
    RequestEvent,
    ScoringModel,
    ScoringModelVersion,
    Status,
)
from ..services import PLAN_KEYS, TRACKING_KEYS


class RequestSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    requester: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    score = serializers.DecimalField(
        source="priority.score", max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )
    scoring_model_version: serializers.PrimaryKeyRelatedField[ScoringModelVersion] = (
        serializers.PrimaryKeyRelatedField(
            source="priority.model_version", read_only=True, allow_null=True
        )
    )

    class Meta:
        model = Request
        fields = [
            "id",
            "reference",
            "url",
            "title",
            "service",
            "service_version",
            "template_version",
            "team",
            "requester",
            "assignee",
            "status",
            "complexity",
            "answers",
            "brief",
            "audience",
            "creative",
            "offer",
            "tracking_plan",
            "desired_live_date",
            "scoring_inputs",
            "score",
            "scoring_model_version",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
            "live_at",
            "closed_at",
            "sla_clock",
            "sla_state",
            "sla_due_at",
            "triage_due_at",
            "delivery_due_at",
            "paused_since",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # The creating event has no previous status: "" (declared, like `sla_state`'s blank).
    from_status = serializers.ChoiceField(
        choices=Status.choices,  # the model field's
        read_only=True,
        allow_blank=True,
    )

    class Meta:
        model = RequestEvent
        fields = [
            "id",
            "at",
            "actor",
            "transition",
            "from_status",
            "to_status",
            "note",
            "business_seconds_paused",
            "business_seconds_used",
            "sla_clock",
            "sla_state",
            "triage_due_at",
            "delivery_due_at",
        ]
        read_only_fields = fields


class ClockSerializer(serializers.Serializer):
    clock = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    at_risk_at = serializers.DateTimeField(allow_null=True)
    paused_since = serializers.DateTimeField(allow_null=True)
    used_seconds = serializers.IntegerField()
    target_seconds = serializers.IntegerField()
    paused_business_seconds = serializers.IntegerField()


def clock_data(reading: Any) -> dict[str, Any]:
    return {
        "clock": reading.clock,
        "state": reading.state,
        "started_at": reading.started_at,
        "stopped_at": reading.stopped_at,
        "due_at": reading.due_at,
        "at_risk_at": reading.at_risk_at,
        "paused_since": reading.paused_since,
        "used_seconds": int(reading.used.total_seconds()),
        "target_seconds": int(reading.target.total_seconds()),
        "paused_business_seconds": int(reading.paused_business.total_seconds()),
    }


class ScoreTermSerializer(serializers.Serializer):
    factor = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    contribution = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    text = serializers.CharField()


class RequestDetailSerializer(RequestSerializer):
    events = EventSerializer(many=True, read_only=True)
    clocks = serializers.SerializerMethodField()
    score_explanation = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields,
            "events",
            "clocks",
            "score_explanation",
            "transitions",
        ]
        read_only_fields = fields

    def get_clocks(self, obj: Request) -> dict[str, Any]:
        clocks = self.context.get("clocks") or {}
        return {name: ClockSerializer(clock_data(r)).data for name, r in clocks.items()}

    def get_score_explanation(self, obj: Request) -> list[dict[str, Any]]:
        from .. import scoring

        version = obj.scoring_model_version
        if version is None:
            return []
        explanation = scoring.explain(version.parsed(), obj.scoring_inputs or {})
        return [
            {
                "factor": t.factor.key,
                "value": t.value,
                "contribution": t.contribution,
                "text": t.text,
            }
            for t in explanation.terms
        ]

    def get_transitions(self, obj: Request) -> list[str]:
        user = self.context["request"].user
        return [t.name for t in REQUEST_LIFECYCLE.available(state=obj.status, roles=user.roles)]


class TrackingPlanField(SafeDictField):
    """The UTM set (each value at most 100 characters) and `events`, the comma-separated
    events the campaign needs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(max_length=2000, allow_blank=True), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        unknown = set(value) - set(PLAN_KEYS)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown UTM parameters: {', '.join(sorted(unknown))}; use {', '.join(PLAN_KEYS)}."
            )
        long = sorted(k for k in TRACKING_KEYS if len(value.get(k) or "") > 100)
        if long:
            raise serializers.ValidationError(f"{long[0]}: at most 100 characters.")
        return value


class RequestWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    answers = SafeDictField(required=False)
    brief = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    audience = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    creative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    offer = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    tracking_plan = TrackingPlanField(required=False)
    desired_live_date = serializers.DateField(required=False, allow_null=True)
    scoring_inputs = SafeDictField(
        required=False,
        child=serializers.IntegerField(min_value=-1000, max_value=1000, allow_null=True),
    )
    template_version = serializers.PrimaryKeyRelatedField(
        queryset=TemplateVersion.objects.all(), required=False, allow_null=True
    )


class RequestCreateSerializer(RequestWriteSerializer):
    service = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.filter(status=ServiceStatus.ACTIVE).select_related(
            "current_version"
        ),
    )
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    submit = serializers.BooleanField(required=False, default=False)


class RequestUpdateSerializer(RequestWriteSerializer):
    complexity = serializers.ChoiceField(choices=Complexity.choices, required=False)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )


class RequestTransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=sorted(REQUEST_LIFECYCLE.transitions))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CommentSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, many=True
    )
    body = serializers.CharField(max_length=10000)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "mentions", "created_at"]
        read_only_fields = ["id", "author", "mentions", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RequestAttachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: RequestAttachment) -> str:
        return reverse(
            "request-attachment-download",
            kwargs={"pk": obj.request_id, "attachment_id": obj.pk},
        )


class AttachmentUploadSerializer(serializers.Serializer):
    """multipart/form-data with one or more `file` parts."""

    file = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=20)


class ScoringVersionSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )  # null for the seeded default version

    class Meta:
        model = ScoringModelVersion
        fields = [
            "id",
            "number",
            "factors",
            "note",
            "created_by",
            "created_at",
            "rescored_count",
            "rescore_ms",
        ]
        read_only_fields = fields


class ScoringModelSerializer(serializers.ModelSerializer):
    current_version = ScoringVersionSerializer(read_only=True)

    class Meta:
        model = ScoringModel
        fields = ["id", "name", "slug", "is_default", "version", "current_version", "updated_at"]
        read_only_fields = fields


class ScoringModelUpdateSerializer(serializers.Serializer):
    factors = serializers.ListField(child=SafeDictField(), min_length=1, max_length=12)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
