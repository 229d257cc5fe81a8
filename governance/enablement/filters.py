"""One FilterSet for the playbook list, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from mops.core.filters import FilterSet

from .models import Category, Playbook
from .selectors import playbooks_matching, playbooks_stale


class PlaybookFilter(FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", max_length=200, help_text="Full text, ranked"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label="Category"
    )
    stale = django_filters.BooleanFilter(
        method="by_review", label="Past its review date", help_text="true: stale only"
    )

    class Meta:
        model = Playbook
        fields = ["q", "category", "stale"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return playbooks_matching(queryset, value)

    def by_review(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else playbooks_stale(queryset, value)
