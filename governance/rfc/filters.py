"""The RFC list's filterset, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from mops.core.filters import FilterSet

from .models import (
    Rfc,
    RfcStatus,
    RfcType,
    Risk,
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
