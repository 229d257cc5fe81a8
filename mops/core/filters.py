"""The base of every app's FilterSet (pages and API alike): an empty value means "any".

A form's "Any" option sends `status=`; a link built from a form sends `q=&team=`. Without
this base a multiple-choice filter reads `[""]` as a choice and answers "Select a valid
choice", and a view saved from that state is saved broken. Every filterset in the project
subclasses `FilterSet` here, so a blank parameter is dropped before it is validated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django_filters import rest_framework as rest_filters
from rest_framework import filters as drf_filters


def without_empty(data: Mapping[str, Any]) -> QueryDict:
    """`data` with every blank value removed (a key whose values are all blank goes)."""
    cleaned = QueryDict(mutable=True)
    keys = list(data.keys())
    for key in keys:
        values = data.getlist(key) if hasattr(data, "getlist") else data[key]
        if not isinstance(values, list | tuple):
            values = [values]
        kept = [v for v in values if v is not None and str(v).strip() != ""]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned


def query_without_empty(query: str, *, drop: tuple[str, ...] = ("page",)) -> str:
    """A query string with blank parameters (and `drop`, e.g. the page number) removed,
    for saving a filter state that reloads the same way."""
    pairs = parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if v.strip() and k not in drop])


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet where a blank parameter is "any" rather than an error."""

    def __init__(self, data: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = without_empty(data)
        super().__init__(data, *args, **kwargs)


class TextSearchFilter(django_filters.CharFilter):
    """`?q=`: the rows where any of `fields` contains the text, case-insensitively; the
    text is trimmed, and blank means "any"."""

    def __init__(self, *, fields: Sequence[str], label: str = "Search", **kwargs: Any) -> None:
        super().__init__(label=label, **kwargs)
        self.search_fields = tuple(fields)

    def filter(self, qs: QuerySet, value: str | None) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)


class ArrayContainsFilter(django_filters.ChoiceFilter):
    """One choice that the array field `field_name` must hold (a service's or a train's
    channels); blank means "any". A filter method, so the API schema reads the value's
    type from its hint (a string of `choices`), not from the array field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, method=self.holding, **kwargs)

    def holding(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{name}__contains": [value]})


class ApiFilterSet(FilterSet, rest_filters.FilterSet):
    """The base for filtersets generated from a view's `filterset_fields`."""


def is_detail(view: Any) -> bool:
    """A route about one object (retrieve, PATCH, `detail=True` actions): scoped by the
    viewset's visibility (`get_queryset`) only, never by the list's filters or their
    defaults (a backlog's "open" scope must not hide a draft or a live request from
    GET/PATCH /requests/{id}/ or its transition)."""
    return bool(getattr(view, "detail", False))


class FilterBackend(rest_filters.DjangoFilterBackend):
    """The API's filter backend: generated filtersets also treat a blank value as "any";
    list routes only (see `is_detail`)."""

    filterset_base = ApiFilterSet

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        """django-filter's, and kept on the view as `view.filterset`: a list can then ask
        its filterset for more than the queryset (intake's count from the status tally)."""
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if is_detail(view):
            return queryset
        return super().filter_queryset(request, queryset, view)


class SearchFilter(drf_filters.SearchFilter):
    """`?search=` on list routes only (see `is_detail`)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if is_detail(view):
            return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(drf_filters.OrderingFilter):
    """`?ordering=` on list routes only (see `is_detail`)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if is_detail(view):
            return queryset
        return super().filter_queryset(request, queryset, view)
