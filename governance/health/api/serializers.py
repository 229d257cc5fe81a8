"""Serializers of the data-health API (thin: services validate)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from governance.health.models import (
    CheckResult,
    CheckRun,
    DataContract,
    Dataset,
    Incident,
    Monitor,
    Rotation,
    Runbook,
    Warehouse,
)
from mops.accounts.models import User
from mops.accounts.roles import ADMINS, has_role


class CheckResultSerializer(serializers.ModelSerializer):
    error_detail = serializers.SerializerMethodField(
        help_text="The database's own message (values redacted); admins only, else empty."
    )

    class Meta:
        model = CheckResult
        fields = [
            "key",
            "kind",
            "dimension",
            "status",
            "value",
            "count",
            "denominator",
            "unit",
            "warn",
            "fail",
            "semantics",
            "error",
            "error_code",
            "error_detail",
            "detail",
            "sample",
        ]

    def get_error_detail(self, obj: CheckResult) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return obj.error_detail if user is not None and has_role(user, ADMINS) else ""


class ContractDraftSerializer(serializers.Serializer):
    spec = serializers.DictField(help_text="The drafted contract spec (not saved).")
    yaml = serializers.CharField(help_text="The same as ODCS v3 YAML, ready to refine and PUT.")
    notes = serializers.ListField(child=serializers.CharField(), help_text="Columns left out.")
    formats = serializers.DictField(
        child=serializers.CharField(), help_text="Column → format seen in the sample."
    )


class CheckRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="running, pass, warn, fail, error")
    scores = serializers.DictField(child=serializers.FloatField(allow_null=True), read_only=True)

    class Meta:
        model = CheckRun
        fields = [
            "id",
            "dataset",
            "contract_version",
            "mode",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "duration_ms",
            "statements",
            "attempt",
            "rows_in_scope",
            "notes",
            "error",
            "scores",
        ]


class CheckRunDetailSerializer(CheckRunSerializer):
    results = CheckResultSerializer(many=True, read_only=True)

    class Meta(CheckRunSerializer.Meta):
        fields = [*CheckRunSerializer.Meta.fields, "results"]


class DatasetSerializer(serializers.ModelSerializer):
    warehouse: serializers.StringRelatedField[Warehouse] = serializers.StringRelatedField()
    owner: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    last_run = CheckRunSerializer(read_only=True)
    contract_version = serializers.IntegerField(
        source="contract.version", read_only=True, default=None
    )
    open_incidents = serializers.IntegerField(read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "warehouse",
            "schema",
            "table",
            "description",
            "owner",
            "schedule",
            "enabled",
            "last_columns",
            "contract_version",
            "last_run",
            "open_incidents",
        ]


class DatasetWriteSerializer(serializers.ModelSerializer):
    """A dataset as an admin creates or edits it: warehouse and owner by id; the schedule is a
    cron expression (default: a full run every night at 02:00)."""

    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )

    class Meta:
        model = Dataset
        fields = ["warehouse", "schema", "table", "description", "owner", "schedule", "enabled"]
        validators: list = []  # the (warehouse, schema, table) uniqueness is the service's


class ContractSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        max_length=10, required=False, help_text="draft or published (validated by the service)"
    )

    class Meta:
        model = DataContract
        fields = ["version", "status", "description", "consumers", "spec", "updated_at"]
        read_only_fields = ["version", "updated_at"]


class ContractYamlSerializer(serializers.Serializer):
    yaml = serializers.CharField(max_length=200_000)


class RunRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=CheckRun.Mode.choices, default="full")


class MonitorSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="new, up, down, paused")
    ping_path = serializers.CharField(read_only=True)

    class Meta:
        model = Monitor
        fields = [
            "id",
            "uuid",
            "name",
            "description",
            "period",
            "grace",
            "status",
            "last_ping_at",
            "next_due_at",
            "runbook",
            "ping_path",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, acknowledged, resolved")
    assignee: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        allow_null=True
    )  # unassigned → null
    runbook: serializers.SlugRelatedField[Runbook] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "source_key",
            "source",
            "title",
            "summary",
            "status",
            "dataset",
            "check_key",
            "monitor",
            "run",
            "runbook",
            "assignee",
            "escalation_level",
            "occurrences",
            "opened_at",
            "last_seen_at",
            "acknowledged_at",
            "resolved_at",
            "resolution",
        ]


class IncidentActionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RotationSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    overrides = serializers.SerializerMethodField()

    class Meta:
        model = Rotation
        fields = ["id", "name", "starts_at", "escalate_after_minutes", "members", "overrides"]

    def get_members(self, obj: Rotation) -> list[str]:
        return [m.user.username for m in obj.members.all()]

    def get_overrides(self, obj: Rotation) -> list[dict]:
        return [
            {"user": o.user.username, "starts_at": o.starts_at, "ends_at": o.ends_at}
            for o in obj.overrides.all()
        ]


class RunbookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Runbook
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "body",
            "failure_modes",
            "version",
            "updated_at",
        ]


class CheckDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    dimension = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    semantics = serializers.CharField()
    unit = serializers.CharField()
    warn = serializers.FloatField(allow_null=True)
    fail = serializers.FloatField(allow_null=True)  # type: ignore[assignment]  # a field, not Field.fail()
    statement = serializers.CharField(help_text="scan, grouped, static, custom or skipped")
    skip_reason = serializers.CharField(allow_null=True)
