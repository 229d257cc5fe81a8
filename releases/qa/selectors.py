"""Reads of checklist templates, runs and pre-flight runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from releases.qa.models import ChecklistRun, ChecklistTemplate, ItemResult, PreflightRun


def checklist_templates() -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.select_related("current_version")
        .annotate(version_count=Count("versions"))
        .order_by("phase", "name")
    )


def checklist_runs_for(request: Any) -> list[ChecklistRun]:
    return list(
        ChecklistRun.objects.filter(request=request)
        .select_related("template_version__template")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=ItemResult.objects.select_related("item", "checked_by")
                .prefetch_related(
                    Prefetch(
                        "preflight_runs",
                        queryset=PreflightRun.objects.order_by("-created_at"),
                    )
                )
                .order_by("item__position"),
            )
        )
        .order_by("phase", "id")
    )


def checklist_runs() -> QuerySet[ChecklistRun]:
    return ChecklistRun.objects.select_related("template_version__template", "request").order_by(
        "-created_at", "-id"
    )


def preflight_runs() -> QuerySet[PreflightRun]:
    return PreflightRun.objects.select_related("created_by").order_by("-created_at", "-id")
