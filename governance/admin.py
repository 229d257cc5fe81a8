"""Admin: approval policies are edited here (plain data); RFCs, approvals, taxonomy
versions and campaigns are read-only here because their writes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Approval, ApprovalPolicy, Campaign, Rfc, RfcEvent, TaxonomyVersion


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "risk",
        "required_approvals",
        "eligible_group",
        "must_include_group",
        "requires_change_window",
    ]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Rfc)
class RfcAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "change_type", "risk", "status", "author", "updated_at"]
    list_filter = ["status", "risk", "change_type", "emergency"]
    search_fields = ["title", "summary"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["rfc", "reviewer", "decision", "revision_number", "created_at", "voided_at"]
    list_select_related = ["rfc", "reviewer"]


@admin.register(RfcEvent)
class RfcEventAdmin(admin.ModelAdmin):
    list_display = ["rfc", "name", "actor", "from_status", "to_status", "created_at"]
    list_select_related = ["rfc", "actor"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "is_active", "note", "created_by", "created_at"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "team", "channel", "start_date", "end_date"]
    search_fields = ["name"]
