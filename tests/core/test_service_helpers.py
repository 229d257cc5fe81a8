"""Kernel service helpers: require_role, fields_check, model_update, ReadOnlyAdmin."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from catalog.models import Calendar, SlaPolicy
from mops.accounts.roles import ADMINS
from mops.core.admin import ReadOnlyAdmin
from mops.core.services import fields_check, model_update, require_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_require_role_names_the_action():
    user = UserFactory(role="requester")
    with pytest.raises(PermissionDenied, match="does not allow you to edit the catalog"):
        require_role(user, ADMINS, "edit the catalog")
    require_role(UserFactory(role="admin"), ADMINS, "edit the catalog")


def test_model_update_sets_only_declared_fields_and_reports_changes():
    calendar = Calendar(name="Old", slug="old")
    changed = model_update(
        calendar, fields=("name", "slug"), data={"name": "New", "slug": "old", "pk": 99}
    )
    assert changed == ["name"]
    assert calendar.name == "New"
    assert calendar.pk is None


def test_fields_check_names_each_unknown_field():
    fields_check({"name": "x"}, fields=("name",), message="Not a train field.")
    with pytest.raises(ValidationError) as caught:
        fields_check({"name": "x", "pk": 1, "zz": 2}, fields=("name",), message="Not a field.")
    assert caught.value.message_dict == {"pk": ["Not a field."], "zz": ["Not a field."]}


def test_model_update_compares_foreign_keys_by_id_without_fetching(django_assert_num_queries):
    first, second = (
        Calendar.objects.create(name="A", slug="a"),
        Calendar.objects.create(name="B", slug="b"),
    )
    policy = SlaPolicy.objects.get(
        pk=SlaPolicy.objects.create(name="P", slug="p", calendar=first).pk
    )
    with django_assert_num_queries(0):
        assert model_update(policy, fields=("calendar",), data={"calendar": first}) == []
        assert model_update(policy, fields=("calendar",), data={"calendar": second}) == ["calendar"]
    assert policy.calendar_id == second.pk


def test_read_only_admin_refuses_writes():
    admin = ReadOnlyAdmin(Calendar, AdminSite())
    request = RequestFactory().get("/")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
