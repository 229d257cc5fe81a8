"""Taxonomy API serializers: thin shapes; rules live in services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from governance.taxonomy.models import (
    Campaign,
    CampaignLink,
    TaxonomyVersion,
)

MAX_BATCH = 10_000


# --- taxonomy --------------------------------------------------------------------------------


class VocabularyItemSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=100)
    synonyms = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=200
    )


class ChannelRuleSerializer(serializers.Serializer):
    channel = serializers.CharField(max_length=60)
    source_values = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    source_regex = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True, default=None
    )
    medium_values = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    medium_regex = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True, default=None
    )


class NamingTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    allowed_values = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    pattern = serializers.CharField(
        max_length=500, required=False, allow_null=True, allow_blank=True, default=None
    )
    # fields named like Field attributes: DRF's metaclass takes them off the class
    required = serializers.BooleanField(required=False, default=True)  # type: ignore[assignment]
    joined = serializers.BooleanField(required=False, default=False)


class NamingSerializer(serializers.Serializer):
    delimiter = serializers.CharField(max_length=1, required=False, default="_")
    case = serializers.ChoiceField(
        choices=["lower", "upper", "any"], required=False, default="lower"
    )
    tokens = NamingTokenSerializer(many=True)


class TaxonomySerializer(serializers.Serializer):
    """The active taxonomy. PUT replaces all four pieces, PATCH the pieces given; each
    write is a new version (`If-Match: "<version>"`, 412 when stale)."""

    version = serializers.IntegerField(read_only=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    naming_template = serializers.CharField(read_only=True)
    # many=True's max_length (ListSerializer's) is not in the stubs
    sources = VocabularyItemSerializer(many=True, max_length=2000)  # type: ignore[call-arg]
    mediums = VocabularyItemSerializer(many=True, max_length=2000)  # type: ignore[call-arg]
    channel_rules = ChannelRuleSerializer(many=True, max_length=500)  # type: ignore[call-arg]
    naming = NamingSerializer()


class TaxonomyVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = TaxonomyVersion
        fields = ["number", "is_active", "note", "created_by", "created_at"]
        read_only_fields = fields


# --- UTM tools ---------------------------------------------------------------------------------


class FindingSerializer(serializers.Serializer):
    param = serializers.CharField()
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_null=True)


class UrlResultSerializer(serializers.Serializer):
    url = serializers.CharField()
    valid = serializers.BooleanField()
    channel = serializers.CharField(allow_null=True)
    fixed_url = serializers.CharField(allow_null=True)
    findings = FindingSerializer(many=True)


class NameResultSerializer(serializers.Serializer):
    campaign_name = serializers.CharField()
    valid = serializers.BooleanField()
    fixed = serializers.CharField(allow_null=True)
    findings = FindingSerializer(many=True)


class ValidateRequestSerializer(serializers.Serializer):
    """Exactly one of: url, urls, campaign_name, campaign_names."""

    url = serializers.CharField(
        required=False, max_length=8000, allow_blank=True, trim_whitespace=False
    )
    urls = serializers.ListField(
        child=serializers.CharField(max_length=8000, allow_blank=True, trim_whitespace=False),
        required=False,
        max_length=MAX_BATCH,
    )
    campaign_name = serializers.CharField(
        required=False, max_length=500, allow_blank=True, trim_whitespace=False
    )
    campaign_names = serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=True, trim_whitespace=False),
        required=False,
        max_length=MAX_BATCH,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("url", "urls", "campaign_name", "campaign_names") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Send exactly one of url, urls, campaign_name, campaign_names."
            )
        return attrs


class ValidateResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    output = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")


class CsvRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    value = serializers.CharField()
    valid = serializers.BooleanField()
    channel = serializers.CharField(allow_null=True)
    fixed = serializers.CharField(allow_null=True)
    findings = FindingSerializer(many=True)


class CsvSummarySerializer(serializers.Serializer):
    column = serializers.CharField()
    rows = serializers.IntegerField()
    invalid = serializers.IntegerField()
    with_findings = serializers.IntegerField()
    findings_by_rule = serializers.DictField(child=serializers.IntegerField())
    results = CsvRowSerializer(many=True, help_text="Rows with findings, at most 1,000.")
    truncated = serializers.BooleanField()


class BuildRequestSerializer(serializers.Serializer):
    base_url = serializers.CharField(max_length=2000)
    source = serializers.CharField(max_length=100)  # type: ignore[assignment]  # a field
    medium = serializers.CharField(max_length=100)
    campaign = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tokens = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True), required=False
    )
    content = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    term = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    register = serializers.BooleanField(required=False, default=False)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("campaign") and not attrs.get("tokens"):
            raise serializers.ValidationError({"campaign": "Give a campaign name or its tokens."})
        return attrs


class BuildResponseSerializer(serializers.Serializer):
    url = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field
    medium = serializers.CharField()
    campaign = serializers.CharField()
    channel = serializers.CharField()
    notes = FindingSerializer(many=True)
    registered_campaign = serializers.IntegerField(allow_null=True)


class CampaignLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignLink
        fields = [
            "id",
            "url",
            "base_url",
            "source",
            "medium",
            "content",
            "term",
            "channel",
            "created_at",
        ]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True, default=None)
    links = CampaignLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "owner",
            "team",
            "channel",
            "source",
            "medium",
            "start_date",
            "end_date",
            "links",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "name",
            "owner",
            "team",
            "channel",
            "source",
            "medium",
            "created_at",
        ]


class CampaignUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
