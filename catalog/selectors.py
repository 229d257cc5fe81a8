"""Reads on the catalog: querysets with their joins, and what each user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from mops.accounts.roles import READ_EVERYTHING, has_role

from .models import (
    Calendar,
    SelfServeCompletion,
    Service,
    ServiceStatus,
    ServiceVersion,
    SlaPolicy,
    Template,
    TemplateVersion,
)


def sees_all_services(user: Any) -> bool:
    """MOPS staff and leadership see drafts and retired services; others only active ones."""
    return has_role(user, READ_EVERYTHING)


def services_visible_to(user: Any) -> QuerySet[Service]:
    qs = Service.objects.select_related(
        "owner_team", "sla_policy__calendar", "current_version"
    ).prefetch_related(
        Prefetch("templates", queryset=Template.objects.select_related("current_version"))
    )
    if not sees_all_services(user):
        qs = qs.filter(status=ServiceStatus.ACTIVE)
    return qs.order_by("name")


def service_versions(service: Service) -> QuerySet[ServiceVersion]:
    return service.versions.select_related("created_by", "sla_policy").order_by("-number")


def sla_policies() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("calendar").order_by("name")


def calendars() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related("closed_days").order_by("name")


def templates() -> QuerySet[Template]:
    return Template.objects.select_related("owner_team", "current_version__author").order_by("name")


def template_versions(template: Template) -> QuerySet[TemplateVersion]:
    return template.versions.select_related("author", "restored_from").order_by("-number")


def completions_visible_to(user: Any) -> QuerySet[SelfServeCompletion]:
    """Self-serve completions: all for MOPS staff and leadership, else the user's team's
    (or only their own when they have no team)."""
    qs = SelfServeCompletion.objects.select_related("service", "user", "team")
    if has_role(user, READ_EVERYTHING):
        return qs
    team_id = getattr(user, "team_id", None)
    if team_id:
        return qs.filter(team_id=team_id)
    return qs.filter(user=user)
