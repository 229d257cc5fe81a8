"""An empty filter value means "any", for every filterset, on pages and API alike (#19.1)."""

import importlib

import pytest
from django.http import QueryDict

from mops.core.filters import FilterSet, query_without_empty, without_empty

FILTER_MODULES = [
    "catalog.filters",
    "governance.rfc.filters",
    "governance.taxonomy.filters",
    "governance.health.filters",
    "intake.filters",
    "releases.trains.filters",
    "releases.qa.filters",
    "releases.experiments.filters",
]


def _filtersets():
    found = []
    for name in FILTER_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and hasattr(value, "base_filters")
                and value.__module__ == name
            ):
                found.append(value)
    return found


def test_every_app_filterset_uses_the_shared_base():
    filtersets = _filtersets()
    assert len(filtersets) >= 10
    assert [f.__name__ for f in filtersets if not issubclass(f, FilterSet)] == []


@pytest.mark.parametrize("filterset", _filtersets(), ids=lambda f: f.__name__)
def test_blank_values_for_every_filter_are_valid(db, filterset):
    """Every filter sent blank (what a form's "Any" sends) validates and filters nothing."""
    data = QueryDict(mutable=True)
    for name in filterset.base_filters:
        data.setlist(name, [""])
    bound = filterset(data, queryset=filterset._meta.model.objects.all())
    assert bound.is_valid(), bound.errors
    assert bound.form.data == {}


def test_without_empty_keeps_real_values_and_lists():
    data = QueryDict("status=&status=submitted&q=+&team=ops&page=2")
    assert dict(without_empty(data).lists()) == {
        "status": ["submitted"],
        "team": ["ops"],
        "page": ["2"],
    }
    assert query_without_empty("?q=&status=&status=live&page=3&sort=due") == (
        "status=live&sort=due"
    )


def test_generated_api_filtersets_also_treat_blank_as_any(api_for, users):
    """`filterset_fields` views (accounts) go through the same base via the backend."""
    response = api_for("admin").get("/api/v1/users/?team=")
    assert response.status_code == 200, response.content
