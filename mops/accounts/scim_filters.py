"""SCIM filter attributes (`filter=userName eq "x"`): a module of their own because
django_scim's adapters read them while being imported."""

from django_scim.filters import GroupFilterQuery as BaseGroupFilterQuery
from django_scim.filters import UserFilterQuery as BaseUserFilterQuery


class UserFilterQuery(BaseUserFilterQuery):
    attr_map = {
        **BaseUserFilterQuery.attr_map,
        ("emails", "value", None): "email",
        ("externalId", None, None): "scim_external_id",
    }


class GroupFilterQuery(BaseGroupFilterQuery):
    attr_map = {
        ("displayName", None, None): "name",
        ("externalId", None, None): "scim_external_id",
    }
