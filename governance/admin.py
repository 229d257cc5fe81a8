"""Admin: listing and history. Every write goes through a service: approval policies,
RFCs, approvals, taxonomy versions, campaigns and the data-health objects change on their
pages/API, so they are read-only here; on-call rotations have no page, so this admin is
their editor and saves them through `rotation_save`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

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
from governance.health.services.rotations import (
    RosterMember,
    RosterOverride,
    rotation_delete,
    rotation_save,
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
from mops.core.actors import actor_of
from mops.core.admin import HistoryAdmin, ReadOnlyAdmin


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(ReadOnlyAdmin):
    """Read-only: policies change on the Approval policies page (`approval_policy_save`)."""

    list_display = [
        "risk",
        "required_approvals",
        "eligible_group",
        "must_include_group",
        "requires_change_window",
    ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        page = reverse("governance:approval_policies")
        self.message_user(
            request, format_html('Edit them on the <a href="{}">Approval policies</a> page.', page)
        )
        return super().changelist_view(request, extra_context)


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
class RfcEventAdmin(ReadOnlyAdmin):
    list_display = ["rfc", "name", "actor", "from_status", "to_status", "created_at"]
    list_select_related = ["rfc", "actor"]


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "is_active", "note", "created_by", "created_at"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "team", "channel", "start_date", "end_date"]
    search_fields = ["name"]


# --- data health: the rest goes through the pages/API services and is read-only here.


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 1


class RotationOverrideInline(admin.TabularInline):
    model = RotationOverride
    extra = 1


@admin.register(Rotation)
class RotationAdmin(HistoryAdmin):
    """The rotation editor: the form and its inlines are validated here, then the rotation,
    its roster and overrides are written together by `rotation_save`."""

    list_display = ["name", "starts_at", "escalate_after_minutes"]
    filter_horizontal = ["channels"]
    inlines = [RotationMemberInline, RotationOverrideInline]

    def save_model(
        self, request: HttpRequest, obj: Rotation, form: ModelForm, change: bool
    ) -> None:
        """Nothing yet: `save_related` hands the rotation and its inlines to the service."""

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseInlineFormSet], change: bool
    ) -> None:
        kept = {
            formset.model: [row for row in formset.cleaned_data if row and not row.get("DELETE")]
            for formset in formsets
        }
        rotation_save(
            actor=actor_of(request),
            rotation=form.instance,
            channels=form.cleaned_data.get("channels", []),
            members=[
                RosterMember(user=row["user"], position=row["position"])
                for row in kept.get(RotationMember, [])
            ],
            overrides=[
                RosterOverride(
                    user=row["user"],
                    starts_at=row["starts_at"],
                    ends_at=row["ends_at"],
                    reason=row.get("reason", ""),
                )
                for row in kept.get(RotationOverride, [])
            ],
        )

    def construct_change_message(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseInlineFormSet] | None,
        add: bool = False,
    ) -> list[dict[str, Any]]:
        # The service replaced the inline rows; the formsets saved none of their own.
        return super().construct_change_message(request, form, None, add)

    def delete_model(self, request: HttpRequest, obj: Rotation) -> None:
        rotation_delete(actor=actor_of(request), rotation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rotation]) -> None:
        for rotation in queryset:
            rotation_delete(actor=actor_of(request), rotation=rotation)


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
