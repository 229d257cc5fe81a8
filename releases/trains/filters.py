"""One FilterSet per list, shared by the release pages and the API."""

import django_filters
from django.db.models import Q, QuerySet

from catalog.models import ChangeType, Channel
from mops.accounts.models import Team
from mops.core.filters import FilterSet

from .models import (
    AutomatedCheck,
    ChecklistRun,
    ChecklistTemplate,
    Departure,
    DepartureStatus,
    Experiment,
    ExperimentResult,
    ExperimentStatus,
    Freeze,
    Phase,
    PreflightRun,
    PreflightStatus,
    RunStatus,
    Train,
)


class TrainFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="has_channel", label="Channel"
    )
    active = django_filters.BooleanFilter()

    class Meta:
        model = Train
        fields = ["q", "channel", "active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def has_channel(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(channels__contains=[value]) if value else queryset


class DepartureFilter(FilterSet):
    train = django_filters.ModelChoiceFilter(queryset=Train.objects.all())
    status = django_filters.ChoiceFilter(choices=DepartureStatus.choices)
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="has_channel", label="Channel"
    )
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Departure
        fields = ["train", "status", "channel", "starts_after", "starts_before"]

    def has_channel(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(train__channels__contains=[value]) if value else queryset


class FreezeFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Freeze.Kind.choices)
    active = django_filters.BooleanFilter()
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="has_channel", label="Channel"
    )

    class Meta:
        model = Freeze
        fields = ["kind", "active", "channel"]

    def has_channel(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Q(channels__contains=[value]) | Q(channels=[]))


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


class ExperimentFilter(FilterSet):
    """The experiment register: `concluded_from` / `concluded_to` are days (inclusive) in
    the MOPS time zone, so the metrics dashboard can link a period's experiments."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=ExperimentStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), to_field_name="slug", label="Team"
    )
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    result = django_filters.ChoiceFilter(choices=ExperimentResult.choices)
    met_power = django_filters.BooleanFilter(label="Met power")
    request = django_filters.NumberFilter(field_name="request_id", min_value=1, max_value=2**62)
    concluded_from = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__gte", label="Concluded from"
    )
    concluded_to = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__lte", label="Concluded until"
    )

    class Meta:
        model = Experiment
        fields = [
            "q",
            "status",
            "channel",
            "team",
            "owner",
            "result",
            "met_power",
            "request",
            "concluded_from",
            "concluded_to",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(hypothesis__icontains=value)
            | Q(primary_metric__icontains=value)
        )
