"""Business-impact API shapes (schema and input validation; the figures are JSON as stored)."""

from __future__ import annotations

from rest_framework import serializers

from mops.accounts.models import User

from ..models import DatasetRole, ImpactReview, ImpactSnapshot, SemanticRole, TeamCost


class SnapshotSerializer(serializers.ModelSerializer):
    """A period's figures (all three attribution models in `figures.attribution`), the SQL
    statements and inputs that produced them, and the certification."""

    # plain text: a `period` enum here would collide with the dashboard filters' `period`
    period = serializers.CharField(read_only=True, help_text="month or quarter")
    freshness = serializers.SerializerMethodField()

    class Meta:
        model = ImpactSnapshot
        fields = [
            "period", "start", "end", "computed_at", "certified", "certification_reasons",
            "coverage", "stale", "stale_reason", "stale_since", "freshness", "figures",
            "statements", "inputs", "contract_versions",
        ]  # fmt: skip

    def get_freshness(self, obj: ImpactSnapshot) -> str:
        from ..selectors import freshness

        return freshness(obj).label


class SnapshotSummarySerializer(SnapshotSerializer):
    class Meta(SnapshotSerializer.Meta):
        fields = [
            "period", "start", "end", "computed_at", "certified", "certification_reasons",
            "coverage", "stale", "stale_reason", "freshness",
        ]  # fmt: skip


class DatasetRoleSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=SemanticRole.choices)
    dataset = serializers.IntegerField(source="dataset_id")
    columns = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=63))

    class Meta:
        model = DatasetRole
        fields = ["role", "dataset", "columns", "column_types", "version", "updated_at"]
        read_only_fields = ["column_types", "version", "updated_at"]


class TeamCostSerializer(serializers.ModelSerializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")

    class Meta:
        model = TeamCost
        fields = ["month", "amount", "note", "version", "updated_at"]
        read_only_fields = ["version", "updated_at"]

    def to_representation(self, instance: TeamCost) -> dict:
        data = super().to_representation(instance)
        data["month"] = f"{instance.month:%Y-%m}"
        return data


class ReviewSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    acknowledged_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()

    class Meta:
        model = ImpactReview
        fields = ["month", "sent_at", "acknowledged_by", "acknowledged_at", "note"]

    def get_month(self, obj: ImpactReview) -> str:
        return f"{obj.month:%Y-%m}"


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CohortSerializer(serializers.Serializer):
    campaigns = serializers.ListField(child=serializers.DictField())
    opportunities = serializers.ListField(child=serializers.DictField())
