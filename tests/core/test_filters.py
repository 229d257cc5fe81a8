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
    "governance.stack.filters",
    "governance.enablement.filters",
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


def test_text_search_trims_and_matches_any_named_field_case_insensitively(db):
    from catalog.filters import ServiceFilter
    from catalog.models import Service
    from tests.factories import ServiceFactory

    by_name = ServiceFactory(name="Welcome series", description="")
    by_text = ServiceFactory(name="Nurture", description="a WELCOME track for trials")
    other = ServiceFactory(name="Add a field", description="CRM")

    def found(q):
        bound = ServiceFilter(QueryDict(f"q={q}"), queryset=Service.objects.all())
        assert bound.is_valid(), bound.errors
        return set(bound.qs)

    assert found("+welcome+") == {by_name, by_text}
    assert found("%25") == set()  # a LIKE wildcard is matched as itself
    assert found("+++") == {by_name, by_text, other}  # blank once trimmed: any


def test_array_contains_filter_matches_a_member_and_refuses_an_unknown_choice(db):
    from releases.trains.filters import DepartureFilter, TrainFilter
    from releases.trains.models import Departure, Train
    from tests.factories import DepartureFactory, TrainFactory

    email = TrainFactory(channels=["email", "sms"])
    web = TrainFactory(channels=["web"])
    email_departure = DepartureFactory(train=email)
    DepartureFactory(train=web)

    trains = TrainFilter(QueryDict("channel=sms"), queryset=Train.objects.all())
    assert trains.is_valid() and list(trains.qs) == [email]
    departures = DepartureFilter(QueryDict("channel=email"), queryset=Departure.objects.all())
    assert departures.is_valid() and list(departures.qs) == [email_departure]
    unknown = TrainFilter(QueryDict("channel=fax"), queryset=Train.objects.all())
    assert not unknown.is_valid() and "channel" in unknown.errors
