"""The base of every app's FilterSet (pages and API alike): an empty value means "any".

A form's "Any" option sends `status=`; a link built from a form sends `q=&team=`. Without
this base a multiple-choice filter reads `[""]` as a choice and answers "Select a valid
choice", and a view saved from that state is saved broken. Every filterset in the project
subclasses `FilterSet` here, so a blank parameter is dropped before it is validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import django_filters
from django.http import QueryDict
from django_filters import rest_framework as rest_filters


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


class ApiFilterSet(FilterSet, rest_filters.FilterSet):
    """The base for filtersets generated from a view's `filterset_fields`."""


class FilterBackend(rest_filters.DjangoFilterBackend):
    """The API's filter backend: generated filtersets also treat a blank value as "any"."""

    filterset_base = ApiFilterSet
