"""Users, teams and API tokens change on the People/Teams pages and the API through
`mops/accounts/services.py`, never here (read-only); IdP group mappings have no page, so
this admin edits them through `idp_mapping_save` / `idp_mapping_delete`. Django's groups are
read-only too: the role groups come from a migration and roles are given on the People page
(`user_update`); a group's permissions decide nothing in mops (roles are read from group
names), so editing them here only bypassed the role model."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from mops.core.admin import ReadOnlyAdmin, ServiceAdmin

from .models import ApiToken, IdpGroup, IdpGroupMapping, Team, User
from .sso import MAPPING_FIELDS, idp_mapping_delete, idp_mapping_save


@admin.register(User)
class UserAdmin(BaseUserAdmin, ReadOnlyAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Team", {"fields": ("team",)}))
    list_display = ["username", "email", "team", "is_active"]
    list_filter = ["team", "groups", "is_active"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "group"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]


@admin.register(IdpGroupMapping)
class IdpGroupMappingAdmin(ServiceAdmin):
    """IdP group -> mops role and team (read at every SSO log-in and SCIM group change)."""

    list_display = ["group", "provider", "role", "team"]
    list_filter = ["role", "team", "provider"]
    search_fields = ["group"]
    service_fields = MAPPING_FIELDS

    def service_save(
        self, *, actor: User, obj: IdpGroupMapping, data: dict[str, Any], change: bool
    ) -> IdpGroupMapping:
        return idp_mapping_save(actor=actor, data=data, mapping=obj if change else None)

    def service_delete(self, *, actor: User, obj: IdpGroupMapping) -> None:
        idp_mapping_delete(actor=actor, mapping=obj)


@admin.register(IdpGroup)
class IdpGroupAdmin(ReadOnlyAdmin):
    """Groups pushed by the IdP over SCIM: the IdP owns them, so they are read-only here."""

    list_display = ["name", "scim_external_id"]
    search_fields = ["name"]


# django.contrib.auth (installed before this app) registered its editable GroupAdmin.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ReadOnlyAdmin):
    """Role groups and extra approver groups (CAB…), listed read-only."""
