"""Filters of trains, departures and freezes (pages and API)."""

import django_filters
from django.db.models import Q, QuerySet

from catalog.models import Channel
from mops.core.filters import ArrayContainsFilter, FilterSet, TextSearchFilter
from releases.trains.models import Departure, DepartureStatus, Freeze, Train


class TrainFilter(FilterSet):
    q = TextSearchFilter(fields=("name", "description"))
    channel = ArrayContainsFilter(field_name="channels", choices=Channel.choices, label="Channel")
    active = django_filters.BooleanFilter()

    class Meta:
        model = Train
        fields = ["q", "channel", "active"]


class DepartureFilter(FilterSet):
    train = django_filters.ModelChoiceFilter(queryset=Train.objects.all())
    status = django_filters.ChoiceFilter(choices=DepartureStatus.choices)
    channel = ArrayContainsFilter(
        field_name="train__channels", choices=Channel.choices, label="Channel"
    )
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Departure
        fields = ["train", "status", "channel", "starts_after", "starts_before"]


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
