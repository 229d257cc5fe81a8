"""The campaign list's filterset, shared by the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from mops.core.filters import FilterSet

from .models import Campaign


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
