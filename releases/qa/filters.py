"""Filters of checklist templates, runs and pre-flight runs."""

import django_filters

from catalog.models import ChangeType, Channel
from mops.core.filters import FilterSet
from releases.qa.models import (
    AutomatedCheck,
    ChecklistRun,
    ChecklistTemplate,
    Phase,
    PreflightRun,
    PreflightStatus,
    RunStatus,
)


class ChecklistTemplateFilter(FilterSet):
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = ChecklistTemplate
        fields = ["channel", "change_type", "phase", "active"]


class ChecklistRunFilter(FilterSet):
    request = django_filters.NumberFilter(field_name="request_id", min_value=1)
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ChecklistRun
        fields = ["request", "phase", "status"]


class PreflightRunFilter(FilterSet):
    request = django_filters.NumberFilter(field_name="request_id", min_value=1)
    check_name = django_filters.ChoiceFilter(choices=AutomatedCheck.choices)
    status = django_filters.ChoiceFilter(choices=PreflightStatus.choices)

    class Meta:
        model = PreflightRun
        fields = ["request", "check_name", "status"]
