"""One filterset per list, shared by the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from mops.core.filters import FilterSet

from .models import (
    Campaign,
    CheckRun,
    Incident,
    IncidentStatus,
    Rfc,
    RfcStatus,
    RfcType,
    Risk,
    RunStatus,
)


class RfcFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RfcStatus.choices)
    risk = django_filters.ChoiceFilter(choices=Risk.choices)
    change_type = django_filters.ChoiceFilter(choices=RfcType.choices, label="Type")
    emergency = django_filters.BooleanFilter()
    author = django_filters.CharFilter(field_name="author__username", label="Author (username)")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Rfc
        fields = ["status", "risk", "change_type", "emergency", "author"]

    def search(self, queryset: QuerySet[Rfc], name: str, value: str) -> QuerySet[Rfc]:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(summary__icontains=value)
        digits = value.upper().removeprefix("RFC-")
        if digits.isdigit() and len(digits) < 10:
            condition |= Q(pk=int(digits))
        return queryset.filter(condition)


class CampaignFilter(FilterSet):
    channel = django_filters.CharFilter(lookup_expr="iexact")
    owner = django_filters.CharFilter(field_name="owner__username")
    active_on = django_filters.DateFilter(method="active", label="Active on")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = Campaign
        fields = ["channel", "owner"]

    def active(self, queryset: QuerySet[Campaign], name: str, value: Any) -> QuerySet[Campaign]:
        return queryset.filter(start_date__lte=value).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=value)
        )


class IncidentFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    active = django_filters.BooleanFilter(method="unresolved", label="Not resolved")
    source = django_filters.ChoiceFilter(choices=Incident.Source.choices)
    dataset = django_filters.NumberFilter(field_name="dataset_id")
    monitor = django_filters.NumberFilter(field_name="monitor_id")

    class Meta:
        model = Incident
        fields = ["status", "source", "dataset", "monitor"]

    def unresolved(self, queryset: QuerySet[Incident], name: str, value: Any) -> QuerySet[Incident]:
        if value is None:
            return queryset
        resolved = Q(status=IncidentStatus.RESOLVED)
        return queryset.exclude(resolved) if value else queryset.filter(resolved)


class CheckRunFilter(FilterSet):
    dataset = django_filters.NumberFilter(field_name="dataset_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    trigger = django_filters.ChoiceFilter(choices=CheckRun.Trigger.choices)

    class Meta:
        model = CheckRun
        fields = ["dataset", "status", "trigger"]
