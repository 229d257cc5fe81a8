"""Admin: approval policies are edited here (plain data); RFCs, approvals, taxonomy
versions and campaigns are read-only here because their writes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.health.models import (
    Dataset,
    Incident,
    Monitor,
    Rotation,
    RotationMember,
    RotationOverride,
    Runbook,
    Warehouse,
)
from governance.rfc.models import (
    Approval,
    ApprovalPolicy,
    Rfc,
    RfcEvent,
)
from governance.taxonomy.models import (
    Campaign,
    TaxonomyVersion,
)


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


# --- data health: rotations are edited here (members and overrides are plain data);
# everything else goes through the pages/API services and is read-only here.


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 1


class RotationOverrideInline(admin.TabularInline):
    model = RotationOverride
    extra = 1


@admin.register(Rotation)
class RotationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "starts_at", "escalate_after_minutes"]
    filter_horizontal = ["channels"]
    inlines = [RotationMemberInline, RotationOverrideInline]


@admin.register(Warehouse)
class WarehouseAdmin(ReadOnlyAdmin):
    list_display = ["name", "statement_timeout_ms", "is_demo"]
    exclude = ["dsn"]  # the secret is never shown again


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "warehouse", "owner", "schedule", "enabled", "last_run"]
    list_select_related = ["warehouse", "owner", "last_run"]


@admin.register(Monitor)
class MonitorAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "period", "grace", "last_ping_at"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "source", "opened_at", "acknowledged_at", "resolved_at"]
    list_filter = ["status", "source"]


@admin.register(Runbook)
class RunbookAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "version", "updated_at"]
    search_fields = ["title", "body"]
