from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from mops.core.admin import ReadOnlyAdmin

from .models import ApiToken, IdpGroup, IdpGroupMapping, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Team", {"fields": ("team",)}))
    list_display = ["username", "email", "team", "is_active"]
    list_filter = ["team", "groups", "is_active"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "group"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]


@admin.register(IdpGroupMapping)
class IdpGroupMappingAdmin(SimpleHistoryAdmin):
    """IdP group -> mops role and team (read at every SSO log-in and SCIM group change)."""

    list_display = ["group", "provider", "role", "team"]
    list_filter = ["role", "team", "provider"]
    search_fields = ["group"]


@admin.register(IdpGroup)
class IdpGroupAdmin(ReadOnlyAdmin):
    """Groups pushed by the IdP over SCIM: the IdP owns them, so they are read-only here."""

    list_display = ["name", "scim_external_id"]
    search_fields = ["name"]
