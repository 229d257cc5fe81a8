"""Serializers of the stack API: one per object, read and write alike; the rules are the
services' (so the API and the pages refuse the same things)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import Service
from governance.models import DataContract, Monitor, Runbook
from mops.accounts.models import Team, User

from ..inventory import INSTRUMENT_FIELDS
from ..models import (
    AccessReview,
    AccessReviewItem,
    Attestation,
    Contract,
    Decision,
    Flow,
    Instrument,
    RenewalAlert,
    RenewalDecision,
    Tool,
)
from ..services import CONTRACT_FIELDS, FLOW_FIELDS, TOOL_FIELDS


def _person(**kwargs: Any) -> serializers.SlugRelatedField[User]:
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        **kwargs,
    )


class ToolSerializer(serializers.ModelSerializer):
    owner = _person(help_text="Username.")
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), allow_null=True, required=False
    )
    data_contract = serializers.PrimaryKeyRelatedField(
        queryset=DataContract.objects.all(), allow_null=True, required=False
    )
    runbooks = serializers.SlugRelatedField(
        slug_field="slug", queryset=Runbook.objects.all(), many=True, required=False
    )
    monitors = serializers.PrimaryKeyRelatedField(
        queryset=Monitor.objects.all(), many=True, required=False
    )
    approval_gaps = serializers.SerializerMethodField(
        help_text="What keeps the tool from being approved: field → what is missing."
    )

    class Meta:
        model = Tool
        fields = [
            "id",
            *TOOL_FIELDS,
            "runbooks",
            "monitors",
            "approval_gaps",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def get_approval_gaps(self, tool: Tool) -> dict[str, str]:
        return tool.approval_gaps()


class ImportRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        trim_whitespace=False,
        max_length=2_000_000,
        help_text="The CSV (header: name,layer,vendor,owner,team,status,status_reason,purpose,"
        "personal_data,data_contract,sso,admin_url,docs_url).",
    )
    commit = serializers.BooleanField(
        default=False, help_text="false: preview only; true: import if no line has an error."
    )


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    name = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update"])
    # a field (DRF's metaclass takes it off the class), not the serializer's `errors`
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class ImportResultSerializer(serializers.Serializer):
    committed = serializers.BooleanField()
    rows = ImportRowSerializer(many=True)


class FlowSerializer(serializers.ModelSerializer):
    owner = _person(help_text="Username.")
    monitor = serializers.PrimaryKeyRelatedField(
        queryset=Monitor.objects.all(), allow_null=True, required=False
    )
    data_contract = serializers.PrimaryKeyRelatedField(
        queryset=DataContract.objects.all(), allow_null=True, required=False
    )
    monitor_status = serializers.CharField(
        source="monitor.status", read_only=True, allow_null=True, default=None
    )
    services = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Service.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the catalog services whose requests run through this flow.",
    )
    on_golden_path = serializers.BooleanField(read_only=True)

    class Meta:
        model = Flow
        fields = [
            "id",
            *FLOW_FIELDS,
            "services",
            "monitor_status",
            "on_golden_path",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class DependentsSerializer(serializers.Serializer):
    flows = serializers.ListField(child=serializers.IntegerField())
    monitors = serializers.ListField(child=serializers.IntegerField())
    data_contracts = serializers.ListField(child=serializers.IntegerField())
    contracts = serializers.ListField(child=serializers.IntegerField())


class RenewalAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenewalAlert
        fields = ["days_before", "notice_deadline", "sent_at"]


class RenewalDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = RenewalDecision
        fields = ["id", "decision", "reason", "decided_by", "decided_at"]
        read_only_fields = ["decided_by", "decided_at"]


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(max_length=4000)


class VendorContractSerializer(serializers.ModelSerializer):
    owner = _person(help_text="Username; alerted before the notice deadline (default: tool owner).")
    notice_deadline = serializers.DateField(read_only=True)
    annual_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    alerts = RenewalAlertSerializer(many=True, read_only=True)
    decisions = RenewalDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            *CONTRACT_FIELDS,
            "notice_deadline",
            "alerts",
            "decisions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class SeatsRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        trim_whitespace=False,
        max_length=2_000_000,
        help_text="The seat export as CSV (header: email,permission_level,last_active).",
    )


class SeatLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    email = serializers.CharField()
    # a field (DRF's metaclass takes it off the class), not the serializer's `errors`
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class SeatsResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="Seats now recorded (0 when refused).")
    errors = SeatLineSerializer(  # type: ignore[assignment]  # a field, as above
        many=True, help_text="The lines with errors."
    )


class UtilisationSerializer(serializers.Serializer):
    tool = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    bought = serializers.IntegerField()
    assigned = serializers.IntegerField()
    active_30 = serializers.IntegerField()
    active_90 = serializers.IntegerField()
    utilisation = serializers.FloatField(
        allow_null=True, help_text="% of seats bought active in the last 30 days."
    )
    unused = serializers.IntegerField(help_text="Seats bought minus seats active in 30 days.")
    unused_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Per year."
    )
    currency = serializers.CharField(allow_null=True)
    below = serializers.BooleanField(help_text="Utilisation below STACK_UTILISATION_THRESHOLD.")


class AccessReviewItemSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = AccessReviewItem
        fields = [
            "id",
            "email",
            "permission_level",
            "last_active_on",
            "decision",
            "reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class AccessReviewSerializer(serializers.ModelSerializer):
    holders = serializers.IntegerField(read_only=True)
    decided = serializers.IntegerField(read_only=True)
    completion = serializers.FloatField(read_only=True, help_text="% of holders attested.")
    items = AccessReviewItemSerializer(many=True, read_only=True)

    class Meta:
        model = AccessReview
        fields = [
            "id",
            "tool",
            "due_on",
            "completed_at",
            "holders",
            "decided",
            "completion",
            "items",
            "created_at",
        ]
        read_only_fields = ["completed_at", "created_at"]


class AttestSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**62)
    decision = serializers.ChoiceField(choices=Attestation.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class InstrumentSerializer(serializers.ModelSerializer):
    owner = _person(help_text="Username.")
    destinations = serializers.PrimaryKeyRelatedField(
        queryset=Tool.objects.all(), many=True, required=False, help_text="Tool ids."
    )

    class Meta:
        model = Instrument
        fields = ["id", *INSTRUMENT_FIELDS, "destinations", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]


class PlannedEventSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="request_id")
    reference = serializers.CharField()
    title = serializers.CharField()


class UncoveredEventSerializer(serializers.Serializer):
    name = serializers.CharField()
    requests = PlannedEventSerializer(many=True)


class OffPathSerializer(serializers.Serializer):
    instrument = serializers.IntegerField(source="instrument.pk")
    name = serializers.CharField(source="instrument.name")
    tool = serializers.IntegerField(source="tool.pk")
    tool_name = serializers.CharField(source="tool.name")
    tool_status = serializers.CharField(source="tool.status")


class InstrumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    property = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    planned = serializers.IntegerField(help_text="Distinct events named by tracking plans.")
    covered_share = serializers.FloatField(
        allow_null=True, help_text="% of those with an inventory entry."
    )
    uncovered = UncoveredEventSerializer(many=True)
    unconsented_pixels = InstrumentRefSerializer(many=True)
    off_path = OffPathSerializer(many=True)
