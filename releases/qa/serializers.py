"""Serializers of checklists and pre-flight runs."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.models import ChangeType, Channel
from releases.api.fields import CleanCharField
from releases.qa.models import (
    AutomatedCheck,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Evidence,
    ItemResult,
    ItemState,
    Phase,
    PreflightRun,
)


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
    items = ChecklistItemSerializer(  # type: ignore[call-arg]  # many=True's max_length: not in the stubs
        many=True, write_only=True, allow_empty=False, max_length=200
    )
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
    items = ChecklistItemSerializer(  # type: ignore[call-arg]  # as above
        many=True, allow_empty=False, max_length=200
    )
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
