"""Kernel service helpers: require_role, model_update, ReadOnlyAdmin."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from catalog.models import Calendar
from mops.accounts.roles import ADMINS
from mops.core.admin import ReadOnlyAdmin
from mops.core.services import model_update, require_role
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


def test_read_only_admin_refuses_writes():
    admin = ReadOnlyAdmin(Calendar, AdminSite())
    request = RequestFactory().get("/")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
