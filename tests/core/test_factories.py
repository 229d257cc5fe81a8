"""Every model of mops, catalog, intake, releases and metrics has a factory in
tests/factories.py, and each builds a row the database accepts."""

import factory
import pytest
from django.apps import apps

from tests import factories

APPS = {"accounts", "notify", "catalog", "intake", "releases", "metrics"}
# Rows another model's save() makes or that only exist as a default (no factory needed).
NOT_BUILT_ALONE = {"accounts.User.groups", "metrics.DatasetRole"}


def _factories():
    found = {}
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            model = value._meta.get_model_class()
            if model is not None:
                found[model._meta.label] = value
    return found


def _models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in APPS
        and not m.__name__.startswith("Historical")
        and m._meta.label not in NOT_BUILT_ALONE
    ]


def test_every_model_has_a_factory():
    known = _factories()
    assert sorted(m._meta.label for m in _models() if m._meta.label not in known) == []


@pytest.mark.django_db
def test_each_factory_creates_a_row():
    for label, made in _factories().items():
        row = made()
        assert type(row)._default_manager.filter(pk=row.pk).exists(), label
