"""One filterset per list, shared by the stack pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from mops.accounts.models import Team
from mops.core.filters import FilterSet, TextSearchFilter

from .models import (
    Consent,
    Contract,
    Flow,
    GoldenPath,
    Instrument,
    InstrumentKind,
    Layer,
    Pattern,
    Platform,
    Tool,
)


class ToolFilter(FilterSet):
    q = TextSearchFilter(fields=("name", "vendor", "purpose"))
    layer = django_filters.ChoiceFilter(choices=Layer.choices)
    status = django_filters.ChoiceFilter(choices=GoldenPath.choices)
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), to_field_name="slug", label="Team"
    )
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    holds_personal_data = django_filters.BooleanFilter(label="Holds personal data")

    class Meta:
        model = Tool
        fields = ["q", "layer", "status", "team", "owner", "holds_personal_data"]


class FlowFilter(FilterSet):
    tool = django_filters.NumberFilter(method="by_tool", label="Tool (id, either end)")
    pattern = django_filters.ChoiceFilter(choices=Pattern.choices)
    source = django_filters.NumberFilter(field_name="source_id", min_value=1, max_value=2**62)
    target = django_filters.NumberFilter(field_name="target_id", min_value=1, max_value=2**62)
    monitor_status = django_filters.CharFilter(
        field_name="monitor__status", label="Monitor state (new, up, down, paused)"
    )

    class Meta:
        model = Flow
        fields = ["tool", "pattern", "source", "target", "monitor_status"]

    def by_tool(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(source_id=value) | Q(target_id=value))


class ContractFilter(FilterSet):
    tool = django_filters.NumberFilter(field_name="tool_id", min_value=1, max_value=2**62)
    vendor = django_filters.CharFilter(field_name="vendor", lookup_expr="icontains")
    ends_from = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte")
    ends_to = django_filters.DateFilter(field_name="ends_on", lookup_expr="lte")

    class Meta:
        model = Contract
        fields = ["tool", "vendor", "ends_from", "ends_to"]


class InstrumentFilter(FilterSet):
    q = TextSearchFilter(fields=("name", "property", "container", "description"))
    kind = django_filters.ChoiceFilter(choices=InstrumentKind.choices)
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    consent_category = django_filters.ChoiceFilter(
        choices=[("none", "None recorded"), *Consent.choices],
        method="by_consent",
        label="Consent category",
    )
    property = django_filters.CharFilter(field_name="property", lookup_expr="iexact")
    destination = django_filters.NumberFilter(
        field_name="destinations", min_value=1, max_value=2**62, label="Destination (tool id)"
    )

    class Meta:
        model = Instrument
        fields = ["q", "kind", "platform", "consent_category", "property", "destination"]

    def by_consent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(consent_category="" if value == "none" else value)
