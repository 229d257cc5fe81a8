"""One FilterSet per list, shared by the catalog page and the API."""

import django_filters
from django.db.models import Q, QuerySet

from mops.core.filters import FilterSet

from .models import ChangeType, Channel, PatternKind, Service, ServiceStatus, Template


class ServiceFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="has_channel", label="Channel"
    )
    self_serve = django_filters.BooleanFilter(label="Self-serve")
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)

    class Meta:
        model = Service
        fields = ["q", "channel", "self_serve", "status", "change_type"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def has_channel(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(channels__contains=[value]) if value else queryset


class TemplateFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(choices=PatternKind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Template
        fields = ["q", "kind", "channel"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))
