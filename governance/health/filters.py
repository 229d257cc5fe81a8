"""The incident and check-run filtersets, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from mops.core.filters import FilterSet

from .models import (
    CheckRun,
    Incident,
    IncidentStatus,
    RunStatus,
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
