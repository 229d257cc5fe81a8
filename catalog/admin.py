"""Django admin for the catalog: history and look-ups, read-only. Services, templates,
calendars and SLA policies change through the catalog pages/API and their services (which
write new versions), never here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mops.core.admin import ReadOnlyAdmin

from .models import (
    Calendar,
    ClosedDay,
    Service,
    ServiceVersion,
    SlaPolicy,
    Template,
    TemplateVersion,
)


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Calendar)
class CalendarAdmin(ReadOnlyAdmin):
    """Read-only: calendars change through the catalog pages/API (one write path)."""

    list_display = ["name", "time_zone", "updated_at"]
    inlines = [ClosedDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    """Read-only: SLA policies change through the catalog pages/API (one write path)."""

    list_display = ["name", "calendar", "delivery_hours_simple", "at_risk_percent"]


@admin.register(ServiceVersion)
class ServiceVersionAdmin(ReadOnlyAdmin):
    list_display = ["service", "number", "complexity", "sla_policy", "created_by", "created_at"]
    list_filter = ["service"]


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdmin):
    list_display = ["template", "number", "author", "created_at"]
    list_filter = ["template"]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    """Read-only: `service_create` / `service_update` and the lifecycle services write them."""

    list_display = ["name", "status", "default_complexity", "self_serve", "sla_policy"]
    list_filter = ["status", "self_serve", "change_type"]
    search_fields = ["name"]


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    """Read-only: `template_create` / `template_update` / `template_publish` write them."""

    list_display = ["name", "kind", "channel", "current_version"]
    list_filter = ["kind", "channel"]
